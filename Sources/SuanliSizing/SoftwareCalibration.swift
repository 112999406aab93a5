#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SuanliSchema

/// How fast one software stack runs the work the models time, relative to the models (1 each when
/// uncalibrated). Kernel time divides by `compute` (GEMMs, attention) or `memoryBound` (norms,
/// activations, softmax, loss, optimizer); collective time by `communication`.
public struct SoftwareEfficiency: Sendable, Equatable {
    public var compute: Double
    public var memoryBound: Double
    public var communication: Double

    public init(compute: Double = 1, memoryBound: Double = 1, communication: Double = 1) {
        self.compute = compute
        self.memoryBound = memoryBound
        self.communication = communication
    }

    public var isIdentity: Bool { compute == 1 && memoryBound == 1 && communication == 1 }
}

/// Writes a file's bytes; injected so tests need no files on disk.
public typealias FileWriter = @Sendable (String, Data) throws -> Void

/// Writes atomically (a temporary file renamed over the path); a one-line `SizingError.data` when it cannot.
public let writeFileToDisk: FileWriter = { path, data in
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw SizingError.data("cannot write '\(path)' (\(error))")
    }
}

/// A software calibration from one measured run: `size step --measured-iteration S
/// --save-calibration FILE` or `size serve --measured-tps N --save-calibration FILE` writes it;
/// `--calibration FILE` applies it to another configuration.
///
/// One measurement fixes one degree of freedom, so the split between the factors is a rule, not a
/// fit. The rule: the measured run's gap to the model is put on the device's kernels — compute and
/// memory-bound alike, one factor `s` for both — and communication stays at the link model (its
/// bandwidths and efficiencies come from nccl-tests measurements, not from the stack). Rationale:
/// the stacks that run far below the model (DeepSpeed's BLOOM and MT-NLG runs against Megatron-LM
/// on the same A100s and models) differ in their kernels (fusions, attention, optimizer), while NCCL
/// and the network are the same. Serving likewise scales the attained fractions of the compute and
/// bandwidth ceilings by one factor.
@MemberwiseInit
public struct SoftwareCalibration: Sendable, Equatable {
    public static let schema = "suanli.software-calibration/1"
    public enum Kind: String, Sendable { case step, serve }

    public var kind: Kind
    /// Step: the factors. Serve: `compute` and `memoryBound` hold the scale on the attained
    /// fractions of the compute and bandwidth ceilings; `communication` is 1.
    public var factors: SoftwareEfficiency
    /// The measured figure (iteration seconds, or output tokens/s per device) and the model's
    /// uncalibrated prediction of it.
    public var measured: Double
    public var predictedUncalibrated: Double
    /// The hardware the measurement ran on (the model's device name).
    public var hardware: String
    /// The measured configuration, as the report's `inputs` object.
    public var config: JSONValue

    public static let rule =
        "one measurement fits one factor: the device's kernels (compute and memory-bound) share it; communication stays at the link model (nccl-tests figures)"

    public var json: JSONValue {
        let measuredKey = kind == .step ? "iteration_seconds" : "output_tokens_per_second_per_device"
        return .object([
            ("schema", .string(Self.schema)),
            ("kind", .string(kind.rawValue)),
            ("factors", .object([
                ("compute", .number(factors.compute)), ("memory_bound", .number(factors.memoryBound)),
                ("communication", .number(factors.communication)),
            ])),
            ("rule", .string(Self.rule)),
            ("measured", .object([(measuredKey, .number(measured))])),
            ("predicted_uncalibrated", .object([(measuredKey, .number(predictedUncalibrated))])),
            ("hardware", .string(hardware)),
            ("config", config),
        ])
    }

    /// Writes the calibration as JSON, atomically.
    public func save(to path: String, write: FileWriter) throws {
        try write(path, Data((json.rendered() + "\n").utf8))
    }

