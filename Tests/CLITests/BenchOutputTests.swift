import Foundation
import Testing

/// The bench table shows what ran and folds skipped measurements into one line per reason;
/// --show-skipped shows them as rows, JSON keeps them all. Bench and burn share their output options.
/// Runs on the native CPU (always present): its path has no fp16, bf16, int8, tf32 or fp8 kernels,
/// no separate device memory and no kernel launches, so it skips several measurements for several reasons.
@Suite(.serialized)
struct BenchOutputTests {
    /// A fast CPU run that measures some things and skips others for several reasons.
    let run = ["bench", "--device", "cpu", "--suite", "gemm,peak,transfer,latency", "--size", "64", "--quick", "--no-save"]

    func skippedInJSON() throws -> [[String: Any]] {
        let result = try CLI.run(run + ["--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try #require(result.json as? [String: Any])
        let measurements = try #require(doc["measurements"] as? [[String: Any]])
        #expect(measurements.contains { $0["status"] as? String == "ok" })
        return measurements.filter { $0["status"] as? String == "skipped" }
    }

    /// The lines of a table's body whose device column is `cpu` (one a measurement).
    func rows(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.hasPrefix("cpu ") }
    }

    @Test func defaultTableFoldsSkippedMeasurementsIntoOneLinePerReason() throws {
        let skipped = try skippedInJSON()
        try #require(skipped.count >= 3, "the CPU run skips several measurements")
        let result = try CLI.run(run)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = rows(result.stdout)
        #expect(!rows.isEmpty)
        #expect(!rows.contains { $0.contains("skipped") }, "no skipped rows by default:\n\(result.stdout)")
        let summaries = result.stdout.split(separator: "\n").filter { $0.hasPrefix("skipped ") }
        // Each summary line starts "skipped N: …"; together they count every skipped measurement once.
        let counted = summaries.compactMap { Int($0.dropFirst("skipped ".count).prefix { $0.isNumber }) }
        #expect(counted.count == summaries.count)
        #expect(counted.reduce(0, +) == skipped.count, "\(result.stdout)")
        #expect(summaries.count < skipped.count, "reasons that differ only in the precision share a line")
        // A reason that names no precision appears word for word, on exactly one line.
        let reasons = Set(skipped.compactMap { $0["reason"] as? String })
        let transfer = try #require(skipped.first { $0["suite"] as? String == "transfer" }?["reason"] as? String)
        #expect(summaries.filter { $0.contains(transfer) }.count == 1)
        // The per-precision reasons ("no bf16 kernels", "no int8 kernels") fold into one line naming them all.
        let lowPrecision = reasons.filter { $0.contains("no bf16 kernels") || $0.contains("no int8 kernels") }
        #expect(lowPrecision.count == 2)
        #expect(summaries.filter { $0.contains("bf16/int8") }.count == 1, "\(summaries)")
        #expect(result.stdout.contains("\(skipped.count) skipped (as rows: --show-skipped)"))
    }

    @Test func showSkippedListsThemAsRows() throws {
        let skipped = try skippedInJSON()
        let result = try CLI.run(run + ["--show-skipped"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(rows(result.stdout).filter { $0.contains("skipped: ") }.count == skipped.count, "\(result.stdout)")
        #expect(!result.stdout.split(separator: "\n").contains { $0.hasPrefix("skipped ") })
        let markdown = try CLI.run(run + ["--format", "markdown"])
        #expect(markdown.status == 0)
        #expect(!markdown.stdout.split(separator: "\n").contains { $0.hasPrefix("| cpu") && $0.contains("skipped") })
        #expect(markdown.stdout.contains("- skipped "))
    }

    @Test func csvKeepsTheSkippedRows() throws {
        let skipped = try skippedInJSON()
        let result = try CLI.run(run + ["--format", "csv"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").filter { $0.contains(",skipped,") }.count == skipped.count)
    }

    @Test func benchAndBurnShareTheOutputOptions() throws {
        for command in [["bench", "--device", "cpu", "--suite", "peak", "--precision", "fp32", "--quick"],
                        ["burn", "--device", "cpu", "--duration", "1s", "--interval", "500ms", "--size", "64"]] {
            let folder = try CLI.temporaryDirectory()
            let saved = try CLI.run(command + ["--format", "json", "--output-dir", folder.path, "--step-timeout", "120"])
            #expect(saved.status == 0, "\(command[0]): \(saved.stderr)")
            #expect(saved.json != nil, "\(command[0]) --format json prints JSON")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            #expect(files.count == 1, "\(command[0]) --output-dir")
            let empty = try CLI.temporaryDirectory()
            let unsaved = try CLI.run(command + ["--no-save", "--output-dir", empty.path, "--format", "markdown"])
            #expect(unsaved.status == 0, "\(command[0]): \(unsaved.stderr)")
            #expect(unsaved.stdout.contains("| "), "\(command[0]) --format markdown")
            #expect(try FileManager.default.contentsOfDirectory(atPath: empty.path).isEmpty, "\(command[0]) --no-save")
            let badTimeout = try CLI.run(command + ["--no-save", "--step-timeout", "0"])
            #expect(badTimeout.status == 64)
            #expect(badTimeout.stderr.contains("--step-timeout must be positive"))
            let help = try CLI.run([command[0], "--help"])
            for flag in ["--format", "--output-dir", "--no-save", "--step-timeout"] {
                #expect(help.stdout.contains(flag), "\(command[0]) --help lists \(flag)")
            }
        }
        let csvBurn = try CLI.run(["burn", "--device", "cpu", "--duration", "1s", "--interval", "500ms", "--format", "csv", "--no-save"])
        #expect(csvBurn.status == 64)
        #expect(csvBurn.stderr.contains("--format for burn must be table, json or markdown"))
    }
}
