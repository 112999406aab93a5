import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import OpenCLKit

/// These tests run on whatever OpenCL device is installed: PoCL's CPU device here and in CI.
/// A machine without OpenCL fails them on purpose (set SUANLI_TEST_NO_OPENCL=1 to skip them).
let openCLRequired = ProcessInfoLite.environment("SUANLI_TEST_NO_OPENCL") == nil

enum ProcessInfoLite {
    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}

/// A fresh loader instance per test, so handle counts are the test's own.
func makeEnvironment() throws -> (OpenCLLibrary, Device, Context, CommandQueue) {
    let library = try OpenCLLibrary()
    let device = try #require(try library.platforms().flatMap { try $0.devices() }.first, "no OpenCL device")
    let context = try Context(device: device)
    let queue = try CommandQueue(context: context, device: device)
    return (library, device, context, queue)
}

@Suite(.enabled(if: openCLRequired))
struct OpenCLKitTests {
    @Test func contextAndQueueCreation() throws {
        let (library, device, context, queue) = try makeEnvironment()
        #expect(context.devices.count == 1)
        #expect(queue.device.identifier == device.identifier)
        #expect(library.handleCounts[.context]?.created == 1)
        #expect(library.handleCounts[.commandQueue]?.created == 1)
        #expect(!device.name.isEmpty)
    }

    @Test func bufferRoundTrip() throws {
        let (_, _, context, queue) = try makeEnvironment()
        let values = (0..<1000).map { Float($0) * 0.5 - 17 }
        let buffer = try Buffer(context: context, count: values.count, of: Float.self)
        try buffer.write(values, queue: queue)
        let back = try buffer.read(count: values.count, as: Float.self, queue: queue)
        #expect(back == values)
    }

    @Test func mappedBufferRoundTrip() throws {
        let (_, _, context, queue) = try makeEnvironment()
        let buffer = try Buffer(context: context, count: 64, of: Int32.self, flags: [.readWrite, .allocHostPointer])
        _ = try buffer.withMappedBytes(queue: queue, write: true) { raw in
            for i in 0..<64 { raw.storeBytes(of: Int32(i * 3), toByteOffset: i * 4, as: Int32.self) }
        }
        let back = try buffer.read(count: 64, as: Int32.self, queue: queue)
        #expect(back == (0..<64).map { Int32($0 * 3) })
    }

    @Test func outOfRangeWriteIsRefused() throws {
        let (_, _, context, queue) = try makeEnvironment()
        let buffer = try Buffer(context: context, count: 4, of: Float.self)
        #expect(throws: OpenCLError.self) { try buffer.write([Float](repeating: 1, count: 5), queue: queue) }
    }

