import ArgumentParser
import SuanliCore
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

    @Argument(help: "Result files (several runs of a device give each metric's history).")
    var files: [String]

    @Option(help: "Write the HTML report here.") var html: String?
    @Option(help: "Write every measurement of every file as CSV here.") var csv: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one result file") }
        if html == nil && csv == nil { throw ValidationError("give --html OUT.html and/or --csv OUT.csv") }
    }

    func run() throws {
        var inputs: [HTMLReport.Input] = []
        for file in files {
            do { inputs.append(HTMLReport.Input(name: file, document: try ResultStore.read(file))) } catch {
                Console.error("\(error)")
                throw ExitCode(65)
            }
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

    /// Atomic write: a temporary file beside the target, then a rename.
    func write(_ text: String, to path: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            Console.error("cannot write \(path): \(error)")
            throw ExitCode(1)
        }
    }
}
