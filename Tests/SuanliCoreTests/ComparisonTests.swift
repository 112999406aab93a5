import struct Foundation.Data
import class Foundation.JSONDecoder
import struct Foundation.URL
import Testing
#if canImport(Glibc)
import Glibc
#endif
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

    func rows(_ base: [Measurement], _ current: [Measurement], threshold: Double = 0.05) -> [String: ComparisonRow] {
        let report = Comparator.compare(baseline: document(base), current: document(current), baselineName: "b",
                                        currentName: "c", options: ComparisonOptions(threshold: threshold))
        return Dictionary(uniqueKeysWithValues: report.rows.map { ($0.key.kernel, $0) })
    }

    func verdicts(_ base: [Measurement], _ current: [Measurement], threshold: Double = 0.05) -> [String: Verdict] {
        rows(base, current, threshold: threshold).mapValues(\.verdict)
    }

    let steady = [100.0, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]

    @Test func clearRegressionImprovementNoiseAndSame() {
        let base = [measurement("slower", steady), measurement("faster", steady), measurement("noisy", [80, 120, 95, 105, 90, 110, 100, 85]),
                    measurement("same", steady)]
        let current = [measurement("slower", steady.map { $0 * 0.8 }), measurement("faster", steady.map { $0 * 1.25 }),
                       measurement("noisy", [70, 125, 88, 112, 84, 118, 92, 100]), measurement("same", steady.map { $0 * 1.01 })]
        let r = rows(base, current)
        #expect(r["slower"]?.verdict == .regression)
        #expect(r["faster"]?.verdict == .improvement)
        #expect(r["noisy"]?.verdict == .inconclusive, "a spread of ±20% cannot tell a few percent: never 'unchanged'")
        #expect(r["noisy"]?.reason?.contains("wide") == true)
        #expect(r["same"]?.verdict == .unchanged, "1% with a tight interval is within the threshold")
        let slower = r["slower"]!.interval!
        #expect(slower.method == .hodgesLehmann)
        #expect(abs(slower.change - -0.2) < 1e-9, "every sample scaled by 0.8: the shift is exactly -20%")
        #expect(slower.low! <= -0.2 && slower.high! >= -0.2 && slower.high! < -0.05)
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
        #expect(strict.counts["regression"] == 1 && strict.counts["inconclusive"] == 0)
    }

    // MARK: the four planted cases of issue 11, on a real result file's samples

    /// The committed reference run of this machine's CPU (release build, all suites).
    static func referenceRun() throws -> ResultDocument {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try ResultStore.read(root.appendingPathComponent("Results/20261125T175639-vm-88b70e4c.json").path)
    }

    func planted(_ kernel: String, _ precision: Precision, edit: (inout [Double]) -> Void) throws -> ComparisonRow {
        let reference = try Self.referenceRun()
        let original = try #require(reference.measurements.first { $0.kernel == kernel && $0.precision == precision && $0.status == .ok })
        var changed = original
        var samples = original.samples
        edit(&samples)
        changed.record(samples: samples, verification: .passed)
        let report = Comparator.compare(baseline: document([original]), current: document([changed]), baselineName: "reference",
                                        currentName: "planted", options: ComparisonOptions())
        return try #require(report.rows.first)
    }

    @Test func gemmTenPercentSlowerWithOneSampleLeftAtItsOldValue() throws {
        let row = try planted("gemm", .fp32) { s in
            for i in s.indices.dropFirst() { s[i] *= 0.9 }
        }
        #expect(row.verdict == .regression, "\(row.reason ?? "")")
    }

    @Test func triadFifteenPercentSlower() throws {
        let row = try planted("triad", .fp32) { s in s = s.map { $0 * 0.85 } }
        #expect(row.verdict == .regression, "\(row.reason ?? "")")
    }

    @Test func triadFifteenPercentSlowerWithOneOutlier() throws {
        let row = try planted("triad", .fp32) { s in
            s = s.map { $0 * 0.85 }
            s[3] = 80 // twice the real bandwidth: a sample no slowdown explains
        }
        #expect(row.verdict == .regression, "\(row.reason ?? "")")
    }

    @Test func sixPercentOnFiveWidelySpreadSamplesIsInconclusive() throws {
        let reference = try Self.referenceRun()
        let copy = try #require(reference.measurements.first { $0.kernel == "copy" && $0.precision == .fp64 })
        var base = copy, current = copy
        base.record(samples: Array(copy.samples.prefix(5)), verification: .passed)
        current.record(samples: Array(copy.samples.prefix(5)).map { $0 * 0.94 }, verification: .passed)
        #expect((base.cv ?? 0) > 0.05, "the five samples spread widely")
        let report = Comparator.compare(baseline: document([base]), current: document([current]), baselineName: "b", currentName: "c",
                                        options: ComparisonOptions())
        let row = try #require(report.rows.first)
        #expect(row.verdict == .inconclusive, "it cannot know, and must not say unchanged")
        #expect(row.reason?.contains("wide") == true && row.reason?.contains("would settle it") == true, "\(row.reason ?? "")")
    }

    // MARK: repeats and several files per side

    @Test func driftBetweenRepeatsWidensTheInterval() {
        // Tight samples inside each run, but the runs themselves drift by ±10%.
        func run(_ level: Double) -> Measurement { measurement("k", steady.map { $0 * level / 100 }) }
        let base = [run(100), run(90), run(110)]
        let current = [run(90), run(81), run(99)]
        let one = Comparator.compare(baseline: document([base[0]]), current: document([current[0]]), baselineName: "b", currentName: "c",
                                     options: ComparisonOptions())
        #expect(one.rows[0].verdict == .regression, "one run per side sees only the noise inside a run")
        #expect(one.usesWithinRunIntervals)
        let three = Comparator.compare(baselines: base.map { NamedResult(name: "b", document: document([$0])) },
                                       currents: current.map { NamedResult(name: "c", document: document([$0])) },
                                       options: ComparisonOptions())
        let row = three.rows[0]
        let interval = row.interval!
        #expect(interval.method == .betweenRepeats)
        #expect(interval.baselineRepeats == 3 && interval.currentRepeats == 3)
        #expect(interval.baselineSamples == 3 * steady.count)
        #expect(abs(interval.change - -0.1) < 1e-9)
        #expect(row.verdict == .inconclusive, "the drift between runs makes -10% uncertain: \(row.reason ?? "")")
        #expect(row.reason?.contains("repeats per side") == true)
        #expect(!three.usesWithinRunIntervals)
    }

    @Test func aRepeatFileCountsItsRepeats() {
        var base = measurement("k", steady + steady.map { $0 * 1.01 } + steady.map { $0 * 0.99 })
        base.repeatMedians = [100.05, 101.05, 99.05]
        base.repeatSampleCounts = [8, 8, 8]
        var current = measurement("k", (steady + steady.map { $0 * 1.01 } + steady.map { $0 * 0.99 }).map { $0 * 0.8 })
        current.repeatMedians = [80.04, 80.84, 79.24]
        current.repeatSampleCounts = [8, 8, 8]
        let row = rows([base], [current])["k"]!
        #expect(row.interval?.method == .betweenRepeats)
        #expect(row.interval?.currentRepeats == 3)
        #expect(row.verdict == .regression)
    }

    @Test func oneSideWithRepeatsUsesTheSamples() {
        let base = [measurement("k", steady), measurement("k", steady)]
        let report = Comparator.compare(baselines: base.map { NamedResult(name: "b", document: document([$0])) },
                                        currents: [NamedResult(name: "c", document: document([measurement("k", steady)]))],
                                        options: ComparisonOptions())
        #expect(report.rows[0].interval?.method == .hodgesLehmann)
        #expect(report.rows[0].interval?.baselineRepeats == 2)
        #expect(report.rows[0].interval?.baselineSamples == 2 * steady.count)
    }

    @Test func aRecordCarriesTheIntervalAndReadsOldFiles() throws {
        let row = rows([measurement("k", steady)], [measurement("k", steady.map { $0 * 0.8 })])["k"]!
        let record = ComparisonRecord(row: row, baselineFile: "a.json", confidence: 0.95)
        #expect(record.verdict == .regression && record.changeLow == row.interval?.low && record.method == .hodgesLehmann)
        let old = #"{"baseline_file":"a.json","baseline_median":1,"change":-0.2,"threshold":0.05,"confidence":0.99,"p_value":0.001,"verdict":"regression"}"#
        let decoded = try JSONDecoder().decode(ComparisonRecord.self, from: Data(old.utf8))
        #expect(decoded.pValue == 0.001 && decoded.changeLow == nil && decoded.verdict == .regression)
    }

    @Test func differentHardwareIsNamed() {
        let a = document([])
        var b = document([])
        b.host.cpuModel = "Other CPU"
        #expect(Comparator.hardwareDifference(baseline: a, current: a) == nil)
        #expect(Comparator.hardwareDifference(baseline: a, current: b)?.contains("Other CPU") == true)
    }
}

