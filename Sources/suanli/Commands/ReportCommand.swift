import ArgumentParser
import SuanliCore
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn result files into a self-contained HTML page (tables, roofline, history) and/or CSV."
    )

    @Argument(help: "Result files or folders of them (several runs of a device give each metric's history).")
    var files: [String]

    @Option(help: "Write the HTML report here.") var html: String?
    @Option(help: "Write every measurement of every file as CSV here.") var csv: String?
    @Flag(help: "History of many runs: a trend line per measurement with its p10–p90 band, and each run's verdicts against the run before (HTML and CSV).")
    var history = false
    @Option(help: "--history: relative change that counts, as 5% or 0.05.") var threshold: String = "5%"

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one result file") }
        _ = try ComparisonArguments.fraction(threshold, option: "--threshold")
        if html == nil && csv == nil { throw ValidationError("give --html OUT.html and/or --csv OUT.csv") }
    }

    func run() throws {
        let paths = try expand(files)
        var inputs: [HTMLReport.Input] = []
        for (file, result) in zip(paths, ResultStore.readAll(paths)) {
            switch result {
            case .success(let document): inputs.append(HTMLReport.Input(name: file, document: document))
            case .failure(let error as ResultValidationError):
                Console.error(error.description)
                throw ExitCode(ResultValidationError.exitCode)
            case .failure(let error):
                Console.error("\(error)")
                throw ExitCode(65)
            }
        }
        if history {
            let options = ComparisonOptions(threshold: try ComparisonArguments.fraction(threshold, option: "--threshold"))
            let report = HistoryReport(inputs.map { NamedResult(name: $0.name, document: $0.document) }, options: options)
            if let html {
                try write(report.html(), to: html)
                Console.note("history of \(report.runs.count) runs written to \(html)")
            }
            if let csv {
                try write(report.csv(), to: csv)
                Console.note("history CSV written to \(csv)")
            }
            return
        }
        if let html {
            try write(HTMLReport.render(inputs), to: html)
            Console.note("HTML report written to \(html)")
        }
        if let csv {
            try write(ResultRenderer.csv(inputs.map { ($0.name, $0.document) }, withFileColumns: true) + "\n", to: csv)
            Console.note("CSV written to \(csv)")
        }
    }

    /// The files given, each folder replaced by the result files in it (`*.json`, by name).
    func expand(_ items: [String]) throws -> [String] {
        var paths: [String] = []
        for item in items {
            var info = stat()
            if stat(item, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: item) else {
                    Console.error("cannot list \(item)")
                    throw ExitCode(65)
                }
                let found = names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
                if found.isEmpty {
                    Console.error("\(item): no result files (*.json) in this folder")
                    throw ExitCode(65)
                }
                paths += found.map { item + (item.hasSuffix("/") ? "" : "/") + $0 }
            } else {
                paths.append(item)
            }
        }
        return paths
    }

    /// Atomic write: a temporary file beside the target, then a rename.
    func write(_ text: String, to path: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            Console.error("cannot write \(path): \(error)")
            throw ExitCode(1)
        }
    }
}
