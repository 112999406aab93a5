import SuanliSchema
import OpenCLKit

/// How long a calibration may double its repetitions (the kernels count in 32 bits).
private let calibrationLimit = 1 << 30

/// The `cache` suite on an OpenCL device (`Kernels/cache.cl`): every work-group rereads its slice.
/// GPUs: 4-lane loads, 256-item groups reading interleaved (coalesced), 8 groups per compute
/// unit. CPU devices: 16-lane loads, one work-item per group walking its slice front to back,
/// one group per compute unit (like the native CPU's one slice per core).
final class OpenCLCacheReadRunner: CacheReadRunner {
    let backend: OpenCLBackend
    let kernel: Kernel
    let data: Buffer, out: Buffer
    let vectorWidth: Int, local: Int, groups: Int
    /// The data as the host wrote it.
    private let words: [UInt32]
    private var totalVectors = 0, slices = 1, repetitions = 1
    /// Per work-item: the wrapping sum of what it reads in one repetition.
    private var itemSums: [UInt32] = []
    private var vectorsRead = 0

    init(backend: OpenCLBackend, largestBytes: Int) throws {
        self.backend = backend
        let gpu = backend.info.type == .gpu
        vectorWidth = gpu ? 4 : 16
        local = gpu ? min(256, max(1, backend.info.maxWorkGroupSize)) : 1
        groups = max(1, backend.info.computeUnits) * (gpu ? 8 : 1)
        kernel = try backend.program("cache.cl", options: "-DVW=\(vectorWidth)").kernel(named: "cache_read")
        var rng = SeededGenerator(seed: 0xCAC4E)
        words = (0..<largestBytes / 4).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        data = try backend.buffer(bytes: max(4, words.count * 4))
        out = try backend.buffer(bytes: groups * local * 4)
        try data.write(words, queue: backend.queue)
    }

    /// Read once, after the data is written.
    private lazy var hugePages = backend.hugePageParameters(of: data)

    var parameters: [String: String] {
        ["VW": "\(vectorWidth)", "local": "\(local)", "groups": "\(groups)", "slices": "\(slices)",
         "repetitions": "\(repetitions)"].merging(hugePages) { a, _ in a }
    }

    var peakGBs: (value: Double, basis: String)? { nil }

    func prepare(bytes: Int, targetSeconds: Double) throws {
        let vectorBytes = vectorWidth * 4
        guard bytes >= vectorBytes, bytes <= words.count * 4 else {
            throw BenchmarkError("working set of \(bytes) bytes outside the buffer")
        }
        totalVectors = bytes / vectorBytes
        slices = max(1, min(groups, totalVectors / local))
        // What work-item l of a group on slice s reads in one repetition.
        var sliceItemSums = [UInt32](repeating: 0, count: slices * local)
        for s in 0..<slices {
            let (begin, end) = sliceBounds(s)
            for v in begin..<end {
                var lanes: UInt32 = 0
                for w in 0..<vectorWidth { lanes &+= words[v * vectorWidth + w] }
                sliceItemSums[s * local + (v - begin) % local] &+= lanes
            }
        }
        itemSums = (0..<groups * local).map { sliceItemSums[($0 / local) % slices * local + $0 % local] }
        vectorsRead = (0..<groups).reduce(0) { total, g in
            let (begin, end) = sliceBounds(g % slices)
            return total + end - begin
        }
        try kernel.setArguments(.buffer(data), .uint(totalVectors), .uint(slices))
        try kernel.setArguments(from: 4, .buffer(out))
        repetitions = try calibrateWork(start: 1, limit: calibrationLimit, targetSeconds: targetSeconds) { work in
            repetitions = work
            return try run().seconds
        }
    }

    func sliceBounds(_ s: Int) -> (Int, Int) { (totalVectors * s / slices, totalVectors * (s + 1) / slices) }

    func expected(_ item: Int) -> UInt32 { itemSums[item] &* UInt32(truncatingIfNeeded: repetitions) }

    func poisonOutput() throws {
        try out.write((0..<groups * local).map { ~expected($0) }, queue: backend.queue)
    }

    func run() throws -> (seconds: Double, bytes: Double) {
        try kernel.setArgument(3, UInt32(repetitions))
        let seconds = try backend.timed(kernel, global: [groups * local], local: [local])
        return (seconds, Double(repetitions) * Double(vectorsRead) * Double(vectorWidth * 4))
    }

    func verify() throws -> VerificationResult {
        let got = try out.read(count: groups * local, as: UInt32.self, queue: backend.queue)
        for item in 0..<groups * local where got[item] != expected(item) {
            return .failed("cache read: work-item \(item)'s checksum is \(got[item]), what it read sums to \(expected(item)) "
                + "over \(repetitions) repetitions")
        }
        return .passed
    }
}

