import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

/// Intel's OpenCL CPU runtime (Scripts/install-intel-opencl.sh): bf16 and int8 on its vector
/// units, and sub-groups of 8 to 64 that emulate a warp, a wavefront or an XMX sub-group.
/// `.ci/run` sets SUANLI_REQUIRE_INTEL_OPENCL=1, so there these tests cannot skip.
enum IntelOpenCL {
    static let device: DiscoveredOpenCLDevice? = DeviceInventory.discover().openCLDevices.first {
        $0.info.platformName.contains("Intel(R) OpenCL")
    }
    static let required = ProcessInfo.processInfo.environment["SUANLI_REQUIRE_INTEL_OPENCL"] == "1"
    static var available: Bool { device != nil || required }

    static func backend(sources: KernelSources = .embedded) throws -> OpenCLBackend {
        let device = try #require(device, "Intel's OpenCL runtime is required here but not found")
        return try OpenCLBackend(device: device, sources: sources, tuningCache: TuningCache(path: nil))
    }
}

/// The tensor and matrix kernels run on the Intel CPU device with their instructions emulated
/// (Tests/SuanliCoreTests/KernelEmulation): this checks each kernel's fragment indexing, the
/// host's packing, padding and transposition, and the verification, for every type, without a GPU.
/// What it cannot check is the hardware itself; Scripts/gpu-validate.sh does that on a GPU.
@Suite(.enabled(if: IntelOpenCL.available))
struct EngineEmulationTests {
    static let sm90 = EngineCapabilities(vendor: .nvidia, type: .gpu, nvidiaSM: 90)
    static let gfx942 = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx942")
    static let gfx90a = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx90a")
    static let gfx1100 = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx1100")
    static let xmx8 = EngineCapabilities(vendor: .intel, type: .gpu, extensions: ["cl_intel_subgroup_matrix_multiply_accumulate"],
                                         subGroupSizes: [8, 16, 32], openCLCMajor: 3)
    static let xmx16 = EngineCapabilities(vendor: .intel, type: .gpu, extensions: ["cl_intel_subgroup_matrix_multiply_accumulate"],
                                          subGroupSizes: [16, 32], openCLCMajor: 3)

