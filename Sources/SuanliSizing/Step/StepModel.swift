/// One operation of a layer as the model times it, for the per-layer table.
public struct TimedOperation: Sendable, Equatable {
    public enum Kind: String, Sendable { case gemm, attention, memory, communication }
    public var name: String
    public var kind: Kind
    public var flops: Double
    public var bytes: Double
    public var seconds: Double
    /// FLOP/s reached (GEMM and attention) or bytes/s (memory and communication).
    public var rate: Double { seconds > 0 ? (kind == .gemm || kind == .attention ? flops : bytes) / seconds : 0 }
}

/// Where one iteration's time goes, in seconds; the parts add up to the iteration.
public struct StepBreakdown: Sendable, Equatable {
    public var forwardCompute: Double
    public var backwardCompute: Double
    public var recomputeCompute: Double
    public var tensorParallelCommunication: Double
    public var contextParallelCommunication: Double
    public var pipelineBubble: Double
    public var pipelinePointToPoint: Double
    public var dataParallelExposed: Double
    public var optimizer: Double

    public var total: Double {
        forwardCompute + backwardCompute + recomputeCompute + tensorParallelCommunication
            + contextParallelCommunication + pipelineBubble + pipelinePointToPoint + dataParallelExposed + optimizer
    }

    public var named: [(String, Double)] {
        [
            ("forward_compute", forwardCompute), ("backward_compute", backwardCompute),
            ("recompute_compute", recomputeCompute), ("tp_communication", tensorParallelCommunication),
            ("cp_communication", contextParallelCommunication), ("pp_bubble", pipelineBubble),
            ("pp_point_to_point", pipelinePointToPoint), ("dp_exposed", dataParallelExposed),
            ("optimizer", optimizer),
        ]
    }
}

/// Memory per device, bytes (the busiest pipeline stage: the first).
public struct StepMemory: Sendable, Equatable {
    public var weights: Double
    public var gradients: Double
    public var optimizerState: Double
    public var activations: Double
    public var total: Double { weights + gradients + optimizerState + activations }
    public var capacity: Double?
    public var fits: Bool? { capacity.map { total <= $0 } }
}

/// The answer for one training iteration.
public struct StepResult: Sendable {
    public var iterationSeconds: Double
    public var breakdown: StepBreakdown
    public var modelFLOPs: Double
    public var hardwareFLOPs: Double
    public var devices: Int
    public var tokensPerIteration: Double
    public var memory: StepMemory
    /// The data-parallel reduction before overlap.
    public var dataParallelSeconds: Double
    /// One micro-batch through the busiest stage (compute and tensor/context communication).
    public var stageSecondsPerMicrobatch: Double
    public var pointToPointSecondsPerMicrobatch: Double
    /// Forward operations of one layer for one micro-batch on one rank.
    public var layerForward: [TimedOperation]
    public var paddedVocab: Int
    public var parametersPerDevice: Double

    public var modelTFLOPSPerDevice: Double { modelFLOPs / iterationSeconds / Double(devices) / 1e12 }
    public var hardwareTFLOPSPerDevice: Double { hardwareFLOPs / iterationSeconds / Double(devices) / 1e12 }
    public var tokensPerSecond: Double { tokensPerIteration / iterationSeconds }

    public func mfu(peakFLOPS: Double?) -> Double? { peakFLOPS.map { modelTFLOPSPerDevice * 1e12 / $0 } }
    public func hfu(peakFLOPS: Double?) -> Double? { peakFLOPS.map { hardwareTFLOPSPerDevice * 1e12 / $0 } }
}

