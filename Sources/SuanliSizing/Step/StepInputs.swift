/// Everything one training-step estimate needs, after parsing; `validate` says what is wrong.
public struct StepInputs: Sendable {
    public var shape: TransformerShape
    public var parallelism: Parallelism
    public var hardware: HardwareModel
    public var attention: AttentionKernel
    /// Bytes per gradient element in the data-parallel reduction.
    public var gradientBytes: Double
    /// Training tokens, for days and device-hours; nil for one step only.
    public var tokens: Double?
    /// Report a configuration that does not fit in memory instead of refusing it.
    public var ignoreMemory: Bool

    public init(
        shape: TransformerShape, parallelism: Parallelism, hardware: HardwareModel,
        attention: AttentionKernel = .flash, gradientBytes: Double = Defaults.gradientBytesPerParam,
        tokens: Double? = nil, ignoreMemory: Bool = false
    ) {
        self.shape = shape
        self.parallelism = parallelism
        self.hardware = hardware
        self.attention = attention
        self.gradientBytes = gradientBytes
        self.tokens = tokens
        self.ignoreMemory = ignoreMemory
    }

    /// Throws the first problem as a usage error (exit 64), naming the options.
    public func validate() throws(SizingError) {
        try shape.validate()
        let p = parallelism
        let counts: [(String, Int)] = [
            ("--tp", p.tensor), ("--pp", p.pipeline), ("--dp", p.data), ("--cp", p.context),
            ("--microbatch", p.microbatch), ("--global-batch", p.globalBatch), ("--interleave", p.interleave),
            ("--gpus-per-node", p.gpusPerNode),
        ]
        for (option, value) in counts where value < 1 {
            throw SizingError.usage("\(option) must be a whole number of at least 1, got \(value)")
        }
        guard (0...3).contains(p.zeroStage) else {
            throw SizingError.usage("--zero must be 0, 1, 2 or 3, got \(p.zeroStage)")
        }
        guard shape.heads % p.tensor == 0 else {
            throw SizingError.usage("--tp \(p.tensor) does not divide the \(shape.heads) attention heads")
        }
        guard shape.kvHeads % p.tensor == 0 || p.tensor % shape.kvHeads == 0 else {
            throw SizingError.usage(
                "--tp \(p.tensor) and the \(shape.kvHeads) key/value heads do not divide one another")
        }
        guard shape.ffn % p.tensor == 0 else {
            throw SizingError.usage("--tp \(p.tensor) does not divide the MLP width \(shape.ffn) (--ffn)")
        }
        if p.balanceEmbedding {
            guard p.pipeline > 1, (shape.layers + 2) % p.pipeline == 0 else {
                throw SizingError.usage(
                    "--balance-embedding needs --pp to divide layers + 2 (\(shape.layers) + 2); --pp is \(p.pipeline)")
            }
        } else if shape.layers % p.pipeline != 0 {
            let hint = (shape.layers + 2) % p.pipeline == 0
                ? "; with the embedding and output layers as one slot each it does: add --balance-embedding" : ""
            throw SizingError.usage("--pp \(p.pipeline) does not divide the \(shape.layers) layers\(hint)")
        }
        let slots = p.slotsPerStage(layers: shape.layers)
        if p.interleave > 1 {
            guard p.pipeline > 1 else { throw SizingError.usage("--interleave needs pipeline parallelism (--pp > 1)") }
            guard slots % p.interleave == 0 else {
                throw SizingError.usage(
                    "--interleave \(p.interleave) does not divide the \(slots) layers of each pipeline stage")
            }
        }
        guard p.globalBatch % (p.data * p.microbatch) == 0 else {
            throw SizingError.usage(
                "--global-batch \(p.globalBatch) is not divisible by --dp × --microbatch (\(p.data) × \(p.microbatch))")
        }
        if p.interleave > 1 && p.microbatches % p.pipeline != 0 {
            throw SizingError.usage(
                "the interleaved schedule needs the \(p.microbatches) micro-batches per pipeline to be a multiple of --pp \(p.pipeline)")
        }
        guard shape.seqLen % p.context == 0 else {
            throw SizingError.usage("--cp \(p.context) does not divide the sequence length \(shape.seqLen)")
        }
        if p.sequenceParallel && p.tensor == 1 {
            throw SizingError.usage("--sequence-parallel shards over the tensor-parallel group; it needs --tp > 1")
        }
        if p.overlapGradReduce && p.data == 1 {
            throw SizingError.usage("--overlap-grad-reduce needs data parallelism (--dp > 1)")
        }
        if p.overlapParamGather && (p.zeroStage == 0 || p.data == 1) {
            throw SizingError.usage("--overlap-param-gather overlaps the distributed optimizer's weight all-gather: it needs --zero 1 or more and --dp > 1")
        }
        if p.tpCommOverlap && !p.sequenceParallel {
            throw SizingError.usage("--tp-comm-overlap overlaps the all-gathers and reduce-scatters of sequence parallelism: it needs --sequence-parallel")
        }
        if p.tpCommOverlap && !p.tensorWithinNode {
            throw SizingError.usage("--tp-comm-overlap copies between the devices of one node (userbuffers over NVLink): it needs --tp \(p.tensor) ≤ --gpus-per-node \(p.gpusPerNode)")
        }
        guard gradientBytes > 0, gradientBytes.isFinite else {
            throw SizingError.usage("--gradient-bytes-per-param must be greater than 0")
        }
        if let tokens, !(tokens > 0 && tokens.isFinite) {
            throw SizingError.usage("--tokens must be greater than 0")
        }
    }
}