    static func prelude(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "KernelEmulation/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func emulating(_ capabilities: EngineCapabilities, sources: KernelSources = .embedded) throws -> OpenCLBackend {
        let backend = try IntelOpenCL.backend(sources: sources)
        backend.emulation = KernelEmulation(capabilities: capabilities, preludes: [
            .nvidiaMMA: try prelude("mma_nv.clh"), .amdMFMA: try prelude("mfma_amd.clh"), .amdWMMA: try prelude("wmma_amd.clh"),
            .intelDPAS: try prelude("dpas_intel.clh"),
        ])
        return backend
    }

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var capabilities: EngineCapabilities
        var precision: Precision
        var description: String { "\(name) \(precision.rawValue)" }
    }

    /// Every NVIDIA type (each has its own mma and epilogue), and on the other engines each
    /// distinct instruction form: fp16/tf32/fp8 MFMA, gfx90a's 4-byte int8 operands, RDNA3's WMMA, both DPAS
    /// sub-group sizes. (Each case compiles its own kernel, which dominates the run time.)
    static let gemmCases: [Case] =
        [Precision.mixed, .fp16, .bf16, .tf32, .int8, .fp8].map { Case(name: "sm_90", capabilities: sm90, precision: $0) }
        + [Precision.mixed, .tf32, .fp8].map { Case(name: "gfx942", capabilities: gfx942, precision: $0) }
        + [Precision.mixed, .bf16, .int8].map { Case(name: "gfx1100", capabilities: gfx1100, precision: $0) }
        + [Case(name: "gfx90a", capabilities: gfx90a, precision: .int8),
           Case(name: "xmx-sg8", capabilities: xmx8, precision: .bf16),
           Case(name: "xmx-sg16", capabilities: xmx16, precision: .int8)]

    static let peakCases: [Case] = [
        Case(name: "sm_90", capabilities: sm90, precision: .bf16), Case(name: "sm_90", capabilities: sm90, precision: .int8),
        Case(name: "gfx942", capabilities: gfx942, precision: .fp8), Case(name: "gfx90a", capabilities: gfx90a, precision: .int8),
        Case(name: "gfx1100", capabilities: gfx1100, precision: .bf16),
        Case(name: "xmx-sg8", capabilities: xmx8, precision: .bf16), Case(name: "xmx-sg16", capabilities: xmx16, precision: .int8),
    ]

    /// The configuration with the smallest tile (the cheapest to emulate).
    static func smallest(_ kernel: EngineKernel) throws -> EngineGEMMConfig {
        try EngineGEMMConfig.load(for: kernel.family, from: .embedded).min {
            let a = EngineGEMMGeometry(kernel: kernel, config: $0), b = EngineGEMMGeometry(kernel: kernel, config: $1)
            return a.tileM * a.tileN < b.tileM * b.tileN
        }!
    }

    /// β ≠ 0 on C₀, then β = 0 on a poisoned C, at a shape that needs padding in M, N and K.
    static func runGEMM(_ backend: OpenCLBackend, _ kernel: EngineKernel, shape: GEMMShape,
                        exactPass: Bool = true) throws -> [VerificationResult] {
        let runner = try OpenCLEngineGEMMRunner(backend: backend, kernel: kernel, shape: shape, config: try smallest(kernel),
                                                selectedBy: "test", exactPass: exactPass)
        let problem = GEMMProblem(m: shape.m, n: shape.n, k: shape.k, precision: kernel.precision)
        try runner.upload(problem)
        _ = try runner.run(beta: problem.beta)
        let first = problem.verify(try runner.downloadOutput(), includeBeta: true, rounding: runner.accumulatorRounding)
        try runner.poisonOutput()
        _ = try runner.run(beta: 0)
        let second = problem.verify(try runner.downloadOutput(), includeBeta: false, rounding: runner.accumulatorRounding)
        #expect(runner.parameters["engine"] == kernel.engine.rawValue)
        #expect(runner.parameters["emulated"] == "1")
        #expect(runner.parameters["padded_to"] != nil)
        return [first, second]
    }

    @Test(arguments: gemmCases)
    func gemmVerifies(_ c: Case) throws {
        let backend = try Self.emulating(c.capabilities)
        guard case .kernel(let kernel) = backend.gemmChoice(c.precision) else {
            Issue.record("\(c): no engine kernel chosen")
            return
        }
        for result in try Self.runGEMM(backend, kernel, shape: GEMMShape(m: 40, n: 24, k: 70)) {
            #expect(result.passed, "\(c): \(result.detail)")
        }
    }

    @Test(arguments: peakCases)
    func peakVerifies(_ c: Case) throws {
        let backend = try Self.emulating(c.capabilities)
        let measurements = Suites.peak(backend, precision: c.precision,
                                       policy: SamplingPolicy(warmupRuns: 0, minSamples: 2, maxSamples: 2, minSeconds: 0, maxSeconds: 5),
                                       quick: true)
        let m = try #require(measurements.first)
        #expect(measurements.count == 1)
        #expect(m.verified && (m.status == .ok || m.status == .suspect), "\(c): \(m.status) \(m.reason ?? "")")
        #expect(m.parameters?["engine"] == (c.name == "sm_90" ? "tensor" : "matrix"))
        #expect(m.unit == c.precision.computeUnit)
    }

    /// A kernel whose B fragments come from the wrong K words: the emulation runs it, and the
    /// verification catches it.
    @Test func aWrongFragmentIndexFailsVerification() throws {
        var files = KernelSources.embedded.files
        let original = try #require(files["gemm_mma_nv.cl"])
        let planted = original.replacingOccurrences(of: "const int b_word = ((lane >> 3) & 1) * 4;", with: "const int b_word = 0;")
        #expect(planted != original)
        files["gemm_mma_nv.cl"] = planted
        let backend = try Self.emulating(Self.sm90, sources: KernelSources(files: files, origin: "planted"))
        guard case .kernel(let kernel) = backend.gemmChoice(.bf16) else { Issue.record("no kernel"); return }
        // The exact pass, run when the runner is built, refuses it; without it, the tolerance fails it.
        #expect(throws: BenchmarkError.self) { _ = try Self.runGEMM(backend, kernel, shape: GEMMShape(m: 32, n: 32, k: 64)) }
        let results = try Self.runGEMM(backend, kernel, shape: GEMMShape(m: 32, n: 32, k: 64), exactPass: false)
        #expect(results.allSatisfy { !$0.passed })
    }

    /// Through the suite: tuned over the configurations, recorded with its engine.
    @Test func suiteRecordsTheEngine() throws {
        let backend = try Self.emulating(Self.sm90)
        let m = Suites.gemm(backend, precision: .int8, shape: GEMMShape(m: 64, n: 64, k: 64),
                            policy: SamplingPolicy(warmupRuns: 0, minSamples: 2, maxSamples: 2, minSeconds: 0, maxSeconds: 5),
                            retune: true)
        #expect(m.verified, "\(m.reason ?? "")")
        #expect(m.parameters?["engine"] == "tensor")
        #expect(m.parameters?["element_type"] == "TC_S8")
        #expect(m.unit == .gops)
    }
}

