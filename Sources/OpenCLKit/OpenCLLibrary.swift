import COpenCL
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The OpenCL ICD loader (`libOpenCL.so.1`), opened at run time with `dlopen`.
///
/// Suanli does not link OpenCL at build time: a machine without an ICD loader still runs
/// the native CPU path, and a statically linked `suanli` carried to a GPU machine finds that
/// machine's loader (or one placed beside it via `LD_LIBRARY_PATH`).
///
/// Every handle object keeps its library alive and counts itself in ``liveHandles`` so
/// tests can prove that each OpenCL object is released exactly once.
public final class OpenCLLibrary: Sendable {
    /// The path or soname that was opened.
    public let path: String
    let api: API
    nonisolated(unsafe) private let handle: UnsafeMutableRawPointer
    private let counters = Mutex<[HandleKind: (created: Int, released: Int)]>([:])

    /// Names tried, in order, when no explicit path is given.
    public static let defaultNames = ["libOpenCL.so.1", "libOpenCL.so", "/usr/lib/x86_64-linux-gnu/libOpenCL.so.1"]

    /// The process-wide loader, opened on first use. Immutable once made.
    public static let shared = Result<OpenCLLibrary, OpenCLError> { () throws(OpenCLError) in try OpenCLLibrary() }

    /// Opens the ICD loader. `path` may be a soname or a file; `nil` tries ``defaultNames``.
    /// The environment variable `SUANLI_OPENCL_LIBRARY` overrides the default names.
    public init(path: String? = nil) throws(OpenCLError) {
        var candidates = Self.defaultNames
        if let override = getenv("SUANLI_OPENCL_LIBRARY").map({ String(cString: $0) }), !override.isEmpty {
            candidates = [override]
        }
        if let path { candidates = [path] }
        var lastError = "not found"
        for name in candidates {
            if let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                do {
                    self.api = try API(handle: h)
                } catch {
                    dlclose(h)
                    throw error
                }
                self.handle = h
                self.path = name
                return
            }
            if let message = dlerror() { lastError = String(cString: message) }
        }
        throw .libraryUnavailable(reason: "no OpenCL ICD loader could be opened (\(lastError))")
    }

    deinit { dlclose(handle) }

    /// Counts of OpenCL objects this library created and released, by kind.
    public var handleCounts: [HandleKind: (created: Int, released: Int)] { counters.withLock { $0 } }

    /// Number of objects created and not yet released, over all kinds.
    public var liveHandles: Int {
        counters.withLock { $0.values.reduce(0) { $0 + $1.created - $1.released } }
    }

    func noteCreated(_ kind: HandleKind) {
        counters.withLock { $0[kind, default: (0, 0)].created += 1 }
    }

    func noteReleased(_ kind: HandleKind) {
        counters.withLock { $0[kind, default: (0, 0)].released += 1 }
    }

    /// Platforms offered by the installed ICDs. An empty list (no ICD registered) is not an error.
    public func platforms() throws(OpenCLError) -> [Platform] {
        // The ICD loader initialises itself on the first call and is not safe against two
        // first calls at once (seen with ocl-icd: one caller saw no platform), so discovery
        // is serialised process-wide.
        try Self.discoveryLock.withLock { _ throws(OpenCLError) in try unlockedPlatforms() }
    }

    static let discoveryLock = Mutex<Void>(())

    private func unlockedPlatforms() throws(OpenCLError) -> [Platform] {
        var count: cl_uint = 0
        let status = api.clGetPlatformIDs(0, nil, &count)
        // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR (-1001) when no vendor is registered.
        if status == -1001 || count == 0 { return [] }
        try check(status, "clGetPlatformIDs")
        var ids = [cl_platform_id?](repeating: nil, count: Int(count))
        try check(api.clGetPlatformIDs(count, &ids, nil), "clGetPlatformIDs")
        return ids.enumerated().compactMap { index, id in id.map { Platform(library: self, id: $0, index: index) } }
    }
}

/// Kinds of reference-counted OpenCL objects.
public enum HandleKind: String, Sendable, CaseIterable {
    case context, commandQueue, buffer, program, kernel, event
}

/// Throws ``OpenCLError/call(_:function:)`` when `status` is not `CL_SUCCESS`.
@inline(__always)
func check(_ status: cl_int, _ function: StaticString) throws(OpenCLError) {
    if status != CL_SUCCESS { throw .call(CLStatus(status), function: "\(function)") }
}

