import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

/// The engine and packed peak kernels' outputs depend on the iteration count and on every step
/// (``EnginePeakCount``): the closed form, replayed on the host in each accumulator's arithmetic,
/// and the kernels themselves on Intel's CPU runtime (the tensor and matrix instructions emulated
/// with the preludes of Tests/SuanliCoreTests/KernelEmulation): the right count passes, a changed
/// count, a dropped instruction and an output never written fail.
@Suite struct PeakCountClosedFormTests {
    /// Every engine kernel that some device gets for the peak suite.
    static var kernels: [EngineKernel] {
        let devices = [EngineEmulationTests.sm90, EngineEmulationTests.gfx942, EngineEmulationTests.gfx90a,
                       EngineEmulationTests.gfx1100, EngineEmulationTests.xmx8, EngineEmulationTests.xmx16,
                       EngineCapabilities(vendor: .intel, type: .cpu,
                                          extensions: ["cl_intel_bfloat16", "cl_khr_integer_dot_product"], openCLCMajor: 3)]
        var found: [EngineKernel] = []
        for device in devices {
            for precision in Precision.allCases {
                if case .kernel(let k) = EngineSelection.peak(precision, on: device), !found.contains(k) { found.append(k) }
            }
        }
        return found
    }

    /// bf16 round-to-nearest-even of a float (the packed chains' arithmetic).
    static func bf16(_ x: Float) -> Float {
        let bits = x.bitPattern
        let rounded = (bits &+ 0x7fff &+ ((bits >> 16) & 1)) & 0xffff_0000
        return Float(bitPattern: rounded)
    }

    /// One element of one chain after `iterations`, stepped as the kernel does, in the
    /// accumulator's own arithmetic; nil when a step is inexact.
    static func replay(_ kernel: EngineKernel, start: Int, iterations: Int) -> Int? {
        let k = kernel.instructionK
        switch (kernel.family, kernel.accumulator) {
        case (.packedVector, _) where kernel.precision == .int8:
            var x = start
            for _ in 0..<iterations {
                for step in 0..<8 {
                    let low = Int(Int8(truncatingIfNeeded: x))
                    guard low == x else { return nil }   // the dot product only sees the low byte
                    x = -low + (step == 7 ? 1 : 0)
                }
            }
            return x
        case (.packedVector, _):
            var x = bf16(Float(start))
            for _ in 0..<iterations {
                for step in 0..<8 {
                    let product = bf16(x * -1), sum = bf16(product + (step == 7 ? 2 : 1))
                    guard sum == product + (step == 7 ? 2 : 1) else { return nil }
                    x = sum
                }
            }
            return Int(x)
        case (_, "fp16"):
            var x = Float16(Float(start))
            guard Int(x) == start else { return nil }
            for _ in 0..<iterations {
                for sign in [1, -1, 1, -1, 1, -1, 1, 1] {
                    let next = x + Float16(Float(sign * k))
                    guard Float(next) == Float(x) + Float(sign * k) else { return nil }
                    x = next
                }
            }
            return Int(x)
        case (_, "int32"):
            var x = Int32(start)
            for _ in 0..<iterations { for sign in [1, -1, 1, -1, 1, -1, 1, 1] { x &+= Int32(sign * k) } }
            return Int(x)
        default:
            var x = Float(start)
            for _ in 0..<iterations {
                for sign in [1, -1, 1, -1, 1, -1, 1, 1] {
                    let next = x + Float(sign * k)
                    guard Double(next) == Double(x) + Double(sign * k), abs(next) <= Float(1 << 24) else { return nil }
                    x = next
                }
            }
            return Int(x)
        }
    }

    @Test func everyFamilyAndPrecisionIsCovered() {
        let kinds = Set(Self.kernels.map { "\($0.family.rawValue) \($0.typeDefine)" })
        for expected in ["mma TC_F16", "mma TC_F16ACC", "mma TC_BF16", "mma TC_TF32", "mma TC_S8", "mma TC_E4M3",
                         "mfma MF_F16", "mfma MF_BF16", "mfma MF_XF32", "mfma MF_I8", "mfma MF_FP8",
                         "wmma WM_F16", "wmma WM_BF16", "wmma WM_I8", "dpas DP_F16", "dpas DP_BF16", "dpas DP_I8",
                         "packed PK_BF16", "packed PK_I8"] {
            #expect(kinds.contains(expected), "\(expected)")
        }
    }

