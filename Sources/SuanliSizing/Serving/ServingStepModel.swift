import SuanliSchema

/// Closed forms of serving a dense decoder (grouped-query attention, plain or gated MLP), as
/// pure functions on a `TransformerShape`. Units: FLOPs, bytes, seconds, per second.
///
/// - A matrix product of an m×k by k×n matrix costs 2·m·k·n FLOPs. A token passes every
///   linear layer once (attention Q, K, V, O; the MLP's two or three matrices) and the
///   output layer (vocab × hidden), so its linear FLOPs are 2 × those weights.
/// - Attention over a context of c tokens: Q·Kᵀ and the weighted sum of V, each
///   2·heads·headDim·c = 2·hidden·c per layer. Grouped-query attention shares K/V heads but
///   not this work: it shrinks the KV cache, not the FLOPs.
/// - The KV cache holds K and V of every layer for every token: 2·layers·kvHeads·headDim values.
public enum ServingStepModel {
    /// Weights a token multiplies through: every layer's attention and MLP, and the output layer.
    public static func matmulParametersPerToken(_ s: TransformerShape) -> Double {
        Double(s.layers) * (s.attentionParametersPerLayer + s.mlpParametersPerLayer) + Double(s.vocab) * Double(s.hidden)
    }

    /// FLOPs to decode one token that attends to `context` earlier tokens.
    public static func decodeFLOPsPerToken(_ s: TransformerShape, context: Double) -> Double {
        2 * matmulParametersPerToken(s) + 4 * Double(s.layers) * Double(s.hidden) * context
    }

    /// FLOPs to prefill one prompt of `inputTokens` tokens: every token through the linear
    /// layers, logits for the last token only, and causal attention (token j attends to j tokens).
    public static func prefillFLOPs(_ s: TransformerShape, inputTokens: Double) -> Double {
        let layers = Double(s.layers), hidden = Double(s.hidden)
        let linear = 2 * inputTokens * layers * (s.attentionParametersPerLayer + s.mlpParametersPerLayer)
        let logits = 2 * Double(s.vocab) * hidden
        // Σ_{j=1..I} 4·hidden·j per layer = 2·hidden·I·(I+1).
        let attention = 2 * layers * hidden * inputTokens * (inputTokens + 1)
        return linear + logits + attention
    }

    /// KV-cache bytes of one token: K and V for every layer and KV head.
    public static func kvBytesPerToken(_ s: TransformerShape, kvBytes: Double) -> Double {
        2 * Double(s.layers) * Double(s.kvWidth) * kvBytes
    }

    /// KV-cache bytes of one sequence of `tokens` tokens (prompt and generated).
    public static func kvBytesPerSequence(_ s: TransformerShape, tokens: Double, kvBytes: Double) -> Double {
        tokens * kvBytesPerToken(s, kvBytes: kvBytes)
    }

    /// Bytes of all weights: the linear layers of the transformer blocks at `linearBytes` each;
    /// embeddings, output layer and norms at 16 bits (the quantized checkpoints this model is
    /// checked against quantize only the blocks' linear layers).
    public static func weightBytes(_ s: TransformerShape, linearBytes: Double) -> Double {
        let linear = Double(s.layers) * (s.attentionParametersPerLayer + s.mlpParametersPerLayer)
        let sixteenBit = s.parameterCount - linear
        return linear * linearBytes + sixteenBit * 2
    }

    /// Weight bytes read by one decode step: all weights except the input embedding table,
    /// of which a step gathers only one row per sequence (a tied table is read as the output layer).
    public static func weightBytesReadPerStep(_ s: TransformerShape, linearBytes: Double) -> Double {
        let inputTable = s.tiedEmbeddings ? 0 : Double(s.vocab) * Double(s.hidden) * 2
        return weightBytes(s, linearBytes: linearBytes) - inputTable
    }

    /// KV heads each of `tp` devices keeps: heads are split across devices, and replicated
    /// when there are more devices than KV heads.
    public static func kvHeadsPerDevice(_ s: TransformerShape, tp: Int) -> Double {
        max(1, Double(s.kvHeads) / Double(tp)).rounded(.up)
    }

