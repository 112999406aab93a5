#if canImport(Glibc)
import Glibc
#endif

/// The relative change of one metric between a baseline and a current side, (current − baseline)
/// / baseline in the unit's own direction, with a confidence interval.
///
/// Two estimators, chosen by what the data hold:
/// - `hodges-lehmann` (a side has a single repeat): the Hodges–Lehmann shift of the log samples,
///   the median of all pairwise differences log(current) − log(baseline), with its
///   distribution-free interval (the order statistics of those differences that the Mann–Whitney
///   U distribution gives; exact up to 2,500 pairs). Chosen over a bootstrap of the median ratio
///   because its coverage holds exactly at the small sample counts benchmarks take (a bootstrap of
///   5 samples has only a handful of distinct medians and gives intervals that are too narrow),
///   because it is deterministic (the same files always give the same verdict), and because one
///   sample in three can be arbitrarily wrong without moving it. It sees the noise inside one run
///   only: drift between runs is invisible to it.
/// - `between-repeats` (both sides have two or more repeats, after Kalibera & Jones, "Rigorous
///   benchmarking in reasonable time", 2013): each repeat is summarised by its median, and Welch's
///   t interval on the logs of those medians gives the interval, so run-to-run drift widens it. It
///   is never narrower than the Hodges–Lehmann interval of all samples pooled (where that exists):
///   three repeat medians that happen to agree do not make a change more certain than the samples do.
public struct ChangeEstimate: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable {
        case hodgesLehmann = "hodges-lehmann"
        case betweenRepeats = "between-repeats"
    }

    /// Point estimate of the relative change.
    public var change: Double
    /// Lower and upper ends of the interval; nil when the data cannot give one at `confidence`
    /// (too few samples), which makes the interval unbounded.
    public var low: Double?
    public var high: Double?
    public var confidence: Double
    public var method: Method
    public var baselineRepeats: Int
    public var currentRepeats: Int
    public var baselineSamples: Int
    public var currentSamples: Int

    enum CodingKeys: String, CodingKey {
        case change, low, high, confidence, method
        case baselineRepeats = "baseline_repeats"
        case currentRepeats = "current_repeats"
        case baselineSamples = "baseline_samples"
        case currentSamples = "current_samples"
    }

    public var isBounded: Bool { low != nil && high != nil }
    /// high − low, nil when unbounded.
    public var width: Double? { low.flatMap { l in high.map { $0 - l } } }
}

/// One side of a comparison for one metric: every sample, and one median per repeat.
public struct ComparedSide: Sendable {
    public var samples: [Double]
    /// One figure per repeat (a file without repeats is one repeat: its median).
    public var repeatMedians: [Double]

    public init(samples: [Double], repeatMedians: [Double]) {
        self.samples = samples
        self.repeatMedians = repeatMedians
    }
}

public enum ChangeEstimator {
    /// The estimate, or nil when a side has no samples or a non-positive one (the change is on
    /// the log scale, so every figure must be positive).
    public static func estimate(baseline: ComparedSide, current: ComparedSide, confidence: Double) -> ChangeEstimate? {
        guard !baseline.samples.isEmpty, !current.samples.isEmpty,
              (baseline.samples + current.samples + baseline.repeatMedians + current.repeatMedians).allSatisfy({ $0 > 0 && $0.isFinite })
        else { return nil }
        let pooled = hodgesLehmann(baseline: baseline.samples.map(log), current: current.samples.map(log), confidence: confidence)
        var estimate = ChangeEstimate(change: expm1(pooled.shift), low: pooled.low.map(expm1), high: pooled.high.map(expm1),
                                      confidence: confidence, method: .hodgesLehmann,
                                      baselineRepeats: max(1, baseline.repeatMedians.count),
                                      currentRepeats: max(1, current.repeatMedians.count),
                                      baselineSamples: baseline.samples.count, currentSamples: current.samples.count)
        guard baseline.repeatMedians.count >= 2, current.repeatMedians.count >= 2 else { return estimate }
        let welch = welchInterval(baseline: baseline.repeatMedians.map(log), current: current.repeatMedians.map(log),
                                  confidence: confidence)
        estimate.method = .betweenRepeats
        estimate.change = expm1(welch.shift)
        // Never narrower than the pooled samples' own interval (where they give one).
        estimate.low = expm1(pooled.low.map { min(welch.low, $0) } ?? welch.low)
        estimate.high = expm1(pooled.high.map { max(welch.high, $0) } ?? welch.high)
        return estimate
    }

    /// Hodges–Lehmann shift (current − baseline) and its distribution-free interval at
    /// `confidence`; the ends are nil when the sample counts are too small for it.
    public static func hodgesLehmann(baseline: [Double], current: [Double], confidence: Double)
        -> (shift: Double, low: Double?, high: Double?) {
        var differences: [Double] = []
        differences.reserveCapacity(baseline.count * current.count)
        for c in current { for b in baseline { differences.append(c - b) } }
        differences.sort()
        let count = differences.count
        let shift = count % 2 == 1 ? differences[count / 2] : (differences[count / 2 - 1] + differences[count / 2]) / 2
        guard let k = Distributions.shiftIntervalRank(baseline.count, current.count, confidence: confidence) else {
            return (shift, nil, nil)
        }
        return (shift, differences[k - 1], differences[count - k])
    }

    /// Welch's t interval for mean(current) − mean(baseline), each side with at least 2 values.
    public static func welchInterval(baseline: [Double], current: [Double], confidence: Double)
        -> (shift: Double, low: Double, high: Double) {
        func meanAndVariance(_ x: [Double]) -> (Double, Double) {
            let mean = x.reduce(0, +) / Double(x.count)
            return (mean, x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1))
        }
        let (mb, sb) = meanAndVariance(baseline), (mc, sc) = meanAndVariance(current)
        let (rb, rc) = (Double(baseline.count), Double(current.count))
        let vb = sb / rb, vc = sc / rc
        let denominator = vb * vb / (rb - 1) + vc * vc / (rc - 1)
        // Welch–Satterthwaite degrees of freedom; with no spread at all, the pooled count.
        let df = denominator > 0 ? (vb + vc) * (vb + vc) / denominator : rb + rc - 2
        let half = Distributions.studentTQuantile(1 - (1 - confidence) / 2, df: df) * (vb + vc).squareRoot()
        let shift = mc - mb
        return (shift, shift - half, shift + half)
    }
}
