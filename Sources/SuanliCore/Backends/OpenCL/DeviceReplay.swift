import SuanliSchema
import OpenCLKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a replay file could not be used, in one line.
public struct DeviceReplayError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// A device dump: `{"devices": [ {attributes of one device}, … ]}` (``DeviceAttributes``).
public struct DeviceDump: Codable, Sendable, Equatable {
    public var devices: [DeviceAttributes]

    public init(devices: [DeviceAttributes]) { self.devices = devices }
}

/// `suanli devices --dump` and `--replay`: OpenCL attributes written to and read from a file,
/// so a device this machine does not have is judged exactly as a live one.
public enum DeviceReplay {
    /// Attributes that must be numbers (the rest named in a dump are strings, or lists of numbers).
    static let numericKeys: Set<String> = [
        "CL_DEVICE_VENDOR_ID", "CL_DEVICE_MAX_COMPUTE_UNITS", "CL_DEVICE_MAX_CLOCK_FREQUENCY", "CL_DEVICE_GLOBAL_MEM_SIZE",
        "CL_DEVICE_LOCAL_MEM_SIZE", "CL_DEVICE_MAX_MEM_ALLOC_SIZE", "CL_DEVICE_GLOBAL_MEM_CACHE_SIZE",
        "CL_DEVICE_MAX_WORK_GROUP_SIZE", "CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT", "CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE",
        "CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF", "CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT", "CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE",
        "CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF", "CL_DEVICE_DOUBLE_FP_CONFIG", "CL_DEVICE_HALF_FP_CONFIG",
        "CL_DEVICE_PROFILING_TIMER_RESOLUTION", "CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV", "CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV",
        "CL_DEVICE_SIMD_PER_COMPUTE_UNIT_AMD", "CL_DEVICE_SIMD_WIDTH_AMD", "CL_DEVICE_GFXIP_MAJOR_AMD", "CL_DEVICE_GFXIP_MINOR_AMD",
        "CL_DEVICE_PCIE_ID_AMD", "CL_DEVICE_IP_VERSION_INTEL", "CL_DEVICE_ID_INTEL", "CL_DEVICE_NUM_SLICES_INTEL",
        "CL_DEVICE_NUM_SUB_SLICES_PER_SLICE_INTEL", "CL_DEVICE_NUM_EUS_PER_SUB_SLICE_INTEL", "CL_DEVICE_NUM_THREADS_PER_EU_INTEL",
    ]
    static let listKeys: Set<String> = ["CL_DEVICE_MAX_WORK_ITEM_SIZES", "CL_DEVICE_SUB_GROUP_SIZES_INTEL"]

    /// The devices in a dump, as ``DeviceInfo`` with ids `replay:N`.
    public static func load(path: String) throws(DeviceReplayError) -> [DeviceInfo] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DeviceReplayError(message: "cannot read \(path): \(oneLine(error))")
        }
        return try decode(data, source: path).devices.enumerated().map { DeviceInfo(attributes: $1, id: "replay:\($0)") }
    }

    /// Parses and checks a dump: an object with a `devices` list of objects, each with a
    /// `CL_DEVICE_NAME` string and a known `CL_DEVICE_TYPE`, numbers where numbers belong.
    public static func decode(_ data: Data, source: String) throws(DeviceReplayError) -> DeviceDump {
        let dump: DeviceDump
        do { dump = try JSONDecoder().decode(DeviceDump.self, from: data) } catch {
            throw DeviceReplayError(message: "\(source) is not a device dump ({\"devices\": [{…}]}): \(oneLine(error))")
        }
        for (index, device) in dump.devices.enumerated() {
            let label = "\(source): device \(index)"
            guard device.string("CL_DEVICE_NAME") != nil else {
                throw DeviceReplayError(message: "\(label) has no CL_DEVICE_NAME string")
            }
            guard let type = device.string("CL_DEVICE_TYPE"), ["GPU", "CPU", "ACCELERATOR"].contains(type) else {
                throw DeviceReplayError(message: "\(label): CL_DEVICE_TYPE must be \"GPU\", \"CPU\" or \"ACCELERATOR\"")
            }
            for (key, value) in device.values.sorted(by: { $0.key < $1.key }) {
                if numericKeys.contains(key), value.int == nil {
                    throw DeviceReplayError(message: "\(label): \(key) must be a number")
                }
                if listKeys.contains(key), value.ints == nil {
                    throw DeviceReplayError(message: "\(label): \(key) must be a list of numbers")
                }
                if !numericKeys.contains(key), !listKeys.contains(key), key.hasPrefix("CL_"), value.string == nil {
                    throw DeviceReplayError(message: "\(label): \(key) must be a string")
                }
            }
            if let units = device.int("CL_DEVICE_MAX_COMPUTE_UNITS"), units < 0 {
                throw DeviceReplayError(message: "\(label): CL_DEVICE_MAX_COMPUTE_UNITS is negative")
            }
        }
        return dump
    }

    /// The dump as JSON text (keys sorted, numbers as numbers).
    public static func encode(_ dump: DeviceDump) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(dump)
    }

    /// Writes the dump atomically (a temporary file renamed over `path`).
    public static func write(_ dump: DeviceDump, to path: String) throws(DeviceReplayError) {
        do {
            var data = try encode(dump)
            data.append(0x0A)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DeviceReplayError(message: "cannot write \(path): \(oneLine(error))")
        }
    }

    static func oneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case DecodingError.dataCorrupted(let c): text = c.debugDescription + (c.underlyingError.map { " (\($0))" } ?? "")
        case DecodingError.keyNotFound(let key, _): text = "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c): text = "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        case DecodingError.valueNotFound(_, let c): text = "null at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// What Suanli derives from a device's attributes, live or replayed: stated peaks per precision