    /// Why a shape cannot be split over `tp` devices; nil when it can.
    public static func tensorParallelProblem(_ s: TransformerShape, tp: Int) -> String? {
        if tp < 1 { return "--tp must be a whole number of at least 1, got \(tp)" }
        if s.heads % tp != 0 {
            return "--tp \(tp) does not divide --heads \(s.heads) (tensor parallelism splits the attention heads)"
        }
        if s.kvHeads % tp != 0 && tp % s.kvHeads != 0 {
            return "--tp \(tp) and --kv-heads \(s.kvHeads): one must divide the other (KV heads are split across devices, or replicated when fewer)"
        }
        if s.ffn % tp != 0 {
            return "--tp \(tp) does not divide --ffn \(s.ffn) (tensor parallelism splits the MLP)"
        }
        return nil
    }
}

/// Fractions of the compute and bandwidth ceilings a serving engine attains.
@MemberwiseInit
public struct ServingEfficiency: Sendable, Equatable {
    public var compute: Double
    public var bandwidth: Double
    /// Fraction of the achievable bandwidth (`ServingStep.achievableBandwidthBytesPerSecond`) the KV-cache
    /// reads attain; used only when the step knows an achievable bandwidth.
    public var kvBandwidth: Double = 1

    /// The ceilings themselves: the roofline bound.
    public static let bound = ServingEfficiency(compute: 1, bandwidth: 1)
}

/// One serving configuration: a shape split over `tp` devices, its precisions, a request
/// size and the per-device ceilings. Its methods give step times and per-request figures.
public struct ServingStep: Sendable, Equatable {
    public var shape: TransformerShape
    /// Bytes per weight of the blocks' linear layers.
    public var linearBytes: Double
    /// Bytes per KV-cache value.
    public var kvBytes: Double
    public var tp: Int
    public var inputTokens: Double
    public var outputTokens: Double
    /// Compute ceiling per device for the matrix products, FLOP/s.
    public var computeFLOPS: Double
    /// Memory bandwidth ceiling per device, bytes/s.
    public var bandwidthBytesPerSecond: Double
    /// The tensor-parallel group's link; all-reduces follow `Collective.allReduce`.
    public var link: Link
    public var efficiency: ServingEfficiency
    /// Measured GEMM rates by shape: when set, each matrix product runs at its shape's rate.
    public var gemmCurve: GEMMRateCurve?
    /// Bytes per activation value in the tensor-parallel all-reduces (16-bit).
    public var activationBytes: Double = 2
    /// How requests are batched; `prefillChunk` is the prompt tokens a continuous step takes (nil:
    /// whole prompts, each pausing the decode steps).
    public var scheduler: ServingScheduler = .continuous
    public var prefillChunk: Double?
    /// Host time added to every step (scheduling, input preparation, sampling), seconds.
    public var stepOverheadSeconds: Double = 0
    /// Fixed cost of each decode-attention kernel (one per layer), seconds.
    public var attentionKernelSeconds: Double = 0
    /// What a memory-bound kernel reaches (STREAM/BabelStream); when set, the KV-cache reads run at it
    /// × `efficiency.kvBandwidth` instead of the ceiling × `efficiency.bandwidth`.
    public var achievableBandwidthBytesPerSecond: Double?

    public init(
        shape: TransformerShape, linearBytes: Double, kvBytes: Double, tp: Int, inputTokens: Double,
        outputTokens: Double, computeFLOPS: Double, bandwidthBytesPerSecond: Double, link: Link,
        efficiency: ServingEfficiency, gemmCurve: GEMMRateCurve? = nil
    ) {
        self.shape = shape
        self.linearBytes = linearBytes
        self.kvBytes = kvBytes
        self.tp = tp
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.computeFLOPS = computeFLOPS
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.link = link
        self.efficiency = efficiency
        self.gemmCurve = gemmCurve
    }

    /// The same configuration at other efficiencies (the bound is `.bound`).
    public func with(_ efficiency: ServingEfficiency) -> ServingStep {
        var copy = self
        copy.efficiency = efficiency
        return copy
    }

    var devices: Double { Double(tp) }
    var attainedFLOPS: Double { computeFLOPS * efficiency.compute }
    var attainedBandwidth: Double { bandwidthBytesPerSecond * efficiency.bandwidth }
    /// Bandwidth the KV-cache reads attain.
    var kvAttainedBandwidth: Double {
        achievableBandwidthBytesPerSecond.map { $0 * efficiency.kvBandwidth } ?? attainedBandwidth
    }

    /// Mean context a decoded token attends to: the prompt and half the reply.
    public var meanContext: Double { inputTokens + outputTokens / 2 }

