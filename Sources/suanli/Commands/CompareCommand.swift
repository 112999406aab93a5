import ArgumentParser
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliCore
import Synchronization
import SuanliText

/// Exit codes of `suanli compare` and `suanli bench --baseline` (README: "Exit codes").
enum CompareExit {
    static let regression: Int32 = 2
    static let measurementFailed: Int32 = 3
    static let inconclusive: Int32 = 4
    static let baselineUnusable: Int32 = 5
    static let otherError: Int32 = 1

    /// Both sides' files read together, in parallel (at CI scale each file takes seconds to
    /// decode), then judged in order, the baseline's first: a file with impossible figures
    /// (`ResultValidationError`) exits 5 on either side; an unreadable baseline exits 5, an
    /// unreadable current file 1.
    static func read(baseline: [String], current: [String]) throws -> (baselines: [NamedResult], currents: [NamedResult]) {
        let results = ResultStore.readAll(baseline + current)
        let baselines = try named(baseline, Array(results.prefix(baseline.count)), side: "baseline ", unreadable: baselineUnusable)
        let currents = try named(current, Array(results.dropFirst(baseline.count)), side: "", unreadable: otherError)
        return (baselines, currents)
    }

    /// The documents read, or the exit for the first file that failed.
    static func named(_ paths: [String], _ results: [Result<ResultDocument, any Error>], side: String,
                      unreadable: Int32) throws -> [NamedResult] {
        var named: [NamedResult] = []
        for (path, result) in zip(paths, results) {
            switch result {
            case .success(let document): named.append(NamedResult(name: path, document: document))
            case .failure(let error as ResultValidationError):
                Console.error(side + error.description)
                throw ExitCode(ResultValidationError.exitCode)
            case .failure(let error):
                Console.error(side + "\(error)")
                throw ExitCode(unreadable)
            }
        }
        return named
    }

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
        --strict, 5 baseline missing or unreadable, or a file (either side) with impossible figures, \
        1 other errors.
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
    @Option(help: "Output format: table, markdown, json, junit (JUnit XML, one test case per measurement) or github (workflow annotations).")
    var format: CompareFormat = .table

    func validate() throws {
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
        let (baselines, currents) = try CompareExit.read(baseline: baselinePaths, current: currentPaths)
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
        switch format {
        case .table: print(ComparisonRenderer.render(report, format: .table))
        case .markdown: print(ComparisonRenderer.render(report, format: .markdown))
        case .json: print(ComparisonRenderer.render(report, format: .json))
        case .junit: print(ComparisonRenderer.junit(report, strict: comparison.strict))
        case .github: print(ComparisonRenderer.github(report, strict: comparison.strict))
        }
        let code = CompareExit.code(for: report, strict: comparison.strict)
        if code != 0 { throw ExitCode(code) }
    }
}

/// Output formats of `suanli compare`: for people, for tools, and for CI.
enum CompareFormat: String, ExpressibleByArgument, CaseIterable {
    case table, markdown, json, junit, github
}

