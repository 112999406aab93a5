import CPUKernelInterface
import CPUKernelsAVX2
import CPUKernelsAVX512
import CPUKernelsPortable
import Testing

/// The three compiled variants of the kernels.
enum Variant: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case portable, avx2, avx512
    var testDescription: String { rawValue }

    /// The AVX2 module needs AVX2+FMA at run time on x86-64, the AVX-512 module AVX-512
    /// F/BW/DQ/VL (either would trap otherwise): a variant this CPU lacks is not run here.
    static var runnable: [Variant] {
        #if arch(x86_64)
        let features = CPUKernelsPortable.CPUFeatureSet.current()
        return [.portable] + (features.hasAVX2FMA ? [.avx2] : []) + (features.hasAVX512Kernels ? [.avx512] : [])
        #else
        return [.portable, .avx2, .avx512]
        #endif
    }

    /// This variant's build behind the interface all three share.
    var kernels: any CPUKernelSet.Type {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.self
        case .avx2: CPUKernelsAVX2.CPUKernels.self
        case .avx512: CPUKernelsAVX512.CPUKernels.self
        }
    }

    var name: String { kernels.variant }

    var fused: Bool {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.usesFusedMultiplyAdd
        case .avx2: CPUKernelsAVX2.CPUKernels.usesFusedMultiplyAdd
        case .avx512: CPUKernelsAVX512.CPUKernels.usesFusedMultiplyAdd
        }
    }

    /// fp32 lanes of each FMA peak chain in this variant's module.
    var peakLanes: Int {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.peakFMALanes
        case .avx2: CPUKernelsAVX2.CPUKernels.peakFMALanes
        case .avx512: CPUKernelsAVX512.CPUKernels.peakFMALanes
        }
    }

    func peakExpected(threads: Int, iterations: Int, repeats: Int) -> Double {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.peakFMAExpected(threads: threads, iterations: iterations, repeats: repeats)
        case .avx2: CPUKernelsAVX2.CPUKernels.peakFMAExpected(threads: threads, iterations: iterations, repeats: repeats)
        case .avx512: CPUKernelsAVX512.CPUKernels.peakFMAExpected(threads: threads, iterations: iterations, repeats: repeats)
        }
    }
}

/// SplitMix64: deterministic inputs so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random non-zero values in ±[0.25, 1.25).
func randomNonZero<T: BinaryFloatingPoint>(_ count: Int, seed: UInt64, as: T.Type = T.self) -> [T]
where T.RawSignificand: FixedWidthInteger {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        let mag = T.random(in: 0.25..<1.25, using: &rng)
        return Bool.random(using: &rng) ? mag : -mag
    }
}
