import SuanliSchema
import OpenCLKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One configuration of an engine GEMM kernel, from `Kernels/gemm_engines.tuning.json`
/// (an object of kernel file name → configurations).
struct EngineGEMMConfig: Decodable, Sendable, Equatable {
    var name: String
    var defines: [String: Int]

    static let file = "gemm_engines.tuning.json"

    static func load(for family: EngineKernelFamily, from sources: KernelSources) throws -> [EngineGEMMConfig] {
        guard let text = sources.files[file] else {
            throw BenchmarkError("\(file) not found in \(sources.origin) kernels")
        }
        let all: [String: [EngineGEMMConfig]]
        do {
            all = try JSONDecoder().decode([String: [EngineGEMMConfig]].self, from: Data(text.utf8))
        } catch {
            throw BenchmarkError("\(file) is not valid: \(error)")
        }
        guard let configs = all[family.gemmFile], !configs.isEmpty else {
            throw BenchmarkError("\(file) lists no configuration for \(family.gemmFile)")
        }
        return configs
    }

    var buildOptions: String { defines.keys.sorted().map { "-D\($0)=\(defines[$0]!)" }.joined(separator: " ") }
}

/// Work-group, tile and K granularity of a configuration (Kernels/README.md): defaults are the
/// kernels' own defaults.
struct EngineGEMMGeometry: Equatable {
    var local: [Int]
    var tileM: Int, tileN: Int
    /// K must be a multiple of this many elements.
    var kMultiple: Int

    init(kernel: EngineKernel, config: EngineGEMMConfig) {
        let d = config.defines
        let perWord = kernel.elementsPerWord
        switch kernel.family {
        case .nvidiaMMA:
            local = [32 * (d["WARPS_M"] ?? 2) * (d["WARPS_N"] ?? 4), 1]
            tileM = d["MWG"] ?? 128; tileN = d["NWG"] ?? 128
            kMultiple = (d["KWW"] ?? 16) * perWord
        case .amdMFMA:
            local = [64 * (d["WAVES_M"] ?? 2) * (d["WAVES_N"] ?? 2), 1]
            tileM = d["MWG"] ?? 128; tileN = d["NWG"] ?? 128
            kMultiple = (d["KWW"] ?? 16) * perWord
        case .amdWMMA:
            local = [32 * (d["WAVES_M"] ?? 2) * (d["WAVES_N"] ?? 2), 1]
            tileM = d["MWG"] ?? 64; tileN = d["NWG"] ?? 64
            kMultiple = (d["KWW"] ?? 16) * perWord
        case .intelDPAS:
            let sg = kernel.subGroupSize, sgs = d["SGS"] ?? 4
            local = [sg, sgs]
            tileM = 8 * (d["MB"] ?? 4) * sgs; tileN = sg * (d["NB"] ?? 2)
            kMultiple = 8 * (d["KSTEPS"] ?? 4) * perWord   // one staged B tile of KSTEPS 8-word steps
        case .packedVector:
            local = [d["NDIMC"] ?? 16, d["MDIMC"] ?? 4]
            tileM = d["MWG"] ?? 32; tileN = d["NWG"] ?? 64
            kMultiple = (d["KWW"] ?? 16) * perWord
        }
    }

    func global(mp: Int, np: Int) -> [Int] { [np / tileN * local[0], mp / tileM * local[1]] }
}

/// GEMM on a tensor, matrix or packed-vector kernel: inputs packed with B transposed and the
/// problem padded to the tiles (the FLOP count stays 2·M·N·K of the problem asked for).
final class OpenCLEngineGEMMRunner: GEMMRunner {
    let backend: OpenCLBackend
    let kernel: EngineKernel
    let config: EngineGEMMConfig
    let geometry: EngineGEMMGeometry
    let layout: PackedLayout
    let clKernel: Kernel
    let a: Buffer, b: Buffer, c: Buffer
    let parameters: [String: String]
    private var alpha = 1.0

    /// The engine's rounding with its own accumulator's unit roundoff (fp16 on MFMA, WMMA and
    /// DPAS is judged by the fp32 it accumulates in, not by fp16).
    var accumulatorRounding: AccumulatorRounding { kernel.rounding.accumulating(in: kernel.accumulator) }

