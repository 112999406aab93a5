import ArgumentParser
import SuanliCore
import TextTable

/// Exit codes of `suanli compare` and `suanli bench --baseline` (README: "Exit codes").
enum CompareExit {
    static let regression: Int32 = 2
    static let measurementFailed: Int32 = 3
    static let baselineUnusable: Int32 = 5
    static let otherError: Int32 = 1

    /// A failed measurement outranks a regression: its figures cannot be trusted at all.
    static func code(for report: ComparisonReport) -> Int32 {
        if report.hasFailure { return measurementFailed }
        if report.hasRegression { return regression }
        return 0
    }
}

/// Options shared by `compare` and `bench --baseline`.
struct ComparisonArguments: ParsableArguments {
    @Option(help: "Relative change that counts, as 5% or 0.05.")
    var threshold: String = "5%"

    @Option(name: .customLong("suite-threshold"), help: "Per-suite threshold, e.g. gemm=3% (repeatable).")
    var suiteThresholds: [String] = []

    @Option(help: "Confidence of the Mann–Whitney rank test that the sample sets differ.")
    var confidence: Double = 0.99

    @Flag(help: "Compare results from different hardware anyway.")
    var force = false

    static func fraction(_ text: String, option: String) throws -> Double {
        let trimmed = text.trimmed()
        let isPercent = trimmed.hasSuffix("%")
        guard let value = Double(isPercent ? String(trimmed.dropLast()) : trimmed), value.isFinite else {
            throw ValidationError("\(option) '\(text)' is not a number; write 5% or 0.05")
        }
        let fraction = isPercent ? value / 100 : value
        guard fraction > 0, fraction < 10 else { throw ValidationError("\(option) must be positive, e.g. 5% or 0.05") }
        if !isPercent && value >= 1 { throw ValidationError("\(option) \(text) is ambiguous; write \(text)% or \(value / 100)") }
        return fraction
    }

    func options() throws -> ComparisonOptions {
        var perSuite: [Suite: Double] = [:]
        for entry in suiteThresholds {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let suite = Suite(rawValue: parts[0]) else {
                throw ValidationError("--suite-threshold '\(entry)': expected SUITE=THRESHOLD with a suite of "
                                      + Suite.allCases.map(\.rawValue).joined(separator: ", "))
            }
            perSuite[suite] = try Self.fraction(parts[1], option: "--suite-threshold \(parts[0])")
        }
        guard confidence > 0.5, confidence < 1 else { throw ValidationError("--confidence must be between 0.5 and 1") }
        return ComparisonOptions(threshold: try Self.fraction(threshold, option: "--threshold"),
                                 suiteThresholds: perSuite, confidence: confidence)
    }

    func validate() throws { _ = try options() }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two result files: regressions, improvements, missing and new measurements.",
        discussion: """
        A change counts when it exceeds the threshold and the sample sets really differ: their ranges
        do not overlap and a Mann–Whitney U test says so at --confidence. Exit codes: 0 no regression,
        2 regression, 3 a measurement failed, 5 baseline missing or unreadable, 1 other errors.
        """
    )

    @Argument(help: "The baseline result file.") var baseline: String
    @Argument(help: "The current result file.") var current: String
    @OptionGroup var comparison: ComparisonArguments
    @Option(help: "Output format: table, markdown or json.") var format: OutputFormat = .table

    func validate() throws {
        guard format != .csv else { throw ValidationError("--format for compare must be table, markdown or json") }
    }

    func run() throws {
        let options = try comparison.options()
        let base: ResultDocument
        do { base = try ResultStore.read(baseline) } catch {
            Console.error("baseline \(error)")
            throw ExitCode(CompareExit.baselineUnusable)
        }
        let now: ResultDocument
        do { now = try ResultStore.read(current) } catch {
            Console.error("\(error)")
            throw ExitCode(CompareExit.otherError)
        }
        if let difference = Comparator.hardwareDifference(baseline: base, current: now), !comparison.force {
            Console.error("refusing to compare different hardware (\(difference)); pass --force to compare anyway")
            throw ExitCode(CompareExit.otherError)
        }
        let report = Comparator.compare(baseline: base, current: now, baselineName: baseline, currentName: current,
                                        options: options)
        print(ComparisonRenderer.render(report, format: format))
        let code = CompareExit.code(for: report)
        if code != 0 { throw ExitCode(code) }
    }
}

enum ComparisonRenderer {
    static func render(_ report: ComparisonReport, format: OutputFormat) -> String {
        if format == .json { return (try? JSONOutput.string(report)) ?? "{}" }
        struct Row { let r: ComparisonRow }
        let table = TextTable<Row> { row in
            let r = row.r
            return [
                Column(title: "Device", value: r.key.device),
                Column(title: "Suite", value: r.key.suite),
                Column(title: "Kernel", value: r.key.kernel),
                Column(title: "Prec", value: r.key.precision.isEmpty ? "-" : r.key.precision),
                Column(title: "Size", value: r.key.size),
                Column(title: "Baseline", value: displayNumber(r.baseline), align: .right),
                Column(title: "Current", value: displayNumber(r.current), align: .right),
                Column(title: "Unit", value: r.unit),
                Column(title: "Change", value: r.change.map { (($0 >= 0) ? "+" : "") + ResultRenderer.percent($0) } ?? "", align: .right),
                Column(title: "p", value: r.pValue.map { formatted($0, decimals: 3) } ?? "", align: .right),
                Column(title: "Verdict", value: r.verdict.rawValue + (r.reason.map { ": " + $0.prefix(70) } ?? "")),
            ]
        }
        let style: TextTableStyle.Type = format == .markdown ? Style.pipe : Style.simple
        var text = table.string(for: report.rows.map(Row.init), style: style) ?? ""
        let counts = [Verdict.regression, .improvement, .unchanged, .missing, .new, .failed, .notCompared]
            .map { "\(report.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        text += "\n" + counts + " (threshold \(ResultRenderer.percent(report.threshold)), confidence \(formatted(report.confidence * 100, decimals: 0))%)"
        return text
    }
}

