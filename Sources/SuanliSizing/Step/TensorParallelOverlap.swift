/// The four GEMMs of a layer whose inputs or outputs cross the tensor-parallel group.
enum TensorParallelGEMM: Hashable {
    /// Column-parallel: all-gathered input forward (QKV, the MLP's first matrix or matrices).
    case qkv, mlpUp
    /// Row-parallel: reduce-scattered output forward (attention output, the MLP's last matrix).
    case projection, mlpDown
}

/// One GEMM of a layer (m × k by k × n on one rank) and the seconds of its three products.
struct GEMMShape {
    var m: Int, n: Int, k: Int
    var forward: Double, inputGradient: Double, weightGradient: Double
}

/// What Megatron-LM's `--tp-comm-overlap` leaves of one layer's tensor-parallel communication.
/// Transformer Engine's userbuffers pair each all-gather or reduce-scatter of sequence parallelism
/// with a GEMM, by three methods (TE v1.8 `initialize_ub` defaults, `StepConstants.tpOverlap*`):
///
/// - **ring exchange** (QKV and MLP-up forward, projection and MLP-down input gradients): the GEMM
///   runs in t chunks of m/t rows, and each of the t − 1 peer copies of a shard (copy engines, no SMs)
///   hides behind the chunk before it. Left: the chunks' loss of efficiency, t·g(m/t) − g(m), and
///   what each copy exceeds a chunk, (t − 1)·max(0, copy − g(m/t)).
/// - **pipeline** (projection and MLP-down forward): the GEMM in 4 chunks, each chunk's
///   reduce-scatter beside the next chunk's GEMM, the last one after it. The communication kernel
///   holds 16 SMs: while it runs, the GEMM beside it advances at (SMs − 16)/SMs of its pace.
/// - **bulk** (QKV and MLP-up backward): the all-gather of the layer input for the weight gradient
///   beside the input-gradient GEMM, the reduce-scatter of the input gradient beside the weight
///   gradient GEMM, each kernel on 16 SMs as above.
///
/// Backward thus moves four all-gathers and two reduce-scatters (the weight gradients need the
/// gathered inputs again), where the model without overlap counts two and two.
struct TensorParallelOverlap {
    let forwardExposed: Double
    let backwardExposed: Double

    init(_ c: StepContext, gemms: [TensorParallelGEMM: GEMMShape], activationBytes: Double) {
        let t = c.t, link = c.tensorLink
        let sms = c.hw.gemm.computeUnits
        let commSMs = Int(StepConstants.tpOverlapCommunicationSMs.value)
        // A GEMM sharing the device with a communication kernel: unknown SM count, no slowdown modelled.
        let slowdown = sms.map { $0 > commSMs ? Double($0) / Double($0 - commSMs) : 1 } ?? 1
        let splits = Int(StepConstants.tpOverlapPipelineSplits.value)
        let allGather = c.communication(Collective.allGather.seconds(bytes: activationBytes, ranks: t, link: link))
        let reduceScatter = c.communication(Collective.reduceScatter.seconds(bytes: activationBytes, ranks: t, link: link))
        let copy = c.communication(Collective.pointToPoint.seconds(bytes: activationBytes / Double(t), ranks: 2, link: link))
        let chunkRS = c.communication(Collective.reduceScatter.seconds(
            bytes: activationBytes / Double(splits), ranks: t, link: link))

        func chunk(m: Int, n: Int, k: Int) -> Double {
            c.compute(c.hw.gemm.seconds(m: max(m / t, 1), n: n, k: k).seconds)
        }
        func ringExchange(whole: Double, chunk g: Double) -> Double {
            Self.ringExchange(gemm: whole, chunk: g, chunks: t, copy: copy)
        }
        func pipeline(_ g: Double) -> Double {
            Self.pipeline(gemm: g, splits: splits, chunkCommunication: chunkRS, slowdown: slowdown)
        }
        func bulk(_ g: Double, _ communication: Double) -> Double {
            Self.bulk(gemm: g, communication: communication, slowdown: slowdown)
        }

        var forward = 0.0, backward = 0.0
        for role in [TensorParallelGEMM.qkv, .mlpUp] {
            guard let s = gemms[role] else { continue }
            forward += ringExchange(whole: s.forward, chunk: chunk(m: s.m, n: s.n, k: s.k))
            backward += bulk(s.inputGradient, allGather) + bulk(s.weightGradient, reduceScatter)
        }
        for role in [TensorParallelGEMM.projection, .mlpDown] {
            guard let s = gemms[role] else { continue }
            forward += pipeline(s.forward)
            backward += ringExchange(whole: s.inputGradient, chunk: chunk(m: s.m, n: s.k, k: s.n))
        }
        forwardExposed = forward
        backwardExposed = backward
    }

    /// A GEMM of `gemm` seconds beside a communication kernel of `communication` seconds that holds
    /// some SMs: while both run, the GEMM advances at 1/`slowdown` of its pace. Seconds until both end.
    static func beside(gemm g: Double, communication c: Double, slowdown: Double) -> Double {
        c + max(0, g - c / slowdown)
    }

    /// Ring exchange: exposed seconds of a GEMM of `gemm` seconds cut into `chunks` chunks of
    /// `chunk` seconds (never faster than the whole), with a peer copy of `copy` seconds behind each chunk but the last.
    static func ringExchange(gemm g: Double, chunk: Double, chunks t: Int, copy: Double) -> Double {
        guard t > 1 else { return 0 }
        return max(Double(t) * chunk - g, 0) + Double(t - 1) * max(0, copy - chunk)
    }

    /// Pipeline: exposed seconds of a GEMM cut into `splits` chunks, each chunk's reduce-scatter
    /// (`chunkCommunication` seconds) beside the next chunk's GEMM and the last one after it.
    static func pipeline(gemm g: Double, splits n: Int, chunkCommunication c: Double, slowdown: Double) -> Double {
        let piece = g / Double(n)
        return piece + Double(n - 1) * beside(gemm: piece, communication: c, slowdown: slowdown) + c - g
    }

    /// Bulk: exposed seconds of one collective beside one whole GEMM.
    static func bulk(gemm g: Double, communication c: Double, slowdown: Double) -> Double {
        beside(gemm: g, communication: c, slowdown: slowdown) - g
    }
}
