// CPU feature detection (portable module only, not symlinked into the AVX2 module).
//
// Swift has no CPUID intrinsic, so on Linux the kernel's view is used: the
// `flags` line of /proc/cpuinfo (x86-64) or the `Features` line (arm64). Linux
// only reports `avx`, `avx2`, `fma` and `avx512*` when the OS has also enabled
// the matching register state in XCR0 (what XGETBV/OSXSAVE would tell us), so
// these flags already mean "usable", not just "present in silicon".

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of CPU feature names (lower case, /proc/cpuinfo spelling: `sse4_2`,
/// `avx`, `avx2`, `fma`, `avx512f`, and on arm64 `neon`, `asimd`, `sve`, ...).
public struct CPUFeatureSet: Sendable, Equatable {
    public let flags: Set<String>

    public init(flags: Set<String>) { self.flags = flags }

    /// Parses the text of /proc/cpuinfo. Uses the first `flags` (x86) or `Features`
    /// (arm) line; on arm, `asimd` also adds the name `neon`.
    public static func parse(procCpuinfo text: String) -> CPUFeatureSet {
        var flags = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: " \t")
            guard key == "flags" || key == "Features" else { continue }
            for word in line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                flags.insert(word.lowercased())
            }
            break
        }
        if flags.contains("asimd") { flags.insert("neon") }
        return CPUFeatureSet(flags: flags)
    }

    /// Features of the machine this process runs on. On Linux, from /proc/cpuinfo;
    /// on arm64 without /proc/cpuinfo (macOS), `neon` (baseline on arm64); otherwise empty.
    public static func current() -> CPUFeatureSet {
        if let text = readFile("/proc/cpuinfo") {
            var set = parse(procCpuinfo: text)
            #if arch(arm64)
            if !set.flags.contains("neon") { set = CPUFeatureSet(flags: set.flags.union(["neon"])) }
            #endif
            return set
        }
        #if arch(arm64)
        return CPUFeatureSet(flags: ["neon"])
        #else
        return CPUFeatureSet(flags: [])
        #endif
    }

    public func has(_ name: String) -> Bool { flags.contains(name.lowercased()) }

    public var hasSSE42: Bool { has("sse4_2") }
    public var hasAVX: Bool { has("avx") }
    /// AVX2 and FMA (and AVX), i.e. the CPUKernelsAVX2 module may run here.
    public var hasAVX2FMA: Bool { has("avx") && has("avx2") && has("fma") }
    public var hasAVX512F: Bool { has("avx512f") }
    /// AVX-512 F, BW, DQ and VL with AVX2 and FMA, i.e. the CPUKernelsAVX512 module
    /// (-target-cpu skylake-avx512) may run here. Linux lists these only when the OS saves
    /// the opmask and zmm state; hybrid (P+E core) parts do not list them.
    public var hasAVX512Kernels: Bool {
        hasAVX2FMA && has("avx512f") && has("avx512bw") && has("avx512dq") && has("avx512vl")
    }
    public var hasNEON: Bool { has("neon") }
    public var hasSVE: Bool { has("sve") }

    /// Short summary for reports, e.g. "sse4.2 avx avx2 fma avx512f".
    public var summary: String {
        var out: [String] = []
        if hasSSE42 { out.append("sse4.2") }
        if hasAVX { out.append("avx") }
        if has("avx2") { out.append("avx2") }
        if has("fma") { out.append("fma") }
        if hasAVX512F { out.append("avx512f") }
        if hasNEON { out.append("neon") }
        if hasSVE { out.append("sve") }
        return out.joined(separator: " ")
    }

    private static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if got <= 0 { break }
            bytes.append(contentsOf: buf[0..<got])
            // Only the first processor's block is needed.
            if bytes.count > (1 << 20) { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
