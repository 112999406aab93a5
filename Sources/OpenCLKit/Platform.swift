import COpenCL

/// An OpenCL platform (one installed driver). Platforms are not reference counted.
/// Platform ids stay valid for the life of the process, so sharing them is safe.
public struct Platform: @unchecked Sendable {
    public let library: OpenCLLibrary
    let id: cl_platform_id
    /// Position in the loader's platform list; part of Suanli's device ids (`opencl:P:D`).
    public let index: Int

    public var name: String { (try? string(CL_PLATFORM_NAME)) ?? "" }
    public var vendor: String { (try? string(CL_PLATFORM_VENDOR)) ?? "" }
    public var version: String { (try? string(CL_PLATFORM_VERSION)) ?? "" }

    private func string(_ param: Int32) throws(OpenCLError) -> String {
        let api = library.api
        let id = self.id
        return try readInfoString("clGetPlatformInfo") { size, value, sizeRet in
            api.clGetPlatformInfo(id, cl_platform_info(param), size, value, sizeRet)
        }
    }

    /// Devices of this platform. A platform without devices of `type` returns an empty list.
    public func devices(type: OpenCLDeviceType = .all) throws(OpenCLError) -> [Device] {
        // Drivers initialise devices lazily here (PoCL 3.1 races when two threads do it first).
        try OpenCLLibrary.discoveryLock.withLock { _ throws(OpenCLError) in try unlockedDevices(type: type) }
    }

    private func unlockedDevices(type: OpenCLDeviceType) throws(OpenCLError) -> [Device] {
        var count: cl_uint = 0
        let status = library.api.clGetDeviceIDs(id, type.clValue, 0, nil, &count)
        if status == CL_DEVICE_NOT_FOUND || count == 0 { return [] }
        try check(status, "clGetDeviceIDs")
        var ids = [cl_device_id?](repeating: nil, count: Int(count))
        try check(library.api.clGetDeviceIDs(id, type.clValue, count, &ids, nil), "clGetDeviceIDs")
        return ids.enumerated().compactMap { index, id in
            id.map { Device(platform: self, id: $0, index: index) }
        }
    }
}

/// OpenCL device types.
public enum OpenCLDeviceType: String, Sendable, Codable, CaseIterable {
    case gpu, cpu, accelerator, custom, all

    var clValue: cl_device_type {
        switch self {
        case .gpu: cl_device_type(CL_DEVICE_TYPE_GPU)
        case .cpu: cl_device_type(CL_DEVICE_TYPE_CPU)
        case .accelerator: cl_device_type(CL_DEVICE_TYPE_ACCELERATOR)
        case .custom: cl_device_type(CL_DEVICE_TYPE_CUSTOM)
        case .all: cl_device_type(CL_DEVICE_TYPE_ALL)
        }
    }

    init(clValue: cl_device_type) {
        if clValue & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { self = .gpu }
        else if clValue & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { self = .accelerator }
        else if clValue & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { self = .cpu }
        else { self = .custom }
    }
}

/// Calls a two-step `clGet…Info` function for a string value.
func readInfoString(
    _ function: StaticString,
    _ call: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int
) throws(OpenCLError) -> String {
    let bytes = try readInfoBytes(function, call)
    let trimmed = bytes.prefix { $0 != 0 }
    return String(decoding: trimmed, as: UTF8.self).trimmingTrailingSpaces()
}

/// Calls a two-step `clGet…Info` function and returns the raw bytes.
func readInfoBytes(
    _ function: StaticString,
    _ call: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int
) throws(OpenCLError) -> [UInt8] {
    var size = 0
    try check(call(0, nil, &size), function)
    if size == 0 { return [] }
    var bytes = [UInt8](repeating: 0, count: size)
    let status = bytes.withUnsafeMutableBytes { call(size, $0.baseAddress, nil) }
    try check(status, function)
    return bytes
}

/// Calls a `clGet…Info` function for a fixed-size scalar value.
func readInfoScalar<T: BitwiseCopyable>(
    _ type: T.Type,
    _ function: StaticString,
    _ call: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int
) throws(OpenCLError) -> T {
    let bytes = try readInfoBytes(function, call)
    guard bytes.count >= MemoryLayout<T>.size else {
        throw .invalidRequest("\(function) returned \(bytes.count) bytes, expected \(MemoryLayout<T>.size)")
    }
    return bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\n" || last == "\t" { s.removeLast() }
        while let first = s.first, first == " " { s.removeFirst() }
        return String(s)
    }
}
