/// An OpenCL device's facts as a result file records them (`device.opencl`): plain values,
/// filled in by the OpenCL backend from the driver's attributes (``DeviceInfo/init(attributes:id:)``
/// in SuanliCore) or replayed from a dump. No OpenCL library is needed to read them.

/// The OpenCL device type (`CL_DEVICE_TYPE`).
public enum DeviceType: String, Sendable, Codable, CaseIterable {
    case gpu, cpu, accelerator, custom, all
}

/// Hardware facts from vendor extensions: `cl_nv_device_attribute_query` (compute capability),
/// `cl_amd_device_attribute_query` (gfx IP, SIMDs per CU, SIMD width, board, PCIe id) and
/// `cl_intel_device_attribute_query` (IP version, slices, EUs). Nil where not reported.
public struct VendorAttributes: Sendable, Codable, Equatable {
    public var nvComputeCapabilityMajor: Int?
    public var nvComputeCapabilityMinor: Int?
    public var amdGfxIPMajor: Int?
    public var amdGfxIPMinor: Int?
    public var amdSIMDPerComputeUnit: Int?
    public var amdSIMDWidth: Int?
    public var amdBoardName: String?
    public var amdPCIeID: Int?
    public var intelIPVersion: Int?
    public var intelDeviceID: Int?
    public var intelSlices: Int?
    public var intelSubSlicesPerSlice: Int?
    public var intelEUsPerSubSlice: Int?
    public var intelThreadsPerEU: Int?
    /// Sub-group sizes the device supports (`cl_intel_required_subgroup_size`); Intel's DPAS
    /// needs the smallest.
    public var intelSubGroupSizes: [Int]?

    public init(nvComputeCapabilityMajor: Int? = nil, nvComputeCapabilityMinor: Int? = nil, amdGfxIPMajor: Int? = nil,
                amdGfxIPMinor: Int? = nil, amdSIMDPerComputeUnit: Int? = nil, amdSIMDWidth: Int? = nil,
                amdBoardName: String? = nil, amdPCIeID: Int? = nil, intelIPVersion: Int? = nil, intelDeviceID: Int? = nil,
                intelSlices: Int? = nil, intelSubSlicesPerSlice: Int? = nil, intelEUsPerSubSlice: Int? = nil,
                intelThreadsPerEU: Int? = nil, intelSubGroupSizes: [Int]? = nil) {
        self.nvComputeCapabilityMajor = nvComputeCapabilityMajor
        self.nvComputeCapabilityMinor = nvComputeCapabilityMinor
        self.amdGfxIPMajor = amdGfxIPMajor
        self.amdGfxIPMinor = amdGfxIPMinor
        self.amdSIMDPerComputeUnit = amdSIMDPerComputeUnit
        self.amdSIMDWidth = amdSIMDWidth
        self.amdBoardName = amdBoardName
        self.amdPCIeID = amdPCIeID
        self.intelIPVersion = intelIPVersion
        self.intelDeviceID = intelDeviceID
        self.intelSlices = intelSlices
        self.intelSubSlicesPerSlice = intelSubSlicesPerSlice
        self.intelEUsPerSubSlice = intelEUsPerSubSlice
        self.intelThreadsPerEU = intelThreadsPerEU
        self.intelSubGroupSizes = intelSubGroupSizes
    }

    enum CodingKeys: String, CodingKey {
        case nvComputeCapabilityMajor = "nv_compute_capability_major"
        case nvComputeCapabilityMinor = "nv_compute_capability_minor"
        case amdGfxIPMajor = "amd_gfxip_major"
        case amdGfxIPMinor = "amd_gfxip_minor"
        case amdSIMDPerComputeUnit = "amd_simd_per_cu"
        case amdSIMDWidth = "amd_simd_width"
        case amdBoardName = "amd_board_name"
        case amdPCIeID = "amd_pcie_id"
        case intelIPVersion = "intel_ip_version"
        case intelDeviceID = "intel_device_id"
        case intelSlices = "intel_slices"
        case intelSubSlicesPerSlice = "intel_sub_slices_per_slice"
        case intelEUsPerSubSlice = "intel_eus_per_sub_slice"
        case intelThreadsPerEU = "intel_threads_per_eu"
        case intelSubGroupSizes = "intel_sub_group_sizes"
    }
}

/// Preferred or native vector widths by element type.
public struct VectorWidths: Sendable, Codable, Equatable {
    public var float: Int
    public var double: Int
    public var half: Int

    public init(float: Int, double: Int, half: Int) {
        self.float = float
        self.double = double
        self.half = half
    }
}

