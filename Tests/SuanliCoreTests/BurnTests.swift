import Foundation
import Testing
@testable import SuanliCore

@Suite struct BurnTests {
    func session() -> BenchSession {
        let host = HostInfo.current()
        return BenchSession(host: host, devices: [DeviceDescriptor(host: host)],
                            tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable",
                                        openCLKernels: "embedded"),
                            outputDir: nil)
    }

    @Test func cpuBurnVerifiesEveryIntervalAndCatchesAPlantedFault() throws {
        let backend = CPUBackend(host: HostInfo.current(), variant: .portable, threads: 2)
        let session = session()
        let probe = EnergyProbe(sensors: [CommandSensor(command: "echo 150")], conditionSource: nil, interval: 0.05)
        let plan = BurnPlan(suites: [.gemm, .stream], duration: 1.2, interval: 0.4, gemmSize: 64, streamLength: 1 << 16,
                            plantedFault: 1)
        var finished: [BurnInterval] = []
        let outcome = BurnRunner(plan: plan, backend: backend, session: session, energy: probe).run { event in
            if case .intervalFinished(let interval, _) = event { finished.append(interval) }
        }
        #expect(outcome == .completed(verificationErrors: 2, notStarted: 0), "interval 1 of both suites is corrupted")
        let burn = try #require(session.document(incomplete: false).burn)
        #expect(burn.intervals == finished)
        #expect(burn.intervals.map(\.suite) == [.gemm, .stream, .gemm, .stream, .gemm, .stream])
        #expect(burn.intervals.map(\.index) == [0, 0, 1, 1, 2, 2])
        #expect(burn.intervals.map(\.verified) == [true, true, false, false, true, true])
        for interval in burn.intervals {
            #expect(interval.runs >= 1)
            #expect(interval.seconds >= 0.2, "each suite gets half of every interval")
            #expect((interval.rate ?? 0) > 0)
            #expect(interval.avgWatts == 150)
        }
        #expect(burn.intervals[2].error?.isEmpty == false)
        #expect(burn.intervals[0].gflopsPerWatt == burn.intervals[0].rate! / 150)
        #expect(burn.intervals[1].gbsPerWatt == burn.intervals[1].rate! / 150)
        #expect(burn.intervals[2].gflopsPerWatt == nil, "no efficiency for a failed interval")
        #expect(burn.verificationErrors == 2)
        let gemm = try #require(burn.summary.first { $0.suite == .gemm })
        #expect(gemm.intervals == 3 && gemm.verifiedIntervals == 2 && gemm.verificationErrors == 1)
        #expect(gemm.sustainRatio != nil)
        #expect(gemm.avgWatts.map { abs($0 - 150) < 1e-6 } == true)
        let measurements = session.measurements
        #expect(measurements.map(\.kernel) == ["burn-gemm", "burn-triad"])
        #expect(measurements.allSatisfy { $0.status == .failed && $0.samples.count == 2 })
        #expect(measurements[0].parameters?["mode"] == "burn")
    }

    @Test func aCleanBurnHasNoErrors() throws {
        let backend = CPUBackend(host: HostInfo.current(), variant: .portable, threads: 2)
        let session = session()
        let plan = BurnPlan(suites: [.gemm], duration: 0.6, interval: 0.2, gemmSize: 48)
        let outcome = BurnRunner(plan: plan, backend: backend, session: session).run()
        #expect(outcome == .completed(verificationErrors: 0, notStarted: 0))
        #expect(session.measurements.first?.status == .ok)
        #expect(session.measurements.first?.energy == nil, "no sensor, no energy")
        #expect(session.document(incomplete: false).burn?.intervals.count == 3)
    }

    @Test func unsupportedSuitesDoNotStart() throws {
        let backend = CPUBackend(host: HostInfo.current(), variant: .portable, threads: 1)
        let session = session()
        let plan = BurnPlan(suites: [.peak], duration: 0.1, interval: 0.1)
        let outcome = BurnRunner(plan: plan, backend: backend, session: session).run()
        #expect(outcome == .completed(verificationErrors: 0, notStarted: 1))
        #expect(session.measurements.first?.status == .failed)
    }

    func interval(_ index: Int, start: Double, rate: Double, verified: Bool = true, temperature: Double? = nil,
                  throttled: Bool? = nil) -> BurnInterval {
        var i = BurnInterval(index: index, suite: .gemm, kernel: "gemm", startSeconds: start, unit: .gflops)
        i.seconds = 10
        i.rate = rate
        i.verified = verified
        i.runs = 5
        i.temperatureC = temperature
        i.throttled = throttled
        i.throttleReasons = throttled == true ? ["sw-thermal-slowdown"] : nil
        return i
    }

    @Test func sustainRatioIsTheLastMinuteOverTheFirst() {
        // Ten minutes of 10 s intervals (0.5 s checks between them): 100 for the first two
        // minutes, then 80 from minute 8.
        let list = (0..<60).map { k in
            interval(k, start: Double(k) * 10.5, rate: k < 12 ? 100 : (k >= 45 ? 80 : 90), temperature: 60 + Double(k) / 2,
                     throttled: k >= 45)
        }
        #expect(BurnSummary.window(duration: 600, interval: 10) == 60)
        let s = BurnSummary(suite: .gemm, kernel: "gemm", unit: .gflops, intervals: list, window: 60)
        #expect(s.firstWindowMedian == 100)
        #expect(s.lastWindowMedian == 80)
        #expect(s.sustainRatio == 0.8)
        #expect(s.peakTemperatureC == 89.5)
        #expect(s.throttledIntervals == 15)
        #expect(s.throttleReasons == ["sw-thermal-slowdown"])
        #expect(s.verificationErrors == 0)

        // Short burns use a quarter of the burn (at least an interval); failed intervals do not count.
        #expect(BurnSummary.window(duration: 20, interval: 5) == 5)
        #expect(BurnSummary.window(duration: 6, interval: 2) == 2)
        let short = [interval(0, start: 0, rate: 50), interval(1, start: 10.5, rate: 10, verified: false),
                     interval(2, start: 21, rate: 45)]
        let t = BurnSummary(suite: .gemm, kernel: "gemm", unit: .gflops, intervals: short, window: 10)
        #expect(t.sustainRatio == 0.9)
        #expect(t.verificationErrors == 1)
        #expect(t.medianRate == 47.5)
        #expect(t.throttledIntervals == nil, "throttling unknown without a sensor")
        #expect(BurnSummary(suite: .gemm, kernel: "gemm", unit: .gflops, intervals: [short[0]], window: 10).sustainRatio == nil)
    }

    @Test func durationsParse() {
        #expect(parseDuration("10m") == 600)
        #expect(parseDuration("20s") == 20)
        #expect(parseDuration("1.5h") == 5400)
        #expect(parseDuration("500ms") == 0.5)
        #expect(parseDuration("90") == 90)
        #expect(parseDuration("ten") == nil)
        #expect(parseDuration("-5s") == nil)
    }
}