@Suite struct VerdictTests {
    func estimate(_ low: Double?, _ high: Double?, change: Double? = nil, method: ChangeEstimate.Method = .hodgesLehmann) -> ChangeEstimate {
        ChangeEstimate(change: change ?? ((low ?? 0) + (high ?? 0)) / 2, low: low, high: high, confidence: 0.95, method: method,
                       baselineRepeats: method == .betweenRepeats ? 3 : 1, currentRepeats: method == .betweenRepeats ? 3 : 1,
                       baselineSamples: 10, currentSamples: 10)
    }

    @Test func theWholeIntervalDecides() {
        #expect(Comparator.verdict(for: estimate(-0.12, -0.06), threshold: 0.05, higherIsBetter: true).0 == .regression)
        #expect(Comparator.verdict(for: estimate(-0.12, -0.06), threshold: 0.05, higherIsBetter: false).0 == .improvement)
        #expect(Comparator.verdict(for: estimate(0.06, 0.12), threshold: 0.05, higherIsBetter: false).0 == .regression)
        #expect(Comparator.verdict(for: estimate(-0.04, 0.03), threshold: 0.05, higherIsBetter: true).0 == .unchanged)
        #expect(Comparator.verdict(for: estimate(-0.05, 0.05), threshold: 0.05, higherIsBetter: true).0 == .unchanged)
        #expect(Comparator.verdict(for: estimate(-0.08, -0.02), threshold: 0.05, higherIsBetter: true).0 == .inconclusive)
        #expect(Comparator.verdict(for: estimate(-0.5, 0.5), threshold: 0.05, higherIsBetter: true).0 == .inconclusive)
    }

