#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One constant of the model with where it came from; listed in `sources`.
public struct SourcedConstant: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var source: String

    public init(_ name: String, _ value: Double, _ source: String) {
        self.name = name
        self.value = value
        self.source = source
    }
}

/// Constants of the step model that are not properties of one device. Each is sourced.
public enum StepConstants {
    /// NCCL ring/simple all-reduce base latency, µs (NCCL's own cost model, src/graph/tuning.cc, baseLat).
    public static let collectiveBaseLatency = SourcedConstant(
        "collective_base_latency_s", 8.4e-6, "NCCL cost model (src/graph/tuning.cc): ring/simple base latency 8.4 µs")
    /// NCCL per-step latency on NVLink, ring/simple.
    public static let nvlinkHopLatency = SourcedConstant(
        "intra_node_hop_latency_s", 3.4e-6, "NCCL cost model (src/graph/tuning.cc): ring/simple hop latency 3.4 µs on NVLink")
    /// NCCL per-step latency over the network, ring/simple.
    public static let networkHopLatency = SourcedConstant(
        "inter_node_hop_latency_s", 9.6e-6, "NCCL cost model (src/graph/tuning.cc): ring/simple hop latency 9.6 µs over the network")
    /// Share of NVLink line rate NCCL moves: 370 of 450 GB/s on H100 (protocol overhead ~20%).
    public static let nvlinkEfficiency = SourcedConstant(
        "intra_node_efficiency", 370.0 / 450.0,
        "NCCL maintainer, NVIDIA/nccl-tests#212 (2024): 370 GB/s effective of NVLink's 450 GB/s line rate")
    /// Share of the network line rate an all-reduce reaches: 84.8 of 100 GB/s (3 nodes, 4× HDR per 8 A100s).
    public static let networkEfficiency = SourcedConstant(
        "inter_node_efficiency", 84.8 / 100.0,
        "NVIDIA/nccl-tests#119 (2022): all-reduce busbw 84.8 GB/s average of 100 GB/s line rate over HDR InfiniBand")
    /// FlashAttention-2 reaches 50–73% of A100's peak; the midpoint is used for the fused attention kernel.
    public static let flashAttentionEfficiency = SourcedConstant(
        "flash_attention_efficiency", 0.615, "FlashAttention-2 (Dao 2023): 50–73% of peak on A100; midpoint")
    /// Bytes moved per logit by Megatron-LM's unfused vocabulary-parallel cross-entropy (the default;
    /// `--cross-entropy-loss-fusion` is opt-in), counted from its code: forward — the bf16 logits
    /// converted to fp32 (read 2, write 4), the row max (read 4), the max subtracted in place (8),
    /// exp in place (8), the row sum (read 4), the division into the softmax in place (8): 38 bytes;
    /// backward — the gradient scaled in place (8) and converted back to bf16 (read 4, write 2): 14.
    public static let lossForwardBytesPerLogit = SourcedConstant(
        "loss_forward_bytes_per_logit", 38,
        "Megatron-Core r0.8.0, megatron/core/tensor_parallel/cross_entropy.py (unfused path): .float(), max, in-place subtract, exp, sum, in-place divide over the fp32 logits")
    /// Of those, the conversions between 16-bit and fp32 logits (forward read 2, write 4; backward
    /// read 4, write 2): no copy is made when the logits are already fp32 (`.float()` returns them).
    public static let lossConversionBytesPerLogit = SourcedConstant(
        "loss_conversion_bytes_per_logit", 6,
        "Megatron-Core r0.8.0 cross_entropy.py: vocab_parallel_logits.float() copies 16-bit logits (and its backward converts the gradient back); fp32 logits are not copied")
    public static let lossBackwardBytesPerLogit = SourcedConstant(
        "loss_backward_bytes_per_logit", 14,
        "Megatron-Core r0.8.0, megatron/core/tensor_parallel/cross_entropy.py (unfused path): in-place multiply by the loss gradient, then the fp32 gradient back to bf16")
    /// Transformer Engine's userbuffer overlap (Megatron-LM `--tp-comm-overlap`, default settings of
    /// TE v1.8, the release beside Megatron-Core r0.8.0): the pipelined and bulk methods' communication
    /// kernels run on 16 SMs beside the GEMM; ring exchange copies peer to peer on the copy engines.
    public static let tpOverlapCommunicationSMs = SourcedConstant(
        "tp_overlap_communication_sms", 16,
        "Transformer Engine v1.8, transformer_engine/pytorch/module/base.py initialize_ub defaults: num_sm 16 for the pipeline (proj_fprop, fc2_fprop) and bulk (qkv/fc1 dgrad and wgrad) methods; ring exchange (qkv_fprop, fc1_fprop, proj_dgrad, fc2_dgrad) copies on the copy engines (use_ce)")
    /// Chunks of the pipelined GEMM + reduce-scatter; ring exchange cuts its GEMM into TP-size chunks.
    public static let tpOverlapPipelineSplits = SourcedConstant(
        "tp_overlap_pipeline_splits", 4,
        "Transformer Engine v1.8 initialize_ub defaults: num_splits 4 for the pipeline method (split_overlap_rs cuts the weight's output rows, the product's columns); ring exchange runs one chunk per tensor-parallel rank")
    /// GEMM chunks of one overlapped product run round-robin on up to 3 CUDA streams.
    public static let tpOverlapStreams = SourcedConstant(
        "tp_overlap_streams", 3,
        "Transformer Engine v1.8: _NUM_MAX_UB_STREAMS = 3 (module/base.py); comm_gemm_overlap.h issues chunk i on compute stream i mod 3")
    /// cuBLAS tile sizes for the wave-quantization model of large half-precision GEMMs.
    public static let gemmTiles: [(Int, Int)] = [(256, 128), (128, 256), (128, 128)]
    public static let gemmTileSource =
        "NVIDIA Deep Learning Performance guide, Matrix Multiplication Background: tiles of 256×128, 128×256, 128×128 and wave quantization over the SMs"
    /// Megatron-LM pads the vocabulary to a multiple of 128 × tensor parallelism.
    public static let vocabPadding = 128
    public static let vocabPaddingSource = "Megatron-LM --make-vocab-size-divisible-by 128 (× tensor-parallel size)"
}

