import Foundation
import Testing

/// One quick CPU run, shared by the comparison tests (peak: the steadiest figure).
enum ReferenceRun {
    static let file: String? = {
        guard let dir = try? CLI.temporaryDirectory(),
              let result = try? CLI.run(["bench", "--device", "cpu", "--suite", "peak,stream", "--precision", "fp32",
                                         "--stream-length", "200000", "--quick", "--output-dir", dir.path]),
              result.status == 0,
              let name = try? FileManager.default.contentsOfDirectory(atPath: dir.path).first(where: { $0.hasSuffix(".json") })
        else { return nil }
        return dir.appendingPathComponent(name).path
    }()

    /// A copy of the reference file with `edit` applied to its JSON object.
    static func variant(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let source = try #require(file)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source))) as? [String: Any])
        edit(&object)
        let path = try CLI.temporaryDirectory().appendingPathComponent("variant.json").path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every figure multiplied by `factor` (samples and statistics). Tests use factors of 10 or
    /// 1/10: the reference run is taken while other tests load the machine, so its samples can
    /// spread widely, and a change only counts when the sample ranges separate.
    static func scaled(_ factor: Double) throws -> String {
        try variant { doc in
            var measurements = doc["measurements"] as! [[String: Any]]
            for i in measurements.indices {
                for key in ["median", "min", "max", "p10", "p90", "theoretical_peak"] {
                    if let v = measurements[i][key] as? Double { measurements[i][key] = v * factor }
                }
                if let s = measurements[i]["samples"] as? [Double] { measurements[i]["samples"] = s.map { $0 * factor } }
            }
            doc["measurements"] = measurements
        }
    }
}

@Suite(.serialized) struct CompareCommandTests {
    @Test func selfComparisonIsClean() throws {
        let file = try #require(ReferenceRun.file)
        let result = try CLI.run(["compare", file, file])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("0 regression"))
    }

    @Test func raisedBaselineIsARegressionInEveryFormat() throws {
        let file = try #require(ReferenceRun.file)
        let raised = try ReferenceRun.scaled(10)
        let table = try CLI.run(["compare", raised, file])
        #expect(table.status == 2, "\(table.stdout)\(table.stderr)")
        let markdown = try CLI.run(["compare", raised, file, "--format", "markdown"])
        #expect(markdown.status == 2)
        #expect(markdown.stdout.contains("|"))
        let json = try CLI.run(["compare", raised, file, "--format", "json"])
        #expect(json.status == 2)
        let rows = try #require((json.json as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.contains { $0["verdict"] as? String == "regression" })
        // The other way round it is an improvement, and that is not a failure.
        #expect(try CLI.run(["compare", file, raised]).status == 0)
    }

    @Test func failedMeasurementExitsThree() throws {
        let file = try #require(ReferenceRun.file)
        let broken = try ReferenceRun.variant { doc in
            var measurements = doc["measurements"] as! [[String: Any]]
            measurements[0]["status"] = "failed"
            measurements[0]["verified"] = false
            doc["measurements"] = measurements
        }
        #expect(try CLI.run(["compare", file, broken]).status == 3)
    }