/// The per-layer step-time model of a dense decoder-only transformer under tensor, pipeline, data
/// and context parallelism. Pure: inputs in, times out.
public enum StepModel {
    /// Times one training iteration. Call `inputs.validate()` first.
    public static func estimate(_ inputs: StepInputs) -> StepResult {
        let shape = inputs.shape, par = inputs.parallelism, hw = inputs.hardware
        let t = par.tensor, cp = par.context, b = par.microbatch
        let e = hw.elementBytes
        let seq = shape.seqLen
        let localSeq = seq / cp
        let tokens = b * localSeq  // tokens of one micro-batch on one rank
        let h = shape.hidden, d = shape.headDim
        let vocab = TransformerWork.paddedVocab(shape.vocab, tensor: t)
        let kvPerRank = max(shape.kvHeads / t, 1) * d
        let headsPerRank = shape.heads / t
        let ffnPerRank = shape.ffn / t
        let tensorLink = par.tensorWithinNode ? hw.intraNode : hw.interNode
        // The stack's software efficiencies (1 unless calibrated from a measured run): kernel time
        // divides by the compute or memory-bound factor, collective time by the communication one.
        let sw = hw.software
        let compute = { (seconds: Double) in seconds / sw.compute }
        let memoryBound = { (seconds: Double) in seconds / sw.memoryBound }
        let communication = { (seconds: Double) in seconds / sw.communication }

        // MARK: One layer, one micro-batch, one rank
        var forward: [TimedOperation] = []
        var backwardSeconds = 0.0
        func gemm(_ name: String, m: Int, n: Int, k: Int, batch: Int = 1) {
            let seconds = compute(hw.gemm.seconds(m: m, n: n, k: k, batch: batch).seconds)
            forward.append(TimedOperation(
                name: name, kind: .gemm, flops: 2 * Double(m) * Double(n) * Double(k) * Double(batch), bytes: 0,
                seconds: seconds))
            // Backward: the input gradient (m × k from m × n by n × k) and the weight gradient (k × n over m).
            backwardSeconds += compute(hw.gemm.seconds(m: m, n: k, k: n, batch: batch).seconds)
            backwardSeconds += compute(hw.gemm.seconds(m: k, n: n, k: m, batch: batch).seconds)
        }
        func memory(_ name: String, elementAccesses: Double, bytesPerElement: Double = e) {
            let bytes = elementAccesses * bytesPerElement
            let seconds = memoryBound(bytes / hw.memoryBytesPerSecond)
            forward.append(TimedOperation(name: name, kind: .memory, flops: 0, bytes: bytes, seconds: seconds))
            // Backward reads the saved input and the incoming gradient and writes the outgoing one.
            backwardSeconds += 2 * seconds
        }
        let hiddenElements = Double(tokens) * Double(h) / Double(par.sequenceParallel ? t : 1)
        let ffnElements = Double(tokens) * Double(ffnPerRank)
        memory("norm before attention", elementAccesses: 2 * hiddenElements)
        gemm("QKV projection", m: tokens, n: h / t + 2 * kvPerRank, k: h)
        // Attention core.
        var attentionForward = 0.0
        var attentionMemoryForward = 0.0
        let attentionFLOPs = 4 * Double(b) * Double(localSeq) * Double(seq) * Double(headsPerRank) * Double(d)
        switch inputs.attention {
        case .flash:
            // Causal: the kernel skips the masked half. Backward does 2.5× the forward's work
            // (five GEMMs to two; FlashAttention-2 §3.1.2).
            let reference = hw.peakFLOPS ?? referenceRate(hw.gemm)
            let seconds = compute(attentionFLOPs / 2 / (reference * hw.attentionEfficiency))
            forward.append(TimedOperation(name: "attention (fused, causal)", kind: .attention, flops: attentionFLOPs,
                                          bytes: 0, seconds: seconds))
            backwardSeconds += 2.5 * seconds
            attentionForward = seconds
        case .materialized:
            let before = forward.count
            gemm("attention scores QKᵀ", m: localSeq, n: seq, k: d, batch: b * headsPerRank)
            let scores = Double(b) * Double(headsPerRank) * Double(localSeq) * Double(seq)
            // Scale-mask-softmax (read, write) and dropout (read, write, 1-byte mask).
            memory("softmax and dropout", elementAccesses: 4.5 * scores)
            attentionMemoryForward = forward.last!.seconds
            gemm("attention over values", m: localSeq, n: d, k: seq, batch: b * headsPerRank)
            attentionForward = forward[before...].reduce(0) { $0 + $1.seconds }
        }
        gemm("output projection", m: tokens, n: h, k: h / t)
        memory("bias, dropout, residual", elementAccesses: 3 * hiddenElements)
        memory("norm before MLP", elementAccesses: 2 * hiddenElements)
        gemm(shape.gatedFFN ? "MLP gate and up" : "MLP up", m: tokens, n: (shape.gatedFFN ? 2 : 1) * ffnPerRank, k: h)
        memory(shape.gatedFFN ? "SwiGLU" : "GeLU", elementAccesses: (shape.gatedFFN ? 3 : 2) * ffnElements)
        gemm("MLP down", m: tokens, n: h, k: ffnPerRank)
        memory("bias, dropout, residual", elementAccesses: 3 * hiddenElements)
        let computeForward = forward.reduce(0) { $0 + $1.seconds }

        // Tensor parallelism: two all-reduces per layer and pass, or with sequence parallelism two
        // all-gathers and two reduce-scatters, of the micro-batch's activations.
        let activationBytes = Double(tokens) * Double(h) * e
        var tpPerPass = 0.0
        if t > 1 {
            if par.sequenceParallel {
                tpPerPass = 2 * (Collective.allGather.seconds(bytes: activationBytes, ranks: t, link: tensorLink)
                    + Collective.reduceScatter.seconds(bytes: activationBytes, ranks: t, link: tensorLink))
            } else {
                tpPerPass = 2 * Collective.allReduce.seconds(bytes: activationBytes, ranks: t, link: tensorLink)
            }
            tpPerPass = communication(tpPerPass)
            forward.append(TimedOperation(
                name: par.sequenceParallel ? "TP all-gather + reduce-scatter (×2)" : "TP all-reduce (×2)",
                kind: .communication, flops: 0, bytes: 2 * activationBytes, seconds: tpPerPass))
        }
        // Context parallelism: all-gather K and V of the whole sequence before attention; reduce-scatter
        // their gradients in the backward pass (Llama 3 §3.3.2).
        var cpPerPass = 0.0
        if cp > 1 {
            let kvBytes = 2 * Double(b) * Double(seq) * Double(kvPerRank) * e
            let link = par.contextWithinNode ? hw.intraNode : hw.interNode
            cpPerPass = communication(Collective.allGather.seconds(bytes: kvBytes, ranks: cp, link: link))
            forward.append(TimedOperation(name: "CP all-gather of K, V", kind: .communication, flops: 0,
                                          bytes: kvBytes, seconds: cpPerPass))
        }
        let computeBackward = backwardSeconds
        let computeRecompute: Double
        let recomputePasses: Double  // communication passes repeated
        switch par.recompute {
        case .none: computeRecompute = 0; recomputePasses = 0
        case .selective: computeRecompute = inputs.attention == .materialized ? attentionForward : 0; recomputePasses = 0
        case .full: computeRecompute = computeForward; recomputePasses = 1
        }
        _ = attentionMemoryForward

        // MARK: Stages
        let (middleLayers, lastLayers) = par.stageLayers(layers: shape.layers)
        // The output layer and the loss (fp32 logits written, read, and their gradient written and read).
        let logitsForward = compute(hw.gemm.seconds(m: tokens, n: vocab / t, k: h).seconds)
        let logitsBackward = compute(hw.gemm.seconds(m: tokens, n: h, k: vocab / t).seconds
            + hw.gemm.seconds(m: h, n: vocab / t, k: tokens).seconds)
        let lossSeconds = memoryBound(4 * Double(tokens) * Double(vocab / t) * 4 / hw.memoryBytesPerSecond)
        let tpLogits = t > 1 ? communication(Collective.allReduce.seconds(bytes: Double(tokens) * 4 * 3, ranks: t, link: tensorLink)) : 0

        func stage(layers: Int, withOutput: Bool) -> (fwd: Double, bwd: Double, rc: Double, tp: Double, cp: Double) {
            let l = Double(layers)
            var fwd = l * computeForward, bwd = l * computeBackward
            let rc = l * computeRecompute
            var tp = l * tpPerPass * (2 + recomputePasses)
            let cpc = l * cpPerPass * (2 + recomputePasses)
            if withOutput {
                fwd += logitsForward + lossSeconds / 2
                bwd += logitsBackward + lossSeconds / 2
                tp += tpLogits
            }
            return (fwd, bwd, rc, tp, cpc)
        }
        let middle = stage(layers: middleLayers, withOutput: par.pipeline == 1)
        let last = stage(layers: lastLayers, withOutput: true)
        func sum(_ s: (fwd: Double, bwd: Double, rc: Double, tp: Double, cp: Double)) -> Double {
            s.fwd + s.bwd + s.rc + s.tp + s.cp
        }
        let busiest = par.pipeline == 1 ? middle : (sum(last) > sum(middle) ? last : middle)
        let stageSeconds = sum(busiest)

        // Pipeline: activations forward and their gradients backward across each stage boundary,
        // v times per micro-batch with the interleaved schedule. Each tensor-parallel rank sends 1/t of
        // the activations whether or not sequence parallelism is on: with it the activations are
        // already split; without it Megatron-LM's scatter/gather optimisation sends one slice per rank
        // and all-gathers the slices over the tensor-parallel group on the receiving stage
        // (Narayanan et al. 2021, §4.1).
        var p2p = 0.0
        if par.pipeline > 1 {
            let full = Double(tokens) * Double(h) * e
            let link = par.pipelineWithinNode ? hw.intraNode : hw.interNode
            var one = Collective.pointToPoint.seconds(bytes: full / Double(t), ranks: 2, link: link)
            if t > 1 && !par.sequenceParallel {
                one += Collective.allGather.seconds(bytes: full, ranks: t, link: tensorLink)
            }
            p2p = communication(2 * Double(par.interleave) * one)
        }
        let m = Double(par.microbatches)
        let perMicrobatch = stageSeconds + p2p
        let bubble = Double(par.pipeline - 1) / Double(par.interleave) * perMicrobatch

        // MARK: Data parallelism and the optimizer
        let layerWeights = shape.parametersPerLayer / Double(t)
        let embeddingWeights = Double(vocab) * Double(h) / Double(t)
        let firstLayers = par.pipeline == 1 ? shape.layers : (par.balanceEmbedding ? middleLayers - 1 : middleLayers)
        var parametersPerDevice: Double
        if par.pipeline == 1 {
            parametersPerDevice = Double(shape.layers) * layerWeights + embeddingWeights * (shape.tiedEmbeddings ? 1 : 2)
        } else {
            parametersPerDevice = max(
                Double(firstLayers) * layerWeights + embeddingWeights,
                Double(middleLayers) * layerWeights,
                Double(lastLayers) * layerWeights + embeddingWeights)
        }
        let dataLink = par.dataWithinNode ? hw.intraNode : hw.interNode
        let dpRanks = par.data
        var dpSeconds = 0.0
        var dpHideable = 0.0
        if dpRanks > 1 {
            let gradientBytes = parametersPerDevice * inputs.gradientBytes
            if par.zeroStage == 0 {
                dpSeconds = Collective.allReduce.seconds(bytes: gradientBytes, ranks: dpRanks, link: dataLink)
                dpHideable = dpSeconds
            } else {
                let reduce = Collective.reduceScatter.seconds(bytes: gradientBytes, ranks: dpRanks, link: dataLink)
                let gather = Collective.allGather.seconds(bytes: parametersPerDevice * e, ranks: dpRanks, link: dataLink)
                dpSeconds = reduce + gather
                dpHideable = reduce
            }
        }
        // Overlap with the backward pass of the last micro-batch on this stage.
        dpSeconds = communication(dpSeconds)
        dpHideable = communication(dpHideable)
        let hidden = par.overlapGradReduce ? min(dpHideable, busiest.bwd) : 0
        var dpExposed = dpSeconds - hidden
        // ZeRO-3 gathers each layer's weights for every forward and backward pass (and recomputation),
        // prefetched behind compute; only what compute cannot cover is exposed.
        if par.zeroStage == 3 && dpRanks > 1 {
            let gathersPerMicrobatch = 2 + recomputePasses
            let gather = communication(gathersPerMicrobatch
                * Collective.allGather.seconds(bytes: parametersPerDevice * e, ranks: dpRanks, link: dataLink))
            dpExposed += m * max(0, gather - stageSeconds)
        }
        // Adam: read fp32 weights, momentum, variance and gradient (16 bytes), write the first three
        // (12) and the 16-bit weights (2), for this rank's share of the parameters.
        let optimizerParameters = parametersPerDevice / Double(par.zeroStage >= 1 ? dpRanks : 1)
        // Before it, the gradient norm for clipping (and the fp16 loss-scale check): one read of the
        // local fp32 gradients (4 bytes) and an all-reduce of one number over every rank, which NCCL
        // runs as a tree for so small a message: latency only, 2·log2(n) hops (NCCL's cost model).
        let normLink = par.devices > par.gpusPerNode ? hw.interNode : hw.intraNode
        let normHops = 2 * Double(Int.bitWidth - (max(par.devices, 1) - 1).leadingZeroBitCount)  // 2·⌈log2 n⌉
        let normSeconds = memoryBound(optimizerParameters * 4 / hw.memoryBytesPerSecond)
            + (par.devices > 1 ? communication(normLink.baseLatency + normHops * normLink.hopLatency) : 0)
        let optimizerSeconds = memoryBound(optimizerParameters * 30 / hw.memoryBytesPerSecond) + normSeconds

        let breakdown = StepBreakdown(
            forwardCompute: m * busiest.fwd, backwardCompute: m * busiest.bwd, recomputeCompute: m * busiest.rc,
            tensorParallelCommunication: m * busiest.tp, contextParallelCommunication: m * busiest.cp,
            pipelineBubble: bubble, pipelinePointToPoint: m * p2p, dataParallelExposed: dpExposed,
            optimizer: optimizerSeconds)

        // MARK: Memory (first stage: it holds the most micro-batches in flight)
        let perLayer = ActivationMemory.perLayerBytes(
            shape, seq: localSeq, microbatch: b, tensor: t, sequenceParallel: par.sequenceParallel,
            recompute: par.recompute, attention: inputs.attention)
        let inFlight = Double(min(par.pipeline, par.microbatches))
        let interleaveFactor = par.interleave > 1
            ? 1 + Double(par.pipeline - 1) / Double(par.pipeline * par.interleave) : 1
        let activations = perLayer * Double(firstLayers) * inFlight * interleaveFactor
        let dp = Double(dpRanks)
        let memory = StepMemory(
            weights: parametersPerDevice * e / (par.zeroStage >= 3 ? dp : 1),
            gradients: parametersPerDevice * inputs.gradientBytes / (par.zeroStage >= 2 ? dp : 1),
            optimizerState: parametersPerDevice * 12 / (par.zeroStage >= 1 ? dp : 1),
            activations: activations, capacity: hw.memoryCapacityBytes)

        let batch = par.globalBatch
        return StepResult(
            iterationSeconds: breakdown.total, breakdown: breakdown,
            modelFLOPs: TransformerWork.modelFLOPs(shape, batch: batch, seq: seq, vocab: vocab),
            hardwareFLOPs: TransformerWork.hardwareFLOPs(shape, batch: batch, seq: seq, vocab: vocab, recompute: par.recompute),
            devices: par.devices, tokensPerIteration: Double(batch) * Double(seq), memory: memory,
            dataParallelSeconds: dpSeconds, stageSecondsPerMicrobatch: stageSeconds,
            pointToPointSecondsPerMicrobatch: p2p, layerForward: forward, paddedVocab: vocab,
            parametersPerDevice: parametersPerDevice)
    }

    /// The fastest rate a GEMM rate model reaches, for kernels measured against it.
    static func referenceRate(_ gemm: GEMMRate) -> Double {
        switch gemm {
        case .modelled(let peak, let efficiency, _, _, _): return peak * efficiency
        case .measured(let curve): return curve.points.map(\.rate).max() ?? 0
        }
    }

    /// The pipeline bubble as a share of the useful time: (p − 1) / (v · m) (Narayanan et al. 2021, §2.2).
    public static func bubbleFraction(pipeline p: Int, interleave v: Int, microbatches m: Int) -> Double {
        Double(p - 1) / (Double(v) * Double(m))
    }
}
