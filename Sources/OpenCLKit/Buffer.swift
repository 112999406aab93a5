import COpenCL

/// A device memory buffer. Releases itself on deinit.
public final class Buffer: @unchecked Sendable {
    public let context: Context
    public let byteCount: Int
    let id: cl_mem

    /// How the kernels may use a buffer, and where it lives.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let readWrite = Flags(rawValue: UInt64(CL_MEM_READ_WRITE))
        public static let readOnly = Flags(rawValue: UInt64(CL_MEM_READ_ONLY))
        public static let writeOnly = Flags(rawValue: UInt64(CL_MEM_WRITE_ONLY))
        /// Host-accessible (pinned) memory allocated by the driver: mapping it is cheap.
        public static let allocHostPointer = Flags(rawValue: UInt64(CL_MEM_ALLOC_HOST_PTR))
    }

    public init(context: Context, byteCount: Int, flags: Flags = .readWrite) throws(OpenCLError) {
        guard byteCount > 0 else { throw .invalidRequest("a buffer needs a positive size, not \(byteCount) bytes") }
        var status: cl_int = 0
        guard let mem = context.library.api.clCreateBuffer(context.id, cl_mem_flags(flags.rawValue), byteCount, nil, &status),
              status == CL_SUCCESS else {
            throw .call(CLStatus(status), function: "clCreateBuffer")
        }
        self.context = context
        self.byteCount = byteCount
        self.id = mem
        context.library.noteCreated(.buffer)
    }

    /// A buffer sized for `count` elements of `T`.
    public convenience init<T: BitwiseCopyable>(context: Context, count: Int, of type: T.Type, flags: Flags = .readWrite) throws(OpenCLError) {
        try self.init(context: context, byteCount: count * MemoryLayout<T>.stride, flags: flags)
    }

    deinit {
        _ = context.library.api.clReleaseMemObject(id)
        context.library.noteReleased(.buffer)
    }

    private func checkRange(_ offset: Int, _ count: Int) throws(OpenCLError) {
        guard offset >= 0, count >= 0, offset + count <= byteCount else {
            throw .invalidRequest("range \(offset)..<\(offset + count) lies outside a buffer of \(byteCount) bytes")
        }
    }

    /// Checks the range, enqueues one copy between host memory and the buffer, and returns its event.
    private func transfer(
        _ function: StaticString, offset: Int, count: Int, blocking: Bool,
        _ enqueue: (cl_bool, UnsafeMutablePointer<cl_event?>) -> cl_int
    ) throws(OpenCLError) -> Event {
        try checkRange(offset, count)
        var event: cl_event?
        try check(enqueue(blocking ? cl_bool(CL_TRUE) : cl_bool(CL_FALSE), &event), function)
        return Event(library: context.library, id: event!)
    }

    /// Copies host bytes into the buffer.
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer, offset: Int = 0, queue: CommandQueue, blocking: Bool = true) throws(OpenCLError) -> Event {
        try transfer("clEnqueueWriteBuffer", offset: offset, count: bytes.count, blocking: blocking) { flag, event in
            queue.api.clEnqueueWriteBuffer(queue.id, id, flag, offset, bytes.count, bytes.baseAddress, 0, nil, event)
        }
    }

    /// Copies the buffer's bytes to host memory.
    @discardableResult
    public func read(into bytes: UnsafeMutableRawBufferPointer, offset: Int = 0, queue: CommandQueue, blocking: Bool = true) throws(OpenCLError) -> Event {
        try transfer("clEnqueueReadBuffer", offset: offset, count: bytes.count, blocking: blocking) { flag, event in
            queue.api.clEnqueueReadBuffer(queue.id, id, flag, offset, bytes.count, bytes.baseAddress, 0, nil, event)
        }
    }

    /// Writes an array (blocking).
    public func write<T: BitwiseCopyable>(_ values: [T], queue: CommandQueue) throws(OpenCLError) {
        let result: Result<Event, OpenCLError> = values.withUnsafeBytes { raw in
            Result { () throws(OpenCLError) -> Event in try write(raw, queue: queue) }
        }
        _ = try result.get()
    }

    /// Reads `count` elements of `T` (blocking).
    public func read<T: BitwiseCopyable>(count: Int, as type: T.Type, queue: CommandQueue) throws(OpenCLError) -> [T] {
        var failure: OpenCLError?
        let values = [T](unsafeUninitializedCapacity: count) { storage, initialized in
            do throws(OpenCLError) {
                try read(into: UnsafeMutableRawBufferPointer(storage), queue: queue)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return values
    }

    /// Copies `byteCount` bytes from `source` on the device.
    @discardableResult
    public func copy(from source: Buffer, byteCount: Int, queue: CommandQueue) throws(OpenCLError) -> Event {
        try checkRange(0, byteCount)
        try source.checkRange(0, byteCount)
        var event: cl_event?
        try check(queue.api.clEnqueueCopyBuffer(queue.id, source.id, id, 0, 0, byteCount, 0, nil, &event), "clEnqueueCopyBuffer")
        return Event(library: context.library, id: event!)
    }

    /// Maps the buffer into host memory (blocking) and runs `body` with the mapped bytes.
    /// The region is unmapped before this returns. Returns the map and unmap events' results.
    public func withMappedBytes<R>(
        queue: CommandQueue, write: Bool,
        _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) throws -> (result: R, map: Event, unmap: Event) {
        var status: cl_int = 0
        var mapEvent: cl_event?
        let flags = cl_map_flags(write ? CL_MAP_WRITE_INVALIDATE_REGION : CL_MAP_READ)
        guard let pointer = queue.api.clEnqueueMapBuffer(queue.id, id, cl_bool(CL_TRUE), flags, 0, byteCount, 0, nil, &mapEvent, &status),
              status == CL_SUCCESS else {
            throw OpenCLError.call(CLStatus(status), function: "clEnqueueMapBuffer")
        }
        let map = Event(library: context.library, id: mapEvent!)
        let result: R
        do {
            result = try body(UnsafeMutableRawBufferPointer(start: pointer, count: byteCount))
        } catch {
            _ = queue.api.clEnqueueUnmapMemObject(queue.id, id, pointer, 0, nil, nil)
            _ = queue.api.clFinish(queue.id)
            throw error
        }
        var unmapEvent: cl_event?
        try check(queue.api.clEnqueueUnmapMemObject(queue.id, id, pointer, 0, nil, &unmapEvent), "clEnqueueUnmapMemObject")
        let unmap = Event(library: context.library, id: unmapEvent!)
        try unmap.wait()
        return (result, map, unmap)
    }
}

/// A buffer mapped into host memory (read and write) until ``unmap()`` or deinit. Pinned
/// (`allocHostPointer`) buffers stay mapped while copies to and from the mapped bytes are timed.
public final class MappedRegion: @unchecked Sendable {
    public let buffer: Buffer
    let queue: CommandQueue
    public let bytes: UnsafeMutableRawBufferPointer
    private var mapped = true

    init(buffer: Buffer, queue: CommandQueue, bytes: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
        self.queue = queue
        self.bytes = bytes
    }

    /// Unmaps the region and waits until the driver has done so.
    public func unmap() throws(OpenCLError) {
        guard mapped else { return }
        mapped = false
        var event: cl_event?
        let status = queue.api.clEnqueueUnmapMemObject(queue.id, buffer.id, bytes.baseAddress, 0, nil, &event)
        guard status == CL_SUCCESS, let event else { throw .call(CLStatus(status), function: "clEnqueueUnmapMemObject") }
        try Event(library: buffer.context.library, id: event).wait()
    }

    deinit {
        if mapped {
            _ = queue.api.clEnqueueUnmapMemObject(queue.id, buffer.id, bytes.baseAddress, 0, nil, nil)
            _ = queue.api.clFinish(queue.id)
        }
    }
}

extension Buffer {
    /// Maps the whole buffer for reading and writing (blocking) and keeps it mapped until the
    /// region is unmapped or released.
    public func map(queue: CommandQueue) throws(OpenCLError) -> MappedRegion {
        var status: cl_int = 0
        let flags = cl_map_flags(CL_MAP_READ | CL_MAP_WRITE)
        guard let pointer = queue.api.clEnqueueMapBuffer(queue.id, id, cl_bool(CL_TRUE), flags, 0, byteCount, 0, nil, nil, &status),
              status == CL_SUCCESS else {
            throw .call(CLStatus(status), function: "clEnqueueMapBuffer")
        }
        return MappedRegion(buffer: self, queue: queue, bytes: UnsafeMutableRawBufferPointer(start: pointer, count: byteCount))
    }
}
