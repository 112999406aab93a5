#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliSchema

/// The parts of a `suanli bench` result file that sizing needs, read through SuanliCore's
/// `ResultDocument` (the one declaration of the schema, `suanli.result/1` and `/2`, single-machine or
/// cluster): a flat view with units and statuses as text, so the sizing rules stay plain.
public struct ResultFile: Sendable {
    public struct Device: Sendable {
        public var id: String
        public var backend: String?
        public var type: String?
        public var name: String?
        public var vendor: String?
        public var globalMemoryBytes: Double?
    }

    public struct Measurement: Sendable {
        public var device: String
        public var suite: String
        public var kernel: String?
        public var precision: String?
        public var unit: String?
        public var median: Double?
        public var verified: Bool?
        public var status: String?
        public var size: [String: Double]?
        /// The theoretical peak at this precision in `unit`, where the bench could derive it.
        public var theoreticalPeak: Double?
        /// Kernel parameters (the tuned configuration; `sweep` marks GEMM sweep points).
        public var parameters: [String: String]?
        /// Energy over the timed runs, when a power sensor measured them (`suanli bench` with a sensor).
        public var energy: Energy?

        public struct Energy: Sendable {
            public var avgWatts: Double?
            public var source: String?
            public var scope: String?
        }

        /// Only measurements that ran, were checked, and were not flagged count.
        public var usable: Bool {
            status == "ok" && verified == true && (median.map { $0.isFinite && $0 > 0 } ?? false)
        }
    }

    public var schema: String?
    public var devices: [Device]
    public var measurements: [Measurement]
    /// Distinct hosts of a cluster run's ranks; 1 for a single-machine file.
    public var hosts: Int

    /// The view of a decoded document.
    public init(_ document: ResultDocument) {
        schema = document.schema
        devices = document.devices.map {
            Device(id: $0.id, backend: $0.backend.rawValue, type: $0.type, name: $0.name, vendor: $0.vendor,
                   globalMemoryBytes: Double($0.globalMemoryBytes))
        }
        measurements = document.measurements.map { m in
            Measurement(
                device: m.device, suite: m.suite.rawValue, kernel: m.kernel, precision: m.precision?.rawValue,
                unit: m.unit.rawValue, median: m.median, verified: m.verified, status: m.status.rawValue,
                size: m.size.mapValues(Double.init), theoreticalPeak: m.theoreticalPeak, parameters: m.parameters,
                energy: m.energy.map { Measurement.Energy(avgWatts: $0.avgWatts, source: $0.source, scope: $0.scope.rawValue) })
        }
        hosts = max(Set((document.ranks ?? []).map(\.host.hostname)).count, 1)
    }

