// The phases of the step model (`StepModel.estimate`): one layer's passes, the pipeline stages, the
// pipeline's point-to-point traffic and bubble, the data-parallel reduction, the optimizer and memory.

/// What every phase reads: the inputs and the sizes of one micro-batch on one rank.
struct StepContext {
    let inputs: StepInputs
    let shape: TransformerShape
    let par: Parallelism
    let hw: HardwareModel
    let t: Int, cp: Int, b: Int
    let e: Double
    let seq: Int, localSeq: Int
    /// Tokens of one micro-batch on one rank.
    let tokens: Int
    let h: Int, d: Int
    let vocab: Int
    let kvPerRank: Int, headsPerRank: Int, ffnPerRank: Int
    let tensorLink: Link
    /// Bytes moved per weight-gradient element each micro-batch: the main gradient (of
    /// `--gradient-bytes-per-param`) read and written by the weight-gradient GEMM, which accumulates
    /// into it (Megatron-LM's gradient-accumulation fusion; fp32 main gradients under bf16).
    var mainGradAccumulationBytes: Double { 2 * inputs.gradientBytes }

    init(_ inputs: StepInputs) {
        self.inputs = inputs
        shape = inputs.shape; par = inputs.parallelism; hw = inputs.hardware
        t = par.tensor; cp = par.context; b = par.microbatch
        e = hw.elementBytes
        seq = shape.seqLen
        localSeq = seq / cp
        tokens = b * localSeq
        h = shape.hidden; d = shape.headDim
        vocab = TransformerWork.paddedVocab(shape.vocab, tensor: t)
        kvPerRank = max(shape.kvHeads / t, 1) * d
        headsPerRank = shape.heads / t
        ffnPerRank = shape.ffn / t
        tensorLink = par.tensorWithinNode ? hw.intraNode : hw.interNode
    }

    // The stack's software efficiencies (1 unless calibrated from a measured run): kernel time
    // divides by the compute or memory-bound factor, collective time by the communication one.
    @inline(__always) func compute(_ seconds: Double) -> Double { seconds / hw.software.compute }
    @inline(__always) func memoryBound(_ seconds: Double) -> Double { seconds / hw.software.memoryBound }
    @inline(__always) func communication(_ seconds: Double) -> Double { seconds / hw.software.communication }
}

/// One layer, one micro-batch, one rank: the forward operations, the backward and recomputed time,
/// and the tensor- and context-parallel communication of one pass.
struct LayerPass {
    var forward: [TimedOperation] = []
    var computeForward = 0.0
    var computeBackward = 0.0
    var computeRecompute = 0.0
    /// Communication passes repeated by recomputation.
    var recomputePasses = 0.0
    /// Tensor-parallel communication time of one forward pass and of the backward pass (with
    /// `--tp-comm-overlap`, what the overlap leaves exposed).
    var tpForward = 0.0
    var tpBackward = 0.0
    /// The first forward pass: without gradients under full recomputation, where the overlap's
    /// all-gathers run plain.
    var tpFirstForward = 0.0
    var cpPerPass = 0.0
    /// The layer's four tensor-parallel GEMMs (for the communication overlap).
    private var gemms: [TensorParallelGEMM: TimedGEMM] = [:]

    init(_ c: StepContext) {
        let attentionForward = layerCompute(c)
        computeForward = forward.reduce(0) { $0 + $1.seconds }
        tensorParallelCommunication(c)
        contextParallelCommunication(c)
        switch c.par.recompute {
        case .none: computeRecompute = 0; recomputePasses = 0
        case .selective:
            computeRecompute = c.inputs.attention == .materialized ? attentionForward : 0; recomputePasses = 0
        case .full: computeRecompute = computeForward; recomputePasses = 1
        }
    }

