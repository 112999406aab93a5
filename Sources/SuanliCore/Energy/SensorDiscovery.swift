import SuanliSchema
import OpenCLKit

/// Every power sensor found on this machine, and why each kind that is missing is missing.
@MemberwiseInit
public struct SensorSet: Sendable {
    public var sensors: [any PowerSensor]
    /// One line per kind of sensor not found or not readable.
    public var notes: [String]

    /// Looks for NVML, AMD SMI and powercap sensors, and adds the power command when given.
    /// Never throws: what cannot be used becomes a note.
    public static func discover(powerCommand: String? = nil,
                                environment: [String: String] = currentEnvironment()) -> SensorSet {
        var set = SensorSet(sensors: [], notes: [])
        // The vendors' management libraries: each opened on its own, a failure only a note.
        let vendorLibraries: [() throws -> (sensors: [any PowerSensor], notes: [String])] = [
            { let (s, n) = try NVMLLibrary(environment: environment).sensors(); return (s, n) },
            { let (s, n) = try AMDSMILibrary(environment: environment).sensors(); return (s, n) },
        ]
        for open in vendorLibraries {
            do {
                let (sensors, notes) = try open()
                set.sensors += sensors
                set.notes += notes
            } catch {
                set.notes.append("\(error)")
            }
        }
        let (rapl, raplNotes) = Powercap.sensors(root: Powercap.root(environment: environment))
        set.sensors += rapl as [any PowerSensor]
        set.notes += raplNotes
        if let powerCommand { set.sensors.append(CommandSensor(command: powerCommand)) }
        return set
    }

    public func sensor(id: String) -> (any PowerSensor)? { sensors.first { $0.id == id } }
}

/// What a sensor can be attached to: a device's id, kind, PCI address and UUID.
@MemberwiseInit
public struct SensorTarget: Sendable, Equatable {
    public var id: String
    /// The native CPU or an OpenCL CPU device: RAPL package domains measure it.
    public var isCPU: Bool
    public var pciAddress: PCIAddress?
    public var uuid: String?

    public init(_ device: DeviceDescriptor) {
        self.init(id: device.id, isCPU: device.type == "cpu",
                  pciAddress: device.opencl?.pciBusID.flatMap(PCIAddress.init),
                  uuid: device.opencl?.uuid?.lowercased())
    }
}

/// Which sensors measure which device.
///
/// - `--power-sensor DEVICE=SENSOR[,SENSOR…]` decides for that device (`none` for no sensor).
/// - Else a power command, when given, measures every device (whole node).
/// - Else a GPU takes the NVML or AMD SMI sensor on its PCI slot (or with its UUID), and a CPU
///   device (the native CPU, an OpenCL CPU device) takes every RAPL package domain.
public struct EnergyAttachment: Sendable {
    /// Sensors by device id; a device absent here has none.
    public var sensorsByDevice: [String: [any PowerSensor]]
    /// Clock and temperature source by device id: the GPU library's sensor for a GPU (even when a
    /// power command measures the energy), the host's sysfs for a CPU device.
    public var conditionByDevice: [String: any ConditionSource]

