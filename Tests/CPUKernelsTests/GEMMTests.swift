import CPUKernelsAVX2
import CPUKernelsAVX512
import CPUKernelsPortable
import Testing

// GEMM correctness for both variants against a naive double-precision reference.
// Error bound per element: tol * (|alpha| * sum_k |a_ik * b_kj| + |beta * c_ij|), with
// tol = 2 * (k + 4) * eps (K-scaled). Inputs are random and never zero; C is poisoned
// with NaN where beta = 0 (C must not be read) and padding columns (ldc > n) hold a
// sentinel that must survive.

struct GemmCase: Sendable, CustomTestStringConvertible {
    var m: Int, n: Int, k: Int
    var alpha: Double = 1.5, beta: Double = 0
    var pad = 0            // extra columns in lda / ldb / ldc
    var blocking: (mc: Int, kc: Int, nc: Int)? = nil
    /// fp32 micro-kernel: nil the module's default, true 6x32, false 6x16.
    var wide: Bool? = nil
    var testDescription: String {
        "\(m)x\(n)x\(k) alpha=\(alpha) beta=\(beta) pad=\(pad)" + (blocking.map { " blocking=\($0)" } ?? "")
            + (wide.map { $0 ? " 6x32" : " 6x16" } ?? "")
    }
}

let gemmCases: [GemmCase] = [
    GemmCase(m: 1, n: 1, k: 1),
    GemmCase(m: 1, n: 1, k: 1, alpha: -0.5, beta: 2),
    GemmCase(m: 7, n: 7, k: 7, alpha: 0.75, beta: -1.25),
    GemmCase(m: 6, n: 16, k: 8),
    GemmCase(m: 63, n: 63, k: 63),
    GemmCase(m: 65, n: 65, k: 65, alpha: -1, beta: 0.5),
    GemmCase(m: 1000, n: 3, k: 17),
    GemmCase(m: 3, n: 1000, k: 17, beta: 0.25),
    GemmCase(m: 129, n: 257, k: 31, alpha: 2, beta: -0.75),
    GemmCase(m: 1, n: 300, k: 300),
    GemmCase(m: 300, n: 1, k: 300, beta: 1),
    GemmCase(m: 37, n: 45, k: 600, alpha: 0.5, beta: 1.5),       // k > default KC: several rank updates
    GemmCase(m: 50, n: 70, k: 90, alpha: 1.25, beta: 0.5, pad: 5),
    // Tiny blocking so every loop level (jc, pc, ic, edges) iterates several times.
    GemmCase(m: 61, n: 83, k: 47, alpha: -1.5, beta: 0.75, pad: 3, blocking: (mc: 12, kc: 8, nc: 32)),
    GemmCase(m: 61, n: 83, k: 47, pad: 1, blocking: (mc: 7, kc: 5, nc: 17)),
]

protocol GemmScalar: BinaryFloatingPoint where RawSignificand: FixedWidthInteger {
    static func gemm(_ v: Variant, _ c: GemmCase, a: [Self], b: [Self], cBuf: inout [Self], threads: Int)
}

