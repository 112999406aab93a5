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
    static func runGEMM(_ backend: OpenCLBackend, _ kernel: EngineKernel, shape: GEMMShape) throws -> [VerificationResult] {
        let runner = try OpenCLEngineGEMMRunner(backend: backend, kernel: kernel, shape: shape, config: try smallest(kernel),
                                                selectedBy: "test")
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
        let results = try Self.runGEMM(backend, kernel, shape: GEMMShape(m: 32, n: 32, k: 64))
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
