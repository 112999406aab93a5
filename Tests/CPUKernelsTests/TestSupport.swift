import CPUKernelsAVX2
import CPUKernelsPortable
import Testing

/// The two compiled variants of the kernels.
enum Variant: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case portable, avx2
    var testDescription: String { rawValue }

    /// The AVX2 module needs AVX2+FMA at run time on x86-64 (it would trap otherwise).
    static var runnable: [Variant] {
        #if arch(x86_64)
        return CPUKernelsPortable.CPUFeatureSet.current().hasAVX2FMA ? [.portable, .avx2] : [.portable]
        #else
        return [.portable, .avx2]
        #endif
    }

    var name: String {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.variant
        case .avx2: CPUKernelsAVX2.CPUKernels.variant
        }
    }

    var fused: Bool {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.usesFusedMultiplyAdd
        case .avx2: CPUKernelsAVX2.CPUKernels.usesFusedMultiplyAdd
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
