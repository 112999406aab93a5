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

extension Device {
    /// Where the device sits on the PCI bus, as `dddd:bb:dd.f` in lower-case hex (the form
    /// `lspci -D` prints), from whichever query the driver answers; nil for devices that are not
    /// on a PCI bus (CPU devices) or drivers that do not say.
    public func pciBusID(extensions: [String]) -> String? {
        pciLocation(extensions: extensions).map { d, b, s, f in
            "\(hex(d, digits: 4)):\(hex(b, digits: 2)):\(hex(s, digits: 2)).\(f)"
        }
    }

    private func pciLocation(extensions: [String]) -> (domain: Int, bus: Int, device: Int, function: Int)? {
        if extensions.contains("cl_khr_pci_bus_info"),
           let bytes = try? rawInfo(clDevicePCIBusInfoKHR), bytes.count >= 16 {
            let words = (0..<4).map { i in
                Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self) })
            }
            return (words[0], words[1], words[2], words[3])
        }
        if extensions.contains("cl_nv_device_attribute_query"),
           let bus = try? scalar(clDevicePCIBusIDNV, as: cl_uint.self),
           let slot = try? scalar(clDevicePCISlotIDNV, as: cl_uint.self) {
            let domain = (try? scalar(clDevicePCIDomainIDNV, as: cl_uint.self)) ?? 0
            return (Int(domain), Int(bus), Int(slot >> 3), Int(slot & 7))
        }
        if extensions.contains("cl_amd_device_attribute_query"),
           let bytes = try? rawInfo(clDeviceTopologyAMD), bytes.count >= 24,
           bytes.withUnsafeBytes({ $0.loadUnaligned(as: UInt32.self) }) == 1 {
            return (0, Int(bytes[21]), Int(bytes[22]), Int(bytes[23]))
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

/// `value` in lower-case hex, zero-padded to `digits`.
func hex(_ value: Int, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}

/// 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
public func formatUUID(_ bytes: [UInt8]) -> String {
    let hexBytes = bytes.map { hex(Int($0), digits: 2) }
    let groups = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]
    return groups.map { hexBytes[$0].joined() }.joined(separator: "-")
}
