// Per-module file (NOT symlinked): the AVX-512 build (-target-cpu skylake-avx512:
// AVX-512 F/CD/BW/DQ/VL, plus AVX2 and FMA). SUANLI_AVX512 is defined for this module
// only; GEMM.swift uses it to make the 512-bit micro-kernel the default.
// SIMD `addingProduct` lowers to vfmadd231ps / vfmadd231pd (ymm for SIMD8<Float>,
// zmm for SIMD16<Float>), so results match the AVX2 build's bit for bit.

extension CPUKernels {
    /// Name of the compiled variant.
    public static let variant = "avx512"
    /// Whether the kernels in this module use fused multiply-add (one rounding).
    public static let usesFusedMultiplyAdd = true
}

@inline(__always) func madd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD4<Double>, _ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Float, _ a: Float, _ b: Float) -> Float { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Double, _ a: Double, _ b: Double) -> Double { acc.addingProduct(a, b) }
