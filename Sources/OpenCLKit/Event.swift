import COpenCL

/// A command's completion event with its profiling times. Releases itself on deinit.
public final class Event: @unchecked Sendable {
    let library: OpenCLLibrary
    let id: cl_event

    init(library: OpenCLLibrary, id: cl_event) {
        self.library = library
        self.id = id
        library.noteCreated(.event)
    }

    deinit {
        _ = library.api.clReleaseEvent(id)
        library.noteReleased(.event)
    }

    /// Blocks until the command has completed; throws if it ended in error.
    public func wait() throws(OpenCLError) {
        var ids: [cl_event?] = [id]
        try check(library.api.clWaitForEvents(1, &ids), "clWaitForEvents")
    }

    /// Waits for all `events`.
    public static func wait(_ events: [Event]) throws(OpenCLError) {
        guard let library = events.first?.library else { return }
        var ids: [cl_event?] = events.map { $0.id }
        try check(library.api.clWaitForEvents(cl_uint(ids.count), &ids), "clWaitForEvents")
    }

    /// Device timestamps in nanoseconds. The queue must have profiling enabled.
    public struct ProfilingTimes: Sendable, Equatable {
        public var queued: UInt64
        public var submitted: UInt64
        public var started: UInt64
        public var ended: UInt64
        /// Execution time, start to end, in nanoseconds.
        public var executionNanoseconds: UInt64 { ended &- started }
        /// Time from enqueue to start: launch latency as the device sees it.
        public var queuedToStartNanoseconds: UInt64 { started &- queued }
    }

    /// Profiling times of the completed command.
    public func profilingTimes() throws(OpenCLError) -> ProfilingTimes {
        func time(_ param: Int32) throws(OpenCLError) -> UInt64 {
            var value: cl_ulong = 0
            try check(library.api.clGetEventProfilingInfo(id, cl_profiling_info(param), MemoryLayout<cl_ulong>.size, &value, nil),
                      "clGetEventProfilingInfo")
            return value
        }
        return ProfilingTimes(
            queued: try time(CL_PROFILING_COMMAND_QUEUED),
            submitted: try time(CL_PROFILING_COMMAND_SUBMIT),
            started: try time(CL_PROFILING_COMMAND_START),
            ended: try time(CL_PROFILING_COMMAND_END))
    }
}