extension Float: GemmScalar {
    static func gemm(_ v: Variant, _ t: GemmCase, a: [Float], b: [Float], cBuf: inout [Float], threads: Int) {
        let lda = t.k + t.pad, ldb = t.n + t.pad, ldc = t.n + t.pad
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                cBuf.withUnsafeMutableBufferPointer { pc in
                    switch v {
                    case .portable:
                        let bl = t.blocking.map { CPUKernelsPortable.GemmBlocking(mc: $0.mc, kc: $0.kc, nc: $0.nc) }
                        CPUKernelsPortable.CPUKernels.sgemm(
                            m: t.m, n: t.n, k: t.k, alpha: Float(t.alpha), a: pa.baseAddress!, lda: lda,
                            b: pb.baseAddress!, ldb: ldb, beta: Float(t.beta), c: pc.baseAddress!, ldc: ldc,
                            threads: threads, blocking: bl,
                            microKernel: t.wide.map { $0 ? .wide6x32 : .narrow6x16 } ?? .default)
                    case .avx2:
                        let bl = t.blocking.map { CPUKernelsAVX2.GemmBlocking(mc: $0.mc, kc: $0.kc, nc: $0.nc) }
                        CPUKernelsAVX2.CPUKernels.sgemm(
                            m: t.m, n: t.n, k: t.k, alpha: Float(t.alpha), a: pa.baseAddress!, lda: lda,
                            b: pb.baseAddress!, ldb: ldb, beta: Float(t.beta), c: pc.baseAddress!, ldc: ldc,
                            threads: threads, blocking: bl,
                            microKernel: t.wide.map { $0 ? .wide6x32 : .narrow6x16 } ?? .default)
                    case .avx512:
                        let bl = t.blocking.map { CPUKernelsAVX512.GemmBlocking(mc: $0.mc, kc: $0.kc, nc: $0.nc) }
                        CPUKernelsAVX512.CPUKernels.sgemm(
                            m: t.m, n: t.n, k: t.k, alpha: Float(t.alpha), a: pa.baseAddress!, lda: lda,
                            b: pb.baseAddress!, ldb: ldb, beta: Float(t.beta), c: pc.baseAddress!, ldc: ldc,
                            threads: threads, blocking: bl,
                            microKernel: t.wide.map { $0 ? .wide6x32 : .narrow6x16 } ?? .default)
                    }
                }
            }
        }
    }
}

extension Double: GemmScalar {
    static func gemm(_ v: Variant, _ t: GemmCase, a: [Double], b: [Double], cBuf: inout [Double], threads: Int) {
        let lda = t.k + t.pad, ldb = t.n + t.pad, ldc = t.n + t.pad
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                cBuf.withUnsafeMutableBufferPointer { pc in
                    switch v {
                    case .portable:
                        let bl = t.blocking.map { CPUKernelsPortable.GemmBlocking(mc: $0.mc, kc: $0.kc, nc: $0.nc) } ?? .dgemmDefault
                        CPUKernelsPortable.CPUKernels.dgemm(
                            m: t.m, n: t.n, k: t.k, alpha: t.alpha, a: pa.baseAddress!, lda: lda,
                            b: pb.baseAddress!, ldb: ldb, beta: t.beta, c: pc.baseAddress!, ldc: ldc,
                            threads: threads, blocking: bl)
                    case .avx2:
                        let bl = t.blocking.map { CPUKernelsAVX2.GemmBlocking(mc: $0.mc, kc: $0.kc, nc: $0.nc) } ?? .dgemmDefault
                        CPUKernelsAVX2.CPUKernels.dgemm(
                            m: t.m, n: t.n, k: t.k, alpha: t.alpha, a: pa.baseAddress!, lda: lda,
                            b: pb.baseAddress!, ldb: ldb, beta: t.beta, c: pc.baseAddress!, ldc: ldc,
                            threads: threads, blocking: bl)
                    case .avx512:
                        let bl = t.blocking.map { CPUKernelsAVX512.GemmBlocking(mc: $0.mc, kc: $0.kc, nc: $0.nc) } ?? .dgemmDefault
                        CPUKernelsAVX512.CPUKernels.dgemm(
                            m: t.m, n: t.n, k: t.k, alpha: t.alpha, a: pa.baseAddress!, lda: lda,
                            b: pb.baseAddress!, ldb: ldb, beta: t.beta, c: pc.baseAddress!, ldc: ldc,
                            threads: threads, blocking: bl)
                    }
                }
            }
        }
    }
}

