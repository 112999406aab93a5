import SuanliSchema
import CPUKernelsPortable

/// How long a calibration may double its repetitions: far beyond any sane run.
private let calibrationLimit = 1 << 40

/// The `cache` suite on the native CPU: every thread rereads its own slice (the CPU kernels'
/// `cacheRead`), in memory asked for in huge pages, filled with random 32-bit words.
final class CPUCacheReadRunner: CacheReadRunner {
    let backend: CPUBackend
    let memory: LargePageBuffer
    let words: UnsafeMutablePointer<UInt32>
    let checksums: UnsafeMutablePointer<UInt32>
    private var count = 0
    private var repetitions = 1
    /// Per thread: the wrapping sum of its slice, read once.
    private var sliceSums: [UInt32] = []

    init(backend: CPUBackend, largestBytes: Int) throws {
        self.backend = backend
        memory = try LargePageBuffer(bytes: largestBytes)
        words = memory.pointer.bindMemory(to: UInt32.self, capacity: memory.byteCount / 4)
        checksums = .allocate(capacity: backend.threads)
        var rng = SeededGenerator(seed: 0xCAC4E)
        for i in stride(from: 0, to: largestBytes / 4 - 1, by: 2) {
            let value = rng.next()
            words[i] = UInt32(truncatingIfNeeded: value)
            words[i + 1] = UInt32(truncatingIfNeeded: value >> 32)
        }
        if largestBytes / 4 % 2 == 1 { words[largestBytes / 4 - 1] = UInt32(truncatingIfNeeded: rng.next()) }
    }

    deinit { checksums.deallocate() }

    var parameters: [String: String] {
        backend.parameters.merging(["repetitions": "\(repetitions)", "slices": "\(backend.threads)"]) { a, _ in a }
            .merging(memory.hugePageParameters()) { a, _ in a }
    }

    /// Two 32-byte loads per cycle per core at the highest clock: a bound no x86 core of today
    /// exceeds with AVX2 (AVX-512 cores reach 128 bytes only with 64-byte loads, which this kernel does not use).
    var peakGBs: (value: Double, basis: String)? {
        guard let mhz = backend.host.maxClockMHz, mhz > 0 else { return nil }
        let perCycle = backend.variant == .avx2FMA ? 64.0 : 32.0
        return (Double(backend.threads) * mhz * 1e6 * perCycle / 1e9,
                "\(backend.threads) cores × \(Int(mhz)) MHz × \(Int(perCycle)) bytes loaded per cycle")
    }

    func prepare(bytes: Int, targetSeconds: Double) throws {
        guard bytes >= 4, bytes <= memory.byteCount else { throw BenchmarkError("working set of \(bytes) bytes outside the buffer") }
        count = bytes / 4
        sliceSums = (0..<backend.threads).map { t in
            let slice = CPUKernels.cacheReadSlice(t, of: backend.threads, count: count)
            var sum: UInt32 = 0
            for i in slice { sum &+= words[i] }
            return sum
        }
        repetitions = try calibrateWork(start: 1, limit: calibrationLimit, targetSeconds: targetSeconds) { work in
            repetitions = work
            return try run().seconds
        }
    }

    func poisonOutput() throws {
        for t in 0..<backend.threads { checksums[t] = ~expected(t) }
    }

    func run() throws -> (seconds: Double, bytes: Double) {
        let start = monotonicSeconds()
        backend.variant.cacheRead(words, count: count, repetitions: repetitions, threads: backend.threads, checksums: checksums)
        return (monotonicSeconds() - start, Double(repetitions) * Double(count) * 4)
    }

    func expected(_ thread: Int) -> UInt32 { sliceSums[thread] &* UInt32(truncatingIfNeeded: repetitions) }

    func verify() throws -> VerificationResult {
        for t in 0..<backend.threads where checksums[t] != expected(t) {
            return .failed("cache read: thread \(t)'s checksum is \(checksums[t]), its slice sums to \(expected(t)) "
                + "over \(repetitions) repetitions")
        }
        return .passed
    }
}

/// The `memlat` suite on the native CPU: each cache line's first word holds the address of the
/// next line of a random cycle (the CPU kernels' `pointerChase`), in memory asked for in huge pages.
/// Chain ends of one run are the starts of the next (two slot arrays used in turn).
final class CPUPointerChaseRunner: PointerChaseRunner {
    static let lineBytes = 64
    let backend: CPUBackend
    let memory: LargePageBuffer
    /// Two arrays of one address per chain: where the chains start, where they stop.
    let slots: [UnsafeMutablePointer<UnsafeRawPointer?>]
    private var chase = ChaseRuns()

    init(backend: CPUBackend, largestBytes: Int) throws {
        self.backend = backend
        memory = try LargePageBuffer(bytes: largestBytes)
        slots = [.allocate(capacity: backend.threads), .allocate(capacity: backend.threads)]
    }

    deinit { slots.forEach { $0.deallocate() } }

    var parallelChains: Int { backend.threads }

    var parameters: [String: String] {
        backend.parameters.merging(["chains": "\(chase.chains?.positions.count ?? 0)", "loads_per_run": "\(chase.loads)",
                                    "line_bytes": "\(Self.lineBytes)"]) { a, _ in a }
            .merging(memory.hugePageParameters()) { a, _ in a }
    }

    func line(_ element: Int) -> UnsafeMutableRawPointer { memory.pointer + element * Self.lineBytes }

    func prepare(bytes: Int, chains count: Int, targetSeconds: Double) throws {
        let lines = bytes / Self.lineBytes
        guard lines >= 1, bytes <= memory.byteCount, count >= 1, count <= backend.threads else {
            throw BenchmarkError("pointer chase: \(bytes) bytes with \(count) chains does not fit the buffer")
        }
        let permutation = CyclicPermutation(count: lines, seed: 0x1A7E ^ UInt64(bytes))
        for (element, next) in permutation.successors().enumerated() {
            line(element).storeBytes(of: UnsafeRawPointer(line(Int(next))), as: UnsafeRawPointer.self)
        }
        let state = ChaseChains(permutation: permutation, chains: count)
        for (i, element) in state.elements.enumerated() { slots[chase.current][i] = UnsafeRawPointer(line(element)) }
        try chase.prepare(state, lines: lines, limit: calibrationLimit, targetSeconds: targetSeconds, launch: launch)
        for i in 0..<count { slots[chase.other][i] = nil }
    }

    func run() throws -> (seconds: Double, loads: Int) { try chase.run(launch) }

    private func launch(from: Int, to: Int, chains: Int, loads: Int) -> Double {
        let starts = UnsafeRawPointer(slots[from]).assumingMemoryBound(to: UnsafeRawPointer.self)
        let start = monotonicSeconds()
        backend.variant.pointerChase(starts: starts, ends: slots[to], chains: chains, steps: loads)
        return monotonicSeconds() - start
    }

    func verify() throws -> VerificationResult {
        guard let state = chase.chains else { return .failed("pointer chase: never run") }
        let base = UnsafeRawPointer(memory.pointer)
        return state.check(ends: (0..<state.positions.count).map { i -> Int? in
            guard let end = slots[chase.current][i] else { return nil }
            let offset = end - base
            guard offset >= 0, offset % Self.lineBytes == 0, offset / Self.lineBytes < state.permutation.count else { return nil }
            return offset / Self.lineBytes
        })
    }
}