    /// KV-cache bytes per token on one device (its share of the KV heads).
    public var kvBytesPerTokenPerDevice: Double {
        let perHead = ServingStepModel.kvBytesPerToken(shape, kvBytes: kvBytes) / Double(shape.kvHeads)
        return perHead * ServingStepModel.kvHeadsPerDevice(shape, tp: tp)
    }

    /// KV-cache bytes one sequence holds across all devices at its full length (prompt + reply).
    public var kvBytesPerSequence: Double {
        ServingStepModel.kvBytesPerSequence(shape, tokens: inputTokens + outputTokens, kvBytes: kvBytes)
    }

    /// Weight bytes each device holds.
    public var weightBytesPerDevice: Double {
        ServingStepModel.weightBytes(shape, linearBytes: linearBytes) / devices
    }

    /// The largest batch whose KV cache (every sequence at its full length) fits in
    /// `kvBudgetBytesPerDevice`; 0 when not even one does.
    public func maxBatch(kvBudgetBytesPerDevice: Double) -> Int {
        guard kvBudgetBytesPerDevice > 0 else { return 0 }
        let perSequence = (inputTokens + outputTokens) * kvBytesPerTokenPerDevice
        let fitting = (kvBudgetBytesPerDevice / perSequence).rounded(.down)
        return fitting >= Double(Int.max / 2) ? Int.max / 2 : Int(fitting)
    }

    /// The matrix products of one device for `rows` tokens through every layer (and `logitRows`
    /// through the output layer), as (n, k) shapes split over the tensor-parallel devices: Q, K and V
    /// together, the attention output, the MLP's input matrices together, its output, the logits.
    func matmulShapes() -> (perLayer: [(n: Int, k: Int)], output: (n: Int, k: Int)) {
        let h = shape.hidden, t = tp
        let qkv = (shape.hidden + 2 * shape.kvWidth) / t
        let up = (shape.gatedFFN ? 2 : 1) * shape.ffn / t
        return ([(qkv, h), (h, h / t), (up, h), (h, shape.ffn / t)], (max(shape.vocab / t, 1), h))
    }

    /// Seconds for the matrix products of `rows` tokens in every layer and `logitRows` in the output
    /// layer: FLOPs over the attained rate, or, with a measured curve, each shape at its own rate.
    func matmulSeconds(rows: Double, logitRows: Double) -> Double {
        guard let curve = gemmCurve, rows >= 1 else {
            let flops = (rows * 2 * Double(shape.layers) * (shape.attentionParametersPerLayer + shape.mlpParametersPerLayer)
                + logitRows * 2 * Double(shape.vocab) * Double(shape.hidden)) / devices
            return flops / attainedFLOPS
        }
        let shapes = matmulShapes()
        func time(_ m: Double, _ n: Int, _ k: Int) -> Double {
            guard m >= 1 else { return 0 }
            let flops = 2 * m * Double(n) * Double(k)
            return flops / (curve.rate(m: Int(m.rounded(.up)), n: n, k: k) * efficiency.compute)
        }
        let layer = shapes.perLayer.reduce(0) { $0 + time(rows, $1.n, $1.k) }
        return Double(shape.layers) * layer + time(logitRows, shapes.output.n, shapes.output.k)
    }

    /// The parts of one decode step of `batch` sequences at the mean context. The matrix
    /// products (weights) and attention (KV cache) are separate kernels, each bound by the larger
    /// of its memory time and its compute time; the step is their sum plus the all-reduces.
    public struct DecodeStep: Sendable, Equatable {
        /// Reading the weights, over the attained bandwidth.
        public var weightSeconds: Double
        /// The matrix products of all tokens in the batch, over the attained compute rate.
        public var matmulSeconds: Double
        /// Reading the KV cache, over the attained bandwidth.
        public var kvSeconds: Double
        /// Attention arithmetic (Q·Kᵀ and ·V), over the attained compute rate.
        public var attentionSeconds: Double
        /// Two tensor-parallel all-reduces per layer (after attention and after the MLP).
        public var communicationSeconds: Double
        public var bytesRead: Double
        public var flops: Double
        /// Attention of prompt tokens carried by the step (chunked prefill), compute-bound.
        public var prefillAttentionSeconds: Double = 0
        /// The host's per-step overhead.
        public var overheadSeconds: Double = 0
        /// The fixed per-kernel part of `kvSeconds` (one decode-attention kernel per layer).
        public var attentionKernelLatencySeconds: Double = 0