/// Naive reference check. Returns the number of elements outside the error bound,
/// the number of corrupted padding elements, and the largest relative error seen.
func compareGemm<T: GemmScalar>(_ t: GemmCase, alpha: Double, a: [T], b: [T], c0: [T], c: [T], sentinel: T) -> (bad: Int, padBad: Int, maxRelErr: Double) {
    let lda = t.k + t.pad, ldb = t.n + t.pad, ldc = t.n + t.pad
    let tol = 2.0 * Double(t.k + 4) * Double(T.ulpOfOne)
    var bad = 0, padBad = 0
    var maxRel = 0.0
    for i in 0..<t.m {
        for j in 0..<t.n {
            var s = 0.0, sAbs = 0.0
            for p in 0..<t.k {
                let x = Double(a[i * lda + p]) * Double(b[p * ldb + j])
                s += x; sAbs += abs(x)
            }
            var ref = alpha * s
            var scale = abs(alpha) * sAbs
            if t.beta != 0 {
                ref += t.beta * Double(c0[i * ldc + j])
                scale += abs(t.beta * Double(c0[i * ldc + j]))
            }
            let err = abs(Double(c[i * ldc + j]) - ref)
            if !(err <= tol * scale) { bad += 1 }
            if scale > 0 { maxRel = max(maxRel, err / scale) }
        }
        for j in t.n..<ldc where c[i * ldc + j] != sentinel { padBad += 1 }
    }
    return (bad, padBad, maxRel)
}

/// Runs one case through `variant` on its seeded random inputs (C poisoned with NaN where
/// beta = 0, padding set to `sentinel`); returns the inputs and the result.
func runGemm<T: GemmScalar>(_ type: T.Type, _ v: Variant, _ t: GemmCase, threads: Int, sentinel: T = T(12345.5))
    -> (a: [T], b: [T], c0: [T], c: [T]) {
    let lda = t.k + t.pad, ldb = t.n + t.pad, ldc = t.n + t.pad
    let seed = UInt64(t.m * 1_000_003 + t.n * 1009 + t.k)
    let a: [T] = randomNonZero(t.m * lda, seed: seed)
    let b: [T] = randomNonZero(t.k * ldb, seed: seed ^ 0xABCD)
    let c0: [T] = t.beta == 0 ? [T](repeating: .nan, count: t.m * ldc) : randomNonZero(t.m * ldc, seed: seed ^ 0x1234)
    var c = c0
    for i in 0..<t.m { for j in t.n..<ldc { c[i * ldc + j] = sentinel } }
    T.gemm(v, t, a: a, b: b, cBuf: &c, threads: threads)
    return (a, b, c0, c)
}

/// Runs one case through `variant` and compares against the reference computed with
/// `referenceAlpha` (normally the case's own alpha).
func checkGemm<T: GemmScalar>(_ type: T.Type, _ v: Variant, _ t: GemmCase, threads: Int, referenceAlpha: Double? = nil) -> (bad: Int, padBad: Int, maxRelErr: Double) {
    let sentinel = T(12345.5)
    let r = runGemm(T.self, v, t, threads: threads, sentinel: sentinel)
    return compareGemm(t, alpha: referenceAlpha ?? t.alpha, a: r.a, b: r.b, c0: r.c0, c: r.c, sentinel: sentinel)
}

@Test("sgemm matches a double reference", arguments: Variant.runnable, [1, 2, 3])
func sgemmCorrect(variant: Variant, threads: Int) {
    for t in gemmCases {
        let r = checkGemm(Float.self, variant, t, threads: threads)
        #expect(r.bad == 0 && r.padBad == 0, "\(variant) threads=\(threads) \(t.testDescription): \(r.bad) bad, \(r.padBad) padding overwritten, max rel err \(r.maxRelErr)")
    }
}

@Test("dgemm matches a double reference", arguments: Variant.runnable, [1, 2, 3])
func dgemmCorrect(variant: Variant, threads: Int) {
    for t in gemmCases {
        let r = checkGemm(Double.self, variant, t, threads: threads)
        #expect(r.bad == 0 && r.padBad == 0, "\(variant) threads=\(threads) \(t.testDescription): \(r.bad) bad, \(r.padBad) padding overwritten, max rel err \(r.maxRelErr)")
    }
}

@Test("sgemm/dgemm on a larger problem (several blocks per thread)", arguments: Variant.runnable)
func gemmLarger(variant: Variant) {
    let t = GemmCase(m: 301, n: 517, k: 263, alpha: 0.5, beta: -2)
    let r = checkGemm(Float.self, variant, t, threads: 2)
    #expect(r.bad == 0 && r.padBad == 0, "\(r)")
    let d = checkGemm(Double.self, variant, t, threads: 2)
    #expect(d.bad == 0 && d.padBad == 0, "\(d)")
}