    private mutating func gemm(
        _ c: StepContext, _ name: String, m: Int, n: Int, k: Int, batch: Int = 1, role: TensorParallelGEMM? = nil
    ) {
        let hw = c.hw
        let seconds = c.compute(hw.gemm.seconds(m: m, n: n, k: k, batch: batch).seconds)
        forward.append(TimedOperation(
            name: name, kind: .gemm, flops: 2 * Double(m) * Double(n) * Double(k) * Double(batch), bytes: 0,
            seconds: seconds))
        // Backward: the input gradient (m × k from m × n by n × k) and the weight gradient (k × n over m).
        // A weight gradient accumulates into the main gradients each micro-batch (read and write).
        let inputGradient = c.compute(hw.gemm.seconds(m: m, n: k, k: n, batch: batch).seconds)
        let weightGradient = c.compute(hw.gemm.seconds(
            m: k, n: n, k: m, batch: batch, outputBytes: batch == 1 ? c.mainGradAccumulationBytes : nil).seconds)
        computeBackward += inputGradient + weightGradient
        if let role {
            gemms[role] = TimedGEMM(m: m, n: n, k: k, forward: seconds, inputGradient: inputGradient,
                                    weightGradient: weightGradient)
        }
    }

    private mutating func memory(_ c: StepContext, _ name: String, elementAccesses: Double) {
        let bytes = elementAccesses * c.e
        let seconds = c.memoryBound(bytes / c.hw.memoryBytesPerSecond)
        forward.append(TimedOperation(name: name, kind: .memory, flops: 0, bytes: bytes, seconds: seconds))
        // Backward reads the saved input and the incoming gradient and writes the outgoing one.
        computeBackward += 2 * seconds
    }

    /// The layer's kernels in order; returns the attention core's forward time.
    private mutating func layerCompute(_ c: StepContext) -> Double {
        let t = c.t, h = c.h, tokens = c.tokens, shape = c.shape
        let hiddenElements = Double(tokens) * Double(h) / Double(c.par.sequenceParallel ? t : 1)
        let ffnElements = Double(tokens) * Double(c.ffnPerRank)
        memory(c, "norm before attention", elementAccesses: 2 * hiddenElements)
        gemm(c, "QKV projection", m: tokens, n: h / t + 2 * c.kvPerRank, k: h, role: .qkv)
        let attentionForward = attentionCore(c)
        gemm(c, "output projection", m: tokens, n: h, k: h / t, role: .projection)
        memory(c, "bias, dropout, residual", elementAccesses: 3 * hiddenElements)
        memory(c, "norm before MLP", elementAccesses: 2 * hiddenElements)
        gemm(c, shape.gatedFFN ? "MLP gate and up" : "MLP up", m: tokens, n: (shape.gatedFFN ? 2 : 1) * c.ffnPerRank, k: h,
             role: .mlpUp)
        memory(c, shape.gatedFFN ? "SwiGLU" : "GeLU", elementAccesses: (shape.gatedFFN ? 3 : 2) * ffnElements)
        gemm(c, "MLP down", m: tokens, n: h, k: c.ffnPerRank, role: .mlpDown)
        memory(c, "bias, dropout, residual", elementAccesses: 3 * hiddenElements)
        return attentionForward
    }

    /// The attention core, fused or materialized; returns its forward time.
    private mutating func attentionCore(_ c: StepContext) -> Double {
        let b = c.b, localSeq = c.localSeq, seq = c.seq, headsPerRank = c.headsPerRank, d = c.d
        let attentionFLOPs = 4 * Double(b) * Double(localSeq) * Double(seq) * Double(headsPerRank) * Double(d)
        switch c.inputs.attention {
        case .flash:
            // Causal: the kernel skips the masked half. Backward does 2.5× the forward's work
            // (five GEMMs to two; FlashAttention-2 §3.1.2): at the device's published backward rate,
            // or at the forward's share of peak where none is published.
            let executed = attentionFLOPs / 2
            let seconds: Double, backward: Double
            if let rates = c.hw.attentionRates {
                seconds = c.compute(executed / rates.forwardFLOPS(sequence: seq))
                backward = c.compute(2.5 * executed / rates.backwardFLOPS(sequence: seq))
            } else {
                let reference = c.hw.peakFLOPS ?? StepModel.referenceRate(c.hw.gemm)
                seconds = c.compute(executed / (reference * c.hw.attentionEfficiency))
                backward = 2.5 * seconds
            }
            forward.append(TimedOperation(name: "attention (fused, causal)", kind: .attention, flops: executed,
                                          bytes: 0, seconds: seconds))
            computeBackward += backward
            return seconds
        case .materialized:
            let before = forward.count
            gemm(c, "attention scores QKᵀ", m: localSeq, n: seq, k: d, batch: b * headsPerRank)
            let scores = Double(b) * Double(headsPerRank) * Double(localSeq) * Double(seq)
            // Scale-mask-softmax (read, write) and dropout (read, write, 1-byte mask).
            memory(c, "softmax and dropout", elementAccesses: 4.5 * scores)
            gemm(c, "attention over values", m: localSeq, n: d, k: seq, batch: b * headsPerRank)
            return forward[before...].reduce(0) { $0 + $1.seconds }
        }
    }