/// and engine, the bandwidth ceiling, the last-level cache used to size stream arrays, and the
/// kernel each precision would run with (or why it is skipped).
@SnakeCaseCodingKeys
public struct DeviceAnalysis: Sendable, Encodable {
    public struct Bandwidth: Sendable, Encodable {
        public var gbs: Double?
        public var basis: String
    }

    @SnakeCaseCodingKeys
    public struct EngineEntry: Sendable, Encodable, Equatable {
        public var suite: String
        public var precision: Precision
        /// `vector`, `tensor` or `matrix`; nil when skipped.
        public var engine: ComputeEngine?
        /// The kernel file and element define, or `gemm.cl`/`peak.cl` for the classic kernels.
        public var kernel: String?
        public var skipReason: String?
    }

    public struct Cache: Sendable, Encodable {
        public var bytes: Int
        public var basis: String
    }

    public var peaks: [StatedPeak]
    public var bandwidth: Bandwidth
    public var engines: [EngineEntry]
    public var lastLevelCache: Cache?

    public init(_ info: DeviceInfo, host: HostInfo? = nil) {
        let facts = ComputeDeviceFacts(info)
        let capabilities = EngineCapabilities(info)
        var peaks: [StatedPeak] = []
        // A CPU device's peaks rest on the host: its facts and clock reading, taken once.
        let cpuHost = info.type == .cpu ? (host ?? HostInfo.current()) : nil
        let clock = cpuHost.flatMap { CPUClockReading.best(host: $0) }
        for precision in [Precision.fp32, .fp64, .fp16, .mixed] {
            if info.type == .gpu {
                if let p = DevicePeaks.vectorPeak(facts, precision: precision) { peaks.append(p) }
            } else if let cpuHost, let p = DevicePeaks.gflops(facts, precision: precision, host: cpuHost) {
                // The driver's clock is a base clock or 0: the peak is at the host's clock reading.
                peaks.append(StatedPeak(precision: precision, engine: .vector, gflops: p.value,
                                        clockMHz: Int((clock?.mhz ?? 0).rounded()),
                                        clockSource: clock.map { "host clock, \($0.source)" } ?? "host clock", gflopsAtMaxClock: p.value,
                                        maxClockMHz: info.maxClockMHz, basis: p.basis))
            }
        }
        var engines: [EngineEntry] = []
        for precision in Precision.allCases {
            for (suite, choice) in [("gemm", EngineSelection.gemm(precision, on: capabilities)),
                                    ("peak", EngineSelection.peak(precision, on: capabilities))] {
                switch choice {
                case .classic:
                    let fp64Missing = precision == .fp64 && !info.supportsFP64
                    engines.append(EngineEntry(suite: suite, precision: precision, engine: fp64Missing ? nil : .vector,
                                               kernel: fp64Missing ? nil : suite + ".cl",
                                               skipReason: fp64Missing ? "the device has no double precision (no cl_khr_fp64)" : nil))
                case .kernel(let k):
                    engines.append(EngineEntry(suite: suite, precision: precision, engine: k.engine,
                                               kernel: (suite == "gemm" ? k.family.gemmFile : k.family.peakFile) + " " + k.buildOptions,
                                               skipReason: nil))
                    if suite == "gemm", k.engine != .vector, let p = EnginePeaks.statedPeak(facts, kernel: k, capabilities: capabilities) {
                        peaks.append(p)
                    }
                    if suite == "gemm", k.family == .packedVector, let fp32 = peaks.first(where: { $0.precision == .fp32 && $0.engine == .vector }) {
                        let factor: Double = precision == .int8 ? 4 : 1
                        peaks.append(StatedPeak(precision: precision, engine: .vector, gflops: fp32.gflops * factor, clockMHz: fp32.clockMHz,
                                                clockSource: fp32.clockSource, gflopsAtMaxClock: fp32.gflopsAtMaxClock * factor,
                                                maxClockMHz: fp32.maxClockMHz,
                                                basis: (precision == .int8 ? "4 × the fp32 peak (4-element int8 dot, 8 ops, per fp32 lane and cycle); "
                                                        : "bf16 widened to fp32: the fp32 peak; ") + fp32.basis))
                    }
                case .unsupported(let reason):
                    engines.append(EngineEntry(suite: suite, precision: precision, engine: nil, kernel: nil, skipReason: reason))
                }
            }
        }
        self.peaks = peaks
        self.engines = engines
        switch DevicePeaks.bandwidth(facts) {
        case .success(let b): bandwidth = Bandwidth(gbs: b.value, basis: b.basis)
        case .failure(let why): bandwidth = Bandwidth(gbs: nil, basis: why.reason)
        }
        lastLevelCache = info.type == .gpu
            ? DevicePeaks.familyLastLevelCache(facts).map { Cache(bytes: $0.bytes, basis: $0.what) }
            : nil
    }

    /// The stated peak for `precision` on `engine`, if any.
    public func peak(_ precision: Precision, _ engine: ComputeEngine) -> StatedPeak? {
        peaks.first { $0.precision == precision && $0.engine == engine }
    }
}

/// A device as `suanli devices --format json` lists it: the descriptor's fields, and for OpenCL
/// devices what Suanli derives from them (``DeviceAnalysis``).
@MemberwiseInit
public struct DeviceListing: Sendable, Encodable {
    public var descriptor: DeviceDescriptor
    public var analysis: DeviceAnalysis?

    public func encode(to encoder: any Encoder) throws {
        try descriptor.encode(to: encoder)
        try analysis?.encode(to: encoder)
    }
}
