import SuanliSchema

/// Inputs and closed-form result of the roofline kernels (`Kernels/roofline.cl` and the native
/// CPU's `CPUKernels.roofline`), shared by the backends.
///
/// Every element goes through `iterations` steps of x ← x·a + b with a = 1 and b = 2^-e, where e is
/// the smallest exponent with iterations·b ≤ 1/2. The inputs are floats in [1, 1.5), multiples of
/// 2^-23; every intermediate value stays in [1, 2), where floats are spaced 2^-23 apart and b is a
/// multiple of that spacing, so each step adds b exactly, fused or not. The output is therefore
/// in + iterations·b bit for bit: a skipped or repeated step, a shortened loop or an unwritten
/// element changes it.
enum RooflineCheck {
    static let multiplier: Float = 1

    /// b for `iterations` steps: the largest power of two with iterations·b ≤ 1/2.
    static func addend(iterations: Int) -> Float {
        var b: Float = 0.5
        while Float(max(1, iterations)) * b > 0.5 { b /= 2 }
        return b
    }

    /// The exact output for input `x` after `iterations` steps.
    static func expected(_ x: Float, iterations: Int) -> Float {
        x + Float(iterations) * addend(iterations: iterations)
    }

    /// Reproducible random inputs in [1, 1.5).
    static func inputs(count: Int, seed: UInt64 = 21) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in 1 + Float(rng.next() >> 42) * 0x1p-23 }
    }

    /// The first element whose output is not the closed form, or nil.
    static func firstMismatch(input: UnsafeBufferPointer<Float>, output: UnsafeBufferPointer<Float>,
                              iterations: Int) -> Int? {
        let step = Float(iterations) * addend(iterations: iterations)
        for i in 0..<min(input.count, output.count) where output[i] != input[i] + step { return i }
        return input.count == output.count ? nil : min(input.count, output.count)
    }

    static func failure(_ index: Int, got: Float, input: Float, iterations: Int) -> VerificationResult {
        .failed("roofline (\(iterations) steps): out[\(index)] = \(got), expected \(expected(input, iterations: iterations))")
    }
}