        /// All memory traffic of the step.
        public var memorySeconds: Double { weightSeconds + kvSeconds }
        /// All arithmetic of the step.
        public var computeSeconds: Double { matmulSeconds + attentionSeconds }
        public var seconds: Double {
            max(weightSeconds, matmulSeconds) + max(kvSeconds, attentionSeconds) + prefillAttentionSeconds
                + communicationSeconds + overheadSeconds
        }
    }

    public func decodeStep(batch: Int) -> DecodeStep {
        let b = Double(batch)
        let weights = ServingStepModel.weightBytesReadPerStep(shape, linearBytes: linearBytes) / devices
        let kv = b * meanContext * kvBytesPerTokenPerDevice
        let matmul = b * 2 * ServingStepModel.matmulParametersPerToken(shape) / devices
        let attention = b * 4 * Double(shape.layers) * Double(shape.hidden) * meanContext / devices
        let message = b * Double(shape.hidden) * activationBytes
        let comm = 2 * Double(shape.layers) * Collective.allReduce.seconds(bytes: message, ranks: tp, link: link)
        var step = DecodeStep(
            weightSeconds: weights / attainedBandwidth, matmulSeconds: matmulSeconds(rows: b, logitRows: b),
            kvSeconds: kvReadSeconds(batch: b, context: meanContext), attentionSeconds: attention / attainedFLOPS,
            communicationSeconds: comm, bytesRead: weights + kv, flops: matmul + attention)
        step.overheadSeconds = stepOverheadSeconds
        step.attentionKernelLatencySeconds = batch > 0 ? Double(shape.layers) * attentionKernelSeconds : 0
        return step
    }

    /// The parts of prefilling one prompt on the tensor-parallel group.
    public struct Prefill: Sendable, Equatable {
        /// All prefill arithmetic (linear layers, logits, causal attention) at the attained rate.
        public var computeSeconds: Double
        /// Reading the weights once (binds only for very short prompts).
        public var memorySeconds: Double
        public var communicationSeconds: Double
        public var seconds: Double { max(computeSeconds, memorySeconds) + communicationSeconds + overheadSeconds }
        public var flops: Double
        /// The host's per-step overhead (a prefill is a step of its own).
        public var overheadSeconds: Double = 0
    }

    public var prefill: Prefill {
        let flops = ServingStepModel.prefillFLOPs(shape, inputTokens: inputTokens) / devices
        let weights = ServingStepModel.weightBytesReadPerStep(shape, linearBytes: linearBytes) / devices
        let message = inputTokens * Double(shape.hidden) * activationBytes
        let comm = 2 * Double(shape.layers) * Collective.allReduce.seconds(bytes: message, ranks: tp, link: link)
        let attention = 2 * Double(shape.layers) * Double(shape.hidden) * inputTokens * (inputTokens + 1) / devices
        var pre = Prefill(
            computeSeconds: matmulSeconds(rows: inputTokens, logitRows: 1) + attention / attainedFLOPS,
            memorySeconds: weights / attainedBandwidth, communicationSeconds: comm, flops: flops)
        pre.overheadSeconds = stepOverheadSeconds
        return pre
    }

    /// Steady-state figures of continuous batching with `batch` sequences in flight: each
    /// finished sequence is replaced by a new one, whose prefill pauses the decode steps. Over
    /// `outputTokens` steps every slot turns over once, so each step carries on average
    /// batch / outputTokens prefills.
    public struct Figures: Sendable, Equatable {
        public var batch: Int
        /// Prefill of one prompt, alone on the group.
        public var prefillSeconds: Double
        /// Mean time to first token: the wait for other requests' prefills, own prefill, and the
        /// decode step in flight when the request arrives.
        public var ttftSeconds: Double
        /// Mean wait behind other requests' prefills (M/D/1: ρ·s / (2(1 − ρ)), ρ the share of
        /// time the group spends prefilling for the other batch − 1 sequences, s one prefill).
        public var prefillQueueSeconds: Double
        /// One decode step at the mean context.
        public var decodeStepSeconds: Double
        /// Time per output token a sequence sees: the decode step plus its share of prefill pauses.
        public var tpotSeconds: Double
        public var outputTokensPerSecondPerDevice: Double
        public var totalTokensPerSecondPerDevice: Double
        public var decode: DecodeStep
        public var prefill: Prefill
    }

    /// The figures of `batch` sequences under the step's scheduler.
    public func figures(batch: Int) -> Figures {
        switch (scheduler, prefillChunk) {
        case (.static, _): return staticFigures(batch: batch)
        case (.continuous, let chunk?): return chunkedFigures(batch: batch, chunk: chunk)
        case (.continuous, nil): return unchunkedFigures(batch: batch)
        }
    }

