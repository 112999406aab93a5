import struct Foundation.Data
import class Foundation.JSONDecoder
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SuanliCore
@testable import SuanliSchema

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

    /// The conversion without `strtod` gives strtod's Double to the bit, or leaves the number to it.
    @Test func fastNumberConversionMatchesStrtod() {
        func check(_ text: String) -> Bool {
            let expected = strtod(text, nil)
            let bytes = Array(text.utf8)
            guard let fast = bytes.withUnsafeBufferPointer({ SamplesScanner.fastNumber($0, 0, $0.count) }) else { return true }
            return fast.bitPattern == expected.bitPattern
        }
        // 2^53 + 1 and 2^54 + 2 lie exactly halfway between two Doubles (ties to even); so do
        // their decimal forms with more digits.
        for text in ["9007199254740993", "9007199254740995", "18014398509481986", "9007199254740993.000",
                     "0", "-0", "-0.0", "0.000", "1e2", "2.5E-3", "7", "0.1", "-123.456e-7", "1E+22", "1e23",
                     "123456789012345678901", "0.00000000000000000000000000001", "4.9e-324", "1.7976931348623157e308",
                     "286.3023262370648", "288.22856082635417", "2.748258473245633e-05", "39.66426712424085"] {
            #expect(check(text), "\(text)")
        }
        #expect(["9007199254740993", "18014398509481986"].allSatisfy { text in
            Array(text.utf8).withUnsafeBufferPointer { SamplesScanner.fastNumber($0, 0, $0.count) } == nil
        } || !Self.hasExtendedPrecision, "a halfway case is left to strtod")
        // The scanner's own reading of a samples array (digits gathered while checking the syntax).
        let texts = ["9007199254740993", "18014398509481986", "-0", "0.000", "1E+22", "1e23", "2.5e-3", "286.3023262370648",
                     "288.22856082635417", "123456789012345678901", "0.00000000000000000000000000001", "1e-00400"]
        let scanned = SamplesScanner.split(Data(("{\"measurements\": [{\"samples\": [" + texts.joined(separator: ", ") + "]}]}").utf8))
        #expect(scanned?.1.first?.1.map(\.bitPattern) == texts.map { strtod($0, nil).bitPattern })
        var g = PairwiseDifferenceSelectionTests.Generator(state: 21)
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            let value = Double(bitPattern: UInt64.random(in: 0x3C00_0000_0000_0000...0x4480_0000_0000_0000, using: &g))
            var digits = String(UInt64.random(in: 1...9, using: &g))
            for _ in 0..<Int.random(in: 0...19, using: &g) { digits += String(UInt64.random(in: 0...9, using: &g)) }
            let point = Int.random(in: 1...digits.count, using: &g)
            let written = String(digits.prefix(point)) + "." + String(digits.dropFirst(point)) + "0"
            for text in ["\(value)", "-\(value)", written, written + "e\(Int.random(in: -30...30, using: &g))"] where !check(text) {
                mismatches.append(text)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    static var hasExtendedPrecision: Bool {
        #if arch(x86_64) && !os(Windows)
        return true
        #else
        return false
        #endif
    }
}