    /// Tensor parallelism: two all-reduces per layer and pass, or with sequence parallelism two
    /// all-gathers and two reduce-scatters, of the micro-batch's activations.
    private mutating func tensorParallelCommunication(_ c: StepContext) {
        let t = c.t, par = c.par, link = c.tensorLink
        guard t > 1 else { return }
        let activationBytes = Double(c.tokens) * Double(c.h) * c.e
        if par.tpCommOverlap {
            let overlap = TensorParallelOverlap(c, gemms: gemms, activationBytes: activationBytes)
            tpForward = overlap.forwardExposed
            tpFirstForward = par.recompute == .full ? overlap.forwardWithoutGradientsExposed : tpForward
            tpBackward = overlap.backwardExposed
        } else {
            if par.sequenceParallel {
                tpForward = 2 * (Collective.allGather.seconds(bytes: activationBytes, ranks: t, link: link)
                    + Collective.reduceScatter.seconds(bytes: activationBytes, ranks: t, link: link))
            } else {
                tpForward = 2 * Collective.allReduce.seconds(bytes: activationBytes, ranks: t, link: link)
            }
            tpForward = c.communication(tpForward)
            tpFirstForward = tpForward
            tpBackward = tpForward
        }
        let name = par.tpCommOverlap ? "TP communication left by the overlap"
            : par.sequenceParallel ? "TP all-gather + reduce-scatter (×2)" : "TP all-reduce (×2)"
        forward.append(TimedOperation(
            name: name, kind: .communication, flops: 0, bytes: 2 * activationBytes, seconds: tpForward))
    }

    /// Context parallelism: all-gather K and V of the whole sequence before attention; reduce-scatter
    /// their gradients in the backward pass (Llama 3 §3.3.2).
    private mutating func contextParallelCommunication(_ c: StepContext) {
        guard c.cp > 1 else { return }
        let kvBytes = 2 * Double(c.b) * Double(c.seq) * Double(c.kvPerRank) * c.e
        let link = c.par.contextWithinNode ? c.hw.intraNode : c.hw.interNode
        cpPerPass = c.communication(Collective.allGather.seconds(bytes: kvBytes, ranks: c.cp, link: link))
        forward.append(TimedOperation(name: "CP all-gather of K, V", kind: .communication, flops: 0,
                                      bytes: kvBytes, seconds: cpPerPass))
    }
}

/// One micro-batch through one pipeline stage, by part.
struct StageTime {
    var fwd: Double, bwd: Double, rc: Double, tp: Double, cp: Double
    var total: Double { fwd + bwd + rc + tp + cp }
}

/// The first, middle and last pipeline stages (the first holds the input embedding, the last the
/// output layer and the loss) and the busiest.
struct StageTimes {
    let firstLayers: Int, middleLayers: Int, lastLayers: Int
    let first: StageTime, middle: StageTime, last: StageTime
    let pipeline: Int

