import Testing
@testable import SuanliCore

/// The GEMM acceptance test must pass what each precision's arithmetic really produces and
/// fail every planted fault, at the sizes where the old Σ|a·b| bound let an all-zero output pass.
@Suite struct ToleranceFaultTests {
    /// Emulates a device GEMM in `precision`: products and sums rounded to the accumulator type
    /// (separately, the worst case; `lanes` interleaved partial sums like a tiled kernel), then
    /// α applied, β·C₀ added, and the result rounded to the output type.
    static func deviceGEMM(_ p: GEMMProblem, includeBeta: Bool, lanes: Int = 1,
                           alpha: Double? = nil, skipK: Range<Int> = 0..<0, transposeB: Bool = false) -> [Double] {
        let accumulate: (Double) -> Double = switch p.precision {
        case .fp32, .mixed: { Double(Float($0)) }
        case .fp64: { $0 }
        case .fp16: { Double(Float16(Float($0))) }
        }
        let alpha = alpha ?? p.alpha
        var c = [Double](repeating: 0, count: p.m * p.n)
        for i in 0..<p.m {
            for j in 0..<p.n {
                var partial = [Double](repeating: 0, count: lanes)
                for q in 0..<p.k where !skipK.contains(q) {
                    let b = transposeB ? p.b[j * p.n + q] : p.b[q * p.n + j]
                    partial[q % lanes] = accumulate(partial[q % lanes] + accumulate(p.a[i * p.k + q] * b))
                }
                let sum = partial.reduce(0) { accumulate($0 + $1) }
                let beta = includeBeta ? p.beta * p.c0[i * p.n + j] : 0
                c[i * p.n + j] = p.precision.round(accumulate(alpha * sum) + beta)
            }
        }
        return c
    }

    static let precisions: [Precision] = [.fp32, .fp64, .fp16, .mixed]

    @Test(arguments: precisions)
    func correctArithmeticPassesAtLargeK(_ precision: Precision) {
        let p = GEMMProblem(m: 12, n: 10, k: 4096, precision: precision)
        for lanes in [1, 8] {
            for beta in [true, false] {
                let result = p.verify(Self.deviceGEMM(p, includeBeta: beta, lanes: lanes), includeBeta: beta)
                #expect(result.passed, "\(precision) lanes \(lanes) beta \(beta): \(result.detail)")
            }
        }
    }

    @Test(arguments: precisions)
    func zeroOutputFails(_ precision: Precision) {
        let p = GEMMProblem(m: 12, n: 10, k: 4096, precision: precision)
        #expect(!p.verify([Double](repeating: 0, count: p.m * p.n), includeBeta: false).passed)
    }

    @Test(arguments: precisions)
    func alphaTwiceFails(_ precision: Precision) {
        let p = GEMMProblem(m: 12, n: 10, k: 4096, precision: precision)
        #expect(!p.verify(Self.deviceGEMM(p, includeBeta: false, alpha: p.alpha * p.alpha), includeBeta: false).passed)
    }

    @Test(arguments: precisions)
    func alphaScaledByNineTenthsFails(_ precision: Precision) {
        let p = GEMMProblem(m: 12, n: 10, k: 4096, precision: precision)
        let result = p.verify(Self.deviceGEMM(p, includeBeta: false, alpha: p.alpha * 0.9), includeBeta: false)
        #expect(!result.passed)
    }

    @Test(arguments: precisions)
    func skippedKBlockFails(_ precision: Precision) {
        let p = GEMMProblem(m: 12, n: 10, k: 4096, precision: precision)
        let result = p.verify(Self.deviceGEMM(p, includeBeta: true, skipK: 2048..<2064), includeBeta: true)
        #expect(!result.passed)
    }

    @Test(arguments: precisions)
    func transposedBFails(_ precision: Precision) {
        let p = GEMMProblem(m: 8, n: 512, k: 512, precision: precision)
        #expect(!p.verify(Self.deviceGEMM(p, includeBeta: false, transposeB: true), includeBeta: false).passed)
    }

    @Test func oneUnwrittenElementFails() {
        let p = GEMMProblem(m: 16, n: 16, k: 64, precision: .fp32)
        var c = Self.deviceGEMM(p, includeBeta: false)
        c[37] = .nan
        let result = p.verify(c, includeBeta: false)
        #expect(!result.passed)
        #expect(result.detail.contains("poisoned"))
    }

    @Test func dotToleranceCatchesAZeroAndAScaledSum() {
        let a = randomValues(count: 1 << 16, precision: .fp32, seed: 1)
        let b = randomValues(count: 1 << 16, precision: .fp32, seed: 2)
        var exact = 0.0
        var float: Float = 0
        for i in a.indices { exact += a[i] * b[i]; float += Float(a[i] * b[i]) }
        let zeros = [Double](repeating: 0, count: a.count)
        #expect(verifyStream(.dot, precision: .fp32, a: a, b: b, c: zeros, scalar: 0.4, output: a, dot: Double(float)).passed)
        #expect(!verifyStream(.dot, precision: .fp32, a: a, b: b, c: zeros, scalar: 0.4, output: a, dot: 0).passed)
        #expect(!verifyStream(.dot, precision: .fp32, a: a, b: b, c: zeros, scalar: 0.4, output: a, dot: exact * 0.99).passed)
    }
}
