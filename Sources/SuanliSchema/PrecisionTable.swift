/// A number format as the host and the kernels see it: what a value is rounded to, how many
/// bytes it takes in a buffer, and its OpenCL C type where the classic kernels use one.
public enum NumberFormat: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16
    /// NVIDIA's and AMD's tf32 (xf32): 11 significant bits, stored in a float.
    case tensorFloat32
    /// fp8 e4m3 (OCP or AMD's FNUZ encoding; the engine kernel chooses).
    case e4m3
    case int8, int32

    /// Bytes per element in a buffer.
    public var bytes: Int {
        switch self {
        case .float64: 8
        case .float32, .tensorFloat32, .int32: 4
        case .float16, .bfloat16: 2
        case .e4m3, .int8: 1
        }
    }

    /// Significant bits (with the implicit one); nil for the integer formats.
    public var significandBits: Int? {
        switch self {
        case .float64: 53
        case .float32: 24
        case .float16, .tensorFloat32: 11
        case .bfloat16: 8
        case .e4m3: 4
        case .int8, .int32: nil
        }
    }

    public var isInteger: Bool { significandBits == nil }

    /// Unit roundoff u = 2^-p; 0 for the integer formats, which are exact.
    public var unitRoundoff: Double {
        significandBits.map { Double(sign: .plus, exponent: -$0, significand: 1) } ?? 0
    }

    /// The OpenCL C type of the classic kernels (`-DREAL=…`, `-DACC=…`); nil where only the
    /// engine kernels use the format.
    public var openCLType: String? {
        switch self {
        case .float32: "float"
        case .float64: "double"
        case .float16: "half"
        case .bfloat16, .tensorFloat32, .e4m3, .int8, .int32: nil
        }
    }

    /// The define a kernel needs to do arithmetic in this type (its OpenCL extension).
    public var extensionDefine: String? {
        switch self {
        case .float64: "-DUSE_FP64"
        case .float16: "-DUSE_FP16"
        default: nil
        }
    }

    /// `value` rounded to this format (round to nearest, ties to even; integers to the nearest
    /// integer), so the host and the device see the same numbers.
    public func round(_ value: Double) -> Double {
        switch self {
        case .float64: value
        case .float32: Double(Float(value))
        case .float16: Double(Float(Float16(Float(value))))
        case .bfloat16, .tensorFloat32, .e4m3:
            Double(Precision.roundSignificand(Float(value), keepingBits: significandBits!))
        case .int8, .int32: value.rounded(.toNearestOrEven)
        }
    }
}

/// Everything Suanli needs to know about a ``Precision``, in one row per precision: the formats
/// of the inputs, the accumulator and the output, the rounding the verification assumes, and
/// the types the classic kernels are built with. Every other precision-dependent figure on the
/// host (byte sizes, roundoffs, rounding, buffer encodings, kernel defines, scalar arguments)
/// is read from here.
public struct PrecisionTraits: Sendable {
    /// A and B: the host rounds inputs to this format and stores them in it.
    public let input: NumberFormat
    /// Sums (and the type of the α, β arguments).
    public let accumulator: NumberFormat
    /// C, as a GEMM writes it.
    public let output: NumberFormat
    /// Unit roundoff of each accumulation (the random-error model). The accumulator's own,
    /// except fp8: tensor cores are reported to keep about 14 bits when they accumulate fp8
    /// products (DeepSeek-V3 technical report, 2024, §3.3.2, measured on H800).
    public let accumulationUnitRoundoff: Double
    /// The largest L such that every integer in [−L, L] is exact in both the accumulator and the
    /// output (what the exact pass keeps every partial sum and result within): fp16 and mixed
    /// 2¹¹ (fp16 output), fp32-accumulated types 2²⁴, int8 int32's range; fp8 2¹², well inside
    /// the ~14 significant bits kept for fp8 sums.
    public let exactIntegerLimit: Double
    /// The element and accumulator types of the classic kernels (gemm.cl, stream.cl); nil for
    /// the precisions that only the engine and packed kernels run.
    public let classic: (real: NumberFormat, accumulator: NumberFormat)?
    /// The type whose fused multiply-adds the vector peak kernel (peak.cl) chains; nil where
    /// only the engine kernels measure the peak. mixed's vector peak is fp32's: its arithmetic
    /// is fp32.
    public let vectorPeak: NumberFormat?
}

