// Roofline sweep (mixbench's idea): each element is loaded once, put through
// `iterations` dependent multiply-adds, and stored once, so the arithmetic
// intensity is 2·iterations FLOPs per 8 bytes (fp32 in + out). Sweeping
// `iterations` moves the kernel from memory-bound to compute-bound.
//
// The caller chooses a and b (run-time values). Suanli passes a = 1 and b = 2^-e with
// inputs in [1, 1.5) and iterations·b ≤ 0.5: every step then adds b exactly (fused or
// not), so out[i] == in[i] + iterations·b bit for bit and a skipped step shows.

extension CPUKernels {
    /// out[i] = f^iterations(in[i]) with f(x) = x·a + b, on `threads` workers.
    public static func roofline(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
                                iterations: Int, a: Float, b: Float, threads: Int = 1) {
        let src = SendablePointer(input), dst = SendablePointer(output)
        let threads = max(1, threads)
        parallelFor(threads) { t in
            typealias V = SIMD8<Float>
            let va = V(repeating: a), vb = V(repeating: b)
            let range = chunk(t, of: threads, count: count, granule: 64)
            var i = range.lowerBound
            // Eight independent vectors per step cover the multiply-add latency (4 cycles × 2 pipes).
            while i + 64 <= range.upperBound {
                let p = UnsafeRawPointer(src.p + i)
                var x0 = p.loadUnaligned(fromByteOffset: 0, as: V.self)
                var x1 = p.loadUnaligned(fromByteOffset: 32, as: V.self)
                var x2 = p.loadUnaligned(fromByteOffset: 64, as: V.self)
                var x3 = p.loadUnaligned(fromByteOffset: 96, as: V.self)
                var x4 = p.loadUnaligned(fromByteOffset: 128, as: V.self)
                var x5 = p.loadUnaligned(fromByteOffset: 160, as: V.self)
                var x6 = p.loadUnaligned(fromByteOffset: 192, as: V.self)
                var x7 = p.loadUnaligned(fromByteOffset: 224, as: V.self)
                var k = iterations
                while k > 0 {
                    x0 = madd(vb, x0, va); x1 = madd(vb, x1, va); x2 = madd(vb, x2, va); x3 = madd(vb, x3, va)
                    x4 = madd(vb, x4, va); x5 = madd(vb, x5, va); x6 = madd(vb, x6, va); x7 = madd(vb, x7, va)
                    k -= 1
                }
                let q = UnsafeMutableRawPointer(dst.p + i)
                q.storeBytes(of: x0, toByteOffset: 0, as: V.self)
                q.storeBytes(of: x1, toByteOffset: 32, as: V.self)
                q.storeBytes(of: x2, toByteOffset: 64, as: V.self)
                q.storeBytes(of: x3, toByteOffset: 96, as: V.self)
                q.storeBytes(of: x4, toByteOffset: 128, as: V.self)
                q.storeBytes(of: x5, toByteOffset: 160, as: V.self)
                q.storeBytes(of: x6, toByteOffset: 192, as: V.self)
                q.storeBytes(of: x7, toByteOffset: 224, as: V.self)
                i += 64
            }
            while i < range.upperBound {
                var x = src.p[i]
                for _ in 0..<iterations { x = madd(b, x, a) }
                dst.p[i] = x
                i += 1
            }
        }
    }
}
