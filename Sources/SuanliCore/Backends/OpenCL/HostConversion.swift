import SuanliSchema

extension NumberFormat {
    /// `values` (already rounded to the format) as the bytes of a buffer of this format; fp8 in
    /// `fp8`'s encoding.
    func encode(_ values: [Double], fp8: FP8Encoding = .ocp) -> [UInt8] {
        switch self {
        case .float32, .tensorFloat32: HostArray.pack(values.map { Float($0) })
        case .float64: HostArray.pack(values)
        case .float16: HostArray.pack(values.map { Float16(Float($0)).bitPattern })
        case .bfloat16: HostArray.pack(values.map { UInt16(truncatingIfNeeded: Float($0).bitPattern >> 16) })
        case .int8: HostArray.pack(values.map { Int8($0) })
        case .int32: HostArray.pack(values.map { Int32($0) })
        case .e4m3: values.map { PackedElements.e4m3(Float($0), encoding: fp8) }
        }
    }

    /// A buffer of this format read back as Double.
    func decode(_ bytes: [UInt8], fp8: FP8Encoding = .ocp) -> [Double] {
        bytes.withUnsafeBytes { raw in
            switch self {
            case .float32, .tensorFloat32: raw.bindMemory(to: Float.self).map(Double.init)
            case .float64: Array(raw.bindMemory(to: Double.self))
            case .float16: raw.bindMemory(to: UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
            case .bfloat16: raw.bindMemory(to: UInt16.self).map { Double(Float(bitPattern: UInt32($0) << 16)) }
            case .int8: raw.bindMemory(to: Int8.self).map(Double.init)
            case .int32: raw.bindMemory(to: Int32.self).map(Double.init)
            case .e4m3: raw.bindMemory(to: UInt8.self).map { PackedElements.e4m3Value($0, encoding: fp8) }
            }
        }
    }

    /// `count` elements of poison: NaN for the floating-point formats, the most negative value
    /// (out of reach of the results) for the integer ones.
    func poison(count: Int) -> [UInt8] {
        switch self {
        case .float32, .tensorFloat32: HostArray.pack([Float](repeating: .nan, count: count))
        case .float64: HostArray.pack([Double](repeating: .nan, count: count))
        case .float16: HostArray.pack([UInt16](repeating: Float16.nan.bitPattern, count: count))
        case .bfloat16: HostArray.pack([UInt16](repeating: 0x7FC0, count: count))
        case .int8: [UInt8](repeating: 0x80, count: count)
        case .int32: HostArray.pack([Int32](repeating: .min, count: count))
        case .e4m3: [UInt8](repeating: 0x7F, count: count)
        }
    }

    /// The bits of one `value` (already rounded to the format), in the low `bytes` bytes.
    func bits(_ value: Double, fp8: FP8Encoding) -> UInt32 {
        switch self {
        case .float16: UInt32(Float16(Float(value)).bitPattern)
        case .bfloat16: Float(value).bitPattern >> 16
        case .float32, .tensorFloat32: Float(value).bitPattern
        case .int8: UInt32(UInt8(bitPattern: Int8(value)))
        case .int32: UInt32(bitPattern: Int32(value))
        case .e4m3: UInt32(PackedElements.e4m3(Float(value), encoding: fp8))
        case .float64: 0
        }
    }
}

/// Conversions between Suanli's Double test data and a device's storage type.
enum HostArray {
    /// `values` as the bytes of `precision`'s input storage type (fp8 as OCP e4m3).
    static func bytes(_ values: [Double], _ precision: Precision) -> [UInt8] { precision.traits.input.encode(values) }

    /// `count` poison elements in `precision`'s input storage type: poison for outputs.
    static func poison(count: Int, _ precision: Precision) -> [UInt8] { precision.traits.input.poison(count: count) }

    /// A buffer of `precision`'s input storage type read back as Double.
    static func values(_ bytes: [UInt8], _ precision: Precision) -> [Double] { precision.traits.input.decode(bytes) }

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
    var outputBytes: Int { precision.traits.output.bytes }

    /// A (row-major M × K) as Mp × Kp elements.
    func packA(_ a: [Double]) -> [UInt8] {
        pack(rows: m, cols: k, rowStride: kp, total: mp * kp) { i, p in a[i * k + p] }
    }

    /// B (row-major K × N) transposed to Np × Kp elements: row j holds column j of B.
    func packB(_ b: [Double]) -> [UInt8] {
        pack(rows: n, cols: k, rowStride: kp, total: np * kp) { j, p in b[p * n + j] }
    }

    private func pack(rows: Int, cols: Int, rowStride: Int, total: Int, _ value: (Int, Int) -> Double) -> [UInt8] {
        let format = precision.traits.input, size = format.bytes
        var out = [UInt8](repeating: 0, count: total * size)
        for r in 0..<rows {
            for c in 0..<cols {
                var bits = format.bits(value(r, c), fp8: fp8)
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
        return precision.traits.output.encode(full)
    }

    /// Every element of C poisoned: NaN, or Int32.min for int8 (out of reach of its results).
    func poisonC() -> [UInt8] { precision.traits.output.poison(count: mp * np) }

    /// The M × N part of C, as Double.
    func unpackC(_ bytes: [UInt8]) -> [Double] {
        let all = precision.traits.output.decode(bytes)
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { c[i * n + j] = all[i * np + j] } }
        return c
    }
}
