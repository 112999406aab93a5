import Testing
@testable import SuanliCore

@Suite struct EnergyReportTests {
    func document(measurements: [Measurement], burn: BurnRecord? = nil) -> ResultDocument {
        let host = HostInfo.current()
        var d = ResultDocument(runID: "r", created: "2026-01-01T00:00:00Z",
                               tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable",
                                           openCLKernels: "embedded"),
                               commandLine: [], host: host, devices: [DeviceDescriptor(host: host)], measurements: measurements,
                               incomplete: false)
        d.burn = burn
        return d
    }

    func measured(_ suite: Suite, _ kernel: String, unit: Unit, median: Double, watts: Double?) -> Measurement {
        var m = Measurement(device: "cpu", suite: suite, kernel: kernel, precision: .fp32,
                            size: suite == .gemm ? ["m": 64, "n": 64, "k": 64] : ["n": 1000], unit: unit)
        m.record(samples: [median * 0.99, median, median * 1.01], verification: .passed)
        if let watts {
            var e = EnergyRecord(source: "power-command", sensors: ["command"], scope: .wholeNode, seconds: 1, samples: 10)
            e.avgWatts = watts
            e.joules = watts
            m.attachEnergy(e)
        }
        return m
    }

    func count(_ pattern: String, in text: String) -> Int { text.components(separatedBy: pattern).count - 1 }

    @Test func efficiencyBarsForEveryMeasurementWithEnergy() {
        let measurements = [measured(.gemm, "gemm", unit: .gflops, median: 300, watts: 150),
                            measured(.stream, "triad", unit: .gbps, median: 30, watts: 150),
                            measured(.stream, "copy", unit: .gbps, median: 40, watts: nil)]
        let html = HTMLReport.render([.init(name: "run.json", document: document(measurements: measurements))])
        #expect(count("<svg class=\"efficiency-chart\"", in: html) == 2, "one chart per unit")
        #expect(html.contains("data-bars=\"1\""))
        #expect(count("<rect class=\"bar", in: html) == 2)
        #expect(html.contains("data-value=\"2.00\""), "300 GFLOP/s at 150 W")
        #expect(html.contains("<th>per W</th>"))
        #expect(html.contains("2.00 GFLOP/s/W"))
        #expect(HTMLReport.efficiencyBars(measurements).count == 2)
        // Without energy there is neither chart nor column.
        let plain = HTMLReport.render([.init(name: "run.json", document: document(measurements: [measurements[2]]))])
        #expect(!plain.contains("efficiency-chart") && !plain.contains("<th>per W</th>"))
    }

    @Test func burnTimelineDrawsEveryIntervalAndMarksFailures() {
        var burn = BurnRecord(device: "cpu", suites: [.gemm], durationSeconds: 3, intervalSeconds: 1)
        for k in 0..<3 {
            var i = BurnInterval(index: k, suite: .gemm, kernel: "gemm", startSeconds: Double(k) * 1.1, unit: .gflops)
            i.seconds = 1
            i.runs = 4
            i.rate = 100 - Double(k)
            i.verified = k != 1
            i.error = k == 1 ? "planted" : nil
            i.avgWatts = 150
            i.temperatureC = 60 + Double(k)
            i.throttled = k == 2
            i.throttleReasons = k == 2 ? ["sw-thermal-slowdown"] : nil
            burn.intervals.append(i)
        }
        burn.elapsedSeconds = 3.2
        burn.summary = [BurnSummary(suite: .gemm, kernel: "gemm", unit: .gflops, intervals: burn.intervals, window: 1)]
        let html = HTMLReport.render([.init(name: "burn.json", document: document(measurements: [], burn: burn))])
        // Rate, power and temperature panels, three intervals each.
        #expect(count("<svg class=\"burn-timeline\"", in: html) == 3)
        #expect(count("data-intervals=\"3\"", in: html) == 3)
        #expect(count("<circle class=\"interval ok\"", in: html) == 6)
        #expect(count("<circle class=\"interval failed\"", in: html) == 3)
        #expect(count("<rect class=\"throttled-band\"", in: html) == 3)
        #expect(html.contains("sustain ratio"))
    }
}