    init(backend: OpenCLBackend, kernel: EngineKernel, shape: GEMMShape, config: EngineGEMMConfig, selectedBy: String,
         exactPass: Bool = true) throws {
        self.backend = backend
        self.kernel = kernel
        self.config = config
        geometry = EngineGEMMGeometry(kernel: kernel, config: config)
        layout = PackedLayout(m: shape.m, n: shape.n, k: shape.k, tileM: geometry.tileM, tileN: geometry.tileN,
                              kMultiple: geometry.kMultiple, precision: kernel.precision, fp8: kernel.fp8 ?? .ocp)
        let program = try backend.engineProgram(kernel.family.gemmFile, kernel: kernel, options: config.buildOptions)
        clKernel = try program.kernel(named: kernel.family.gemmKernel)
        a = try backend.buffer(bytes: layout.aBytes)
        b = try backend.buffer(bytes: layout.bBytes)
        c = try backend.buffer(bytes: layout.cBytes)
        var parameters = config.defines.mapValues(String.init)
        parameters["engine"] = kernel.engine.rawValue
        parameters["kernel"] = kernel.family.gemmFile
        parameters["element_type"] = kernel.typeDefine
        parameters["accumulator"] = kernel.accumulator
        parameters["config"] = config.name
        parameters["local"] = geometry.local.map(String.init).joined(separator: "x")
        parameters["b_layout"] = "n_by_k"
        if let fp8 = kernel.fp8 { parameters["fp8_encoding"] = fp8 == .ocp ? "e4m3 (OCP)" : "e4m3fnuz" }
        if kernel.subGroupSize > 0 { parameters["sub_group_size"] = String(kernel.subGroupSize) }
        if layout.padded { parameters["padded_to"] = "\(layout.mp)x\(layout.np)x\(layout.kp)" }
        if backend.emulation != nil, kernel.family.emulationDefine != nil { parameters["emulated"] = "1" }
        parameters["selected_by"] = selectedBy
        parameters["verify_seed"] = VerificationSeed.text
        parameters["exact_pass"] = GEMMExactPass.summary(k: shape.k, precision: kernel.precision)
        self.parameters = parameters
        // The exact pass first: a configuration that gets integer inputs wrong is not built.
        // (`exactPass` false: tests that check the random-real pass on its own.)
        if exactPass { try GEMMExactPass.require(self, m: shape.m, n: shape.n, k: shape.k, precision: kernel.precision) }
    }

    func upload(_ problem: GEMMProblem) throws {
        alpha = problem.alpha
        try backend.write(a, layout.packA(problem.a))
        try backend.write(b, layout.packB(problem.b))
        try backend.write(c, layout.packC(problem.c0))
    }

    func poisonOutput() throws {
        try backend.write(c, layout.poisonC())
    }

    func run(beta: Double) throws -> Double {
        try clKernel.setArguments(.int(layout.mp), .int(layout.np), .int(layout.kp), scalar(alpha), .buffer(a), .buffer(b),
                                  scalar(beta), .buffer(c))
        return try backend.timed(clKernel, global: geometry.global(mp: layout.mp, np: layout.np), local: geometry.local)
    }

    /// α and β as the engine kernels declare them: `int` for int8, else `float`.
    private func scalar(_ value: Double) -> KernelArgument {
        kernel.precision.isInteger ? .value(Int32(value)) : .value(Float(value))
    }

    func downloadOutput() throws -> [Double] {
        layout.unpackC(try backend.read(c, count: layout.cBytes))
    }
}

/// Tries each configuration of an engine kernel: builds, verifies (β ≠ 0, then β = 0 on a
/// poisoned C) and times it; keeps the fastest verified one. When none builds, the error is
/// the compiler's first error line.
enum EngineGEMMTuner {
    static func tune(backend: OpenCLBackend, kernel: EngineKernel, shape: GEMMShape,
                     configs: [EngineGEMMConfig]) throws -> EngineGEMMConfig {
        let cap = backend.info.type == .gpu && backend.emulation == nil ? 4096 : 512
        let tuneShape = GEMMShape(m: min(shape.m, cap), n: min(shape.n, cap), k: min(shape.k, cap))
        let problem = GEMMProblem(m: tuneShape.m, n: tuneShape.n, k: tuneShape.k, precision: kernel.precision, seed: 77)
        var best: (config: EngineGEMMConfig, seconds: Double)?
        var rejected: [(config: String, reason: String)] = []
        for config in configs {
            do {
                let runner = try OpenCLEngineGEMMRunner(backend: backend, kernel: kernel, shape: tuneShape, config: config,
                                                        selectedBy: "tuning")
                try runner.upload(problem)
                _ = try runner.run(beta: problem.beta)
                var check = problem.verify(try runner.downloadOutput(), includeBeta: true, rounding: runner.accumulatorRounding)
                if check.passed {
                    try runner.poisonOutput()
                    _ = try runner.run(beta: 0)
                    check = problem.verify(try runner.downloadOutput(), includeBeta: false, rounding: runner.accumulatorRounding)
                }
                guard check.passed else { rejected.append((config.name, check.detail)); continue }
                let seconds = (0..<3).map { _ in (try? runner.run(beta: 0)) ?? .infinity }.min()!
                backend.log("tuning gemm \(kernel.precision.rawValue) \(config.name) (\(kernel.engine.rawValue)): "
                    + "\(formatted(problem.flops / seconds / 1e9, decimals: 1)) \(kernel.precision.computeUnit.rawValue)")
                if seconds < (best?.seconds ?? .infinity) { best = (config, seconds) }
            } catch let error as OpenCLError {
                rejected.append((config.name, error.summary))
            } catch {
                rejected.append((config.name, "\(error)"))
            }
        }
        guard let best else {
            // One reason when every configuration failed the same way (a compiler error, say).
            let reasons = Set(rejected.map(\.reason))
            let detail = reasons.count == 1 ? reasons.first! : rejected.map { "\($0.config): \($0.reason)" }.joined(separator: "; ")
            throw BenchmarkError("\(kernel.family.gemmFile) (\(kernel.typeDefine)): no configuration both ran and verified: \(detail)")
        }
        return best.config
    }
}
