import SuanliSchema
import OpenCLKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One GEMM kernel configuration from `Kernels/gemm.tuning.json`.
@SnakeCaseCodingKeys
struct GEMMConfig: Decodable, Sendable {
    var name: String
    var defines: [String: Int]
    var local: [Int]
    var tileM: Int
    var tileN: Int
    /// Restricts the configuration to a device type (`gpu`, `cpu`, `accelerator`); absent: any.
    var deviceType: String?

    static func load(from sources: KernelSources) throws -> [GEMMConfig] {
        guard let text = sources.files["gemm.tuning.json"] else {
            throw BenchmarkError("gemm.tuning.json not found in \(sources.origin) kernels")
        }
        let configs: [GEMMConfig]
        do {
            configs = try JSONDecoder().decode([GEMMConfig].self, from: Data(text.utf8))
        } catch {
            throw BenchmarkError("gemm.tuning.json is not valid: \(error)")
        }
        guard !configs.isEmpty else { throw BenchmarkError("gemm.tuning.json lists no configuration") }
        for config in configs {
            if let problem = config.formatProblem { throw BenchmarkError("gemm.tuning.json: \(config.name): \(problem)") }
        }
        return configs
    }

    /// What is wrong with the entry itself, if anything (checked when the file is loaded).
    var formatProblem: String? {
        if local.count != 2 || local.contains(where: { $0 < 1 }) { return "\"local\" must be two positive sizes" }
        if tileM < 1 || tileN < 1 { return "tile_m and tile_n must be positive" }
        if let type = deviceType, !DeviceType.allCases.map(\.rawValue).contains(type) {
            return "unknown device_type \"\(type)\" (gpu, cpu, accelerator, custom)"
        }
        return nil
    }

    /// The packed kernel family (`gemm_pack_a`, `gemm_pack_b`, `gemm_packed`) instead of `gemm`.
    var packed: Bool { (defines["PACKED"] ?? 0) != 0 }

    /// Whether the entry is meant for a device of `type`.
    func applies(to type: DeviceType) -> Bool { deviceType == nil || deviceType == type.rawValue }

    var buildOptions: String {
        defines.keys.sorted().map { "-D\($0)=\(defines[$0]!)" }.joined(separator: " ")
    }

    /// NDRange: dimension 0 runs along N, dimension 1 along M; one work-group per tile of C.
    func global(m: Int, n: Int) -> [Int] {
        [(n + tileN - 1) / tileN * local[0], (m + tileM - 1) / tileM * local[1]]
    }

    /// Rows of C per work-item (the packed A micro-panel height).
    var rowsPerItem: Int { max(1, tileM / local[1]) }
    /// K padded for the packed kernels (a multiple of KUNROLL).
    func paddedK(_ k: Int) -> Int { let u = max(1, defines["KUNROLL"] ?? 1); return (k + u - 1) / u * u }
    /// Bytes of the packed A and B copies for an M×N×K problem with `accumulatorBytes` per element.
    func packedBytes(m: Int, n: Int, k: Int, accumulatorBytes: Int) -> (a: Int, b: Int) {
        let mp = (m + tileM - 1) / tileM * tileM, np = (n + tileN - 1) / tileN * tileN
        return (mp * paddedK(k) * accumulatorBytes, np * paddedK(k) * accumulatorBytes)
    }

    /// Why the device cannot launch this configuration at all (work-group shape beyond its
    /// limits), or nil. Kernel-specific limits are checked after the build.
    func deviceLimitViolation(maxWorkGroupSize: Int, maxWorkItemSizes: [Int]) -> String? {
        let size = local.reduce(1, *)
        if size > maxWorkGroupSize {
            return "work-group \(local[0])x\(local[1]) = \(size) work-items exceeds the device's CL_DEVICE_MAX_WORK_GROUP_SIZE \(maxWorkGroupSize)"
        }
        for (dim, extent) in local.enumerated() where dim < maxWorkItemSizes.count && extent > maxWorkItemSizes[dim] {
            return "work-group extent \(extent) in dimension \(dim) exceeds CL_DEVICE_MAX_WORK_ITEM_SIZES[\(dim)] = \(maxWorkItemSizes[dim])"
        }
        return nil
    }

    /// Why the built kernel cannot be launched with this configuration, or nil.
    func kernelLimitViolation(kernelName: String, kernelWorkGroupSize: Int, kernelLocalMemory: Int,
                              deviceLocalMemory: Int) -> String? {
        let size = local.reduce(1, *)
        if size > kernelWorkGroupSize {
            return "work-group of \(size) work-items exceeds CL_KERNEL_WORK_GROUP_SIZE \(kernelWorkGroupSize) of kernel \(kernelName)"
        }
        if kernelLocalMemory > deviceLocalMemory {
            return "kernel \(kernelName) needs \(kernelLocalMemory) bytes of local memory (CL_KERNEL_LOCAL_MEM_SIZE); "
                + "the device has \(deviceLocalMemory) (CL_DEVICE_LOCAL_MEM_SIZE)"
        }
        return nil
    }
}

