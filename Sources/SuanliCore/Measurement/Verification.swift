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
    /// Unit roundoff u = 2^-p of the type inputs are stored in and the output is written in.
    public var storageUnitRoundoff: Double {
        switch self {
        case .fp32: 0x1p-24
        case .fp64: 0x1p-53
        case .fp16, .mixed: 0x1p-11
        }
    }

    /// Unit roundoff of the accumulator (sums and, without fused multiply-add, products).
    public var accumulationUnitRoundoff: Double {
        switch self {
        case .fp32, .mixed: 0x1p-24
        case .fp64: 0x1p-53
        case .fp16: 0x1p-11
        }
    }

    /// Unit roundoff of the type the hardware multiplies in when it is narrower than the stored
    /// inputs (so the inputs are rounded again on the way in); 0 when stored inputs are multiplied as they are.
    public var multiplyUnitRoundoff: Double { 0 }

    /// `value` rounded to this precision's storage type, so host and device see the same inputs.
    public func round(_ value: Double) -> Double {
        switch self {
        case .fp32: Double(Float(value))
        case .fp64: value
        case .fp16, .mixed: Double(Float(Float16(Float(value))))
        }
    }
}

/// Random test data: never zero (magnitudes in [0.25, 1], random sign), rounded to `precision`.
public func randomValues(count: Int, precision: Precision, seed: UInt64) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let magnitude = Double.random(in: 0.25...1, using: &rng)
        return precision.round(Bool.random(using: &rng) ? magnitude : -magnitude)
    }
}

/// A GEMM problem, C = α·A·B + β·C₀, row-major, with inputs already rounded to the input precision.
public struct GEMMProblem: Sendable {
    public let m: Int, n: Int, k: Int
    public let alpha: Double, beta: Double
    public let a: [Double], b: [Double], c0: [Double]
    public let precision: Precision

    public init(m: Int, n: Int, k: Int, precision: Precision, alpha: Double = 1.25, beta: Double = -0.5, seed: UInt64 = 0x5EED) {
        self.m = m; self.n = n; self.k = k
        self.precision = precision
        self.alpha = alpha; self.beta = beta
        a = randomValues(count: m * k, precision: precision, seed: seed)
        b = randomValues(count: k * n, precision: precision, seed: seed &+ 1)
        c0 = randomValues(count: m * n, precision: precision, seed: seed &+ 2)
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
    public func verify(_ output: [Double], includeBeta: Bool) -> VerificationResult {
        guard output.count >= m * n else { return .failed("output has \(output.count) values, expected \(m * n)") }
        let beta = includeBeta ? self.beta : 0
        var check = GEMMTolerance(precision: precision)
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
    public private(set) var count = 0
    public init() {}
    @inline(__always) public mutating func add(_ term: Double) {
        sum += term
        partialSquares += sum * sum
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
    public private(set) var checked = 0
    public private(set) var failures = 0
    public private(set) var firstFailure = ""
    public private(set) var squaredError = 0.0
    public private(set) var predictedSquaredError = 0.0

    public init(precision: Precision) { self.precision = precision }

    /// Checks one element: `sum` holds Σx_p of the element, α multiplies it, `betaTerm` is β·c₀.
    public mutating func check(got: Double, sum: RoundingErrorModel, alpha: Double, betaTerm: Double, label: @autoclosure () -> String) {
        let uAcc = precision.accumulationUnitRoundoff, uMul = precision.multiplyUnitRoundoff
        let uOut = precision.storageUnitRoundoff
        let reference = alpha * sum.sum + betaTerm
        let variance = alpha * alpha * (uAcc * uAcc / 3 * (sum.partialSquares + sum.termSquares)
                                         + 2 * uMul * uMul / 3 * sum.termSquares)
            + uOut * uOut / 3 * betaTerm * betaTerm
        let tolerance = Self.elementSigmas * variance.squareRoot() + 2 * uOut * abs(reference) + 1e-300
        let error = got - reference
        checked += 1
        if !got.isFinite || !(abs(error) <= tolerance) {
            failures += 1
            if failures == 1 {
                firstFailure = "\(label()) = \(got), expected \(reference) ± \(tolerance)"
                    + (got.isNaN ? " (the poisoned value survived: element not written)" : "")
            }
        } else {
            squaredError += error * error
        }
        predictedSquaredError += variance + uOut * uOut * reference * reference
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