    @Test func inconclusiveSaysHowWideAndWhatSettlesIt() {
        let (verdict, reason) = Comparator.verdict(for: estimate(-0.12, 0.0, change: -0.06), threshold: 0.05, higherIsBetter: true)
        #expect(verdict == .inconclusive)
        #expect(reason.contains("12% wide"), "\(reason)")
        #expect(reason.contains("crosses -5%"), "\(reason)")
        #expect(reason.contains("samples per side"), "\(reason)")
        let repeats = Comparator.verdict(for: estimate(-0.12, 0.0, change: -0.06, method: .betweenRepeats), threshold: 0.05, higherIsBetter: true).1
        #expect(repeats.contains("repeats per side"), "\(repeats)")
        let atThreshold = Comparator.verdict(for: estimate(-0.07, -0.03, change: -0.05), threshold: 0.05, higherIsBetter: true).1
        #expect(atThreshold.contains("sits at the threshold"), "\(atThreshold)")
        let unbounded = Comparator.verdict(for: estimate(nil, nil, change: -0.3), threshold: 0.05, higherIsBetter: true)
        #expect(unbounded.0 == .inconclusive)
        #expect(unbounded.1.contains("at least 4 samples per side"), "\(unbounded.1)")
    }
}

@Suite struct IntervalEstimatorTests {
    @Test func normalAndStudentQuantiles() {
        #expect(abs(Distributions.normalQuantile(0.975) - 1.959964) < 1e-6)
        #expect(abs(Distributions.normalQuantile(0.005) + 2.575829) < 1e-6)
        // Tables of Student's t.
        #expect(abs(Distributions.studentTQuantile(0.975, df: 1) - 12.7062) < 1e-3)
        #expect(abs(Distributions.studentTQuantile(0.975, df: 4) - 2.776445) < 1e-5)
        #expect(abs(Distributions.studentTQuantile(0.995, df: 2) - 9.924843) < 1e-5)
        #expect(abs(Distributions.studentTQuantile(0.975, df: 30) - 2.042272) < 1e-5)
        #expect(abs(Distributions.studentTQuantile(0.025, df: 4) + 2.776445) < 1e-5)
        let fractional = Distributions.studentTQuantile(0.975, df: 4.5)
        #expect(fractional < 2.776445 && fractional > Distributions.studentTQuantile(0.975, df: 5))
        // I_0.5(2, 3) = 11/16.
        #expect(abs(Distributions.regularizedIncompleteBeta(0.5, a: 2, b: 3) - 0.6875) < 1e-12)
    }

