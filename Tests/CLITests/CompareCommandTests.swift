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

    @Test func benchWithBaselineIsARegressionRun() throws {
        let file = try #require(ReferenceRun.file)
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
