/// A number as people write it (`175B`, `15.6T`, `2.5k`), parsed once; the command line builds it
/// through `ExpressibleByArgument`. Only finite values parse.
public struct Amount: Sendable, Equatable, CustomStringConvertible {
    public var value: Double
    public var text: String

    public init?(parsing text: String) {
        guard let value = Quantity.parse(text), value.isFinite else { return nil }
        self.value = value
        self.text = text
    }

    public init(_ value: Double) {
        self.value = value
        text = Format.short(value)
    }

    public var description: String { text }
}

/// `suanli size step` (and `size train` with parallelism) as typed on the command line.
public struct StepOptions: Sendable, Equatable {
    // Model: --model NAME, or a shape (options override the catalog's figures).
    public var model: String?
    public var layers: Int?
    public var hidden: Int?
    public var heads: Int?
    public var kvHeads: Int?
    public var ffn: Int?
    public var gatedFFN = false
    public var untiedEmbeddings = false
    public var vocab: Int?
    public var seqLen: Int?
    // Parallelism.
    public var tp = 1
    public var pp = 1
    public var dp = 1
    public var cp = 1
    public var microbatch = 1
    public var globalBatch: Int?
    public var interleave = 1
    public var recompute = Recompute.none
    public var sequenceParallel = false
    public var zero = 0
    public var gpusPerNode = 8
    public var balanceEmbedding = false
    public var overlapGradReduce = false
    public var overlapParamGather = false
    public var tpCommOverlap = false
    public var attention = AttentionKernel.flash
    public var gradientBytesPerParam: Amount?
    // Hardware.
    public var device: String?
    public var precision: String?
    public var calibrate: String?
    public var calibrateDevice: String?
    public var intraNodeGBps: Amount?
    public var interNodeGBps: Amount?
    // Run.
    public var tokens: Amount?
    public var ignoreMemory = false
    // Software calibration: fit from one measured iteration, or apply a saved fit.
    public var measuredIteration: Amount?
    public var saveCalibration: String?
    public var calibration: String?

    public init() {}

    /// Whether any parallelism option differs from a single device (used by `size train`).
    public var describesParallelism: Bool {
        tp != 1 || pp != 1 || dp != 1 || cp != 1 || globalBatch != nil || interleave != 1 || recompute != .none
            || sequenceParallel || zero != 0 || balanceEmbedding || overlapGradReduce || overlapParamGather
            || tpCommOverlap
    }
}
