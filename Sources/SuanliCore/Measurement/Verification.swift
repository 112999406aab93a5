import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
/// the acceptance test adds the worst-case term 2·u_dir·Σ|s_p|.
///
/// The unit roundoffs default to the precision's (``Precision/accumulationUnitRoundoff``); an
/// engine whose accumulator is wider than that (fp16 on MFMA, WMMA and DPAS accumulates in fp32)
/// states its own with ``accumulating(in:)``, so the test is not loosened by a type the engine
/// never rounds to.
@MemberwiseInit
public struct AccumulatorRounding: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Mode: String, Sendable, Codable { case nearest, directed }
    public var mode: Mode
    /// Unit roundoff of the rounding that happens at each accumulation (the random-error model); nil: the precision's.
    public var unitRoundoff: Double?
    /// Unit roundoff of the truncating alignment inside the engine (the directed term); nil: `unitRoundoff`.
    public var directedUnitRoundoff: Double?

    public static let nearest = AccumulatorRounding(mode: .nearest)
    public static let directed = AccumulatorRounding(mode: .directed)

    /// This rounding with the accumulator named as ``EngineKernel/accumulator`` names it:
    /// `fp32` (u = 2⁻²⁴ for sums and alignment), `fp16` (each instruction's fp32 result rounded
    /// to nearest fp16: u = 2⁻¹¹ at random, 2⁻²⁴ directed), `int32` (exact); anything else
    /// keeps the precision's own.
    public func accumulating(in accumulator: String) -> AccumulatorRounding {
        switch accumulator {
        case "fp32": AccumulatorRounding(mode: mode, unitRoundoff: 0x1p-24, directedUnitRoundoff: 0x1p-24)
        case "fp16": AccumulatorRounding(mode: mode, unitRoundoff: 0x1p-11, directedUnitRoundoff: 0x1p-24)
        case "int32": AccumulatorRounding(mode: mode, unitRoundoff: 0, directedUnitRoundoff: 0)
        default: self
        }
    }

    public var description: String {
        mode.rawValue + (unitRoundoff.map { " (u = \($0))" } ?? "")
    }
}

/// The seed of the verification sample and of the exact pass's inputs: a fresh one per process
/// (so every run checks other entries), or `SUANLI_VERIFY_SEED` (decimal or 0x-hex) to repeat a
/// run. GEMM runners record it as the `verify_seed` parameter of their measurements.
public enum VerificationSeed {
    public static let current: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["SUANLI_VERIFY_SEED"], let seed = parse(text) { return seed }
        var rng = SystemRandomNumberGenerator()
        return rng.next()
    }()

    static func parse(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }

    /// `current` as the parameter value (0x-hex, accepted back by `SUANLI_VERIFY_SEED`).
    public static var text: String { "0x" + String(current, radix: 16) }
}

/// A GEMM problem, C = α·A·B + β·C₀, row-major, with inputs already rounded to the input precision.
///
/// Two kinds: the random-real problem (``init(m:n:k:precision:alpha:beta:seed:sampleSeed:)``),
/// checked against the rounding-error model of ``GEMMTolerance``, and the exact problem
/// (``exact(m:n:k:precision:seed:sampleSeed:)``), small integers whose every product, partial
/// sum and result is representable in the accumulator and output types, checked for equality.
public struct GEMMProblem: Sendable {
    public let m: Int, n: Int, k: Int
    public let alpha: Double, beta: Double
    public let a: [Double], b: [Double], c0: [Double]
    public let precision: Precision
    /// Integer inputs: the device must match the reference exactly (``verify(_:includeBeta:rounding:)``).
    public let exact: Bool
    /// Seed of the stratified sample of checked entries (``checkedEntries(seed:)``).
    public let sampleSeed: UInt64

    public init(m: Int, n: Int, k: Int, precision: Precision, alpha: Double? = nil, beta: Double? = nil, seed: UInt64 = 0x5EED,
                sampleSeed: UInt64 = VerificationSeed.current) {
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
        exact = false
        self.sampleSeed = sampleSeed
    }

    /// A problem with the given data (tests, and the exact problem).
    public init(m: Int, n: Int, k: Int, precision: Precision, alpha: Double, beta: Double,
                a: [Double], b: [Double], c0: [Double], exact: Bool, sampleSeed: UInt64 = VerificationSeed.current) {
        precondition(a.count == m * k && b.count == k * n && c0.count == m * n, "GEMMProblem: array sizes do not match the shape")
        self.m = m; self.n = n; self.k = k
        self.precision = precision
        self.alpha = alpha; self.beta = beta
        self.a = a; self.b = b; self.c0 = c0
        self.exact = exact
        self.sampleSeed = sampleSeed
    }