    @Test func exactMannWhitneyDistribution() {
        // 3 vs 3: 20 equally likely orders; U = 0, 1, 2 in 1, 1, 2 of them.
        let three = Distributions.mannWhitneyCumulative(3, 3)
        #expect(three.count == 10)
        #expect(abs(three[0] - 1.0 / 20) < 1e-12 && abs(three[1] - 2.0 / 20) < 1e-12 && abs(three[2] - 4.0 / 20) < 1e-12)
        #expect(abs(three[9] - 1) < 1e-12)
        // 5 vs 5: 252 orders; U ≤ 3 in 1 + 1 + 2 + 3 of them.
        let five = Distributions.mannWhitneyCumulative(5, 5)
        #expect(abs(five[3] - 7.0 / 252) < 1e-12)
        // Symmetric in the two sizes.
        #expect(Distributions.mannWhitneyCumulative(3, 7) == Distributions.mannWhitneyCumulative(7, 3))
    }

    @Test func intervalRanks() {
        #expect(Distributions.shiftIntervalRank(3, 3, confidence: 0.95) == nil, "3 vs 3 cannot give a 95% interval")
        #expect(Distributions.shiftIntervalRank(3, 3, confidence: 0.90) == 1)
        #expect(Distributions.shiftIntervalRank(4, 4, confidence: 0.95) == 1)
        #expect(Distributions.shiftIntervalRank(5, 5, confidence: 0.95) == 3)
        #expect(Distributions.shiftIntervalRank(5, 5, confidence: 0.99) == 1)
        #expect(Distributions.shiftIntervalRank(4, 5, confidence: 0.99) == nil)
        #expect(Comparator.minimumSamplesPerSide(confidence: 0.95) == 4)
        #expect(Comparator.minimumSamplesPerSide(confidence: 0.99) == 5)
        // The normal approximation used beyond 2,500 pairs agrees with the exact ranks near the limit.
        let exact = Distributions.shiftIntervalRank(50, 50, confidence: 0.95)!
        let nm = 2500.0, sd = (nm * 101 / 12).squareRoot()
        let approximate = Int((nm / 2 - Distributions.normalQuantile(0.975) * sd).rounded(.down))
        #expect(abs(exact - approximate) <= 2)
    }

