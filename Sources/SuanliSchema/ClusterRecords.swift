/// One rank of a cluster run, as recorded in the gathered result file.
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

    enum CodingKeys: String, CodingKey {
        case rank, host, devices, steps
        case localRank = "local_rank"
        case clockOffset = "clock_offset"
        case clockUncertainty = "clock_uncertainty"
    }

    public init(rank: Int, localRank: Int, host: HostInfo, devices: [DeviceDescriptor], steps: [StepWindow]? = nil,
                clockOffset: Double? = nil, clockUncertainty: Double? = nil) {
        self.rank = rank
        self.localRank = localRank
        self.host = host
        self.devices = devices
        self.steps = steps
        self.clockOffset = clockOffset
        self.clockUncertainty = clockUncertainty
    }
}

/// One step of one rank: from the moment it left the step's barrier to the moment the step
/// returned. Seconds on the job's common clock (rank 0's clock, zero at the first synchronisation).
public struct StepWindow: Codable, Sendable, Equatable {
    /// The step's label (`gemm fp32 1024x1024x1024`, `stream fp64`, …; ` #2` on a repeated step).
    public var step: String
    public var start: Double
    public var end: Double

    public init(step: String, start: Double, end: Double) {
        self.step = step
        self.start = start
        self.end = end
    }
}

/// A rank and its figure.
public struct RankValue: Codable, Sendable, Equatable {
    public var rank: Int
    public var host: String
    public var value: Double

    public init(rank: Int, host: String, value: Double) {
        self.rank = rank
        self.host = host
        self.value = value
    }
}

/// One metric across the ranks of a cluster run.
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

    public init(suite: Suite, kernel: String, precision: Precision? = nil, size: [String: Int], unit: Unit,
                ranks: Int, total: Double? = nil, perNode: [String: Double]? = nil, median: Double,
                slowest: RankValue, fastest: RankValue, stragglers: [RankValue], stragglerThreshold: Double,
                step: String? = nil, overlap: Double? = nil, suspect: Bool? = nil, overlapThreshold: Double? = nil) {
        self.suite = suite
        self.kernel = kernel
        self.precision = precision
        self.size = size
        self.unit = unit
        self.ranks = ranks
        self.total = total
        self.perNode = perNode
        self.median = median
        self.slowest = slowest
        self.fastest = fastest
        self.stragglers = stragglers
        self.stragglerThreshold = stragglerThreshold
        self.step = step
        self.overlap = overlap
        self.suspect = suspect
        self.overlapThreshold = overlapThreshold
    }

    enum CodingKeys: String, CodingKey {
        case suite, kernel, precision, size, unit, ranks, total, median, slowest, fastest, stragglers, step, overlap, suspect
        case perNode = "per_node"
        case stragglerThreshold = "straggler_threshold"
        case overlapThreshold = "overlap_threshold"
    }
}

/// What each rank sends to rank 0.
public struct RankReport: Codable, Sendable {
    public var info: RankInfo
    public var measurements: [Measurement]
    /// The step (a label of `info.steps`) that produced each measurement, in order.
    public var measurementSteps: [String]?
    public init(info: RankInfo, measurements: [Measurement], measurementSteps: [String]? = nil) {
        self.info = info
        self.measurements = measurements
        self.measurementSteps = measurementSteps
    }
}
