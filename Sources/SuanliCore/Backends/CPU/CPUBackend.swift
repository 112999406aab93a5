import SuanliSchema
import CPUKernelsPortable
import Dispatch

/// Runs the suites on the host CPU with Suanli's own SIMD kernels, on all cores,
/// timed with the host's monotonic clock.
public final class CPUBackend: BenchmarkBackend {
    public let descriptor: DeviceDescriptor
    public let host: HostInfo
    public let variant: CPUKernelVariant
    public let threads: Int
    public let timingMethod = "host-clock"

    /// `variant` nil selects from the CPU's features.
    public init(host: HostInfo, variant: CPUKernelVariant? = nil, threads: Int? = nil) {
        self.host = host
        self.descriptor = DeviceDescriptor(host: host)
        self.variant = variant ?? CPUKernelVariant.select(for: CPUFeatureSet.current())
        self.threads = threads ?? max(1, host.logicalCores)
    }

    public var maxAllocationBytes: Int { host.memoryBytes }
    public var memoryBytes: Int { host.memoryBytes }
    public var deviceMemoryIsHostMemory: Bool { true }

    public func skipReason(for precision: Precision, suite: Suite) -> String? {
        // A variant forced onto a CPU without its instructions would stop on an illegal instruction.
        if !variant.runs(on: CPUFeatureSet.current()) {
            return "the \(variant.rawValue) kernels need CPU features this machine does not list in /proc/cpuinfo"
        }
        return switch (precision, suite) {
        case (.fp32, _), (.fp64, .gemm), (.fp64, .stream): nil
        case (.fp64, _): "the native CPU peak suite measures fp32 FMA chains only"
        case (.fp16, _), (.mixed, _): "the native CPU path has no half-precision kernels"
        case (.bf16, _), (.int8, _), (.tf32, _), (.fp8, _):
            "the native CPU path has no \(precision.rawValue) kernels (Intel's OpenCL CPU runtime runs bf16 and int8)"
        }
    }

    /// Physical cores × FMA units × lanes × 2 × the measured clock (``CPUPeak``), at the width of
    /// the kernel variant that runs (an AVX2 kernel cannot use the upper half of a 512-bit pipe).
    public func peakGFLOPS(_ precision: Precision) -> (value: Double, basis: String)? {
        CPUPeak.host(host, precision: precision, threads: threads, kernel: variant)
    }

    public func readClockAfterBatch() { CPUClockMeter.observe() }

    public func peakBandwidthGBs() -> (value: Double, basis: String)? { nil }

    public func defaultGEMMShapes(quick: Bool) -> [GEMMShape] {
        quick ? [GEMMShape(square: 256)] : [GEMMShape(square: 2048)]
    }

    /// Each array at least 4× all last-level cache instances together, as a power of two, also
    /// with `--quick`: a smaller array measures the cache, not memory.
    public func defaultStreamLength(_ precision: Precision, quick: Bool) -> Int {
        let minimum = 4 * host.lastLevelCacheTotalBytes / precision.elementBytes
        var length = 1 << 20
        while length < minimum { length <<= 1 }
        return length
    }

    /// The fp32 or the fp64 build of a runner (the native kernels have no other precision), after
    /// checking that this CPU runs the chosen kernel build.
    private func floatingPointRunner<Runner>(
        _ precision: Precision, kernels: String, fp32: () -> Runner, fp64: () -> Runner
    ) throws -> Runner {
        try requireRunnableVariant()
        switch precision {
        case .fp32: return fp32()
        case .fp64: return fp64()
        default: throw BenchmarkError("no CPU \(kernels) for \(precision.rawValue)")
        }
    }

    public func makeGEMM(precision: Precision, shape: GEMMShape, retune: Bool) throws -> any GEMMRunner {
        try floatingPointRunner(precision, kernels: "GEMM", fp32: { CPUGEMMRunner<Float>(backend: self, shape: shape) },
                                fp64: { CPUGEMMRunner<Double>(backend: self, shape: shape) })
    }

    public func makeStream(precision: Precision, length: Int) throws -> any StreamRunner {
        try floatingPointRunner(precision, kernels: "stream kernels", fp32: { CPUStreamRunner<Float>(backend: self, length: length) },
                                fp64: { CPUStreamRunner<Double>(backend: self, length: length) })
    }

    public func makePeak(precision: Precision, quick: Bool) throws -> any PeakRunner {
        try requireRunnableVariant()
        return CPUPeakRunner(backend: self, quick: quick)
    }

    public func makeRoofline(length: Int) throws -> any RooflineRunner {
        try requireRunnableVariant()
        return CPURooflineRunner(backend: self, length: length)
    }

    /// 8× the last-level cache and at least 256 MiB (`--quick`: 8 MiB), within a quarter of memory.
    public func memorySweepLargest(quick: Bool) -> Int {
        let wanted = quick ? 8 << 20 : WorkingSetSweep.defaultLargest(lastLevelCacheBytes: host.lastLevelCacheBytes)
        return min(wanted, maxAllocationBytes)
    }