    /// At the most iterations allowed, from the lowest and the highest start, both bases: every
    /// step exact, and the closed form is what the steps give.
    @Test(arguments: kernels.map { "\($0.family.rawValue) \($0.typeDefine) K\($0.instructionK)" })
    func closedFormIsExactUpToTheIterationLimit(_ name: String) throws {
        let kernel = try #require(Self.kernels.first { "\($0.family.rawValue) \($0.typeDefine) K\($0.instructionK)" == name })
        let count = EnginePeakCount(kernel: kernel, chains: 8)
        #expect(count.growth == (kernel.family == .packedVector ? 1 : 2 * kernel.instructionK))
        let n = count.maxIterations
        #expect(n >= (kernel.accumulator == "fp16" ? 100 : 150), "\(name): only \(n) iterations")
        for run in 0..<2 {
            let base = count.base(run: run)
            for start in [base, base + 63 + 7] {
                let replayed = try #require(Self.replay(kernel, start: start, iterations: n), "\(name): inexact from \(start)")
                #expect(replayed == start + count.growth * n, "\(name) from \(start)")
            }
        }
        // The per-item closed form, and that it changes with the count, the base and the item.
        for g in [0, 1, 63, 64, 1000] {
            let base = count.base(run: 1)
            var sum = 0
            for c in 0..<8 { sum += count.valuesPerChain * (base + g % 64 + c + count.growth * n) }
            #expect(count.expected(g, iterations: n, base: base) == UInt32(truncatingIfNeeded: sum))
            for other in [0, 1, n / 2, n - 1] {
                #expect(count.expected(g, iterations: other, base: base) != count.expected(g, iterations: n, base: base))
            }
            #expect(count.expected(g, iterations: n, base: count.base(run: 0)) != count.expected(g, iterations: n, base: base))
        }
    }

    @Test func checkReportsTheFirstWrongElement() {
        let count = EnginePeakCount(chains: 8, valuesPerChain: 4, growth: 32, valueLimit: 1 << 22)
        var values = (0..<300).map { count.expected($0, iterations: 7, base: -5) }
        #expect(count.check(values, iterations: 7, base: -5, label: "mma") == .passed)
        #expect(!count.check(values, iterations: 6, base: -5, label: "mma").passed)
        values[257] = ~values[257]
        let failed = count.check(values, iterations: 7, base: -5, label: "mma")
        #expect(!failed.passed && failed.detail.contains("out[257]") && failed.detail.contains("not written"), "\(failed.detail)")
    }
}

