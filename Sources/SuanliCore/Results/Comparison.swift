import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

extension ComparisonRecord {
    public init(row: ComparisonRow, baselineFile: String, confidence: Double) {
        self.init(baselineFile: baselineFile, baselineMedian: row.baseline, change: row.change,
                  changeLow: row.interval?.low, changeHigh: row.interval?.high, method: row.interval?.method,
                  threshold: row.threshold, confidence: confidence, verdict: row.verdict, reason: row.reason)
    }
}

/// Identity of a measurement across runs.
public struct MeasurementKey: Hashable, Sendable, Codable, Comparable {
    public var device: String
    public var suite: String
    public var kernel: String
    public var precision: String
    public var size: String
    /// nil for the measurement's own figure; `per-watt` for its efficiency (GFLOP/s/W, GB/s/W).
    public var metric: String?

    public init(_ m: Measurement) {
        device = m.device + (m.rank.map { "#r\($0)" } ?? "")
        suite = m.suite.rawValue
        kernel = m.kernel
        precision = m.precision?.rawValue ?? ""
        size = m.size.keys.sorted().map { "\($0)=\(m.size[$0]!)" }.joined(separator: ",")
    }

    /// Device, suite, kernel, precision, size, then metric (none first), as a tuple compares.
    public static func < (a: Self, b: Self) -> Bool {
        if a.device != b.device { return a.device < b.device }
        if a.suite != b.suite { return a.suite < b.suite }
        if a.kernel != b.kernel { return a.kernel < b.kernel }
        if a.precision != b.precision { return a.precision < b.precision }
        if a.size != b.size { return a.size < b.size }
        return (a.metric ?? "") < (b.metric ?? "")
    }
}

/// One row of a comparison.
@SnakeCaseCodingKeys
public struct ComparisonRow: Codable, Sendable {
    public var key: MeasurementKey
    public var unit: String
    public var higherIsBetter: Bool
    /// Median of every sample of the side.
    public var baseline: Double?
    public var current: Double?
    /// The estimated relative change (`interval.change`), in the unit's own direction.
    public var change: Double?
    /// The change with its interval, how it was estimated and from how many repeats and samples.
    public var interval: ChangeEstimate?
    public var threshold: Double
    public var verdict: Verdict
    public var reason: String?
}

/// Thresholds and confidence of a comparison.
public struct ComparisonOptions: Sendable {
    /// Relative change that counts, e.g. 0.05 for 5%.
    public var threshold: Double
    /// Per-suite overrides.
    public var suiteThresholds: [Suite: Double]
    /// Confidence of the interval of the change, e.g. 0.95.
    public var confidence: Double

    public static let defaultConfidence = 0.95

    public init(threshold: Double = 0.05, suiteThresholds: [Suite: Double] = [:], confidence: Double = Self.defaultConfidence) {
        self.threshold = threshold
        self.suiteThresholds = suiteThresholds
        self.confidence = confidence
    }

    public func threshold(for suite: Suite) -> Double { suiteThresholds[suite] ?? threshold }
}

/// A whole comparison, with counts for exit codes.
public struct ComparisonReport: Codable, Sendable {
    public var baseline: String
    public var current: String
    public var threshold: Double
    public var confidence: Double
    public var rows: [ComparisonRow]
    /// How many rows have each verdict (every verdict listed, zeros included).
    public var counts: [String: Int]

    public init(baseline: String, current: String, threshold: Double, confidence: Double, rows: [ComparisonRow]) {
        self.baseline = baseline
        self.current = current
        self.threshold = threshold
        self.confidence = confidence
        self.rows = rows
        counts = Dictionary(uniqueKeysWithValues: Verdict.allCases.map { v in (v.rawValue, rows.filter { $0.verdict == v }.count) })
    }

    public func count(_ verdict: Verdict) -> Int { rows.filter { $0.verdict == verdict }.count }
    public var hasRegression: Bool { count(.regression) > 0 }
    public var hasFailure: Bool { count(.failed) > 0 }
    public var hasInconclusive: Bool { count(.inconclusive) > 0 }
    /// Some interval came from one run per side: it sees the noise inside a run, not drift between runs.
    public var usesWithinRunIntervals: Bool { rows.contains { $0.interval?.method == .hodgesLehmann } }
}

