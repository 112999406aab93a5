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
    /// Unit roundoff of the stored input and output type.
    public var storageEpsilon: Double {
        switch self {
        case .fp32: 0x1p-24
        case .fp64: 0x1p-53
        case .fp16, .mixed: 0x1p-11
        }
    }

    /// Unit roundoff of the accumulator.
    public var accumulatorEpsilon: Double {
        switch self {
        case .fp32, .mixed: 0x1p-24
        case .fp64: 0x1p-53
        case .fp16: 0x1p-11
        }
    }

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
    /// With `includeBeta` false the expected result is α·A·B (a β = 0 run).
    /// Tolerance: 8·√K·ε_acc·Σ|α·a·b| + |β·c₀|·ε + ε_out·|ref| — a probabilistic rounding bound
    /// that scales with K and precision, far below the error of a wrong index or a missing term.
    public func verify(_ output: [Double], includeBeta: Bool) -> VerificationResult {
        guard output.count >= m * n else { return .failed("output has \(output.count) values, expected \(m * n)") }
        let beta = includeBeta ? self.beta : 0
        let accumulatorBound = 8 * Double(k).squareRoot() * precision.accumulatorEpsilon
        var worst = 0.0
        var failures = 0
        var firstFailure = ""
        for (i, j) in checkedEntries() {
            var sum = 0.0, magnitude = 0.0
            let rowA = i * k
            for p in 0..<k {
                let product = a[rowA + p] * b[p * n + j]
                sum += product
                magnitude += abs(product)
            }
            let reference = alpha * sum + beta * c0[i * n + j]
            let scale = abs(alpha) * magnitude + abs(beta * c0[i * n + j])
            let tolerance = accumulatorBound * scale + 2 * precision.storageEpsilon * (abs(reference) + scale) + 1e-30
            let got = output[i * n + j]
            let error = abs(got - reference)
            if !got.isFinite || !(error <= tolerance) {
                failures += 1
                if failures == 1 {
                    firstFailure = "C[\(i)][\(j)] = \(got), expected \(reference) ± \(tolerance)"
                        + (got.isNaN ? " (the poisoned value survived: element not written)" : "")
                }
            } else if scale > 0 {
                worst = Swift.max(worst, error / scale)
            }
        }
        if failures > 0 { return .failed("GEMM output wrong in \(failures) checked entries; first: \(firstFailure)") }
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
    let eps = precision.storageEpsilon
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
        var sum = 0.0, magnitude = 0.0
        for i in 0..<a.count { sum += a[i] * b[i]; magnitude += abs(a[i] * b[i]) }
        let tolerance = 8 * Double(a.count).squareRoot() * precision.accumulatorEpsilon * magnitude + eps * abs(sum)
        return abs(dot - sum) <= tolerance && dot.isFinite
            ? .passed : .failed("dot = \(dot), expected \(sum) ± \(tolerance)")
    }
}