    init(_ c: StepContext, layer: LayerPass) {
        let par = c.par
        pipeline = par.pipeline
        (middleLayers, lastLayers) = par.stageLayers(layers: c.shape.layers)
        firstLayers = par.pipeline == 1
            ? c.shape.layers : (par.balanceEmbedding ? middleLayers - 1 : middleLayers)
        let input = Self.inputEmbedding(c), output = Self.outputLayer(c)

        func stage(layers: Int, withInput: Bool, withOutput: Bool) -> StageTime {
            let l = Double(layers)
            var time = StageTime(
                fwd: l * layer.computeForward, bwd: l * layer.computeBackward, rc: l * layer.computeRecompute,
                tp: l * (layer.tpFirstForward + layer.tpForward * layer.recomputePasses + layer.tpBackward), cp: l * layer.cpPerPass * (2 + layer.recomputePasses))
            for extra in (withInput ? [input] : []) + (withOutput ? [output] : []) {
                time.fwd += extra.fwd; time.bwd += extra.bwd; time.tp += extra.tp
            }
            return time
        }
        if par.pipeline == 1 {
            first = stage(layers: c.shape.layers, withInput: true, withOutput: true)
            middle = first; last = first
        } else {
            first = stage(layers: firstLayers, withInput: true, withOutput: false)
            middle = stage(layers: middleLayers, withInput: false, withOutput: false)
            last = stage(layers: lastLayers, withInput: false, withOutput: true)
        }
    }

    /// The vocabulary-parallel input embedding: the lookup, its tensor-parallel reduction (an all-reduce
    /// of the micro-batch's embeddings, or with sequence parallelism a reduce-scatter forward and an
    /// all-gather backward: Megatron-LM's VocabParallelEmbedding), and its dense weight gradient
    /// (written, read, and added to the main gradients every micro-batch).
    static func inputEmbedding(_ c: StepContext) -> StageTime {
        let activationElements = Double(c.tokens) * Double(c.h)
        let activationBytes = activationElements * c.e
        let lookup = c.memoryBound(2 * activationBytes / c.hw.memoryBytesPerSecond)
        let vocabElements = Double(c.vocab / c.t) * Double(c.h)
        let gradient = c.memoryBound(
            (2 * activationBytes + vocabElements * (2 * c.e + c.mainGradAccumulationBytes)) / c.hw.memoryBytesPerSecond)
        var tp = 0.0
        if c.t > 1 {
            tp = c.par.sequenceParallel
                ? Collective.reduceScatter.seconds(bytes: activationBytes, ranks: c.t, link: c.tensorLink)
                    + Collective.allGather.seconds(bytes: activationBytes, ranks: c.t, link: c.tensorLink)
                : Collective.allReduce.seconds(bytes: activationBytes, ranks: c.t, link: c.tensorLink)
        }
        return StageTime(fwd: lookup, bwd: gradient, rc: 0, tp: c.communication(tp), cp: 0)
    }

    /// The output layer and the loss: the logits GEMM and its two backward GEMMs (the weight gradient
    /// accumulating into the main gradients), the loss over fp32 logits (Megatron-LM's unfused
    /// cross-entropy: 38 bytes per logit forward, 14 backward, 6 fewer each with fp32 logits;
    /// `StepConstants`), the cross-entropy's three all-reduces of one fp32 number per token
    /// and, over tensor parallelism, the layer input's all-gather forward and reduce-scatter backward
    /// with sequence parallelism, or without it the all-reduce of its gradient backward.
    static func outputLayer(_ c: StepContext) -> StageTime {
        let hw = c.hw, t = c.t, tokens = c.tokens, h = c.h, vocab = c.vocab
        let logitsForward = c.compute(hw.gemm.seconds(m: tokens, n: vocab / t, k: h).seconds)
        let logitsBackward = c.compute(hw.gemm.seconds(m: tokens, n: h, k: vocab / t).seconds
            + hw.gemm.seconds(m: h, n: vocab / t, k: tokens, outputBytes: c.mainGradAccumulationBytes).seconds)
        let logits = Double(tokens) * Double(vocab / t)
        let conversion = c.e < 4 ? 0 : StepConstants.lossConversionBytesPerLogit.value
        let lossForward = c.memoryBound(logits * (StepConstants.lossForwardBytesPerLogit.value - conversion) / hw.memoryBytesPerSecond)
        let lossBackward = c.memoryBound(logits * (StepConstants.lossBackwardBytesPerLogit.value - conversion) / hw.memoryBytesPerSecond)
        var tp = 0.0
        if t > 1 {
            let activationBytes = Double(tokens) * Double(h) * c.e
            tp = Collective.allReduce.seconds(bytes: Double(tokens) * 4 * 3, ranks: t, link: c.tensorLink)
            tp += c.par.sequenceParallel
                ? Collective.allGather.seconds(bytes: activationBytes, ranks: t, link: c.tensorLink)
                    + Collective.reduceScatter.seconds(bytes: activationBytes, ranks: t, link: c.tensorLink)
                : Collective.allReduce.seconds(bytes: activationBytes, ranks: t, link: c.tensorLink)
        }
        return StageTime(fwd: logitsForward + lossForward, bwd: logitsBackward + lossBackward, rc: 0,
                         tp: c.communication(tp), cp: 0)
    }

