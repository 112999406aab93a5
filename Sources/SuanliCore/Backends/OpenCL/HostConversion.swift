/// Conversions between Suanli's Double test data and a device's storage type.
enum HostArray {
    /// `values` as the bytes of `precision`'s input storage type (fp8 as OCP e4m3).
    static func bytes(_ values: [Double], _ precision: Precision) -> [UInt8] {
        switch precision {
        case .fp32, .tf32: return pack(values.map { Float($0) })
        case .fp64: return pack(values)
        case .fp16, .mixed: return pack(values.map { Float16(Float($0)).bitPattern })
        case .bf16: return pack(values.map { UInt16(truncatingIfNeeded: PackedElements.bits($0, .bf16, fp8: .ocp)) })
        case .int8: return pack(values.map { Int8($0) })
        case .fp8: return values.map { PackedElements.e4m3(Float($0), encoding: .ocp) }
        }
    }

    /// `count` NaNs in `precision`'s storage type: poison for outputs.
    static func poison(count: Int, _ precision: Precision) -> [UInt8] {
        switch precision {
        case .fp32, .tf32: return pack([Float](repeating: .nan, count: count))
        case .fp64: return pack([Double](repeating: .nan, count: count))
        case .fp16, .mixed: return pack([UInt16](repeating: Float16.nan.bitPattern, count: count))
        case .bf16: return pack([UInt16](repeating: 0x7FC0, count: count))
        case .int8: return [UInt8](repeating: 0x80, count: count)
        case .fp8: return [UInt8](repeating: 0x7F, count: count)
        }
    }

    static func values(_ bytes: [UInt8], _ precision: Precision) -> [Double] {
        bytes.withUnsafeBytes { raw in
            switch precision {
            case .fp32, .tf32: return raw.bindMemory(to: Float.self).map(Double.init)
            case .fp64: return Array(raw.bindMemory(to: Double.self))
            case .fp16, .mixed: return raw.bindMemory(to: UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
            case .bf16: return raw.bindMemory(to: UInt16.self).map { Double(Float(bitPattern: UInt32($0) << 16)) }
            case .int8: return raw.bindMemory(to: Int8.self).map(Double.init)
            case .fp8: return raw.bindMemory(to: UInt8.self).map { PackedElements.e4m3Value($0, encoding: .ocp) }
            }
        }
    }

    static func pack<T: BitwiseCopyable>(_ values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }
}

/// The packed-operand layout of the engine kernels (Kernels/README.md, "Tensor and matrix
/// engines"): A as Mp × Kp and B transposed as Np × Kp in the input type, zero padded to the
/// tile multiples; C as Mp × Np in the output type (fp16 for fp16 and mixed, int32 for int8,
/// fp32 otherwise).
struct PackedLayout {
    let m: Int, n: Int, k: Int
    let mp: Int, np: Int, kp: Int
    let precision: Precision
    let fp8: FP8Encoding

    init(m: Int, n: Int, k: Int, tileM: Int, tileN: Int, kMultiple: Int, precision: Precision, fp8: FP8Encoding) {
        self.m = m; self.n = n; self.k = k
        func up(_ x: Int, _ q: Int) -> Int { (x + q - 1) / q * q }
        mp = up(m, tileM); np = up(n, tileN); kp = up(k, kMultiple)
        self.precision = precision
        self.fp8 = fp8
    }

    var padded: Bool { mp != m || np != n || kp != k }
    var aBytes: Int { mp * kp * precision.elementBytes }
    var bBytes: Int { np * kp * precision.elementBytes }
    var cBytes: Int { mp * np * outputBytes }
    var outputBytes: Int { precision == .fp16 || precision == .mixed ? 2 : 4 }

    /// A (row-major M × K) as Mp × Kp elements.
    func packA(_ a: [Double]) -> [UInt8] {
        pack(rows: m, cols: k, rowStride: kp, total: mp * kp) { i, p in a[i * k + p] }
    }

    /// B (row-major K × N) transposed to Np × Kp elements: row j holds column j of B.
    func packB(_ b: [Double]) -> [UInt8] {
        pack(rows: n, cols: k, rowStride: kp, total: np * kp) { j, p in b[p * n + j] }
    }

    private func pack(rows: Int, cols: Int, rowStride: Int, total: Int, _ value: (Int, Int) -> Double) -> [UInt8] {
        let size = precision.elementBytes
        var out = [UInt8](repeating: 0, count: total * size)
        for r in 0..<rows {
            for c in 0..<cols {
                var bits = PackedElements.bits(value(r, c), precision, fp8: fp8)
                let at = (r * rowStride + c) * size
                for byte in 0..<size {
                    out[at + byte] = UInt8(truncatingIfNeeded: bits)
                    bits >>= 8
                }
            }
        }
        return out
    }

    /// C₀ (row-major M × N) as Mp × Np in the output type.
    func packC(_ c: [Double]) -> [UInt8] {
        var full = [Double](repeating: 0, count: mp * np)
        for i in 0..<m { for j in 0..<n { full[i * np + j] = c[i * n + j] } }
        switch precision {
        case .fp16, .mixed: return HostArray.pack(full.map { Float16(Float($0)).bitPattern })
        case .int8: return HostArray.pack(full.map { Int32($0) })
        default: return HostArray.pack(full.map { Float($0) })
        }
    }

    /// Every element of C poisoned: NaN, or Int32.min for int8 (out of reach of its results).
    func poisonC() -> [UInt8] {
        switch precision {
        case .fp16, .mixed: return HostArray.pack([UInt16](repeating: Float16.nan.bitPattern, count: mp * np))
        case .int8: return HostArray.pack([Int32](repeating: .min, count: mp * np))
        default: return HostArray.pack([Float](repeating: .nan, count: mp * np))
        }
    }

    /// The M × N part of C, as Double.
    func unpackC(_ bytes: [UInt8]) -> [Double] {
        let all: [Double] = bytes.withUnsafeBytes { raw in
            switch precision {
            case .fp16, .mixed: return raw.bindMemory(to: UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
            case .int8: return raw.bindMemory(to: Int32.self).map(Double.init)
            default: return raw.bindMemory(to: Float.self).map(Double.init)
            }
        }
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { c[i * n + j] = all[i * np + j] } }
        return c
    }
}
