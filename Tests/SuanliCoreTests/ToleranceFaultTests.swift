import Testing
@testable import SuanliCore

/// The GEMM acceptance test must pass what each precision's arithmetic really produces and
/// fail every planted fault, at the sizes where the old Σ|a·b| bound let an all-zero output pass.
@Suite struct ToleranceFaultTests {
    /// Emulates a device GEMM in `precision`: products and sums rounded to the accumulator type
    /// (separately, the worst case; `lanes` interleaved partial sums like a tiled kernel), then
    /// α applied, β·C₀ added, and the result rounded to the output type.
    static func deviceGEMM(_ p: GEMMProblem, includeBeta: Bool, lanes: Int = 1,
                           alpha: Double? = nil, skipK: Range<Int> = 0..<0, transposeB: Bool = false,
                           towardZero: Bool = false) -> [Double] {
        let accumulate: (Double) -> Double = switch p.precision {
        case .fp32, .mixed, .bf16, .tf32: towardZero ? { Double(floatTowardZero($0)) } : { Double(Float($0)) }
        case .fp64: { $0 }
        case .fp16: { Double(Float16(Float($0))) }
        // About 14 significant bits, as tensor cores keep when accumulating fp8 products.
        case .fp8: { Double(Precision.roundSignificand(Float($0), keepingBits: 14)) }
        case .int8: { $0 }
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
                c[i * p.n + j] = p.precision.roundOutput(accumulate(alpha * sum) + beta)
            }
        }
        return c
    }

    /// `x` rounded toward zero to fp32, as a truncating tensor-core accumulator does.
    static func floatTowardZero(_ x: Double) -> Float {
        let f = Float(x)
        return abs(Double(f)) > abs(x) ? (f > 0 ? f.nextDown : f.nextUp) : f
    }

    static let precisions: [Precision] = Precision.allCases

    /// Tensor and matrix engines may truncate every fp32 accumulation: the directed-rounding term
    /// passes that at K = 4096, and the faults still fail with it.
    @Test(arguments: [Precision.bf16, .tf32, .mixed, .fp32])
    func truncatingAccumulationPassesWithTheDirectedTermAndFaultsStillFail(_ precision: Precision) {
        let p = GEMMProblem(m: 12, n: 10, k: 4096, precision: precision)
        let truncated = Self.deviceGEMM(p, includeBeta: true, towardZero: true)
        let result = p.verify(truncated, includeBeta: true, rounding: .directed)
        #expect(result.passed, "\(precision): \(result.detail)")
        let scaled = Self.deviceGEMM(p, includeBeta: false, alpha: p.alpha * 0.9, towardZero: true)
        #expect(!p.verify(scaled, includeBeta: false, rounding: .directed).passed)
        let skipped = Self.deviceGEMM(p, includeBeta: true, skipK: 2048..<2064, towardZero: true)
        #expect(!p.verify(skipped, includeBeta: true, rounding: .directed).passed)
    }

    /// int8 is checked exactly: one unit off in one element fails.
    @Test func int8IsExact() {
        let p = GEMMProblem(m: 9, n: 7, k: 300, precision: .int8)
        var c = Self.deviceGEMM(p, includeBeta: true)
        #expect(p.verify(c, includeBeta: true).passed)
        c[20] += 1
        let result = p.verify(c, includeBeta: true)
        #expect(!result.passed)
        #expect(result.detail.contains("C[2][6]"))
        c[20] = Double(Int32.min)
        #expect(p.verify(c, includeBeta: true).detail.contains("poisoned"))
    }

    /// Inputs rounded to the type, exactly representable, never zero; int8 inputs small enough
    /// for int32 at any K.
    @Test func inputsAreRoundedToTheirType() {
        for value in randomValues(count: 2000, precision: .bf16, seed: 3) {
            #expect(Float(value).bitPattern & 0xFFFF == 0 && value != 0)
        }
        for value in randomValues(count: 2000, precision: .tf32, seed: 4) {
            #expect(Float(value).bitPattern & 0x1FFF == 0 && value != 0)
        }
        for value in randomValues(count: 2000, precision: .fp8, seed: 5) {
            #expect(Float(value).bitPattern & 0xFFFFF == 0 && abs(value) >= 0.25 && abs(value) <= 1)
        }
        #expect(Precision.bf16.round(1 + 0x1p-9) == 1)            // tie to even
        #expect(Precision.bf16.round(1 + 3 * 0x1p-9) == 1 + 0x1p-7)  // tie to even, upwards
        #expect(Precision.fp8.round(0.96) == 0.9375)
        #expect(Precision.fp8.round(0.96875) == 1)                 // tie to even, into the next binade
        let p = GEMMProblem(m: 2, n: 2, k: 1 << 20, precision: .int8)
        let largest = p.a.map(abs).max()!, smallest = p.a.map(abs).min()!
        #expect(smallest >= 1 && 3 * Double(p.k) * largest * largest + 2 * 127 < Double(Int32.max))
    }

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