/// A link between devices, per device and direction.
public struct Link: Sendable, Equatable {
    /// Line rate per device, one direction, bytes/s.
    public var bytesPerSecond: Double
    /// Share of the line rate a collective moves.
    public var efficiency: Double
    public var hopLatency: Double
    public var baseLatency: Double
    /// Measured all-reduce bus bandwidth by message size (a cluster file, or a published nccl-tests
    /// curve from the catalog); replaces the line-rate model.
    public var measured: BusBandwidthCurve?
    /// The curve is a published all-reduce curve (the catalog's): all-reduce follows it; reduce-scatter
    /// and all-gather follow it up to the ring's line rate × efficiency (an all-reduce may use NVLink
    /// SHARP, which they cannot); point-to-point sends use the line-rate model.
    public var measuredIsAllReduceOnly = false
    public var name: String

    public init(name: String, bytesPerSecond: Double, efficiency: Double, hopLatency: Double, baseLatency: Double,
                measured: BusBandwidthCurve? = nil, measuredIsAllReduceOnly: Bool = false) {
        self.name = name
        self.bytesPerSecond = bytesPerSecond
        self.efficiency = efficiency
        self.hopLatency = hopLatency
        self.baseLatency = baseLatency
        self.measured = measured
        self.measuredIsAllReduceOnly = measuredIsAllReduceOnly
    }
}

extension Link {
    /// The scale-out link as a ring collective over a group with `ranksPerNode` ranks on each node
    /// sees it: the ring crosses each node boundary once, so a node sends one rank's share out per
    /// step, and the group's ranks on that node each drive their own NIC (NCCL runs one channel
    /// per NIC): the bus bandwidth is `ranksPerNode` times one device's, at most the intra-node
    /// link's (the ring's other hops). A measured curve is left as measured.
    func sharedByRing(ranksPerNode: Int, intraNode: Link) -> Link {
        guard measured == nil, ranksPerNode > 1 else { return self }
        var link = self
        link.bytesPerSecond = min(bytesPerSecond * Double(ranksPerNode), intraNode.bytesPerSecond)
        return link
    }
}

/// Measured all-reduce bus bandwidth (nccl-tests' busbw) by message size, from `suanli bench --mpi`.
public struct BusBandwidthCurve: Sendable, Equatable {
    /// (message bytes, busbw bytes/s), sorted by size.
    public let points: [(bytes: Double, busBytesPerSecond: Double)]
    /// The same points, interpolated: built once, not on every collective.
    private let curve: LogCurve