enum ComparisonRenderer {
    /// The measurement as one name: kernel, precision, size and metric.
    static func caseName(_ key: MeasurementKey) -> String {
        [key.kernel, key.precision, key.size, key.metric ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// What one row says, in one line: verdict, change with its interval, medians, reason.
    static func summary(_ r: ComparisonRow) -> String {
        var parts = [r.verdict.rawValue]
        if let change = r.change { parts.append(signedPercent(change) + (r.interval.map { " (" + interval($0) + ")" } ?? "")) }
        if r.baseline != nil || r.current != nil {
            parts.append("baseline \(displayNumber(r.baseline)) \(r.unit), current \(displayNumber(r.current)) \(r.unit)")
        }
        if let reason = r.reason { parts.append(reason) }
        return parts.joined(separator: "; ")
    }

    /// JUnit XML: one test suite per device and suite, one test case per measurement (and per
    /// efficiency metric). A regression is a `failure`, a failed measurement an `error`, a
    /// measurement missing, new or not compared is `skipped`; with `--strict` an inconclusive
    /// verdict is a failure too (as its exit code says). Everything else passes, its verdict in
    /// `system-out`.
    static func junit(_ report: ComparisonReport, strict: Bool) -> String {
        var groups: [(name: String, rows: [ComparisonRow])] = []
        var index: [String: Int] = [:]
        for row in report.rows {
            let name = "suanli.\(row.key.device).\(row.key.suite)"
            if let i = index[name] { groups[i].rows.append(row) } else {
                index[name] = groups.count
                groups.append((name, [row]))
            }
        }
        func isFailure(_ r: ComparisonRow) -> Bool { r.verdict == .regression || (strict && r.verdict == .inconclusive) }
        func isSkipped(_ r: ComparisonRow) -> Bool { [.missing, .new, .notCompared].contains(r.verdict) }
        func counts(_ rows: [ComparisonRow]) -> String {
            "tests=\"\(rows.count)\" failures=\"\(rows.filter(isFailure).count)\" "
                + "errors=\"\(rows.filter { $0.verdict == .failed }.count)\" skipped=\"\(rows.filter(isSkipped).count)\""
        }
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                     "<testsuites name=\"suanli compare\" \(counts(report.rows))>"]
        for group in groups {
            lines.append("  <testsuite name=\"\(xml(group.name))\" \(counts(group.rows))>")
            lines.append("    <properties><property name=\"baseline\" value=\"\(xml(report.baseline))\"/>"
                         + "<property name=\"current\" value=\"\(xml(report.current))\"/>"
                         + "<property name=\"threshold\" value=\"\(report.threshold)\"/>"
                         + "<property name=\"confidence\" value=\"\(report.confidence)\"/></properties>")
            for r in group.rows {
                let text = xml(summary(r))
                lines.append("    <testcase classname=\"\(xml(group.name))\" name=\"\(xml(caseName(r.key)))\">")
                if isFailure(r) {
                    lines.append("      <failure type=\"\(r.verdict.rawValue)\" message=\"\(text)\">\(text)</failure>")
                } else if r.verdict == .failed {
                    lines.append("      <error type=\"failed\" message=\"\(text)\">\(text)</error>")
                } else if isSkipped(r) {
                    lines.append("      <skipped message=\"\(text)\"/>")
                } else {
                    lines.append("      <system-out>\(text)</system-out>")
                }
                lines.append("    </testcase>")
            }
            lines.append("  </testsuite>")
        }
        lines.append("</testsuites>")
        return lines.joined(separator: "\n")
    }

    /// Text for XML content and attribute values: markup escaped, and the characters XML 1.0
    /// cannot hold at all (control characters but tab and line ends) replaced by U+FFFD.
    static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// GitHub Actions workflow commands: `::error` for a regression or a failed measurement,
    /// `::warning` for an inconclusive verdict (an error with --strict), `::notice` for an
    /// improvement; then one plain summary line.
    static func github(_ report: ComparisonReport, strict: Bool) -> String {
        var lines: [String] = []
        for r in report.rows {
            let level: String
            switch r.verdict {
            case .regression, .failed: level = "error"
            case .inconclusive: level = strict ? "error" : "warning"
            case .improvement: level = "notice"
            case .unchanged, .missing, .new, .notCompared: continue
            }
            let title = "\(r.verdict.rawValue): \(r.key.device) \(r.key.suite) \(caseName(r.key))"
            lines.append("::\(level) title=\(workflowProperty(title))::\(workflowData(summary(r)))")
        }
        let counts = Verdict.allCases.map { "\(report.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        lines.append("suanli compare: " + counts + " (threshold \(ResultRenderer.percent(report.threshold)))")
        return lines.joined(separator: "\n")
    }

    /// A workflow command's message: %, CR and LF encoded.
    static func workflowData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// A workflow command's property value: also : and , encoded.
    static func workflowProperty(_ text: String) -> String {
        workflowData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }

    static func render(_ report: ComparisonReport, format: OutputFormat) -> String {
        if format == .json { return (try? json(report)) ?? "{}" }
        let confidence = formatted(report.confidence * 100, decimals: report.confidence * 100 == (report.confidence * 100).rounded() ? 0 : 1)
        var text = TableRenderer.render(report.rows, markdown: format == .markdown) { r in
            [
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
        let counts = Verdict.allCases.map { "\(report.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        text += "\n" + counts + " (threshold \(ResultRenderer.percent(report.threshold)), \(confidence)% intervals)"
        if report.usesWithinRunIntervals {
            text += "\nIntervals from one run per side see the noise inside a run, not the drift between runs: "
                + "for that, repeat both sides (bench --repeat 3, or several files per side)."
        }
        return text
    }

    /// The report as `JSONOutput.string` writes it, byte for byte, with the rows (tens of
    /// thousands at CI scale) encoded in chunks on every core: each chunk as an array of its own,
    /// then spliced into the report's `rows`, every line indented one level deeper (JSON strings
    /// hold no raw line breaks, so every line break in the text is the writer's).
    static func json(_ report: ComparisonReport) throws -> String {
        let chunk = 1024
        guard report.rows.count > chunk else { return String(decoding: try encoder().encode(report), as: UTF8.self) }
        var empty = report
        empty.rows = []
        let outline = Array(try encoder().encode(empty))
        let placeholder = Array("\"rows\" : [\n\n  ]".utf8)
        guard let at = outline.firstRange(of: placeholder) else {
            return String(decoding: try encoder().encode(report), as: UTF8.self)
        }
        let rows = report.rows
        let chunks = (rows.count + chunk - 1) / chunk
        let parts = Mutex<[Result<[UInt8], any Error>?]>(Array(repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { part in
            let result = Result<[UInt8], any Error> {
                let text = Array(try encoder().encode(Array(rows[(part * chunk)..<min(rows.count, (part + 1) * chunk)])))
                // "[\n" + elements + "\n]": the elements, each line two spaces further in.
                var out: [UInt8] = []
                out.reserveCapacity(text.count + text.count / 8)
                var lineStart = true
                for byte in text[2..<(text.count - 2)] {
                    if lineStart && byte != UInt8(ascii: "\n") { out.append(0x20); out.append(0x20) }
                    out.append(byte)
                    lineStart = byte == UInt8(ascii: "\n")
                }
                return out
            }
            parts.withLock { $0[part] = result }
        }
        var out: [UInt8] = []
        out.reserveCapacity(outline.count + rows.count * 1024)
        out += outline[..<at.lowerBound]
        out += Array("\"rows\" : [\n".utf8)
        for (index, part) in parts.withLock({ $0 }).enumerated() {
            if index > 0 { out += Array(",\n".utf8) }
            out += try part!.get()
        }
        out += Array("\n  ]".utf8)
        out += outline[at.upperBound...]
        return String(decoding: out, as: UTF8.self)
    }

    /// An encoder set as `JSONOutput.string` sets it.
    @Sendable static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func signedPercent(_ value: Double) -> String { (value >= 0 ? "+" : "") + ResultRenderer.percent(value) }

    static func interval(_ e: ChangeEstimate?) -> String {
        guard let e else { return "" }
        guard let low = e.low, let high = e.high else { return "unbounded" }
        return signedPercent(low) + " … " + signedPercent(high)
    }
}
