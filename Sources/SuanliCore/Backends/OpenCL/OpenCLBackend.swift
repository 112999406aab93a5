import SuanliSchema
import OpenCLKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs the suites on one OpenCL device, timing kernels with profiling events.
public final class OpenCLBackend: BenchmarkBackend {
    public let descriptor: DeviceDescriptor
    public let info: DeviceInfo
    let device: Device
    let context: Context
    let queue: CommandQueue
    let sources: KernelSources
    let tuningCache: TuningCache
    public let timingMethod = "opencl-events"
    /// Messages for the user (tuning progress, probes), one line each.
    let log: @Sendable (String) -> Void
    private var programs: [String: Program] = [:]
    private var probes: [Precision: String?] = [:]
    /// What the engine choice sees of the device (``EngineSelection``).
    public private(set) var capabilities: EngineCapabilities
    /// Tests only: run the engine kernels on a CPU device with their instructions emulated.
    var emulation: KernelEmulation? {
        didSet { if let emulation { capabilities = emulation.capabilities } }
    }

    public init(device: DiscoveredOpenCLDevice, sources: KernelSources, tuningCache: TuningCache,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.device = device.device
        self.info = device.info
        self.descriptor = DeviceDescriptor(openCL: device.info)
        self.context = try Context(device: device.device)
        self.queue = try CommandQueue(context: context, device: device.device, profiling: true)
        self.sources = sources
        self.tuningCache = tuningCache
        self.log = log
        self.capabilities = EngineCapabilities(device.info)
    }

    public var maxAllocationBytes: Int { info.maxAllocationBytes }
    public var memoryBytes: Int { info.globalMemoryBytes }
    public var deviceMemoryIsHostMemory: Bool { info.type == .cpu }

    /// Build options selecting the element and accumulator types of the classic kernels
    /// (gemm.cl, stream.cl), from the precision table. The engine-only precisions get fp32's
    /// (their classic build is never run; the engine kernels take them).
    static func precisionDefines(_ precision: Precision) -> String {
        guard let (real, acc) = precision.traits.classic else { return "-DREAL=float -DACC=float" }
        return "-DREAL=\(real.openCLType!) -DACC=\(acc.openCLType!)" + (acc.extensionDefine.map { " " + $0 } ?? "")
    }

    /// Build options selecting the type of the vector peak kernel (peak.cl), nil where the
    /// precision has no vector peak.
    static func vectorPeakDefines(_ precision: Precision) -> String? {
        guard let type = precision.traits.vectorPeak else { return nil }
        return "-DREAL=\(type.openCLType!)" + (type.extensionDefine.map { " " + $0 } ?? "")
    }

    /// The kernel that runs GEMM at `precision` here.
    public func gemmChoice(_ precision: Precision) -> EngineChoice { EngineSelection.gemm(precision, on: capabilities) }
    /// The kernel that runs the peak suite at `precision` here.
    public func peakChoice(_ precision: Precision) -> EngineChoice { EngineSelection.peak(precision, on: capabilities) }

    public func engine(for precision: Precision, suite: Suite) -> ComputeEngine? {
        guard skipReason(for: precision, suite: suite) == nil else { return nil }
        switch suite {
        case .gemm: return gemmChoice(precision).engine
        case .peak: return peakChoice(precision).engine
        default: return .vector
        }
    }

    /// Builds (once) an engine kernel file: the element type and `options`, and under a test's
    /// emulation the emulation prelude and its define.
    func engineProgram(_ file: String, kernel: EngineKernel, options: String) throws -> Program {
        var opts = kernel.buildOptions + (options.isEmpty ? "" : " " + options)
        var prefix = ""
        if let emulation, let define = kernel.family.emulationDefine, let prelude = emulation.preludes[kernel.family] {
            prefix = prelude + "\n"
            opts += " -D\(define)"
            if kernel.family == .amdMFMA, capabilities.amdGfx?.hasPrefix("gfx94") == true { opts += " -DSUANLI_MFMA_GFX94X" }
            if !opts.contains("-cl-std=") { opts += " -cl-std=CL3.0" }
        }
        do {
            return try program(file, options: opts, prefix: prefix)
        } catch let OpenCLError.buildFailed(_, log, _) where kernel.family == .nvidiaMMA && kernel.precision == .fp8 {
            // An older driver's PTX lacks fp8 mma (PTX ISA 8.4): name its PTX version and the need,
            // for the GEMM and the peak kernels alike.
            throw BenchmarkError(PTXVersion.fp8BuildFailure(log: log, firstError: OpenCLError.firstError(inBuildLog: log)))
        }
    }

