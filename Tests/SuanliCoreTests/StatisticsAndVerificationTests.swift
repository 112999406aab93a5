import Testing
@testable import SuanliCore

@Suite struct StatisticsTests {
    @Test func summaryOfKnownSamples() throws {
        let s = try #require(Summary([4, 1, 3, 2, 5]))
        #expect(s.median == 3)
        #expect(s.min == 1)
        #expect(s.max == 5)
        #expect(s.mean == 3)
        #expect(abs(s.standardDeviation - 1.5811388300841898) < 1e-12)
        #expect(abs(s.cv - 0.5270462766947299) < 1e-12)
        #expect(abs(s.p10 - 1.4) < 1e-12)
        #expect(abs(s.p90 - 4.6) < 1e-12)
    }

    @Test func evenCountMedianInterpolates() throws {
        #expect(Summary([10, 20, 30, 40])?.median == 25)
        #expect(Summary([7])?.p90 == 7)
    }

    @Test func emptyOrNonFiniteSamplesHaveNoSummary() {
        #expect(Summary([]) == nil)
        #expect(Summary([1, .nan]) == nil)
        #expect(Summary([1, .infinity]) == nil)
    }

    @Test func samplerHonoursMinimumCountAndWarmup() throws {
        var calls = 0
        let policy = SamplingPolicy(warmupRuns: 3, minSamples: 7, maxSamples: 100, minSeconds: 0, maxSeconds: 10)
        let set = try collectSamples(policy) { calls += 1; return 0.001 }
        #expect(set.seconds.count == 7)
        #expect(calls == 10)
    }

    @Test func implausibleFigureIsNotReported() {
        var m = Measurement(device: "x", suite: .peak, kernel: "fma", precision: .fp32, size: [:], unit: .gflops)
        m.record(samples: [120, 130, 125], verification: .passed, peak: 100, peakBasis: "test")
        #expect(m.status == .implausible)
        var ok = Measurement(device: "x", suite: .peak, kernel: "fma", precision: .fp32, size: [:], unit: .gflops)
        ok.record(samples: [50, 60, 55], verification: .passed, peak: 100, peakBasis: "test")
        #expect(ok.status == .ok)
        #expect(ok.fractionOfPeak == 0.55)
    }

    @Test func failedVerificationIsAFailedMeasurement() {
        var m = Measurement(device: "x", suite: .gemm, kernel: "gemm", precision: .fp32, size: [:], unit: .gflops)
        m.record(samples: [1, 2, 3], verification: .failed("wrong"), peak: nil)
        #expect(m.status == .failed)
        #expect(m.verified == false)
        #expect(m.reason == "wrong")
    }

    /// What the suites run through `measuring`: an error thrown after the figures were recorded
    /// still makes a failed measurement (never a figure), with the error as its reason.
    @Test func aThrownErrorIsAFailedMeasurementEvenAfterAFigure() {
        let start = Measurement(device: "x", suite: .gemm, kernel: "gemm", precision: .fp32, size: [:], unit: .gflops)
        let thrown = start.measuring { m in
            m.parameters = ["config": "c1"]
            m.record(samples: [50, 60, 55], verification: .passed, peak: 100, peakBasis: "test")
            throw BenchmarkError("the device was lost")
        }
        #expect(thrown.status == .failed)
        #expect(thrown.reason == "the device was lost")
        #expect(thrown.parameters?["config"] == "c1")
        let returned = start.measuring { m in
            m.record(samples: [], verification: .failed("wrong"))
        }
        #expect(returned.status == .failed && returned.reason == "wrong")
        let measured = start.measuring { m in m.record(samples: [50, 60, 55], verification: .passed, peak: 100, peakBasis: "test") }
        #expect(measured.status == .ok && measured.median == 55)
    }
}

@Suite struct VerificationTests {
    func naive(_ p: GEMMProblem, beta: Double) -> [Double] {
        var c = [Double](repeating: 0, count: p.m * p.n)
        for i in 0..<p.m { for j in 0..<p.n {
            var s = 0.0
            for q in 0..<p.k { s += p.a[i * p.k + q] * p.b[q * p.n + j] }
            c[i * p.n + j] = p.alpha * s + beta * p.c0[i * p.n + j]
        } }
        return c
    }

