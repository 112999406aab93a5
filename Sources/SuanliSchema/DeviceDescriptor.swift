
/// Which implementation drives a device.
public enum BackendKind: String, Codable, Sendable {
    case opencl, cpu
}

/// What Suanli lists and records about a device, for OpenCL devices and the native CPU alike.
@SnakeCaseCodingKeys(["openCLVersion": "opencl_version"])
public struct DeviceDescriptor: Codable, Sendable, Equatable {
    /// What `--device` accepts: `opencl:P:D` or `cpu`.
    public var id: String
    public var backend: BackendKind
    /// `gpu`, `cpu` or `accelerator`.
    public var type: String
    public var name: String
    public var vendor: String
    public var computeUnits: Int
    public var globalMemoryBytes: Int
    public var maxClockMHz: Double?
    public var driverVersion: String?
    public var openCLVersion: String?
    /// OpenCL devices: the full device info.
    public var opencl: DeviceInfo?
    /// Native CPU: SIMD features.
    public var features: [String]?
    /// Native CPU: cache hierarchy.
    public var caches: [CacheLevel]?

    public init(openCL info: DeviceInfo) {
        id = info.id
        backend = .opencl
        type = info.type == .custom ? "accelerator" : info.type.rawValue
        name = info.name
        vendor = info.vendor
        computeUnits = info.computeUnits
        globalMemoryBytes = info.globalMemoryBytes
        maxClockMHz = Double(info.maxClockMHz)
        driverVersion = info.driverVersion
        openCLVersion = info.deviceVersion
        opencl = info
    }

    public init(host: HostInfo) {
        id = "cpu"
        backend = .cpu
        type = "cpu"
        name = host.cpuModel
        vendor = host.cpuModel.split(separator: " ").first.map(String.init) ?? ""
        computeUnits = host.logicalCores
        globalMemoryBytes = host.memoryBytes
        maxClockMHz = host.maxClockMHz
        features = host.features
        caches = host.caches
    }
}