    /// Builds (once) `file` with `options`.
    func program(_ file: String, options: String, prefix: String = "") throws -> Program {
        let key = file + "|" + options + "|" + KernelSources.hash(prefix)
        if let cached = programs[key] { return cached }
        let built = try Program(context: context, source: prefix + (try sources.source(file)), options: options)
        programs[key] = built
        return built
    }

    /// Skipped only when the device lacks the capability: no fp64, or (for fp16) no
    /// `cl_khr_fp16` and half arithmetic that does not compile (NVIDIA does not advertise the
    /// extension, yet half arithmetic builds there, so it is probed). A device that advertises a
    /// type and fails to build its kernels gets a failed measurement with the compiler's message.
    public func skipReason(for precision: Precision, suite: Suite) -> String? {
        if precision.usesMatrixEngines, suite == .gemm || suite == .peak {
            switch suite == .gemm ? gemmChoice(precision) : peakChoice(precision) {
            case .kernel: return nil
            case .unsupported(let reason): return reason
            case .classic: break
            }
        }
        switch precision {
        case .fp32, .mixed: return nil
        case .fp64: return info.supportsFP64 ? nil : "the device has no double precision (no cl_khr_fp64)"
        case .fp16 where info.advertisesFP16: return nil
        case .fp16: break
        case .bf16, .int8, .tf32, .fp8: return "\(precision.rawValue) runs in the gemm and peak suites only"
        }
        if let cached = probes[precision] { return cached }
        var reason: String?
        do {
            _ = try program("stream.cl", options: Self.precisionDefines(precision) + " -DVW=1")
        } catch let OpenCLError.buildFailed(_, log, _) {
            reason = "the device does not advertise cl_khr_fp16 and half arithmetic does not compile: "
                + OpenCLError.firstError(inBuildLog: log)
        } catch {
            // Not a compiler verdict (a missing source, say): let the suite run and fail on it.
            reason = nil
        }
        probes[precision] = reason
        return reason
    }

    public func peakGFLOPS(_ precision: Precision) -> (value: Double, basis: String)? {
        if case .kernel(let kernel) = gemmChoice(precision) {
            return EnginePeaks.gflops(ComputeDeviceFacts(info), kernel: kernel, capabilities: capabilities)
        }
        return DevicePeaks.gflops(ComputeDeviceFacts(info), precision: precision)
    }

    /// A CPU device's peak rests on the host's measured clock (``DevicePeaks/cpuGFLOPS``).
    public func readClockAfterBatch() {
        if info.type == .cpu { CPUClockMeter.observe() }
    }

    public func peakBandwidthGBs() -> (value: Double, basis: String)? {
        try? DevicePeaks.bandwidth(ComputeDeviceFacts(info)).get()
    }

    public func defaultGEMMShapes(quick: Bool) -> [GEMMShape] { Self.defaultGEMMShapes(for: info.type, quick: quick) }

    static func defaultGEMMShapes(for type: DeviceType, quick: Bool) -> [GEMMShape] {
        // GPUs also get a shape that is no multiple of any tile (odd M, N and K): the edge and
        // padding paths of every kernel are then verified and timed too.
        if quick {
            return type == .gpu ? [GEMMShape(square: 256), GEMMShape(m: 255, n: 257, k: 251)] : [GEMMShape(square: 256)]
        }
        return type == .gpu
            ? [GEMMShape(square: 4096), GEMMShape(m: 4096, n: 4096, k: 1024), GEMMShape(m: 4001, n: 3999, k: 1001)]
            : [GEMMShape(square: 1024), GEMMShape(square: 2048)]
    }

