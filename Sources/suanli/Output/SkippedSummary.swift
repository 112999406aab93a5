import SuanliCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Skipped measurements folded for people: one line per device and reason instead of one row each
/// (a CPU without fp16, bf16, int8, tf32 and fp8 kernels skips a dozen or more). Reasons that differ
/// only in naming their own precision ("no bf16 kernels", "no int8 kernels") fold into one line.
/// The table shows the rows with --show-skipped; JSON and CSV always hold every measurement.
enum SkippedSummary {
    /// Skipped measurements that share a device and a reason.
    struct Group {
        let device: String
        /// The reason with `marker` where a measurement named its own precision.
        let reason: String
        var measurements: [Measurement]
    }

    static let marker = "\u{1}"

    /// The groups of the skipped measurements in `measurements`, in order of first appearance.
    static func groups(_ measurements: [Measurement]) -> [Group] {
        var groups: [Group] = []
        for m in measurements where m.status == .skipped {
            let reason = generalized(m.reason ?? "no reason given", precision: m.precision)
            if let index = groups.firstIndex(where: { $0.device == m.device && $0.reason == reason }) {
                groups[index].measurements.append(m)
            } else {
                groups.append(Group(device: m.device, reason: reason, measurements: [m]))
            }
        }
        return groups
    }

    /// One line per group: "skipped 8: gemm, peak × bf16, int8, tf32, fp8 — the native CPU path has
    /// no bf16/int8/tf32/fp8 kernels"; with `namingDevices`, "skipped 8 on cpu: …".
    static func lines(_ measurements: [Measurement], namingDevices: Bool) -> [String] {
        groups(measurements).map { group in
            let precisions = unique(group.measurements.compactMap(\.precision?.rawValue))
            let reason = group.reason.replacingOccurrences(of: marker, with: precisions.joined(separator: "/"))
            let device = namingDevices ? " on \(group.device)" : ""
            return "skipped \(group.measurements.count)\(device): \(what(group.measurements)) — \(reason)"
        }
    }

    /// The suites and precisions skipped: "gemm, peak × bf16, int8" when the group holds every
    /// combination of them, else each "suite precision" pair.
    static func what(_ measurements: [Measurement]) -> String {
        let suites = unique(measurements.map(\.suite.rawValue))
        let precisions = unique(measurements.compactMap(\.precision?.rawValue))
        let pairs = unique(measurements.map { [$0.suite.rawValue, $0.precision?.rawValue].compactMap { $0 }.joined(separator: " ") })
        if precisions.isEmpty || pairs.count == 1 { return pairs.joined(separator: ", ") }
        let everyPrecisionHasOne = measurements.allSatisfy { $0.precision != nil }
        if everyPrecisionHasOne && suites.count * precisions.count == pairs.count {
            return suites.joined(separator: ", ") + " × " + precisions.joined(separator: ", ")
        }
        return pairs.joined(separator: ", ")
    }

    /// `reason` with the first whole-word mention of `precision` replaced by `marker`.
    static func generalized(_ reason: String, precision: Precision?) -> String {
        guard let name = precision?.rawValue else { return reason }
        for range in reason.ranges(of: name) {
            let before = range.lowerBound == reason.startIndex ? nil : reason[reason.index(before: range.lowerBound)]
            let after = range.upperBound == reason.endIndex ? nil : reason[range.upperBound]
            if !isWordCharacter(before) && !isWordCharacter(after) {
                var generalized = reason
                generalized.replaceSubrange(range, with: marker)
                return generalized
            }
        }
        return reason
    }

    private static func isWordCharacter(_ c: Character?) -> Bool {
        guard let c else { return false }
        return c.isLetter || c.isNumber || c == "_" || c == "-"
    }

    private static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
