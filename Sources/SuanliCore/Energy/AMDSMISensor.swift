import SuanliSchema
import OpenCLKit
#if canImport(Glibc)
import Glibc
#endif

/// AMD's management library (`libamd_smi.so`, ROCm), loaded at run time; `SUANLI_AMDSMI_LIBRARY`
/// names another file. Energy is the GPU's accumulator times its resolution (µJ per count).
public final class AMDSMILibrary: @unchecked Sendable {
    public typealias Handle = OpaquePointer
    typealias Status = UInt32

    public static let libraryNames = ["libamd_smi.so", "/opt/rocm/lib/libamd_smi.so"]

    public let path: String
    let socketHandles: @convention(c) (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<Handle?>?) -> Status
    let processorHandles: @convention(c) (Handle?, UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<Handle?>?) -> Status
    let energyCount: @convention(c) (Handle?, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<UInt64>) -> Status
    let bdfID: (@convention(c) (Handle?, UnsafeMutablePointer<UInt64>) -> Status)?
    let clockInfo: (@convention(c) (Handle?, UInt32, UnsafeMutableRawPointer) -> Status)?
    let temperature: (@convention(c) (Handle?, UInt32, UInt32, UnsafeMutablePointer<Int64>) -> Status)?

    public init(environment: [String: String] = currentEnvironment()) throws {
        let names = RuntimeLibrary.candidates(Self.libraryNames, override: "SUANLI_AMDSMI_LIBRARY", environment: environment)
        guard let library = RuntimeLibrary(firstOf: names) else {
            throw SensorError(names.count == 1
                ? "AMD SMI: cannot open \(names[0]) (SUANLI_AMDSMI_LIBRARY): \(dlerrorText())"
                : "AMD SMI: libamd_smi.so not found (no ROCm)")
        }
        path = library.path
        func required<T>(_ name: String) throws -> T {
            guard let s: T = library.symbol(name) else { throw SensorError("AMD SMI: \(library.path) lacks \(name)") }
            return s
        }
        func optional<T>(_ name: String) -> T? { library.symbol(name) }
        let initialize: @convention(c) (UInt64) -> Status = try required("amdsmi_init")
        socketHandles = try required("amdsmi_get_socket_handles")
        processorHandles = try required("amdsmi_get_processor_handles")
        energyCount = try required("amdsmi_get_energy_count")
        bdfID = optional("amdsmi_get_gpu_bdf_id")
        clockInfo = optional("amdsmi_get_clock_info")
        temperature = optional("amdsmi_get_temp_metric")
        // AMDSMI_INIT_AMD_GPUS = 1 << 1.
        let status = initialize(2)
        guard status == 0 else { throw SensorError("AMD SMI: amdsmi_init failed (status \(status))") }
    }

    public func sensors() -> (sensors: [AMDSMISensor], notes: [String]) {
        var socketCount: UInt32 = 0
        guard socketHandles(&socketCount, nil) == 0 else { return ([], ["AMD SMI: cannot list sockets"]) }
        var sockets = [Handle?](repeating: nil, count: Int(socketCount))
        guard socketHandles(&socketCount, &sockets) == 0 else { return ([], ["AMD SMI: cannot list sockets"]) }
        var processors: [Handle] = []
        for socket in sockets.prefix(Int(socketCount)) {
            var n: UInt32 = 0
            guard processorHandles(socket, &n, nil) == 0, n > 0 else { continue }
            var handles = [Handle?](repeating: nil, count: Int(n))
            guard processorHandles(socket, &n, &handles) == 0 else { continue }
            processors += handles.prefix(Int(n)).compactMap { $0 }
        }
        if processors.isEmpty { return ([], ["AMD SMI: no AMD GPU listed"]) }
        var sensors: [AMDSMISensor] = []
        var notes: [String] = []
        for (index, handle) in processors.enumerated() {
            do { sensors.append(try AMDSMISensor(library: self, handle: handle, index: index)) } catch {
                notes.append("\(error)")
            }
        }
        return (sensors, notes)
    }
}

/// One AMD GPU seen through AMD SMI.
public final class AMDSMISensor: PowerSensor, ConditionSource, @unchecked Sendable {
    let library: AMDSMILibrary
    let handle: AMDSMILibrary.Handle
    public let id: String
    public let name: String
    public var source: String { "amd-smi-energy" }
    public var scope: SensorScope { .device }
    public let pciAddress: PCIAddress?

    init(library: AMDSMILibrary, handle: AMDSMILibrary.Handle, index: Int) throws {
        self.library = library
        self.handle = handle
        id = "amdsmi:\(index)"
        // BDF id: domain << 32 | bus << 8 | device << 3 | function.
        var bdf: UInt64 = 0
        if let bdfID = library.bdfID, bdfID(handle, &bdf) == 0 {
            pciAddress = PCIAddress(domain: Int(bdf >> 32), bus: Int((bdf >> 8) & 0xFF), device: Int((bdf >> 3) & 0x1F),
                                    function: Int(bdf & 0x7))
        } else {
            pciAddress = nil
        }
        name = "AMD GPU" + (pciAddress.map { " \($0)" } ?? " \(index)")
        _ = try read()
    }

    public func read() throws -> SensorReading {
        var accumulator: UInt64 = 0
        var resolution: Float = 0
        var timestamp: UInt64 = 0
        let status = library.energyCount(handle, &accumulator, &resolution, &timestamp)
        guard status == 0 else { throw SensorError("AMD SMI: \(id) energy count failed (status \(status))") }
        // The accumulator counts in units of `resolution` microjoules.
        return SensorReading(energyJoules: Double(accumulator) * Double(resolution) * 1e-6)
    }

    public func condition() -> DeviceCondition? {
        var result = DeviceCondition()
        var clocks: [String: Double] = [:]
        if let clockInfo = library.clockInfo {
            // amdsmi_clk_info_t begins with the current clock (uint32, MHz) in every version.
            var info = [UInt8](repeating: 0, count: 64)
            // AMDSMI_CLK_TYPE_GFX = 0, AMDSMI_CLK_TYPE_MEM = 4.
            for (type, key) in [(UInt32(0), "graphics"), (UInt32(4), "memory")] {
                if info.withUnsafeMutableBytes({ clockInfo(handle, type, $0.baseAddress!) }) == 0 {
                    clocks[key] = Double(info.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
                }
            }
        }
        if !clocks.isEmpty { result.clocksMHz = clocks }
        var celsius: Int64 = 0
        // AMDSMI_TEMPERATURE_TYPE_HOTSPOT = 1, AMDSMI_TEMP_CURRENT = 0; degrees Celsius.
        if let temperature = library.temperature, temperature(handle, 1, 0, &celsius) == 0 {
            result.temperatureC = Double(celsius)
        }
        return result.isEmpty ? nil : result
    }
}
