// Per-module file (NOT symlinked): the portable build.
// On x86-64 baseline (no FMA in the target CPU) a fused multiply-add on SIMD
// vectors lowers to scalar `fmaf` library calls, so this variant uses a separate
// multiply and add, which compiles to packed SSE. On arm64 FMA is baseline (NEON).

extension CPUKernels {
    /// Name of the compiled variant.
    public static let variant = "portable"
    /// Whether the kernels in this module use fused multiply-add (one rounding).
    #if arch(arm64)
    public static let usesFusedMultiplyAdd = true
    #else
    public static let usesFusedMultiplyAdd = false
    #endif
}

#if arch(arm64)
@inline(__always) func madd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD4<Double>, _ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Float, _ a: Float, _ b: Float) -> Float { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Double, _ a: Double, _ b: Double) -> Double { acc.addingProduct(a, b) }
#else
@inline(__always) func madd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { acc + a * b }
@inline(__always) func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { acc + a * b }
@inline(__always) func madd(_ acc: SIMD4<Double>, _ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> { acc + a * b }
@inline(__always) func madd(_ acc: Float, _ a: Float, _ b: Float) -> Float { acc + a * b }
@inline(__always) func madd(_ acc: Double, _ a: Double, _ b: Double) -> Double { acc + a * b }
#endif
