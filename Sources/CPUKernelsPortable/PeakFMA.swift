// FMA throughput probe: 12 independent vector chains per worker (SIMD8<Float>; SIMD16<Float>
// in the AVX-512 build, so a core with 512-bit FMA pipes runs at its full width), each
// x <- x * m + c (one multiply-add per lane per step). 12 chains cover the FMA
// latency x throughput product (4 cycles x 2 pipes on Zen 4 / Haswell-class cores).
//
// The caller passes m = 1 and c = 1 as run-time values (the compiler cannot fold the
// multiply-add into an add). Every lane then holds small integers, which Float holds
// exactly below 2^24 whether the multiply-add is fused or not, so each step adds exactly 1
// and the result has a closed form that depends on every step: see `peakFMAExpected`.
// One call runs `repeats` rounds of `iterations` steps; round r starts every lane from
// its start value + r, so no round can be computed once and reused.

extension CPUKernels {
    /// Number of vector chains per worker.
    public static let peakFMAChains = 12
    #if SUANLI_AVX512
    /// fp32 lanes per chain (the AVX-512 build uses 512-bit vectors).
    public static let peakFMALanes = 16
    #else
    /// fp32 lanes per chain.
    public static let peakFMALanes = 8
    #endif
    /// Largest `iterations` per round: start + repeats + iterations stays below 2^24.
    public static let peakFMAMaxIterations = 1 << 23
    /// Largest `repeats` per call.
    public static let peakFMAMaxRepeats = 1 << 20

    /// Starting value of lane `lane` of chain `chain` (the same in every worker).
    public static func peakFMAStart(chain: Int, lane: Int) -> Float {
        Float(1 + chain * peakFMALanes + lane)
    }

    /// Runs, on each of `threads` workers, `repeats` rounds of `iterations` steps of 12 vector
    /// multiply-add chains x <- x * multiplier + addend. Returns the floating-point operations
    /// performed (2 per lane per step) and the sum, in Double, of every lane's final value in
    /// every round of every worker.
    public static func peakFMA(threads: Int, iterations: Int, repeats: Int = 1,
                               multiplier: Float, addend: Float) -> (flops: Double, checksum: Double) {
        let threads = max(1, threads)
        let iterations = max(0, iterations)
        let repeats = max(0, repeats)
        let results = UnsafeMutablePointer<Double>.allocate(capacity: threads * 8)
        defer { results.deallocate() }
        let sr = SendablePointer(results)
        parallelFor(threads) { t in
            typealias V = PeakVector
            let m = V(repeating: multiplier), c = V(repeating: addend)
            func start(_ chain: Int, _ round: Int) -> V {
                var v = V()
                for l in 0..<V.scalarCount { v[l] = peakFMAStart(chain: chain, lane: l) + Float(round) }
                return v
            }
            var s = 0.0
            for round in 0..<repeats {
                var x0 = start(0, round), x1 = start(1, round), x2 = start(2, round), x3 = start(3, round)
                var x4 = start(4, round), x5 = start(5, round), x6 = start(6, round), x7 = start(7, round)
                var x8 = start(8, round), x9 = start(9, round), x10 = start(10, round), x11 = start(11, round)
                var it = iterations
                while it > 0 {
                    x0 = madd(c, x0, m); x1 = madd(c, x1, m); x2 = madd(c, x2, m); x3 = madd(c, x3, m)
                    x4 = madd(c, x4, m); x5 = madd(c, x5, m); x6 = madd(c, x6, m); x7 = madd(c, x7, m)
                    x8 = madd(c, x8, m); x9 = madd(c, x9, m); x10 = madd(c, x10, m); x11 = madd(c, x11, m)
                    it -= 1
                }
                for v in [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11] {
                    for l in 0..<V.scalarCount { s += Double(v[l]) }
                }
            }
            sr.p[t * 8] = s
        }
        var sum = 0.0
        for t in 0..<threads { sum += results[t * 8] }
        let flops = Double(threads) * Double(repeats) * Double(iterations) * Double(peakFMAChains) * Double(peakFMALanes) * 2
        return (flops, sum)
    }

    /// The checksum `peakFMA` returns with multiplier 1 and addend 1, in closed form: every lane
    /// of round r ends at start + r + iterations. Exact (all terms are integers far below 2^53)
    /// while iterations ≤ `peakFMAMaxIterations` and repeats ≤ `peakFMAMaxRepeats`.
    public static func peakFMAExpected(threads: Int, iterations: Int, repeats: Int) -> Double {
        let lanes = peakFMAChains * peakFMALanes
        var starts = 0.0
        for chain in 0..<peakFMAChains { for lane in 0..<peakFMALanes { starts += Double(peakFMAStart(chain: chain, lane: lane)) } }
        let rounds = Double(repeats)
        let perWorker = rounds * starts + Double(lanes) * (rounds * (rounds - 1) / 2) + rounds * Double(lanes) * Double(iterations)
        return Double(max(1, threads)) * perWorker
    }
}

#if SUANLI_AVX512
typealias PeakVector = SIMD16<Float>
#else
typealias PeakVector = SIMD8<Float>
#endif
