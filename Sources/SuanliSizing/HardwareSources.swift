#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the hardware options name, read once for every sizing model (size train's rate, size step,
/// size serve): the catalog entry of `--device`, the figures given on the command line, the result
/// file of `--calibrate` and its calibration. The models pick their figures from it, each with its
/// source; what only one model needs (its rate, its links, its precision) stays in its resolver.
struct HardwareSources {
    /// Figures given on the command line, as typed.
    struct Given: Sendable, Equatable {
        var peakTFLOPS: String?
        var bandwidthGBps: String?
        var memoryGB: String?
        var busGBps: String?
    }

    /// Where a figure came from.
    enum Basis: String {
        case given, measured, catalog
    }

    /// A figure and the text that says where it came from.
    struct Figure {
        var value: Double
        var basis: Basis
        var source: String
    }

    let accelerator: Accelerator?
    let calibratePath: String?
    let calibrateDevice: String?
    /// `--peak-tflops`, TFLOP/s.
    let givenPeakTFLOPS: Double?
    /// `--bandwidth-gbps`, GB/s.
    let givenBandwidthGBps: Double?
    /// `--memory-gb`, GB.
    let givenMemoryGB: Double?
    /// `--bus-gbps`, GB/s.
    let givenBusGBps: Double?
    /// The result file of `--calibrate` and its calibration, after `readMeasurements`.
    private(set) var file: ResultFile?
    private(set) var calibration: Calibration?

    /// The catalog lookup, the given figures (each a positive number) and the check every model
    /// shares, in that order.
    init(device: String?, calibrate: String?, calibrateDevice: String?, given: Given = Given(), catalog: Catalog) throws {
        accelerator = try device.map { try catalog.lookup($0) }
        givenPeakTFLOPS = try given.peakTFLOPS.map { try Quantity.positive($0, option: "--peak-tflops") }
        givenBandwidthGBps = try given.bandwidthGBps.map { try Quantity.positive($0, option: "--bandwidth-gbps") }
        givenMemoryGB = try given.memoryGB.map { try Quantity.positive($0, option: "--memory-gb") }
        givenBusGBps = try given.busGBps.map { try Quantity.positive($0, option: "--bus-gbps") }
        calibratePath = calibrate
        self.calibrateDevice = calibrateDevice
        try Self.check(calibrate: calibrate, calibrateDevice: calibrateDevice)
    }

    /// `--calibrate-device` picks a device of the `--calibrate` file.
    static func check(calibrate: String?, calibrateDevice: String?) throws {
        if calibrateDevice != nil && calibrate == nil {
            throw SizingError.usage("--calibrate-device needs --calibrate RESULTS.json")
        }
    }

    /// Reads the result file of `--calibrate` and its device's calibration; nothing without `--calibrate`.
    mutating func readMeasurements(readFile: FileReader) throws {
        guard let path = calibratePath else { return }
        let decoded = try ResultFile.decode(try readFile(path), name: path)
        file = decoded
        calibration = try Calibration.from(decoded, name: path, deviceID: calibrateDevice, precision: nil)
    }

    /// True when the calibrated device of the result file is a CPU.
    var measuredIsCPU: Bool {
        guard let file, let c = calibration else { return false }
        return file.devices.first { $0.id == c.deviceID }?.type?.lowercased() == "cpu"
    }

    /// Device memory in GB: `--memory-gb` (or `explicitGB`, where a model parses it itself), else the
    /// measured device, else the catalog.
    func memoryGB(explicit explicitGB: Double? = nil) -> Figure? {
        Self.memoryGB(explicit: explicitGB ?? givenMemoryGB, calibration: calibration, accelerator: accelerator)
    }

    static func memoryGB(explicit: Double?, calibration: Calibration?, accelerator: Accelerator?) -> Figure? {
        if let gb = explicit { return Figure(value: gb, basis: .given, source: "--memory-gb") }
        if let c = calibration, let gb = c.memoryGB {
            return Figure(value: gb, basis: .measured, source: "\(c.file): global_memory_bytes of \(c.deviceID)")
        }
        if let a = accelerator, let m = a.memoryGB {
            return Figure(value: m.value, basis: .catalog, source: "catalog \(a.id): \(m.citation)")
        }
        return nil
    }

    /// Memory bandwidth in GB/s: `--bandwidth-gbps` (or `explicit`), else the measured stream, else
    /// the catalog's HBM peak.
    func memoryBandwidthGBps(explicit: Double? = nil) -> Figure? {
        Self.memoryBandwidthGBps(explicit: explicit ?? givenBandwidthGBps, calibration: calibration, accelerator: accelerator)
    }

    static func memoryBandwidthGBps(explicit: Double?, calibration: Calibration?, accelerator: Accelerator?) -> Figure? {
        if let b = explicit { return Figure(value: b, basis: .given, source: "--bandwidth-gbps") }
        if let c = calibration, let s = c.streamGBps {
            return Figure(value: s, basis: .measured, source: "\(c.file): best verified \(c.streamDetail ?? "stream") of \(c.deviceID)")
        }
        if let a = accelerator, let b = a.memoryBandwidthGBps {
            return Figure(value: b.value, basis: .catalog, source: "catalog \(a.id) HBM bandwidth (peak): \(b.citation)")
        }
        return nil
    }

    /// The measured stream bandwidth of the calibrated device, bytes/s, and the measurement's detail.
    var measuredStream: (bytesPerSecond: Double, detail: String)? {
        guard let c = calibration, let stream = c.streamGBps else { return nil }
        return (stream * 1e9, c.streamDetail ?? "stream")
    }

    /// The catalog's bandwidth for memory-bound kernels and the GEMM roofline, bytes/s: the published
    /// STREAM/BabelStream figure where there is one, else the datasheet HBM peak (an upper bound).
    static func catalogBandwidth(_ a: Accelerator) -> (bytesPerSecond: Double, source: String)? {
        if let achievable = a.achievableBandwidthGBps {
            return (achievable.value * 1e9, "catalog \(a.id) achievable bandwidth: \(achievable.citation)")
        }
        guard let bw = a.memoryBandwidthGBps else { return nil }
        return (bw.value * 1e9, "catalog \(a.id) HBM peak (an upper bound for memory-bound kernels; no published stream figure): \(bw.citation)")
    }

    /// The verified all-reduce bus bandwidths of the result file (`allreduce-busbw`), bytes/s by
    /// message size, with the ranks each was measured over.
    var measuredBusPoints: [(bytes: Double, busBytesPerSecond: Double, ranks: Int)] {
        guard let file else { return [] }
        return file.measurements.filter { $0.suite == "allreduce" && $0.kernel == "allreduce-busbw" && $0.usable }
            .compactMap { m in
                guard let bytes = m.size?["bytes"], let median = m.median, let scale = Calibration.bytesScale(m.unit) else { return nil }
                return (bytes, median * scale * 1e9, Int(m.size?["ranks"] ?? 0))
            }
    }
}