    public func makeCacheRead(largestBytes: Int) throws -> any CacheReadRunner {
        try requireRunnableVariant()
        return try CPUCacheReadRunner(backend: self, largestBytes: largestBytes)
    }

    public func makePointerChase(largestBytes: Int) throws -> any PointerChaseRunner {
        try requireRunnableVariant()
        return try CPUPointerChaseRunner(backend: self, largestBytes: largestBytes)
    }

    /// Refuses to run a variant whose instructions this CPU lacks (e.g. forced with --cpu-variant).
    func requireRunnableVariant() throws {
        if !variant.runs(on: CPUFeatureSet.current()) {
            throw BenchmarkError("the \(variant.rawValue) kernels need CPU features this machine does not list in /proc/cpuinfo")
        }
    }

    public func skipReason(suite: Suite) -> String? {
        switch suite {
        case .transfer: "the native CPU has no separate device memory"
        case .latency: "the native CPU path launches no kernels"
        default: nil
        }
    }

    public func defaultTransferBytes(quick: Bool) -> Int { 0 }

    public func makeTransfer(bytes: Int) throws -> any TransferRunner {
        throw BenchmarkError("the native CPU has no separate device memory")
    }

    public func makeLatency() throws -> any LatencyRunner {
        throw BenchmarkError("the native CPU path launches no kernels")
    }

    var parameters: [String: String] { ["variant": variant.rawValue, "threads": "\(threads)"] }
}

/// Host arrays for the CPU kernels, owned and freed by the runner.
final class HostBuffer<T: BinaryFloatingPoint> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int
    init(count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<T>.stride, alignment: 64)
            .bindMemory(to: T.self, capacity: count)
    }
    deinit { pointer.deallocate() }
    func set(_ values: [Double]) { for i in 0..<count { pointer[i] = T(values[i]) } }
    /// Parallel: thread t writes the t-th of `threads` contiguous parts (the stream kernels' split).
    func set(_ values: [Double], threads: Int) {
        let parts = Swift.max(1, Swift.min(threads, count / 4096))
        let raw = UnsafeMutableSendablePointer(UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt8.self))
        let count = self.count, single = T.self == Float.self
        values.withUnsafeBufferPointer { source in
            let input = UnsafeSendableBufferPointer(source)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let range = contiguousPart(part, of: parts, count: count)
                let base = UnsafeMutableRawPointer(raw.value)
                if single {
                    let out = base.assumingMemoryBound(to: Float.self)
                    for i in range { out[i] = Float(input.value[i]) }
                } else {
                    let out = base.assumingMemoryBound(to: Double.self)
                    for i in range { out[i] = input.value[i] }
                }
            }
        }
    }
    func poison() { for i in 0..<count { pointer[i] = .nan } }
    var values: [Double] { (0..<count).map { Double(pointer[$0]) } }
}

final class CPUGEMMRunner<T: BinaryFloatingPoint>: GEMMRunner {
    let backend: CPUBackend
    let shape: GEMMShape
    let a: HostBuffer<T>, b: HostBuffer<T>, c: HostBuffer<T>
    var alpha = 1.0

    init(backend: CPUBackend, shape: GEMMShape) {
        self.backend = backend
        self.shape = shape
        a = HostBuffer(count: shape.m * shape.k)
        b = HostBuffer(count: shape.k * shape.n)
        c = HostBuffer(count: shape.m * shape.n)
    }

    var parameters: [String: String] { backend.parameters }

    func upload(_ problem: GEMMProblem) throws {
        alpha = problem.alpha
        a.set(problem.a)
        b.set(problem.b)
        c.set(problem.c0)
    }

    func poisonOutput() throws { c.poison() }

    func run(beta: Double) throws -> Double {
        let start = monotonicSeconds()
        if T.self == Float.self {
            backend.variant.sgemm(m: shape.m, n: shape.n, k: shape.k, alpha: Float(alpha),
                                  a: UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self),
                                  b: UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), beta: Float(beta),
                                  c: UnsafeMutableRawPointer(c.pointer).assumingMemoryBound(to: Float.self), threads: backend.threads)
        } else {
            backend.variant.dgemm(m: shape.m, n: shape.n, k: shape.k, alpha: alpha,
                                  a: UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Double.self),
                                  b: UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Double.self), beta: beta,
                                  c: UnsafeMutableRawPointer(c.pointer).assumingMemoryBound(to: Double.self), threads: backend.threads)
        }
        return monotonicSeconds() - start
    }

    func downloadOutput() throws -> [Double] { c.values }
}

final class CPUStreamRunner<T: BinaryFloatingPoint>: StreamRunner {
    let backend: CPUBackend
    let a: HostBuffer<T>, b: HostBuffer<T>, c: HostBuffer<T>

    init(backend: CPUBackend, length: Int) {
        self.backend = backend
        a = HostBuffer(count: length)
        b = HostBuffer(count: length)
        c = HostBuffer(count: length)
    }