    @Test func hodgesLehmannOnKnownSamples() {
        // Differences of [4, 5, 6] − [1, 2, 3]: 1, 2, 2, 3, 3, 3, 4, 4, 5.
        let ninety = ChangeEstimator.hodgesLehmann(baseline: [1, 2, 3], current: [4, 5, 6], confidence: 0.90)
        #expect(ninety.shift == 3 && ninety.low == 1 && ninety.high == 5)
        let ninetyFive = ChangeEstimator.hodgesLehmann(baseline: [1, 2, 3], current: [4, 5, 6], confidence: 0.95)
        #expect(ninetyFive.shift == 3 && ninetyFive.low == nil && ninetyFive.high == nil)
        // 5 vs 5 at 95%: the 3rd smallest and 3rd largest of 25 differences.
        let five = ChangeEstimator.hodgesLehmann(baseline: [0, 0, 0, 0, 0], current: [1, 2, 3, 4, 5], confidence: 0.95)
        #expect(five.shift == 3 && five.low == 1 && five.high == 5)
        let spread = ChangeEstimator.hodgesLehmann(baseline: [0, 10, 20, 30, 40], current: [0, 10, 20, 30, 40], confidence: 0.95)
        #expect(spread.shift == 0 && spread.low == -30 && spread.high == 30)
    }

