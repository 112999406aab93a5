import Testing
@testable import SuanliCore

/// `compare` and `report` with the memory-hierarchy suites: ns lower is better, GB/s higher, and
/// the report draws a ceiling per level and the latency curve against working set.
@Suite struct MemoryHierarchyReportTests {
    func document(_ measurements: [Measurement], created: String = "2026-01-01T00:00:00Z") -> ResultDocument {
        var device = DeviceDescriptor(host: HostInfo.current())
        device.caches = [CacheLevel(level: 1, type: "Data", sizeBytes: 32 << 10, sharedByCPUs: 1),
                         CacheLevel(level: 1, type: "Instruction", sizeBytes: 32 << 10, sharedByCPUs: 1),
                         CacheLevel(level: 2, type: "Unified", sizeBytes: 1 << 20, sharedByCPUs: 1),
                         CacheLevel(level: 3, type: "Unified", sizeBytes: 32 << 20, sharedByCPUs: 2)]
        return ResultDocument(runID: "r", created: created,
                              tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable",
                                          openCLKernels: "embedded"),
                              commandLine: [], host: HostInfo.current(), devices: [device], measurements: measurements,
                              incomplete: false)
    }

    func sweepPoint(_ suite: Suite, _ bytes: Int, _ samples: [Double]) -> Measurement {
        var m = Measurement(device: "cpu", suite: suite, kernel: suite == .cache ? "read" : "chase", precision: nil,
                            size: ["bytes": bytes], unit: suite == .cache ? .gbps : .nanoseconds)
        m.record(samples: samples, verification: .passed)
        m.parameters = ["threads": "2"]
        return m
    }

    let steady = [10.0, 10.1, 9.9, 10.05, 9.95, 10.02, 9.98, 10.01]

    @Test func compareTakesNanosecondsAsLowerIsBetterAndBandwidthAsHigher() {
        let base = document([sweepPoint(.memlat, 1 << 20, steady), sweepPoint(.memlat, 4 << 20, steady),
                             sweepPoint(.cache, 1 << 20, steady), sweepPoint(.cache, 4 << 20, steady)])
        let current = document([sweepPoint(.memlat, 1 << 20, steady.map { $0 * 1.3 }), sweepPoint(.memlat, 4 << 20, steady.map { $0 * 0.7 }),
                                sweepPoint(.cache, 1 << 20, steady.map { $0 * 1.3 }), sweepPoint(.cache, 4 << 20, steady.map { $0 * 0.7 })])
        let report = Comparator.compare(baseline: base, current: current, baselineName: "b", currentName: "c", options: ComparisonOptions())
        func verdict(_ suite: Suite, _ bytes: Int) -> Verdict? {
            report.rows.first { $0.key.suite == suite.rawValue && $0.key.size == "bytes=\(bytes)" }?.verdict
        }
        #expect(verdict(.memlat, 1 << 20) == .regression, "slower loads")
        #expect(verdict(.memlat, 4 << 20) == .improvement)
        #expect(verdict(.cache, 1 << 20) == .improvement, "more bandwidth")
        #expect(verdict(.cache, 4 << 20) == .regression)
        #expect(report.rows.allSatisfy { ($0.unit == "ns") == !$0.higherIsBetter })
    }

    /// A full sweep whose plateaus match the reported caches.
    func hierarchyRun() -> ResultDocument {
        let bw = SyntheticCurve.values([(64 << 10, 420), (2 << 20, 160), (32 << 20, 70)], memory: 25, noise: 0.03)
        let lat = SyntheticCurve.values([(32 << 10, 1.2), (1 << 20, 3.5), (32 << 20, 11)], memory: 90, noise: 0.03, seed: 5)
        var ms: [Measurement] = []
        for (i, size) in SyntheticCurve.sizes.enumerated() {
            ms.append(sweepPoint(.cache, size, [bw[i]]))
            ms.append(sweepPoint(.memlat, size, [lat[i]]))
        }
        var peak = Measurement(device: "cpu", suite: .peak, kernel: "fma-best", precision: .fp32, size: ["width": 8], unit: .gflops)
        peak.record(samples: [300], verification: .passed)
        return document(ms + [peak])
    }

    @Test func resultRecordsTheLevelsItFound() {
        let doc = hierarchyRun()
        #expect(doc.hierarchy?.map(\.level) == ["L1", "L2", "L3", "DRAM"])
        #expect(doc.hierarchy?.first?.reportedBytes == 32 << 10)
        #expect(doc.hierarchyLevels(of: "cpu").count == 4)
    }

    @Test func reportDrawsACeilingPerLevelAndTheLatencyCurve() {
        let doc = hierarchyRun()
        let html = HTMLReport.render([.init(name: "run.json", document: doc)])
        #expect(html.contains("data-levels=\"4\""))
        for level in ["L1", "L2", "L3", "DRAM"] {
            #expect(html.contains("class=\"ceiling level level-") && html.contains("data-level=\"\(level)\""), "\(level)")
        }
        #expect(html.components(separatedBy: "<polyline class=\"ceiling level").count - 1 == 4)
        // The latency chart: every memlat point, on a log axis of working sets from 4 KiB.
        let latencyChart = html.components(separatedBy: "<svg class=\"sweep-chart\" data-suite=\"memlat\"").dropFirst().first ?? ""
        #expect(latencyChart.contains("data-points=\"\(SyntheticCurve.sizes.count)\""))
        #expect(latencyChart.components(separatedBy: "<circle class=\"point chase\"").count - 1 == SyntheticCurve.sizes.count)
        #expect(latencyChart.contains(">4 KiB<") && latencyChart.contains(">256 MiB<"))
        #expect(latencyChart.contains("L1 32 KiB"), "the reported size is marked")
        #expect(html.contains("<svg class=\"sweep-chart\" data-suite=\"cache\""))
        #expect(html.contains("<table class=\"hierarchy\">"))
    }

    @Test func aReportWithoutTheSweepsHasNoSweepCharts() {
        var peak = Measurement(device: "cpu", suite: .peak, kernel: "fma-best", precision: .fp32, size: ["width": 8], unit: .gflops)
        peak.record(samples: [300], verification: .passed)
        let html = HTMLReport.render([.init(name: "run.json", document: document([peak]))])
        #expect(!html.contains("sweep-chart"))
        #expect(html.contains("data-levels=\"0\""))
    }
}
