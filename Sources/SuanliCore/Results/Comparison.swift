#if canImport(Glibc)
import Glibc
#endif

/// What a comparison decided about one measurement.
public enum Verdict: String, Codable, Sendable {
    case regression, improvement, unchanged
    /// In the baseline, not in the current run.
    case missing
    /// In the current run, not (or not usable) in the baseline.
    case new
    /// The current measurement failed (verification, error or hang).
    case failed
    /// Skipped or implausible on one side: no figure to compare.
    case notCompared = "not-compared"
}

/// The comparison stored in a measurement of a `--baseline` run: thresholds used and verdict.
public struct ComparisonRecord: Codable, Sendable, Equatable {
    public var baselineFile: String
    public var baselineMedian: Double?
    /// (current − baseline) / baseline, in the unit's own direction.
    public var change: Double?
    public var threshold: Double
    public var confidence: Double
    public var pValue: Double?
    public var verdict: Verdict

    public init(baselineFile: String, baselineMedian: Double?, change: Double?, threshold: Double, confidence: Double,
                pValue: Double?, verdict: Verdict) {
        self.baselineFile = baselineFile
        self.baselineMedian = baselineMedian
        self.change = change
        self.threshold = threshold
        self.confidence = confidence
        self.pValue = pValue
        self.verdict = verdict
    }

    enum CodingKeys: String, CodingKey {
        case change, threshold, confidence, verdict
        case baselineFile = "baseline_file"
        case baselineMedian = "baseline_median"
        case pValue = "p_value"
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

    public static func < (a: Self, b: Self) -> Bool {
        (a.device, a.suite, a.kernel, a.precision, a.size, a.metric ?? "") < (b.device, b.suite, b.kernel, b.precision, b.size, b.metric ?? "")
    }
}

/// One row of a comparison.
public struct ComparisonRow: Codable, Sendable {
    public var key: MeasurementKey
    public var unit: String
    public var higherIsBetter: Bool
    public var baseline: Double?
    public var current: Double?
    public var change: Double?
    public var threshold: Double
    public var pValue: Double?
    public var rangesOverlap: Bool?
    public var verdict: Verdict
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case key, unit, baseline, current, change, threshold, verdict, reason
        case higherIsBetter = "higher_is_better"
        case pValue = "p_value"
        case rangesOverlap = "ranges_overlap"
    }
}

/// Thresholds and confidence of a comparison.
public struct ComparisonOptions: Sendable {
    /// Relative change that counts, e.g. 0.05 for 5%.
    public var threshold: Double
    /// Per-suite overrides.
    public var suiteThresholds: [Suite: Double]
    /// Confidence of the rank test, e.g. 0.99.
    public var confidence: Double

