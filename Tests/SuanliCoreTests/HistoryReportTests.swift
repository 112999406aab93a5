import struct Foundation.Data
import class Foundation.JSONDecoder
import Testing
@testable import SuanliCore

/// `suanli report --history` (issue 21): trend per measurement over the runs, verdicts against
/// the run before, HTML and CSV.
@Suite struct HistoryReportTests {
    static let steady = [100.0, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]

    func run(_ created: String, triad level: Double, copy copyLevel: Double = 1) -> NamedResult {
        func m(_ kernel: String, _ factor: Double) -> Measurement {
            var m = Measurement(device: "cpu", suite: .stream, kernel: kernel, precision: .fp32, size: ["n": 1024], unit: .gbps)
            m.record(samples: Self.steady.map { $0 * factor }, verification: .passed)
            return m
        }
        let document = ResultDocument(runID: "run-" + created, created: created,
                                      tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable",
                                                  openCLKernels: "embedded"),
                                      commandLine: [], host: HostInfo.current(), devices: [DeviceDescriptor(host: HostInfo.current())],
                                      measurements: [m("triad", level), m("copy", copyLevel)], incomplete: false)
        return NamedResult(name: "night-\(created.prefix(10)).json", document: document)
    }

    func count(_ needle: String, in text: String) -> Int {
        text.split(separator: needle, omittingEmptySubsequences: false).count - 1
    }

    @Test func runsInTimeOrderWithVerdictsAgainstTheRunBefore() {
        // Given out of order: the report sorts by creation time.
        let inputs = [run("2026-12-03T02:00:00Z", triad: 0.8), run("2026-12-01T02:00:00Z", triad: 1),
                      run("2026-12-02T02:00:00Z", triad: 1.01), run("2026-12-04T02:00:00Z", triad: 1.0)]
        let history = HistoryReport(inputs)
        #expect(history.runs.map(\.created) == ["2026-12-01T02:00:00Z", "2026-12-02T02:00:00Z", "2026-12-03T02:00:00Z", "2026-12-04T02:00:00Z"])
        let triad = history.series.first { $0.key.kernel == "triad" }!
        #expect(triad.points.map { $0.verdict } == [nil, .unchanged, .regression, .improvement])
        #expect(triad.changes == 2)
        let copy = history.series.first { $0.key.kernel == "copy" }!
        #expect(copy.changes == 0)
        #expect(abs(triad.points[2].change! - (0.8 / 1.01 - 1)) < 1e-9)
    }

    @Test func pageHasOneTrendPerMeasurementWithBandAndMarkedChanges() {
        let history = HistoryReport([run("2026-12-01T02:00:00Z", triad: 1), run("2026-12-02T02:00:00Z", triad: 0.8),
                                     run("2026-12-03T02:00:00Z", triad: 0.8)])
        let html = history.html()
        #expect(count("<svg class=\"trend-chart\"", in: html) == 2)
        #expect(count("<polygon class=\"band\"", in: html) == 2)
        #expect(count("<circle class=\"point", in: html) == 6)
        #expect(count("<text class=\"mark regression\"", in: html) == 1)
        #expect(html.contains("data-changes=\"1\""))
        // The changed measurement comes first.
        let triad = html.firstRange(of: "stream triad")!, copy = html.firstRange(of: "stream copy")!
        #expect(triad.lowerBound < copy.lowerBound)
        #expect(!html.contains("<script"))
    }

    @Test func csvHasARowPerMeasurementAndRun() {
        let history = HistoryReport([run("2026-12-01T02:00:00Z", triad: 1), run("2026-12-02T02:00:00Z", triad: 0.8)])
        let lines = history.csv().split(separator: "\n")
        #expect(lines.count == 1 + 2 * 2)
        #expect(lines[0].hasPrefix("device,suite,kernel,precision,size,unit,file,run_id,created,status,median,p10,p90"))
        #expect(lines.contains { $0.contains("triad") && $0.contains("2026-12-02T02:00:00Z") && $0.contains(",regression,") })
        // The first run of a measurement has no verdict: nothing before it.
        let first = lines.first { $0.contains(",copy,") && $0.contains("2026-12-01T02:00:00Z") }
        #expect(first?.contains(",ok,") == true && first?.hasSuffix(",8,,,,,") == true, "\(first ?? "")")
    }

    @Test func isoTimes() {
        #expect(HistoryReport.seconds("1970-01-01T00:00:00Z") == 0)
        #expect(HistoryReport.seconds("2026-11-25T17:56:39Z") == 1_795_629_399)
        #expect(HistoryReport.seconds("2000-03-01T00:00:00Z") == 951_868_800)
        #expect(HistoryReport.seconds("yesterday") == nil)
    }
}
