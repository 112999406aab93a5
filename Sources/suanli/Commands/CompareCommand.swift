import ArgumentParser
import SuanliCore
import TextTable

/// Exit codes of `suanli compare` and `suanli bench --baseline` (README: "Exit codes").
enum CompareExit {
    static let regression: Int32 = 2
    static let measurementFailed: Int32 = 3
    static let inconclusive: Int32 = 4
    static let baselineUnusable: Int32 = 5
    static let otherError: Int32 = 1

    /// A failed measurement outranks a regression: its figures cannot be trusted at all. An
    /// inconclusive verdict counts only with `--strict`, and after both.
    static func code(for report: ComparisonReport, strict: Bool) -> Int32 {
        if report.hasFailure { return measurementFailed }
        if report.hasRegression { return regression }
        if strict && report.hasInconclusive { return inconclusive }
        return 0
    }
}

/// Options shared by `compare` and `bench --baseline`.
struct ComparisonArguments: ParsableArguments {
    @Option(help: "Relative change that counts, as 5% or 0.05.")
    var threshold: String = "5%"

    @Option(name: .customLong("suite-threshold"), help: "Per-suite threshold, e.g. gemm=3% (repeatable).")
    var suiteThresholds: [String] = []

    @Option(help: "Confidence of the interval of each change.")
    var confidence: Double = ComparisonOptions.defaultConfidence

    @Flag(help: "Exit 4 when a verdict is inconclusive (and nothing failed or regressed).")
    var strict = false

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
        abstract: "Compare result files: regressions, improvements, inconclusive, missing and new measurements.",
        discussion: """
        Each change gets a confidence interval: regression or improvement when all of it lies beyond \
        the threshold, unchanged when all of it lies within, inconclusive otherwise. Files made with \
        `bench --repeat R`, or several files per side, give intervals that include the drift between \
        runs. Exit codes: 0 no regression, 2 regression, 3 a measurement failed, 4 inconclusive with \
        --strict, 5 baseline missing or unreadable, 1 other errors.
        """
    )

    @Argument(help: "BASELINE CURRENT: one result file per side (or give --baseline and --current).")
    var files: [String] = []
    @Option(name: .customLong("baseline"), parsing: .upToNextOption,
            help: "Baseline result files, each one repeat (a `bench --repeat R` file counts R).")
    var baselineFiles: [String] = []
    @Option(name: .customLong("current"), parsing: .upToNextOption,
            help: "Current result files, each one repeat (a `bench --repeat R` file counts R).")
    var currentFiles: [String] = []
    @OptionGroup var comparison: ComparisonArguments
    @Option(help: "Output format: table, markdown or json.") var format: OutputFormat = .table

    func validate() throws {
        guard format != .csv else { throw ValidationError("--format for compare must be table, markdown or json") }
        let named = !baselineFiles.isEmpty || !currentFiles.isEmpty
        if named && !(files.isEmpty && !baselineFiles.isEmpty && !currentFiles.isEmpty) {
            throw ValidationError("give BASELINE CURRENT, or --baseline FILE... and --current FILE..., not a mix")
        }
        if !named && files.count != 2 {
            throw ValidationError("give two result files, BASELINE CURRENT (or --baseline FILE... --current FILE...)")
        }
    }

    func run() throws {
        let options = try comparison.options()
        let (baselinePaths, currentPaths) = files.count == 2 ? ([files[0]], [files[1]]) : (baselineFiles, currentFiles)
        var baselines: [NamedResult] = []
        for path in baselinePaths {
            do { baselines.append(NamedResult(name: path, document: try ResultStore.read(path))) } catch {
                Console.error("baseline \(error)")
                throw ExitCode(CompareExit.baselineUnusable)
            }
        }
        var currents: [NamedResult] = []
        for path in currentPaths {
            do { currents.append(NamedResult(name: path, document: try ResultStore.read(path))) } catch {
                Console.error("\(error)")
                throw ExitCode(CompareExit.otherError)
            }
        }
        if !comparison.force {
            for other in baselines.dropFirst() + currents {
                if let difference = Comparator.hardwareDifference(baseline: baselines[0].document, current: other.document) {
                    Console.error("refusing to compare different hardware (\(baselines[0].name) and \(other.name): \(difference)); "
                                  + "pass --force to compare anyway")
                    throw ExitCode(CompareExit.otherError)
                }
            }
        }
        let report = Comparator.compare(baselines: baselines, currents: currents, options: options)
        print(ComparisonRenderer.render(report, format: format))
        let code = CompareExit.code(for: report, strict: comparison.strict)
        if code != 0 { throw ExitCode(code) }
    }
}

enum ComparisonRenderer {
    static func render(_ report: ComparisonReport, format: OutputFormat) -> String {
        if format == .json { return (try? JSONOutput.string(report)) ?? "{}" }
        struct Row { let r: ComparisonRow }
        let confidence = formatted(report.confidence * 100, decimals: report.confidence * 100 == (report.confidence * 100).rounded() ? 0 : 1)
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
                Column(title: "Change", value: r.change.map(signedPercent) ?? "", align: .right),
                Column(title: "Interval (\(confidence)%)", value: interval(r.interval), align: .right),
                Column(title: "Runs", value: r.interval.map { "\($0.baselineRepeats)/\($0.currentRepeats)" } ?? "", align: .right),
                Column(title: "Samples", value: r.interval.map { "\($0.baselineSamples)/\($0.currentSamples)" } ?? "", align: .right),
                Column(title: "Verdict", value: r.verdict.rawValue),
                Column(title: "Reason", value: r.reason ?? ""),
            ]
        }
        let style: TextTableStyle.Type = format == .markdown ? Style.pipe : Style.simple
        var text = table.string(for: report.rows.map(Row.init), style: style) ?? ""
        let counts = Verdict.allCases.map { "\(report.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        text += "\n" + counts + " (threshold \(ResultRenderer.percent(report.threshold)), \(confidence)% intervals)"
        if report.usesWithinRunIntervals {
            text += "\nIntervals from one run per side see the noise inside a run, not the drift between runs: "
                + "for that, repeat both sides (bench --repeat 3, or several files per side)."
        }
        return text
    }

    static func signedPercent(_ value: Double) -> String { (value >= 0 ? "+" : "") + ResultRenderer.percent(value) }

    static func interval(_ e: ChangeEstimate?) -> String {
        guard let e else { return "" }
        guard let low = e.low, let high = e.high else { return "unbounded" }
        return signedPercent(low) + " … " + signedPercent(high)
    }
}
