import SuanliSchema
import OpenCLKit
#if canImport(Glibc)
import Glibc
#endif

/// NVIDIA's management library (`libnvidia-ml.so.1`, installed with the driver), loaded at run
/// time; `SUANLI_NVML_LIBRARY` names another file. Energy comes from the total-energy counter
/// (`nvmlDeviceGetTotalEnergyConsumption`, millijoules since the driver loaded, Volta and newer).
/// Where that is not supported, power usage is sampled instead, which on GA100 and newer is a
/// one-second moving average, and the record says so.
public final class NVMLLibrary: @unchecked Sendable {
    public typealias Handle = OpaquePointer
    typealias Status = UInt32

    /// Names tried, in order; `SUANLI_NVML_LIBRARY` replaces them.
    public static let libraryNames = ["libnvidia-ml.so.1", "libnvidia-ml.so"]

    public let path: String
    let errorString: (@convention(c) (Status) -> UnsafePointer<CChar>?)?
    let count: @convention(c) (UnsafeMutablePointer<UInt32>) -> Status
    let handleByIndex: @convention(c) (UInt32, UnsafeMutablePointer<Handle?>) -> Status
    let pciInfo: @convention(c) (Handle?, UnsafeMutableRawPointer) -> Status
    let name: (@convention(c) (Handle?, UnsafeMutablePointer<CChar>, UInt32) -> Status)?
    let uuid: (@convention(c) (Handle?, UnsafeMutablePointer<CChar>, UInt32) -> Status)?
    let totalEnergy: (@convention(c) (Handle?, UnsafeMutablePointer<UInt64>) -> Status)?
    let powerUsage: (@convention(c) (Handle?, UnsafeMutablePointer<UInt32>) -> Status)?
    let clockInfo: (@convention(c) (Handle?, UInt32, UnsafeMutablePointer<UInt32>) -> Status)?
    let temperature: (@convention(c) (Handle?, UInt32, UnsafeMutablePointer<UInt32>) -> Status)?
    let clockEventReasons: (@convention(c) (Handle?, UnsafeMutablePointer<UInt64>) -> Status)?

    /// Opens the library and calls `nvmlInit_v2`. Throws a one-line reason when NVML cannot be used.
    public init(environment: [String: String] = currentEnvironment()) throws {
        let names = RuntimeLibrary.candidates(Self.libraryNames, override: "SUANLI_NVML_LIBRARY", environment: environment)
        guard let library = RuntimeLibrary(firstOf: names) else {
            throw SensorError(names.count == 1
                ? "NVML: cannot open \(names[0]) (SUANLI_NVML_LIBRARY): \(dlerrorText())"
                : "NVML: libnvidia-ml.so.1 not found (no NVIDIA driver)")
        }
        path = library.path
        func required<T>(_ names: String...) throws -> T {
            for name in names { if let s: T = library.symbol(name) { return s } }
            throw SensorError("NVML: \(library.path) lacks \(names[0])")
        }
        func optional<T>(_ names: String...) -> T? { names.lazy.compactMap { library.symbol($0) }.first }
        let initialize: @convention(c) () -> Status = try required("nvmlInit_v2", "nvmlInit")
        count = try required("nvmlDeviceGetCount_v2", "nvmlDeviceGetCount")
        handleByIndex = try required("nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex")
        pciInfo = try required("nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2", "nvmlDeviceGetPciInfo")
        errorString = optional("nvmlErrorString")
        name = optional("nvmlDeviceGetName")
        uuid = optional("nvmlDeviceGetUUID")
        totalEnergy = optional("nvmlDeviceGetTotalEnergyConsumption")
        powerUsage = optional("nvmlDeviceGetPowerUsage")
        clockInfo = optional("nvmlDeviceGetClockInfo")
        temperature = optional("nvmlDeviceGetTemperature")
        clockEventReasons = optional("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons")
        let status = initialize()
        guard status == 0 else { throw SensorError("NVML: nvmlInit failed: \(describe(status))") }
    }

    func describe(_ status: Status) -> String {
        if let errorString, let text = errorString(status) { return String(cString: text) + " (\(status))" }
        return "error \(status)"
    }

    /// One sensor per GPU NVML lists, with the reasons for any it cannot read.
    public func sensors() -> (sensors: [NVMLSensor], notes: [String]) {
        var n: UInt32 = 0
        let status = count(&n)
        guard status == 0 else { return ([], ["NVML: nvmlDeviceGetCount failed: \(describe(status))"]) }
        if n == 0 { return ([], ["NVML: the driver lists no GPU"]) }
        var sensors: [NVMLSensor] = []
        var notes: [String] = []
        for index in 0..<n {
            do { sensors.append(try NVMLSensor(library: self, index: Int(index))) } catch {
                notes.append("\(error)")
            }
        }
        return (sensors, notes)
    }
}

/// One NVIDIA GPU seen through NVML.
public final class NVMLSensor: PowerSensor, ConditionSource, @unchecked Sendable {
    let library: NVMLLibrary
    let handle: NVMLLibrary.Handle
    public let id: String
    public let name: String
    public let source: String
    public var scope: SensorScope { .device }
    public let pciAddress: PCIAddress?
    public let uuid: String?
    public let note: String?
    let usesEnergyCounter: Bool

