/// How activations are recomputed in the backward pass (Korthikanti et al. 2022).
public enum Recompute: String, CaseIterable, Sendable, Equatable, Codable {
    /// Everything stored.
    case none
    /// The attention core (scores, softmax, dropout, attention over values) recomputed; the rest stored.
    case selective
    /// Only each layer's input stored; the whole forward pass repeated in the backward pass.
    case full
}

/// How the attention core runs.
public enum AttentionKernel: String, CaseIterable, Sendable, Equatable, Codable {
    /// A fused kernel (FlashAttention): no s × s scores in memory, causal blocks skipped.
    case flash
    /// Scores written to memory: two batched GEMMs, with softmax and dropout as memory-bound kernels
    /// (Megatron-LM's fused softmax, as in the 2021–2022 runs).
    case materialized
}

/// The parallel layout of one training run.
public struct Parallelism: Sendable, Equatable {
    public var tensor: Int
    public var pipeline: Int
    public var data: Int
    public var context: Int
    /// Sequences per micro-batch.
    public var microbatch: Int
    /// Sequences per iteration across all data-parallel replicas.
    public var globalBatch: Int
    /// Model chunks per pipeline stage (interleaved 1F1B schedule); 1 is plain 1F1B.
    public var interleave: Int
    public var recompute: Recompute
    /// Sequence parallelism: norms and dropout sharded over the tensor-parallel group; all-reduces
    /// become reduce-scatter plus all-gather.
    public var sequenceParallel: Bool
    /// ZeRO stage 0–3: shards optimizer state (≥1), gradients (≥2) and weights (3) over data parallelism.
    public var zeroStage: Int
    public var gpusPerNode: Int
    /// The first and last pipeline stages each hold one transformer layer fewer, in place of the
    /// embedding and the output layer (BLOOM, Llama 3): stages hold (layers + 2) / pipeline slots.
    public var balanceEmbedding: Bool
    /// The data-parallel gradient reduction overlaps the backward pass of the last micro-batch.
    public var overlapGradReduce: Bool
    /// With ZeRO ≥ 1, the all-gather of the updated weights overlaps the next iteration's forward pass
    /// of the first micro-batch (Megatron-LM `--overlap-param-gather`).
    public var overlapParamGather = false
    /// With sequence parallelism, Transformer Engine's userbuffers overlap the tensor-parallel
    /// all-gathers and reduce-scatters with the GEMMs beside them (Megatron-LM `--tp-comm-overlap`).
    public var tpCommOverlap = false

    public init(
        tensor: Int = 1, pipeline: Int = 1, data: Int = 1, context: Int = 1, microbatch: Int = 1, globalBatch: Int,
        interleave: Int = 1, recompute: Recompute = .none, sequenceParallel: Bool = false, zeroStage: Int = 0,
        gpusPerNode: Int = 8, balanceEmbedding: Bool = false, overlapGradReduce: Bool = false
    ) {
        self.tensor = tensor
        self.pipeline = pipeline
        self.data = data
        self.context = context
        self.microbatch = microbatch
        self.globalBatch = globalBatch
        self.interleave = interleave
        self.recompute = recompute
        self.sequenceParallel = sequenceParallel
        self.zeroStage = zeroStage
        self.gpusPerNode = gpusPerNode
        self.balanceEmbedding = balanceEmbedding
        self.overlapGradReduce = overlapGradReduce
    }

    /// Devices: tensor × pipeline × data × context.
    public var devices: Int { tensor * pipeline * data * context }

    /// Micro-batches each pipeline runs per iteration: global batch / (data × micro-batch).
    public var microbatches: Int { globalBatch / max(data * microbatch, 1) }

    /// Layer slots per pipeline stage.
    public func slotsPerStage(layers: Int) -> Int {
        (layers + (balanceEmbedding ? 2 : 0)) / max(pipeline, 1)
    }

    /// Transformer layers on the busiest stage and on the last stage (which also runs the output layer).
    public func stageLayers(layers: Int) -> (middle: Int, last: Int) {
        let slots = slotsPerStage(layers: layers)
        if pipeline == 1 { return (layers, layers) }
        return (slots, balanceEmbedding ? slots - 1 : slots)
    }

    /// Whether a group whose ranks follow `inner` faster-varying ranks stays inside one node.
    /// Rank order, fastest first: tensor, context, data, pipeline (Megatron-LM's order).
    func withinNode(groupSize: Int, inner: Int) -> Bool {
        groupSize <= 1 || groupSize * inner <= gpusPerNode
    }

    public var tensorWithinNode: Bool { withinNode(groupSize: tensor, inner: 1) }
    public var contextWithinNode: Bool { withinNode(groupSize: context, inner: tensor) }
    public var dataWithinNode: Bool { withinNode(groupSize: data, inner: tensor * context) }
    /// Ranks of one data-parallel group on each node (tensor and context ranks vary faster).
    public var dataRanksPerNode: Int { max(1, min(data, gpusPerNode / max(1, tensor * context))) }
    public var pipelineWithinNode: Bool { withinNode(groupSize: pipeline, inner: tensor * context * data) }
}