    @Test func unusableBaselineExitsFiveAndOtherErrorsOne() throws {
        let file = try #require(ReferenceRun.file)
        let missing = try CLI.run(["compare", "/nonexistent/base.json", file])
        #expect(missing.status == 5)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let corrupt = try CLI.temporaryDirectory().appendingPathComponent("corrupt.json").path
        try "{\"schema\": \"suanli.resu".write(toFile: corrupt, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["compare", corrupt, file]).status == 5)
        #expect(try CLI.run(["compare", file, corrupt]).status == 1)
        #expect(try CLI.run(["compare", file, file, "--threshold", "abc"]).status == 64)
    }

    @Test func differentHardwareNeedsForce() throws {
        let file = try #require(ReferenceRun.file)
        let other = try ReferenceRun.variant { doc in
            var host = doc["host"] as! [String: Any]
            host["cpu_model"] = "Some Other CPU"
            doc["host"] = host
        }
        let refused = try CLI.run(["compare", other, file])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Some Other CPU"))
        #expect(try CLI.run(["compare", other, file, "--force"]).status == 0)
    }

    @Test func severalFilesPerSideAreRepeats() throws {
        let file = try #require(ReferenceRun.file)
        let baselines = [file, try ReferenceRun.scaled(1.01), try ReferenceRun.scaled(0.99)]
        let currents = [try ReferenceRun.scaled(0.1), try ReferenceRun.scaled(0.101), try ReferenceRun.scaled(0.099)]
        let result = try CLI.run(["compare", "--baseline"] + baselines + ["--current"] + currents + ["--format", "json"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let report = try #require(result.json as? [String: Any])
        let rows = try #require(report["rows"] as? [[String: Any]])
        let compared = rows.compactMap { $0["interval"] as? [String: Any] }
        #expect(!compared.isEmpty)
        for interval in compared {
            #expect(interval["baseline_repeats"] as? Int == 3 && interval["current_repeats"] as? Int == 3)
            #expect(interval["method"] as? String == "between-repeats")
        }
        #expect((report["counts"] as? [String: Int])?["regression"] == compared.count)
        // One form or the other, not a mix; both sides named.
        #expect(try CLI.run(["compare", file, "--current", file]).status == 64)
        #expect(try CLI.run(["compare", "--baseline", file]).status == 64)
        #expect(try CLI.run(["compare", file]).status == 64)
        #expect(try CLI.run(["compare", "--baseline", "/nonexistent.json", "--current", file]).status == 5)
    }

    /// Every measurement cut to its first three samples (3 against 3 gives no 95% interval), but
    /// the first, whose samples are six steady ones times `firstLevel`.
    static func trimmed(firstLevel: Double = 1) throws -> String {
        try ReferenceRun.variant { doc in
            var measurements = doc["measurements"] as! [[String: Any]]
            for i in measurements.indices {
                guard let samples = measurements[i]["samples"] as? [Double], !samples.isEmpty else { continue }
                let kept = i == 0 ? [100.0, 101, 99, 100.5, 99.5, 100.2].map { $0 * firstLevel } : Array(samples.prefix(3))
                measurements[i]["samples"] = kept
                // The statistics follow the samples kept (a median outside its samples is refused).
                let sorted = kept.sorted()
                measurements[i]["median"] = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                    : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
                measurements[i]["min"] = sorted.first
                measurements[i]["max"] = sorted.last
                measurements[i]["theoretical_peak"] = nil
                measurements[i]["fraction_of_peak"] = nil
            }
            doc["measurements"] = measurements
        }
    }

    @Test func strictTurnsInconclusiveIntoExitFour() throws {
        let short = try Self.trimmed()
        let plain = try CLI.run(["compare", short, short])
        #expect(plain.status == 0, "\(plain.stdout)\(plain.stderr)")
        #expect(plain.stdout.contains("inconclusive"))
        #expect(!plain.stdout.contains(" 0 inconclusive"))
        let strict = try CLI.run(["compare", short, short, "--strict"])
        #expect(strict.status == 4, "\(strict.stdout)")
        // A regression outranks an inconclusive verdict.
        let raised = try Self.trimmed(firstLevel: 10)
        let both = try CLI.run(["compare", raised, short, "--strict"])
        #expect(both.status == 2, "\(both.stdout)")
        #expect(both.stdout.contains("regression") && both.stdout.contains("inconclusive"))
    }

    @Test func benchRepeatKeepsOneMedianPerRepeat() throws {
        let result = try CLI.run(["bench", "--device", "cpu", "--suite", "peak,stream", "--precision", "fp32",
                                  "--stream-length", "200000", "--quick", "--no-save", "--repeat", "3", "--format", "json"])
        #expect(result.status == 0 || result.status == 3, "\(result.stderr)")
        let doc = try #require(result.json as? [String: Any])
        let measurements = try #require(doc["measurements"] as? [[String: Any]])
        let ok = measurements.filter { $0["status"] as? String == "ok" }
        #expect(!ok.isEmpty)
        for m in ok {
            let medians = try #require(m["repeat_medians"] as? [Double], "\(m["kernel"] ?? "")")
            let counts = try #require(m["repeat_sample_counts"] as? [Int])
            let samples = try #require(m["samples"] as? [Double])
            #expect(medians.count == 3 && counts.count == 3)
            #expect(counts.reduce(0, +) == samples.count)
            // Each repeat's median is the median of its own slice of the samples.
            var start = 0
            for (median, count) in zip(medians, counts) {
                let slice = samples[start..<start + count].sorted()
                let middle = count % 2 == 1 ? slice[count / 2] : (slice[count / 2 - 1] + slice[count / 2]) / 2
                #expect(abs(middle - median) <= 1e-9 * median)
                start += count
            }
        }
        #expect(try CLI.run(["bench", "--repeat", "0", "--no-save"]).status == 64)
    }

    @Test func benchWithBaselineIsARegressionRun() throws {
        _ = try #require(ReferenceRun.file)
        let args = ["bench", "--device", "cpu", "--suite", "peak,stream", "--precision", "fp32", "--stream-length", "200000",
                    "--quick", "--no-save"]
        // Against a baseline ten times slower nothing regresses, whatever else loads this machine while
        // the tests run in parallel (the self-comparison on a quiet machine is in the README's figures).
        let slowerBaseline = try ReferenceRun.scaled(0.1)
        let same = try CLI.run(args + ["--baseline", slowerBaseline])
        #expect(same.status == 0, "\(same.stdout)")
        #expect(same.stdout.contains("improvement"))
        let raised = try ReferenceRun.scaled(10)
        let slower = try CLI.run(args + ["--baseline", raised, "--format", "json"])
        #expect(slower.status == 2)
        let doc = try #require(slower.json as? [String: Any])
        let first = try #require((doc["measurements"] as? [[String: Any]])?.first)
        let comparison = try #require(first["comparison"] as? [String: Any])
        #expect(comparison["threshold"] as? Double == 0.05)
        #expect(comparison["baseline_file"] as? String == raised)
        #expect(comparison["verdict"] as? String == "regression")
        let low = try #require(comparison["change_low"] as? Double), high = try #require(comparison["change_high"] as? Double)
        #expect(low <= high && high < -0.05)
        let missing = try CLI.run(args + ["--baseline", "/nonexistent.json"])
        #expect(missing.status == 5)
    }

    @Test func reportWritesHTMLAndCSV() throws {
        let file = try #require(ReferenceRun.file)
        let dir = try CLI.temporaryDirectory()
        let html = dir.appendingPathComponent("r.html").path, csv = dir.appendingPathComponent("r.csv").path
        let result = try CLI.run(["report", file, file, "--html", html, "--csv", csv])
        #expect(result.status == 0, "\(result.stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg class=\"roofline-chart\""))
        #expect(page.contains("<circle class=\"point"))
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.first?.hasPrefix("file,run_id,created,device") == true)
        #expect(rows.count > 2)
        #expect(try CLI.run(["report", file]).status == 64)
        #expect(try CLI.run(["report", "/nonexistent.json", "--html", html]).status == 65)
    }

    /// Result files that lie (issue 21): every corruption of the reference run, one per file.
    /// Bare NaN and Infinity are written as Python's json writes them (not JSON, but seen).
    static func corruptions() throws -> [(name: String, path: String, field: String)] {
        let file = try #require(ReferenceRun.file)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let measurements = try #require(object["measurements"] as? [[String: Any]])
        let target = try #require(measurements.firstIndex { $0["status"] as? String == "ok" && ($0["samples"] as? [Double])?.count ?? 0 >= 2 })
        let dir = try CLI.temporaryDirectory()
        var made: [(String, String, String)] = []
        func write(_ name: String, field: String, marker: String? = nil, _ edit: (inout [String: Any]) -> Void) throws {
            var doc = object, list = measurements
            edit(&list[target])
            doc["measurements"] = list
            var text = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
            if let marker { text = text.replacingOccurrences(of: "987654.25", with: marker) }
            let path = dir.appendingPathComponent("\(name).json").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            made.append((name, path, field))
        }
        let samples = measurements[target]["samples"] as! [Double]
        try write("negative-rate", field: "samples[1]") { $0["samples"] = [samples[0], -samples[1]] + samples.dropFirst(2) }
        try write("zero-median", field: "median") { $0["median"] = 0.0 }
        try write("nan-sample", field: "samples[0]", marker: "NaN") { $0["samples"] = [987654.25] + samples.dropFirst() }
        try write("infinite-sample", field: "samples[0]", marker: "Infinity") { $0["samples"] = [987654.25] + samples.dropFirst() }
        try write("median-outside", field: "median") { $0["median"] = samples.max()! * 1.5; $0["theoretical_peak"] = nil }
        try write("count-mismatch", field: "samples") {
            $0["repeat_sample_counts"] = [samples.count + 1]
            $0["repeat_medians"] = [$0["median"]!]
        }
        try write("above-ceiling", field: "median") { $0["theoretical_peak"] = ($0["median"] as! Double) / 2 }
        return made.map { (name: $0.0, path: $0.1, field: $0.2) }
    }

    /// One line naming the file, the measurement and the field.
    func expectRefusal(_ result: CLIResult, _ corruption: (name: String, path: String, field: String), command: String) {
        #expect(result.status == 5, "\(command) \(corruption.name): \(result.status) \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(command) \(corruption.name): \(result.stderr)")
        #expect(result.stderr.contains(corruption.path) && result.stderr.contains("measurement ")
                && result.stderr.contains(": \(corruption.field) "), "\(command) \(corruption.name): \(result.stderr)")
    }

    @Test func lyingFilesAreRefusedByCompareAndReport() throws {
        let file = try #require(ReferenceRun.file)
        let html = try CLI.temporaryDirectory().appendingPathComponent("r.html").path
        let cases = try Self.corruptions()
        #expect(cases.count == 7)
        for corruption in cases {
            expectRefusal(try CLI.run(["compare", corruption.path, file]), corruption, command: "compare (baseline)")
            expectRefusal(try CLI.run(["compare", file, corruption.path]), corruption, command: "compare (current)")
            expectRefusal(try CLI.run(["report", file, corruption.path, "--html", html]), corruption, command: "report")
            // size --calibrate refuses it too, in one line naming the file and the field.
            let size = try CLI.run(["size", "train", "--pf-days", "3640", "--days", "30", "--calibrate", corruption.path])
            #expect(size.status == 5 && size.stderr.split(separator: "\n").count == 1, "size \(corruption.name): \(size.stderr)")
            #expect(size.stderr.contains(corruption.path) && size.stderr.contains(": \(corruption.field) "), "size: \(size.stderr)")
        }
    }

    @Test func flaggedAndEmptyMeasurementsAreStillAccepted() throws {
        let file = try #require(ReferenceRun.file)
        let flagged = try ReferenceRun.variant { doc in
            var measurements = doc["measurements"] as! [[String: Any]]
            let target = measurements.firstIndex { $0["status"] as? String == "ok" }!
            // Above its own stated peak, but flagged: the bench's own record of exactly that.
            measurements[target]["status"] = "implausible"
            measurements[target]["theoretical_peak"] = (measurements[target]["median"] as! Double) / 2
            // Skipped and failed measurements carry no figure at all.
            var skipped = measurements[target]
            for key in ["median", "min", "max", "p10", "p90", "cv", "theoretical_peak"] { skipped[key] = nil }
            skipped["samples"] = [Double]()
            skipped["status"] = "skipped"
            skipped["kernel"] = "skipped-kernel"
            var failed = skipped
            failed["status"] = "failed"
            failed["kernel"] = "failed-kernel"
            failed["samples"] = [0.0]
            doc["measurements"] = measurements + [skipped, failed]
        }
        let result = try CLI.run(["compare", file, flagged, "--format", "json"])
        #expect(result.status == 3, "the failed measurement, not a refusal: \(result.stderr)")
        let html = try CLI.temporaryDirectory().appendingPathComponent("r.html").path
        #expect(try CLI.run(["report", flagged, "--html", html]).status == 0)
    }
    /// Both sides with a kernel name that needs escaping in XML and in workflow commands.
    static func awkwardlyNamed(_ factor: Double) throws -> String {
        try ReferenceRun.variant { doc in
            var measurements = doc["measurements"] as! [[String: Any]]
            for i in measurements.indices {
                measurements[i]["kernel"] = "k<&\"'>,:%\(i)"
                for key in ["median", "min", "max", "p10", "p90", "theoretical_peak"] {
                    if let v = measurements[i][key] as? Double { measurements[i][key] = v * factor }
                }
                if let s = measurements[i]["samples"] as? [Double] { measurements[i]["samples"] = s.map { $0 * factor } }
            }
            doc["measurements"] = measurements
        }
    }

    @Test func junitOutputIsValidXMLWithRegressionsAsFailures() throws {
        let (base, raised) = (try Self.awkwardlyNamed(1), try Self.awkwardlyNamed(10))
        let json = try CLI.run(["compare", raised, base, "--format", "json"])
        let rows = try #require((json.json as? [String: Any])?["rows"] as? [[String: Any]])
        let regressions = rows.filter { $0["verdict"] as? String == "regression" }.count
        #expect(regressions > 0)
        let junit = try CLI.run(["compare", raised, base, "--format", "junit"])
        #expect(junit.status == 2, "\(junit.stderr)")
        // Parsed by a real XML parser (Python's expat): well-formed, one test case per row.
        let dir = try CLI.temporaryDirectory()
        let xml = dir.appendingPathComponent("junit.xml").path
        try junit.stdout.write(toFile: xml, atomically: true, encoding: .utf8)
        let check = """
        import sys, xml.etree.ElementTree as E
        root = E.parse(sys.argv[1]).getroot()
        cases = root.findall('./testsuite/testcase')
        names = [c.get('name') for c in cases]
        print(root.tag, len(cases), len(root.findall('./testsuite/testcase/failure')), root.get('tests'), root.get('failures'),
              all(n.startswith('k<&"\\'>,:%') for n in names))
        """
        let parsed = try Self.runTool("/usr/bin/env", ["python3", "-c", check, xml])
        #expect(parsed == "testsuites \(rows.count) \(regressions) \(rows.count) \(regressions) True", "\(parsed)\n\(junit.stdout.prefix(2000))")
        // The other way round: improvements pass, nothing fails.
        let improved = try CLI.run(["compare", base, raised, "--format", "junit"])
        #expect(improved.status == 0)
        #expect(!improved.stdout.contains("<failure"))
    }

    @Test func githubAnnotationsForRegressionsAndImprovements() throws {
        let (base, raised) = (try Self.awkwardlyNamed(1), try Self.awkwardlyNamed(10))
        let worse = try CLI.run(["compare", raised, base, "--format", "github"])
        #expect(worse.status == 2)
        let lines = worse.stdout.split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.hasPrefix("::error title=regression%3A ") }
        #expect(!errors.isEmpty, "\(worse.stdout)")
        // Properties escape : , % (and the message %, CR, LF): one command per line, title intact.
        for line in errors {
            #expect(line.contains("k<&\"'>%2C%3A%25"), "\(line)")
            let parts = line.split(separator: "::", omittingEmptySubsequences: false)
            #expect(parts.count == 3, "\(line)")
        }
        #expect(lines.last?.hasPrefix("suanli compare: ") == true)
        let better = try CLI.run(["compare", base, raised, "--format", "github"])
        #expect(better.status == 0)
        #expect(better.stdout.contains("::notice title=improvement%3A "))
        #expect(!better.stdout.contains("::error"))
    }

    /// Past a thousand rows the JSON report is encoded in chunks and spliced: the text must be
    /// exactly what one encoder writes for the whole report (decoded and encoded again here).
    @Test func largeJSONReportIsWhatOneEncoderWrites() throws {
        let wide = try ReferenceRun.variant { doc in
            let measurements = doc["measurements"] as! [[String: Any]]
            doc["measurements"] = (0..<2600).map { i -> [String: Any] in
                var m = measurements[i % measurements.count]
                var size = m["size"] as? [String: Any] ?? [:]
                size["copy"] = i
                m["size"] = size
                return m
            }
        }
        let result = try CLI.run(["compare", wide, wide, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let decoded = try JSONDecoder().decode(ReportMirror.self, from: Data(result.stdout.utf8))
        #expect(decoded.rows.count >= 2600)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let again = String(decoding: try encoder.encode(decoded), as: UTF8.self)
        #expect(again + "\n" == result.stdout)
    }

    /// The fields of a JSON comparison report, to encode it again the plain way.
    struct ReportMirror: Codable {
        struct Key: Codable { var device, suite, kernel, precision, size: String; var metric: String? }
        struct Interval: Codable {
            var change: Double
            var low, high: Double?
            var confidence: Double
            var method: String
            var baseline_repeats, current_repeats, baseline_samples, current_samples: Int
        }
        struct Row: Codable {
            var key: Key
            var unit: String
            var higher_is_better: Bool
            var baseline, current, change: Double?
            var interval: Interval?
            var threshold: Double
            var verdict: String
            var reason: String?
        }
        var baseline, current: String
        var threshold, confidence: Double
        var rows: [Row]
        var counts: [String: Int]
    }

    /// Runs a tool, its standard output trimmed.
    static func runTool(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
