import struct Foundation.Data
import class Foundation.JSONDecoder
import Testing
@testable import SuanliCore

/// Result files that cannot lie (issue 21): the checks of `ResultValidation` and the readers.
@Suite struct ResultValidationTests {
    func measurement(_ samples: [Double] = [10, 11, 12, 13], status: MeasurementStatus? = nil, peak: Double? = nil) -> Measurement {
        var m = Measurement(device: "cpu", suite: .stream, kernel: "triad", precision: .fp32, size: ["n": 1024], unit: .gbps)
        m.record(samples: samples, verification: .passed, peak: peak, peakBasis: peak == nil ? nil : "stated")
        if let status { m.status = status }
        return m
    }

    func problem(_ edit: (inout Measurement) -> Void) -> String? {
        var m = measurement()
        edit(&m)
        return ResultValidation.problem(in: m).map { $0.field + " " + $0.text }
    }

    @Test func honestMeasurementsPass() {
        #expect(ResultValidation.problem(in: measurement()) == nil)
        #expect(ResultValidation.problem(in: measurement([5])) == nil)
        // Above its own peak, and flagged so by record(): accepted.
        let flagged = measurement([10, 11, 12], peak: 5)
        #expect(flagged.status == .implausible)
        #expect(ResultValidation.problem(in: flagged) == nil)
        // Failed and skipped measurements have no figure to check.
        #expect(ResultValidation.problem(in: .skipped(device: "cpu", suite: .gemm, kernel: "gemm", precision: .fp16, unit: .gflops,
                                                      reason: "no fp16")) == nil)
        var failed = Measurement.failed(device: "cpu", suite: .stream, kernel: "copy", precision: .fp32, unit: .gbps, reason: "check failed")
        failed.samples = [0, -1, .nan]
        #expect(ResultValidation.problem(in: failed) == nil)
    }

    @Test func eachCorruptionNamesItsField() {
        #expect(problem { $0.samples[2] = -12 }?.hasPrefix("samples[2] is negative") == true)
        #expect(problem { $0.samples[0] = 0 }?.hasPrefix("samples[0] is zero") == true)
        #expect(problem { $0.samples[1] = .nan }?.hasPrefix("samples[1] is NaN") == true)
        #expect(problem { $0.samples[3] = .infinity }?.hasPrefix("samples[3] is infinite") == true)
        #expect(problem { $0.median = 0 }?.hasPrefix("median is zero") == true)
        #expect(problem { $0.median = -3 }?.hasPrefix("median is negative") == true)
        #expect(problem { $0.p10 = .nan }?.hasPrefix("p10 is NaN") == true)
        #expect(problem { $0.median = 20 }?.hasPrefix("median 20.0 lies outside its own samples") == true)
        #expect(problem { $0.median = 9.5 }?.hasPrefix("median 9.5 lies outside") == true)
        #expect(problem { $0.samples = [] }?.hasPrefix("samples is empty") == true)
        #expect(problem { $0.median = nil }?.hasPrefix("median is absent") == true)
        #expect(problem { $0.repeatSampleCounts = [2, 3] }?.hasPrefix("samples holds 4 values but repeat_sample_counts add up to 5") == true)
        #expect(problem { $0.repeatSampleCounts = [2, 2]; $0.repeatMedians = [10.5] }?.hasPrefix("repeat_medians holds 1 values for 2 repeats") == true)
        #expect(problem { $0.repeatSampleCounts = [4, 0] }?.hasPrefix("repeat_sample_counts[1]") == true)
        #expect(problem { $0.repeatMedians = [10.5, -1] }?.hasPrefix("repeat_medians[1] is negative") == true)
        #expect(problem { $0.theoreticalPeak = 5 }?.hasPrefix("median 11.5 GB/s exceeds the file's own theoretical_peak 5.0") == true)
        #expect(problem { $0.theoreticalPeak = -5 }?.hasPrefix("theoretical_peak is negative") == true)
        #expect(problem { $0.cv = .nan }?.hasPrefix("cv is NaN") == true)
        // A repeat file that adds up is fine.
        #expect(problem { $0.repeatSampleCounts = [2, 2]; $0.repeatMedians = [10.5, 12.5] } == nil)
        // Times (lower is better) above the peak field are not rates: no ceiling applies.
        var latency = Measurement(device: "cpu", suite: .latency, kernel: "launch", precision: nil, size: [:], unit: .microseconds)
        latency.record(samples: [5, 6, 7], verification: .passed)
        latency.theoreticalPeak = 1
        #expect(ResultValidation.problem(in: latency) == nil)
    }

    func document(_ measurements: [Measurement]) -> ResultDocument {
        ResultDocument(runID: "r", created: "2026-01-01T00:00:00Z",
                       tool: .init(name: "suanli", version: "0", buildConfiguration: "debug", cpuKernelVariant: "portable", openCLKernels: "embedded"),
                       commandLine: [], host: HostInfo.current(), devices: [DeviceDescriptor(host: HostInfo.current())],
                       measurements: measurements, incomplete: false)
    }

    @Test func readersRefuseWithOneLineNamingFileMeasurementAndField() throws {
        var bad = measurement()
        bad.median = 50
        let data = try document([measurement(), bad]).encoded()
        #expect(throws: ResultValidationError.self) { _ = try ResultStore.decode(data, name: "runs/night.json") }
        do { _ = try ResultStore.decode(data, name: "runs/night.json") } catch let error as ResultValidationError {
            #expect(error.file == "runs/night.json" && error.index == 1 && error.field == "median")
            #expect(error.description.hasPrefix("runs/night.json: measurement 1 (cpu stream/triad fp32 n=1024): median 50.0 lies outside"))
            #expect(!error.description.contains("\n"))
            #expect(ResultValidationError.exitCode == 5)
        }
    }

    /// Python's json module writes bare NaN and Infinity: refused for the figure, not as corrupt JSON.
    @Test func bareNaNAndInfinityAreNamed() throws {
        let text = String(decoding: try document([measurement([10, 11, 987654.25, 13])]).encoded(), as: UTF8.self)
        for (token, words) in [("NaN", "samples[2] is NaN"), ("Infinity", "samples[2] is infinite"), ("-Infinity", "samples[2] is infinite"),
                               ("\"NaN\"", "samples[2] is NaN")] {
            let data = Data(text.split(separator: "987654.25", omittingEmptySubsequences: false).joined(separator: token).utf8)
            do {
                _ = try ResultStore.decode(data, name: "f.json")
                Issue.record("\(token) accepted")
            } catch let error as ResultValidationError {
                #expect(error.description.contains(words), "\(error)")
            }
        }
    }

    /// The samples read apart from the rest (large files) are the decoder's own values, bit for bit.
    @Test func fastSampleReadingMatchesTheDecoder() throws {
        var g = PairwiseDifferenceSelectionTests.Generator(state: 7)
        var measurements: [Measurement] = []
        for i in 0..<40 {
            var m = measurement((0..<(1 + i % 9)).map { _ in Double.random(in: 1e-3...1e6, using: &g) })
            m.kernel = i % 3 == 0 ? "samples \"quoted\" [x]" : "triad"
            m.size = ["n": i]
            measurements.append(m)
        }
        var skipped = Measurement.skipped(device: "cpu", suite: .gemm, kernel: "gemm", precision: .fp16, unit: .gflops, reason: "no")
        skipped.parameters = ["samples": "[1, 2]"]
        measurements.append(skipped)
        let data = try document(measurements).encoded()
        let fast = try #require(try ResultStore.decodeWithSamplesApart(data))
        let plain = try JSONDecoder().decode(ResultDocument.self, from: data)
        #expect(fast.measurements.count == plain.measurements.count)
        for (a, b) in zip(fast.measurements, plain.measurements) {
            #expect(a.samples.map(\.bitPattern) == b.samples.map(\.bitPattern))
            #expect(a.kernel == b.kernel && a.median == b.median)
        }
        // Exponents, negative zero, integers: still the decoder's values.
        #expect(SamplesScanner.split(Data("{\"measurements\": [{\"samples\": [1e2, 2.5E-3, 7, 0.1]}]}".utf8))?.1.first?.1 == [100, 0.0025, 7, 0.1])
        #expect(SamplesScanner.split(Data("{\"measurements\": [{\"samples\": [1, NaN]}]}".utf8)) == nil)
    }
}
