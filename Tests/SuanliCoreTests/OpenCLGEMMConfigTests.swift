import Foundation
import OpenCLKit
import Testing
@testable import SuanliCore

/// The GEMM configurations and the tuner's limits. Needs an OpenCL device (PoCL here and in CI);
/// SUANLI_TEST_NO_OPENCL=1 skips the device tests.
@Suite struct GEMMConfigTests {
    func config(_ name: String, local: [Int], type: String? = nil, defines: [String: Int] = [:]) -> GEMMConfig {
        GEMMConfig(name: name, defines: defines, local: local, tileM: 32, tileN: 32, deviceType: type)
    }

    @Test func deviceTypeFilterApplies() throws {
        #expect(config("a", local: [1, 1], type: "cpu").applies(to: .cpu))
        #expect(!config("a", local: [1, 1], type: "cpu").applies(to: .gpu))
        #expect(config("a", local: [1, 1], type: "gpu").applies(to: .gpu))
        #expect(config("a", local: [1, 1]).applies(to: .gpu) && config("a", local: [1, 1]).applies(to: .cpu))
        // The shipped list: every entry names a device type, and both kinds exist.
        let shipped = try GEMMConfig.load(from: .embedded)
        #expect(shipped.allSatisfy { $0.deviceType != nil })
        #expect(shipped.contains { $0.applies(to: .cpu) && $0.packed })
        #expect(shipped.contains { $0.applies(to: .gpu) })
        #expect(Set(shipped.map(\.name)).count == shipped.count)
    }

    @Test func anUnknownDeviceTypeIsRejectedWhenLoading() {
        let sources = KernelSources(files: ["gemm.tuning.json": """
            [{"name": "x", "device_type": "gpus", "defines": {}, "local": [1, 1], "tile_m": 8, "tile_n": 8}]
            """], origin: "test")
        #expect(throws: BenchmarkError.self) { try GEMMConfig.load(from: sources) }
    }

    @Test func deviceLimitsAreChecked() {
        let big = config("big", local: [16, 16])
        #expect(big.deviceLimitViolation(maxWorkGroupSize: 256, maxWorkItemSizes: [256, 256, 256]) == nil)
        #expect(big.deviceLimitViolation(maxWorkGroupSize: 128, maxWorkItemSizes: [256, 256, 256])?
            .contains("CL_DEVICE_MAX_WORK_GROUP_SIZE") == true)
        #expect(big.deviceLimitViolation(maxWorkGroupSize: 1024, maxWorkItemSizes: [1024, 8, 1])?
            .contains("CL_DEVICE_MAX_WORK_ITEM_SIZES[1]") == true)
        #expect(big.kernelLimitViolation(kernelName: "gemm", kernelWorkGroupSize: 128, kernelLocalMemory: 0,
                                         deviceLocalMemory: 1 << 15)?.contains("CL_KERNEL_WORK_GROUP_SIZE") == true)
        #expect(big.kernelLimitViolation(kernelName: "gemm", kernelWorkGroupSize: 256, kernelLocalMemory: 1 << 16,
                                         deviceLocalMemory: 1 << 15)?.contains("CL_DEVICE_LOCAL_MEM_SIZE") == true)
        #expect(big.kernelLimitViolation(kernelName: "gemm", kernelWorkGroupSize: 256, kernelLocalMemory: 1 << 15,
                                         deviceLocalMemory: 1 << 15) == nil)
    }

    @Test func packedBufferSizesPadToTiles() {
        let c = GEMMConfig(name: "p", defines: ["PACKED": 1, "KUNROLL": 4], local: [1, 8], tileM: 96, tileN: 32, deviceType: "cpu")
        #expect(c.packed && c.rowsPerItem == 12)
        #expect(c.paddedK(45) == 48)
        let bytes = c.packedBytes(m: 100, n: 33, k: 45, accumulatorBytes: 4)
        #expect(bytes.a == 192 * 48 * 4 && bytes.b == 64 * 48 * 4)
    }
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil), .serialized)
struct OpenCLGEMMConfigTests {
    /// Runs `config` on `shape` with β ≠ 0 and then β = 0 on a poisoned C; returns the failure, if any.
    func check(_ backend: OpenCLBackend, _ config: GEMMConfig, _ precision: Precision, _ shape: GEMMShape) throws -> String? {
        let runner = try OpenCLGEMMRunner(backend: backend, precision: precision, shape: shape, config: config, tunedFrom: "test")
        let problem = GEMMProblem(m: shape.m, n: shape.n, k: shape.k, precision: precision, seed: 5)
        try runner.upload(problem)
        _ = try runner.run(beta: problem.beta)
        let first = problem.verify(try runner.downloadOutput(), includeBeta: true)
        guard first.passed else { return "β ≠ 0: \(first.detail)" }
        try runner.poisonOutput()
        _ = try runner.run(beta: 0)
        let second = problem.verify(try runner.downloadOutput(), includeBeta: false)
        return second.passed ? nil : "β = 0: \(second.detail)"
    }