/// Planted faults in every engine GEMM kernel, run under emulation on Intel's OpenCL CPU
/// runtime (and the packed vector kernel natively there): a zero output, α×0.99, one skipped
/// k-step and a transposed fragment must each fail the exact pass and the random-real
/// tolerance, while the unmodified kernel passes both.
@Suite(.enabled(if: IntelOpenCL.available))
struct EnginePlantedFaultTests {
    struct Plant: CustomStringConvertible, Sendable {
        var name: String
        var capabilities: EngineCapabilities?   // nil: the packed vector kernel, no emulation
        var precision: Precision
        var file: String
        /// Fault name → (original text, planted text) replacements.
        var faults: [(String, [(String, String)])]
        var description: String { "\(name) \(precision.rawValue)" }
    }

    /// The zero output: α·acc replaced by 0 in the store.
    static let zeroStore: [(String, String)] = [("float r = alpha * x;", "float r = 0;"), ("scalar_t r = alpha * x;", "scalar_t r = 0;")]
    static let zeroStore2: [(String, String)] = [
        ("float r0 = alpha * x0, r1 = alpha * x1;", "float r0 = 0, r1 = 0;"),
        ("scalar_t r0 = alpha * x0, r1 = alpha * x1;", "scalar_t r0 = 0, r1 = 0;"),
    ]

