/// A small, fast, seedable generator (SplitMix64) so inputs are random but reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Precision {
    /// Unit roundoff u = 2^-p of the type the output is written in (and, for fp32, fp64, fp16
    /// and mixed, the inputs are stored in). 0 for int8's exact int32 result.
    public var storageUnitRoundoff: Double {
        switch self {
        case .fp32, .bf16, .tf32, .fp8: 0x1p-24
        case .fp64: 0x1p-53
        case .fp16, .mixed: 0x1p-11
        case .int8: 0
        }
    }

    /// Unit roundoff of the input type (A and B). Inputs are rounded to it on the host, so the
    /// device and the reference multiply the same values; it bounds what the precision can
    /// represent, not the GEMM's error. bf16 keeps 8 significant bits, tf32 11, fp8 e4m3 4.
    public var inputUnitRoundoff: Double {
        switch self {
        case .fp32: 0x1p-24
        case .fp64: 0x1p-53
        case .fp16, .mixed, .tf32: 0x1p-11
        case .bf16: 0x1p-8
        case .fp8: 0x1p-4
        case .int8: 0
        }
    }

    /// Unit roundoff of the accumulator (sums and, without fused multiply-add, products).
    /// fp8: tensor cores are reported to keep about 14 bits when they accumulate fp8 products
    /// (DeepSeek-V3 technical report, 2024, §3.3.2, measured on H800), so 2^-14 rather than fp32's.
    /// int8 accumulates exactly in int32 (the inputs are kept small enough not to overflow).
    public var accumulationUnitRoundoff: Double {
        switch self {
        case .fp32, .mixed, .bf16, .tf32: 0x1p-24
        case .fp64: 0x1p-53
        case .fp16: 0x1p-11
        case .fp8: 0x1p-14
        case .int8: 0
        }
    }

    /// Unit roundoff of the type the hardware multiplies in when it is narrower than the stored
    /// inputs (so the inputs are rounded again on the way in); 0 when stored inputs are multiplied
    /// as they are. The host rounds tf32, bf16 and fp8 inputs to their type, and the products of
    /// two such values are exact in fp32, so none is rounded again.
    public var multiplyUnitRoundoff: Double { 0 }

    /// `value` rounded to this precision's input type, so host and device see the same inputs
    /// (round to nearest, ties to even; int8 to the nearest integer).
    public func round(_ value: Double) -> Double {
        switch self {
        case .fp32: Double(Float(value))
        case .fp64: value
        case .fp16, .mixed: Double(Float(Float16(Float(value))))
        case .bf16: Double(Self.roundSignificand(Float(value), keepingBits: 8))
        case .tf32: Double(Self.roundSignificand(Float(value), keepingBits: 11))
        case .fp8: Double(Self.roundSignificand(Float(value), keepingBits: 4))
        case .int8: value.rounded(.toNearestOrEven)
        }
    }

    /// `value` rounded to the type a GEMM writes C in: the input type for fp32, fp64, fp16 and
    /// mixed, fp32 for bf16, tf32 and fp8, and int8's exact int32 (unchanged).
    public func roundOutput(_ value: Double) -> Double {
        switch self {
        case .fp32, .fp64, .fp16, .mixed: round(value)
        case .bf16, .tf32, .fp8: Double(Float(value))
        case .int8: value
        }
    }

    /// `x` with its significand rounded to `bits` bits (ties to even), exponent unchanged:
    /// bf16 (8), tf32 (11) and the normal range of fp8 e4m3 (4).
    static func roundSignificand(_ x: Float, keepingBits bits: Int) -> Float {
        let drop = UInt32(24 - bits)
        let pattern = x.bitPattern
        let half = (UInt32(1) << (drop - 1)) - 1 + ((pattern >> drop) & 1)
        return Float(bitPattern: (pattern &+ half) & ~((UInt32(1) << drop) - 1))
    }
}

