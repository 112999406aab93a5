import COpenCL

/// One attribute value as `suanli devices --dump` writes it: a number, a string or a list of
/// numbers (`CL_DEVICE_MAX_WORK_ITEM_SIZES`, `CL_DEVICE_SUB_GROUP_SIZES_INTEL`).
public enum AttributeValue: Sendable, Equatable, Codable {
    case int(Int)
    case string(String)
    case ints([Int])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Int.self) { self = .int(v); return }
        if let v = try? c.decode(String.self) { self = .string(v); return }
        if let v = try? c.decode([Int].self) { self = .ints(v); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an integer, a string or a list of integers")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .ints(let v): try c.encode(v)
        }
    }

    public var int: Int? { if case .int(let v) = self { return v }; return nil }
    public var string: String? { if case .string(let v) = self { return v }; return nil }
    public var ints: [Int]? { if case .ints(let v) = self { return v }; return nil }
}

/// Every OpenCL attribute Suanli reads from a device, keyed by its OpenCL name
/// (`CL_DEVICE_MAX_COMPUTE_UNITS`, `CL_DEVICE_BOARD_NAME_AMD`, …). A device's `DeviceInfo` (SuanliCore) is
/// built from these, live or replayed from a file, so a replayed device is judged exactly as a
/// live one with the same attributes. A missing key is an attribute the device does not report.
public struct DeviceAttributes: Sendable, Equatable, Codable {
    public var values: [String: AttributeValue]

    public init(_ values: [String: AttributeValue] = [:]) { self.values = values }