/// Device facts a benchmark needs, as plain values.
public struct DeviceInfo: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var vendor: String
    public var vendorID: Int
    public var driverVersion: String
    public var deviceVersion: String
    public var openCLCVersion: String
    public var platformName: String
    public var platformVersion: String
    public var type: DeviceType
    public var computeUnits: Int
    public var maxClockMHz: Int
    public var globalMemoryBytes: Int
    public var localMemoryBytes: Int
    public var maxAllocationBytes: Int
    public var globalCacheBytes: Int
    public var maxWorkGroupSize: Int
    public var maxWorkItemSizes: [Int]
    public var preferredVectorWidth: VectorWidths
    public var nativeVectorWidth: VectorWidths
    /// The device reports double-precision support.
    public var supportsFP64: Bool
    /// The device advertises half precision (`cl_khr_fp16` or a half FP config). NVIDIA does
    /// not, though basic half arithmetic compiles there: Suanli probes by compiling.
    public var advertisesFP16: Bool
    public var profilingTimerResolutionNs: Int
    public var extensions: [String]
    /// PCI address `dddd:bb:dd.f` (from `cl_khr_pci_bus_info`, NVIDIA's or AMD's query); nil when
    /// the device is not on a PCI bus or the driver does not say.
    public var pciBusID: String? = nil
    /// The device UUID (`cl_khr_device_uuid`), 8-4-4-4-12 lower-case hex.
    public var uuid: String? = nil
    /// Vendor attribute queries, where the device supports one.
    public var vendorAttributes: VendorAttributes?

    public init(id: String, name: String, vendor: String, vendorID: Int, driverVersion: String,
                deviceVersion: String, openCLCVersion: String, platformName: String, platformVersion: String,
                type: DeviceType, computeUnits: Int, maxClockMHz: Int, globalMemoryBytes: Int, localMemoryBytes: Int,
                maxAllocationBytes: Int, globalCacheBytes: Int, maxWorkGroupSize: Int, maxWorkItemSizes: [Int],
                preferredVectorWidth: VectorWidths, nativeVectorWidth: VectorWidths, supportsFP64: Bool,
                advertisesFP16: Bool, profilingTimerResolutionNs: Int, extensions: [String], pciBusID: String? = nil,
                uuid: String? = nil, vendorAttributes: VendorAttributes? = nil) {
        self.id = id
        self.name = name
        self.vendor = vendor
        self.vendorID = vendorID
        self.driverVersion = driverVersion
        self.deviceVersion = deviceVersion
        self.openCLCVersion = openCLCVersion
        self.platformName = platformName
        self.platformVersion = platformVersion
        self.type = type
        self.computeUnits = computeUnits
        self.maxClockMHz = maxClockMHz
        self.globalMemoryBytes = globalMemoryBytes
        self.localMemoryBytes = localMemoryBytes
        self.maxAllocationBytes = maxAllocationBytes
        self.globalCacheBytes = globalCacheBytes
        self.maxWorkGroupSize = maxWorkGroupSize
        self.maxWorkItemSizes = maxWorkItemSizes
        self.preferredVectorWidth = preferredVectorWidth
        self.nativeVectorWidth = nativeVectorWidth
        self.supportsFP64 = supportsFP64
        self.advertisesFP16 = advertisesFP16
        self.profilingTimerResolutionNs = profilingTimerResolutionNs
        self.extensions = extensions
        self.pciBusID = pciBusID
        self.uuid = uuid
        self.vendorAttributes = vendorAttributes
    }

    enum CodingKeys: String, CodingKey {
        case id, name, vendor, type, extensions
        case vendorID = "vendor_id"
        case driverVersion = "driver_version"
        case deviceVersion = "opencl_version"
        case openCLCVersion = "opencl_c_version"
        case platformName = "platform_name"
        case platformVersion = "platform_version"
        case computeUnits = "compute_units"
        case maxClockMHz = "max_clock_mhz"
        case globalMemoryBytes = "global_memory_bytes"
        case localMemoryBytes = "local_memory_bytes"
        case maxAllocationBytes = "max_allocation_bytes"
        case globalCacheBytes = "global_cache_bytes"
        case maxWorkGroupSize = "max_work_group_size"
        case maxWorkItemSizes = "max_work_item_sizes"
        case preferredVectorWidth = "preferred_vector_width"
        case nativeVectorWidth = "native_vector_width"
        case supportsFP64 = "fp64"
        case advertisesFP16 = "fp16_advertised"
        case profilingTimerResolutionNs = "profiling_timer_resolution_ns"
        case pciBusID = "pci_bus_id"
        case uuid
        case vendorAttributes = "vendor_attributes"
    }
}
