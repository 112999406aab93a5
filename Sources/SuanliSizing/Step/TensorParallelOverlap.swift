/// The four GEMMs of a layer whose inputs or outputs cross the tensor-parallel group.
enum TensorParallelGEMM: Hashable {
    /// Column-parallel: all-gathered input forward (QKV, the MLP's first matrix or matrices).
    case qkv, mlpUp
    /// Row-parallel: reduce-scattered output forward (attention output, the MLP's last matrix).
    case projection, mlpDown
}

/// One GEMM of a layer (m × k by k × n on one rank) and the seconds of its three products.
struct TimedGEMM {
    var m: Int, n: Int, k: Int
    var forward: Double, inputGradient: Double, weightGradient: Double
}

/// What Megatron-LM's `--tp-comm-overlap` leaves of one layer's tensor-parallel communication.
/// Transformer Engine's userbuffers pair each all-gather or reduce-scatter of sequence parallelism
/// with a GEMM, by three methods (TE v1.8 `initialize_ub` defaults, `StepConstants.tpOverlap*`):
///
/// - **ring exchange** (QKV and MLP-up forward, projection and MLP-down input gradients): the GEMM
///   runs in t chunks of m/t rows, and each of the t − 1 peer copies of a shard (copy engines, no SMs)
///   hides behind the chunk before it. Left: the chunks' loss of efficiency and what each copy
///   exceeds a chunk, (t − 1)·max(0, copy − chunk).
/// - **pipeline** (projection and MLP-down forward): the GEMM in 4 chunks of n/4 output columns,
///   each chunk's reduce-scatter beside the next chunk's GEMM, the last one after it.
/// - **bulk** (QKV and MLP-up backward): the all-gather of the layer input for the weight gradient
///   beside the input-gradient GEMM, the reduce-scatter of the input gradient beside the weight
///   gradient GEMM.
///
/// Chunks go round-robin to up to 3 streams, so up to 3 run at once and share the SMs like one GEMM
/// of their joint size; a chunk is never counted faster than its share of the whole GEMM. The
/// pipeline and bulk communication kernels run on 16 SMs; the GEMM beside one is launched on every
/// SM (`set_sm_margin` off), and the model assumes it advances at (SMs − 16)/SMs of its pace while
/// the kernel runs (no slowdown where the SM count is unknown, as with a measured GEMM curve).
///
/// A forward pass without gradients (the first pass under full recomputation) turns the ring
/// exchange's all-gathers off (TE v1.8 `layernorm_linear.py`, `layernorm_mlp.py`: not
/// `is_grad_enabled`), so they run plain and exposed; the pipelined reduce-scatters stay.
/// Backward moves four all-gathers and two reduce-scatters (the weight gradients need the gathered
/// inputs again).
struct TensorParallelOverlap {
    let forwardExposed: Double
    /// A forward pass without gradients (full recomputation's first pass).
    let forwardWithoutGradientsExposed: Double
    let backwardExposed: Double

    init(_ c: StepContext, gemms: [TensorParallelGEMM: TimedGEMM], activationBytes: Double) {
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

        let streams = Int(StepConstants.tpOverlapStreams.value)
        func gemm(_ m: Int, _ n: Int, _ k: Int) -> Double {
            c.compute(c.hw.gemm.seconds(m: max(m, 1), n: max(n, 1), k: k).seconds)
        }
        /// Seconds per chunk of `count`, the chunks running `s` at a time (`together(s)`: s chunks as one GEMM).
        func perChunk(_ count: Int, whole: Double, together: (Int) -> Double) -> Double {
            let s = min(streams, count)
            return max(together(s) / Double(s), whole / Double(count))
        }
        /// Ring exchange over the t shards of m rows.
        func ringExchange(whole: Double, m: Int, n: Int, k: Int) -> Double {
            let chunk = perChunk(t, whole: whole) { s in gemm(m * s / t, n, k) }
            return Self.ringExchange(gemm: whole, chunk: chunk, chunks: t, copy: copy)
        }
        /// Pipeline over `splits` column blocks of the output.
        func pipeline(_ s: TimedGEMM) -> Double {
            let piece = perChunk(splits, whole: s.forward) { j in gemm(s.m, s.n * j / splits, s.k) }
            return Self.pipeline(gemm: s.forward, piece: piece, splits: splits, chunkCommunication: chunkRS, slowdown: slowdown)
        }
        func bulk(_ g: Double, _ communication: Double) -> Double {
            Self.bulk(gemm: g, communication: communication, slowdown: slowdown)
        }

        var forward = 0.0, withoutGradients = 0.0, backward = 0.0
        for role in [TensorParallelGEMM.qkv, .mlpUp] {
            guard let s = gemms[role] else { continue }
            forward += ringExchange(whole: s.forward, m: s.m, n: s.n, k: s.k)
            withoutGradients += allGather
            backward += bulk(s.inputGradient, allGather) + bulk(s.weightGradient, reduceScatter)
        }
        for role in [TensorParallelGEMM.projection, .mlpDown] {
            guard let s = gemms[role] else { continue }
            let reduce = pipeline(s)
            forward += reduce
            withoutGradients += reduce
            backward += ringExchange(whole: s.inputGradient, m: s.m, n: s.k, k: s.n)
        }
        forwardExposed = forward
        forwardWithoutGradientsExposed = withoutGradients
        backwardExposed = backward
    }

    /// A GEMM of `gemm` seconds beside a communication kernel of `communication` seconds that holds
    /// some SMs: while both run, the GEMM advances at 1/`slowdown` of its pace. Seconds until both end.
    static func beside(gemm g: Double, communication c: Double, slowdown: Double) -> Double {
        c + max(0, g - c / slowdown)
    }

    /// Ring exchange: exposed seconds of a GEMM of `gemm` seconds cut into `chunks` chunks of
    /// `chunk` seconds each (never counted faster than the whole), with a peer copy of `copy` seconds behind each chunk but the last.
    static func ringExchange(gemm g: Double, chunk: Double, chunks t: Int, copy: Double) -> Double {
        guard t > 1 else { return 0 }
        return max(Double(t) * chunk - g, 0) + Double(t - 1) * max(0, copy - chunk)
    }

    /// Pipeline: exposed seconds of a GEMM of `gemm` seconds cut into `splits` chunks of `piece`
    /// seconds, each chunk's reduce-scatter (`chunkCommunication` seconds) beside the next chunk's
    /// GEMM and the last one after it.
    static func pipeline(gemm g: Double, piece: Double, splits n: Int, chunkCommunication c: Double, slowdown: Double) -> Double {
        piece + Double(n - 1) * beside(gemm: piece, communication: c, slowdown: slowdown) + c - g
    }

    /// Bulk: exposed seconds of one collective beside one whole GEMM.
    static func bulk(gemm g: Double, communication c: Double, slowdown: Double) -> Double {
        beside(gemm: g, communication: c, slowdown: slowdown) - g
    }
}
