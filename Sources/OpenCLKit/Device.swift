import COpenCL

/// An OpenCL device. Root devices are not reference counted.
/// Root device ids stay valid for the life of the process, so sharing them is safe.
public struct Device: @unchecked Sendable {
    public let platform: Platform
    let id: cl_device_id
    /// Position within its platform's device list.
    public let index: Int

    var api: API { platform.library.api }

    /// Suanli's identifier for the device: `opencl:<platform>:<device>`.
    public var identifier: String { "opencl:\(platform.index):\(index)" }

    func string(_ param: Int32) throws(OpenCLError) -> String {
        let api = self.api, id = self.id
        return try readInfoString("clGetDeviceInfo") { size, value, sizeRet in
            api.clGetDeviceInfo(id, cl_device_info(param), size, value, sizeRet)
        }
    }

    func scalar<T: BitwiseCopyable>(_ param: Int32, as type: T.Type) throws(OpenCLError) -> T {
        let api = self.api, id = self.id
        return try readInfoScalar(T.self, "clGetDeviceInfo") { size, value, sizeRet in
            api.clGetDeviceInfo(id, cl_device_info(param), size, value, sizeRet)
        }
    }

    func sizes(_ param: Int32) throws(OpenCLError) -> [Int] {
        let api = self.api, id = self.id
        let bytes = try readInfoBytes("clGetDeviceInfo") { size, value, sizeRet in
            api.clGetDeviceInfo(id, cl_device_info(param), size, value, sizeRet)
        }
        return bytes.withUnsafeBytes { raw in
            (0..<(raw.count / MemoryLayout<Int>.size)).map {
                raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Int>.size, as: Int.self)
            }
        }
    }

    public var name: String { (try? string(CL_DEVICE_NAME)) ?? "" }
}