    /// The largest int8 magnitude R (at most 127) with |α|·K·R² + |β|·127 below 2^31 − 1.
    static func int8Magnitude(k: Int, alpha: Double, beta: Double) -> Int {
        let room = (Double(Int32.max) - abs(beta) * 127) / (abs(alpha) * Double(Swift.max(k, 1)))
        return Swift.max(1, Swift.min(127, Int(room.squareRoot())))
    }

    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    // MARK: Exact problem

    /// α and β of the exact problem, and the largest |C₀| entry.
    public static let exactAlpha = 2.0, exactBeta = -1.0, exactC0Magnitude = 8

    /// How the exact problem's inputs are made for a precision and K: entries of A and B are
    /// integers ±1…`magnitude`; each row of A has `rowNonzeros` of them (the rest zero; all of
    /// them unless K is too large for the budget), so for every element of C
    /// Σ_p |a_ip·b_pj| ≤ rowNonzeros·magnitude² ≤ `budget`, and every partial sum in any order,
    /// α times it and α·sum + β·c₀ are integers within the precision's ``Precision/exactIntegerLimit``.
    public struct ExactPlan: Sendable, Equatable {
        public var magnitude: Int
        public var rowNonzeros: Int
        public var budget: Double
    }

    public static func exactPlan(k: Int, precision: Precision) -> ExactPlan {
        let budget = ((precision.exactIntegerLimit - abs(exactBeta) * Double(exactC0Magnitude)) / abs(exactAlpha)).rounded(.down)
        let k = Swift.max(k, 1)
        // Magnitudes up to 8 are exact in every input type (fp8 e4m3 keeps 4 significant bits).
        for v in stride(from: 8, through: 1, by: -1) where Double(k * v * v) <= budget {
            return ExactPlan(magnitude: v, rowNonzeros: k, budget: budget)
        }
        // K beyond the budget even with ±1: A sparse, ±1 and ±2 on a random subset of each row.
        return ExactPlan(magnitude: 2, rowNonzeros: Swift.max(1, Int(budget) / 4), budget: budget)
    }

    /// The exact problem for a shape and precision (see ``ExactPlan``), C₀ integers in ±8, α = 2, β = −1.
    public static func exact(m: Int, n: Int, k: Int, precision: Precision, seed: UInt64 = VerificationSeed.current,
                             sampleSeed: UInt64 = VerificationSeed.current) -> GEMMProblem {
        let plan = exactPlan(k: k, precision: precision)
        var rng = SeededGenerator(seed: seed ^ 0xE4AC_7E4A_C7E4_AC7E)
        func value(_ v: Int) -> Double {
            let x = Double(Int.random(in: 1...v, using: &rng))
            return Bool.random(using: &rng) ? x : -x
        }
        var a = [Double](repeating: 0, count: m * k)
        if plan.rowNonzeros >= k {
            for i in 0..<(m * k) { a[i] = value(plan.magnitude) }
        } else {
            var columns = Array(0..<k)
            for i in 0..<m {
                // The first rowNonzeros of a partial Fisher–Yates shuffle: distinct random columns.
                for t in 0..<plan.rowNonzeros {
                    columns.swapAt(t, Int.random(in: t..<k, using: &rng))
                    a[i * k + columns[t]] = value(plan.magnitude)
                }
            }
        }
        let b = (0..<(k * n)).map { _ in value(plan.magnitude) }
        let c0 = (0..<(m * n)).map { _ in Double(Int.random(in: -exactC0Magnitude...exactC0Magnitude, using: &rng)) }
        return GEMMProblem(m: m, n: n, k: k, precision: precision, alpha: exactAlpha, beta: exactBeta,
                           a: a, b: b, c0: c0, exact: true, sampleSeed: sampleSeed)
    }

    // MARK: Checked entries

    /// Side of the cells of the stratified sample, and samples drawn in each cell.
    public static let sampleCell = 32, samplesPerCell = 5
    /// Problems up to this many multiply-adds are checked entirely.
    public static let fullCheckLimit = 1 << 25

    /// Entries to check: all of them for small problems; otherwise the first and last rows and
    /// columns in full, and `samplesPerCell` random entries in every 32×32 cell of C (a stratified
    /// sample, seeded by `seed`, by default ``sampleSeed``): a fault that spoils one whole aligned
    /// 32×32 tile is always caught, and one anywhere else with the probability
    /// ``tileFaultDetectionProbability(m:n:)`` (≥ 99.6%).
    public func checkedEntries(seed: UInt64? = nil) -> [(Int, Int)] {
        if m * n * k <= Self.fullCheckLimit {
            return (0..<m).flatMap { i in (0..<n).map { j in (i, j) } }
        }
        var rng = SeededGenerator(seed: seed ?? sampleSeed)
        var entries: [(Int, Int)] = []
        entries.reserveCapacity(2 * (m + n) + Self.samplesPerCell * ((m + 31) / 32) * ((n + 31) / 32))
        for i in Set([0, m - 1]) { for j in 0..<n { entries.append((i, j)) } }
        for j in Set([0, n - 1]) { for i in 1..<Swift.max(1, m - 1) { entries.append((i, j)) } }
        let cell = Self.sampleCell
        for i0 in stride(from: 0, to: m, by: cell) {
            let rows = Swift.min(cell, m - i0)
            for j0 in stride(from: 0, to: n, by: cell) {
                let cols = Swift.min(cell, n - j0)
                for _ in 0..<Self.samplesPerCell {
                    entries.append((i0 + Int.random(in: 0..<rows, using: &rng), j0 + Int.random(in: 0..<cols, using: &rng)))
                }
            }
        }
        return entries
    }

