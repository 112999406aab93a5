import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

/// Planted faults in the peak and roofline kernels: a run that skips FMAs or does half the
/// iterations must fail verification, and the honest run must pass. The OpenCL tests run on every
/// OpenCL device visible (PoCL here and in CI; Intel's runtime too when its ICD is on the path).
/// A machine without OpenCL fails them on purpose (SUANLI_TEST_NO_OPENCL=1 skips them).
@Suite struct CPUKernelFaultTests {
    let host = HostInfo.current()

    @Test func cpuPeakPassesHonestlyAndFailsWhenStepsAreDropped() throws {
        let backend = CPUBackend(host: host)
        let honest = CPUPeakRunner(backend: backend, quick: true)
        for _ in 0..<3 { _ = try honest.run(width: 8) }
        #expect(try honest.verify(width: 8) == .passed)

        for dropped in [1, 2, 1 << 11] {
            let faulty = CPUPeakRunner(backend: backend, quick: true)
            faulty.stepsDropped = dropped
            for _ in 0..<3 { _ = try faulty.run(width: 8) }
            let result = try faulty.verify(width: 8)
            #expect(!result.passed, "dropping \(dropped) steps per round went unnoticed")
        }
    }

    @Test func cpuPeakChecksEveryTimedRunNotASeparateOne() throws {
        let backend = CPUBackend(host: host)
        let runner = CPUPeakRunner(backend: backend, quick: true)
        _ = try runner.run(width: 8)
        runner.stepsDropped = 1          // only the later runs are wrong
        _ = try runner.run(width: 8)
        runner.stepsDropped = 0
        _ = try runner.run(width: 8)     // the last run is right again
        #expect(!(try runner.verify(width: 8)).passed)
        // The check starts afresh after each verification.
        _ = try runner.run(width: 8)
        #expect(try runner.verify(width: 8) == .passed)
    }

    @Test func cpuRooflineFailsWhenStepsAreDroppedOrHalved() throws {
        let backend = CPUBackend(host: host)
        let runner = CPURooflineRunner(backend: backend, length: 10_007)
        for steps in [2, 64, 512] {
            runner.stepsDropped = 0
            _ = try runner.run(iterations: steps)
            #expect(try runner.verify() == .passed, "\(steps) steps")
            for dropped in [1, steps / 2] {
                runner.stepsDropped = dropped
                _ = try runner.run(iterations: steps)
                #expect(!(try runner.verify()).passed, "\(steps) steps with \(dropped) dropped went unnoticed")
            }
        }
    }

    @Test func rooflineClosedFormIsExactAndStepDependent() {
        for steps in [1, 2, 3, 7, 64, 512, 1 << 20] {
            let b = RooflineCheck.addend(iterations: steps)
            #expect(Float(steps) * b <= 0.5 && Float(steps) * b > 0.25, "\(steps)")
            // Reference recurrence in Float: fused and unfused steps agree and match the closed form.
            let inputs = RooflineCheck.inputs(count: 64, seed: UInt64(steps))
            for x in inputs where steps <= 4096 {
                #expect(x >= 1 && x < 1.5)
                var fused = x, unfused = x
                for _ in 0..<steps {
                    fused = b.addingProduct(fused, RooflineCheck.multiplier)
                    unfused = unfused * RooflineCheck.multiplier + b
                }
                #expect(fused == RooflineCheck.expected(x, iterations: steps))
                #expect(unfused == fused)
                #expect(x + Float(steps - 1) * b != fused)   // one step fewer with the same b shows
            }
        }
    }
}

/// The OpenCL devices these tests run on: every device found.
func openCLTestDevices() throws -> [DiscoveredOpenCLDevice] {
    let devices = DeviceInventory.discover().openCLDevices
    try #require(!devices.isEmpty, "no OpenCL device (install PoCL, or set SUANLI_TEST_NO_OPENCL=1)")
    return devices
}

