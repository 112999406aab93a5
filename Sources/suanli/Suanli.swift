import ArgumentParser
import SuanliCore

@main
struct Suanli: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suanli",
        abstract: "Benchmark GPUs and CPUs, and size training and serving runs from the measurements.",
        version: SuanliVersion.string,
        subcommands: [BenchCommand.self, CompareCommand.self, ReportCommand.self, DevicesCommand.self, SensorsCommand.self, BurnCommand.self, SizeCommand.self],
        defaultSubcommand: nil
    )
}
