/// Conversions between Suanli's Double test data and a device's storage type.
enum HostArray {
    /// `values` as the bytes of `precision`'s storage type.
    static func bytes(_ values: [Double], _ precision: Precision) -> [UInt8] {
        switch precision {
        case .fp32: return pack(values.map { Float($0) })
        case .fp64: return pack(values)
        case .fp16, .mixed: return pack(values.map { Float16(Float($0)).bitPattern })
        }
    }

    /// `count` NaNs in `precision`'s storage type: poison for outputs.
    static func poison(count: Int, _ precision: Precision) -> [UInt8] {
        switch precision {
        case .fp32: return pack([Float](repeating: .nan, count: count))
        case .fp64: return pack([Double](repeating: .nan, count: count))
        case .fp16, .mixed: return pack([UInt16](repeating: Float16.nan.bitPattern, count: count))
        }
    }

    static func values(_ bytes: [UInt8], _ precision: Precision) -> [Double] {
        bytes.withUnsafeBytes { raw in
            switch precision {
            case .fp32: return raw.bindMemory(to: Float.self).map(Double.init)
            case .fp64: return Array(raw.bindMemory(to: Double.self))
            case .fp16, .mixed: return raw.bindMemory(to: UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
            }
        }
    }

    static func pack<T: BitwiseCopyable>(_ values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }
}
