// Compiled in every kernel build (symlinked into CPUKernelsAVX2 and CPUKernelsAVX512): this
// build's kernels behind the shared interface.

import CPUKernelInterface

extension CPUKernels: CPUKernelSet {
    public static func gemm(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                            ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        sgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
    }

    public static func gemm(m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>,
                            ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int, threads: Int) {
        dgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
    }
}