    static let plants: [Plant] = [
        Plant(name: "mma sm_90", capabilities: EngineEmulationTests.sm90, precision: .fp16, file: "gemm_mma_nv.cl", faults: [
            ("zero output", zeroStore2),
            ("skipped k-step", [("for (int j = 0; j < NI; ++j) MMA(acc[i][j], af[i], bf[j]);",
                                 "for (int j = 0; j < NI; ++j) if (t != 1 || ks != 0) MMA(acc[i][j], af[i], bf[j]);")]),
            // The A fragment's off-diagonal 8×8 blocks exchanged: (rows 8–15, k 0–7) ↔ (rows 0–7, k 8–15).
            ("transposed fragment", [("const int a_row = wm * WTM + (lane & 7) + ((lane >> 3) & 1) * 8;\n    const int a_word = (lane >> 4) * 4;",
                                      "const int a_row = wm * WTM + (lane & 7) + (lane >> 4) * 8;\n    const int a_word = ((lane >> 3) & 1) * 4;")]),
        ]),
        Plant(name: "mfma gfx942", capabilities: EngineEmulationTests.gfx942, precision: .fp16, file: "gemm_mfma_amd.cl", faults: [
            ("zero output", zeroStore),
            ("skipped k-step", [("for (int j = 0; j < NI; ++j) MFMA(acc[i][j], af[i], bf[j]);",
                                 "for (int j = 0; j < NI; ++j) if (t != 1 || ks != 0) MFMA(acc[i][j], af[i], bf[j]);")]),
            // Each 16×16 C fragment written transposed.
            ("transposed fragment", [("const int row = m0 + wm * WTM + i * 16 + 4 * q;\n            const int col = n0 + wn * WTN + j * 16 + r;",
                                      "const int row = m0 + wm * WTM + i * 16 + r;\n            const int col = n0 + wn * WTN + j * 16 + 4 * q;"),
                                     ("sl_store(c + N, alpha", "sl_store(c + 1, alpha"), ("sl_store(c + 2 * N, alpha", "sl_store(c + 2, alpha"),
                                     ("sl_store(c + 3 * N, alpha", "sl_store(c + 3, alpha")]),
        ]),
        Plant(name: "wmma gfx1100", capabilities: EngineEmulationTests.gfx1100, precision: .fp16, file: "gemm_wmma_amd.cl", faults: [
            ("zero output", zeroStore),
            ("skipped k-step", [("for (int j = 0; j < NI; ++j) WMMA(acc[i][j], af[i], bf[j]);",
                                 "for (int j = 0; j < NI; ++j) if (t != 1 || ks != 0) WMMA(acc[i][j], af[i], bf[j]);")]),
            ("transposed fragment", [("const int col = n0 + wn * WTN + j * 16 + r;\n            __global out_t *c = C + (size_t)(m0 + wm * WTM + i * 16 + half_wave) * N + col;",
                                      "__global out_t *c = C + (size_t)(m0 + wm * WTM + i * 16 + r) * N + n0 + wn * WTN + j * 16 + half_wave;")]
                + (1...7).map { ("sl_store(c + \(2 * $0) * N, alpha", "sl_store(c + \(2 * $0), alpha") }),
        ]),
        Plant(name: "dpas sg8", capabilities: EngineEmulationTests.xmx8, precision: .fp16, file: "gemm_dpas_intel.cl", faults: [
            ("zero output", zeroStore),
            ("skipped k-step", [("for (int j = 0; j < NB; ++j) acc[i][j] = DPAS(", "for (int j = 0; j < NB; ++j) if (kc != 8) acc[i][j] = DPAS(")]),
            // Each 8×8 C fragment written transposed (SG = 8).
            ("transposed fragment", [("__global out_t *c = C + (size_t)(m0 + i * 8) * N + n0 + j * SG + lane;",
                                      "__global out_t *c = C + (size_t)(m0 + i * 8 + lane) * N + n0 + j * SG;"),
                                     ("sl_store(c + N, alpha", "sl_store(c + 1, alpha")]
                + (2...7).map { ("sl_store(c + \($0) * N, alpha", "sl_store(c + \($0), alpha") }),
        ]),
        Plant(name: "packed vector", capabilities: nil, precision: .bf16, file: "gemm_packed.cl", faults: [
            ("zero output", [("scalar_t r = alpha * acc[i][j];", "scalar_t r = 0;")]),
            ("skipped k-step", [("for (int w = 0; w < KWW; ++w) {", "for (int w = 0; w < KWW; ++w) { if (k0 == KWW && w == 0) continue;")]),
            // The staged B tile's leading KWW × KWW words transposed.
            ("transposed fragment", [("Bs[w * LDN + r] = B[(size_t)(n0 + r) * kw + k0 + w];",
                                      "Bs[w * LDN + r] = r < KWW ? B[(size_t)(n0 + w) * kw + k0 + r] : B[(size_t)(n0 + r) * kw + k0 + w];")]),
        ]),
    ]

    static func backend(_ plant: Plant, sources: KernelSources = .embedded) throws -> (OpenCLBackend, EngineKernel) {
        if let capabilities = plant.capabilities {
            let backend = try EngineEmulationTests.emulating(capabilities, sources: sources)
            guard case .kernel(let kernel) = backend.gemmChoice(plant.precision) else {
                throw BenchmarkError("\(plant): no engine kernel chosen")
            }
            return (backend, kernel)
        }
        let backend = try IntelOpenCL.backend(sources: sources)
        return (backend, EngineSelection.packed(plant.precision, backend.capabilities))
    }

    /// The random-real pass: β ≠ 0, then β = 0 on a poisoned C; the first failure, if any.
    static func randomPass(_ runner: OpenCLEngineGEMMRunner, _ shape: GEMMShape, alphaScale: Double = 1) throws -> VerificationResult {
        let p = GEMMProblem(m: shape.m, n: shape.n, k: shape.k, precision: runner.kernel.precision, seed: 21)
        try runner.upload(scaled(p, alphaScale))
        _ = try runner.run(beta: p.beta)
        let first = p.verify(try runner.downloadOutput(), includeBeta: true, rounding: runner.accumulatorRounding)
        guard first.passed else { return first }
        try runner.poisonOutput()
        _ = try runner.run(beta: 0)
        return p.verify(try runner.downloadOutput(), includeBeta: false, rounding: runner.accumulatorRounding)
    }