/// Random test data: never zero (magnitudes in [0.25, 1], random sign), rounded to `precision`.
/// For int8: integers in ±[1, `integerMagnitude`].
public func randomValues(count: Int, precision: Precision, seed: UInt64, integerMagnitude: Int = 127) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    if precision.isInteger {
        return (0..<count).map { _ in
            let magnitude = Double(Int.random(in: 1...Swift.max(1, integerMagnitude), using: &rng))
            return Bool.random(using: &rng) ? magnitude : -magnitude
        }
    }
    return (0..<count).map { _ in
        let magnitude = Double.random(in: 0.25...1, using: &rng)
        return precision.round(Bool.random(using: &rng) ? magnitude : -magnitude)
    }
}

/// How an accumulator rounds. `nearest`: IEEE round to nearest (CPU and GPU vector units), the
/// errors of successive additions are independent and the probabilistic model applies.
/// `directed`: tensor and matrix engines may align and normalise their fp32 sums with
/// truncation (Fasi, Higham, Mikaitis & Pranesh 2021, "Numerical behavior of NVIDIA tensor
/// cores": round toward zero on V100, T4 and A100), so errors share a sign and add up linearly:
/// the acceptance test adds the worst-case term 2·u_acc·Σ|s_p|.
public enum AccumulatorRounding: String, Sendable, Codable {
    case nearest, directed
}

/// A GEMM problem, C = α·A·B + β·C₀, row-major, with inputs already rounded to the input precision.
public struct GEMMProblem: Sendable {
    public let m: Int, n: Int, k: Int
    public let alpha: Double, beta: Double
    public let a: [Double], b: [Double], c0: [Double]
    public let precision: Precision

    public init(m: Int, n: Int, k: Int, precision: Precision, alpha: Double? = nil, beta: Double? = nil, seed: UInt64 = 0x5EED) {
        self.m = m; self.n = n; self.k = k
        self.precision = precision
        // int8: integer α and β (the kernels take them as int), inputs small enough that
        // |α·ΣA·B + β·C₀| stays well inside int32 for this K.
        self.alpha = alpha ?? (precision.isInteger ? 3 : 1.25)
        self.beta = beta ?? (precision.isInteger ? -2 : -0.5)
        let magnitude = precision.isInteger ? Self.int8Magnitude(k: k, alpha: self.alpha, beta: self.beta) : 127
        a = randomValues(count: m * k, precision: precision, seed: seed, integerMagnitude: magnitude)
        b = randomValues(count: k * n, precision: precision, seed: seed &+ 1, integerMagnitude: magnitude)
        c0 = randomValues(count: m * n, precision: precision, seed: seed &+ 2)
    }

    /// The largest int8 magnitude R (at most 127) with |α|·K·R² + |β|·127 below 2^31 − 1.
    static func int8Magnitude(k: Int, alpha: Double, beta: Double) -> Int {
        let room = (Double(Int32.max) - abs(beta) * 127) / (abs(alpha) * Double(Swift.max(k, 1)))
        return Swift.max(1, Swift.min(127, Int(room.squareRoot())))
    }

    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// Entries to check: all of them for small problems; otherwise whole rows and columns
    /// (first, last and random ones) plus a large random sample.
    public func checkedEntries(seed: UInt64 = 0xC0FFEE) -> [(Int, Int)] {
        if m * n * k <= 1 << 25 {
            return (0..<m).flatMap { i in (0..<n).map { j in (i, j) } }
        }
        var rng = SeededGenerator(seed: seed)
        var entries: [(Int, Int)] = []
        let rows = Set([0, m - 1] + (0..<6).map { _ in Int.random(in: 0..<m, using: &rng) })
        let cols = Set([0, n - 1] + (0..<6).map { _ in Int.random(in: 0..<n, using: &rng) })
        for i in rows { for j in 0..<n { entries.append((i, j)) } }
        for j in cols { for i in 0..<m { entries.append((i, j)) } }
        for _ in 0..<4096 { entries.append((Int.random(in: 0..<m, using: &rng), Int.random(in: 0..<n, using: &rng))) }
        return entries
    }

