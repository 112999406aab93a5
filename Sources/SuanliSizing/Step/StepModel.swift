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
    /// Tied embeddings across pipeline stages: the first and last stages' gradient all-reduce.
    public var embeddingSync: Double
    public var optimizer: Double

    public var total: Double {
        forwardCompute + backwardCompute + recomputeCompute + tensorParallelCommunication
            + contextParallelCommunication + pipelineBubble + pipelinePointToPoint + dataParallelExposed
            + embeddingSync + optimizer
    }

    public var named: [(String, Double)] {
        [
            ("forward_compute", forwardCompute), ("backward_compute", backwardCompute),
            ("recompute_compute", recomputeCompute), ("tp_communication", tensorParallelCommunication),
            ("cp_communication", contextParallelCommunication), ("pp_bubble", pipelineBubble),
            ("pp_point_to_point", pipelinePointToPoint), ("dp_exposed", dataParallelExposed),
            ("embedding_sync", embeddingSync), ("optimizer", optimizer),
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
        let c = StepContext(inputs)
        let par = c.par
        let layer = LayerPass(c)
        let stages = StageTimes(c, layer: layer)
        let busiest = stages.busiest
        let stageSeconds = busiest.total
        let p2p = pipelinePointToPoint(c)
        let m = Double(par.microbatches)
        let bubble = pipelineBubble(c, perMicrobatch: stageSeconds + p2p)
        let firstLayers = stages.firstLayers
        let parametersPerDevice = parametersPerDevice(c, stages: stages, firstLayers: firstLayers)
        let dataParallel = DataParallelTime(
            c, parametersPerDevice: parametersPerDevice, busiest: busiest, recomputePasses: layer.recomputePasses)
        let breakdown = StepBreakdown(
            forwardCompute: m * busiest.fwd, backwardCompute: m * busiest.bwd, recomputeCompute: m * busiest.rc,
            tensorParallelCommunication: m * busiest.tp, contextParallelCommunication: m * busiest.cp,
            pipelineBubble: bubble, pipelinePointToPoint: m * p2p, dataParallelExposed: dataParallel.exposed,
            embeddingSync: tiedEmbeddingSync(c), optimizer: optimizerSeconds(c, parametersPerDevice: parametersPerDevice))
        let memory = stepMemory(c, parametersPerDevice: parametersPerDevice, firstLayers: firstLayers)

        let batch = par.globalBatch, shape = c.shape, seq = c.seq, vocab = c.vocab
        return StepResult(
            iterationSeconds: breakdown.total, breakdown: breakdown,
            modelFLOPs: TransformerWork.modelFLOPs(shape, batch: batch, seq: seq, vocab: vocab),
            hardwareFLOPs: TransformerWork.hardwareFLOPs(shape, batch: batch, seq: seq, vocab: vocab, recompute: par.recompute),
            devices: par.devices, tokensPerIteration: Double(batch) * Double(seq), memory: memory,
            dataParallelSeconds: dataParallel.seconds, stageSecondsPerMicrobatch: stageSeconds,
            pointToPointSecondsPerMicrobatch: p2p, layerForward: layer.forward, paddedVocab: vocab,
            parametersPerDevice: parametersPerDevice)
    }

    /// The fastest rate a GEMM rate model reaches, for kernels measured against it.
    static func referenceRate(_ gemm: GEMMRate) -> Double {
        switch gemm {
        case .modelled(let peak, let efficiency, _, _, _): return peak * efficiency
        case .measured(let curve), .published(let curve, _): return curve.points.map(\.rate).max() ?? 0
        }
    }

    /// The pipeline bubble as a share of the useful time: (p − 1) / (v · m) (Narayanan et al. 2021, §2.2).
    public static func bubbleFraction(pipeline p: Int, interleave v: Int, microbatches m: Int) -> Double {
        Double(p - 1) / (Double(v) * Double(m))
    }
}