    public init(threshold: Double = 0.05, suiteThresholds: [Suite: Double] = [:], confidence: Double = 0.99) {
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

    public func count(_ verdict: Verdict) -> Int { rows.filter { $0.verdict == verdict }.count }
    public var hasRegression: Bool { count(.regression) > 0 }
    public var hasFailure: Bool { count(.failed) > 0 }
}

extension Measurement {
    /// The efficiency as a measurement of its own (median and samples over the average watts of
    /// the timed runs) and its unit; nil without an energy figure, and for latencies.
    public var perWattMetric: (measurement: Measurement, unit: String)? {
        guard let watts = energy?.avgWatts, watts > 0, unit != .microseconds else { return nil }
        var m = self
        m.samples = samples.map { $0 / watts }
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

/// Noise-aware, polarity-aware comparison of two result documents.
public enum Comparator {
    /// A change counts only when it exceeds the threshold in the bad (or good) direction *and*
    /// the two sample sets really differ: their ranges (min to max) do not overlap *and* a
    /// two-sided Mann–Whitney U test rejects "same distribution" at `confidence` (when both sides
    /// have at least 3 samples).
    public static func compare(baseline: ResultDocument, current: ResultDocument, baselineName: String,
                               currentName: String, options: ComparisonOptions) -> ComparisonReport {
        var base: [MeasurementKey: Measurement] = [:]
        for m in baseline.measurements { base[MeasurementKey(m)] = m }
        var seen = Set<MeasurementKey>()
        var rows: [ComparisonRow] = []
        for m in current.measurements {
            let key = MeasurementKey(m)
            seen.insert(key)
            rows.append(row(key: key, baseline: base[key], current: m, options: options))
        }
        for (key, m) in base where !seen.contains(key) {
            rows.append(ComparisonRow(key: key, unit: m.unit.rawValue, higherIsBetter: m.higherIsBetter, baseline: m.median,
                                      current: nil, change: nil, threshold: options.threshold(for: m.suite), pValue: nil,
                                      rangesOverlap: nil, verdict: .missing, reason: "not measured in the current run"))
        }
        rows += perWattRows(baseline: baseline, current: current, options: options)
        rows.sort { $0.key < $1.key }
        return ComparisonReport(baseline: baselineName, current: currentName, threshold: options.threshold,
                                confidence: options.confidence, rows: rows)
    }

    /// Energy efficiency compared like any other metric, where either run measured it: the
    /// samples are the rate samples over the measurement's average watts.
    static func perWattRows(baseline: ResultDocument, current: ResultDocument, options: ComparisonOptions) -> [ComparisonRow] {
        var base: [MeasurementKey: (Measurement, String)] = [:]
        for m in baseline.measurements { if let e = m.perWattMetric { base[MeasurementKey(m)] = e } }
        var rows: [ComparisonRow] = []
        var seen = Set<MeasurementKey>()
        for m in current.measurements where m.status != .failed {
            let key = MeasurementKey(m)
            seen.insert(key)
            guard let (c, unit) = m.perWattMetric else {
                if let (b, unit) = base[key] {
                    var row = ComparisonRow(key: key, unit: unit, higherIsBetter: true, baseline: b.median, current: nil, change: nil,
                                            threshold: options.threshold(for: m.suite), pValue: nil, rangesOverlap: nil,
                                            verdict: .missing, reason: "no power sensor measured it in the current run")
                    row.key.metric = "per-watt"
                    rows.append(row)
                }
                continue
            }
            var row = self.row(key: key, baseline: base[key]?.0, current: c, options: options)
            row.key.metric = "per-watt"
            row.unit = unit
            if base[key] == nil { row.reason = "no power sensor measured it in the baseline" }
            rows.append(row)
        }
        return rows
    }

    static func row(key: MeasurementKey, baseline b: Measurement?, current c: Measurement, options: ComparisonOptions) -> ComparisonRow {
        let threshold = options.threshold(for: c.suite)
        var row = ComparisonRow(key: key, unit: c.unit.rawValue, higherIsBetter: c.higherIsBetter, baseline: b?.median,
                                current: c.median, change: nil, threshold: threshold, pValue: nil, rangesOverlap: nil,
                                verdict: .unchanged, reason: nil)
        if c.status == .failed {
            row.verdict = .failed
            row.reason = c.reason
            return row
        }
        if let b, b.status != .ok, c.status != .ok {
            row.verdict = .notCompared
            row.reason = "\(c.status.rawValue) in both runs"
            return row
        }
        guard let b, b.status == .ok, let baseMedian = b.median else {
            row.verdict = .new
            row.reason = b == nil ? "not in the baseline" : "no usable baseline figure (\(b!.status.rawValue))"
            return row
        }
        guard c.status == .ok, let currentMedian = c.median else {
            row.verdict = .notCompared
            row.reason = "current measurement \(c.status.rawValue)"
            return row
        }
        let change = (currentMedian - baseMedian) / baseMedian
        row.change = change
        let overlap = !(b.samples.max() ?? baseMedian < c.samples.min() ?? currentMedian
                        || c.samples.max() ?? currentMedian < b.samples.min() ?? baseMedian)
        row.rangesOverlap = overlap
        let p = mannWhitneyPValue(b.samples, c.samples)
        row.pValue = p
        // Conservative: every sample of one run beats every sample of the other, and (with enough
        // samples for it) the rank test agrees. Run-to-run drift on shared machines is larger than
        // the spread inside a run, so a rank test alone flags too much.
        let differ = !overlap && (p.map { $0 < 1 - options.confidence } ?? true)
        let better = c.higherIsBetter ? change > 0 : change < 0
        if abs(change) > threshold && differ {
            row.verdict = better ? .improvement : .regression
        } else if abs(change) > threshold {
            row.reason = overlap ? "within noise: the sample ranges overlap"
                : "within noise: p = \(p.map { formatted($0, decimals: 3) } ?? "n/a")"
        }
        return row
    }

    /// Two-sided p-value of the Mann–Whitney U test, normal approximation with tie and
    /// continuity corrections. nil when either side has fewer than 3 samples.
    public static func mannWhitneyPValue(_ x: [Double], _ y: [Double]) -> Double? {
        let n1 = Double(x.count), n2 = Double(y.count)
        guard x.count >= 3, y.count >= 3 else { return nil }
        var all = x.map { ($0, 0) } + y.map { ($0, 1) }
        all.sort { $0.0 < $1.0 }
        var ranks = [Double](repeating: 0, count: all.count)
        var tieTerm = 0.0
        var i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for r in i...j { ranks[r] = rank }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            i = j + 1
        }
        let r1 = zip(all, ranks).filter { $0.0.1 == 0 }.reduce(0) { $0 + $1.1 }
        let u1 = r1 - n1 * (n1 + 1) / 2
        let mean = n1 * n2 / 2
        let n = n1 + n2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return 1 }
        let z = (abs(u1 - mean) - 0.5) / variance.squareRoot()
        return min(1, max(0, erfc(max(0, z) / 2.squareRoot())))
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
