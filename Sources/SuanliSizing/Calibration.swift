#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts of a `suanli bench` result file (`suanli.result/1` and `/2`, single-machine or cluster) that sizing needs.
/// Unknown keys are ignored, and every field that sizing can do without is optional,
/// so the reader keeps working as the result format grows.
public struct ResultFile: Decodable, Sendable {
    public struct Device: Decodable, Sendable {
        public var id: String
        public var backend: String?
        public var type: String?
        public var name: String?
        public var vendor: String?
        public var globalMemoryBytes: Double?

        enum CodingKeys: String, CodingKey {
            case id, backend, type, name, vendor
            case globalMemoryBytes = "global_memory_bytes"
        }
    }

    public struct Measurement: Decodable, Sendable {
        public var device: String
        public var suite: String
        public var kernel: String?
        public var precision: String?
        public var unit: String?
        public var median: Double?
        public var verified: Bool?
        public var status: String?
        public var size: [String: Double]?
        /// Median over the device's theoretical peak at this precision (schema 2); nil when unknown.
        public var fractionOfPeak: Double?
        /// Kernel parameters; `engine` says which units ran it (`tensor`, `matrix`, `vector`).
        public var parameters: Parameters?

        public struct Parameters: Decodable, Sendable {
            public var engine: String?
        }

        enum CodingKeys: String, CodingKey {
            case device, suite, kernel, precision, unit, median, verified, status, size, parameters
            case fractionOfPeak = "fraction_of_peak"
        }

        /// Only measurements that ran, were checked, and were not flagged count.
        public var usable: Bool {
            status == "ok" && verified == true && (median.map { $0.isFinite && $0 > 0 } ?? false)
        }
    }

    public var schema: String?
    public var devices: [Device]
    public var measurements: [Measurement]

    enum CodingKeys: String, CodingKey { case schema, devices, measurements }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decodeIfPresent(String.self, forKey: .schema)
        devices = try container.decodeIfPresent([Device].self, forKey: .devices) ?? []
        measurements = try container.decodeIfPresent([Measurement].self, forKey: .measurements) ?? []
    }

    /// Decodes a result file; a one-line `SizingError.data` naming the file otherwise.
    public static func decode(_ data: Data, name: String) throws -> ResultFile {
        let file: ResultFile
        do {
            file = try JSONDecoder().decode(ResultFile.self, from: data)
        } catch {
            throw SizingError.data("\(name) is not a suanli result file: \(describe(error))")
        }
        if let schema = file.schema, !schema.hasPrefix("suanli.result/") {
            throw SizingError.data("\(name) has schema '\(schema)', expected suanli.result/N")
        }
        return file
    }
}

/// What a result file says one device sustains, and where each number came from.
public struct Calibration: Sendable, Equatable {
    public var file: String
    public var deviceID: String
    public var deviceName: String?
    /// The result-file precision the GEMM rate was taken at (`mixed`, `fp16`, `fp32`, `fp64`).
    public var precision: String
    /// Best verified GEMM median at `precision`, in TFLOP/s.
    public var gemmTFLOPS: Double
    /// The kernel and size of that best GEMM, for the sources line.
    public var gemmDetail: String
    /// Best verified stream bandwidth (copy or triad), GB/s; `nil` when not measured.
    public var streamGBps: Double?
    public var streamDetail: String?
    /// Device memory reported by the backend, GB (1e9 bytes).
    public var memoryGB: Double?
    /// Measured all-reduce bus bandwidth of a cluster run (`suanli bench --mpi`), GB/s, at the
    /// largest message measured; `nil` for single-machine files.
    public var busGBps: Double? = nil
    public var busDetail: String? = nil

    /// Result-file precisions tried, in order, when none is asked for: `mixed` (fp16
    /// inputs, fp32 accumulation) is what mixed-precision training runs on.
    public static let defaultPrecisionOrder = ["mixed", "fp16", "fp32"]

    /// Maps a `--precision` to the result file's name for it. The bench has no bf16
    /// kernel; `bf16` maps to `mixed` (16-bit inputs, fp32 accumulation), its closest measure.
    public static func resultPrecision(for requested: String) -> String {
        requested == "bf16" ? "mixed" : requested
    }

