import ArgumentParser
import OpenCLKit
import SuanliCore
import SuanliText
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List every OpenCL device and the native CPU.",
        discussion: """
        --dump FILE writes every OpenCL attribute Suanli reads from each device as JSON keyed by the OpenCL names; \
        --replay FILE derives the peaks, bandwidth ceiling and engine choice from such a file instead of this machine's \
        devices. A file that cannot be read or written exits 1 with one line.
        """
    )

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(name: .customLong("dump"), help: ArgumentHelp("Write every OpenCL attribute of each device to this JSON file.", valueName: "file"))
    var dumpPath: String?

    @Option(name: .customLong("replay"), help: ArgumentHelp("Describe the devices in this attribute file (from --dump, or hand-written) instead of this machine's.", valueName: "file"))
    var replayPath: String?

    func validate() throws {
        guard format == .table || format == .json else {
            throw ValidationError("--format for devices must be table or json")
        }
        if dumpPath != nil && replayPath != nil {
            throw ValidationError("--dump and --replay cannot be used together")
        }
    }

    func run() throws {
        if let replayPath {
            let infos: [DeviceInfo]
            do { infos = try DeviceReplay.load(path: replayPath) } catch {
                Console.error(error.message)
                throw ExitCode(DevicesExit.fileError)
            }
            let listings = infos.map { DeviceListing(descriptor: DeviceDescriptor(openCL: $0), analysis: DeviceAnalysis($0)) }
            try show(listings)
            return
        }
        let inventory = DeviceInventory.discover()
        for note in inventory.openCLNotes { Console.note(note) }
        if let dumpPath {
            var attributes: [DeviceAttributes] = []
            for device in inventory.openCLDevices {
                do { attributes.append(try device.device.attributes()) } catch {
                    Console.note("\(device.info.id) left out of the dump: \(error)")
                }
            }
            do { try DeviceReplay.write(DeviceDump(devices: attributes), to: dumpPath) } catch {
                Console.error(error.message)
                throw ExitCode(DevicesExit.fileError)
            }
            Console.note("wrote the attributes of \(attributes.count) OpenCL device\(attributes.count == 1 ? "" : "s") to \(dumpPath)")
        }
        let host = inventory.host
        let listings = inventory.openCLDevices.map {
            DeviceListing(descriptor: DeviceDescriptor(openCL: $0.info), analysis: DeviceAnalysis($0.info, host: host))
        } + [DeviceListing(descriptor: DeviceDescriptor(host: host), analysis: nil)]
        try show(listings)
    }

    func show(_ listings: [DeviceListing]) throws {
        switch format {
        case .json:
            print(try JSONOutput.string(listings))
        default:
            print(TableRenderer.render(listings) { listing in
                let d = listing.descriptor
                return [
                    Column(title: "ID", value: d.id),
                    Column(title: "Type", value: d.type),
                    Column(title: "Name", value: d.name),
                    Column(title: "Vendor", value: d.vendor),
                    Column(title: "CUs", value: d.computeUnits),
                    Column(title: "Clock MHz", value: d.maxClockMHz.map { String(Int($0)) } ?? "-"),
                    Column(title: "Memory", value: displayBytes(d.globalMemoryBytes)),
                    Column(title: "Peaks (T)", value: listing.analysis.map(Self.peakSummary) ?? "-"),
                    Column(title: "Details", value: details(d)),
                ]
            })
            for listing in listings {
                guard let analysis = listing.analysis else { continue }
                print("\n\(listing.descriptor.id) \(listing.descriptor.name)")
                for peak in analysis.peaks {
                    print("  peak \(peak.precision.rawValue) \(peak.engine.rawValue): \(formatted(peak.gflops / 1000, decimals: 1)) T "
                          + "at \(peak.clockMHz) MHz (\(peak.clockSource)); \(peak.basis)")
                }
                print("  bandwidth: " + (analysis.bandwidth.gbs.map { "\(formatted($0, decimals: 0)) GB/s; " } ?? "") + analysis.bandwidth.basis)
                for entry in analysis.engines where entry.suite == "gemm" {
                    print("  gemm \(entry.precision.rawValue): " + (entry.kernel.map { "\($0) (\(entry.engine?.rawValue ?? ""))" }
                                                                      ?? "skipped: \(entry.skipReason ?? "")"))
                }
            }
        }
    }

    /// "fp32 67.0, fp64 33.5, bf16/tensor 989.4": the stated peaks in brief.
    static func peakSummary(_ analysis: DeviceAnalysis) -> String {
        analysis.peaks.filter { $0.engine != .vector || [.fp32, .fp64].contains($0.precision) }
            .map { "\($0.precision.rawValue)\($0.engine == .vector ? "" : "/" + $0.engine.rawValue) \(formatted($0.gflops / 1000, decimals: 1))" }
            .joined(separator: ", ")
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
