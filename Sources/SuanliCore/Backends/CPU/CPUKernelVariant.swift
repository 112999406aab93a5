import SuanliSchema
import CPUKernelInterface
import CPUKernelsPortable
import CPUKernelsAVX2
import CPUKernelsAVX512

/// The compiled variants of the native CPU kernels, chosen at run time from the CPU's features.
public enum CPUKernelVariant: String, Sendable, CaseIterable {
    /// Baseline x86-64 (SSE2) or arm64 (NEON) code: runs on any CPU of the architecture.
    case portable
    /// Compiled with `-target-cpu haswell`: AVX2 and FMA.
    case avx2FMA = "avx2-fma"
    /// Compiled with `-target-cpu skylake-avx512`: AVX-512 F/BW/DQ/VL, 512-bit GEMM micro-kernel
    /// and FMA peak chains.
    case avx512

    /// The fastest variant `features` can run. Only x86-64 has the AVX2 and AVX-512 builds.
    public static func select(for features: CPUFeatureSet) -> CPUKernelVariant {
        #if arch(x86_64)
        if features.hasAVX512Kernels { return .avx512 }
        return features.hasAVX2FMA ? .avx2FMA : .portable
        #else
        return .portable
        #endif
    }

    /// Whether a CPU with `features` can run this variant's code.
    public func runs(on features: CPUFeatureSet) -> Bool {
        #if arch(x86_64)
        switch self {
        case .portable: true
        case .avx2FMA: features.hasAVX2FMA
        case .avx512: features.hasAVX512Kernels
        }
        #else
        self == .portable
        #endif
    }

    /// Width in bits of the vectors the FMA peak chains and the fp32 GEMM micro-kernel use
    /// (what caps the stated peak: a 256-bit kernel cannot use a 512-bit pipe's upper half).
    public var vectorBits: Int {
        switch self {
        case .portable: 128  // SSE2 on x86-64 (8-lane vectors split in two), NEON on arm64
        case .avx2FMA: 256
        case .avx512: 512
        }
    }

    /// The width that caps the stated peak when this variant runs: its vector width on x86-64.
    /// Nil on arm64, where the portable build's NEON vectors are the core's native width
    /// (SVE pipes run NEON at the same rate).
    public var peakWidthCapBits: Int? {
        #if arch(x86_64)
        return vectorBits
        #else
        return nil
        #endif
    }

    /// This variant's build of the kernels, behind the interface all three builds share.
    var kernels: any CPUKernelSet.Type {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.self
        case .avx2FMA: CPUKernelsAVX2.CPUKernels.self
        case .avx512: CPUKernelsAVX512.CPUKernels.self
        }
    }

    /// fp32 lanes per FMA peak chain in this variant's module.
    public var peakFMALanes: Int { kernels.peakFMALanes }

    /// The closed-form checksum of this variant's FMA peak probe (multiplier 1, addend 1).
    public func peakFMAExpected(threads: Int, iterations: Int, repeats: Int) -> Double {
        kernels.peakFMAExpected(threads: threads, iterations: iterations, repeats: repeats)
    }

    /// The variant this machine's CPU selects.
    public static var forThisMachine: CPUKernelVariant { select(for: .current()) }

    /// The name the kernels' module reports for itself (recorded in results).
    public var moduleVariantName: String { kernels.variant }

    func sgemm(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float,
               c: UnsafeMutablePointer<Float>, threads: Int) {
        kernels.gemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta, c: c, ldc: n, threads: threads)
    }

    func dgemm(m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double,
               c: UnsafeMutablePointer<Double>, threads: Int) {
        kernels.gemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta, c: c, ldc: n, threads: threads)
    }

    func peakFMA(threads: Int, iterations: Int, repeats: Int, multiplier: Float, addend: Float) -> (flops: Double, checksum: Double) {
        kernels.peakFMA(threads: threads, iterations: iterations, repeats: repeats, multiplier: multiplier, addend: addend)
    }

    func roofline(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, iterations: Int,
                  a: Float, b: Float, threads: Int) {
        kernels.roofline(input: input, output: output, count: count, iterations: iterations, a: a, b: b, threads: threads)
    }

    func cacheRead(_ data: UnsafePointer<UInt32>, count: Int, repetitions: Int, threads: Int,
                   checksums: UnsafeMutablePointer<UInt32>) {
        kernels.cacheRead(data, count: count, repetitions: repetitions, threads: threads, checksums: checksums)
    }

    func pointerChase(starts: UnsafePointer<UnsafeRawPointer>, ends: UnsafeMutablePointer<UnsafeRawPointer?>, chains: Int,
                      steps: Int) {
        kernels.pointerChase(starts: starts, ends: ends, chains: chains, steps: steps)
    }

    /// Runs a stream kernel on Float or Double arrays; returns the dot product for `.dot`.
    func stream<T: BinaryFloatingPoint>(_ kernel: StreamKernel, a: UnsafeMutablePointer<T>, b: UnsafeMutablePointer<T>,
                                        c: UnsafeMutablePointer<T>, scalar: T, count: Int, threads: Int) -> Double? {
        func cast<U>(_ p: UnsafeMutablePointer<T>, _: U.Type) -> UnsafeMutablePointer<U> {
            UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
        }
        let operation = StreamOperation(rawValue: kernel.rawValue)!
        if T.self == Float.self {
            return kernels.stream(operation, a: cast(a, Float.self), b: cast(b, Float.self), c: cast(c, Float.self),
                                  scalar: Float(scalar), count: count, threads: threads)
        }
        return kernels.stream(operation, a: cast(a, Double.self), b: cast(b, Double.self), c: cast(c, Double.self),
                              scalar: Double(scalar), count: count, threads: threads)
    }
}