    init(library: NVMLLibrary, index: Int) throws {
        self.library = library
        id = "nvml:\(index)"
        var handle: NVMLLibrary.Handle?
        let status = library.handleByIndex(UInt32(index), &handle)
        guard status == 0, let handle else {
            throw SensorError("NVML: GPU \(index) cannot be opened: \(library.describe(status))")
        }
        self.handle = handle
        func text(_ call: (@convention(c) (NVMLLibrary.Handle?, UnsafeMutablePointer<CChar>, UInt32) -> UInt32)?) -> String? {
            guard let call else { return nil }
            var buffer = [CChar](repeating: 0, count: 128)
            guard call(handle, &buffer, UInt32(buffer.count)) == 0 else { return nil }
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        name = text(library.name) ?? "NVIDIA GPU \(index)"
        // nvmlPciInfo_t: busIdLegacy[16], then domain, bus, device as unsigned ints (the same
        // offsets in every version of the struct), then more fields; 128 bytes covers them all.
        var info = [UInt8](repeating: 0, count: 128)
        if info.withUnsafeMutableBytes({ library.pciInfo(handle, $0.baseAddress!) }) == 0 {
            let word = { (offset: Int) in Int(info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }) }
            pciAddress = PCIAddress(domain: word(16), bus: word(20), device: word(24), function: 0)
        } else {
            pciAddress = nil
        }
        // "GPU-xxxxxxxx-…" (or "MIG-…"): the UUID without the prefix, as cl_khr_device_uuid gives it.
        uuid = text(library.uuid).map { value in
            let lower = value.lowercased()
            guard let dash = lower.firstIndex(of: "-"), lower.hasPrefix("gpu-") else { return lower }
            return String(lower[lower.index(after: dash)...])
        }
        var millijoules: UInt64 = 0
        if let totalEnergy = library.totalEnergy, totalEnergy(handle, &millijoules) == 0 {
            usesEnergyCounter = true
            source = "nvml-total-energy"
            note = nil
        } else if let powerUsage = library.powerUsage {
            var milliwatts: UInt32 = 0
            let status = powerUsage(handle, &milliwatts)
            guard status == 0 else {
                throw SensorError("NVML: GPU \(index) (\(name)) reports neither its energy nor its power: \(library.describe(status))")
            }
            usesEnergyCounter = false
            source = "nvml-power-usage"
            note = "NVML has no total-energy counter for this GPU; power usage is sampled, and NVML averages it (over 1 s on GA100 and newer)"
        } else {
            throw SensorError("NVML: \(library.path) lacks nvmlDeviceGetTotalEnergyConsumption and nvmlDeviceGetPowerUsage")
        }
    }

    public func read() throws -> SensorReading {
        if usesEnergyCounter, let totalEnergy = library.totalEnergy {
            var millijoules: UInt64 = 0
            let status = totalEnergy(handle, &millijoules)
            guard status == 0 else { throw SensorError("NVML: \(id) total energy: \(library.describe(status))") }
            return SensorReading(energyJoules: Double(millijoules) / 1000)
        }
        var milliwatts: UInt32 = 0
        let status = library.powerUsage?(handle, &milliwatts) ?? 3
        guard status == 0 else { throw SensorError("NVML: \(id) power usage: \(library.describe(status))") }
        return SensorReading(watts: Double(milliwatts) / 1000)
    }

    /// NVML's clock-event reason bits (nvml.h `nvmlClocksEventReason…`), idle and the
    /// application clock setting excluded: they do not slow a loaded GPU down.
    public static let clockEventReasons: [(bit: UInt64, name: String)] = [
        (0x4, "sw-power-cap"), (0x8, "hw-slowdown"), (0x10, "sync-boost"), (0x20, "sw-thermal-slowdown"),
        (0x40, "hw-thermal-slowdown"), (0x80, "hw-power-brake-slowdown"), (0x100, "display-clock-setting"),
    ]

    /// Reason names for a bit mask.
    public static func reasons(_ mask: UInt64) -> [String] {
        clockEventReasons.filter { mask & $0.bit != 0 }.map(\.name)
    }

    public func condition() -> DeviceCondition? {
        var result = DeviceCondition()
        var clocks: [String: Double] = [:]
        var value: UInt32 = 0
        // nvmlClockType_t: NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2.
        if let clockInfo = library.clockInfo {
            if clockInfo(handle, 1, &value) == 0 { clocks["sm"] = Double(value) }
            if clockInfo(handle, 2, &value) == 0 { clocks["memory"] = Double(value) }
        }
        if !clocks.isEmpty { result.clocksMHz = clocks }
        // NVML_TEMPERATURE_GPU = 0.
        if let temperature = library.temperature, temperature(handle, 0, &value) == 0 { result.temperatureC = Double(value) }
        var mask: UInt64 = 0
        if let clockEventReasons = library.clockEventReasons, clockEventReasons(handle, &mask) == 0 {
            result.throttleReasons = Self.reasons(mask)
        }
        return result.isEmpty ? nil : result
    }
}
