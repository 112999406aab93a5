/// One rank of a cluster run, as recorded in the gathered result file.
@MemberwiseInit
@SnakeCaseCodingKeys
public struct RankInfo: Codable, Sendable {
    public var rank: Int
    public var localRank: Int
    public var host: HostInfo
    /// The rank's devices, ids prefixed `r<rank>:`.
    public var devices: [DeviceDescriptor]
    /// When this rank ran each of its steps, on the job's common clock (absent in files written
    /// before steps were aligned).
    public var steps: [StepWindow]?
    /// This rank's clock minus rank 0's, in seconds, as measured at the start of the job.
    public var clockOffset: Double?
    /// The largest error of the common clock (half the shortest synchronisation round trip), seconds.
    public var clockUncertainty: Double?
}

/// One step of one rank: from the moment it left the step's barrier to the moment the step
/// returned. Seconds on the job's common clock (rank 0's clock, zero at the first synchronisation).
@MemberwiseInit
public struct StepWindow: Codable, Sendable, Equatable {
    /// The step's label (`gemm fp32 1024x1024x1024`, `stream fp64`, …; ` #2` on a repeated step).
    public var step: String
    public var start: Double
    public var end: Double
}

/// A rank and its figure.
@MemberwiseInit
public struct RankValue: Codable, Sendable, Equatable {
    public var rank: Int
    public var host: String
    public var value: Double
}

/// One metric across the ranks of a cluster run.
@MemberwiseInit
@SnakeCaseCodingKeys
public struct AggregateRecord: Codable, Sendable {
    public var suite: Suite
    public var kernel: String
    public var precision: Precision?
    public var size: [String: Int]
    public var unit: Unit
    public var ranks: Int
    /// Sum over ranks (throughputs only).
    public var total: Double?
    /// Sum per host (throughputs only).
    public var perNode: [String: Double]?
    public var median: Double
    public var slowest: RankValue
    public var fastest: RankValue
    /// Ranks more than `stragglerThreshold` worse than the median.
    public var stragglers: [RankValue]
    public var stragglerThreshold: Double
    /// The step that measured this metric on every rank (its label in `RankInfo.steps`).
    public var step: String? = nil
    /// How much the ranks' windows of that step overlap: the time every rank was in the step over
    /// the time any rank was (1: measured together; 0: one after the other).
    public var overlap: Double? = nil
    /// True when `overlap` is under `overlapThreshold`: the total adds rates measured at different times.
    public var suspect: Bool? = nil
    public var overlapThreshold: Double? = nil
}

/// What each rank sends to rank 0.
@MemberwiseInit
public struct RankReport: Codable, Sendable {
    public var info: RankInfo
    public var measurements: [Measurement]
    /// The step (a label of `info.steps`) that produced each measurement, in order.
    public var measurementSteps: [String]?
}
