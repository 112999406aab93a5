import OpenCLKit
import SuanliSchema

// The bridge from the OpenCL wrapper's raw attributes to the result schema's device record.

extension Device {
    /// Everything a benchmark needs to know about the device, read once: built from
    /// ``attributes()`` exactly as a replayed attribute file is.
    public func info() throws(OpenCLError) -> DeviceInfo {
        DeviceInfo(attributes: try attributes(), id: identifier)
    }
}

extension DeviceType {
    /// `CL_DEVICE_TYPE` as a dump writes it (``DeviceAttributes/typeName(_:)``).
    init(attributeName name: String?) {
        switch name?.uppercased() {
        case "GPU": self = .gpu
        case "CPU": self = .cpu
        case "ACCELERATOR": self = .accelerator
        default: self = .custom
        }
    }
}

extension DeviceInfo {
    /// The device facts from its attributes (live or replayed). Missing attributes read as not
    /// reported: 0, empty, or nil.
    public init(attributes a: DeviceAttributes, id: String) {
        let extensions = (a.string("CL_DEVICE_EXTENSIONS") ?? "").split(separator: " ").map(String.init).sorted()
        let fp64Config = a.int("CL_DEVICE_DOUBLE_FP_CONFIG") ?? 0, fp16Config = a.int("CL_DEVICE_HALF_FP_CONFIG") ?? 0
        func w(_ key: String) -> Int { a.int(key) ?? 0 }
        var v = VendorAttributes()
        v.nvComputeCapabilityMajor = a.int("CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV")
        v.nvComputeCapabilityMinor = a.int("CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV")
        v.amdGfxIPMajor = a.int("CL_DEVICE_GFXIP_MAJOR_AMD")
        v.amdGfxIPMinor = a.int("CL_DEVICE_GFXIP_MINOR_AMD")
        v.amdSIMDPerComputeUnit = a.int("CL_DEVICE_SIMD_PER_COMPUTE_UNIT_AMD")
        v.amdSIMDWidth = a.int("CL_DEVICE_SIMD_WIDTH_AMD")
        v.amdBoardName = a.string("CL_DEVICE_BOARD_NAME_AMD")
        v.amdPCIeID = a.int("CL_DEVICE_PCIE_ID_AMD")
        v.intelIPVersion = a.int("CL_DEVICE_IP_VERSION_INTEL")
        v.intelDeviceID = a.int("CL_DEVICE_ID_INTEL")
        v.intelSlices = a.int("CL_DEVICE_NUM_SLICES_INTEL")
        v.intelSubSlicesPerSlice = a.int("CL_DEVICE_NUM_SUB_SLICES_PER_SLICE_INTEL")
        v.intelEUsPerSubSlice = a.int("CL_DEVICE_NUM_EUS_PER_SUB_SLICE_INTEL")
        v.intelThreadsPerEU = a.int("CL_DEVICE_NUM_THREADS_PER_EU_INTEL")
        v.intelSubGroupSizes = a["CL_DEVICE_SUB_GROUP_SIZES_INTEL"]?.ints
        self.init(
            id: id,
            name: a.string("CL_DEVICE_NAME") ?? "",
            vendor: a.string("CL_DEVICE_VENDOR") ?? "",
            vendorID: a.int("CL_DEVICE_VENDOR_ID") ?? 0,
            driverVersion: a.string("CL_DRIVER_VERSION") ?? "",
            deviceVersion: a.string("CL_DEVICE_VERSION") ?? "",
            openCLCVersion: a.string("CL_DEVICE_OPENCL_C_VERSION") ?? "",
            platformName: a.string("CL_PLATFORM_NAME") ?? "",
            platformVersion: a.string("CL_PLATFORM_VERSION") ?? "",
            type: DeviceType(attributeName: a.string("CL_DEVICE_TYPE")),
            computeUnits: w("CL_DEVICE_MAX_COMPUTE_UNITS"),
            maxClockMHz: w("CL_DEVICE_MAX_CLOCK_FREQUENCY"),
            globalMemoryBytes: w("CL_DEVICE_GLOBAL_MEM_SIZE"),
            localMemoryBytes: w("CL_DEVICE_LOCAL_MEM_SIZE"),
            maxAllocationBytes: w("CL_DEVICE_MAX_MEM_ALLOC_SIZE"),
            globalCacheBytes: w("CL_DEVICE_GLOBAL_MEM_CACHE_SIZE"),
            maxWorkGroupSize: w("CL_DEVICE_MAX_WORK_GROUP_SIZE"),
            maxWorkItemSizes: a["CL_DEVICE_MAX_WORK_ITEM_SIZES"]?.ints ?? [],
            preferredVectorWidth: VectorWidths(float: w("CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT"),
                                               double: w("CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE"),
                                               half: w("CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF")),
            nativeVectorWidth: VectorWidths(float: w("CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT"),
                                            double: w("CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE"),
                                            half: w("CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF")),
            supportsFP64: fp64Config != 0 || extensions.contains("cl_khr_fp64"),
            advertisesFP16: fp16Config != 0 || extensions.contains("cl_khr_fp16"),
            profilingTimerResolutionNs: w("CL_DEVICE_PROFILING_TIMER_RESOLUTION"),
            extensions: extensions,
            pciBusID: a.string("CL_DEVICE_PCI_BUS_INFO_KHR"),
            uuid: a.string("CL_DEVICE_UUID_KHR"),
            vendorAttributes: v == VendorAttributes() ? nil : v)
    }
}
