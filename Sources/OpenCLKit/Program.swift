import COpenCL
#if canImport(Glibc)
import Glibc
#endif

/// A program built from OpenCL C source. Releases itself on deinit.
public final class Program: @unchecked Sendable {
    public let context: Context
    let id: cl_program

    /// Creates and builds a program for every device of `context`.
    /// A failed build throws ``OpenCLError/buildFailed(_:log:options:)`` with the full log.
    public init(context: Context, source: String, options: String = "") throws(OpenCLError) {
        let api = context.library.api
        var status: cl_int = 0
        let created: cl_program? = source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            var length = strlen(text)
            return api.clCreateProgramWithSource(context.id, 1, &pointer, &length, &status)
        }
        guard let created, status == CL_SUCCESS else {
            throw .call(CLStatus(status), function: "clCreateProgramWithSource")
        }
        self.context = context
        self.id = created
        context.library.noteCreated(.program)

        var ids: [cl_device_id?] = context.devices.map { $0.id }
        let buildStatus = options.withCString { api.clBuildProgram(created, cl_uint(ids.count), &ids, $0, nil, nil) }
        if buildStatus != CL_SUCCESS {
            let log = context.devices.map { buildLog(for: $0) }.joined(separator: "\n")
            throw .buildFailed(CLStatus(buildStatus), log: log, options: options)
        }
    }

    deinit {
        _ = context.library.api.clReleaseProgram(id)
        context.library.noteReleased(.program)
    }

    /// The compiler's log for `device` (warnings even after a successful build).
    public func buildLog(for device: Device) -> String {
        let api = context.library.api, id = self.id
        return (try? readInfoString("clGetProgramBuildInfo") { size, value, sizeRet in
            api.clGetProgramBuildInfo(id, device.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, value, sizeRet)
        }) ?? ""
    }

    /// Creates the kernel `name` from this program.
    public func kernel(named name: String) throws(OpenCLError) -> Kernel {
        try Kernel(program: self, name: name)
    }
}

/// A kernel with typed argument setters. Releases itself on deinit.
/// Not `Sendable`: setting arguments on one kernel from two threads is a race.
public final class Kernel {
    public let program: Program
    public let name: String
    let id: cl_kernel
    var api: API { program.context.library.api }

    init(program: Program, name: String) throws(OpenCLError) {
        var status: cl_int = 0
        guard let kernel = program.context.library.api.clCreateKernel(program.id, name, &status), status == CL_SUCCESS else {
            throw .call(CLStatus(status), function: "clCreateKernel(\(name))")
        }
        self.program = program
        self.name = name
        self.id = kernel
        program.context.library.noteCreated(.kernel)
    }

    deinit {
        _ = api.clReleaseKernel(id)
        program.context.library.noteReleased(.kernel)
    }

    /// Sets argument `index` to a device buffer.
    public func setArgument(_ index: Int, _ buffer: Buffer) throws(OpenCLError) {
        var mem: cl_mem? = buffer.id
        try check(api.clSetKernelArg(id, cl_uint(index), MemoryLayout<cl_mem>.size, &mem), "clSetKernelArg")
    }

    /// Sets argument `index` to a plain value (`Int32`, `Float`, `Double`, `UInt16` for half, …).
    /// The Swift type's size must match the kernel's parameter type.
    public func setArgument<T: BitwiseCopyable>(_ index: Int, _ value: T) throws(OpenCLError) {
        var copy = value
        try check(api.clSetKernelArg(id, cl_uint(index), MemoryLayout<T>.size, &copy), "clSetKernelArg")
    }

    /// Sets argument `index` to `byteCount` bytes of local memory.
    public func setLocalArgument(_ index: Int, byteCount: Int) throws(OpenCLError) {
        try check(api.clSetKernelArg(id, cl_uint(index), byteCount, nil), "clSetKernelArg")
    }

    /// Sets arguments `first`, `first + 1`, … in order: one call for a kernel's whole list.
    public func setArguments(from first: Int = 0, _ arguments: KernelArgument...) throws(OpenCLError) {
        for (offset, argument) in arguments.enumerated() {
            switch argument {
            case .buffer(let buffer): try setArgument(first + offset, buffer)
            case .value(let value): try setArgument(first + offset, value)
            case .local(let bytes): try setLocalArgument(first + offset, byteCount: bytes)
            }
        }
    }

    /// The largest work-group this kernel can be launched with on `device` (`CL_KERNEL_WORK_GROUP_SIZE`).
    public func maxWorkGroupSize(on device: Device) throws(OpenCLError) -> Int {
        try workGroupInfo(CL_KERNEL_WORK_GROUP_SIZE, on: device, as: Int.self)
    }

    /// Local memory the kernel uses on `device`, in bytes, its `__local` arrays and local
    /// arguments included (`CL_KERNEL_LOCAL_MEM_SIZE`).
    public func localMemoryBytes(on device: Device) throws(OpenCLError) -> Int {
        Int(try workGroupInfo(CL_KERNEL_LOCAL_MEM_SIZE, on: device, as: cl_ulong.self))
    }

    /// Private memory per work-item on `device`, in bytes (`CL_KERNEL_PRIVATE_MEM_SIZE`; register
    /// spills show here on some drivers).
    public func privateMemoryBytes(on device: Device) throws(OpenCLError) -> Int {
        Int(try workGroupInfo(CL_KERNEL_PRIVATE_MEM_SIZE, on: device, as: cl_ulong.self))
    }

    /// The work-group size multiple the driver prefers (`CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE`).
    public func preferredWorkGroupSizeMultiple(on device: Device) throws(OpenCLError) -> Int {
        try workGroupInfo(CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, on: device, as: Int.self)
    }

    func workGroupInfo<T: BitwiseCopyable>(_ param: Int32, on device: Device, as type: T.Type) throws(OpenCLError) -> T {
        let api = self.api, id = self.id
        return try readInfoScalar(T.self, "clGetKernelWorkGroupInfo") { size, value, sizeRet in
            api.clGetKernelWorkGroupInfo(id, device.id, cl_kernel_work_group_info(param), size, value, sizeRet)
        }
    }
}

/// One argument of ``Kernel/setArguments(from:_:)``.
public enum KernelArgument {
    /// A device buffer (`__global` pointer).
    case buffer(Buffer)
    /// A plain value; the Swift type's size must match the kernel's parameter type.
    case value(any BitwiseCopyable)
    /// `bytes` of local memory (`__local` pointer).
    case local(bytes: Int)

    /// An `int` (`Int32`) argument from a Swift `Int`.
    public static func int(_ value: Int) -> KernelArgument { .value(Int32(truncatingIfNeeded: value)) }
    /// A `uint` (`UInt32`) argument from a Swift `Int`.
    public static func uint(_ value: Int) -> KernelArgument { .value(UInt32(truncatingIfNeeded: value)) }
}
