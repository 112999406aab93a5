/// The sizing side's one precision vocabulary: the catalog's datasheet precisions, and the two
/// the bench measures that only `--calibrate` training takes (`mixed`, `fp64`). Each case's
/// bytes, catalog key and bench (result-file) precision are here and nowhere else.
public enum SizingPrecision: String, CaseIterable, Codable, Sendable {
    // The catalog's precisions, in datasheet order (`densePrecisions`, `size devices`).
    case fp32, tf32, bf16, fp16, fp8, int8
    /// The bench's fp16 inputs with fp32 accumulation: the catalog's fp16 peak.
    case mixed
    /// The bench's fp64 GEMM: no catalog peak.
    case fp64

    /// The precisions a catalog entry lists dense peaks for, in datasheet order.
    public static let catalogCases: [SizingPrecision] = [.fp32, .tf32, .bf16, .fp16, .fp8, .int8]

    /// A catalog entry's default precision: the first of these it has a dense peak for.
    public static let defaultOrder: [SizingPrecision] = [.bf16, .fp16, .fp8, .tf32, .fp32]

    /// What `--precision` accepts with `--calibrate` (training), in the order the error lists them.
    public static let trainingCases: [SizingPrecision] = [.bf16, .fp16, .fp8, .tf32, .fp32, .mixed, .fp64]

    /// What `--precision` / `--kv-precision` accept when serving, in the order the error lists them.
    public static let servingCases: [SizingPrecision] = [.fp16, .bf16, .fp8, .int8]

    /// Result-file precisions tried, in order, when none is asked for: `mixed` (fp16 inputs,
    /// fp32 accumulation) is what mixed-precision training runs on.
    public static let benchDefaultOrder: [SizingPrecision] = [.mixed, .fp16, .fp32]

    /// Bytes per stored value.
    public var bytes: Double {
        switch self {
        case .fp64: 8
        case .fp32, .tf32: 4
        case .bf16, .fp16, .mixed: 2
        case .fp8, .int8: 1
        }
    }

    /// An 8-bit format (quantized weights).
    public var isEightBit: Bool { bytes == 1 }

    /// The key of the catalog's `dense_tflops` for it (`mixed` is the catalog's fp16); nil for fp64.
    public var catalogKey: String? {
        switch self {
        case .mixed: SizingPrecision.fp16.rawValue
        case .fp64: nil
        default: rawValue
        }
    }

    /// The bench's (result file's) name for a GEMM in this precision: the bench measures every case.
    public var benchName: String { rawValue }

    /// The bench GEMM training at this precision runs: fp16 and mixed training multiply fp16
    /// with fp32 accumulation, the bench's `mixed`; the others keep their name.
    public var trainingBenchName: String {
        self == .fp16 ? SizingPrecision.mixed.benchName : benchName
    }

    /// Whether the bench measures it on a tensor or matrix engine (all but fp32 and fp64).
    public var isMatrixType: Bool { self != .fp32 && self != .fp64 }

    /// The precision of a result file's GEMM (`precision` of a measurement); nil for a name the
    /// sizing side does not know.
    public init?(bench name: String) {
        guard let p = SizingPrecision.allCases.first(where: { $0.benchName == name }) else { return nil }
        self = p
    }

    /// A catalog precision by its key; nil for anything else (`mixed`, `fp64` included).
    public init?(catalogKey key: String) {
        guard let p = SizingPrecision.catalogCases.first(where: { $0.catalogKey == key }) else { return nil }
        self = p
    }

    /// Parses serving's `--precision` / `--kv-precision` (any case); a usage error naming the option otherwise.
    public static func serving(_ raw: String, option: String) throws(SizingError) -> SizingPrecision {
        guard let p = servingCases.first(where: { $0.rawValue == raw.lowercased() }) else {
            throw SizingError.usage(
                "\(option) must be one of \(servingCases.map(\.rawValue).joined(separator: ", ")), got '\(raw)'")
        }
        return p
    }

    /// Parses training's `--precision` with `--calibrate`.
    public static func training(_ raw: String) throws(SizingError) -> SizingPrecision {
        guard let p = trainingCases.first(where: { $0.rawValue == raw }) else {
            throw SizingError.usage(
                "--precision must be one of \(trainingCases.map(\.rawValue).joined(separator: ", ")) with --calibrate, got '\(raw)'")
        }
        return p
    }

    /// Training's bench GEMM name for a precision as given (a user's `--precision` or a result
    /// file's): a name the sizing side does not know is the bench's as it stands.
    public static func trainingBenchName(_ raw: String) -> String {
        SizingPrecision(rawValue: raw)?.trainingBenchName ?? raw
    }
}
