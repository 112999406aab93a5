import SuanliSchema
import OpenCLKit

/// One read of a sensor: a cumulative energy counter, or a power figure, or both.
@MemberwiseInit
public struct SensorReading: Sendable, Equatable {
    /// Cumulative energy in joules (NVML total energy, AMD SMI accumulator × resolution, RAPL).
    public var energyJoules: Double?
    /// Where the counter wraps back to zero, in joules (RAPL `max_energy_range_uj`); nil if never.
    public var energyRangeJoules: Double?
    /// Power in watts, for sensors without a counter (a power command, NVML power usage).
    public var watts: Double?
}

/// Something that says how a device is running: its clocks, temperature, throttling.
public protocol ConditionSource: AnyObject, Sendable {
    func condition() -> DeviceCondition?
    /// Whether reading it during a window is cheap enough to catch passing throttle reasons
    /// (GPU libraries); otherwise it is read at the start and the end only.
    var pollsDuringWindow: Bool { get }
}

extension ConditionSource {
    public var pollsDuringWindow: Bool { true }
}

/// A power or energy sensor, loaded at run time (nothing is linked).
public protocol PowerSensor: AnyObject, Sendable {
    /// What `--power-sensor` and `suanli sensors` call it: `nvml:0`, `amdsmi:0`, `rapl:intel-rapl:0`, `command`.
    var id: String { get }
    /// For people: the GPU's name, the RAPL domain's name, the command.
    var name: String { get }
    /// How the energy is obtained: `nvml-total-energy`, `nvml-power-usage`, `amd-smi-energy`, `rapl`, `power-command`.
    var source: String { get }
    var scope: SensorScope { get }
    /// The PCI address of the device it measures, for attachment to an OpenCL device.
    var pciAddress: PCIAddress? { get }
    /// The device UUID (8-4-4-4-12 hex, no vendor prefix), for attachment by `cl_khr_device_uuid`.
    var uuid: String? { get }
    /// RAPL: whether this is a package domain (attached to CPU devices) rather than a sub-domain.
    var isCPUPackage: Bool { get }
    /// A caveat about the figures, recorded with them (e.g. NVML power usage is a moving average).
    var note: String? { get }
    func read() throws -> SensorReading
    /// The device's clocks and temperature, where the sensor's library knows them.
    func condition() -> DeviceCondition?
}

extension PowerSensor {
    public var pciAddress: PCIAddress? { nil }
    public var uuid: String? { nil }
    public var isCPUPackage: Bool { false }
    public var note: String? { nil }
    public func condition() -> DeviceCondition? { nil }
}

/// A sensor that cannot be read, with the reason.
public struct SensorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