    var parameters: [String: String] { backend.parameters }

    /// Written in parallel, each thread the part of the arrays the kernels give it, so the
    /// first touch places pages where they are used.
    func upload(a: [Double], b: [Double], c: [Double]) throws {
        self.a.set(a, threads: backend.threads)
        self.b.set(b, threads: backend.threads)
        self.c.set(c, threads: backend.threads)
    }

    func output(_ kernel: StreamKernel) -> HostBuffer<T>? {
        switch kernel {
        case .copy, .add: c
        case .mul: b
        case .triad: a
        case .dot: nil
        }
    }

    func poisonOutput(of kernel: StreamKernel) throws { output(kernel)?.poison() }

    func run(_ kernel: StreamKernel, scalar: Double) throws -> (seconds: Double, dot: Double?) {
        let start = monotonicSeconds()
        let dot = backend.variant.stream(kernel, a: a.pointer, b: b.pointer, c: c.pointer, scalar: T(scalar),
                                         count: a.count, threads: backend.threads)
        return (monotonicSeconds() - start, dot)
    }

    func downloadOutput(of kernel: StreamKernel) throws -> [Double] { output(kernel)?.values ?? [] }
}

/// Independent fp32 FMA chains on every core at the variant's widest vector.
/// Every timed run's checksum is compared with its closed form (`CPUKernels.peakFMAExpected`),
/// so the verification covers exactly the runs that were timed.
final class CPUPeakRunner: PeakRunner {
    let backend: CPUBackend
    let widths = [8]
    let targetSeconds: Double
    var parameters: [String: String] {
        backend.parameters.merging(["chains": "\(CPUKernels.peakFMAChains)", "lanes": "\(backend.variant.peakFMALanes)"]) { a, _ in a }
    }
    private var iterations = 0, repeats = 1
    /// The first run whose checksum was wrong since the last `verify`, if any.
    private var mismatch: String?
    private var runs = 0
    /// Test hook: the kernel is run with this many fewer steps than counted (a planted fault).
    var stepsDropped = 0

    init(backend: CPUBackend, quick: Bool) {
        self.backend = backend
        targetSeconds = quick ? 0.01 : 0.1
    }

    /// One call of the kernel; checks its checksum. Returns seconds and FLOPs.
    private func call(iterations: Int, repeats: Int) -> (seconds: Double, flops: Double) {
        let start = monotonicSeconds()
        let result = backend.variant.peakFMA(threads: backend.threads, iterations: max(0, iterations - stepsDropped),
                                             repeats: repeats, multiplier: 1, addend: 1)
        let seconds = monotonicSeconds() - start
        let expected = backend.variant.peakFMAExpected(threads: backend.threads, iterations: iterations, repeats: repeats)
        runs += 1
        if result.checksum != expected, mismatch == nil {
            mismatch = "FMA checksum \(result.checksum) after \(repeats) × \(iterations) steps on \(backend.threads) workers, "
                + "expected \(expected) (run \(runs))"
        }
        let flops = Double(backend.threads) * Double(repeats) * Double(iterations) * Double(CPUKernels.peakFMAChains)
            * Double(backend.variant.peakFMALanes) * 2
        return (seconds, flops)
    }

    func run(width: Int) throws -> (seconds: Double, flops: Double) {
        if iterations == 0 {
            // Grow the steps per round to their exact-integer limit, then the rounds per call.
            var count = 1 << 12, rounds = 1
            while true {
                let seconds = call(iterations: count, repeats: rounds).seconds
                if seconds >= targetSeconds { break }
                if count < CPUKernels.peakFMAMaxIterations { count *= 2 }
                else if rounds < CPUKernels.peakFMAMaxRepeats { rounds *= 2 }
                else { break }
            }
            iterations = count
            repeats = rounds
        }
        return call(iterations: iterations, repeats: repeats)
    }

    /// Passes when every run since the last check returned its closed-form checksum.
    func verify(width: Int) throws -> VerificationResult {
        defer { mismatch = nil; runs = 0 }
        guard runs > 0 else { return .failed("FMA peak verified before any run") }
        return mismatch.map { .failed($0) } ?? .passed
    }
}

/// Raw pointers handed to worker threads that write disjoint parts.
struct UnsafeMutableSendablePointer<T>: @unchecked Sendable {
    let value: UnsafeMutablePointer<T>
    init(_ value: UnsafeMutablePointer<T>) { self.value = value }
}

struct UnsafeSendableBufferPointer<T>: @unchecked Sendable {
    let value: UnsafeBufferPointer<T>
    init(_ value: UnsafeBufferPointer<T>) { self.value = value }
}

/// The `index`-th of `parts` contiguous, near-equal parts of 0..<count.
func contiguousPart(_ index: Int, of parts: Int, count: Int) -> Range<Int> {
    let chunk = (count + parts - 1) / parts
    return Swift.min(count, index * chunk)..<Swift.min(count, (index + 1) * chunk)
}