    /// The exact pass with the kernel seeing α×`alphaScale`.
    static func exactPass(_ runner: OpenCLEngineGEMMRunner, _ shape: GEMMShape, alphaScale: Double = 1) throws -> VerificationResult {
        let p = GEMMProblem.exact(m: shape.m, n: shape.n, k: shape.k, precision: runner.kernel.precision, seed: 4)
        try runner.upload(scaled(p, alphaScale))
        _ = try runner.run(beta: p.beta)
        let first = p.verify(try runner.downloadOutput(), includeBeta: true)
        guard first.passed else { return first }
        try runner.poisonOutput()
        _ = try runner.run(beta: 0)
        return p.verify(try runner.downloadOutput(), includeBeta: false)
    }

    static func scaled(_ p: GEMMProblem, _ scale: Double) -> GEMMProblem {
        scale == 1 ? p : GEMMProblem(m: p.m, n: p.n, k: p.k, precision: p.precision, alpha: p.alpha * scale, beta: p.beta,
                                     a: p.a, b: p.b, c0: p.c0, exact: p.exact, sampleSeed: p.sampleSeed)
    }

    /// Padding in M, N and K, and several K tiles (the skipped step is the second one).
    static let shape = GEMMShape(m: 40, n: 24, k: 200)

    @Test(arguments: plants)
    func plantedFaultsFailAndTheKernelPasses(_ plant: Plant) throws {
        let (backend, kernel) = try Self.backend(plant)
        let config = try EngineEmulationTests.smallest(kernel)
        // Unmodified: the exact pass runs when the runner is built, and must pass.
        let runner = try OpenCLEngineGEMMRunner(backend: backend, kernel: kernel, shape: Self.shape, config: config, selectedBy: "test")
        #expect(runner.parameters["exact_pass"]?.hasPrefix("equal") == true)
        #expect(runner.parameters["verify_seed"] == VerificationSeed.text)
        let honest = try Self.randomPass(runner, Self.shape)
        #expect(honest.passed, "\(plant): \(honest.detail)")
        #expect(try Self.exactPass(runner, Self.shape).passed)
        // α×0.99, as the kernel sees it.
        #expect(!(try Self.exactPass(runner, Self.shape, alphaScale: 0.99)).passed, "\(plant): α×0.99 passed the exact pass")
        #expect(!(try Self.randomPass(runner, Self.shape, alphaScale: 0.99)).passed, "\(plant): α×0.99 passed the tolerance")
        for (fault, replacements) in plant.faults {
            var files = KernelSources.embedded.files
            var text = try #require(files[plant.file])
            for (old, new) in replacements {
                #expect(text.contains(old), "\(plant) \(fault): the kernel no longer contains \(old)")
                text = text.replacingOccurrences(of: old, with: new)
            }
            files[plant.file] = text
            let (planted, plantedKernel) = try Self.backend(plant, sources: KernelSources(files: files, origin: "planted"))
            // Built with the exact pass, the runner refuses to exist; built without, each pass fails.
            #expect(throws: BenchmarkError.self, "\(plant) \(fault): built and passed the exact pass") {
                _ = try OpenCLEngineGEMMRunner(backend: planted, kernel: plantedKernel, shape: Self.shape, config: config, selectedBy: "test")
            }
            let faulty = try OpenCLEngineGEMMRunner(backend: planted, kernel: plantedKernel, shape: Self.shape, config: config,
                                                    selectedBy: "test", exactPass: false)
            let exact = try Self.exactPass(faulty, Self.shape)
            #expect(!exact.passed, "\(plant) \(fault): passed the exact pass")
            #expect(exact.detail.hasPrefix("exact pass"))
            #expect(!(try Self.randomPass(faulty, Self.shape)).passed, "\(plant) \(fault): passed the tolerance")
        }
    }
}