extension Precision {
    /// The precision table (see ``PrecisionTraits``).
    public var traits: PrecisionTraits {
        switch self {
        case .fp32:
            PrecisionTraits(input: .float32, accumulator: .float32, output: .float32, accumulationUnitRoundoff: 0x1p-24,
                            exactIntegerLimit: 0x1p24, classic: (.float32, .float32), vectorPeak: .float32)
        case .fp64:
            PrecisionTraits(input: .float64, accumulator: .float64, output: .float64, accumulationUnitRoundoff: 0x1p-53,
                            exactIntegerLimit: 0x1p53, classic: (.float64, .float64), vectorPeak: .float64)
        case .fp16:
            PrecisionTraits(input: .float16, accumulator: .float16, output: .float16, accumulationUnitRoundoff: 0x1p-11,
                            exactIntegerLimit: 0x1p11, classic: (.float16, .float16), vectorPeak: .float16)
        case .mixed:
            PrecisionTraits(input: .float16, accumulator: .float32, output: .float16, accumulationUnitRoundoff: 0x1p-24,
                            exactIntegerLimit: 0x1p11, classic: (.float16, .float32), vectorPeak: .float32)
        case .bf16:
            PrecisionTraits(input: .bfloat16, accumulator: .float32, output: .float32, accumulationUnitRoundoff: 0x1p-24,
                            exactIntegerLimit: 0x1p24, classic: nil, vectorPeak: nil)
        case .tf32:
            PrecisionTraits(input: .tensorFloat32, accumulator: .float32, output: .float32, accumulationUnitRoundoff: 0x1p-24,
                            exactIntegerLimit: 0x1p24, classic: nil, vectorPeak: nil)
        case .fp8:
            PrecisionTraits(input: .e4m3, accumulator: .float32, output: .float32, accumulationUnitRoundoff: 0x1p-14,
                            exactIntegerLimit: 0x1p12, classic: nil, vectorPeak: nil)
        case .int8:
            PrecisionTraits(input: .int8, accumulator: .int32, output: .int32, accumulationUnitRoundoff: 0,
                            exactIntegerLimit: Double(Int32.max), classic: nil, vectorPeak: nil)
        }
    }
}

extension Precision {
    /// Unit roundoff u = 2^-p of the type the output is written in (and, for fp32, fp64, fp16
    /// and mixed, the inputs are stored in). 0 for int8's exact int32 result.
    public var storageUnitRoundoff: Double { traits.output.unitRoundoff }

    /// Unit roundoff of the input type (A and B). Inputs are rounded to it on the host, so the
    /// device and the reference multiply the same values; it bounds what the precision can
    /// represent, not the GEMM's error. bf16 keeps 8 significant bits, tf32 11, fp8 e4m3 4.
    public var inputUnitRoundoff: Double { traits.input.unitRoundoff }

    /// Unit roundoff of the accumulator (sums and, without fused multiply-add, products); see
    /// ``PrecisionTraits/accumulationUnitRoundoff``. int8 accumulates exactly in int32 (the
    /// inputs are kept small enough not to overflow).
    public var accumulationUnitRoundoff: Double { traits.accumulationUnitRoundoff }

    /// Unit roundoff of the type the hardware multiplies in when it is narrower than the stored
    /// inputs (so the inputs are rounded again on the way in); 0 when stored inputs are multiplied
    /// as they are. The host rounds tf32, bf16 and fp8 inputs to their type, and the products of
    /// two such values are exact in fp32, so none is rounded again.
    public var multiplyUnitRoundoff: Double { 0 }

    /// See ``PrecisionTraits/exactIntegerLimit``.
    public var exactIntegerLimit: Double { traits.exactIntegerLimit }

    /// `value` rounded to this precision's input type, so host and device see the same inputs
    /// (round to nearest, ties to even; int8 to the nearest integer).
    public func round(_ value: Double) -> Double { traits.input.round(value) }

    /// `value` rounded to the type a GEMM writes C in: the input type for fp32, fp64, fp16 and
    /// mixed, fp32 for bf16, tf32 and fp8, and int8's exact int32 (unchanged).
    public func roundOutput(_ value: Double) -> Double { traits.output.round(value) }

    /// `x` with its significand rounded to `bits` bits (ties to even), exponent unchanged:
    /// bf16 (8), tf32 (11) and the normal range of fp8 e4m3 (4).
    public static func roundSignificand(_ x: Float, keepingBits bits: Int) -> Float {
        let drop = UInt32(24 - bits)
        let pattern = x.bitPattern
        let half = (UInt32(1) << (drop - 1)) - 1 + ((pattern >> drop) & 1)
        return Float(bitPattern: (pattern &+ half) & ~((UInt32(1) << drop) - 1))
    }
}
