import ArgumentParser
import Foundation
import SuanliCore
import SuanliSizing

/// `suanli size`: accelerators, days, cost and energy to train or serve a model.
/// A thin shell: the option groups are SuanliSizing's own argument types, parsed here and passed
/// to its planners as they are; the library validates and computes. See Docs/sizing.md.
struct SizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "Accelerators, days, cost and energy to train or serve a model.",
        discussion: """
            Numbers accept suffixes: 175e9, 175B, 1.4T, 300M, 2.5k. Exit codes: 0 success, \
            64 bad or contradictory options, 65 unusable data file (results or catalog).
            """,
        subcommands: [SizeTrain.self, SizeStep.self, SizeServe.self, SizeDevices.self]
    )
}

enum SizeOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Prints a sizing error as one line on stderr and exits with its documented code.
func failSizing(_ error: Error) -> Error {
    let message: String
    let code: Int32
    if let e = error as? ResultValidationError {
        // A result file whose figures cannot be true (--calibrate): exit 5, as compare and report.
        message = e.description
        code = ResultValidationError.exitCode
    } else if let e = error as? SizingError {
        message = e.description
        code = e.exitCode
    } else {
        message = String(describing: error)
        code = 1
    }
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    return ExitCode(code)
}

/// What a sizing command prints: a table for people, or JSON.
protocol SizingAnswer {
    var table: String { get }
    var json: JSONValue { get }
}

extension TrainReport: SizingAnswer {}
extension StepReport: SizingAnswer {}
extension ServeRouter.Answer: SizingAnswer {}

/// The accelerator catalog as `size devices` lists it.
struct CatalogAnswer: SizingAnswer {
    let table: String
    let json: JSONValue
}

/// Prints a sizing answer in `format`; a sizing error becomes one line on stderr and its
/// documented exit code.
func printSizing(_ format: SizeOutputFormat, _ answer: () throws -> any SizingAnswer) throws {
    do {
        let answer = try answer()
        print(format == .json ? answer.json.rendered() : answer.table, terminator: format == .json ? "\n" : "")
    } catch {
        throw failSizing(error)
    }
}

struct SizeTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Devices and days (or days for devices) to train a model, with cost, energy and memory.",
        discussion: """
            Work: --params N --tokens D (6·N·D; --recompute for 8·N·D), or --flops X, or --pf-days X.
            Rate: --device NAME [--precision P] [--mfu F], --achieved-tflops X, --peak-tflops X [--mfu F], \
            or --calibrate RESULTS.json [--utilization U].
            Scale, exactly one: --devices N, --days D, --cluster-eflops X.
            Example (the article's arithmetic): suanli size train --pf-days 3640 --peak-tflops 600 --mfu 1 --days 1
            """
    )

    /// The options, declared in SuanliSizing and passed to the planner as parsed.
    @OptionGroup var arguments: TrainArguments

    @Option(help: "Output: table or json.")
    var format: SizeOutputFormat = .table

    func run() throws {
        try printSizing(format) { try TrainPlanner.plan(arguments, catalog: try Catalog.embedded(), models: try ModelCatalog.embedded()) }
    }
}

struct SizeServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serving: prefill, decode with KV cache, batch, latency targets, and devices for a demand.",
        discussion: """
            Step model (give the model): --model NAME or --layers --hidden --heads [--kv-heads] [--ffn] [--gated-ffn] --vocab, \
            --input-tokens N --output-tokens M, hardware from --device, --calibrate RESULTS.json or explicit figures. \
            Per device: prefill, TTFT, TPOT, output tokens/s, KV cache, the largest batch that fits, and what binds. \
            --slo-ttft/--slo-tpot choose the largest batch meeting them; --dau with --tokens-per-user, \
            --requests-per-second or --tokens-per-second (× --peak-factor) give devices, cost and energy.
            Rough bound (no shape): --params N with --dau/--tokens-per-user or --tokens-per-second; one rule per constraint.
            Example: suanli size serve --model llama3.3-70b --device h100 --tp 2 --precision fp8 --input-tokens 1000 --output-tokens 1000
            """
    )

    /// The options, declared in SuanliSizing and passed to the router as parsed.
    @OptionGroup var arguments: ServeArguments

    @Option(help: "Output: table or json.")
    var format: SizeOutputFormat = .table

    func run() throws {
        try printSizing(format) {
            try ServeRouter.plan(arguments, catalog: try Catalog.embedded(), models: try ModelCatalog.embedded())
        }
    }
}

struct SizeDevices: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the accelerator catalog: dense peaks, memory, bandwidth, power, sources."
    )

    @Option(help: "Output: table or json (json includes sources and sparse peaks).")
    var format: SizeOutputFormat = .table

    func run() throws {
        try printSizing(format) {
            let catalog = try Catalog.embedded()
            return CatalogAnswer(table: CatalogListing.table(catalog), json: CatalogListing.json(catalog))
        }
    }
}
