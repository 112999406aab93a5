import Testing
@testable import SuanliCore

/// A CPU device's ceiling rests on a clock measured at run time, and the clock moves during a
/// run: the suites take a reading after each timed batch and judge the figure against the peak
/// at the highest clock seen, not the one read at start-up.
@Suite struct ClockCeilingTests {
    /// A backend whose stated peak follows its clock readings: 100 GFLOP/s until a reading is
    /// taken after a batch, then 200. Its kernels run at 150 GFLOP/s.
    final class ClockDrivenBackend: BenchmarkBackend {
        var readingsAfterBatches = 0
        let descriptor = DeviceDescriptor(host: HostInfo.current())
        let timingMethod = "host-clock"
        func skipReason(for precision: Precision, suite: Suite) -> String? { precision == .fp32 ? nil : "fp32 only" }
        func skipReason(suite: Suite) -> String? { nil }
        func readClockAfterBatch() { readingsAfterBatches += 1 }
        func peakGFLOPS(_ precision: Precision) -> (value: Double, basis: String)? {
            (readingsAfterBatches == 0 ? 100 : 200, "clock readings: \(readingsAfterBatches)")
        }
        func peakBandwidthGBs() -> (value: Double, basis: String)? { nil }
        let maxAllocationBytes = 1 << 30
        let memoryBytes = 1 << 32
        let deviceMemoryIsHostMemory = true
        func defaultGEMMShapes(quick: Bool) -> [GEMMShape] { [] }
        func defaultStreamLength(_ precision: Precision, quick: Bool) -> Int { 0 }
        func makeGEMM(precision: Precision, shape: GEMMShape, retune: Bool) throws -> any GEMMRunner { throw BenchmarkError("not here") }
        func makeStream(precision: Precision, length: Int) throws -> any StreamRunner { throw BenchmarkError("not here") }
        func makePeak(precision: Precision, quick: Bool) throws -> any PeakRunner { FixedRatePeak() }
        func makeRoofline(length: Int) throws -> any RooflineRunner { throw BenchmarkError("not here") }
        func memorySweepLargest(quick: Bool) -> Int { 0 }
        func makeCacheRead(largestBytes: Int) throws -> any CacheReadRunner { throw BenchmarkError("not here") }
        func makePointerChase(largestBytes: Int) throws -> any PointerChaseRunner { throw BenchmarkError("not here") }
        func defaultTransferBytes(quick: Bool) -> Int { 0 }
        func makeTransfer(bytes: Int) throws -> any TransferRunner { throw BenchmarkError("not here") }
        func makeLatency() throws -> any LatencyRunner { throw BenchmarkError("not here") }
    }

    /// 150 GFLOP/s at every width (1 ms per run), always verified.
    final class FixedRatePeak: PeakRunner {
        let parameters: [String: String] = [:]
        let widths = [1, 4]
        func run(width: Int) throws -> (seconds: Double, flops: Double) { (1e-3, 150e6) }
        func verify(width: Int) throws -> VerificationResult { .passed }
    }

    @Test func peakIsJudgedAtTheClockReadAfterTheBatch() {
        let backend = ClockDrivenBackend()
        let policy = SamplingPolicy(warmupRuns: 0, minSamples: 3, maxSamples: 3, minSeconds: 0, maxSeconds: 1)
        let rows = Suites.peak(backend, precision: .fp32, policy: policy, quick: true)
        let widths = rows.filter { $0.kernel.hasPrefix("fma-w") }
        #expect(widths.count == 2)
        #expect(backend.readingsAfterBatches == 2)
        for row in widths {
            // 150 GFLOP/s is above the start-up peak (100) and below the peak after a reading (200).
            #expect(row.status == .ok, "\(row.kernel): \(row.reason ?? "")")
            #expect(row.theoreticalPeak == 200)
        }
    }

    @Test func meterKeepsTheHighestReading() throws {
        #if arch(x86_64) || arch(arm64)
        let before = CPUClockMeter.readings
        let first = try #require(CPUClockMeter.observe())
        let second = try #require(CPUClockMeter.observe())
        #expect(second >= first)
        #expect(CPUClockMeter.readings >= before + 2)
        #expect(CPUClockMeter.measuredMHz == CPUClockMeter.measuredMHz.map { max($0, second) })
        let reading = try #require(CPUClockReading.best(host: HostInfo.current()))
        #expect(reading.source.hasPrefix("measured"))
        #endif
    }
}
