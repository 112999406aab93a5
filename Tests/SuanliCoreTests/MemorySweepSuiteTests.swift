#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import SuanliCore

/// The `cache` and `memlat` suites end to end at small working sets, on the native CPU and on
/// every OpenCL CPU device here (PoCL): every figure verified, checksums that catch a kernel
/// that did not run.
@Suite(.serialized) struct MemorySweepSuiteTests {
    let policy = SamplingPolicy(warmupRuns: 1, minSamples: 3, maxSamples: 5, minSeconds: 0, maxSeconds: 2)
    let sizes = [4096, 5824, 65_536, 1 << 20]

    static var openCLCPUDevices: [DiscoveredOpenCLDevice] {
        DeviceInventory.discover().openCLDevices.filter { $0.info.type == .cpu }
    }

    func backends() throws -> [any BenchmarkBackend] {
        // PoCL is part of the test set-up (Scripts/install-deps.sh); SUANLI_TEST_NO_OPENCL opts out.
        if ProcessInfo.processInfo.environment["SUANLI_TEST_NO_OPENCL"] == nil {
            #expect(!Self.openCLCPUDevices.isEmpty, "no OpenCL CPU device (PoCL) found")
        }
        let cache = TuningCache(path: "/tmp/suanli-test-tuning-\(UInt64.random(in: 0...UInt64.max)).json")
        return [CPUBackend(host: HostInfo.current())]
            + (try Self.openCLCPUDevices.map { try OpenCLBackend(device: $0, sources: .embedded, tuningCache: cache) })
    }

    func expectVerified(_ ms: [Measurement], _ what: String) {
        for m in ms {
            // On a busy machine the host-clock check may make a figure suspect; it is still verified.
            #expect(m.verified && (m.status == .ok || m.status == .suspect), "\(what) \(m.kernel) \(m.size): \(m.status) \(m.reason ?? "")")
            #expect(m.median.map { $0 > 0 } == true)
        }
    }

    @Test func cacheSweepVerifiesOnEveryBackend() throws {
        for backend in try backends() {
            let ms = Suites.cache(backend, sizes: sizes, policy: policy, quick: true)
            #expect(ms.count == sizes.count)
            #expect(ms.map { $0.size["bytes"] } == sizes)
            #expect(ms.allSatisfy { $0.suite == .cache && $0.kernel == "read" && $0.unit == .gbps && $0.higherIsBetter })
            expectVerified(ms, backend.descriptor.id)
            #expect(ms.allSatisfy { $0.parameters?["huge_pages"] != nil })
        }
    }

    @Test func memlatSweepVerifiesOnEveryBackend() throws {
        for backend in try backends() {
            let ms = Suites.memlat(backend, sizes: sizes, policy: policy, quick: true)
            #expect(ms.count == 2 * sizes.count)
            #expect(ms.filter { $0.kernel == "chase" }.allSatisfy { $0.parameters?["chains"] == "1" })
            #expect(ms.allSatisfy { $0.unit == .nanoseconds && !$0.higherIsBetter })
            expectVerified(ms, backend.descriptor.id)
        }
    }

    @Test func poisonedChecksumsFailUntilTheKernelRuns() throws {
        for backend in try backends() {
            let runner = try backend.makeCacheRead(largestBytes: 65_536)
            try runner.prepare(bytes: 32_768, targetSeconds: 0)
            try runner.poisonOutput()
            #expect(!(try runner.verify()).passed, "\(backend.descriptor.id): poison must not pass")
            _ = try runner.run()
            #expect(try runner.verify() == .passed, "\(backend.descriptor.id)")
        }
    }

    @Test func chaseEndsAreCheckedAfterEveryBatch() throws {
        for backend in try backends() {
            let runner = try backend.makePointerChase(largestBytes: 65_536)
            try runner.prepare(bytes: 65_536, chains: runner.parallelChains, targetSeconds: 0)
            for _ in 0..<3 { _ = try runner.run() }
            #expect(try runner.verify() == .passed, "\(backend.descriptor.id)")
        }
    }

    @Test func sweepBeyondTheDeviceIsSkippedWithTheReason() {
        let backend = CPUBackend(host: HostInfo.current())
        let huge = backend.memoryBytes * 2
        let ms = Suites.cache(backend, sizes: [4096, huge], policy: policy, quick: true)
        #expect(ms.count == 2)
        #expect(ms.first { $0.size["bytes"] == huge }?.status == .skipped)
        #expect(ms.first { $0.size["bytes"] == huge }?.reason?.isEmpty == false)
        #expect(ms.first { $0.size["bytes"] == 4096 }?.verified == true)
    }

    @Test func planRunsOneSweepStepPerSuite() {
        let plan = BenchPlan(suites: [.cache, .memlat], precisions: [.fp32], shapes: nil, streamLength: nil, quick: true,
                             retune: false, maxWorkingSet: 64 << 10)
        let backend = CPUBackend(host: HostInfo.current())
        #expect(plan.steps(for: backend).map(\.suite) == [.cache, .memlat])
        #expect(plan.workingSets(for: backend) == WorkingSetSweep.sizes(through: 64 << 10))
        let defaultPlan = BenchPlan(suites: [.cache], precisions: [], shapes: nil, streamLength: nil, quick: false, retune: false)
        #expect(defaultPlan.workingSets(for: backend).last! >= max(256 << 20, 8 * backend.host.lastLevelCacheBytes))
    }
}