    /// Reads a file written by `save`; a one-line data error (exit 65) for anything else.
    public static func load(_ path: String, kind: Kind, readFile: FileReader) throws -> SoftwareCalibration {
        let data: Data
        do { data = try readFile(path) } catch {
            throw SizingError.data("cannot read calibration file '\(path)' (missing or not readable)")
        }
        struct Stored: Decodable {
            struct Factors: Decodable { var compute: Double?; var memory_bound: Double?; var communication: Double? }
            var schema: String?
            var kind: String?
            var factors: Factors?
            var measured: [String: Double]?
            var predicted_uncalibrated: [String: Double]?
            var hardware: String?
            var config: DecodedJSON?
        }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: data) else {
            throw SizingError.data("\(path) is not a calibration file written by --save-calibration (not JSON, or fields of the wrong type)")
        }
        guard stored.schema == schema else {
            throw SizingError.data("\(path) is not a software calibration (schema \(schema))")
        }
        guard let k = stored.kind.flatMap(Kind.init(rawValue:)), k == kind else {
            let other = kind == .step ? "serve" : "step"
            throw SizingError.data("\(path) calibrates 'size \(other)', not 'size \(kind.rawValue)'")
        }
        func positive(_ value: Double?, _ name: String) throws -> Double {
            guard let v = value, v > 0, v.isFinite else {
                throw SizingError.data("\(path): \(name) must be a number greater than 0")
            }
            return v
        }
        let factors = SoftwareEfficiency(
            compute: try positive(stored.factors?.compute, "factors.compute"),
            memoryBound: try positive(stored.factors?.memory_bound, "factors.memory_bound"),
            communication: try positive(stored.factors?.communication, "factors.communication"))
        let key = kind == .step ? "iteration_seconds" : "output_tokens_per_second_per_device"
        let measured = try positive(stored.measured?[key], "measured.\(key)")
        let predicted = try positive(stored.predicted_uncalibrated?[key], "predicted_uncalibrated.\(key)")
        return SoftwareCalibration(
            kind: kind, factors: factors, measured: measured, predictedUncalibrated: predicted,
            hardware: stored.hardware ?? "", config: stored.config?.value ?? .null)
    }

    /// The factor `s` in (low, high) with f(s) = target, for f monotonic in s, by bisection in log s.
    /// Nil when the target lies outside f's range over the interval.
    static func solve(target: Double, low: Double, high: Double, increasing: Bool, _ f: (Double) throws -> Double) rethrows -> Double? {
        var lo = log(low), hi = log(high)
        let fLo = try f(low), fHi = try f(high)
        let (minimum, maximum) = increasing ? (fLo, fHi) : (fHi, fLo)
        guard target >= minimum, target <= maximum else { return nil }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            let v = try f(exp(mid))
            if (v < target) == increasing { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 { break }
        }
        return exp((lo + hi) / 2)
    }
}

/// Any JSON value, decoded (object keys sorted).
struct DecodedJSON: Decodable {
    var value: JSONValue

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .null }
        else if let b = try? c.decode(Bool.self) { value = .bool(b) }
        else if let n = try? c.decode(Double.self) { value = .number(n) }
        else if let s = try? c.decode(String.self) { value = .string(s) }
        else if let a = try? c.decode([DecodedJSON].self) { value = .array(a.map(\.value)) }
        else {
            let o = try c.decode([String: DecodedJSON].self)
            value = .object(o.keys.sorted().map { ($0, o[$0]!.value) })
        }
    }
}

extension SoftwareCalibration {
    /// Checks the calibration options (`checkOptions`) and reads the calibration `--calibration`
    /// names, if any: a bad file is a data error before any model runs.
    static func requested(
        _ kind: Kind, measured: Bool, save: String?, apply path: String?, readFile: FileReader
    ) throws -> SoftwareCalibration? {
        try checkOptions(kind, measured: measured, save: save != nil, apply: path != nil)
        return try path.map { try load($0, kind: kind, readFile: readFile) }
    }

    /// The options of a calibration: the measured figure (`--measured-iteration SECONDS` for the
    /// step model, `--measured-tps N` for serving) and --save-calibration make one and go together;
    /// --calibration applies one and excludes them.
    static func checkOptions(_ kind: Kind, measured: Bool, save: Bool, apply: Bool) throws {
        let (measuredOption, value, saves) = switch kind {
        case .step: ("--measured-iteration", "SECONDS", "the measured run's software efficiencies are")
        case .serve: ("--measured-tps", "N", "the measured engine's efficiency is")
        }
        if measured != save {
            throw SizingError.usage("\(measuredOption) \(value) and --save-calibration FILE go together: \(saves) saved to FILE")
        }
        if apply && measured {
            throw SizingError.usage("--calibration applies a saved calibration; \(measuredOption) makes one: give one or the other")
        }
    }
}