/// Function pointers resolved from the loader. Only the entry points Suanli uses.
struct API: @unchecked Sendable {
    let clGetPlatformIDs: cl_api_clGetPlatformIDs
    let clGetPlatformInfo: cl_api_clGetPlatformInfo
    let clGetDeviceIDs: cl_api_clGetDeviceIDs
    let clGetDeviceInfo: cl_api_clGetDeviceInfo
    let clCreateContext: cl_api_clCreateContext
    let clReleaseContext: cl_api_clReleaseContext
    let clCreateCommandQueue: cl_api_clCreateCommandQueue
    let clCreateCommandQueueWithProperties: cl_api_clCreateCommandQueueWithProperties?
    let clReleaseCommandQueue: cl_api_clReleaseCommandQueue
    let clFinish: cl_api_clFinish
    let clFlush: cl_api_clFlush
    let clCreateBuffer: cl_api_clCreateBuffer
    let clReleaseMemObject: cl_api_clReleaseMemObject
    let clEnqueueReadBuffer: cl_api_clEnqueueReadBuffer
    let clEnqueueWriteBuffer: cl_api_clEnqueueWriteBuffer
    let clEnqueueCopyBuffer: cl_api_clEnqueueCopyBuffer
    let clEnqueueMapBuffer: cl_api_clEnqueueMapBuffer
    let clEnqueueUnmapMemObject: cl_api_clEnqueueUnmapMemObject
    let clCreateProgramWithSource: cl_api_clCreateProgramWithSource
    let clBuildProgram: cl_api_clBuildProgram
    let clGetProgramBuildInfo: cl_api_clGetProgramBuildInfo
    let clReleaseProgram: cl_api_clReleaseProgram
    let clCreateKernel: cl_api_clCreateKernel
    let clReleaseKernel: cl_api_clReleaseKernel
    let clSetKernelArg: cl_api_clSetKernelArg
    let clGetKernelWorkGroupInfo: cl_api_clGetKernelWorkGroupInfo
    let clEnqueueNDRangeKernel: cl_api_clEnqueueNDRangeKernel
    let clWaitForEvents: cl_api_clWaitForEvents
    let clGetEventInfo: cl_api_clGetEventInfo
    let clGetEventProfilingInfo: cl_api_clGetEventProfilingInfo
    let clReleaseEvent: cl_api_clReleaseEvent

    init(handle: UnsafeMutableRawPointer) throws(OpenCLError) {
        func load<T>(_ name: String, as type: T.Type = T.self) throws(OpenCLError) -> T {
            guard let symbol = dlsym(handle, name) else {
                throw .libraryUnavailable(reason: "the OpenCL loader lacks \(name)")
            }
            return unsafeBitCast(symbol, to: T.self)
        }
        func optional<T>(_ name: String, as type: T.Type = T.self) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
        }
        clGetPlatformIDs = try load("clGetPlatformIDs")
        clGetPlatformInfo = try load("clGetPlatformInfo")
        clGetDeviceIDs = try load("clGetDeviceIDs")
        clGetDeviceInfo = try load("clGetDeviceInfo")
        clCreateContext = try load("clCreateContext")
        clReleaseContext = try load("clReleaseContext")
        clCreateCommandQueue = try load("clCreateCommandQueue")
        clCreateCommandQueueWithProperties = optional("clCreateCommandQueueWithProperties")
        clReleaseCommandQueue = try load("clReleaseCommandQueue")
        clFinish = try load("clFinish")
        clFlush = try load("clFlush")
        clCreateBuffer = try load("clCreateBuffer")
        clReleaseMemObject = try load("clReleaseMemObject")
        clEnqueueReadBuffer = try load("clEnqueueReadBuffer")
        clEnqueueWriteBuffer = try load("clEnqueueWriteBuffer")
        clEnqueueCopyBuffer = try load("clEnqueueCopyBuffer")
        clEnqueueMapBuffer = try load("clEnqueueMapBuffer")
        clEnqueueUnmapMemObject = try load("clEnqueueUnmapMemObject")
        clCreateProgramWithSource = try load("clCreateProgramWithSource")
        clBuildProgram = try load("clBuildProgram")
        clGetProgramBuildInfo = try load("clGetProgramBuildInfo")
        clReleaseProgram = try load("clReleaseProgram")
        clCreateKernel = try load("clCreateKernel")
        clReleaseKernel = try load("clReleaseKernel")
        clSetKernelArg = try load("clSetKernelArg")
        clGetKernelWorkGroupInfo = try load("clGetKernelWorkGroupInfo")
        clEnqueueNDRangeKernel = try load("clEnqueueNDRangeKernel")
        clWaitForEvents = try load("clWaitForEvents")
        clGetEventInfo = try load("clGetEventInfo")
        clGetEventProfilingInfo = try load("clGetEventProfilingInfo")
        clReleaseEvent = try load("clReleaseEvent")
    }
}