    /// Continuous batching with whole-prompt prefills, each pausing the decode steps.
    func unchunkedFigures(batch: Int) -> Figures {
        let step = decodeStep(batch: batch)
        let pre = prefill
        let b = Double(batch)
        let tpot = step.seconds + b * pre.seconds / outputTokens
        let outputRate = b / tpot / devices
        let busy = (b - 1) * pre.seconds / outputTokens / tpot
        let queue = busy * pre.seconds / (2 * (1 - busy))
        return Figures(
            batch: batch, prefillSeconds: pre.seconds, ttftSeconds: queue + pre.seconds + step.seconds,
            prefillQueueSeconds: queue,
            decodeStepSeconds: step.seconds, tpotSeconds: tpot, outputTokensPerSecondPerDevice: outputRate,
            totalTokensPerSecondPerDevice: outputRate * (inputTokens + outputTokens) / outputTokens,
            decode: step, prefill: pre)
    }

    /// What limits throughput at `batch` over a whole turnover (prefills and decode steps):
    /// "memory" when reading weights and KV cache takes longer than the arithmetic, else "compute".
    public func timeBinding(batch: Int) -> String {
        let step = decodeStep(batch: batch)
        let pre = prefill
        let compute = Double(batch) * pre.computeSeconds + outputTokens * step.computeSeconds
        let memory = Double(batch) * pre.memorySeconds + outputTokens * step.memorySeconds
        return memory > compute ? "memory" : "compute"
    }
}

/// Choosing the batch: the largest that fits in memory, the engine's limit and the latency targets.
public enum ServingBatch {
    /// Latency targets in seconds; nil when not set.
    @MemberwiseInit
    public struct Targets: Sendable, Equatable {
        public var ttft: Double?
        public var tpot: Double?
        public var isEmpty: Bool { ttft == nil && tpot == nil }

        /// The targets `f` misses, by name ("ttft", "tpot").
        public func missed(by f: ServingStep.Figures) -> [String] {
            var missed: [String] = []
            if let ttft, f.ttftSeconds > ttft { missed.append("ttft") }
            if let tpot, f.tpotSeconds > tpot { missed.append("tpot") }
            return missed
        }
    }

    public struct Choice: Sendable, Equatable {
        /// The batch; 0 when no batch meets the targets.
        public var batch: Int
        /// What stops the batch from growing: "capacity" (KV cache memory), "max-batch"
        /// (the engine's limit), "ttft", "tpot" or "ttft and tpot" (the latency targets).
        public var limitedBy: String
    }

    /// The largest batch in 1...limit whose figures meet `targets`. TTFT and TPOT both grow
    /// with the batch, so the feasible batches are 1...b and a bisection finds b.
    public static func choose(
        step: ServingStep, limit: Int, limitReason: String, targets: Targets
    ) -> Choice {
        guard limit >= 1 else { return Choice(batch: 0, limitedBy: limitReason) }
        if targets.isEmpty { return Choice(batch: limit, limitedBy: limitReason) }
        if targets.missed(by: step.figures(batch: limit)).isEmpty {
            return Choice(batch: limit, limitedBy: limitReason)
        }
        let atOne = targets.missed(by: step.figures(batch: 1))
        if !atOne.isEmpty { return Choice(batch: 0, limitedBy: atOne.joined(separator: " and ")) }
        var good = 1, bad = limit
        while bad - good > 1 {
            let mid = good + (bad - good) / 2
            if targets.missed(by: step.figures(batch: mid)).isEmpty { good = mid } else { bad = mid }
        }
        let reason = targets.missed(by: step.figures(batch: good + 1)).joined(separator: " and ")
        return Choice(batch: good, limitedBy: reason)
    }
}

/// Demand to devices, as pure arithmetic (energy: `Energy`).
public enum ServingDemand {
    /// Output tokens per second at the peak hour: the daily average × the peak factor.
    public static func peakTokensPerSecond(averageTokensPerSecond: Double, peakFactor: Double) -> Double {
        averageTokensPerSecond * peakFactor
    }

    /// Whole devices in whole tensor-parallel groups to serve `peakTokensPerSecond`.
    public static func devices(peakTokensPerSecond: Double, tokensPerSecondPerDevice: Double, tp: Int) -> Double {
        let exact = peakTokensPerSecond / tokensPerSecondPerDevice
        return (exact / Double(tp)).rounded(.up) * Double(tp)
    }
}