    /// Decodes a result file with SuanliCore's reader; a one-line `SizingError.data` naming the file otherwise.
    public static func decode(_ data: Data, name: String) throws -> ResultFile {
        do {
            return ResultFile(try ResultStore.decode(data, name: name))
        } catch let error as BenchmarkError {
            throw SizingError.data(error.description)
        } catch let error as ResultValidationError {
            // Impossible figures (negative rates, NaN samples, …): refused as is, exit 5.
            throw error
        } catch {
            throw SizingError.data("\(name) is not a suanli result file")
        }
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
    /// Average watts measured over the calibrating GEMM (its `energy`), where a sensor measured it.
    public var powerWatts: Double? = nil
    public var powerDetail: String? = nil
    /// How the GEMM rate was found, once ``rate(_:name:deviceID:precision:accelerator:catalog:)``
    /// has been adopted; nil for the best GEMM at a bench precision as measured.
    public var rateBasis: CalibratedRate.Basis? = nil

    /// Result-file precisions tried, in order, when none is asked for: `mixed` (fp16
    /// inputs, fp32 accumulation) is what mixed-precision training runs on.
    public static let defaultPrecisionOrder = SizingPrecision.benchDefaultOrder.map(\.benchName)

    /// Maps a `--precision` to the result file's name for it (fp16 training is the bench's
    /// `mixed`; bf16, fp8 and tf32 have their own GEMMs).
    public static func resultPrecision(for requested: String) -> String {
        SizingPrecision.trainingBenchName(requested)
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

        var gemms: [(precision: String, tflops: Double, detail: String, energy: ResultFile.Measurement.Energy?)] = []
        for m in usable where m.suite == "gemm" {
            guard let p = m.precision, let median = m.median, let scale = flopsScale(m.unit) else { continue }
            gemms.append((p, median * scale, "\(m.kernel ?? "gemm") \(p) median \(Format.number(median)) \(m.unit ?? "")", m.energy))
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
        if let watts = best.energy?.avgWatts, watts.isFinite, watts > 0 {
            calibration.powerWatts = watts
            let scope = best.energy?.scope == "whole-node" ? ", whole node" : ""
            calibration.powerDetail = "measured \(Format.number(watts)) W over \(best.detail) "
                + "(\(best.energy?.source ?? "sensor")\(scope)) in \(name)"
        }
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

/// How a calibrated rate at a training precision was found (`rate_basis` in the JSON).
public struct CalibratedRate: Sendable {
    public enum Basis: String, Sendable {
        /// A verified GEMM at that precision on the device's tensor or matrix engine (or, for
        /// fp32 and fp64, and on CPUs, its vector units).
        case measured
        /// No such GEMM: a measured GEMM's fraction of its theoretical peak × the catalog's dense
        /// peak at the requested precision.
        case extrapolated
    }
    public var basis: Basis
    /// The requested precision, in catalog names (bf16, fp16, fp8, tf32, fp32) or the bench's (mixed, fp64).
    public var precision: String
    /// The bench's name for it (fp16 and mixed training are the bench's `mixed`: fp16 in, fp32 accumulate).
    public var resultPrecision: String
    public var tflops: Double
    /// One line for the sources and the table.
    public var detail: String
    /// The verified GEMMs at `resultPrecision` that qualify (measured), for a rate curve by shape.
    public var measurements: [ResultFile.Measurement]
    /// Extrapolated: the measurement's fraction of its peak, and the catalog's dense peak.
    public var efficiency: Double?
    public var catalogPeakTFLOPS: Double?
    /// The measurement the rate comes from (the best measured one, or the extrapolation's reference).
    public var source: ResultFile.Measurement?
}

extension Calibration {
    /// The training precisions `--calibrate` accepts.
    public static var trainingPrecisions: [String] { SizingPrecision.trainingCases.map(\.rawValue) }

    /// The rate a result file supports at a training precision, never a CUDA-core rate for a
    /// tensor-core type in silence:
    /// - **measured**: the best verified GEMM at that precision whose `parameters.engine` is
    ///   `tensor` or `matrix` (for fp32 and fp64, and on CPU devices, any engine);
    /// - **extrapolated**: else the best measured GEMM efficiency (median over the bench's
    ///   theoretical peak for that measurement, engine GEMMs preferred) × the catalog's dense peak
    ///   at the requested precision, for `accelerator` (`--device`) or the catalog entry whose
    ///   name the file's device has;
    /// - else a one-line `SizingError.data` (exit 65) naming the missing tensor-core measurement.
    public static func rate(
        _ file: ResultFile, name: String, deviceID: String, precision requested: String,
        accelerator: Accelerator?, catalog: Catalog?
    ) throws -> CalibratedRate {
        let device = file.devices.first { $0.id == deviceID }
        let label = device?.name.map { "\(deviceID) (\($0))" } ?? deviceID
        let isCPU = device?.type?.lowercased() == "cpu"
        // The requested precision as the sizing side knows it (nil for a result file's name it does not).
        let known = SizingPrecision(rawValue: requested)
        let wanted = SizingPrecision.trainingBenchName(requested)
        let matrixType = SizingPrecision(bench: wanted)?.isMatrixType ?? true
        let gemms = file.measurements.filter { $0.device == deviceID && $0.suite == "gemm" && $0.usable && tflops($0) > 0 }
        func engine(_ m: ResultFile.Measurement) -> String { m.parameters?["engine"]?.lowercased() ?? "vector" }
        func onEngine(_ m: ResultFile.Measurement) -> Bool { ["tensor", "matrix"].contains(engine(m)) }

        let qualifying = gemms.filter { $0.precision == wanted && (!matrixType || isCPU || onEngine($0)) }
        if let best = qualifying.max(by: { tflops($0) < tflops($1) }) {
            let detail = "\(best.kernel ?? "gemm") \(wanted) on the \(engine(best)) engine, median "
                + "\(Format.number(best.median ?? 0)) \(best.unit ?? "")"
            return CalibratedRate(basis: .measured, precision: requested, resultPrecision: wanted, tflops: tflops(best),
                                  detail: detail, measurements: qualifying, source: best)
        }

        let what = matrixType ? "\(wanted) tensor-core or matrix-core GEMM" : "\(wanted) GEMM"
        let have = Set(gemms.map { "\($0.precision ?? "?") (\(engine($0)))" }).sorted().joined(separator: ", ")
        let missing = "\(name) has no verified \(what) for \(label) (measured: \(have.isEmpty ? "none" : have))"
        let measureHint = "measure it with 'suanli bench --suite gemm --precision \(wanted)' on the device"
        let catalogEntry = accelerator ?? device?.name.flatMap { catalog?.match(deviceName: $0) }
        guard let a = catalogEntry else {
            throw SizingError.data("\(missing), and its device is not a catalog entry to extrapolate to (give --device NAME); \(measureHint)")
        }
        // A name the sizing side does not know is no catalog key either: no peak.
        guard let p = known, let catalogName = p.catalogKey, let peak = a.dense(p) else {
            throw SizingError.data("\(missing), and catalog \(a.id) has no dense \(known.flatMap(\.catalogKey) ?? wanted) peak to extrapolate to; \(measureHint)")
        }
        func fraction(_ m: ResultFile.Measurement) -> Double? {
            guard let median = m.median, let tp = m.theoreticalPeak, tp > 0, median / tp <= 1 else { return nil }
            return median / tp
        }
        let withPeak = gemms.filter { fraction($0) != nil }
        let preferred = withPeak.filter(onEngine)
        guard let reference = (preferred.isEmpty ? withPeak : preferred).max(by: { fraction($0)! < fraction($1)! }),
              let efficiency = fraction(reference) else {
            throw SizingError.data("\(missing), and no verified GEMM with a theoretical peak to take an efficiency from; \(measureHint)")
        }
        let rate = efficiency * peak.value
        let detail = "extrapolated: \(reference.precision ?? "?") GEMM on the \(engine(reference)) engine at "
            + "\(Format.number(efficiency * 100, decimals: 1))% of its peak × catalog \(a.id) dense \(catalogName) "
            + "\(Format.number(peak.value)) TFLOPS (\(peak.citation)); no \(what) was measured"
        return CalibratedRate(basis: .extrapolated, precision: requested, resultPrecision: wanted, tflops: rate, detail: detail,
                              measurements: [], efficiency: efficiency, catalogPeakTFLOPS: peak.value, source: reference)
    }

    /// A measurement's rate in TFLOP/s (0 for other units).
    static func tflops(_ m: ResultFile.Measurement) -> Double {
        guard let median = m.median, let scale = flopsScale(m.unit) else { return 0 }
        return median * scale
    }

    /// Takes the rate, detail and (measured) power of `rate` into this calibration.
    public mutating func adopt(_ rate: CalibratedRate) {
        precision = rate.resultPrecision
        gemmTFLOPS = rate.tflops
        gemmDetail = rate.detail
        rateBasis = rate.basis
        powerWatts = nil
        powerDetail = nil
        if let source = rate.source, let energy = source.energy, let watts = energy.avgWatts, watts.isFinite, watts > 0 {
            powerWatts = watts
            let scope = energy.scope == "whole-node" ? ", whole node" : ""
            powerDetail = "measured \(Format.number(watts)) W over \(source.kernel ?? "gemm") \(source.precision ?? "") "
                + "(\(energy.source ?? "sensor")\(scope)) in \(file)"
        }
    }
}
