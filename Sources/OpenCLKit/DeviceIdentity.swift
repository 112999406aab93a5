import COpenCL

// Vendor queries that place an OpenCL device on the PCI bus or give its UUID, so that a power
// sensor read through another library (NVML, AMD SMI) can be matched to it. None of them is in
// Debian's core headers, so the values are spelled here.

/// `cl_khr_pci_bus_info`: `cl_device_pci_bus_info_khr` (domain, bus, device, function).
let clDevicePCIBusInfoKHR: Int32 = 0x410F
/// `cl_khr_device_uuid`: 16 bytes.
let clDeviceUUIDKHR: Int32 = 0x106A
/// `cl_nv_device_attribute_query`: bus, slot (device << 3 | function) and domain.
let clDevicePCIBusIDNV: Int32 = 0x4008
let clDevicePCISlotIDNV: Int32 = 0x4009
let clDevicePCIDomainIDNV: Int32 = 0x400A
/// `cl_amd_device_attribute_query`: `cl_device_topology_amd` (type 1 = PCIe; bus, device,
/// function in bytes 21, 22, 23).
let clDeviceTopologyAMD: Int32 = 0x4037

/// A PCI address, written as `dddd:bb:dd.f` in lower-case hex (the form `lspci -D` prints).
public struct PCIAddress: Sendable, Hashable, CustomStringConvertible {
    public var domain: Int
    public var bus: Int
    public var device: Int
    public var function: Int

    public init(domain: Int, bus: Int, device: Int, function: Int) {
        self.domain = domain
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// Parses `dddd:bb:dd.f`, `dddddddd:bb:dd.f` (NVML's 8-digit domain) or `bb:dd.f`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let domainText = parts.count == 3 ? parts[0] : "0"
        let busText = parts[parts.count - 2]
        let slot = parts[parts.count - 1].split(separator: ".")
        guard slot.count == 2, let domain = Int(domainText, radix: 16), let bus = Int(busText, radix: 16),
              let device = Int(slot[0], radix: 16), let function = Int(slot[1], radix: 16) else { return nil }
        self.init(domain: domain, bus: bus, device: device, function: function)
    }

    public var description: String {
        func hex(_ value: Int, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        return "\(hex(domain, 4)):\(hex(bus, 2)):\(hex(device, 2)).\(function)"
    }

    /// Same slot: function numbers differ between a GPU's functions (audio, …), so a sensor
    /// matches on domain, bus and device.
    public func sameSlot(as other: PCIAddress) -> Bool {
        domain == other.domain && bus == other.bus && device == other.device
    }
}

extension Device {
    /// Where the device sits on the PCI bus, from whichever query the driver answers; nil for
    /// devices that are not on a PCI bus (CPU devices) or drivers that do not say.
    public func pciAddress(extensions: [String]) -> PCIAddress? {
        if extensions.contains("cl_khr_pci_bus_info"),
           let bytes = try? rawInfo(clDevicePCIBusInfoKHR), bytes.count >= 16 {
            let words = (0..<4).map { i in
                Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self) })
            }
            return PCIAddress(domain: words[0], bus: words[1], device: words[2], function: words[3])
        }
        if extensions.contains("cl_nv_device_attribute_query"),
           let bus = try? scalar(clDevicePCIBusIDNV, as: cl_uint.self),
           let slot = try? scalar(clDevicePCISlotIDNV, as: cl_uint.self) {
            let domain = (try? scalar(clDevicePCIDomainIDNV, as: cl_uint.self)) ?? 0
            return PCIAddress(domain: Int(domain), bus: Int(bus), device: Int(slot >> 3), function: Int(slot & 7))
        }
        if extensions.contains("cl_amd_device_attribute_query"),
           let bytes = try? rawInfo(clDeviceTopologyAMD), bytes.count >= 24,
           bytes.withUnsafeBytes({ $0.loadUnaligned(as: UInt32.self) }) == 1 {
            return PCIAddress(domain: 0, bus: Int(bytes[21]), device: Int(bytes[22]), function: Int(bytes[23]))
        }
        return nil
    }

    /// The device UUID from `cl_khr_device_uuid`, as lower-case hex in the 8-4-4-4-12 grouping.
    public func uuid(extensions: [String]) -> String? {
        guard extensions.contains("cl_khr_device_uuid"),
              let bytes = try? rawInfo(clDeviceUUIDKHR), bytes.count >= 16 else { return nil }
        return formatUUID(Array(bytes.prefix(16)))
    }

    func rawInfo(_ param: Int32) throws(OpenCLError) -> [UInt8] {
        let api = self.api, id = self.id
        return try readInfoBytes("clGetDeviceInfo") { size, value, sizeRet in
            api.clGetDeviceInfo(id, cl_device_info(param), size, value, sizeRet)
        }
    }
}

/// 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
public func formatUUID(_ bytes: [UInt8]) -> String {
    let hex = bytes.map { b -> String in
        let t = String(b, radix: 16)
        return t.count == 1 ? "0" + t : t
    }
    let groups = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]
    return groups.map { hex[$0].joined() }.joined(separator: "-")
}