    @Test func inputsAreRandomAndNeverZero() {
        let values = randomValues(count: 10_000, precision: .fp32, seed: 1)
        #expect(!values.contains(0))
        #expect(Set(values).count > 9_000)
        #expect(values.contains { $0 < 0 } && values.contains { $0 > 0 })
    }

    @Test(arguments: [Precision.fp32, .fp64, .mixed])
    func correctGEMMPassesAndWrongOnesFail(_ precision: Precision) {
        let p = GEMMProblem(m: 33, n: 17, k: 65, precision: precision)
        let right = naive(p, beta: p.beta).map(precision.round)
        #expect(p.verify(right, includeBeta: true).passed)
        #expect(p.verify(naive(p, beta: 0).map(precision.round), includeBeta: false).passed)
        // β forgotten.
        #expect(!p.verify(naive(p, beta: 0), includeBeta: true).passed)
        // One element left unwritten (poison survived).
        var poisoned = right
        poisoned[5 * 17 + 3] = .nan
        let result = p.verify(poisoned, includeBeta: true)
        #expect(!result.passed)
        #expect(result.detail.contains("poisoned"))
        // One k term missing from an element.
        var missing = right
        missing[0] -= p.alpha * p.a[64] * p.b[64 * 17]
        #expect(!p.verify(missing, includeBeta: true).passed)
    }

    @Test func largeProblemsAreSampledWithWholeRowsAndColumns() {
        let p = GEMMProblem(m: 512, n: 500, k: 256, precision: .fp32)
        let entries = p.checkedEntries()
        #expect(entries.count < 512 * 500 / 20)
        #expect(entries.count == 2 * 500 + 2 * 510 + GEMMProblem.samplesPerCell * 16 * 16)
        #expect(entries.contains { $0 == (511, 499) } && entries.contains { $0 == (0, 0) })
        // First and last rows and columns in full; every 32×32 cell (the last ones 20 wide) sampled.
        #expect((0..<500).allSatisfy { j in entries.contains { $0 == (0, j) } && entries.contains { $0 == (511, j) } })
        #expect((0..<512).allSatisfy { i in entries.contains { $0 == (i, 0) } && entries.contains { $0 == (i, 499) } })
        var perCell = [Int](repeating: 0, count: 16 * 16)
        for (i, j) in entries where i > 0 && i < 511 && j > 0 && j < 499 { perCell[i / 32 * 16 + j / 32] += 1 }
        #expect(perCell.allSatisfy { $0 >= 1 })
        #expect(entries.allSatisfy { $0.0 >= 0 && $0.0 < 512 && $0.1 >= 0 && $0.1 < 500 })
    }

    @Test func streamChecksCatchWrongElements() {
        let a = randomValues(count: 100, precision: .fp32, seed: 3)
        let b = randomValues(count: 100, precision: .fp32, seed: 4)
        let c = randomValues(count: 100, precision: .fp32, seed: 5)
        let s = 0.4
        let triad = (0..<100).map { Double(Float(b[$0]) + Float(s) * Float(c[$0])) }
        #expect(verifyStream(.triad, precision: .fp32, a: a, b: b, c: c, scalar: s, output: triad).passed)
        var wrong = triad
        wrong[99] += 0.01
        #expect(!verifyStream(.triad, precision: .fp32, a: a, b: b, c: c, scalar: s, output: wrong).passed)
        let dot = (0..<100).reduce(0.0) { $0 + a[$1] * b[$1] }
        #expect(verifyStream(.dot, precision: .fp32, a: a, b: b, c: c, scalar: s, output: [], dot: dot).passed)
        #expect(!verifyStream(.dot, precision: .fp32, a: a, b: b, c: c, scalar: s, output: [], dot: dot + 0.5).passed)
        #expect(StreamKernel.allCases.map(\.arraysMoved) == [2, 2, 3, 3, 2])
    }
}