    var busiest: StageTime {
        switch pipeline {
        case 1: return first
        case 2: return last.total > first.total ? last : first
        default: return [first, middle, last].max { $0.total < $1.total }!
        }
    }
}

/// Tied input and output embeddings on different pipeline stages: the first and last stages
/// all-reduce the embedding's main gradients once per iteration, after the backward pass
/// (Megatron-LM's embedding-group all-reduce). Seconds, exposed.
func tiedEmbeddingSync(_ c: StepContext) -> Double {
    guard c.par.pipeline > 1, c.shape.tiedEmbeddings else { return 0 }
    let bytes = Double(c.vocab / c.t) * Double(c.h) * c.inputs.gradientBytes
    let link = c.par.pipelineWithinNode ? c.hw.intraNode : c.hw.interNode
    return c.communication(Collective.allReduce.seconds(bytes: bytes, ranks: 2, link: link))
}

/// The data-parallel gradient reduction (and ZeRO-3's weight gathers): its whole time and the part
/// that compute does not hide.
struct DataParallelTime {
    var seconds = 0.0
    var exposed = 0.0

    init(_ c: StepContext, parametersPerDevice: Double, busiest: StageTime, recomputePasses: Double) {
        let par = c.par, hw = c.hw, e = c.e
        let dataLink = par.dataWithinNode ? hw.intraNode
            : hw.interNode.sharedByRing(ranksPerNode: par.dataRanksPerNode, intraNode: hw.intraNode)
        let dpRanks = par.data
        var hideable = 0.0
        if dpRanks > 1 {
            let gradientBytes = parametersPerDevice * c.inputs.gradientBytes
            if par.zeroStage == 0 {
                seconds = Collective.allReduce.seconds(bytes: gradientBytes, ranks: dpRanks, link: dataLink)
                hideable = seconds
            } else {
                let reduce = Collective.reduceScatter.seconds(bytes: gradientBytes, ranks: dpRanks, link: dataLink)
                let gather = Collective.allGather.seconds(bytes: parametersPerDevice * e, ranks: dpRanks, link: dataLink)
                seconds = reduce + gather
                hideable = reduce
            }
        }
        // Overlap with the backward pass of the last micro-batch on this stage.
        seconds = c.communication(seconds)
        hideable = c.communication(hideable)
        var hidden = par.overlapGradReduce ? min(hideable, busiest.bwd) : 0
        // The distributed optimizer's weight all-gather behind the next forward pass of the first micro-batch.
        if par.overlapParamGather && par.zeroStage >= 1 && dpRanks > 1 {
            hidden += min(seconds - hideable, busiest.fwd)
        }
        exposed = seconds - hidden
        // ZeRO-3 gathers each layer's weights for every forward and backward pass (and recomputation),
        // prefetched behind compute; only what compute cannot cover is exposed.
        if par.zeroStage == 3 && dpRanks > 1 {
            let gathersPerMicrobatch = 2 + recomputePasses
            let gather = c.communication(gathersPerMicrobatch
                * Collective.allGather.seconds(bytes: parametersPerDevice * e, ranks: dpRanks, link: dataLink))
            exposed += Double(par.microbatches) * max(0, gather - busiest.total)
        }
    }
}