    public init(points: [(bytes: Double, busBytesPerSecond: Double)]) {
        self.points = points.filter { $0.bytes > 0 && $0.busBytesPerSecond > 0 }.sorted { $0.bytes < $1.bytes }
        curve = LogCurve(self.points.map { ($0.bytes, $0.busBytesPerSecond) })
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.points.count == b.points.count
            && zip(a.points, b.points).allSatisfy { $0.bytes == $1.bytes && $0.busBytesPerSecond == $1.busBytesPerSecond }
    }

    /// Bus bandwidth at `bytes`: linear in log(size) between points, the end values beyond them.
    public func busBytesPerSecond(at bytes: Double) -> Double {
        curve.value(at: bytes)
    }
}

/// A figure measured at a few sizes: linear in log(size) between points, the end values beyond them.
public struct LogCurve: Sendable, Equatable {
    /// (size, value), sorted by size; sizes and values positive.
    public let points: [Point]

    public struct Point: Sendable, Equatable {
        public var size: Double
        public var value: Double
    }

    public init(_ points: [(size: Double, value: Double)]) {
        self.points = points.filter { $0.size > 0 && $0.value > 0 }.sorted { $0.size < $1.size }
            .map { Point(size: $0.size, value: $0.value) }
    }

    public func value(at size: Double) -> Double {
        guard let first = points.first, let last = points.last else { return 0 }
        if size <= first.size { return first.value }
        if size >= last.size { return last.value }
        let upper = points.firstIndex { $0.size >= size }!
        let a = points[upper - 1], b = points[upper]
        let w = (log2(size) - log2(a.size)) / (log2(b.size) - log2(a.size))
        return a.value + w * (b.value - a.value)
    }
}

/// GEMM throughput by shape: modelled from the device, measured (`bench --suite gemm --sweep`), or a
/// published sweep of the device (the catalog's) with the model below its range.
public enum GEMMRate: Sendable, Equatable {
    /// peak × best measured efficiency × wave quantization over `computeUnits` (when known), and never
    /// faster than moving the operands once at `memoryBytesPerSecond` (roofline).
    case modelled(peak: Double, efficiency: Double, computeUnits: Int?, memoryBytesPerSecond: Double, elementBytes: Double)
    /// Interpolated from measurements.
    case measured(GEMMRateCurve)
    /// A published sweep (the catalog's) for single products whose sizes are all at least the
    /// sweep's smallest — interpolated, the edge rate above its range, never faster than `below`'s
    /// memory roofline — and `below` (a `.modelled` rate) for batched products and sizes under the
    /// sweep (the sweep's one-product rates at its smallest sizes say nothing of them).
    indirect case published(GEMMRateCurve, below: GEMMRate)

    /// Seconds for `batch` GEMMs of m × k by k × n, and the rate reached (FLOP/s). `outputBytes` is
    /// the memory traffic per output element (default: one write of an element; a weight-gradient
    /// GEMM that accumulates into fp32 main gradients reads and writes 4 bytes each).
    public func seconds(m: Int, n: Int, k: Int, batch: Int = 1, outputBytes: Double? = nil) -> (seconds: Double, rate: Double) {
        let flops = 2 * Double(m) * Double(n) * Double(k) * Double(batch)
        guard flops > 0 else { return (0, 0) }
        switch self {
        case .modelled(let peak, let efficiency, let units, let bandwidth, let elementBytes):
            let wave = units.map { GEMMRate.waveEfficiency(m: m, n: n, batch: batch, computeUnits: $0) } ?? 1
            let compute = flops / (peak * efficiency * wave)
            let t = max(compute, Self.operandBytes(m: m, n: n, k: k, batch: batch, elementBytes: elementBytes, outputBytes: outputBytes) / bandwidth)
            return (t, flops / t)
        case .measured(let curve):
            let rate = curve.rate(m: m, n: n, k: k)
            return (flops / rate, rate)
        case .published(let curve, let below):
            guard batch == 1, curve.covers(m: m, n: n, k: k),
                  case .modelled(_, _, _, let bandwidth, let elementBytes) = below else {
                return below.seconds(m: m, n: n, k: k, batch: batch, outputBytes: outputBytes)
            }
            let compute = flops / curve.rate(m: m, n: n, k: k)
            let t = max(compute, Self.operandBytes(m: m, n: n, k: k, batch: batch, elementBytes: elementBytes, outputBytes: outputBytes) / bandwidth)
            return (t, flops / t)
        }
    }