    @Test func kernelRunsAndProfiles() throws {
        let (_, _, context, queue) = try makeEnvironment()
        let source = """
        __kernel void axpy(__global float* y, __global const float* x, const float a, const int n) {
            int i = get_global_id(0);
            if (i < n) y[i] = a * x[i] + y[i];
        }
        """
        let program = try Program(context: context, source: source, options: "-cl-std=CL1.2")
        let kernel = try program.kernel(named: "axpy")
        let n = 4096
        let x = (0..<n).map { Float($0 % 97) + 0.25 }
        let y = (0..<n).map { Float($0 % 13) - 3 }
        let bx = try Buffer(context: context, count: n, of: Float.self)
        let by = try Buffer(context: context, count: n, of: Float.self)
        try bx.write(x, queue: queue)
        try by.write(y, queue: queue)
        try kernel.setArgument(0, by)
        try kernel.setArgument(1, bx)
        try kernel.setArgument(2, Float(2.5))
        try kernel.setArgument(3, Int32(n))
        let event = try queue.enqueue(kernel, global: [n], local: [64])
        try event.wait()
        let result = try by.read(count: n, as: Float.self, queue: queue)
        for i in 0..<n { #expect(result[i] == 2.5 * x[i] + y[i]) }

        let times = try event.profilingTimes()
        #expect(times.queued > 0)
        #expect(times.queued <= times.submitted)
        #expect(times.submitted <= times.started)
        #expect(times.started <= times.ended)
        #expect(times.executionNanoseconds > 0)
    }

    /// `setArguments` sets each argument at its position with its own size: a value in the wrong
    /// place, of the wrong size, or a missing local buffer shows in what the kernel writes.
    @Test func argumentListsSetEveryPositionInOrder() throws {
        let (_, _, context, queue) = try makeEnvironment()
        let source = """
        #pragma OPENCL EXTENSION cl_khr_fp64 : enable
        __kernel void args(__global long* out, int a, float b, ulong c, __local int* scratch, double d, __global const int* in) {
            scratch[get_local_id(0)] = in[0];
            barrier(CLK_LOCAL_MEM_FENCE);
            out[0] = a; out[1] = (long)(b * 4.0f); out[2] = (long)c; out[3] = scratch[0]; out[4] = (long)(d * 8.0);
        }
        """
        let program = try Program(context: context, source: source, options: "-cl-std=CL1.2")
        let kernel = try program.kernel(named: "args")
        let out = try Buffer(context: context, count: 5, of: Int64.self)
        let input = try Buffer(context: context, count: 1, of: Int32.self)
        try out.write([Int64](repeating: -1, count: 5), queue: queue)
        try input.write([Int32(-77)], queue: queue)
        try kernel.setArguments(.buffer(out), .int(-123_456), .value(Float(2.75)))
        try kernel.setArguments(from: 3, .value(UInt64(1) << 40), .local(bytes: 4 * 4), .value(Double(0.625)), .buffer(input))
        try queue.enqueue(kernel, global: [4], local: [4]).wait()
        #expect(try out.read(count: 5, as: Int64.self, queue: queue) == [-123_456, 11, 1 << 40, -77, 5])
    }

    @Test func syntaxErrorThrowsWithBuildLog() throws {
        let (_, _, context, _) = try makeEnvironment()
        let source = "__kernel void broken(__global float* y) { y[0] = undefined_name + ; }"
        let error = #expect(throws: OpenCLError.self) { _ = try Program(context: context, source: source) }
        #expect(error?.status?.name == "CL_BUILD_PROGRAM_FAILURE")
        if case .buildFailed(_, let log, _)? = error {
            #expect(log.contains("undefined_name"))
        } else {
            Issue.record("expected buildFailed, got \(String(describing: error))")
        }
        #expect(error?.description.contains("CL_BUILD_PROGRAM_FAILURE") == true)
    }

    @Test func unknownKernelNameThrowsNamedError() throws {
        let (_, _, context, _) = try makeEnvironment()
        let program = try Program(context: context, source: "__kernel void k(__global int* a) { a[0] = 1; }")
        #expect {
            _ = try program.kernel(named: "nope")
        } throws: { error in
            (error as? OpenCLError)?.status?.name == "CL_INVALID_KERNEL_NAME"
        }
    }

    @Test func everyHandleIsReleasedExactlyOnce() throws {
        let library: OpenCLLibrary
        do {
            let (lib, _, context, queue) = try makeEnvironment()
            library = lib
            let program = try Program(context: context, source: "__kernel void k(__global int* a) { a[get_global_id(0)] = 7; }")
            let kernel = try program.kernel(named: "k")
            let buffer = try Buffer(context: context, count: 16, of: Int32.self)
            try kernel.setArgument(0, buffer)
            for _ in 0..<5 { try queue.enqueue(kernel, global: [16]).wait() }
            try queue.finish()
            #expect(library.liveHandles > 0)
        }
        // Everything above has gone out of scope: each handle released once, none leaked.
        #expect(library.liveHandles == 0)
        for kind in HandleKind.allCases {
            let counts = library.handleCounts[kind] ?? (0, 0)
            #expect(counts.created == counts.released, "\(kind): \(counts)")
        }
        #expect(library.handleCounts[.event]?.created == 5)
        #expect(library.handleCounts[.kernel]?.created == 1)
    }
}

@Suite struct CLStatusNames {
    @Test func knownCodesHaveTheirNames() {
        #expect(CLStatus(0).name == "CL_SUCCESS")
        #expect(CLStatus(-5).name == "CL_OUT_OF_RESOURCES")
        #expect(CLStatus(-11).name == "CL_BUILD_PROGRAM_FAILURE")
        #expect(CLStatus(-54).name == "CL_INVALID_WORK_GROUP_SIZE")
        #expect(CLStatus(-1001).name == "CL_PLATFORM_NOT_FOUND_KHR")
    }

    @Test func unknownVendorCodesStayRepresentable() {
        let status = CLStatus(-9999)
        #expect(status.knownName == nil)
        #expect(status.name == "CL_UNKNOWN_ERROR(-9999)")
        #expect(OpenCLError.call(status, function: "clFoo").description == "clFoo failed: CL_UNKNOWN_ERROR(-9999)")
    }

    @Test func errorDescriptionNamesCallAndCode() {
        let error = OpenCLError.call(CLStatus(-38), function: "clEnqueueReadBuffer")
        #expect(error.description == "clEnqueueReadBuffer failed: CL_INVALID_MEM_OBJECT (-38)")
    }

    @Test func missingLibraryIsAnErrorNotACrash() {
        #expect(throws: OpenCLError.self) { _ = try OpenCLLibrary(path: "/nonexistent/libOpenCL.so.1") }
    }
}