    /// The smallest probability, over every placement of a `fault`×`fault` block of wrong
    /// entries inside an M×N output, that the sample of ``checkedEntries(seed:)`` holds one of
    /// them (1 where every entry is checked). A placement misses the full rows and columns
    /// unless it touches an edge; then each cell it overlaps by a fraction f of the cell is
    /// missed by all of its samples with probability (1 − f)^samplesPerCell.
    public static func tileFaultDetectionProbability(m: Int, n: Int, k: Int, fault: Int = 32) -> Double {
        guard m * n * k > fullCheckLimit else { return 1 }
        let cell = sampleCell
        func candidates(_ extent: Int) -> [Int] {
            let last = extent - fault
            guard last >= 0 else { return [0] }
            return Array(Set((0...Swift.min(last, 2 * cell)).map { $0 } + (Swift.max(0, last - 2 * cell)...last).map { $0 })).sorted()
        }
        var worst = 1.0
        for r0 in candidates(m) {
            let r1 = Swift.min(m, r0 + fault)
            if r0 == 0 || r1 == m { continue }   // a whole first or last row is checked
            for c0 in candidates(n) {
                let c1 = Swift.min(n, c0 + fault)
                if c0 == 0 || c1 == n { continue }
                var miss = 1.0
                for ci in stride(from: r0 / cell * cell, to: r1, by: cell) {
                    let cellRows = Swift.min(cell, m - ci)
                    let overlapRows = Swift.min(r1, ci + cell) - Swift.max(r0, ci)
                    for cj in stride(from: c0 / cell * cell, to: c1, by: cell) {
                        let cellCols = Swift.min(cell, n - cj)
                        let overlapCols = Swift.min(c1, cj + cell) - Swift.max(c0, cj)
                        let f = Double(overlapRows * overlapCols) / Double(cellRows * cellCols)
                        for _ in 0..<samplesPerCell { miss *= 1 - f }
                    }
                }
                worst = Swift.min(worst, 1 - miss)
            }
        }
        return worst
    }

    // MARK: Verification

    /// Checks `output` (row-major M×N, converted to Double) against a double-precision reference.
    /// With `includeBeta` false the expected result is α·A·B (a β = 0 run). The exact problem
    /// must match exactly; the random-real one within ``GEMMTolerance``.
    public func verify(_ output: [Double], includeBeta: Bool, rounding: AccumulatorRounding = .nearest) -> VerificationResult {
        guard output.count >= m * n else { return .failed("output has \(output.count) values, expected \(m * n)") }
        let beta = includeBeta ? self.beta : 0
        if exact { return verifyExact(output, beta: beta) }
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

    private func verifyExact(_ output: [Double], beta: Double) -> VerificationResult {
        var checked = 0, wrong = 0
        var first = ""
        for (i, j) in checkedEntries() {
            var sum = 0.0
            let rowA = i * k
            for p in 0..<k where a[rowA + p] != 0 { sum += a[rowA + p] * b[p * n + j] }
            let reference = alpha * sum + beta * c0[i * n + j]
            let got = output[i * n + j]
            checked += 1
            if got != reference {
                wrong += 1
                if wrong == 1 {
                    first = "C[\(i)][\(j)] = \(got), expected exactly \(reference)"
                        + (got.isNaN || (precision.isInteger && got == Double(Int32.min)) ? " (the poisoned value survived: element not written)" : "")
                }
            }
        }
        if wrong > 0 {
            return .failed("exact pass: GEMM output wrong in \(wrong) of \(checked) checked entries (integer inputs, "
                + "every partial sum exact in the accumulator); first: \(first)")
        }
        return .passed
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
        let uAcc = rounding.unitRoundoff ?? precision.accumulationUnitRoundoff, uMul = precision.multiplyUnitRoundoff
        let uDir = rounding.directedUnitRoundoff ?? uAcc
        let uOut = precision.storageUnitRoundoff
        let reference = alpha * sum.sum + betaTerm
        let variance = alpha * alpha * (uAcc * uAcc / 3 * (sum.partialSquares + sum.termSquares)
                                         + 2 * uMul * uMul / 3 * sum.termSquares)
            + uOut * uOut / 3 * betaTerm * betaTerm
        // Directed rounding: every addition may err by up to 2·u_dir·|s_p| with one sign.
        let bias = rounding.mode == .directed ? 2 * uDir * abs(alpha) * sum.partialMagnitudes : 0
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