    /// Reads the calibration for one device.
    /// - Parameters:
    ///   - deviceID: `--calibrate-device`; default the only device, else the only GPU.
    ///   - precision: `--precision`; default the first of `defaultPrecisionOrder` measured.
    ///   - requireGEMM: training and serving both need the GEMM rate.
    public static func from(
        _ file: ResultFile, name: String, deviceID: String?, precision: String?
    ) throws -> Calibration {
        let ids = orderedDeviceIDs(file)
        guard !ids.isEmpty else {
            throw SizingError.data("\(name) lists no devices and no measurements")
        }
        let chosen: String
        if let deviceID {
            guard ids.contains(deviceID) else {
                throw SizingError.usage(
                    "--calibrate-device '\(deviceID)' is not in \(name); devices: \(ids.joined(separator: ", "))")
            }
            chosen = deviceID
        } else if ids.count == 1 {
            chosen = ids[0]
        } else if let slowest = slowestOfIdenticalDevices(file) {
            // A cluster file of identical devices: synchronous steps run at the slowest one's pace.
            chosen = slowest
        } else {
            let gpus = file.devices.filter { $0.type?.lowercased() == "gpu" }.map(\.id)
            guard gpus.count == 1 else {
                throw SizingError.usage(
                    "\(name) holds several devices; pick one with --calibrate-device: \(ids.joined(separator: ", "))")
            }
            chosen = gpus[0]
        }
        let device = file.devices.first { $0.id == chosen }
        let usable = file.measurements.filter { $0.device == chosen && $0.usable }

        var gemms: [(precision: String, tflops: Double, detail: String)] = []
        for m in usable where m.suite == "gemm" {
            guard let p = m.precision, let median = m.median, let scale = flopsScale(m.unit) else { continue }
            gemms.append((p, median * scale, "\(m.kernel ?? "gemm") \(p) median \(Format.number(median)) \(m.unit ?? "")"))
        }
        let measured = Set(gemms.map(\.precision))
        let label = device?.name.map { "\(chosen) (\($0))" } ?? chosen
        guard !measured.isEmpty else {
            throw SizingError.data("\(name) has no verified GEMM measurement with status ok for device \(label)")
        }
        let wanted: String
        if let precision {
            wanted = resultPrecision(for: precision)
            guard measured.contains(wanted) else {
                let have = measured.sorted().joined(separator: ", ")
                throw SizingError.data(
                    "\(name) has no verified \(wanted) GEMM for \(label) (--precision \(precision)); measured: \(have)")
            }
        } else if let first = defaultPrecisionOrder.first(where: measured.contains) {
            wanted = first
        } else {
            wanted = measured.sorted()[0]
        }
        let best = gemms.filter { $0.precision == wanted }.max { $0.tflops < $1.tflops }!

        var stream: (gbps: Double, detail: String)?
        for m in usable where m.suite == "stream" && ["copy", "triad"].contains(m.kernel ?? "") {
            guard let median = m.median, let scale = bytesScale(m.unit) else { continue }
            let gbps = median * scale
            if stream == nil || gbps > stream!.gbps {
                stream = (gbps, "stream \(m.kernel ?? "") median \(Format.number(median)) \(m.unit ?? "")")
            }
        }
        let memory = device?.globalMemoryBytes.flatMap { $0 > 0 ? $0 / 1e9 : nil }
        var calibration = Calibration(
            file: name, deviceID: chosen, deviceName: device?.name, precision: wanted,
            gemmTFLOPS: best.tflops, gemmDetail: best.detail,
            streamGBps: stream?.gbps, streamDetail: stream?.detail, memoryGB: memory)
        // Cluster files: the all-reduce bus bandwidth at the largest message (the gradient regime).
        let allreduce = file.measurements.filter { $0.suite == "allreduce" && $0.kernel == "allreduce-busbw" && $0.usable }
        if let largest = allreduce.max(by: { ($0.size?["bytes"] ?? 0) < ($1.size?["bytes"] ?? 0) }),
           let median = largest.median, let scale = bytesScale(largest.unit) {
            let ranks = largest.size?["ranks"].map { Int($0) }.map { " over \($0) ranks" } ?? ""
            calibration.busGBps = median * scale
            calibration.busDetail = "measured all-reduce busbw \(Format.number(median)) GB/s at \(Format.number((largest.size?["bytes"] ?? 0) / 1_048_576)) MiB\(ranks)"
        }
        return calibration
    }

    /// In a cluster file whose devices all have one name, the device with the lowest best GEMM.
    static func slowestOfIdenticalDevices(_ file: ResultFile) -> String? {
        let names = Set(file.devices.compactMap(\.name))
        guard file.devices.count > 1, names.count == 1 else { return nil }
        let best = file.devices.compactMap { device -> (String, Double)? in
            let rates = file.measurements.filter { $0.device == device.id && $0.suite == "gemm" && $0.usable }.compactMap(\.median)
            return rates.max().map { (device.id, $0) }
        }
        return best.min { $0.1 < $1.1 }?.0
    }

    /// Device ids in file order: the `devices` list, then any only named by measurements.
    static func orderedDeviceIDs(_ file: ResultFile) -> [String] {
        var ids = file.devices.map(\.id)
        for m in file.measurements where !ids.contains(m.device) { ids.append(m.device) }
        return ids
    }

    /// Multiplier from a rate unit to TFLOP/s; `nil` for units that are not FLOP rates.
    static func flopsScale(_ unit: String?) -> Double? {
        switch unit?.lowercased() {
        case "flop/s", "flops": return 1e-12
        case "mflop/s": return 1e-6
        case "gflop/s", "gflops": return 1e-3
        case "tflop/s", "tflops": return 1
        case "pflop/s", "pflops": return 1e3
        default: return nil
        }
    }

    /// Multiplier from a bandwidth unit to GB/s; `nil` for units that are not bandwidths.
    static func bytesScale(_ unit: String?) -> Double? {
        switch unit?.lowercased() {
        case "b/s": return 1e-9
        case "mb/s": return 1e-3
        case "gb/s": return 1
        case "tb/s": return 1e3
        default: return nil
        }
    }
}
