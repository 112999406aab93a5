import Foundation
import Testing

/// `suanli report --history FILE_OR_DIR... --html OUT.html [--csv OUT.csv]` (issue 21).
@Suite(.serialized) struct HistoryCommandTests {
    /// The reference run as a nightly run on `day`, every figure times `factor`.
    static func night(_ day: Int, factor: Double, in folder: URL) throws -> String {
        let source = try #require(ReferenceRun.file)
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source))) as? [String: Any])
        doc["created"] = String(format: "2026-12-%02dT02:00:00Z", day)
        doc["run_id"] = "night-\(day)"
        var measurements = doc["measurements"] as! [[String: Any]]
        for i in measurements.indices {
            for key in ["median", "min", "max", "p10", "p90", "theoretical_peak"] {
                if let v = measurements[i][key] as? Double { measurements[i][key] = v * factor }
            }
            if let s = measurements[i]["samples"] as? [Double] { measurements[i]["samples"] = s.map { $0 * factor } }
        }
        doc["measurements"] = measurements
        let path = folder.appendingPathComponent(String(format: "night-%02d.json", day)).path
        try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func historyOfAFolderAndFilesWritesTrendsVerdictsAndCSV() throws {
        let source = try #require(ReferenceRun.file)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source))) as? [String: Any])
        let measured = (object["measurements"] as? [[String: Any]] ?? []).count
        let folder = try CLI.temporaryDirectory()
        // Four nights in a folder (written out of order), the fifth given as a file: night 3 is ten times slower.
        for (day, factor) in [(2, 1.0), (1, 1.0), (4, 1.0), (3, 0.1)] { _ = try Self.night(day, factor: factor, in: folder) }
        let fifth = try Self.night(5, factor: 1.0, in: try CLI.temporaryDirectory())
        let out = try CLI.temporaryDirectory()
        let html = out.appendingPathComponent("history.html").path, csv = out.appendingPathComponent("history.csv").path
        let result = try CLI.run(["report", "--history", folder.path, fifth, "--html", html, "--csv", csv])
        #expect(result.status == 0, "\(result.stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("class=\"history-page\""))
        #expect(page.components(separatedBy: "<svg class=\"trend-chart\"").count - 1 == measured)
        #expect(page.contains("5 run(s) from 2026-12-01T02:00:00Z to 2026-12-05T02:00:00Z"))
        #expect(page.contains("<text class=\"mark regression\""), "night 3 regresses against night 2")
        #expect(page.contains("<text class=\"mark improvement\""), "night 4 recovers")
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 1 + 5 * measured)
        #expect(rows.contains { $0.contains("2026-12-03T02:00:00Z") && $0.contains(",regression,") })
        // A lying file in the history is refused like anywhere else.
        let liar = folder.appendingPathComponent("night-06.json").path
        var doc = object
        var measurements = doc["measurements"] as! [[String: Any]]
        let target = try #require(measurements.firstIndex { $0["status"] as? String == "ok" })
        measurements[target]["median"] = -1.0
        doc["measurements"] = measurements
        try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: liar))
        let refused = try CLI.run(["report", "--history", folder.path, "--html", html])
        #expect(refused.status == 5, "\(refused.stderr)")
        #expect(refused.stderr.contains(liar) && refused.stderr.contains(": median is negative"))
        // An empty folder is an error of its own.
        let empty = try CLI.temporaryDirectory()
        #expect(try CLI.run(["report", "--history", empty.path, "--html", html]).status == 65)
    }
}