    /// Checks `output` (row-major M×N, converted to Double) against a double-precision reference.
    /// With `includeBeta` false the expected result is α·A·B (a β = 0 run). See ``GEMMTolerance``.
    public func verify(_ output: [Double], includeBeta: Bool, rounding: AccumulatorRounding = .nearest) -> VerificationResult {
        guard output.count >= m * n else { return .failed("output has \(output.count) values, expected \(m * n)") }
        let beta = includeBeta ? self.beta : 0
        var check = GEMMTolerance(precision: precision, rounding: rounding)
        for (i, j) in checkedEntries() {
            var partial = RoundingErrorModel()
            let rowA = i * k
            for p in 0..<k { partial.add(a[rowA + p] * b[p * n + j]) }
            check.check(got: output[i * n + j], sum: partial, alpha: alpha, betaTerm: beta * c0[i * n + j],
                        label: "C[\(i)][\(j)]")
        }
        return check.result(what: "GEMM")
    }
}

/// A sum built term by term in double precision, with what the rounding-error model needs:
/// Σ s_p² over the running partial sums s_p and Σ x_p² over the terms.
public struct RoundingErrorModel: Sendable {
    public private(set) var sum = 0.0
    public private(set) var partialSquares = 0.0
    public private(set) var termSquares = 0.0
    /// Σ |s_p|, for the worst-case term of directed rounding.
    public private(set) var partialMagnitudes = 0.0
    public private(set) var count = 0
    public init() {}
    @inline(__always) public mutating func add(_ term: Double) {
        sum += term
        partialSquares += sum * sum
        partialMagnitudes += abs(sum)
        termSquares += term * term
        count += 1
    }
}

/// The GEMM (and dot) acceptance test, derived from the unit roundoffs of the precision.
///
/// Each floating-point addition s_p = fl(s_{p−1} + x_p) adds an error δ_p·s_p with |δ_p| ≤ u_acc,
/// and a product rounded in the accumulator adds δ'·x_p. Treating the δ as independent and
/// uniform on [−u, u] (variance u²/3; Higham & Mary's probabilistic analysis), the error of one
/// element of C = α·ΣA·B + β·C₀ has variance
///
///     σ² = α²·[ u_acc²/3 · (Σ s_p² + Σ x_p²) + 2·u_mul²/3 · Σ x_p² ] + u_out²/3 · (β·c₀)²
///
/// where s_p are the partial sums in sequential order (a blocked or tree-shaped order makes
/// smaller partial sums, so this is an upper estimate), x_p the products, u_mul the unit
/// roundoff of a multiply type narrower than storage (tf32), and u_out that of the output.
/// Σ s_p² grows like K·|C|², so σ is √K·u_acc·|C| in size: the bound scales with √K and with
/// |ref| as the issue asks, without the Σ|a·b| term that lets an all-zero output pass at large K.
///
/// Two tests must pass:
/// - **per element**: |got − ref| ≤ 6σ + 2·u_out·|ref| (the last term is the final rounding
///   to the output type) — catches unwritten, misplaced and locally wrong elements;
/// - **over all checked elements** (64 or more): Σ(got − ref)² ≤ 4·Σ(σ² + (u_out·ref)²) — catches faults that
///   shift every element a little (α scaled by 0.9, a skipped k-block), which a per-element test
///   at low precision and large K cannot see.
public struct GEMMTolerance: Sendable {
    public static let elementSigmas = 6.0
    public static let normFactor = 4.0
    /// The test over all elements needs enough of them for Σ(got − ref)² to concentrate near
    /// its expectation (relative spread √(2/N)); a lone dot product gets the per-element test.
    public static let normMinimumEntries = 64
    public let precision: Precision
    public let rounding: AccumulatorRounding
    public private(set) var checked = 0
    public private(set) var failures = 0
    public private(set) var firstFailure = ""
    public private(set) var squaredError = 0.0
    public private(set) var predictedSquaredError = 0.0

    public init(precision: Precision, rounding: AccumulatorRounding = .nearest) {
        self.precision = precision
        self.rounding = rounding
    }

