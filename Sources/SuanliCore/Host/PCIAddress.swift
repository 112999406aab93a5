import SuanliSchema

/// A PCI address, written as `dddd:bb:dd.f` in lower-case hex (the form `lspci -D` prints).

@MemberwiseInit
public struct PCIAddress: Sendable, Hashable, CustomStringConvertible {
    public var domain: Int
    public var bus: Int
    public var device: Int
    public var function: Int

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