    /// Each array at least 4× the largest last-level cache, also with `--quick`: on a GPU the
    /// largest any part of its family has (``DevicePeaks/familyLastLevelCache(_:)``; AMD's
    /// Infinity Cache and Intel's Xe-HPC L2 are not in `CL_DEVICE_GLOBAL_MEM_CACHE_SIZE`, which
    /// is L1-sized on many GPUs), 128 MiB for a GPU of no known family; on a CPU device, all of
    /// the host's last-level cache instances. Without `--quick`, GPUs get 2^28 elements where
    /// memory allows.
    public func defaultStreamLength(_ precision: Precision, quick: Bool) -> Int {
        Self.streamLength(info, precision: precision, quick: quick,
                          hostLastLevelCache: info.type == .cpu ? HostInfo.current().lastLevelCacheTotalBytes : 0)
    }

    /// The largest cache a stream array must exceed fourfold on `info`'s device.
    static func streamCacheBytes(_ info: DeviceInfo, hostLastLevelCache: Int) -> Int {
        switch info.type {
        case .cpu: return max(info.globalCacheBytes, hostLastLevelCache)
        case .gpu: return max(info.globalCacheBytes, DevicePeaks.familyLastLevelCache(ComputeDeviceFacts(info))?.bytes ?? 128 << 20)
        default: return info.globalCacheBytes
        }
    }

    static func streamLength(_ info: DeviceInfo, precision: Precision, quick: Bool, hostLastLevelCache: Int) -> Int {
        let cache = streamCacheBytes(info, hostLastLevelCache: hostLastLevelCache)
        let minimum = max(1 << 20, 4 * cache / precision.elementBytes)
        var length = 1 << 20
        while length < minimum { length <<= 1 }
        if !quick && info.type == .gpu { length = max(length, 1 << 28) }
        while length > minimum, length * precision.elementBytes > info.maxAllocationBytes
                || 3 * length * precision.elementBytes > info.globalMemoryBytes / 2 {
            length /= 2
        }
        return length
    }

    public func makeGEMM(precision: Precision, shape: GEMMShape, retune: Bool) throws -> any GEMMRunner {
        switch gemmChoice(precision) {
        case .kernel(let kernel): return try makeEngineGEMM(kernel, shape: shape, retune: retune)
        case .unsupported(let reason): throw BenchmarkError(reason)
        case .classic: return try makeClassicGEMM(precision: precision, shape: shape, retune: retune)
        }
    }

    /// A tensor, matrix or packed-vector GEMM, tuned over `gemm_engines.tuning.json` (cached).
    func makeEngineGEMM(_ kernel: EngineKernel, shape: GEMMShape, retune: Bool) throws -> any GEMMRunner {
        let configs = try EngineGEMMConfig.load(for: kernel.family, from: sources)
        let source = try sources.source(kernel.family.gemmFile) + (sources.files[EngineGEMMConfig.file] ?? "")
            + kernel.buildOptions + (emulation == nil ? "" : "emulated")
        let key = TuningCache.Key(device: info.name, driver: info.driverVersion,
                                  precision: kernel.precision.rawValue + "/" + kernel.family.rawValue,
                                  sourceHash: KernelSources.hash(source))
        if !retune, let name = tuningCache.lookup(key), let config = configs.first(where: { $0.name == name }) {
            return try OpenCLEngineGEMMRunner(backend: self, kernel: kernel, shape: shape, config: config, selectedBy: "cache")
        }
        let best = try EngineGEMMTuner.tune(backend: self, kernel: kernel, shape: shape, configs: configs)
        tuningCache.store(key, best.name)
        return try OpenCLEngineGEMMRunner(backend: self, kernel: kernel, shape: shape, config: best, selectedBy: "tuned now")
    }