extension StepModel {
    /// Pipeline: activations forward and their gradients backward across each stage boundary,
    /// v times per micro-batch with the interleaved schedule. Each tensor-parallel rank sends 1/t of
    /// the activations whether or not sequence parallelism is on: with it the activations are
    /// already split; without it Megatron-LM's scatter/gather optimisation sends one slice per rank
    /// and all-gathers the slices over the tensor-parallel group on the receiving stage
    /// (Narayanan et al. 2021, §4.1). Seconds per micro-batch.
    static func pipelinePointToPoint(_ c: StepContext) -> Double {
        let par = c.par, hw = c.hw, t = c.t
        guard par.pipeline > 1 else { return 0 }
        let full = Double(c.tokens) * Double(c.h) * c.e
        let link = par.pipelineWithinNode ? hw.intraNode : hw.interNode
        var one = Collective.pointToPoint.seconds(bytes: full / Double(t), ranks: 2, link: link)
        if t > 1 && !par.sequenceParallel {
            one += Collective.allGather.seconds(bytes: full, ranks: t, link: c.tensorLink)
        }
        return c.communication(2 * Double(par.interleave) * one)
    }

    /// The pipeline bubble: (p − 1) / v micro-batch times of the busiest stage.
    static func pipelineBubble(_ c: StepContext, perMicrobatch: Double) -> Double {
        Double(c.par.pipeline - 1) / Double(c.par.interleave) * perMicrobatch
    }

    /// Parameters on the busiest device: the whole model without pipelining, else the largest stage.
    static func parametersPerDevice(_ c: StepContext, stages: StageTimes, firstLayers: Int) -> Double {
        let shape = c.shape, par = c.par, t = c.t
        let layerWeights = shape.parametersPerLayer / Double(t)
        let embeddingWeights = Double(c.vocab) * Double(c.h) / Double(t)
        if par.pipeline == 1 {
            return Double(shape.layers) * layerWeights + embeddingWeights * (shape.tiedEmbeddings ? 1 : 2)
        }
        return max(
            Double(firstLayers) * layerWeights + embeddingWeights,
            Double(stages.middleLayers) * layerWeights,
            Double(stages.lastLayers) * layerWeights + embeddingWeights)
    }

    /// Adam: read fp32 weights, momentum, variance and gradient (16 bytes), write the first three
    /// (12) and the 16-bit weights (2), for this rank's share of the parameters.
    static func optimizerSeconds(_ c: StepContext, parametersPerDevice: Double) -> Double {
        let par = c.par, hw = c.hw
        let optimizerParameters = parametersPerDevice / Double(par.zeroStage >= 1 ? par.data : 1)
        // Before it, the gradient norm for clipping (and the fp16 loss-scale check): one read of the
        // local fp32 gradients (4 bytes) and an all-reduce of one number over every rank, which NCCL
        // runs as a tree for so small a message: latency only, 2·log2(n) hops (NCCL's cost model).
        let normLink = par.devices > par.gpusPerNode ? hw.interNode : hw.intraNode
        let normHops = 2 * Double(Int.bitWidth - (max(par.devices, 1) - 1).leadingZeroBitCount)  // 2·⌈log2 n⌉
        let normSeconds = c.memoryBound(optimizerParameters * 4 / hw.memoryBytesPerSecond)
            + (par.devices > 1 ? c.communication(normLink.baseLatency + normHops * normLink.hopLatency) : 0)
        return c.memoryBound(optimizerParameters * 30 / hw.memoryBytesPerSecond) + normSeconds
    }

    /// Memory of the first stage: it holds the most micro-batches in flight.
    static func stepMemory(_ c: StepContext, parametersPerDevice: Double, firstLayers: Int) -> StepMemory {
        let par = c.par, e = c.e
        let perLayer = ActivationMemory.perLayerBytes(
            c.shape, seq: c.localSeq, microbatch: c.b, tensor: c.t, sequenceParallel: par.sequenceParallel,
            recompute: par.recompute, attention: c.inputs.attention)
        let inFlight = Double(min(par.pipeline, par.microbatches))
        let interleaveFactor = par.interleave > 1
            ? 1 + Double(par.pipeline - 1) / Double(par.pipeline * par.interleave) : 1
        let activations = perLayer * Double(firstLayers) * inFlight * interleaveFactor
        let dp = Double(par.data)
        return StepMemory(
            weights: parametersPerDevice * e / (par.zeroStage >= 3 ? dp : 1),
            gradients: parametersPerDevice * c.inputs.gradientBytes / (par.zeroStage >= 2 ? dp : 1),
            optimizerState: parametersPerDevice * 12 / (par.zeroStage >= 1 ? dp : 1),
            activations: activations, capacity: c.hw.memoryCapacityBytes)
    }
}