    @Test func outliersDoNotMoveTheEstimate() throws {
        let base = (0..<10).map { 100 + Double($0 % 3) }
        var current = base.map { $0 * 0.9 }
        current[4] = 10_000
        current[7] = 1
        let e = try #require(ChangeEstimator.estimate(baseline: ComparedSide(samples: base, repeatMedians: [101]),
                                                      current: ComparedSide(samples: current, repeatMedians: [91]), confidence: 0.95))
        #expect(abs(e.change - -0.1) < 0.01, "two wild samples of ten leave the shift at -10%: \(e.change)")
        #expect(e.high! < -0.05)
    }

    @Test func tiesAndZeroSpread() throws {
        func estimate(_ b: [Double], _ c: [Double]) throws -> ChangeEstimate {
            try #require(ChangeEstimator.estimate(baseline: ComparedSide(samples: b, repeatMedians: [Summary(b)!.median]),
                                                  current: ComparedSide(samples: c, repeatMedians: [Summary(c)!.median]), confidence: 0.95))
        }
        let same = try estimate(Array(repeating: 100, count: 10), Array(repeating: 100, count: 10))
        #expect(same.change == 0 && same.low == 0 && same.high == 0)
        #expect(Comparator.verdict(for: same, threshold: 0.05, higherIsBetter: true).0 == .unchanged)
        let shifted = try estimate(Array(repeating: 100, count: 10), Array(repeating: 90, count: 10))
        #expect(abs(shifted.change - -0.1) < 1e-12 && abs(shifted.low! - -0.1) < 1e-12 && abs(shifted.high! - -0.1) < 1e-12)
        let tied = try estimate([100, 100, 100, 101, 101], [100, 100, 100, 101, 101])
        #expect(tied.change == 0 && tied.low! >= -0.0100001 && tied.high! <= 0.0100001)
        // No relative change from a zero figure.
        #expect(ChangeEstimator.estimate(baseline: ComparedSide(samples: [0, 1, 2], repeatMedians: [1]),
                                         current: ComparedSide(samples: [1, 2, 3], repeatMedians: [2]), confidence: 0.95) == nil)
    }

    @Test func welchIntervalOnKnownValues() {
        // Means 1 and 4, variances 1 and 1, 3 each: df = 4, half-width t(0.975, 4)·√(2/3).
        let w = ChangeEstimator.welchInterval(baseline: [0, 1, 2], current: [3, 4, 5], confidence: 0.95)
        let half = 2.776445 * (2.0 / 3).squareRoot()
        #expect(abs(w.shift - 3) < 1e-12 && abs(w.low - (3 - half)) < 1e-5 && abs(w.high - (3 + half)) < 1e-5)
    }

    @Test func repeatsCombineIntoOneMeasurement() {
        func run(_ samples: [Double], status: MeasurementStatus = .ok) -> Measurement {
            var m = Measurement(device: "cpu", suite: .stream, kernel: "triad", precision: .fp32, size: ["n": 1], unit: .gbps)
            m.record(samples: samples, verification: status == .failed ? .failed("wrong output") : .passed, peak: 50, peakBasis: "test")
            return m
        }
        let combined = run([10, 11, 12]).addingRepeat(run([20, 21, 22, 23])).addingRepeat(run([30, 31]))
        #expect(combined.repeatMedians == [11, 21.5, 30.5])
        #expect(combined.repeatSampleCounts == [3, 4, 2])
        #expect(combined.samples == [10, 11, 12, 20, 21, 22, 23, 30, 31])
        #expect(combined.median == 21 && combined.min == 10 && combined.max == 31)
        #expect(combined.status == .ok && combined.repeatCount == 3)
        let failed = run([10, 11, 12]).addingRepeat(run([1, 2, 3], status: .failed)).addingRepeat(run([10, 11]))
        #expect(failed.status == .failed)
        #expect(failed.reason?.hasPrefix("repeat 2: ") == true)
        let implausible = run([10, 11]).addingRepeat(run([90, 91, 92]))
        #expect(implausible.status == .implausible, "the median over all repeats is checked against the peak again")
    }

    @Test func energyOfRepeatsAddsUp() throws {
        func run(_ samples: [Double], watts: Double, seconds: Double) -> Measurement {
            var m = Measurement(device: "cpu", suite: .gemm, kernel: "gemm", precision: .fp32, size: ["n": 1], unit: .gflops)
            m.record(samples: samples, verification: .passed)
            var e = EnergyRecord(source: "power-command", sensors: ["command"], scope: .wholeNode, seconds: seconds, samples: 10)
            e.avgWatts = watts
            e.joules = watts * seconds
            e.maxWatts = watts + 5
            m.energy = e
            return m
        }
        let combined = run([100, 100, 100], watts: 100, seconds: 1).addingRepeat(run([90, 90, 90], watts: 200, seconds: 3))
        let energy = try #require(combined.energy)
        #expect(energy.seconds == 4 && energy.joules == 700 && energy.avgWatts == 175 && energy.maxWatts == 205)
        #expect(energy.gflopsPerWatt == combined.median! / 175)
        // Per watt, the repeat medians are divided by the watts too.
        let perWatt = try #require(combined.perWattMetric)
        #expect(perWatt.measurement.repeatMedians == [100.0 / 175, 90.0 / 175])
    }

    @Test func suiteOrderRotatesWithEachRepeat() {
        let suites: [Suite] = [.gemm, .stream, .peak]
        #expect(BenchRunner.rotated(suites, by: 0) == [.gemm, .stream, .peak])
        #expect(BenchRunner.rotated(suites, by: 1) == [.stream, .peak, .gemm])
        #expect(BenchRunner.rotated(suites, by: 2) == [.peak, .gemm, .stream])
        #expect(BenchRunner.rotated(suites, by: 3) == suites)
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

    @Test func comparedMetricsDrawTheirIntervalAgainstTheThresholdBand() {
        func compared(_ kernel: String, change: Double, low: Double?, high: Double?, verdict: Verdict) -> Measurement {
            var m = Measurement(device: "cpu", suite: .stream, kernel: kernel, precision: .fp32, size: ["n": 1 << 20], unit: .gbps)
            m.record(samples: [30, 30.3, 29.7], verification: .passed)
            let estimate = ChangeEstimate(change: change, low: low, high: high, confidence: 0.95, method: .hodgesLehmann,
                                          baselineRepeats: 1, currentRepeats: 1, baselineSamples: 3, currentSamples: 3)
            let row = ComparisonRow(key: MeasurementKey(m), unit: "GB/s", higherIsBetter: true, baseline: 33, current: 30, change: change,
                                    interval: low == nil ? nil : estimate, threshold: 0.05, verdict: verdict, reason: "planted <reason>")
            m.comparison = ComparisonRecord(row: row, baselineFile: "base.json", confidence: 0.95)
            return m
        }
        let measurements = [compared("triad", change: -0.1, low: -0.14, high: -0.07, verdict: .regression),
                            compared("copy", change: -0.02, low: nil, high: nil, verdict: .inconclusive)]
        let doc = ResultDocument(runID: "r", created: "2026-01-01T00:00:00Z",
                                 tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "avx2-fma", openCLKernels: "embedded"),
                                 commandLine: [], host: HostInfo.current(), devices: [DeviceDescriptor(host: HostInfo.current())],
                                 measurements: measurements, incomplete: false)
        let html = HTMLReport.render([.init(name: "run.json", document: doc)])
        #expect(html.contains("<svg class=\"comparison-chart\""))
        #expect(html.contains("data-intervals=\"2\""))
        #expect(html.components(separatedBy: "<rect class=\"change-band\"").count - 1 == 2)
        #expect(html.components(separatedBy: "<line class=\"change-interval").count - 1 == 2)
        #expect(html.contains("class=\"change-interval verdict-regression\""))
        #expect(html.contains("class=\"change-interval verdict-inconclusive change-unbounded\""))
        #expect(html.contains("data-low=\"-0.14\" data-high=\"-0.07\" data-threshold=\"0.05\""))
        #expect(html.contains("planted &lt;reason&gt;"))
        #expect(html.contains("Compared with base.json"))
        // Without comparisons, no chart.
        var plain = doc
        plain.measurements = plain.measurements.map { var m = $0; m.comparison = nil; return m }
        #expect(!HTMLReport.render([.init(name: "run.json", document: plain)]).contains("comparison-chart"))
    }

    @Test func textIsEscaped() {
        #expect(HTMLReport.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }
}