extension Measurement {
    /// The efficiency as a measurement of its own (median and samples over the average watts of
    /// the timed runs) and its unit; nil without an energy figure, and for latencies.
    public var perWattMetric: (measurement: Measurement, unit: String)? {
        guard let watts = energy?.avgWatts, watts > 0, unit != .microseconds else { return nil }
        var m = self
        m.samples = samples.map { $0 / watts }
        m.repeatMedians = repeatMedians?.map { $0 / watts }
        m.median = median.map { $0 / watts }
        m.min = min.map { $0 / watts }
        m.max = max.map { $0 / watts }
        m.p10 = p10.map { $0 / watts }
        m.p90 = p90.map { $0 / watts }
        m.theoreticalPeak = nil
        m.fractionOfPeak = nil
        m.energy = nil
        return (m, unit == .gflops ? "GFLOP/s/W" : "GB/s/W")
    }
}

/// A result file given to a comparison: its name (path) and contents.
public struct NamedResult: Sendable {
    public var name: String
    public var document: ResultDocument
    public init(name: String, document: ResultDocument) { self.name = name; self.document = document }
}

/// Noise-aware, polarity-aware comparison of result documents, one or several per side.
public enum Comparator {
    /// Compares one baseline file with one current file.
    public static func compare(baseline: ResultDocument, current: ResultDocument, baselineName: String,
                               currentName: String, options: ComparisonOptions) -> ComparisonReport {
        compare(baselines: [NamedResult(name: baselineName, document: baseline)],
                currents: [NamedResult(name: currentName, document: current)], options: options)
    }