/// A configuration that this device cannot run (a limit, not a failure): the tuner skips it.
struct GEMMConfigUnsuitable: Error, CustomStringConvertible {
    var description: String
}

/// What a tuning run found: the fastest verified configuration, the runner-up, their GFLOP/s.
struct GEMMTuning: Sendable {
    var best: GEMMConfig
    var gflops: Double
    var runnerUp: (name: String, gflops: Double)?
    /// The shape the configurations were timed on (capped below the requested one).
    var shape: GEMMShape
}

/// Tries each configuration on the device, verifies it, keeps the fastest verified one.
enum GEMMTuner {
    static func tune(backend: OpenCLBackend, precision: Precision, shape: GEMMShape,
                     configs: [GEMMConfig]) throws -> GEMMConfig {
        try measure(backend: backend, precision: precision, shape: shape, configs: configs).best
    }

    static func measure(backend: OpenCLBackend, precision: Precision, shape: GEMMShape,
                        configs: [GEMMConfig]) throws -> GEMMTuning {
        let type = backend.info.type
        let candidates = configs.filter { $0.applies(to: type) }
        let elsewhere = configs.count - candidates.count
        if elsewhere > 0 {
            backend.log("tuning gemm \(precision.rawValue): \(candidates.count) of \(configs.count) configurations apply to a "
                + "\(type.rawValue) device (device_type); \(elsewhere) are for other device types")
        }
        // Tune on the requested shape, capped so tuning stays quick on slow devices.
        let cap = type == .gpu ? 4096 : 1024
        let tuneShape = GEMMShape(m: min(shape.m, cap), n: min(shape.n, cap), k: min(shape.k, cap))
        let problem = GEMMProblem(m: tuneShape.m, n: tuneShape.n, k: tuneShape.k, precision: precision, seed: 77)
        var timed: [(config: GEMMConfig, seconds: Double)] = []
        var rejected: [String] = []
        for config in candidates {
            do {
                let runner = try OpenCLGEMMRunner(backend: backend, precision: precision, shape: tuneShape, config: config, tunedFrom: "tuning")
                try runner.upload(problem)
                _ = try runner.run(beta: problem.beta)
                var check = problem.verify(try runner.downloadOutput(), includeBeta: true)
                if check.passed {
                    try runner.poisonOutput()
                    _ = try runner.run(beta: 0)
                    check = problem.verify(try runner.downloadOutput(), includeBeta: false)
                }
                guard check.passed else {
                    backend.log("tuning gemm \(precision.rawValue) \(config.name): rejected, \(check.detail)")
                    rejected.append("\(config.name): \(check.detail)")
                    continue
                }
                let seconds = (0..<3).map { _ in (try? runner.run(beta: 0)) ?? .infinity }.min()!
                backend.log("tuning gemm \(precision.rawValue) \(config.name): \(formatted(problem.flops / seconds / 1e9, decimals: 1)) GFLOP/s")
                if seconds.isFinite { timed.append((config, seconds)) }
            } catch let skip as GEMMConfigUnsuitable {
                backend.log("tuning gemm \(precision.rawValue) \(config.name): skipped, \(skip)")
                rejected.append("\(config.name): skipped, \(skip)")
            } catch {
                let line = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
                backend.log("tuning gemm \(precision.rawValue) \(config.name): rejected, \(line)")
                rejected.append("\(config.name): \(line)")
            }
        }
        let ranked = timed.sorted { $0.seconds < $1.seconds }
        guard let best = ranked.first else {
            throw BenchmarkError("no GEMM configuration both ran and verified: " + rejected.joined(separator: "; "))
        }
        return GEMMTuning(best: best.config, gflops: problem.flops / best.seconds / 1e9,
                          runnerUp: ranked.dropFirst().first.map { ($0.config.name, problem.flops / $0.seconds / 1e9) },
                          shape: tuneShape)
    }
}

/// GEMM on an OpenCL device with one configuration: kernel `gemm`, or for packed configurations
/// the two packing kernels followed by `gemm_packed` (all three timed).
final class OpenCLGEMMRunner: GEMMRunner {
    let backend: OpenCLBackend
    let precision: Precision
    let shape: GEMMShape
    let config: GEMMConfig
    let kernel: Kernel
    let packA: Kernel?, packB: Kernel?
    let a: Buffer, b: Buffer, c: Buffer
    let aPacked: Buffer?, bPacked: Buffer?
    let parameters: [String: String]
    /// k values per work-item of the packing kernels (`PACK_K` in gemm.cl).
    static let packK = 64
    private var alpha = 1.0