    /// Checks one element: `sum` holds Σx_p of the element, α multiplies it, `betaTerm` is β·c₀.
    public mutating func check(got: Double, sum: RoundingErrorModel, alpha: Double, betaTerm: Double, label: @autoclosure () -> String) {
        let uAcc = precision.accumulationUnitRoundoff, uMul = precision.multiplyUnitRoundoff
        let uOut = precision.storageUnitRoundoff
        let reference = alpha * sum.sum + betaTerm
        let variance = alpha * alpha * (uAcc * uAcc / 3 * (sum.partialSquares + sum.termSquares)
                                         + 2 * uMul * uMul / 3 * sum.termSquares)
            + uOut * uOut / 3 * betaTerm * betaTerm
        // Directed rounding: every addition may err by up to 2·u_acc·|s_p| with one sign.
        let bias = rounding == .directed ? 2 * uAcc * abs(alpha) * sum.partialMagnitudes : 0
        let tolerance = Self.elementSigmas * variance.squareRoot() + bias + 2 * uOut * abs(reference) + 1e-300
        let error = got - reference
        checked += 1
        if !got.isFinite || !(abs(error) <= tolerance) {
            failures += 1
            if failures == 1 {
                firstFailure = "\(label()) = \(got), expected \(reference) ± \(tolerance)"
                    + (got.isNaN || (precision.isInteger && got == Double(Int32.min))
                        ? " (the poisoned value survived: element not written)" : "")
            }
        } else {
            squaredError += error * error
        }
        predictedSquaredError += variance + bias * bias + uOut * uOut * reference * reference
    }

    public func result(what: String) -> VerificationResult {
        if failures > 0 {
            return .failed("\(what) output wrong in \(failures) of \(checked) checked entries; first: \(firstFailure)")
        }
        let limit = Self.normFactor * predictedSquaredError + 1e-300
        if checked >= Self.normMinimumEntries, !(squaredError <= limit) {
            let ratio = (squaredError / Swift.max(predictedSquaredError, 1e-300)).squareRoot()
            return .failed("\(what) output off as a whole: its RMS error over \(checked) checked entries is "
                + "\(formatted(ratio, decimals: 1))× the rounding-error model's (limit \(formatted(Self.normFactor.squareRoot(), decimals: 1))×)")
        }
        return .passed
    }
}

/// The BabelStream kernels and their expected results.
public enum StreamKernel: String, CaseIterable, Sendable, Codable {
    case copy, mul, add, triad, dot

    /// Arrays moved per element (BabelStream's byte counts): copy 2, mul 2, add 3, triad 3, dot 2.
    public var arraysMoved: Int {
        switch self {
        case .copy, .mul, .dot: 2
        case .add, .triad: 3
        }
    }
}

/// Checks a stream kernel's output array element by element (for `dot`, the returned sum).
/// `a`, `b`, `c` are the inputs before the run; `scalar` is the kernels' scalar.
public func verifyStream(_ kernel: StreamKernel, precision: Precision, a: [Double], b: [Double], c: [Double],
                         scalar: Double, output: [Double], dot: Double? = nil) -> VerificationResult {
    let eps = precision.storageUnitRoundoff
    func compare(_ expected: (Int) -> Double, _ scale: (Int) -> Double) -> VerificationResult {
        guard output.count == a.count else { return .failed("output has \(output.count) values, expected \(a.count)") }
        for i in 0..<output.count {
            let want = expected(i)
            let got = output[i]
            if !got.isFinite || abs(got - want) > 4 * eps * scale(i) {
                return .failed("\(kernel.rawValue): element \(i) = \(got), expected \(want)"
                               + (got.isNaN ? " (the poisoned value survived: element not written)" : ""))
            }
        }
        return .passed
    }
    switch kernel {
    case .copy: return compare({ a[$0] }, { abs(a[$0]) })
    case .mul: return compare({ scalar * c[$0] }, { abs(scalar * c[$0]) })
    case .add: return compare({ a[$0] + b[$0] }, { abs(a[$0]) + abs(b[$0]) })
    case .triad: return compare({ b[$0] + scalar * c[$0] }, { abs(b[$0]) + abs(scalar * c[$0]) })
    case .dot:
        guard let dot else { return .failed("dot returned no value") }
        var sum = RoundingErrorModel()
        for i in 0..<a.count { sum.add(a[i] * b[i]) }
        var check = GEMMTolerance(precision: precision)
        check.check(got: dot, sum: sum, alpha: 1, betaTerm: 0, label: "dot")
        return check.result(what: "dot")
    }
}