/// The `memlat` suite on an OpenCL device (`Kernels/memlat.cl`): indices rather than addresses,
/// one element per cache line (64 bytes on CPU devices, 128 on GPUs). Chain ends of one launch
/// are the starts of the next (two buffers used in turn), so no host transfer comes between runs.
final class OpenCLPointerChaseRunner: PointerChaseRunner {
    let backend: OpenCLBackend
    let kernel: Kernel
    let next: Buffer
    let slots: [Buffer]
    let lineBytes: Int
    let parallelChains: Int
    let parallelLocal: Int
    let largestBytes: Int
    private var chase = ChaseRuns()

    init(backend: OpenCLBackend, largestBytes: Int) throws {
        self.backend = backend
        let gpu = backend.info.type == .gpu
        lineBytes = gpu ? 128 : 64
        parallelLocal = gpu ? min(64, max(1, backend.info.maxWorkGroupSize)) : 1
        parallelChains = max(1, backend.info.computeUnits) * parallelLocal
        self.largestBytes = largestBytes
        kernel = try backend.program("memlat.cl", options: "").kernel(named: "chase")
        next = try backend.buffer(bytes: max(lineBytes, largestBytes))
        slots = [try backend.buffer(bytes: parallelChains * 4), try backend.buffer(bytes: parallelChains * 4)]
    }

    private lazy var hugePages = backend.hugePageParameters(of: next)

    var parameters: [String: String] {
        ["chains": "\(chase.chains?.positions.count ?? 0)", "loads_per_run": "\(chase.loads)", "line_bytes": "\(lineBytes)",
         "local": "\(chase.chains?.positions.count == 1 ? 1 : parallelLocal)"].merging(hugePages) { a, _ in a }
    }

    var stride: Int { lineBytes / 4 }

    func prepare(bytes: Int, chains count: Int, targetSeconds: Double) throws {
        let lines = bytes / lineBytes
        guard lines >= 1, bytes <= largestBytes, count == 1 || count == parallelChains else {
            throw BenchmarkError("pointer chase: \(bytes) bytes with \(count) chains does not fit the buffer")
        }
        let permutation = CyclicPermutation(count: lines, seed: 0x1A7E ^ UInt64(bytes))
        var table = [UInt32](repeating: 0, count: lines * stride)
        for (element, successor) in permutation.successors().enumerated() { table[element * stride] = successor * UInt32(stride) }
        try next.write(table, queue: backend.queue)
        let state = ChaseChains(permutation: permutation, chains: count)
        try slots[chase.current].write(state.elements.map { UInt32($0 * stride) }, queue: backend.queue)
        try kernel.setArgument(0, next)
        try chase.prepare(state, lines: lines, limit: calibrationLimit, targetSeconds: targetSeconds, launch: launch)
        try slots[chase.other].write([UInt32](repeating: .max, count: parallelChains), queue: backend.queue)
    }

    func run() throws -> (seconds: Double, loads: Int) { try chase.run(launch) }

    private func launch(from: Int, to: Int, chains: Int, loads: Int) throws -> Double {
        try kernel.setArguments(from: 1, .buffer(slots[from]), .buffer(slots[to]), .uint(loads))
        return try backend.timed(kernel, global: [chains], local: [chains == 1 ? 1 : parallelLocal])
    }

    func verify() throws -> VerificationResult {
        guard let state = chase.chains else { return .failed("pointer chase: never run") }
        let got = try slots[chase.current].read(count: state.positions.count, as: UInt32.self, queue: backend.queue)
        return state.check(ends: got.map { index -> Int? in
            let index = Int(index)
            return index % stride == 0 && index / stride < state.permutation.count ? index / stride : nil
        })
    }
}

extension OpenCLBackend {
    /// Whether `buffer` lies in huge pages: on a CPU device the buffer is this process's memory, so
    /// mapping it gives its address and /proc/self/smaps tells. On other devices: unknown.
    func hugePageParameters(of buffer: Buffer) -> [String: String] {
        guard info.type == .cpu,
              let mapped = try? buffer.withMappedBytes(queue: queue, write: false, { $0.baseAddress }).result else {
            return ["huge_pages": "unknown (the driver allocates the buffer)"]
        }
        var parameters = LargePageBuffer.hugePageParameters(address: UnsafeRawPointer(mapped), bytes: buffer.byteCount)
        parameters["huge_pages_found_by"] = "mapping the driver's buffer"
        return parameters
    }
}
