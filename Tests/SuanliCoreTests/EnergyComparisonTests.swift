import Testing
@testable import SuanliCore

@Suite struct EnergyComparisonTests {
    let samples = [100.0, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]

    func measurement(watts: Double?, kernel: String = "gemm", unit: Unit = .gflops) -> Measurement {
        var m = Measurement(device: "cpu", suite: unit == .gbps ? .stream : .gemm, kernel: kernel, precision: .fp32,
                            size: ["n": 1], unit: unit)
        m.record(samples: samples, verification: .passed)
        if let watts {
            var e = EnergyRecord(source: "power-command", sensors: ["command"], scope: .wholeNode, seconds: 1, samples: 10)
            e.avgWatts = watts
            e.joules = watts
            m.attachEnergy(e)
        }
        return m
    }

    func document(_ measurements: [Measurement]) -> ResultDocument {
        ResultDocument(runID: "r", created: "2026-01-01T00:00:00Z",
                       tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable", openCLKernels: "embedded"),
                       commandLine: [], host: HostInfo.current(), devices: [DeviceDescriptor(host: HostInfo.current())],
                       measurements: measurements, incomplete: false)
    }

    func compare(_ base: [Measurement], _ current: [Measurement]) -> ComparisonReport {
        Comparator.compare(baseline: document(base), current: document(current), baselineName: "b", currentName: "c",
                           options: ComparisonOptions())
    }

    @Test func sameRateAtHigherPowerIsAnEfficiencyRegression() throws {
        let report = compare([measurement(watts: 100)], [measurement(watts: 150)])
        let rate = try #require(report.rows.first { $0.key.metric == nil })
        let perWatt = try #require(report.rows.first { $0.key.metric == "per-watt" })
        #expect(rate.verdict == .unchanged)
        #expect(perWatt.unit == "GFLOP/s/W")
        #expect(perWatt.verdict == .regression)
        #expect(abs(try #require(perWatt.baseline) - 100.05 / 100) < 1e-9)
        #expect(abs(try #require(perWatt.change) - (100.0 / 150 - 1)) < 1e-9)
        #expect(report.hasRegression)

        let better = compare([measurement(watts: 150, kernel: "triad", unit: .gbps)], [measurement(watts: 100, kernel: "triad", unit: .gbps)])
        #expect(better.rows.first { $0.key.metric == "per-watt" }?.verdict == .improvement)
        #expect(better.rows.first { $0.key.metric == "per-watt" }?.unit == "GB/s/W")
        // Within the threshold: unchanged.
        #expect(compare([measurement(watts: 100)], [measurement(watts: 102)]).rows.first { $0.key.metric == "per-watt" }?.verdict == .unchanged)
    }

    @Test func oneSidedEnergyIsNewOrMissingNeverAFailure() {
        let new = compare([measurement(watts: nil)], [measurement(watts: 150)])
        #expect(new.rows.first { $0.key.metric == "per-watt" }?.verdict == .new)
        let missing = compare([measurement(watts: 150)], [measurement(watts: nil)])
        #expect(missing.rows.first { $0.key.metric == "per-watt" }?.verdict == .missing)
        #expect(!missing.hasFailure && !missing.hasRegression)
        #expect(compare([measurement(watts: nil)], [measurement(watts: nil)]).rows.count == 1, "no sensor, no efficiency row")
    }

    @Test func theEfficiencyOfTheMedianIsRecorded() {
        let m = measurement(watts: 150)
        #expect(m.energy?.gflopsPerWatt == m.median! / 150)
        let latency = measurement(watts: 150, kernel: "launch", unit: .microseconds)
        #expect(latency.energy?.gflopsPerWatt == nil && latency.energy?.gbsPerWatt == nil)
        #expect(latency.perWattMetric == nil)
    }
}