    /// The device's SMs or CUs where the rate knows them (not for a measured curve).
    public var computeUnits: Int? {
        switch self {
        case .modelled(_, _, let units, _, _): return units
        case .measured: return nil
        case .published(_, let below): return below.computeUnits
        }
    }

    /// Bytes a product moves at the least: both operands read once and the output written once.
    static func operandBytes(m: Int, n: Int, k: Int, batch: Int, elementBytes: Double, outputBytes: Double?) -> Double {
        Double(batch) * (elementBytes * (Double(m) * Double(k) + Double(k) * Double(n))
            + (outputBytes ?? elementBytes) * Double(m) * Double(n))
    }

    /// The share of tile slots doing useful work when the m × n outputs of `batch` GEMMs are cut into
    /// tiles spread over the compute units in waves, for the best of the tile shapes.
    public static func waveEfficiency(m: Int, n: Int, batch: Int = 1, computeUnits: Int) -> Double {
        guard computeUnits > 0, m > 0, n > 0, batch > 0 else { return 1 }
        var best = 0.0
        for (tm, tn) in StepConstants.gemmTiles {
            let tiles = ((m + tm - 1) / tm) * ((n + tn - 1) / tn) * batch
            let waves = (tiles + computeUnits - 1) / computeUnits
            let useful = Double(m) * Double(n) * Double(batch) / (Double(waves * computeUnits) * Double(tm * tn))
            best = max(best, useful)
        }
        return best
    }
}

/// Measured GEMM rates at (m, n, k) points. On a full grid of sizes the rate is interpolated
/// trilinearly in log2 of each size; off a grid, the nearest point in log space is used. Sizes beyond
/// the measured range take the nearest edge.
public struct GEMMRateCurve: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var m: Int, n: Int, k: Int
        /// FLOP/s.
        public var rate: Double
        public init(m: Int, n: Int, k: Int, rate: Double) {
            self.m = m
            self.n = n
            self.k = k
            self.rate = rate
        }
    }

    public var points: [Point]
    let ms: [Int], ns: [Int], ks: [Int]
    let grid: [[Int]: Double]
    public var isGrid: Bool { grid.count == ms.count * ns.count * ks.count && !points.isEmpty }

    public init(points: [Point]) {
        // Several measurements of one shape: keep the fastest.
        var best: [[Int]: Double] = [:]
        for p in points where p.rate > 0 && p.rate.isFinite && p.m > 0 && p.n > 0 && p.k > 0 {
            best[[p.m, p.n, p.k]] = max(best[[p.m, p.n, p.k]] ?? 0, p.rate)
        }
        self.points = best.map { Point(m: $0.key[0], n: $0.key[1], k: $0.key[2], rate: $0.value) }
            .sorted { ($0.m, $0.n, $0.k) < ($1.m, $1.n, $1.k) }
        grid = best
        ms = Array(Set(best.keys.map { $0[0] })).sorted()
        ns = Array(Set(best.keys.map { $0[1] })).sorted()
        ks = Array(Set(best.keys.map { $0[2] })).sorted()
    }

    public static func == (a: Self, b: Self) -> Bool { a.points == b.points }

    /// From [m, n, k, TFLOPS] rows (a catalog sweep); rows of another length are left out.
    public init(tflopsRows rows: [[Double]]) {
        self.init(points: rows.filter { $0.count == 4 }.map { Point(m: Int($0[0]), n: Int($0[1]), k: Int($0[2]), rate: $0[3] * 1e12) })
    }

    /// True when every size is at least the smallest measured in its dimension.
    public func covers(m: Int, n: Int, k: Int) -> Bool {
        guard let m0 = ms.first, let n0 = ns.first, let k0 = ks.first else { return false }
        return m >= m0 && n >= n0 && k >= k0
    }

    /// FLOP/s at (m, n, k).
    public func rate(m: Int, n: Int, k: Int) -> Double {
        guard !points.isEmpty else { return 0 }
        if isGrid {
            let (m0, m1, wm) = Self.bracket(ms, m)
            let (n0, n1, wn) = Self.bracket(ns, n)
            let (k0, k1, wk) = Self.bracket(ks, k)
            var total = 0.0
            for (mi, mw) in [(m0, 1 - wm), (m1, wm)] where mw > 0 {
                for (ni, nw) in [(n0, 1 - wn), (n1, wn)] where nw > 0 {
                    for (ki, kw) in [(k0, 1 - wk), (k1, wk)] where kw > 0 {
                        total += mw * nw * kw * grid[[mi, ni, ki]]!
                    }
                }
            }
            return total
        }
        let target = [log2(Double(m)), log2(Double(n)), log2(Double(k))]
        return points.min { a, b in
            Self.distance(a, target) < Self.distance(b, target)
        }!.rate
    }

    static func distance(_ p: Point, _ target: [Double]) -> Double {
        let d = [log2(Double(p.m)) - target[0], log2(Double(p.n)) - target[1], log2(Double(p.k)) - target[2]]
        return d.map { $0 * $0 }.reduce(0, +)
    }

    /// The grid values around `x` and the weight of the upper one (linear in log2), clamped to the range.
    static func bracket(_ values: [Int], _ x: Int) -> (Int, Int, Double) {
        if x <= values[0] { return (values[0], values[0], 0) }
        if x >= values[values.count - 1] { return (values[values.count - 1], values[values.count - 1], 0) }
        let upper = values.firstIndex { $0 >= x }!
        let a = values[upper - 1], b = values[upper]
        let w = (log2(Double(x)) - log2(Double(a))) / (log2(Double(b)) - log2(Double(a)))
        return (a, b, w)
    }
}