    public init(from decoder: any Decoder) throws {
        values = try [String: AttributeValue](from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try values.encode(to: encoder)
    }

    public subscript(_ key: String) -> AttributeValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public func int(_ key: String) -> Int? { values[key]?.int }
    public func string(_ key: String) -> String? { values[key]?.string }

    /// `CL_DEVICE_TYPE` as written in a dump.
    public static func typeName(_ type: OpenCLDeviceType) -> String {
        switch type {
        case .gpu: "GPU"
        case .cpu: "CPU"
        case .accelerator: "ACCELERATOR"
        case .custom: "CUSTOM"
        case .all: "ALL"
        }
    }
}

/// Attribute names and values of the vendor queries (the extensions' headers are not in Debian's).
enum VendorQuery {
    static let nvidia: [(String, Int32)] = [
        ("CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV", 0x4000),
        ("CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV", 0x4001),
    ]
    static let amd: [(String, Int32)] = [
        ("CL_DEVICE_SIMD_PER_COMPUTE_UNIT_AMD", 0x4040),
        ("CL_DEVICE_SIMD_WIDTH_AMD", 0x4041),
        ("CL_DEVICE_GFXIP_MAJOR_AMD", 0x404A),
        ("CL_DEVICE_GFXIP_MINOR_AMD", 0x404B),
        ("CL_DEVICE_PCIE_ID_AMD", 0x4034),
    ]
    static let amdBoardName: Int32 = 0x4038
    static let intel: [(String, Int32)] = [
        ("CL_DEVICE_IP_VERSION_INTEL", 0x4250),
        ("CL_DEVICE_ID_INTEL", 0x4251),
        ("CL_DEVICE_NUM_SLICES_INTEL", 0x4252),
        ("CL_DEVICE_NUM_SUB_SLICES_PER_SLICE_INTEL", 0x4253),
        ("CL_DEVICE_NUM_EUS_PER_SUB_SLICE_INTEL", 0x4254),
        ("CL_DEVICE_NUM_THREADS_PER_EU_INTEL", 0x4255),
    ]
    static let intelSubGroupSizes: Int32 = 0x4108
}

extension Device {
    /// Reads every attribute Suanli uses. Name, vendor, type and the core sizes must answer;
    /// the rest are left out where the driver does not report them.
    public func attributes() throws(OpenCLError) -> DeviceAttributes {
        var a = DeviceAttributes()
        func put(_ key: String, _ value: AttributeValue?) { if let value { a[key] = value } }
        func uint(_ p: Int32) -> AttributeValue? { (try? scalar(p, as: cl_uint.self)).map { .int(Int($0)) } }
        func ulong(_ p: Int32) -> AttributeValue? { (try? scalar(p, as: cl_ulong.self)).map { .int(Int(clamping: $0)) } }
        func size(_ p: Int32) -> AttributeValue? { (try? scalar(p, as: Int.self)).map { .int($0) } }
        func text(_ p: Int32) -> AttributeValue? { (try? string(p)).map { .string($0) } }

        a["CL_DEVICE_NAME"] = .string(try string(CL_DEVICE_NAME))
        a["CL_DEVICE_VENDOR"] = .string(try string(CL_DEVICE_VENDOR))
        a["CL_DEVICE_VENDOR_ID"] = .int(Int(try scalar(CL_DEVICE_VENDOR_ID, as: cl_uint.self)))
        a["CL_DRIVER_VERSION"] = .string(try string(CL_DRIVER_VERSION))
        a["CL_DEVICE_VERSION"] = .string(try string(CL_DEVICE_VERSION))
        put("CL_DEVICE_OPENCL_C_VERSION", text(CL_DEVICE_OPENCL_C_VERSION))
        a["CL_PLATFORM_NAME"] = .string(platform.name)
        a["CL_PLATFORM_VERSION"] = .string(platform.version)
        a["CL_DEVICE_TYPE"] = .string(DeviceAttributes.typeName(OpenCLDeviceType(clValue: try scalar(CL_DEVICE_TYPE, as: cl_device_type.self))))
        a["CL_DEVICE_MAX_COMPUTE_UNITS"] = .int(Int(try scalar(CL_DEVICE_MAX_COMPUTE_UNITS, as: cl_uint.self)))
        a["CL_DEVICE_MAX_CLOCK_FREQUENCY"] = .int(Int(try scalar(CL_DEVICE_MAX_CLOCK_FREQUENCY, as: cl_uint.self)))
        a["CL_DEVICE_GLOBAL_MEM_SIZE"] = .int(Int(clamping: try scalar(CL_DEVICE_GLOBAL_MEM_SIZE, as: cl_ulong.self)))
        a["CL_DEVICE_LOCAL_MEM_SIZE"] = .int(Int(clamping: try scalar(CL_DEVICE_LOCAL_MEM_SIZE, as: cl_ulong.self)))
        a["CL_DEVICE_MAX_MEM_ALLOC_SIZE"] = .int(Int(clamping: try scalar(CL_DEVICE_MAX_MEM_ALLOC_SIZE, as: cl_ulong.self)))
        put("CL_DEVICE_GLOBAL_MEM_CACHE_SIZE", ulong(CL_DEVICE_GLOBAL_MEM_CACHE_SIZE))
        a["CL_DEVICE_MAX_WORK_GROUP_SIZE"] = .int(try scalar(CL_DEVICE_MAX_WORK_GROUP_SIZE, as: Int.self))
        put("CL_DEVICE_MAX_WORK_ITEM_SIZES", (try? sizes(CL_DEVICE_MAX_WORK_ITEM_SIZES)).map { .ints($0) })
        put("CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT", uint(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT))
        put("CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE", uint(CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE))
        put("CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF", uint(CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF))
        put("CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT", uint(CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT))
        put("CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE", uint(CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE))
        put("CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF", uint(CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF))
        put("CL_DEVICE_DOUBLE_FP_CONFIG", ulong(CL_DEVICE_DOUBLE_FP_CONFIG))
        put("CL_DEVICE_HALF_FP_CONFIG", ulong(CL_DEVICE_HALF_FP_CONFIG))
        a["CL_DEVICE_PROFILING_TIMER_RESOLUTION"] = .int(try scalar(CL_DEVICE_PROFILING_TIMER_RESOLUTION, as: Int.self))
        let extensionText = try string(CL_DEVICE_EXTENSIONS)
        a["CL_DEVICE_EXTENSIONS"] = .string(extensionText)
        let extensions = extensionText.split(separator: " ").map(String.init)
        put("CL_DEVICE_PCI_BUS_INFO_KHR", pciBusID(extensions: extensions).map { .string($0) })
        put("CL_DEVICE_UUID_KHR", uuid(extensions: extensions).map { .string($0) })
        if extensions.contains("cl_nv_device_attribute_query") {
            for (key, p) in VendorQuery.nvidia { put(key, uint(p)) }
        }
        if extensions.contains("cl_amd_device_attribute_query") {
            for (key, p) in VendorQuery.amd { put(key, uint(p)) }
            put("CL_DEVICE_BOARD_NAME_AMD", text(VendorQuery.amdBoardName))
        }
        if extensions.contains("cl_intel_device_attribute_query") {
            for (key, p) in VendorQuery.intel { put(key, uint(p)) }
        }
        if extensions.contains("cl_intel_required_subgroup_size") {
            put("CL_DEVICE_SUB_GROUP_SIZES_INTEL", (try? sizes(VendorQuery.intelSubGroupSizes)).map { .ints($0) })
        }
        return a
    }
}
