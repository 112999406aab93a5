import ArgumentParser
import SuanliSizing

struct SizeStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "One training iteration of a dense transformer: time, breakdown, TFLOPS, MFU, memory fit.",
        discussion: """
            Example: suanli size step --model bloom-176b --device a100-80gb --tp 4 --pp 12 --dp 8 --microbatch 2 \
            --global-batch 2048 --recompute full --balance-embedding --attention materialized
            """
    )

    /// The options, declared in SuanliSizing and passed to the planner as parsed.
    @OptionGroup var options: StepOptions
    @Option(help: "Output: table or json.") var format: SizeOutputFormat = .table

    func run() throws {
        try printSizing(format) { try StepPlanner.plan(options, catalog: try Catalog.embedded(), models: try ModelCatalog.embedded()) }
    }
}
