// The interface every build of the native CPU kernels offers. The kernel sources are compiled
// three times (CPUKernelsPortable; CPUKernelsAVX2 with -target-cpu haswell; CPUKernelsAVX512
// with -target-cpu skylake-avx512), each module's `CPUKernels` conforms, and the benchmark picks
// one build at run time and calls it through this protocol (one dynamic call per kernel launch;
// the loops inside are specialised in each build).

/// The kernels of BabelStream's stream suite.
public enum StreamOperation: String, Sendable, CaseIterable {
    case copy, mul, add, triad, dot
}

/// One build of the native CPU kernels. Pointers are row-major arrays; `threads` workers share
/// each call.
public protocol CPUKernelSet {
    /// The build's name (`portable`, `avx2-fma`, `avx512`), recorded in results.
    static var variant: String { get }
    /// fp32 lanes per FMA peak chain.
    static var peakFMALanes: Int { get }
    /// The closed-form checksum of the FMA peak probe (multiplier 1, addend 1).
    static func peakFMAExpected(threads: Int, iterations: Int, repeats: Int) -> Double
    /// Independent FMA chains in registers: the FLOPs done and a checksum of the lanes.
    static func peakFMA(threads: Int, iterations: Int, repeats: Int, multiplier: Float, addend: Float)
        -> (flops: Double, checksum: Double)
    /// C[m × n] = α·A[m × k]·B[k × n] + β·C with row strides lda, ldb, ldc (C not read when β = 0).
    static func gemm(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                     ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int)
    static func gemm(m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>,
                     ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int, threads: Int)
    /// output[i] after `iterations` multiply-adds x ← a·x + b from input[i].
    static func roofline(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
                         iterations: Int, a: Float, b: Float, threads: Int)
    /// Reads `count` words `repetitions` times; each worker's wrapping sum in `checksums`.
    static func cacheRead(_ data: UnsafePointer<UInt32>, count: Int, repetitions: Int, threads: Int,
                          checksums: UnsafeMutablePointer<UInt32>)
    /// Follows `chains` pointer chains `steps` loads each, from `starts`; the last pointers in `ends`.
    static func pointerChase(starts: UnsafePointer<UnsafeRawPointer>, ends: UnsafeMutablePointer<UnsafeRawPointer?>,
                             chains: Int, steps: Int)
    /// Runs `operation` on BabelStream's arrays; the sum for `.dot`, else nil.
    static func stream(_ operation: StreamOperation, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
                       c: UnsafeMutablePointer<Float>, scalar: Float, count: Int, threads: Int) -> Double?
    static func stream(_ operation: StreamOperation, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>,
                       c: UnsafeMutablePointer<Double>, scalar: Double, count: Int, threads: Int) -> Double?
}
