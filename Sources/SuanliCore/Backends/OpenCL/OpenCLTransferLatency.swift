import SuanliSchema
import OpenCLKit

/// Host↔device copies of one buffer: from ordinary (pageable) host memory, and from pinned host
/// memory (a `CL_MEM_ALLOC_HOST_PTR` buffer kept mapped while the copies run).
final class OpenCLTransferRunner: TransferRunner {
    let backend: OpenCLBackend
    let bytes: Int
    let deviceBuffer: Buffer
    private var pageable: [UInt8]
    private let pinned: Buffer
    private let pinnedRegion: MappedRegion
    let directions = TransferDirection.allCases
    var parameters: [String: String] { ["pinned": "CL_MEM_ALLOC_HOST_PTR, mapped"] }

    init(backend: OpenCLBackend, bytes: Int) throws {
        self.backend = backend
        self.bytes = bytes
        deviceBuffer = try backend.buffer(bytes: bytes)
        pageable = [UInt8](repeating: 0, count: bytes)
        pinned = try Buffer(context: backend.context, byteCount: bytes, flags: [.readWrite, .allocHostPointer])
        pinnedRegion = try pinned.map(queue: backend.queue)
    }

    deinit { try? pinnedRegion.unmap() }

    func prepare(_ direction: TransferDirection, pattern: [UInt8]) throws {
        let poison = [UInt8](repeating: 0, count: bytes)
        switch direction {
        case .hostToDevice:
            pageable = pattern
            try backend.write(deviceBuffer, poison)
        case .deviceToHost:
            try backend.write(deviceBuffer, pattern)
            pageable = poison
        case .hostToDevicePinned:
            pattern.withUnsafeBytes { pinnedRegion.bytes.copyMemory(from: $0) }
            try backend.write(deviceBuffer, poison)
        case .deviceToHostPinned:
            try backend.write(deviceBuffer, pattern)
            poison.withUnsafeBytes { pinnedRegion.bytes.copyMemory(from: $0) }
        }
    }

    func run(_ direction: TransferDirection) throws -> Double {
        let queue = backend.queue
        let event: Event
        switch direction {
        case .hostToDevice:
            event = try pageable.withUnsafeBytes { try deviceBuffer.write($0, queue: queue, blocking: false) }
        case .deviceToHost:
            event = try pageable.withUnsafeMutableBytes { try deviceBuffer.read(into: $0, queue: queue, blocking: true) }
        case .hostToDevicePinned:
            event = try deviceBuffer.write(UnsafeRawBufferPointer(pinnedRegion.bytes), queue: queue, blocking: false)
        case .deviceToHostPinned:
            event = try deviceBuffer.read(into: pinnedRegion.bytes, queue: queue, blocking: true)
        }
        try event.wait()
        return Double(try event.profilingTimes().executionNanoseconds) * 1e-9
    }

    func destination(_ direction: TransferDirection) throws -> [UInt8] {
        switch direction {
        case .hostToDevice, .hostToDevicePinned: try backend.read(deviceBuffer, count: bytes)
        case .deviceToHost: pageable
        case .deviceToHostPinned: Array(pinnedRegion.bytes)
        }
    }
}

/// Launches of the one-work-item `marker` kernel.
final class OpenCLLatencyRunner: LatencyRunner {
    let backend: OpenCLBackend
    let kernel: Kernel
    let output: Buffer
    var parameters: [String: String] { ["kernel": "marker", "global": "1", "local": "1"] }

    init(backend: OpenCLBackend) throws {
        self.backend = backend
        kernel = try backend.program("latency.cl", options: "").kernel(named: "marker")
        output = try backend.buffer(bytes: 4)
        try backend.write(output, [0, 0, 0, 0])
        try kernel.setArgument(0, output)
    }

    func launch(marker: UInt32) throws -> (roundTrip: Double, queuedToStart: Double?) {
        try kernel.setArgument(1, marker)
        let start = monotonicSeconds()
        let event = try backend.queue.enqueue(kernel, global: [1], local: [1])
        try event.wait()
        let end = monotonicSeconds()
        return (end - start, Double(try event.profilingTimes().queuedToStartNanoseconds) * 1e-9)
    }

    func readMarker() throws -> UInt32 {
        try output.read(count: 1, as: UInt32.self, queue: backend.queue)[0]
    }
}

extension OpenCLBackend {
    public func skipReason(suite: Suite) -> String? { nil }

    public func defaultTransferBytes(quick: Bool) -> Int {
        var bytes = quick ? 16 << 20 : (info.type == .gpu ? 256 << 20 : 64 << 20)
        while bytes > info.maxAllocationBytes / 2 { bytes /= 2 }
        return bytes
    }

    public func makeTransfer(bytes: Int) throws -> any TransferRunner { try OpenCLTransferRunner(backend: self, bytes: bytes) }

    public func makeLatency() throws -> any LatencyRunner { try OpenCLLatencyRunner(backend: self) }
}
