import OpenCLKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One GEMM kernel configuration from `Kernels/gemm.tuning.json`.
struct GEMMConfig: Decodable, Sendable {
    var name: String
    var defines: [String: Int]
    var local: [Int]
    var tileM: Int
    var tileN: Int
    /// Restricts the configuration to a device type (`gpu`, `cpu`); absent: any.
    var deviceType: String?

    enum CodingKeys: String, CodingKey {
        case name, defines, local
        case tileM = "tile_m"
        case tileN = "tile_n"
        case deviceType = "device_type"
    }

    static func load(from sources: KernelSources) throws -> [GEMMConfig] {
        guard let text = sources.files["gemm.tuning.json"] else {
            throw BenchmarkError("gemm.tuning.json not found in \(sources.origin) kernels")
        }
        do {
            let configs = try JSONDecoder().decode([GEMMConfig].self, from: Data(text.utf8))
            guard !configs.isEmpty else { throw BenchmarkError("gemm.tuning.json lists no configuration") }
            return configs
        } catch let error as BenchmarkError {
            throw error
        } catch {
            throw BenchmarkError("gemm.tuning.json is not valid: \(error)")
        }
    }

    var buildOptions: String {
        defines.keys.sorted().map { "-D\($0)=\(defines[$0]!)" }.joined(separator: " ")
    }

    /// NDRange: dimension 0 runs along N, dimension 1 along M; one work-group per tile of C.
    func global(m: Int, n: Int) -> [Int] {
        [(n + tileN - 1) / tileN * local[0], (m + tileM - 1) / tileM * local[1]]
    }
}

/// Tries each configuration on the device, verifies it, keeps the fastest verified one.
enum GEMMTuner {
    static func tune(backend: OpenCLBackend, precision: Precision, shape: GEMMShape,
                     configs: [GEMMConfig]) throws -> GEMMConfig {
        let type = backend.info.type.rawValue
        let candidates = configs.filter { $0.deviceType == nil || $0.deviceType == type }
        // Tune on the requested shape, capped so tuning stays quick on slow devices.
        let cap = backend.info.type == .gpu ? 4096 : 1024
        let tuneShape = GEMMShape(m: min(shape.m, cap), n: min(shape.n, cap), k: min(shape.k, cap))
        let problem = GEMMProblem(m: tuneShape.m, n: tuneShape.n, k: tuneShape.k, precision: precision, seed: 77)
        var best: (config: GEMMConfig, seconds: Double)?
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
                guard check.passed else { rejected.append("\(config.name): \(check.detail)"); continue }
                let seconds = (0..<3).map { _ in (try? runner.run(beta: 0)) ?? .infinity }.min()!
                backend.log("tuning gemm \(precision.rawValue) \(config.name): \(formatted(problem.flops / seconds / 1e9, decimals: 1)) GFLOP/s")
                if seconds < (best?.seconds ?? .infinity) { best = (config, seconds) }
            } catch {
                rejected.append("\(config.name): \(error)".split(separator: "\n").first.map(String.init) ?? config.name)
            }
        }
        guard let best else {
            throw BenchmarkError("no GEMM configuration both ran and verified: " + rejected.joined(separator: "; "))
        }
        return best.config
    }
}

/// GEMM on an OpenCL device with one configuration.
final class OpenCLGEMMRunner: GEMMRunner {
    let backend: OpenCLBackend
    let precision: Precision
    let shape: GEMMShape
    let config: GEMMConfig
    let kernel: Kernel
    let a: Buffer, b: Buffer, c: Buffer
    let parameters: [String: String]
    private var alpha = 1.0

    init(backend: OpenCLBackend, precision: Precision, shape: GEMMShape, config: GEMMConfig, tunedFrom: String) throws {
        self.backend = backend
        self.precision = precision
        self.shape = shape
        self.config = config
        let exact = shape.m % config.tileM == 0 && shape.n % config.tileN == 0 && shape.k % (config.defines["KWG"] ?? 1) == 0
        let options = OpenCLBackend.precisionDefines(precision) + " " + config.buildOptions + (exact ? " -DEXACT_TILES=1" : "")
        kernel = try backend.program("gemm.cl", options: options).kernel(named: "gemm")
        let bytes = precision.elementBytes
        a = try backend.buffer(bytes: shape.m * shape.k * bytes)
        b = try backend.buffer(bytes: shape.k * shape.n * bytes)
        c = try backend.buffer(bytes: shape.m * shape.n * bytes)
        var parameters = config.defines.mapValues(String.init)
        parameters["config"] = config.name
        parameters["local"] = config.local.map(String.init).joined(separator: "x")
        parameters["exact_tiles"] = exact ? "1" : "0"
        parameters["selected_by"] = tunedFrom
        self.parameters = parameters
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

    func run(beta: Double) throws -> Double {
        try kernel.setArgument(0, Int32(shape.m))
        try kernel.setArgument(1, Int32(shape.n))
        try kernel.setArgument(2, Int32(shape.k))
        try OpenCLBackend.setScalar(kernel, 3, alpha, precision)
        try kernel.setArgument(4, a)
        try kernel.setArgument(5, Int32(shape.k))
        try kernel.setArgument(6, b)
        try kernel.setArgument(7, Int32(shape.n))
        try OpenCLBackend.setScalar(kernel, 8, beta, precision)
        try kernel.setArgument(9, c)
        try kernel.setArgument(10, Int32(shape.n))
        return try backend.timed(kernel, global: config.global(m: shape.m, n: shape.n), local: config.local)
    }

    func downloadOutput() throws -> [Double] {
        HostArray.values(try backend.read(c, count: shape.m * shape.n * precision.elementBytes), precision)
    }
}