func openCLTestBackend(_ device: DiscoveredOpenCLDevice, log: @escaping @Sendable (String) -> Void = { _ in }) throws -> OpenCLBackend {
    let cache = TuningCache(path: NSTemporaryDirectory() + "suanli-test-tuning-\(UUID().uuidString).json")
    return try OpenCLBackend(device: device, sources: .embedded, tuningCache: cache, log: log)
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil), .serialized)
struct OpenCLKernelFaultTests {
    @Test func peakPassesHonestlyAndFailsOnDroppedOrHalvedIterations() throws {
        for device in try openCLTestDevices() {
            let backend = try openCLTestBackend(device)
            let runner = try OpenCLPeakRunner(backend: backend, precision: .fp32, quick: true)
            for width in runner.widths {
                _ = try runner.run(width: width)
                #expect(try runner.verify(width: width) == .passed, "\(device.info.name) width \(width)")
            }
            for width in [1, 16] {
                for dropped in [1, 0] {   // 0 below means: half the iterations
                    runner.iterationsDropped = dropped == 0 ? max(1, Int(runner.parameters["iterations_w\(width)"]!)! / 2) : dropped
                    _ = try runner.run(width: width)
                    #expect(!(try runner.verify(width: width)).passed,
                            "\(device.info.name) width \(width): \(runner.iterationsDropped) iterations dropped went unnoticed")
                }
                runner.iterationsDropped = 0
            }
        }
    }

    @Test func peakOutputIsPoisonedBeforeEachWidth() throws {
        let device = try #require(try openCLTestDevices().first)
        let runner = try OpenCLPeakRunner(backend: try openCLTestBackend(device), precision: .fp32, quick: true)
        _ = try runner.run(width: 4)
        // Verifying a width that has not run since the last poisoning must not pass on stale output.
        #expect(!(try runner.verify(width: 8)).passed)
    }

    @Test func rooflinePassesHonestlyAndFailsOnDroppedOrHalvedSteps() throws {
        for device in try openCLTestDevices() {
            let backend = try openCLTestBackend(device)
            let runner = try OpenCLRooflineRunner(backend: backend, length: 50_021)
            for steps in [2, 8, 512] {
                runner.stepsDropped = 0
                _ = try runner.run(iterations: steps)
                #expect(try runner.verify() == .passed, "\(device.info.name) \(steps) steps")
            }
            for (steps, dropped) in [(8, 1), (512, 256), (512, 2)] {
                let faulty = try OpenCLRooflineRunner(backend: backend, length: 4_099)
                faulty.stepsDropped = dropped
                _ = try faulty.run(iterations: steps)
                #expect(!(try faulty.verify()).passed, "\(device.info.name) \(steps) steps, \(dropped) dropped")
            }
        }
    }

    /// Every layout the roofline may pick handles any length (partial vectors, partial groups).
    @Test func rooflineLayoutsHandleOddLengths() throws {
        let device = try #require(try openCLTestDevices().first)
        let backend = try openCLTestBackend(device)
        let source = try KernelSources.embedded.source("roofline.cl")
        for layout in OpenCLRooflineRunner.cpuLayouts + OpenCLRooflineRunner.gpuLayouts {
            for length in [1, 15, 16, 17, 1000, 4099] {
                let program = try Program(context: backend.context, source: source,
                                          options: "-DITERS=6 -DVW=\(layout.vw) -DCHAINS=\(layout.chains)")
                let kernel = try program.kernel(named: "roofline")
                let inputs = RooflineCheck.inputs(count: length)
                let input = try backend.buffer(bytes: length * 4), output = try backend.buffer(bytes: length * 4)
                try inputs.withUnsafeBytes { _ = try input.write($0, queue: backend.queue) }
                try [Float](repeating: .nan, count: length).withUnsafeBytes { _ = try output.write($0, queue: backend.queue) }
                try kernel.setArgument(0, input)
                try kernel.setArgument(1, output)
                try kernel.setArgument(2, RooflineCheck.multiplier)
                try kernel.setArgument(3, RooflineCheck.addend(iterations: 6))
                try kernel.setArgument(4, UInt64(length))
                for local in [1, 4] {
                    let vectors = (length + layout.vw - 1) / layout.vw
                    let items = (vectors + layout.chains * local - 1) / (layout.chains * local) * local
                    _ = try backend.timed(kernel, global: [items], local: [local])
                    let got = try output.read(count: length, as: Float.self, queue: backend.queue)
                    let bad = inputs.withUnsafeBufferPointer { i in
                        got.withUnsafeBufferPointer { o in RooflineCheck.firstMismatch(input: i, output: o, iterations: 6) }
                    }
                    #expect(bad == nil, "VW \(layout.vw) CHAINS \(layout.chains) n \(length) local \(local): element \(bad ?? -1)")
                }
            }
        }
    }
}

/// The stream dot's exact pass (``StreamDotExactPass``): a zero, a halved or a partial dot fails
/// at every length the suite uses, where the random pass's fp16 tolerance is wider than the dot.
@Suite struct StreamDotExactPassTests {
    /// Lengths the stream suite uses: powers of two from 2^20 (the smallest default) to 2^28 (a
    /// GPU's default), the local devices' quick and default lengths, and odd lengths of the tests.
    static var lengths: [Int] {
        var lengths = [1, 7, 15, 17, 1000, 4099, 100_003] + (20...28).map { 1 << $0 }
        for device in DeviceInventory.discover().openCLDevices {
            if let backend = try? openCLTestBackend(device) {
                lengths += [Precision.fp16, .mixed, .fp32].flatMap { p in [true, false].map { backend.defaultStreamLength(p, quick: $0) } }
            }
        }
        return Array(Set(lengths)).sorted()
    }

