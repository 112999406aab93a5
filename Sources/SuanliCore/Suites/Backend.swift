import SuanliSchema

/// A GEMM prepared on a device: inputs uploaded once, then run and checked repeatedly.
public protocol GEMMRunner: AnyObject {
    /// Kernel parameters in use (the tuned configuration, the CPU variant, …).
    var parameters: [String: String] { get }
    /// Uploads A, B and C₀, converted to the device's storage type.
    func upload(_ problem: GEMMProblem) throws
    /// Overwrites C with NaN (or the storage type's equivalent) so unwritten elements show.
    func poisonOutput() throws
    /// Runs C = α·A·B + β·C once with the problem's α and the given β; returns seconds.
    func run(beta: Double) throws -> Double
    /// C, converted to Double.
    func downloadOutput() throws -> [Double]
    /// How the kernel's accumulator rounds (tensor and matrix engines: `directed`).
    var accumulatorRounding: AccumulatorRounding { get }
}

extension GEMMRunner {
    public var accumulatorRounding: AccumulatorRounding { .nearest }
}

/// BabelStream's arrays on a device.
public protocol StreamRunner: AnyObject {
    var parameters: [String: String] { get }
    func upload(a: [Double], b: [Double], c: [Double]) throws
    /// Poisons the array `kernel` writes (nothing for dot).
    func poisonOutput(of kernel: StreamKernel) throws
    /// Runs `kernel` once; returns seconds and, for dot, the sum.
    func run(_ kernel: StreamKernel, scalar: Double) throws -> (seconds: Double, dot: Double?)
    /// The array `kernel` writes, converted to Double.
    func downloadOutput(of kernel: StreamKernel) throws -> [Double]
}

/// Independent FMA chains at several vector widths.
public protocol PeakRunner: AnyObject {
    var parameters: [String: String] { get }
    var widths: [Int] { get }
    /// Runs once at `width`; returns seconds and the floating-point operations done.
    func run(width: Int) throws -> (seconds: Double, flops: Double)
    /// Checks the output of the timed runs at `width` (at least the last one) against its closed
    /// form, which depends on every FMA and on the iteration count.
    func verify(width: Int) throws -> VerificationResult
    /// The measurement's kernel name at `width` (`fma-w8`; a tensor-core peak: `mma`).
    func kernelName(width: Int) -> String
}

extension PeakRunner {
    public func kernelName(width: Int) -> String { "fma-w\(width)" }
}

/// One kernel swept over arithmetic intensity (fp32): loads, `iterations` multiply-adds, stores.
public protocol RooflineRunner: AnyObject {
    var parameters: [String: String] { get }
    /// Intensities tried: multiply-add steps per element (even numbers).
    var steps: [Int] { get }
    /// Runs once with `iterations` steps per element; returns seconds.
    func run(iterations: Int) throws -> Double
    /// Checks the last run's output against its closed form for the steps it was run with
    /// (every element; a skipped step changes it).
    func verify() throws -> VerificationResult
}

/// The `cache` suite on a device: one buffer as large as the largest working set, of which a
/// prefix is the working set; every work-group (or thread) rereads its own slice of it.
public protocol CacheReadRunner: AnyObject {
    var parameters: [String: String] { get }
    /// A bound on read bandwidth where the device allows one (figures above it are implausible).
    var peakGBs: (value: Double, basis: String)? { get }
    /// Makes the first `bytes` the working set, and picks the repetitions so one run lasts
    /// about `targetSeconds`.
    func prepare(bytes: Int, targetSeconds: Double) throws
    /// Overwrites the checksums with values that cannot be right.
    func poisonOutput() throws
    /// One run; returns seconds and the bytes read (repetitions × working set, more where
    /// work-groups share a slice).
    func run() throws -> (seconds: Double, bytes: Double)
    /// Checks every checksum of the last run against the data.
    func verify() throws -> VerificationResult
}

/// The `memlat` suite on a device: pointer chases through a random cyclic permutation of the
/// cache lines of a working set.
public protocol PointerChaseRunner: AnyObject {
    var parameters: [String: String] { get }
    /// Chains of the parallel figure: one per thread (CPU) or work-item.
    var parallelChains: Int { get }
    /// Lays a new random cycle over the lines of the first `bytes`, walks it once so the caches
    /// hold what they can, and picks the loads per chain so one run lasts about `targetSeconds`.
    func prepare(bytes: Int, chains: Int, targetSeconds: Double) throws
    /// One run: every chain takes the same number of dependent loads from where it stopped.
    /// Returns seconds and loads per chain.
    func run() throws -> (seconds: Double, loads: Int)
    /// Whether every chain stands where the permutation says after all runs since `prepare`
    /// (each run starts where the last stopped, so this checks them all).
    func verify() throws -> VerificationResult
}

/// Copies between host and device memory.
public enum TransferDirection: String, Sendable, CaseIterable {
    case hostToDevice = "host-to-device"
    case deviceToHost = "device-to-host"
    /// From and to pinned (driver-allocated, mapped) host memory.
    case hostToDevicePinned = "host-to-device-pinned"
    case deviceToHostPinned = "device-to-host-pinned"
}

