// Per-module file (NOT symlinked): the AVX2+FMA build (-target-cpu haswell).
// `madd` (FusedMultiplyAdd.swift) lowers to vfmadd231ps / vfmadd231pd on ymm registers here.

extension CPUKernels {
    /// Name of the compiled variant.
    public static let variant = "avx2-fma"
    /// Whether the kernels in this module use fused multiply-add (one rounding).
    public static let usesFusedMultiplyAdd = true
}
