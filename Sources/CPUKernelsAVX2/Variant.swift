// Per-module file (NOT symlinked): the AVX2+FMA build (-target-cpu haswell).
// SIMD `addingProduct` lowers to vfmadd231ps / vfmadd231pd on ymm registers here.

extension CPUKernels {
    /// Name of the compiled variant.
    public static let variant = "avx2-fma"
    /// Whether the kernels in this module use fused multiply-add (one rounding).
    public static let usesFusedMultiplyAdd = true
}

@inline(__always) func madd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD4<Double>, _ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Float, _ a: Float, _ b: Float) -> Float { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Double, _ a: Double, _ b: Double) -> Double { acc.addingProduct(a, b) }