    /// Every shipped configuration, whatever its device type, computes the right C on odd shapes
    /// (edge tiles in M, N and K) and on exact tiles.
    @Test func everyShippedConfigurationVerifies() throws {
        let configs = try GEMMConfig.load(from: .embedded)
        for device in try openCLTestDevices() {
            let backend = try openCLTestBackend(device)
            var ran = 0
            for config in configs {
                for shape in [GEMMShape(m: 77, n: 53, k: 45), GEMMShape(m: config.tileM * 2, n: config.tileN, k: 256)] {
                    do {
                        let failure = try check(backend, config, .fp32, shape)
                        #expect(failure == nil, "\(device.info.name) \(config.name) \(shape): \(failure ?? "")")
                        ran += 1
                    } catch let skip as GEMMConfigUnsuitable {
                        // Only a device limit may keep a configuration off this device.
                        #expect(config.deviceType != device.info.type.rawValue, "\(config.name) skipped on its own device type: \(skip)")
                    }
                }
            }
            #expect(ran >= configs.filter { $0.applies(to: device.info.type) }.count * 2)
        }
    }

    @Test(arguments: [Precision.mixed, .fp64])
    func packedConfigurationsVerifyInOtherPrecisions(_ precision: Precision) throws {
        let configs = try GEMMConfig.load(from: .embedded).filter(\.packed)
        #expect(!configs.isEmpty)
        for device in try openCLTestDevices() {
            let backend = try openCLTestBackend(device)
            if let reason = backend.skipReason(for: precision, suite: .gemm) {
                #expect(precision == .fp64 && !device.info.supportsFP64, "\(device.info.name): \(reason)")
                continue
            }
            for config in configs {
                let failure = try check(backend, config, precision, GEMMShape(m: 61, n: 70, k: 37))
                #expect(failure == nil, "\(device.info.name) \(config.name) \(precision.rawValue): \(failure ?? "")")
            }
        }
    }

    /// A configuration beyond the device's work-group limit is skipped, logged as such, and the tuner
    /// still returns a configuration that verified; entries for another device type are not tried.
    @Test func tunerSkipsConfigurationsBeyondTheLimitsAndSaysSo() throws {
        let device = try #require(try openCLTestDevices().first)
        let lines = LogLines()
        let backend = try openCLTestBackend(device) { lines.append($0) }
        let maxGroup = device.info.maxWorkGroupSize
        let tooBig = GEMMConfig(name: "too-big", defines: ["MWG": 32, "NWG": 32, "KWG": 16, "MDIMC": 8, "NDIMC": 8, "VW": 1, "LOCAL_A": 1],
                                local: [maxGroup, 2], tileM: 32, tileN: 32 * maxGroup, deviceType: nil)
        let otherType: DeviceType = device.info.type == .gpu ? .cpu : .gpu
        let elsewhere = GEMMConfig(name: "elsewhere", defines: ["MWG": 8, "NWG": 8, "KWG": 8, "MDIMC": 1, "NDIMC": 1, "VW": 1, "LOCAL_A": 0],
                                   local: [1, 1], tileM: 8, tileN: 8, deviceType: otherType.rawValue)
        let fine = GEMMConfig(name: "fine", defines: ["MWG": 16, "NWG": 16, "KWG": 8, "MDIMC": 4, "NDIMC": 4, "VW": 1, "LOCAL_A": 1],
                              local: [4, 4], tileM: 16, tileN: 16, deviceType: nil)
        let best = try GEMMTuner.tune(backend: backend, precision: .fp32, shape: GEMMShape(square: 64),
                                      configs: [tooBig, elsewhere, fine])
        #expect(best.name == "fine")
        let log = lines.all
        #expect(log.contains { $0.contains("too-big") && $0.contains("skipped") && $0.contains("CL_DEVICE_MAX_WORK_GROUP_SIZE") }, "\(log)")
        #expect(!log.contains { $0.contains("elsewhere:") }, "\(log)")
        #expect(log.contains { $0.contains("2 of 3 configurations") }, "\(log)")
    }

    /// The kernel's own limits come from clGetKernelWorkGroupInfo.
    @Test func kernelWorkGroupInfoIsRead() throws {
        let device = try #require(try openCLTestDevices().first)
        let backend = try openCLTestBackend(device)
        let program = try Program(context: backend.context, source: """
            __kernel void uses_local(__global float *out) {
                __local float scratch[256];
                scratch[get_local_id(0)] = (float)get_global_id(0);
                barrier(CLK_LOCAL_MEM_FENCE);
                out[get_global_id(0)] = scratch[255 - get_local_id(0)];
            }
            """)
        let kernel = try program.kernel(named: "uses_local")
        #expect(try kernel.localMemoryBytes(on: backend.device) >= 1024)
        #expect(try kernel.maxWorkGroupSize(on: backend.device) >= 1)
        #expect(try kernel.maxWorkGroupSize(on: backend.device) <= device.info.maxWorkGroupSize)
        #expect(try kernel.preferredWorkGroupSizeMultiple(on: backend.device) >= 1)
        #expect(try kernel.privateMemoryBytes(on: backend.device) >= 0)
    }
}

/// Collects log lines from a @Sendable callback.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
