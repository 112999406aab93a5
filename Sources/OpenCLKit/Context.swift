import COpenCL

/// An OpenCL context over one or more devices of a platform. Releases itself on deinit.
/// OpenCL contexts are thread-safe, hence `@unchecked Sendable`.
public final class Context: @unchecked Sendable {
    public let library: OpenCLLibrary
    public let devices: [Device]
    let id: cl_context

    public init(devices: [Device]) throws(OpenCLError) {
        guard let first = devices.first else { throw .invalidRequest("a context needs at least one device") }
        let library = first.platform.library
        var ids: [cl_device_id?] = devices.map { $0.id }
        var status: cl_int = 0
        guard let context = library.api.clCreateContext(nil, cl_uint(ids.count), &ids, nil, nil, &status) else {
            throw .call(CLStatus(status), function: "clCreateContext")
        }
        try check(status, "clCreateContext")
        self.library = library
        self.devices = devices
        self.id = context
        library.noteCreated(.context)
    }

    public convenience init(device: Device) throws(OpenCLError) {
        try self.init(devices: [device])
    }

    deinit {
        _ = library.api.clReleaseContext(id)
        library.noteReleased(.context)
    }
}

/// An in-order command queue, with profiling enabled by default. Releases itself on deinit.
public final class CommandQueue: @unchecked Sendable {
    public let context: Context
    public let device: Device
    let id: cl_command_queue
    var api: API { context.library.api }

    public init(context: Context, device: Device, profiling: Bool = true) throws(OpenCLError) {
        let api = context.library.api
        var status: cl_int = 0
        let flags = profiling ? cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE) : 0
        var queue: cl_command_queue?
        let platformMajor = Self.majorVersion(device.platform.version)
        if platformMajor >= 2, let create = api.clCreateCommandQueueWithProperties {
            var properties: [cl_queue_properties] = [cl_queue_properties(CL_QUEUE_PROPERTIES), cl_queue_properties(flags), 0]
            queue = create(context.id, device.id, &properties, &status)
        } else {
            queue = api.clCreateCommandQueue(context.id, device.id, flags, &status)
        }
        guard let queue, status == CL_SUCCESS else {
            throw .call(CLStatus(status), function: "clCreateCommandQueue")
        }
        self.context = context
        self.device = device
        self.id = queue
        context.library.noteCreated(.commandQueue)
    }

    deinit {
        _ = api.clReleaseCommandQueue(id)
        context.library.noteReleased(.commandQueue)
    }

    /// "OpenCL 3.0 PoCL …" → 3.
    static func majorVersion(_ version: String) -> Int {
        let parts = version.split(separator: " ")
        guard parts.count >= 2, let major = parts[1].split(separator: ".").first.flatMap({ Int($0) }) else { return 1 }
        return major
    }

    /// Blocks until every queued command has completed.
    public func finish() throws(OpenCLError) { try check(api.clFinish(id), "clFinish") }

    /// Submits queued commands to the device without waiting.
    public func flush() throws(OpenCLError) { try check(api.clFlush(id), "clFlush") }

    /// Enqueues `kernel` over an N-dimensional range. `local` nil lets the driver choose.
    @discardableResult
    public func enqueue(_ kernel: Kernel, global: [Int], local: [Int]? = nil, waitFor: [Event] = []) throws(OpenCLError) -> Event {
        guard (1...3).contains(global.count), local == nil || local!.count == global.count else {
            throw .invalidRequest("global and local ranges need 1 to 3 matching dimensions")
        }
        if let local {
            for (g, l) in zip(global, local) where l <= 0 || g % l != 0 {
                throw .invalidRequest("global size \(global) is not a multiple of local size \(local)")
            }
        }
        var event: cl_event?
        var waitIDs: [cl_event?] = waitFor.map { $0.id }
        let status = global.withUnsafeBufferPointer { g in
            withOptionalPointer(local) { l in
                waitIDs.withUnsafeMutableBufferPointer { w in
                    api.clEnqueueNDRangeKernel(id, kernel.id, cl_uint(global.count), nil, g.baseAddress, l,
                                               cl_uint(w.count), w.count == 0 ? nil : w.baseAddress, &event)
                }
            }
        }
        try check(status, "clEnqueueNDRangeKernel")
        return Event(library: context.library, id: event!)
    }
}

func withOptionalPointer<R>(_ array: [Int]?, _ body: (UnsafePointer<Int>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