    /// Each file is one or more repeats of its side: a file written by `bench --repeat R` holds R
    /// (`repeat_medians`), any other file one. Measurements are matched by device, suite, kernel,
    /// precision and size; each gets the change with its interval (`ChangeEstimator`) and a verdict
    /// from where that interval lies against ±threshold.
    public static func compare(baselines: [NamedResult], currents: [NamedResult], options: ComparisonOptions) -> ComparisonReport {
        let base = gather(baselines)
        let now = gather(currents)
        // Rows are independent: computed on every core, in chunks, kept in order.
        let order = now.order
        let chunk = 256
        let chunks = (order.count + chunk - 1) / chunk
        let parts = Mutex<[[ComparisonRow]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { part in
            let computed = order[(part * chunk)..<Swift.min(order.count, (part + 1) * chunk)].map { key in
                row(key: key, baseline: base.byKey[key], current: now.byKey[key]!, options: options)
            }
            parts.withLock { $0[part] = computed }
        }
        var rows = parts.withLock { $0.flatMap { $0 } }
        for key in base.order where now.byKey[key] == nil {
            let m = base.byKey[key]!.first!
            rows.append(ComparisonRow(key: key, unit: m.unit.rawValue, higherIsBetter: m.higherIsBetter, baseline: m.median,
                                      current: nil, change: nil, interval: nil, threshold: options.threshold(for: m.suite),
                                      verdict: .missing, reason: "not measured in the current run"))
        }
        rows += perWattRows(base: base, now: now, options: options)
        rows.sort { $0.key < $1.key }
        return ComparisonReport(baseline: baselines.map(\.name).joined(separator: ", "),
                                current: currents.map(\.name).joined(separator: ", "),
                                threshold: options.threshold, confidence: options.confidence, rows: rows)
    }

    /// Energy efficiency compared like any other metric, where either side measured it: the
    /// samples (and repeat medians) are the rate's over the measurement's average watts.
    static func perWattRows(base: Gathered, now: Gathered, options: ComparisonOptions) -> [ComparisonRow] {
        var rows: [ComparisonRow] = []
        for key in now.order {
            let current = now.byKey[key]!.filter { $0.status != .failed }
            guard let m = current.first else { continue }
            let currentPerWatt = current.compactMap(\.perWattMetric)
            let basePerWatt = (base.byKey[key] ?? []).compactMap(\.perWattMetric)
            guard let unit = currentPerWatt.first?.unit else {
                if let b = basePerWatt.first {
                    var row = ComparisonRow(key: key, unit: b.unit, higherIsBetter: true, baseline: b.measurement.median, current: nil,
                                            change: nil, interval: nil, threshold: options.threshold(for: m.suite),
                                            verdict: .missing, reason: "no power sensor measured it in the current run")
                    row.key.metric = "per-watt"
                    rows.append(row)
                }
                continue
            }
            var row = self.row(key: key, baseline: basePerWatt.isEmpty ? nil : basePerWatt.map(\.measurement),
                               current: currentPerWatt.map(\.measurement), options: options)
            row.key.metric = "per-watt"
            row.unit = unit
            if basePerWatt.isEmpty { row.reason = "no power sensor measured it in the baseline" }
            rows.append(row)
        }
        return rows
    }

    typealias Gathered = (order: [MeasurementKey], byKey: [MeasurementKey: [Measurement]])

    /// Every file's measurement of each key, in file order.
    static func gather(_ files: [NamedResult]) -> Gathered {
        var order: [MeasurementKey] = []
        var byKey: [MeasurementKey: [Measurement]] = [:]
        for file in files {
            for m in file.document.measurements {
                let key = MeasurementKey(m)
                if byKey[key] == nil { order.append(key) }
                byKey[key, default: []].append(m)
            }
        }
        return (order, byKey)
    }

    /// The usable (ok) measurements of one side as samples (sorted: sorted once here, for the
    /// median and the change estimate alike) and repeat medians.
    static func side(_ measurements: [Measurement]) -> ComparedSide? {
        let usable = measurements.filter { $0.status == .ok && $0.median != nil && !$0.samples.isEmpty }
        guard !usable.isEmpty else { return nil }
        var samples = usable.count == 1 ? usable[0].samples : usable.flatMap(\.samples)
        PairwiseDifferences.sortSamples(&samples)
        return ComparedSide(samples: samples,
                            repeatMedians: usable.flatMap { m in m.repeatMedians.flatMap { $0.isEmpty ? nil : $0 } ?? [m.median!] })
    }

    /// `Summary(samples)?.median` of samples already sorted (`side`), without sorting them again.
    static func median(sorted samples: [Double]) -> Double? {
        guard !samples.isEmpty, samples.allSatisfy(\.isFinite) else { return nil }
        return Summary.percentile(samples, 0.5)
    }

    static func row(key: MeasurementKey, baseline: [Measurement]?, current: [Measurement], options: ComparisonOptions) -> ComparisonRow {
        let c = current.first!
        let threshold = options.threshold(for: c.suite)
        let currentSide = side(current)
        let baselineSide = baseline.flatMap(side)
        var row = ComparisonRow(key: key, unit: c.unit.rawValue, higherIsBetter: c.higherIsBetter,
                                baseline: baselineSide.flatMap { median(sorted: $0.samples) },
                                current: currentSide.flatMap { median(sorted: $0.samples) },
                                change: nil, interval: nil, threshold: threshold, verdict: .inconclusive, reason: nil)
        if let failed = current.first(where: { $0.status == .failed }) {
            row.verdict = .failed
            row.reason = failed.reason
            return row
        }
        guard let baseline else {
            row.verdict = .new
            row.reason = "not in the baseline"
            return row
        }
        guard let baselineSide else {
            let status = baseline.first!.status
            if currentSide == nil {
                row.verdict = .notCompared
                row.reason = "\(c.status.rawValue) in the current run, \(status.rawValue) in the baseline"
            } else {
                row.verdict = .new
                row.reason = "no usable baseline figure (\(status.rawValue))"
            }
            return row
        }
        guard let currentSide else {
            row.verdict = .notCompared
            row.reason = "current measurement \(c.status.rawValue)"
            return row
        }
        guard let estimate = ChangeEstimator.estimate(baseline: baselineSide, current: currentSide, confidence: options.confidence) else {
            row.verdict = .notCompared
            row.reason = "a figure is zero or negative: no relative change"
            return row
        }
        row.change = estimate.change
        row.interval = estimate
        (row.verdict, row.reason) = verdict(for: estimate, threshold: threshold, higherIsBetter: c.higherIsBetter)
        return row
    }

    /// Regression or improvement when the whole interval lies beyond the threshold, unchanged
    /// when it lies within ±threshold, inconclusive otherwise; with the reason.
    public static func verdict(for e: ChangeEstimate, threshold t: Double, higherIsBetter: Bool) -> (Verdict, String) {
        guard let low = e.low, let high = e.high else {
            let perSide = minimumSamplesPerSide(confidence: e.confidence)
            return (.inconclusive, "\(e.baselineSamples) vs \(e.currentSamples) samples give no \(percent(e.confidence)) interval: take at least \(perSide) samples per side")
        }
        // Strictly beyond: an interval that ends on the threshold (to rounding) does not clear it.
        let margin = 1e-9
        if high < -t - margin || low > t + margin {
            let worse = (high < -t - margin) == higherIsBetter
            return (worse ? .regression : .improvement, "whole interval " + (high < -t ? "below -" : "above +") + percent(t))
        }
        if low >= -t && high <= t {
            return (.unchanged, "whole interval within ±\(percent(t))")
        }
        let crossed = [low < -t && high > -t ? "-" + percent(t) : nil, low < t && high > t ? "+" + percent(t) : nil]
            .compactMap { $0 }.joined(separator: " and ")
        return (.inconclusive, "interval \(percent(high - low)) wide crosses \(crossed); " + settle(e, threshold: t))
    }

    /// What would make an inconclusive interval decisive: the interval narrows as 1/√n, so it
    /// needs (half-width / distance from the estimate to the nearer threshold)² times the data.
    static func settle(_ e: ChangeEstimate, threshold t: Double) -> String {
        guard let low = e.low, let high = e.high else { return "more samples" }
        let estimate = log1p(e.change)
        let half = max(estimate - log1p(low), log1p(high) - estimate)
        let distance = min(abs(estimate - log1p(-t)), abs(estimate - log1p(t)))
        guard distance > 1e-4 else { return "the change sits at the threshold: no practical amount of data settles it" }
        let factor = min((half / distance) * (half / distance), 1e6)
        if e.method == .betweenRepeats {
            let repeats = Int((Double(max(e.baselineRepeats, e.currentRepeats)) * factor).rounded(.up)) + 1
            return "about \(max(repeats, 3)) repeats per side would settle it"
        }
        let samples = Int((Double(max(e.baselineSamples, e.currentSamples)) * factor).rounded(.up))
        return "about \(max(samples, 4)) samples per side, or repeats on both sides, would settle it"
    }

    /// The fewest samples per side for which a distribution-free interval exists at `confidence`.
    public static func minimumSamplesPerSide(confidence: Double) -> Int {
        var n = 2
        while n < 50 && Distributions.shiftIntervalRank(n, n, confidence: confidence) == nil { n += 1 }
        return n
    }

    /// 5% or 2.5%: whole percentages without decimals.
    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return formatted(value, decimals: abs(value - value.rounded()) < 1e-9 ? 0 : 1) + "%"
    }

    /// Why the two runs are on different hardware, or nil when they match: CPU model and cores,
    /// and the name of every device measured in both.
    public static func hardwareDifference(baseline: ResultDocument, current: ResultDocument) -> String? {
        var reasons: [String] = []
        if baseline.host.cpuModel != current.host.cpuModel || baseline.host.logicalCores != current.host.logicalCores {
            reasons.append("host CPU \(baseline.host.cpuModel) ×\(baseline.host.logicalCores) vs \(current.host.cpuModel) ×\(current.host.logicalCores)")
        }
        let baseDevices = Dictionary(baseline.devices.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        for device in current.devices {
            if let name = baseDevices[device.id], name != device.name {
                reasons.append("\(device.id) is \(name) in the baseline but \(device.name) now")
            }
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