    public static func resolve(targets: [SensorTarget], sensors: SensorSet, overrides: [String: [String]] = [:],
                               hostCondition: (any ConditionSource)? = HostCondition()) throws -> EnergyAttachment {
        let known = Set(targets.map(\.id))
        for device in overrides.keys where !known.contains(device) {
            throw SensorError("--power-sensor names device '\(device)', which is not measured in this run (devices: "
                + targets.map(\.id).joined(separator: ", ") + ")")
        }
        var result = EnergyAttachment(sensorsByDevice: [:], conditionByDevice: [:])
        let command = sensors.sensors.first { $0.scope == .wholeNode }
        for target in targets {
            let gpuSensor = sensors.sensors.first { sensor in
                guard sensor.scope == .device, !target.isCPU else { return false }
                if let a = sensor.pciAddress, let b = target.pciAddress, a.sameSlot(as: b) { return true }
                if let a = sensor.uuid, let b = target.uuid, a == b { return true }
                return false
            }
            if let condition = gpuSensor as? any ConditionSource {
                result.conditionByDevice[target.id] = condition
            } else if target.isCPU, let hostCondition {
                result.conditionByDevice[target.id] = hostCondition
            }
            var chosen: [any PowerSensor]
            if let ids = overrides[target.id] {
                if ids == ["none"] { continue }
                chosen = try ids.map { id in
                    guard let sensor = sensors.sensor(id: id) else {
                        throw SensorError("--power-sensor: no sensor '\(id)' (sensors here: "
                            + (sensors.sensors.isEmpty ? "none; see suanli sensors" : sensors.sensors.map(\.id).joined(separator: ", ")) + ")")
                    }
                    return sensor
                }
            } else if let command {
                chosen = [command]
            } else if let gpuSensor {
                chosen = [gpuSensor]
            } else if target.isCPU {
                chosen = sensors.sensors.filter(\.isCPUPackage)
            } else {
                chosen = []
            }
            if !chosen.isEmpty { result.sensorsByDevice[target.id] = chosen }
        }
        return result
    }

    /// Device ids each sensor is attached to.
    public func devices(of sensor: any PowerSensor) -> [String] {
        sensorsByDevice.filter { $0.value.contains { $0 === sensor } }.map(\.key).sorted()
    }

    /// The probe for a device's measurements; nil when no sensor is attached.
    public func probe(for device: String, interval: Double = 0.1, minimumWindow: Double = 1.0) -> EnergyProbe? {
        guard let sensors = sensorsByDevice[device] else { return nil }
        return EnergyProbe(sensors: sensors, conditionSource: conditionByDevice[device], interval: interval,
                           minimumWindow: minimumWindow)
    }

    /// Parses `DEVICE=SENSOR[,SENSOR…]` options.
    public static func parseOverrides(_ options: [String]) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for option in options {
            guard let eq = option.firstIndex(of: "="), eq != option.startIndex else {
                throw SensorError("--power-sensor takes DEVICE=SENSOR (e.g. cpu=rapl:intel-rapl:0), not '\(option)'")
            }
            let device = String(option[..<eq]).trimmed()
            let ids = option[option.index(after: eq)...].split(separator: ",").map { $0.trimmed() }.filter { !$0.isEmpty }
            guard !ids.isEmpty else { throw SensorError("--power-sensor \(option): no sensor after '='") }
            result[device] = ids
        }
        return result
    }
}

/// One reading of each sensor, for `suanli sensors`.
@SnakeCaseCodingKeys
public struct SensorReport: Codable, Sendable {
    public var id: String
    public var source: String
    public var scope: SensorScope
    public var name: String
    public var pciBusID: String?
    public var uuid: String?
    /// Devices it measures in a bench run with the same options.
    public var attachesTo: [String]
    public var watts: Double?
    /// The counter's value (sensors with an energy counter).
    public var energyJoules: Double?
    public var condition: DeviceCondition?
    public var note: String?
    public var error: String?

    /// Reads every sensor over `seconds` (all at once) and reports the average power of each.
    public static func read(_ set: SensorSet, attachment: EnergyAttachment, seconds: Double = 0.3,
                            interval: Double = 0.1) -> [SensorReport] {
        let windows = set.sensors.map { sensor in
            EnergyWindow(sensors: [sensor], conditionSource: sensor as? any ConditionSource, interval: interval)
        }
        let deadline = monotonicSeconds() + seconds
        let pause = SleepSignal()
        while monotonicSeconds() < deadline { _ = pause.sleep(seconds: deadline - monotonicSeconds()) }
        let records = windows.map { $0.stop() }
        return zip(set.sensors, records).map { sensor, record in
            SensorReport(id: sensor.id, source: sensor.source, scope: sensor.scope, name: sensor.name,
                         pciBusID: sensor.pciAddress?.description, uuid: sensor.uuid,
                         attachesTo: attachment.devices(of: sensor), watts: record.avgWatts,
                         energyJoules: (try? sensor.read())?.energyJoules, condition: record.end ?? record.start,
                         note: sensor.note, error: record.error)
        }
    }
}