    @Test func zeroHalvedAndPartialDotsFailAtEveryLength() {
        let unit = StreamDotExactPass.value * StreamDotExactPass.value
        for length in Self.lengths {
            let pass = StreamDotExactPass(length: length)
            #expect(pass.indices.count == min(length, 2048), "\(length)")
            #expect(pass.indices.last == length - 1, "\(length): the tail element is not covered")
            #expect(zip(pass.indices, pass.indices.dropFirst()).allSatisfy { $0 < $1 } && pass.indices.first! >= 0, "\(length)")
            // The sum in fp16, term by term: every partial sum exact.
            var half: Float16 = 0
            for _ in pass.indices { half += Float16(unit) }
            #expect(Double(half) == pass.expected, "\(length): fp16 accumulation is not exact")
            #expect(pass.check(pass.expected) == .passed, "\(length)")
            for wrong in [0, pass.expected / 2, pass.expected - unit, pass.expected * 2, -pass.expected] {
                #expect(!pass.check(wrong).passed, "\(length): a dot of \(wrong) instead of \(pass.expected) passed")
            }
            #expect(!pass.check(nil).passed)
        }
    }

    @Test func inputsPlaceTheProductsAtTheIndices() {
        let pass = StreamDotExactPass(length: 10_007)
        let b = randomValues(count: 10_007, precision: .fp16, seed: 12)
        let inputs = pass.inputs(b: b)
        var dot = 0.0
        for i in 0..<10_007 { dot += inputs.a[i] * inputs.b[i] }
        #expect(dot == pass.expected)
        #expect(inputs.a.filter { $0 != 0 }.count == pass.indices.count)
        #expect(zip(inputs.b, b).filter { $0 != $1 }.count <= pass.indices.count)
    }
}

/// fp16 dot on Intel's CPU runtime (it has cl_khr_fp16): the honest kernel passes both passes; a
/// kernel that halves or zeroes its sums fails: through the suite at a small length, and the exact
/// pass alone (the random pass's host check at 2^26 elements is slow in a debug build) at the
/// device's quick and default lengths.
@Suite(.enabled(if: IntelOpenCL.available, "needs Intel's OpenCL CPU runtime (Scripts/install-intel-opencl.sh)"), .serialized)
struct HalfDotFaultTests {
    static let policy = SamplingPolicy(warmupRuns: 0, minSamples: 2, maxSamples: 2, minSeconds: 0, maxSeconds: 2)
    static let faults = ["scratch[0] * (ACC)0.5f", "(ACC)0"]

    static func planted(_ store: String?) throws -> KernelSources {
        guard let store else { return .embedded }
        var files = KernelSources.embedded.files
        let original = try #require(files["stream.cl"])
        let line = "if (lid == 0) partial[get_group_id(0)] = scratch[0];"
        files["stream.cl"] = original.replacingOccurrences(of: line, with: "if (lid == 0) partial[get_group_id(0)] = \(store);")
        #expect(files["stream.cl"] != original)
        return KernelSources(files: files, origin: "planted")
    }

    @Test func throughTheSuite() throws {
        for store in [nil] + Self.faults {
            let backend = try IntelOpenCL.backend(sources: try Self.planted(store))
            let rows = Suites.stream(backend, precision: .fp16, length: 100_003, policy: Self.policy)
            let dot = try #require(rows.first { $0.kernel == "dot" })
            if store == nil {
                #expect(dot.verified && dot.status != .failed, "\(dot.reason ?? "")")
            } else {
                #expect(dot.status == .failed && !dot.verified, "\(store!): \(dot.status)")
            }
        }
    }

    @Test func exactPassAtTheSuiteLengths() throws {
        let lengths = try Set([true, false].map { try IntelOpenCL.backend().defaultStreamLength(.fp16, quick: $0) })
        for length in lengths.sorted() {
            let pass = StreamDotExactPass(length: length)
            let zeros = [Double](repeating: 0, count: length)
            let inputs = pass.inputs(b: zeros)
            for store in [nil, Self.faults[0]] {
                let backend = try IntelOpenCL.backend(sources: try Self.planted(store))
                let runner = try backend.makeStream(precision: .fp16, length: length)
                try runner.upload(a: inputs.a, b: inputs.b, c: zeros)
                let (_, dot) = try runner.run(.dot, scalar: 0.4)
                let result = pass.check(dot)
                #expect(result.passed == (store == nil), "n = \(length), \(store ?? "honest"): \(result.detail)")
            }
        }
    }
}
