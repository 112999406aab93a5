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
@MemberwiseInit
@SnakeCaseCodingKeys(["amdGfxIPMajor": "amd_gfxip_major", "amdGfxIPMinor": "amd_gfxip_minor", "amdSIMDPerComputeUnit": "amd_simd_per_cu"])
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
}

/// Preferred or native vector widths by element type.
@MemberwiseInit
public struct VectorWidths: Sendable, Codable, Equatable {
    public var float: Int
    public var double: Int
    public var half: Int
}

/// Device facts a benchmark needs, as plain values.
@MemberwiseInit
@SnakeCaseCodingKeys(["deviceVersion": "opencl_version", "openCLCVersion": "opencl_c_version", "supportsFP64": "fp64", "advertisesFP16": "fp16_advertised"])
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
}
