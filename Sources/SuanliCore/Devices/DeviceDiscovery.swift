import SuanliSchema
import OpenCLKit

/// An OpenCL device found on this machine, with its facts read once.
public struct DiscoveredOpenCLDevice: Sendable {
    public let device: Device
    public let info: DeviceInfo
}

/// Everything Suanli can run on here: OpenCL devices, and the native CPU, always.
public struct DeviceInventory: Sendable {
    public let host: HostInfo
    public let openCLDevices: [DiscoveredOpenCLDevice]
    /// Why no OpenCL device is listed, or why some were left out (one line each), if so.
    public let openCLNotes: [String]

    /// Looks for OpenCL platforms and devices. Never throws: a missing loader, no ICD, or a
    /// failing platform becomes a note, and the native CPU is always available.
    public static func discover(library: Result<OpenCLLibrary, OpenCLError> = OpenCLLibrary.shared) -> DeviceInventory {
        let host = HostInfo.current()
        var devices: [DiscoveredOpenCLDevice] = []
        var notes: [String] = []
        switch library {
        case .failure(let error):
            notes.append("OpenCL is not available: \(error)")
        case .success(let library):
            do {
                let platforms = try library.platforms()
                if platforms.isEmpty {
                    notes.append("OpenCL loader found but no platform is installed (no ICD in /etc/OpenCL/vendors or OCL_ICD_VENDORS)")
                }
                for platform in platforms {
                    do {
                        for device in try platform.devices() {
                            devices.append(DiscoveredOpenCLDevice(device: device, info: try device.info()))
                        }
                    } catch {
                        notes.append("OpenCL platform \(platform.index) (\(platform.name)) skipped: \(error)")
                    }
                }
            } catch {
                notes.append("OpenCL platforms could not be listed: \(error)")
            }
        }
        return DeviceInventory(host: host, openCLDevices: devices, openCLNotes: notes)
    }

    /// Descriptors of every device: OpenCL devices first, then the native CPU.
    public var descriptors: [DeviceDescriptor] {
        openCLDevices.map { DeviceDescriptor(openCL: $0.info) } + [DeviceDescriptor(host: host)]
    }

    public var gpus: [DiscoveredOpenCLDevice] { openCLDevices.filter { $0.info.type == .gpu } }

    /// One line saying why no GPU is used, when none is.
    public var noGPUReason: String? {
        guard gpus.isEmpty else { return nil }
        if let note = openCLNotes.first { return "No GPU used: \(note); using the native CPU." }
        let others = openCLDevices.map { "\($0.info.id) \($0.info.type.rawValue)" }.joined(separator: ", ")
        return "No GPU used: no OpenCL GPU found" + (others.isEmpty ? "" : " (only \(others))") + "; using the native CPU."
    }
}