@Test("the reference check rejects a slightly wrong result", arguments: Variant.runnable)
func gemmCheckerCatchesErrors(variant: Variant) {
    // Kernel run with alpha = 1.001, checked as if alpha were 1: must be flagged.
    let t = GemmCase(m: 9, n: 17, k: 5, alpha: 1.001, beta: 0)
    #expect(checkGemm(Float.self, variant, t, threads: 1, referenceAlpha: 1).bad > 0)
    #expect(checkGemm(Double.self, variant, t, threads: 1, referenceAlpha: 1).bad > 0)
}

@Test("micro-tile constants")
func microTiles() {
    #expect(CPUKernelsAVX2.CPUKernels.sgemmMicroTile == (mr: 6, nr: 16))
    #expect(CPUKernelsAVX2.CPUKernels.dgemmMicroTile == (mr: 6, nr: 8))
    #expect(CPUKernelsPortable.CPUKernels.sgemmMicroTile == (mr: 6, nr: 16))
    #expect(CPUKernelsPortable.SgemmMicroKernel.default == .narrow6x16)
    #expect(CPUKernelsAVX2.SgemmMicroKernel.default == .narrow6x16)
    #expect(CPUKernelsPortable.SgemmMicroKernel.wide6x32.tile == (mr: 6, nr: 32))
    // Module code of the AVX-512 build is only run where the CPU has AVX-512.
    if Variant.runnable.contains(.avx512) {
        #expect(CPUKernelsAVX512.CPUKernels.sgemmMicroTile == (mr: 6, nr: 32))
    }
}

/// Odd shapes, edges in both directions of the 32-wide tile, and several rank updates.
let wideGemmCases: [GemmCase] = gemmCases + [
    GemmCase(m: 6, n: 32, k: 9),
    GemmCase(m: 13, n: 33, k: 300, alpha: -0.5, beta: 1.25),
    GemmCase(m: 7, n: 95, k: 513, alpha: 1.5, beta: -0.5, pad: 2),
    GemmCase(m: 61, n: 83, k: 47, alpha: -1.5, beta: 0.75, pad: 3, blocking: (mc: 12, kc: 8, nc: 64)),
]

@Test("sgemm with the 6x32 micro-kernel matches a double reference", arguments: Variant.runnable, [1, 3])
func sgemmWideCorrect(variant: Variant, threads: Int) {
    for var t in wideGemmCases {
        t.wide = true
        let r = checkGemm(Float.self, variant, t, threads: threads)
        #expect(r.bad == 0 && r.padBad == 0, "\(variant) threads=\(threads) \(t.testDescription): \(r.bad) bad, \(r.padBad) padding overwritten, max rel err \(r.maxRelErr)")
    }
}

/// With the same blocking both micro-kernels compute every C element as the same chain over k,
/// so their results are equal bit for bit; and the AVX2 and AVX-512 builds (both fused) agree.
@Test("6x16 and 6x32 micro-kernels agree bit for bit; AVX2 and AVX-512 builds agree", arguments: Variant.runnable)
func microKernelsAgreeBitwise(variant: Variant) {
    let cases = [
        GemmCase(m: 61, n: 83, k: 600, alpha: 0.75, beta: -1.25, pad: 3, blocking: (mc: 96, kc: 256, nc: 4096)),
        GemmCase(m: 129, n: 257, k: 31, alpha: 2, beta: 0, blocking: (mc: 24, kc: 16, nc: 64)),
    ]
    for base in cases {
        var narrow = base, wide = base
        narrow.wide = false
        wide.wide = true
        let x = runGemm(Float.self, variant, narrow, threads: 2).c
        let y = runGemm(Float.self, variant, wide, threads: 3).c
        #expect(!x.contains { $0.isNaN })
        #expect(x == y, "\(variant) \(base.testDescription): \(zip(x, y).filter { $0 != $1 }.count) elements differ")
        if variant == .avx512 {
            let z = runGemm(Float.self, .avx2, wide, threads: 2).c
            #expect(y == z, "avx2 vs avx512 \(base.testDescription)")
        }
    }
}