/// A fused-attention kernel's published rates on one device, FLOP/s by sequence length: forward
/// with a causal mask (the masked half not counted) and backward (2.5× the forward's FLOPs), as
/// FlashAttention's papers count them. Between the published lengths the rate is interpolated in
/// log(length); beyond them it stays at the end values.
public struct AttentionRates: Sendable, Equatable {
    public var forward: LogCurve
    public var backward: LogCurve

    /// From [sequence, TFLOPS] pairs; nil unless both curves have a point.
    public init?(forwardTFLOPS: [[Double]], backwardTFLOPS: [[Double]]) {
        func curve(_ pairs: [[Double]]) -> LogCurve { LogCurve(pairs.filter { $0.count == 2 }.map { ($0[0], $0[1] * 1e12) }) }
        forward = curve(forwardTFLOPS)
        backward = curve(backwardTFLOPS)
        if forward.points.isEmpty || backward.points.isEmpty { return nil }
    }

    public func forwardFLOPS(sequence: Int) -> Double { forward.value(at: Double(sequence)) }
    public func backwardFLOPS(sequence: Int) -> Double { backward.value(at: Double(sequence)) }
}

/// The device and its links as the step model sees them.
public struct HardwareModel: Sendable {
    public var name: String
    /// Dense peak at the training precision, FLOP/s (for MFU and HFU).
    public var peakFLOPS: Double?
    public var gemm: GEMMRate
    /// Fused attention kernels as a share of peak (FlashAttention) where the device has no published
    /// attention rates; with a measured GEMM curve, of the curve's rate at the attention's shape.
    public var attentionEfficiency: Double
    /// The device's published fused-attention rates by sequence length (catalog), used before
    /// `attentionEfficiency`.
    public var attentionRates: AttentionRates?
    /// Memory bandwidth for memory-bound kernels, bytes/s.
    public var memoryBytesPerSecond: Double
    /// Device memory, bytes; nil when unknown (no fit check).
    public var memoryCapacityBytes: Double?
    public var intraNode: Link
    public var interNode: Link
    /// Bytes per activation and weight element (2 for bf16/fp16).
    public var elementBytes: Double
    /// Where each figure came from: (name, value, source).
    public var sources: [SourcedConstant]
    /// The software stack's efficiencies relative to the model (1 each unless calibrated from a
    /// measured run: `--calibration FILE`).
    public var software = SoftwareEfficiency()

    public init(
        name: String, peakFLOPS: Double?, gemm: GEMMRate, attentionEfficiency: Double, memoryBytesPerSecond: Double,
        memoryCapacityBytes: Double?, intraNode: Link, interNode: Link, elementBytes: Double = 2,
        sources: [SourcedConstant] = []
    ) {
        self.name = name
        self.peakFLOPS = peakFLOPS
        self.gemm = gemm
        self.attentionEfficiency = attentionEfficiency
        self.memoryBytesPerSecond = memoryBytesPerSecond
        self.memoryCapacityBytes = memoryCapacityBytes
        self.intraNode = intraNode
        self.interNode = interNode
        self.elementBytes = elementBytes
        self.sources = sources
    }
}
