/// Number formats a served model's weights, activations or KV cache are stored in.
public enum ServingPrecision: String, CaseIterable, Sendable, Equatable {
    case fp16, bf16, fp8, int8

    /// Bytes per stored value.
    public var bytes: Double {
        switch self {
        case .fp16, .bf16: return 2
        case .fp8, .int8: return 1
        }
    }

    /// Whether this is an 8-bit format (quantized weights).
    public var isEightBit: Bool { bytes == 1 }

    /// Parses `--precision` / `--kv-precision`; a usage error naming the option otherwise.
    public static func parse(_ raw: String, option: String) throws(SizingError) -> ServingPrecision {
        guard let p = ServingPrecision(rawValue: raw.lowercased()) else {
            throw SizingError.usage(
                "\(option) must be one of \(allCases.map(\.rawValue).joined(separator: ", ")), got '\(raw)'")
        }
        return p
    }
}
