import SuanliSchema
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

    /// fp32 lanes per FMA peak chain in this variant's module.
    public var peakFMALanes: Int {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.peakFMALanes
        case .avx2FMA: CPUKernelsAVX2.CPUKernels.peakFMALanes
        case .avx512: CPUKernelsAVX512.CPUKernels.peakFMALanes
        }
    }

    /// The closed-form checksum of this variant's FMA peak probe (multiplier 1, addend 1).
    public func peakFMAExpected(threads: Int, iterations: Int, repeats: Int) -> Double {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.peakFMAExpected(threads: threads, iterations: iterations, repeats: repeats)
        case .avx2FMA: CPUKernelsAVX2.CPUKernels.peakFMAExpected(threads: threads, iterations: iterations, repeats: repeats)
        case .avx512: CPUKernelsAVX512.CPUKernels.peakFMAExpected(threads: threads, iterations: iterations, repeats: repeats)
        }
    }

    /// The variant this machine's CPU selects.
    public static var forThisMachine: CPUKernelVariant { select(for: .current()) }

    /// The name the kernels' module reports for itself (recorded in results).
    public var moduleVariantName: String {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.variant
        case .avx2FMA: CPUKernelsAVX2.CPUKernels.variant
        case .avx512: CPUKernelsAVX512.CPUKernels.variant
        }
    }

    func sgemm(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float,
               c: UnsafeMutablePointer<Float>, threads: Int) {
        switch self {
        case .portable:
            CPUKernelsPortable.CPUKernels.sgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta,
                                                c: c, ldc: n, threads: threads)
        case .avx2FMA:
            CPUKernelsAVX2.CPUKernels.sgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta,
                                            c: c, ldc: n, threads: threads)
        case .avx512:
            CPUKernelsAVX512.CPUKernels.sgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta,
                                            c: c, ldc: n, threads: threads)
        }
    }

    func dgemm(m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double,
               c: UnsafeMutablePointer<Double>, threads: Int) {
        switch self {
        case .portable:
            CPUKernelsPortable.CPUKernels.dgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta,
                                                c: c, ldc: n, threads: threads)
        case .avx2FMA:
            CPUKernelsAVX2.CPUKernels.dgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta,
                                            c: c, ldc: n, threads: threads)
        case .avx512:
            CPUKernelsAVX512.CPUKernels.dgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n, beta: beta,
                                            c: c, ldc: n, threads: threads)
        }
    }

    func peakFMA(threads: Int, iterations: Int, repeats: Int, multiplier: Float, addend: Float) -> (flops: Double, checksum: Double) {
        switch self {
        case .portable:
            CPUKernelsPortable.CPUKernels.peakFMA(threads: threads, iterations: iterations, repeats: repeats,
                                                  multiplier: multiplier, addend: addend)
        case .avx2FMA:
            CPUKernelsAVX2.CPUKernels.peakFMA(threads: threads, iterations: iterations, repeats: repeats,
                                              multiplier: multiplier, addend: addend)
        case .avx512:
            CPUKernelsAVX512.CPUKernels.peakFMA(threads: threads, iterations: iterations, repeats: repeats,
                                              multiplier: multiplier, addend: addend)
        }
    }

    func roofline(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, iterations: Int,
                  a: Float, b: Float, threads: Int) {
        switch self {
        case .portable:
            CPUKernelsPortable.CPUKernels.roofline(input: input, output: output, count: count, iterations: iterations,
                                                   a: a, b: b, threads: threads)
        case .avx2FMA:
            CPUKernelsAVX2.CPUKernels.roofline(input: input, output: output, count: count, iterations: iterations,
                                               a: a, b: b, threads: threads)
        case .avx512:
            CPUKernelsAVX512.CPUKernels.roofline(input: input, output: output, count: count, iterations: iterations,
                                               a: a, b: b, threads: threads)
        }
    }

    func cacheRead(_ data: UnsafePointer<UInt32>, count: Int, repetitions: Int, threads: Int,
                   checksums: UnsafeMutablePointer<UInt32>) {
        switch self {
        case .portable:
            CPUKernelsPortable.CPUKernels.cacheRead(data, count: count, repetitions: repetitions, threads: threads, checksums: checksums)
        case .avx2FMA:
            CPUKernelsAVX2.CPUKernels.cacheRead(data, count: count, repetitions: repetitions, threads: threads, checksums: checksums)
        case .avx512:
            CPUKernelsAVX512.CPUKernels.cacheRead(data, count: count, repetitions: repetitions, threads: threads, checksums: checksums)
        }
    }

    func pointerChase(starts: UnsafePointer<UnsafeRawPointer>, ends: UnsafeMutablePointer<UnsafeRawPointer?>, chains: Int,
                      steps: Int) {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.pointerChase(starts: starts, ends: ends, chains: chains, steps: steps)
        case .avx2FMA: CPUKernelsAVX2.CPUKernels.pointerChase(starts: starts, ends: ends, chains: chains, steps: steps)
        case .avx512: CPUKernelsAVX512.CPUKernels.pointerChase(starts: starts, ends: ends, chains: chains, steps: steps)
        }
    }

    /// Runs a stream kernel on Float or Double arrays; returns the dot product for `.dot`.
    func stream<T: BinaryFloatingPoint>(_ kernel: StreamKernel, a: UnsafeMutablePointer<T>, b: UnsafeMutablePointer<T>,
                                        c: UnsafeMutablePointer<T>, scalar: T, count: Int, threads: Int) -> Double? {
        func cast<U>(_ p: UnsafeMutablePointer<T>, _: U.Type) -> UnsafeMutablePointer<U> {
            UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
        }
        let portable = CPUKernelsPortable.StreamOperation(rawValue: kernel.rawValue)!
        let avx2 = CPUKernelsAVX2.StreamOperation(rawValue: kernel.rawValue)!
        let avx512 = CPUKernelsAVX512.StreamOperation(rawValue: kernel.rawValue)!
        if T.self == Float.self {
            let (a, b, c, s) = (cast(a, Float.self), cast(b, Float.self), cast(c, Float.self), Float(scalar))
            switch self {
            case .portable: return CPUKernelsPortable.CPUKernels.stream(portable, a: a, b: b, c: c, scalar: s, count: count, threads: threads)
            case .avx2FMA: return CPUKernelsAVX2.CPUKernels.stream(avx2, a: a, b: b, c: c, scalar: s, count: count, threads: threads)
            case .avx512: return CPUKernelsAVX512.CPUKernels.stream(avx512, a: a, b: b, c: c, scalar: s, count: count, threads: threads)
            }
        }
        let (a, b, c, s) = (cast(a, Double.self), cast(b, Double.self), cast(c, Double.self), Double(scalar))
        switch self {
        case .portable: return CPUKernelsPortable.CPUKernels.stream(portable, a: a, b: b, c: c, scalar: s, count: count, threads: threads)
        case .avx2FMA: return CPUKernelsAVX2.CPUKernels.stream(avx2, a: a, b: b, c: c, scalar: s, count: count, threads: threads)
        case .avx512: return CPUKernelsAVX512.CPUKernels.stream(avx512, a: a, b: b, c: c, scalar: s, count: count, threads: threads)
        }
    }
}