/// Host↔device copies of one buffer size.
public protocol TransferRunner: AnyObject {
    var parameters: [String: String] { get }
    var bytes: Int { get }
    var directions: [TransferDirection] { get }
    /// Fills the direction's source with `pattern` and poisons its destination.
    func prepare(_ direction: TransferDirection, pattern: [UInt8]) throws
    /// One copy; returns seconds.
    func run(_ direction: TransferDirection) throws -> Double
    /// The destination's bytes after the last copy.
    func destination(_ direction: TransferDirection) throws -> [UInt8]
}

/// Launches of a minimal kernel that writes one marker word.
public protocol LatencyRunner: AnyObject {
    var parameters: [String: String] { get }
    /// Launches once with `marker` and waits: the host round trip in seconds, and the device's
    /// queued→start time in seconds where events tell it.
    func launch(marker: UInt32) throws -> (roundTrip: Double, queuedToStart: Double?)
    /// The marker word as the device left it.
    func readMarker() throws -> UInt32
}

/// What a device is and what the suites should ask of it: identity, timing method, skip reasons,
/// ceilings, memory limits and default problem sizes. Planning (``BenchPlan``) needs only this;
/// nothing here launches work.
public protocol DeviceProfile: AnyObject {
    var descriptor: DeviceDescriptor { get }
    /// `opencl-events` or `host-clock`.
    var timingMethod: String { get }
    /// `nil` when `precision` runs here, else why it is skipped.
    func skipReason(for precision: Precision, suite: Suite) -> String?
    /// `nil` when `suite` runs here at all, else why it is skipped (e.g. transfers on the host).
    func skipReason(suite: Suite) -> String?
    /// The engine that runs `suite` (GEMM or peak) at `precision` here, nil where it is skipped.
    func engine(for precision: Precision, suite: Suite) -> ComputeEngine?
    /// Theoretical compute peak in GFLOP/s and how it was derived, where known.
    func peakGFLOPS(_ precision: Precision) -> (value: Double, basis: String)?
    /// Called right after each timed compute batch: where the peak rests on a clock measured at
    /// run time (CPU devices), takes another reading, so that the peak asked for next is at the
    /// highest clock seen (``CPUClockMeter``). Others do nothing.
    func readClockAfterBatch()
    /// Theoretical memory bandwidth in GB/s and how it was derived, where known.
    func peakBandwidthGBs() -> (value: Double, basis: String)?
    /// Largest single allocation and total memory, to reject sizes that cannot fit.
    var maxAllocationBytes: Int { get }
    var memoryBytes: Int { get }
    /// Whether device buffers live in host memory (CPU devices), so they count against the host's.
    var deviceMemoryIsHostMemory: Bool { get }
    func defaultGEMMShapes(quick: Bool) -> [GEMMShape]
    func defaultStreamLength(_ precision: Precision, quick: Bool) -> Int
    /// The largest working set of the `cache` and `memlat` sweeps: the first √2 step at or beyond
    /// 8× the last-level cache and 256 MiB, less where memory does not allow it.
    func memorySweepLargest(quick: Bool) -> Int
    /// Buffer size of the transfer suite.
    func defaultTransferBytes(quick: Bool) -> Int
}

/// The runners of one programming model: each prepares its buffers and kernels for one problem
/// and then runs, times and checks it (the suites drive them).
public protocol RunnerFactory: AnyObject {
    func makeGEMM(precision: Precision, shape: GEMMShape, retune: Bool) throws -> any GEMMRunner
    func makeStream(precision: Precision, length: Int) throws -> any StreamRunner
    func makePeak(precision: Precision, quick: Bool) throws -> any PeakRunner
    /// The roofline sweep over `length` fp32 elements.
    func makeRoofline(length: Int) throws -> any RooflineRunner
    func makeCacheRead(largestBytes: Int) throws -> any CacheReadRunner
    func makePointerChase(largestBytes: Int) throws -> any PointerChaseRunner
    func makeTransfer(bytes: Int) throws -> any TransferRunner
    func makeLatency() throws -> any LatencyRunner
}

/// One programming model's implementation (BabelStream's shape: the suites are written once
/// against this): a device's profile and its runners. The implementations (OpenCL, native CPU)
/// are built in one place, ``DeviceInventory/backends(ids:sources:cpuVariant:cpuThreads:tuningCache:log:noGPU:)``.
public protocol BenchmarkBackend: DeviceProfile, RunnerFactory {}

extension DeviceProfile {
    public func readClockAfterBatch() {}

    /// Backends without tensor or matrix engines: the vector units, where the precision runs.
    public func engine(for precision: Precision, suite: Suite) -> ComputeEngine? {
        skipReason(for: precision, suite: suite) == nil ? .vector : nil
    }
}

/// M×N×K.
public struct GEMMShape: Sendable, Equatable, CustomStringConvertible {
    public var m: Int, n: Int, k: Int
    public init(m: Int, n: Int, k: Int) { self.m = m; self.n = n; self.k = k }
    public init(square n: Int) { self.init(m: n, n: n, k: n) }
    public var description: String { "\(m)x\(n)x\(k)" }
    public var size: [String: Int] { ["m": m, "n": n, "k": k] }
    /// Elements of A (M×K), B (K×N) and C (M×N); Int.max where a product overflows.
    public var elementCounts: (mk: Int, kn: Int, mn: Int) {
        func product(_ x: Int, _ y: Int) -> Int {
            let (value, overflow) = x.multipliedReportingOverflow(by: y)
            return overflow ? Int.max : value
        }
        return (product(m, k), product(k, n), product(m, n))
    }
}

