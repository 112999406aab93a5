import ArgumentParser
import SuanliCore
import SuanliText

/// Options that choose power sensors, shared by `bench`, `burn` and `sensors`.
struct PowerArguments: ParsableArguments {
    @Option(help: "A command that prints the node's power in watts (wall meter, PDU, BMC); measures every device, as whole-node.")
    var powerCommand: String?

    @Option(help: "Seconds between power sensor readings.")
    var powerInterval: Double = 0.1

    @Option(help: "Shortest energy window in seconds: a shorter timed batch is extended with untimed runs of the same kernel.")
    var energyWindow: Double = 1.0

    @Option(help: ArgumentHelp("Attach sensors to a device: DEVICE=SENSOR[,SENSOR…] (ids from `suanli sensors`; `none` for no sensor).",
                               valueName: "device=sensor"))
    var powerSensor: [String] = []

    func validate() throws {
        guard powerInterval >= 0.01, powerInterval <= 60 else {
            throw ValidationError("--power-interval must be between 0.01 and 60 seconds")
        }
        guard energyWindow >= 0, energyWindow <= 600 else {
            throw ValidationError("--energy-window must be between 0 and 600 seconds")
        }
        if let powerCommand, powerCommand.trimmed().isEmpty { throw ValidationError("--power-command is empty") }
        do { _ = try EnergyAttachment.parseOverrides(powerSensor) } catch { throw ValidationError("\(error)") }
    }

    /// Sensors found here plus the power command; a power command that cannot be read is a
    /// command-line error.
    func discover() throws -> SensorSet {
        let set = SensorSet.discover(powerCommand: powerCommand)
        if let command = set.sensors.first(where: { $0.scope == .wholeNode }) {
            do { _ = try command.read() } catch { throw ValidationError("\(error)") }
        }
        return set
    }

    /// The energy probe of each device that has a sensor, after saying on standard error which
    /// sensors measure which device.
    /// With `conditionOnly`, a device without a sensor still gets a probe for its clocks and temperature.
    func probes(for devices: [DeviceDescriptor], conditionOnly: Bool = false) throws -> [String: EnergyProbe] {
        let set = try discover()
        let attachment = try attach(set, to: devices)
        var probes: [String: EnergyProbe] = [:]
        for device in devices {
            guard let probe = attachment.probe(for: device.id, interval: powerInterval, minimumWindow: energyWindow) else {
                if conditionOnly, let condition = attachment.conditionByDevice[device.id] {
                    probes[device.id] = EnergyProbe(sensors: [], conditionSource: condition)
                }
                continue
            }
            probes[device.id] = probe
            let scope = probe.sensors.first?.scope.rawValue ?? ""
            Console.note("energy of \(device.id) from \(probe.sensors.map(\.id).joined(separator: " + ")) (\(scope))")
        }
        if probes.values.allSatisfy(\.sensors.isEmpty) && (powerCommand != nil || !powerSensor.isEmpty || !set.sensors.isEmpty) {
            Console.note("no power sensor measures the devices of this run")
        }
        return probes
    }

    func attach(_ set: SensorSet, to devices: [DeviceDescriptor]) throws -> EnergyAttachment {
        do {
            return try EnergyAttachment.resolve(targets: devices.map(SensorTarget.init), sensors: set,
                                                overrides: EnergyAttachment.parseOverrides(powerSensor))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct SensorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensors",
        abstract: "List power sensors (NVML, AMD SMI, RAPL, a power command), one reading each, and the device each measures.",
        discussion: "Exits 0 whether or not a sensor is found; when none is, it says why."
    )

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @OptionGroup(title: "Power sensors")
    var power: PowerArguments

    func validate() throws {
        guard format == .table || format == .json else {
            throw ValidationError("--format for sensors must be table or json")
        }
    }

    func run() throws {
        // Listing never fails: a power command that cannot be read shows its error in its row,
        // an override that names no sensor becomes a note.
        var set = SensorSet.discover(powerCommand: power.powerCommand)
        let inventory = DeviceInventory.discover()
        let targets = inventory.descriptors.map(SensorTarget.init)
        let attachment: EnergyAttachment
        do {
            attachment = try EnergyAttachment.resolve(targets: targets, sensors: set,
                                                      overrides: EnergyAttachment.parseOverrides(power.powerSensor))
        } catch {
            set.notes.append("\(error)")
            attachment = try EnergyAttachment.resolve(targets: targets, sensors: set)
        }
        let reports = SensorReport.read(set, attachment: attachment, interval: power.powerInterval)
        switch format {
        case .json:
            struct Listing: Encodable { let sensors: [SensorReport]; let notes: [String] }
            print(try JSONOutput.string(Listing(sensors: reports, notes: set.notes)))
        default:
            if reports.isEmpty {
                print("No power sensor found:")
                for note in set.notes { print("  " + note) }
                print("A wall meter or BMC can be read with --power-command CMD (a command that prints watts).")
                return
            }
            print(TableRenderer.render(reports) { r in
                [
                    Column(title: "Sensor", value: r.id),
                    Column(title: "Source", value: r.source),
                    Column(title: "Scope", value: r.scope.rawValue),
                    Column(title: "Watts", value: r.error == nil ? displayNumber(r.watts) : "-", align: .right),
                    Column(title: "Clocks MHz", value: SensorsCommand.clocks(r.condition)),
                    Column(title: "Temp C", value: r.condition?.temperatureC.map { formatted($0, decimals: 0) } ?? "", align: .right),
                    Column(title: "Measures", value: r.attachesTo.isEmpty ? "-" : r.attachesTo.joined(separator: " ")),
                    Column(title: "Name", value: r.name + (r.pciBusID.map { " (\($0))" } ?? "")),
                    Column(title: "Note", value: r.error ?? ([r.condition?.throttleReasons.flatMap { $0.isEmpty ? nil : "clocks held by " + $0.joined(separator: ", ") }, r.note]
                        .compactMap { $0 }.joined(separator: "; "))),
                ]
            })
            for note in set.notes { print("note: " + note) }
        }
    }

    static func clocks(_ condition: DeviceCondition?) -> String {
        guard let clocks = condition?.clocksMHz else { return "" }
        return clocks.keys.sorted().map { "\($0) \(Int(clocks[$0]!))" }.joined(separator: ", ")
    }
}
