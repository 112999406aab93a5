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
                for key in ["median", "min", "max", "p10", "p90"] {
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
                measurements[i]["samples"] = i == 0 ? [100.0, 101, 99, 100.5, 99.5, 100.2].map { $0 * firstLevel } : Array(samples.prefix(3))
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
}