/// The peak kernels run on Intel's CPU runtime: tensor and matrix instructions emulated, the
/// packed bf16 and int8 chains natively. `.ci/run` sets SUANLI_REQUIRE_INTEL_OPENCL=1, so there
/// they cannot skip; elsewhere they are skipped (visibly) without the runtime.
@Suite(.enabled(if: IntelOpenCL.available, "needs Intel's OpenCL CPU runtime (Scripts/install-intel-opencl.sh)"), .serialized)
struct PeakCountEmulationTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var capabilities: EngineCapabilities?   // nil: the Intel CPU device itself (packed kernels)
        var precision: Precision
        var description: String { "\(name) \(precision.rawValue)" }
    }

    /// Every family and precision (each its own instruction form or accumulator).
    static let cases: [Case] =
        [Precision.mixed, .fp16, .bf16, .tf32, .int8, .fp8].map { Case(name: "sm_90", capabilities: EngineEmulationTests.sm90, precision: $0) }
        + [Precision.mixed, .bf16, .tf32, .int8, .fp8].map { Case(name: "gfx942", capabilities: EngineEmulationTests.gfx942, precision: $0) }
        + [Case(name: "gfx90a", capabilities: EngineEmulationTests.gfx90a, precision: .int8)]
        + [Precision.mixed, .bf16, .int8].map { Case(name: "gfx1100", capabilities: EngineEmulationTests.gfx1100, precision: $0) }
        + [Precision.mixed, .bf16, .int8].map { Case(name: "xmx-sg8", capabilities: EngineEmulationTests.xmx8, precision: $0) }
        + [Precision.mixed, .int8].map { Case(name: "xmx-sg16", capabilities: EngineEmulationTests.xmx16, precision: $0) }
        + [Precision.bf16, .int8].map { Case(name: "intel-cpu", capabilities: nil, precision: $0) }

    /// The emulation preludes, with `ldexp` (which Intel's runtime cannot link when vectorized)
    /// replaced by an exact power of two built from its bits.
    static func preludes() throws -> [EngineKernelFamily: String] {
        func load(_ name: String) throws -> String {
            try EngineEmulationTests.prelude(name)
                .replacingOccurrences(of: "ldexp(1.0f, (int)exponent - 7)", with: "as_float((uint)((int)exponent - 7 + 127) << 23)")
                .replacingOccurrences(of: "ldexp(1.0f, (int)exponent - 8)", with: "as_float((uint)((int)exponent - 8 + 127) << 23)")
        }
        return [.nvidiaMMA: try load("mma_nv.clh"), .amdMFMA: try load("mfma_amd.clh"), .amdWMMA: try load("wmma_amd.clh"),
                .intelDPAS: try load("dpas_intel.clh")]
    }

    static func backend(_ c: Case, sources: KernelSources = .embedded) throws -> (OpenCLBackend, EngineKernel) {
        let backend = try IntelOpenCL.backend(sources: sources)
        if let capabilities = c.capabilities {
            backend.emulation = KernelEmulation(capabilities: capabilities, preludes: try preludes())
        }
        guard case .kernel(let kernel) = backend.peakChoice(c.precision) else {
            throw BenchmarkError("\(c): no engine kernel chosen")
        }
        return (backend, kernel)
    }

    static func runner(_ c: Case, sources: KernelSources = .embedded) throws -> OpenCLEnginePeakRunner {
        let (backend, kernel) = try backend(c, sources: sources)
        return try OpenCLEnginePeakRunner(backend: backend, kernel: kernel, quick: true)
    }

    /// The kernel source with the last "+B" step of every iteration removed (in the file, or in
    /// the prelude that holds the engine kernels' step loop).
    static func droppingAStep(_ kernelFile: String) throws -> KernelSources {
        var files = KernelSources.embedded.files
        let step = kernelFile == "peak_packed.cl" ? ["x[c] = x[c] * va + vb2;", "x[c] = SL_DOT(x[c], w, z2);"] : ["STEP(d[c], bp);"]
        let file = try ([kernelFile] + KernelSources.embedded.preludes(of: kernelFile)).first {
            files[$0]?.contains("for (int c = 0; c < NCHAINS; ++c) " + step[0]) == true
        } ?? kernelFile
        let original = try #require(files[file])
        var planted = original
        for text in step {
            let loop = "for (int c = 0; c < NCHAINS; ++c) "
            if let range = planted.range(of: loop + text, options: .backwards) {
                planted.replaceSubrange(range, with: loop + "{}")   // the loop stays (after its #pragma unroll), empty
            }
        }
        #expect(planted != original, "the planted change did not apply to \(file)")
        files[file] = planted
        return KernelSources(files: files, origin: "planted")
    }

    @Test(arguments: cases)
    func rightCountPassesOtherCountsAndDroppedStepsFail(_ c: Case) throws {
        let runner = try Self.runner(c)
        for _ in 0..<2 {   // both bases
            _ = try runner.run(width: 1)
            let result = try runner.verify(width: 1)
            #expect(result == .passed, "\(c): \(result.detail)")
        }
        let n = try #require(Int(runner.parameters["iterations"] ?? ""))
        for dropped in Set([1, n / 2, n, -1]).sorted() where dropped != 0 {
            runner.iterationsDropped = dropped
            _ = try runner.run(width: 1)
            #expect(!(try runner.verify(width: 1)).passed, "\(c): \(n - dropped) iterations run for \(n) went unnoticed")
        }
        runner.iterationsDropped = 0
        _ = try runner.run(width: 1)
        #expect(try runner.verify(width: 1) == .passed, "\(c)")

    }

    /// One instruction of the eight left out of every iteration: one case per kernel file and
    /// accumulator kind (each planted kernel is another build, the costly part under emulation).
    @Test(arguments: [cases[1], cases[2], cases[10], cases[11], cases[14], cases[19], cases[20], cases[21]])
    func aDroppedStepFails(_ c: Case) throws {
        let file = try Self.backend(c).1.family.peakFile
        let planted = try Self.runner(c, sources: try Self.droppingAStep(file))
        _ = try planted.run(width: 1)
        let result = try planted.verify(width: 1)
        #expect(!result.passed, "\(c): a dropped step went unnoticed")
        #expect(result.detail.contains("expected"), "\(c): \(result.detail)")
    }

    /// A kernel that never writes its output leaves the poison, which fails.
    @Test func anOutputNeverWrittenFails() throws {
        for (c, file, store) in [(Self.cases[2], "peak_mma_nv.cl", "out[g] = sum;"), (Self.cases.last!, "peak_packed.cl", "out[g] = (uint)r;")] {
            var files = KernelSources.embedded.files
            let original = try #require(files[file])
            files[file] = original.replacingOccurrences(of: store, with: "")
            #expect(files[file] != original)
            let runner = try Self.runner(c, sources: KernelSources(files: files, origin: "planted"))
            _ = try runner.run(width: 1)
            let result = try runner.verify(width: 1)
            #expect(!result.passed && result.detail.contains("not written"), "\(c): \(result.detail)")
        }
    }
}
