/// What a comparison decided about one measurement.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    /// The whole interval of the change lies beyond the threshold, in the bad (good) direction.
    case regression, improvement
    /// The whole interval lies within ±threshold.
    case unchanged
    /// The interval reaches both inside and beyond the threshold (or there is none): the data
    /// cannot tell. The reason says how wide it was and what would settle it.
    case inconclusive
    /// In the baseline, not in the current run.
    case missing
    /// In the current run, not (or not usable) in the baseline.
    case new
    /// The current measurement failed (verification, error or hang).
    case failed
    /// Skipped or implausible on one side: no figure to compare.
    case notCompared = "not-compared"
}

/// The comparison stored in a measurement of a `--baseline` run: thresholds used, the change
/// with its interval, and the verdict.
@MemberwiseInit
@SnakeCaseCodingKeys
public struct ComparisonRecord: Codable, Sendable, Equatable {
    /// The baseline file (several joined by ", ").
    public var baselineFile: String
    public var baselineMedian: Double?
    /// (current − baseline) / baseline, in the unit's own direction: the estimate of the change.
    public var change: Double?
    /// The interval of the change; absent when the data give none.
    public var changeLow: Double?
    public var changeHigh: Double?
    public var method: ChangeMethod?
    public var threshold: Double
    public var confidence: Double
    /// Mann–Whitney p-value: only in files written before intervals (suanli.result/2), read as is.
    public var pValue: Double?
    public var verdict: Verdict
    public var reason: String?
}

/// How the interval of a change was found: the Hodges–Lehmann interval of all samples, or the
/// spread between repeat medians (see `ChangeEstimate`).
public enum ChangeMethod: String, Codable, Sendable {
    case hodgesLehmann = "hodges-lehmann"
    case betweenRepeats = "between-repeats"
}
