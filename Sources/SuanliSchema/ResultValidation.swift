/// A result file whose figures contradict themselves or physics: refused by every reader
/// (`compare`, `report`, `size --calibrate`, `bench --baseline`), exit 5, in one line naming the
/// file, the measurement and the field.
public struct ResultValidationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as given.
    public var file: String
    /// 0-based index of the measurement in the file's `measurements`.
    public var index: Int
    /// device, suite, kernel, precision and size of the measurement.
    public var measurement: String
    /// The JSON field, e.g. `median`, `samples[3]`.
    public var field: String
    /// What is wrong with it.
    public var problem: String

    /// The exit status of every command that refuses such a file.
    public static let exitCode: Int32 = 5

    public var description: String {
        "\(file): measurement \(index) (\(measurement)): \(field) \(problem)"
    }
}

/// The checks that make a result file unable to lie. Only measurements that carry a figure are
/// checked (`ok`, `implausible`, `suspect`): a `failed` or `skipped` one has none to check. The
/// rules, per measurement:
/// - every sample is a finite number above zero (rates and times alike: nothing runs in zero time
///   or at a negative rate), and so are `median`, `min`, `max`, `p10`, `p90` where present;
/// - an `ok` measurement has a median and at least one sample;
/// - the median lies within its own samples (smallest to largest);
/// - `repeat_sample_counts` add up to the number of samples, and there is one `repeat_medians`
///   entry per repeat;
/// - a rate's median does not exceed the `theoretical_peak` the file itself states, unless the
///   measurement is flagged `implausible` (which is how the bench records exactly that).
public enum ResultValidation {
    /// Throws the first problem found, as a `ResultValidationError` naming `name`.
    public static func validate(_ document: ResultDocument, name: String) throws {
        for (index, m) in document.measurements.enumerated() {
            if let problem = problem(in: m) {
                throw ResultValidationError(file: name, index: index, measurement: describe(m), field: problem.field,
                                            problem: problem.text)
            }
        }
    }

    /// device suite/kernel precision size, e.g. `cpu stream/triad fp32 n=1024`.
    public static func describe(_ m: Measurement) -> String {
        var parts = [m.device + (m.rank.map { "#r\($0)" } ?? ""), m.suite.rawValue + "/" + m.kernel]
        if let precision = m.precision { parts.append(precision.rawValue) }
        let size = m.size.keys.sorted().map { "\($0)=\(m.size[$0]!)" }.joined(separator: ",")
        if !size.isEmpty { parts.append(size) }
        return parts.joined(separator: " ")
    }

    /// The first problem of one measurement: the field and what is wrong.
    public static func problem(in m: Measurement) -> (field: String, text: String)? {
        switch m.status {
        case .failed, .skipped: return nil
        case .ok, .implausible, .suspect: break
        }
        // Samples: finite and positive. One pass, no allocation (files hold millions).
        var smallest = Double.infinity, largest = -Double.infinity
        for (i, s) in m.samples.enumerated() {
            if let text = badFigure(s) { return ("samples[\(i)]", text) }
            if s < smallest { smallest = s }
            if s > largest { largest = s }
        }
        for (field, value) in [("median", m.median), ("min", m.min), ("max", m.max), ("p10", m.p10), ("p90", m.p90)] {
            if let value, let text = badFigure(value) { return (field, text) }
        }
        if let cv = m.cv, !(cv.isFinite && cv >= 0) { return ("cv", "is \(show(cv)): must be a finite number ≥ 0") }
        if m.status == .ok {
            guard m.median != nil else { return ("median", "is absent in an ok measurement") }
            guard !m.samples.isEmpty else { return ("samples", "is empty in an ok measurement with median \(show(m.median!))") }
        }
        if let median = m.median, !m.samples.isEmpty {
            // The median of stored samples is one of them or the mean of two: never outside.
            if median < smallest || median > largest {
                return ("median", "\(show(median)) lies outside its own samples (\(show(smallest)) to \(show(largest)))")
            }
        } else if let median = m.median {
            return ("samples", "is empty but the median is \(show(median))")
        }
        if let counts = m.repeatSampleCounts {
            if let bad = counts.firstIndex(where: { $0 < 1 }) {
                return ("repeat_sample_counts[\(bad)]", "is \(counts[bad]): every repeat takes at least one sample")
            }
            let total = counts.reduce(0, +)
            if total != m.samples.count {
                return ("samples", "holds \(m.samples.count) values but repeat_sample_counts add up to \(total)")
            }
            if let medians = m.repeatMedians, medians.count != counts.count {
                return ("repeat_medians", "holds \(medians.count) values for \(counts.count) repeats (repeat_sample_counts)")
            }
        }
        if let medians = m.repeatMedians {
            for (i, value) in medians.enumerated() {
                if let text = badFigure(value) { return ("repeat_medians[\(i)]", text) }
            }
            if m.repeatSampleCounts == nil && medians.count > m.samples.count {
                return ("repeat_medians", "holds \(medians.count) repeats for \(m.samples.count) samples")
            }
        }
        if let peak = m.theoreticalPeak {
            if let text = badFigure(peak) { return ("theoretical_peak", text) }
            if m.higherIsBetter, m.status != .implausible, let median = m.median, median > peak * (1 + 1e-9) {
                return ("median", "\(show(median)) \(m.unit.rawValue) exceeds the file's own theoretical_peak \(show(peak)) "
                        + "but is not flagged implausible")
            }
        }
        return nil
    }

    /// Why a figure cannot be a rate or a time, or nil when it can.
    static func badFigure(_ value: Double) -> String? {
        if value.isNaN { return "is NaN" }
        if value.isInfinite { return "is infinite" }
        if value < 0 { return "is negative (\(show(value)))" }
        if value == 0 { return "is zero" }
        return nil
    }

    static func show(_ value: Double) -> String {
        value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-infinity" : "infinity") : "\(value)"
    }
}
