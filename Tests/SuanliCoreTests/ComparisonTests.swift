import Testing
@testable import SuanliCore

@Suite struct ComparisonTests {
    func measurement(_ kernel: String, _ samples: [Double], unit: Unit = .gflops, status: MeasurementStatus = .ok) -> Measurement {
        var m = Measurement(device: "cpu", suite: unit == .microseconds ? .latency : .gemm, kernel: kernel, precision: .fp32,
                            size: ["n": 1], unit: unit)
        m.record(samples: samples, verification: status == .failed ? .failed("planted") : .passed)
        return m
    }

    func document(_ measurements: [Measurement]) -> ResultDocument {
        ResultDocument(runID: "r", created: "2026-01-01T00:00:00Z",
                       tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable", openCLKernels: "embedded"),
                       commandLine: [], host: HostInfo.current(), devices: [DeviceDescriptor(host: HostInfo.current())],
                       measurements: measurements, incomplete: false)
    }

    func verdicts(_ base: [Measurement], _ current: [Measurement], threshold: Double = 0.05) -> [String: Verdict] {
        let report = Comparator.compare(baseline: document(base), current: document(current), baselineName: "b",
                                        currentName: "c", options: ComparisonOptions(threshold: threshold))
        return Dictionary(uniqueKeysWithValues: report.rows.map { ($0.key.kernel, $0.verdict) })
    }

    let steady = [100.0, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]

    @Test func clearRegressionImprovementAndNoise() {
        let base = [measurement("slower", steady), measurement("faster", steady), measurement("noisy", [80, 120, 95, 105, 90, 110, 100, 85]),
                    measurement("same", steady)]
        let current = [measurement("slower", steady.map { $0 * 0.8 }), measurement("faster", steady.map { $0 * 1.25 }),
                       measurement("noisy", [70, 125, 88, 112, 84, 118, 92, 100]), measurement("same", steady.map { $0 * 1.01 })]
        let v = verdicts(base, current)
        #expect(v["slower"] == .regression)
        #expect(v["faster"] == .improvement)
        #expect(v["noisy"] == .unchanged, "a shift inside overlapping noise must not count")
        #expect(v["same"] == .unchanged, "1% is under the threshold")
    }

    @Test func polarityForLatency() {
        let base = [measurement("launch", steady, unit: .microseconds)]
        let higher = [measurement("launch", steady.map { $0 * 1.3 }, unit: .microseconds)]
        let lower = [measurement("launch", steady.map { $0 * 0.7 }, unit: .microseconds)]
        #expect(verdicts(base, higher)["launch"] == .regression)
        #expect(verdicts(base, lower)["launch"] == .improvement)
    }

    @Test func missingNewAndFailed() {
        let v = verdicts([measurement("gone", steady), measurement("broken", steady)],
                         [measurement("added", steady), measurement("broken", steady, status: .failed)])
        #expect(v["gone"] == .missing)
        #expect(v["added"] == .new)
        #expect(v["broken"] == .failed)
    }

    @Test func thresholdsArePerSuite() {
        let base = [measurement("k", steady)]
        let current = [measurement("k", steady.map { $0 * 0.9 })]
        let strict = Comparator.compare(baseline: document(base), current: document(current), baselineName: "b", currentName: "c",
                                        options: ComparisonOptions(threshold: 0.05))
        let lenient = Comparator.compare(baseline: document(base), current: document(current), baselineName: "b", currentName: "c",
                                         options: ComparisonOptions(threshold: 0.05, suiteThresholds: [.gemm: 0.2]))
        #expect(strict.rows.first?.verdict == .regression)
        #expect(lenient.rows.first?.verdict == .unchanged)
        #expect(lenient.rows.first?.threshold == 0.2)
    }

    @Test func mannWhitneyKnownValues() throws {
        // Completely separated samples of 8: p ≈ 0.0009 (normal approximation with continuity correction).
        let p = try #require(Comparator.mannWhitneyPValue(Array(1...8).map(Double.init), Array(11...18).map(Double.init)))
        #expect(p < 0.002 && p > 0.0005)
        let same = try #require(Comparator.mannWhitneyPValue([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]))
        #expect(same > 0.9)
        #expect(Comparator.mannWhitneyPValue([1, 2], [3, 4, 5]) == nil)
    }

    @Test func differentHardwareIsNamed() {
        let a = document([])
        var b = document([])
        b.host.cpuModel = "Other CPU"
        #expect(Comparator.hardwareDifference(baseline: a, current: a) == nil)
        #expect(Comparator.hardwareDifference(baseline: a, current: b)?.contains("Other CPU") == true)
    }
}

@Suite struct HTMLReportTests {
    @Test func oneSVGPointPerMeasuredKernel() {
        var measurements: [Measurement] = []
        func add(_ suite: Suite, _ kernel: String, _ size: [String: Int], _ unit: Unit, _ value: Double, status: MeasurementStatus = .ok) {
            var m = Measurement(device: "cpu", suite: suite, kernel: kernel, precision: .fp32, size: size, unit: unit)
            m.record(samples: [value, value * 1.01, value * 0.99], verification: status == .failed ? .failed("x") : .passed)
            measurements.append(m)
        }
        add(.gemm, "gemm", ["m": 512, "n": 512, "k": 512], .gflops, 150)
        for kernel in ["copy", "mul", "add", "triad", "dot"] { add(.stream, kernel, ["n": 1 << 20], .gbps, 30) }
        for f in [4, 16, 64, 256] { add(.roofline, "roofline-f\(f)", ["n": 1 << 20, "flops_per_element": f], .gflops, Double(f) * 5) }
        add(.peak, "fma-best", ["width": 8], .gflops, 230)
        add(.gemm, "gemm", ["m": 64, "n": 64, "k": 64], .gflops, 10, status: .failed)
        let doc = ResultDocument(runID: "r", created: "2026-01-01T00:00:00Z",
                                 tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "avx2-fma", openCLKernels: "embedded"),
                                 commandLine: [], host: HostInfo.current(), devices: [DeviceDescriptor(host: HostInfo.current())],
                                 measurements: measurements, incomplete: false)
        let html = HTMLReport.render([.init(name: "run.json", document: doc)])
        // Verified kernels with an arithmetic intensity: 1 GEMM + 4 stream (copy has none) + 4 roofline.
        #expect(html.components(separatedBy: "<circle class=\"point").count - 1 == 9)
        #expect(html.contains("data-points=\"9\""))
        #expect(html.contains("class=\"ceiling bw\""))
        #expect(html.contains("class=\"ceiling compute\""))
        #expect(html.contains("class=\"measured-curve\""))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || !html.contains("src=\"http"))
        // Two runs of the device give a history.
        var later = doc
        later.created = "2026-02-01T00:00:00Z"
        let two = HTMLReport.render([.init(name: "a.json", document: doc), .init(name: "b.json", document: later)])
        #expect(two.contains("<h3>History</h3>"))
        #expect(two.contains("class=\"spark\""))
    }

    @Test func textIsEscaped() {
        #expect(HTMLReport.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }
}