    public func makeStream(precision: Precision, length: Int) throws -> any StreamRunner {
        try OpenCLStreamRunner(backend: self, precision: precision, length: length)
    }

    public func makePeak(precision: Precision, quick: Bool) throws -> any PeakRunner {
        switch peakChoice(precision) {
        case .kernel(let kernel): return try OpenCLEnginePeakRunner(backend: self, kernel: kernel, quick: quick)
        case .unsupported(let reason): throw BenchmarkError(reason)
        case .classic: return try OpenCLPeakRunner(backend: self, precision: precision, quick: quick)
        }
    }

    public func makeRoofline(length: Int) throws -> any RooflineRunner {
        try OpenCLRooflineRunner(backend: self, length: length)
    }

    /// 8× the device's global memory cache (its last level) and at least 256 MiB (`--quick`:
    /// 8 MiB), within the largest allocation and half the device's memory.
    public func memorySweepLargest(quick: Bool) -> Int {
        let wanted = quick ? 8 << 20 : WorkingSetSweep.defaultLargest(lastLevelCacheBytes: info.globalCacheBytes)
        return min(wanted, info.maxAllocationBytes, info.globalMemoryBytes / 2)
    }

    public func makeCacheRead(largestBytes: Int) throws -> any CacheReadRunner {
        try OpenCLCacheReadRunner(backend: self, largestBytes: largestBytes)
    }

    public func makePointerChase(largestBytes: Int) throws -> any PointerChaseRunner {
        try OpenCLPointerChaseRunner(backend: self, largestBytes: largestBytes)
    }

    /// Runs `kernel` and returns its device execution time in seconds.
    func timed(_ kernel: Kernel, global: [Int], local: [Int]?) throws -> Double {
        let event = try queue.enqueue(kernel, global: global, local: local)
        try event.wait()
        return Double(try event.profilingTimes().executionNanoseconds) * 1e-9
    }

    /// Enqueues `launches` back to back on the in-order queue, waits for the last, and returns the
    /// device time from the first kernel's start to the last one's end, in seconds.
    func timed(_ launches: [(kernel: Kernel, global: [Int], local: [Int]?)]) throws -> Double {
        let events = try launches.map { try queue.enqueue($0.kernel, global: $0.global, local: $0.local) }
        try Event.wait(events)
        guard let first = events.first, let last = events.last else { return 0 }
        let start = try first.profilingTimes().started, end = try last.profilingTimes().ended
        return Double(end &- start) * 1e-9
    }

    func buffer(bytes: Int) throws -> Buffer { try Buffer(context: context, byteCount: bytes) }

    func write(_ buffer: Buffer, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { _ = try buffer.write($0, queue: queue) }
    }

    func read(_ buffer: Buffer, count bytes: Int) throws -> [UInt8] {
        try buffer.read(count: bytes, as: UInt8.self, queue: queue)
    }
}

/// Tests only: the engine kernels' instructions emulated on a CPU OpenCL device (sub-group
/// shuffles), so their indexing, the host's packing and verification run without the GPU.
struct KernelEmulation {
    /// The device the choice should see (an NVIDIA sm_90, an AMD gfx942, …).
    var capabilities: EngineCapabilities
    /// OpenCL C prepended to each family's kernels (`Tests/SuanliCoreTests/KernelEmulation`).
    var preludes: [EngineKernelFamily: String]
}

/// OpenCL errors summarise themselves (code name, first line of a build log) for a failed
/// measurement's reason.
extension OpenCLError: SummarizedError {}

extension Precision {
    /// A scalar kernel argument (α, β, the stream scalar) in this precision's accumulator type,
    /// the type the kernels declare it in (``PrecisionTraits/accumulator``).
    func scalarArgument(_ value: Double) -> KernelArgument {
        switch traits.accumulator {
        case .float64: .value(value)
        case .float16: .value(Float16(Float(value)))
        case .int32, .int8: .value(Int32(value))
        case .float32, .tensorFloat32, .bfloat16, .e4m3: .value(Float(value))
        }
    }
}
