import ArgumentParser
import SuanliCore
import TextTable
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List every OpenCL device and the native CPU."
    )

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        guard format == .table || format == .json else {
            throw ValidationError("--format for devices must be table or json")
        }
    }

    func run() throws {
        let inventory = DeviceInventory.discover()
        for note in inventory.openCLNotes { Console.note(note) }
        let descriptors = inventory.descriptors
        switch format {
        case .json:
            print(try JSONOutput.string(descriptors))
        default:
            struct Row { let d: DeviceDescriptor }
            let table = TextTable<Row> { row in
                let d = row.d
                return [
                    Column(title: "ID", value: d.id),
                    Column(title: "Type", value: d.type),
                    Column(title: "Name", value: d.name),
                    Column(title: "Vendor", value: d.vendor),
                    Column(title: "CUs", value: d.computeUnits),
                    Column(title: "Clock MHz", value: d.maxClockMHz.map { String(Int($0)) } ?? "-"),
                    Column(title: "Memory", value: displayBytes(d.globalMemoryBytes)),
                    Column(title: "Details", value: details(d)),
                ]
            }
            print(table.string(for: descriptors.map(Row.init), style: Style.simple) ?? "")
        }
    }

    func details(_ d: DeviceDescriptor) -> String {
        if let info = d.opencl {
            var parts = [info.deviceVersion, "driver \(info.driverVersion)"]
            parts.append(info.supportsFP64 ? "fp64" : "no fp64")
            if info.advertisesFP16 { parts.append("fp16") }
            return parts.joined(separator: ", ")
        }
        var parts = [(d.features ?? []).joined(separator: " ")]
        let caches = (d.caches ?? []).filter { $0.type != "Instruction" }
            .map { "L\($0.level) \(displayBytes($0.sizeBytes))" }
        if !caches.isEmpty { parts.append(caches.joined(separator: " ")) }
        return parts.joined(separator: "; ")
    }
}