    init(backend: OpenCLBackend, precision: Precision, shape: GEMMShape, config: GEMMConfig, tunedFrom: String,
         exactPass: Bool = true) throws {
        self.backend = backend
        self.precision = precision
        self.shape = shape
        self.config = config
        let info = backend.info
        if let violation = config.deviceLimitViolation(maxWorkGroupSize: info.maxWorkGroupSize, maxWorkItemSizes: info.maxWorkItemSizes) {
            throw GEMMConfigUnsuitable(description: violation)
        }
        let exact = shape.m % config.tileM == 0 && shape.n % config.tileN == 0
            && (config.packed || shape.k % (config.defines["KWG"] ?? 1) == 0)
        let options = OpenCLBackend.precisionDefines(precision) + " " + config.buildOptions + (exact ? " -DEXACT_TILES=1" : "")
        let program = try backend.program("gemm.cl", options: options)
        kernel = try program.kernel(named: config.packed ? "gemm_packed" : "gemm")
        packA = config.packed ? try program.kernel(named: "gemm_pack_a") : nil
        packB = config.packed ? try program.kernel(named: "gemm_pack_b") : nil
        if let violation = config.kernelLimitViolation(
            kernelName: kernel.name, kernelWorkGroupSize: try kernel.maxWorkGroupSize(on: backend.device),
            kernelLocalMemory: try kernel.localMemoryBytes(on: backend.device), deviceLocalMemory: info.localMemoryBytes) {
            throw GEMMConfigUnsuitable(description: violation)
        }
        let bytes = precision.elementBytes
        var parameters = config.defines.mapValues(String.init)
        if config.packed {
            let packed = config.packedBytes(m: shape.m, n: shape.n, k: shape.k, accumulatorBytes: precision.accumulatorBytes)
            if max(packed.a, packed.b) > info.maxAllocationBytes {
                throw GEMMConfigUnsuitable(description: "the packed copies need \(max(packed.a, packed.b)) bytes in one "
                    + "allocation; the device allows \(info.maxAllocationBytes) (CL_DEVICE_MAX_MEM_ALLOC_SIZE)")
            }
            aPacked = try backend.buffer(bytes: max(1, packed.a))
            bPacked = try backend.buffer(bytes: max(1, packed.b))
            parameters["packed_bytes"] = "\(packed.a + packed.b)"
        } else {
            aPacked = nil
            bPacked = nil
        }
        a = try backend.buffer(bytes: shape.m * shape.k * bytes)
        b = try backend.buffer(bytes: shape.k * shape.n * bytes)
        c = try backend.buffer(bytes: shape.m * shape.n * bytes)
        parameters["config"] = config.name
        parameters["kernel"] = kernel.name
        parameters["local"] = config.local.map(String.init).joined(separator: "x")
        parameters["exact_tiles"] = exact ? "1" : "0"
        parameters["selected_by"] = tunedFrom
        parameters["verify_seed"] = VerificationSeed.text
        parameters["exact_pass"] = GEMMExactPass.summary(k: shape.k, precision: precision)
        self.parameters = parameters
        // The exact pass first: a configuration that gets integer inputs wrong is not built.
        // (`exactPass` false: tests that check the random-real pass on its own.)
        if exactPass { try GEMMExactPass.require(self, m: shape.m, n: shape.n, k: shape.k, precision: precision) }
    }

    func upload(_ problem: GEMMProblem) throws {
        alpha = problem.alpha
        try backend.write(a, HostArray.bytes(problem.a, precision))
        try backend.write(b, HostArray.bytes(problem.b, precision))
        try backend.write(c, HostArray.bytes(problem.c0, precision))
    }

    func poisonOutput() throws {
        try backend.write(c, HostArray.poison(count: shape.m * shape.n, precision))
    }

    /// One C = αAB + βC; returns the device time of the kernels it launched (packing included).
    func run(beta: Double) throws -> Double {
        let m = Int32(shape.m), n = Int32(shape.n), k = Int32(shape.k)
        guard let packA, let packB, let aPacked, let bPacked else {
            try kernel.setArguments(.value(m), .value(n), .value(k), precision.scalarArgument(alpha), .buffer(a), .value(k),
                                    .buffer(b), .value(n), precision.scalarArgument(beta), .buffer(c), .value(n))
            return try backend.timed(kernel, global: config.global(m: shape.m, n: shape.n), local: config.local)
        }
        let kRuns = (config.paddedK(shape.k) + Self.packK - 1) / Self.packK
        try packA.setArguments(.value(m), .value(k), .buffer(a), .value(k), .buffer(aPacked))
        let panelsA = (shape.m + config.tileM - 1) / config.tileM * config.local[1]
        try packB.setArguments(.value(k), .value(n), .buffer(b), .value(n), .buffer(bPacked))
        try kernel.setArguments(.value(m), .value(n), .value(k), precision.scalarArgument(alpha), .buffer(aPacked), .buffer(bPacked),
                                precision.scalarArgument(beta), .buffer(c), .value(n))
        // The three kernels back to back; the time runs from the first one's start to the last one's end.
        return try backend.timed([
            (packA, [kRuns, panelsA], nil),
            (packB, [kRuns, (shape.n + config.tileN - 1) / config.tileN], nil),
            (kernel, config.global(m: shape.m, n: shape.n), config.local),
        ])
    }

    func downloadOutput() throws -> [Double] {
        HostArray.values(try backend.read(c, count: shape.m * shape.n * precision.elementBytes), precision)
    }
}

extension Precision {
    /// Bytes of the arithmetic (accumulator) type: what the packed GEMM copies hold.
    var accumulatorBytes: Int { traits.accumulator.bytes }
}