/// The fast selection of pairwise differences against sorting all of them (issue 21).
@Suite struct PairwiseDifferenceSelectionTests {
    /// SplitMix64: reproducible inputs.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Values with many ties (a few levels), or continuous ones, or a mix.
    func values(_ count: Int, style: Int, _ g: inout Generator) -> [Double] {
        (0..<count).map { _ in
            switch style {
            case 0: Double(Int.random(in: 0..<4, using: &g))
            case 1: log(Double.random(in: 50...150, using: &g))
            default: Bool.random(using: &g) ? 1.5 : log(Double(Int.random(in: 90...110, using: &g)))
            }
        }
    }

    func same(_ a: (shift: Double, low: Double?, high: Double?), _ b: (shift: Double, low: Double?, high: Double?)) -> Bool {
        a.shift.bitPattern == b.shift.bitPattern && a.low?.bitPattern == b.low?.bitPattern && a.high?.bitPattern == b.high?.bitPattern
    }

    @Test func everyRankMatchesTheSortedDifferences() {
        var g = Generator(state: 21)
        for trial in 0..<300 {
            let n = Int.random(in: 1...30, using: &g), m = Int.random(in: 1...30, using: &g)
            let current = values(n, style: trial % 3, &g), baseline = values(m, style: (trial / 3) % 3, &g)
            let sorted = current.flatMap { c in baseline.map { c - $0 } }.sorted()
            let differences = PairwiseDifferences(current: current, baseline: baseline)
            #expect(differences.count == sorted.count)
            for rank in 0..<sorted.count {
                let value = differences.select(rank)
                #expect(value.bitPattern == sorted[rank].bitPattern, "rank \(rank) of \(n)×\(m), trial \(trial)")
                if rank + 1 < sorted.count {
                    let (a, b) = differences.selectAdjacent(rank)
                    #expect(a.bitPattern == sorted[rank].bitPattern && b.bitPattern == sorted[rank + 1].bitPattern,
                            "ranks \(rank), \(rank + 1) of \(n)×\(m), trial \(trial)")
                }
            }
        }
    }

    @Test func hodgesLehmannFastEqualsDirectOnRandomInputs() {
        var g = Generator(state: 2026)
        for trial in 0..<120 {
            // Unequal sizes, past the exact U limit too (n·m > 2,500), and past the selection's cutoff.
            let n = Int.random(in: 1...260, using: &g), m = Int.random(in: 1...260, using: &g)
            let current = values(n, style: trial % 3, &g), baseline = values(m, style: (trial / 3) % 3, &g)
            for confidence in [0.9, 0.95, 0.99] {
                let fast = ChangeEstimator.hodgesLehmann(baseline: baseline, current: current, confidence: confidence)
                let direct = ChangeEstimator.hodgesLehmannDirect(baseline: baseline, current: current, confidence: confidence)
                #expect(same(fast, direct), "\(n)×\(m) at \(confidence), trial \(trial): \(fast) vs \(direct)")
            }
        }
    }

    /// Every pair of verified measurements of one kernel in the committed reference files (up to
    /// 200,000 differences, to keep the debug build's sorting short), as the comparison takes them
    /// (log samples): the fast method returns the same order statistics, so every verdict on
    /// those files is today's.
    @Test func referenceFilesGiveTheSameIntervalsAndVerdicts() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let names = ["Results/20261125T175639-vm-88b70e4c.json", "Results/20261125T180027-vm-31c790c3.json"]
        let documents = try names.map { try ResultStore.read(root.appendingPathComponent($0).path) }
        let usable = documents.flatMap(\.measurements).filter { $0.status == .ok && !$0.samples.isEmpty }
        #expect(usable.count > 50)
        var pairs = 0
        for a in usable {
            for b in usable where a.unit == b.unit && a.suite == b.suite && a.kernel == b.kernel
                && a.samples.count * b.samples.count <= 200_000 {
                let (x, y) = (b.samples.map(log), a.samples.map(log))
                let fast = ChangeEstimator.hodgesLehmann(baseline: x, current: y, confidence: 0.95)
                let direct = ChangeEstimator.hodgesLehmannDirect(baseline: x, current: y, confidence: 0.95)
                #expect(same(fast, direct), "\(a.kernel) vs \(b.kernel)")
                pairs += 1
            }
        }
        #expect(pairs > 300)
        var checked = 0
        // And the verdicts of each file against a copy slowed by 4% with every other sample changed.
        for document in documents {
            var slowed = document
            for index in slowed.measurements.indices where slowed.measurements[index].status == .ok {
                slowed.measurements[index].samples = slowed.measurements[index].samples.enumerated().map { $0.offset % 2 == 0 ? $0.element * 0.96 : $0.element }
            }
            let report = Comparator.compare(baseline: document, current: slowed, baselineName: "b", currentName: "c",
                                            options: ComparisonOptions())
            for row in report.rows where row.interval != nil {
                let key = row.key
                let base = document.measurements.first { MeasurementKey($0) == key }!
                let now = slowed.measurements.first { MeasurementKey($0) == key }!
                guard base.samples.count * now.samples.count <= 200_000 else { continue }
                checked += 1
                let direct = ChangeEstimator.hodgesLehmannDirect(baseline: base.samples.map(log), current: now.samples.map(log),
                                                                 confidence: 0.95)
                let estimate = ChangeEstimate(change: expm1(direct.shift), low: direct.low.map(expm1), high: direct.high.map(expm1),
                                              confidence: 0.95, method: .hodgesLehmann, baselineRepeats: 1, currentRepeats: 1,
                                              baselineSamples: base.samples.count, currentSamples: now.samples.count)
                #expect(row.interval == estimate)
                #expect(row.verdict == Comparator.verdict(for: estimate, threshold: 0.05, higherIsBetter: row.higherIsBetter).0)
            }
        }
        #expect(checked > 40)
    }
}
