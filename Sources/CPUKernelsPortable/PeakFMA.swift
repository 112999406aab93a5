// FMA throughput probe: 12 independent SIMD8<Float> chains per worker, each
// x <- x * m + c (one multiply-add per lane per step). 12 chains cover the FMA
// latency x throughput product (4 cycles x 2 pipes on Zen 4 / Haswell-class cores).
// The chains converge to c / (1 - m) = 1, so values stay normal and bounded.

extension CPUKernels {
    /// Multiplier and addend of the probe's recurrence x <- x * m + c.
    public static let peakFMAMultiplier: Float = 0.999
    public static let peakFMAAddend: Float = 0.001
    /// Number of SIMD8<Float> chains per worker.
    public static let peakFMAChains = 12

    /// Starting value of lane `lane` of chain `chain` in worker `worker`.
    public static func peakFMAStart(worker: Int, chain: Int, lane: Int) -> Float {
        Float(1 + worker * 97 + chain * 8 + lane) * 0.125
    }

    /// Runs `iterations` steps of 12 SIMD8 multiply-add chains on each of `threads`
    /// workers. Returns the floating-point operations performed (2 per lane per step)
    /// Double, rounded to Float) of the final chain values.
    public static func peakFMA(threads: Int, iterations: Int) -> (flops: Double, checksum: Float) {
        let threads = max(1, threads)
        let iterations = max(0, iterations)
        let results = UnsafeMutablePointer<Double>.allocate(capacity: threads * 8)
        defer { results.deallocate() }
        let sr = SendablePointer(results)
        parallelFor(threads) { t in
            typealias V = SIMD8<Float>
            let m = V(repeating: peakFMAMultiplier), c = V(repeating: peakFMAAddend)
            func start(_ chain: Int) -> V {
                var v = V()
                for l in 0..<8 { v[l] = peakFMAStart(worker: t, chain: chain, lane: l) }
                return v
            }
            var x0 = start(0), x1 = start(1), x2 = start(2), x3 = start(3)
            var x4 = start(4), x5 = start(5), x6 = start(6), x7 = start(7)
            var x8 = start(8), x9 = start(9), x10 = start(10), x11 = start(11)
            var it = iterations
            while it > 0 {
                x0 = madd(c, x0, m); x1 = madd(c, x1, m); x2 = madd(c, x2, m); x3 = madd(c, x3, m)
                x4 = madd(c, x4, m); x5 = madd(c, x5, m); x6 = madd(c, x6, m); x7 = madd(c, x7, m)
                x8 = madd(c, x8, m); x9 = madd(c, x9, m); x10 = madd(c, x10, m); x11 = madd(c, x11, m)
                it -= 1
            }
            var s = 0.0
            for v in [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11] {
                for l in 0..<8 { s += Double(v[l]) }
            }
            sr.p[t * 8] = s
        }
        var sum = 0.0
        for t in 0..<threads { sum += results[t * 8] }
        let flops = Double(threads) * Double(iterations) * Double(peakFMAChains) * 8 * 2
        return (flops, Float(sum))
    }

    /// Scalar re-computation of one chain lane: `iterations` steps of x <- x * m + c,
    /// rounded the same way as this variant's vector kernel (fused or not).
    public static func peakFMAReferenceLane(start: Float, iterations: Int) -> Float {
        var x = start
        for _ in 0..<max(0, iterations) { x = madd(peakFMAAddend, x, peakFMAMultiplier) }
        return x
    }
}
