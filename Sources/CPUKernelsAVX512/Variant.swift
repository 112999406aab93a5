// Per-module file (NOT symlinked): the AVX-512 build (-target-cpu skylake-avx512:
// AVX-512 F/CD/BW/DQ/VL, plus AVX2 and FMA). SUANLI_AVX512 is defined for this module
// only; GEMM.swift uses it to make the 512-bit micro-kernel the default.
// `madd` (FusedMultiplyAdd.swift) lowers to vfmadd231ps / vfmadd231pd (ymm for SIMD8<Float>,
// zmm for SIMD16<Float>), so results match the AVX2 build's bit for bit.

extension CPUKernels {
    /// Name of the compiled variant.
    public static let variant = "avx512"
    /// Whether the kernels in this module use fused multiply-add (one rounding).
    public static let usesFusedMultiplyAdd = true
}
