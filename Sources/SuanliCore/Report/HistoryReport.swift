import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif

/// `suanli report --history`: many runs (nightly, say) of the same benchmarks over time. Each
/// measurement gets a trend line of its median over the runs' dates with its p10–p90 band, and
/// each run is compared with the one before it (`Comparator`, the verdicts of `suanli compare`),
/// changes marked. The same as CSV. Self-contained HTML: no script, no network.
public struct HistoryReport: Sendable {
    /// One run: the file and when it ran.
    public struct Run: Sendable {
        public var name: String
        public var created: String
        public var runID: String
    }

    /// One measurement in one run: its figures and the verdict against the run before.
    public struct Point: Sendable {
        /// Index into `runs`.
        public var run: Int
        public var status: MeasurementStatus
        public var median: Double?
        public var p10: Double?
        public var p90: Double?
        public var samples: Int
        /// Against the run before (nil for the first run that has it).
        public var verdict: Verdict?
        public var change: Double?
        public var changeLow: Double?
        public var changeHigh: Double?
        public var reason: String?
    }

    /// One measurement over time.
    public struct Series: Sendable {
        public var key: MeasurementKey
        public var unit: String
        public var higherIsBetter: Bool
        public var points: [Point]
        /// Regressions and improvements along the way.
        public var changes: Int { points.filter { $0.verdict == .regression || $0.verdict == .improvement }.count }
    }

    /// Runs in time order (creation time, then file name).
    public var runs: [Run]
    public var series: [Series]
    public var threshold: Double
    public var confidence: Double

    /// Orders the runs by time and compares each with the one before (pairs compared on every core).
    public init(_ inputs: [NamedResult], options: ComparisonOptions = ComparisonOptions()) {
        let ordered = inputs.sorted { ($0.document.created, $0.name) < ($1.document.created, $1.name) }
        runs = ordered.map { Run(name: $0.name, created: $0.document.created, runID: $0.document.runID) }
        threshold = options.threshold
        confidence = options.confidence
        // Each run against the one before, as `compare` would.
        var verdicts: [[MeasurementKey: ComparisonRow]] = Array(repeating: [:], count: ordered.count)
        for index in ordered.indices.dropFirst() {
            let report = Comparator.compare(baselines: [ordered[index - 1]], currents: [ordered[index]], options: options)
            verdicts[index] = Dictionary(report.rows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        }
        var order: [MeasurementKey] = []
        var byKey: [MeasurementKey: Series] = [:]
        for (index, input) in ordered.enumerated() {
            for m in input.document.measurements {
                let key = MeasurementKey(m)
                let row = verdicts[index][key]
                let point = Point(run: index, status: m.status, median: m.status == .ok ? m.median : nil,
                                  p10: m.status == .ok ? m.p10 : nil, p90: m.status == .ok ? m.p90 : nil,
                                  samples: m.samples.count, verdict: row?.verdict, change: row?.change,
                                  changeLow: row?.interval?.low, changeHigh: row?.interval?.high, reason: row?.reason)
                if byKey[key] == nil {
                    order.append(key)
                    byKey[key] = Series(key: key, unit: m.unit.rawValue, higherIsBetter: m.higherIsBetter, points: [])
                }
                byKey[key]!.points.append(point)
            }
        }
        series = order.sorted().map { byKey[$0]! }
    }

    // MARK: CSV

    public func csv() -> String {
        var lines = ["device,suite,kernel,precision,size,unit,file,run_id,created,status,median,p10,p90,samples,"
                     + "verdict_vs_previous,change,change_low,change_high,reason"]
        for s in series {
            for p in s.points {
                let run = runs[p.run]
                let fields = [s.key.device, s.key.suite, s.key.kernel, s.key.precision, s.key.size, s.unit, run.name, run.runID,
                              run.created, p.status.rawValue, displayNumber(p.median), displayNumber(p.p10), displayNumber(p.p90),
                              "\(p.samples)", p.verdict?.rawValue ?? "", displayNumber(p.change), displayNumber(p.changeLow),
                              displayNumber(p.changeHigh), p.reason ?? ""]
                lines.append(fields.map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")
            ? "\"" + String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\"" : text
    }

    // MARK: HTML

    /// Seconds since 1970 of an ISO 8601 UTC time (`2026-11-25T17:56:39Z`); nil when it is not one.
    static func seconds(_ created: String) -> Double? {
        let digits = created.unicodeScalars.filter { $0.value >= 48 && $0.value <= 57 }.map { Int($0.value) - 48 }
        guard digits.count >= 14 else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + digits[$1] } }
        let (y, mo, d) = (number(0..<4), number(4..<6), number(6..<8))
        let (h, mi, s) = (number(8..<10), number(10..<12), number(12..<14))
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        // Days from the civil date (proleptic Gregorian calendar).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days) * 86_400 + Double(h * 3600 + mi * 60 + s)
    }

    /// The page: a summary of the runs, then per measurement its trend chart and its runs.
    public func html() -> String {
        let times = runs.map { Self.seconds($0.created) }
        let allTimed = times.allSatisfy { $0 != nil }
        // x position of each run: its time when every run has one, its place otherwise.
        let xs: [Double] = allTimed ? times.map { $0! } : runs.indices.map(Double.init)
        let (first, last) = (xs.min() ?? 0, xs.max() ?? 1)
        let changed = series.filter { $0.changes > 0 }.count
        var html = HTMLPage.head(title: "Suanli history", style: """
            h2 { font-size: 1.1em; margin: 1.6em 0 .3em; }
            table { border-collapse: collapse; margin: .4em 0 1em; font-size: 12px; }
            th, td { padding: 2px 8px; border-bottom: 1px solid #e6eaef; text-align: left; }
            svg.trend-chart { background: #fbfcfd; border: 1px solid #e6eaef; }
            .band { fill: #1f6feb; opacity: .16; } .trend { fill: none; stroke: #1f6feb; stroke-width: 1.8; }
            .point { stroke: #fff; stroke-width: 1; fill: #1f6feb; }
            .point.regression { fill: #c62828; } .point.improvement { fill: #1a7f37; } .point.inconclusive { fill: #b7791f; }
            .mark { font-size: 13px; font-weight: 700; } .mark.regression { fill: #c62828; } .mark.improvement { fill: #1a7f37; }
            tr.regression td { background: #fdecec; } tr.improvement td { background: #e8f5ea; } tr.inconclusive td { color: #8a5a00; }
            .changed { color: #c62828; font-weight: 600; } .steady { color: #1a7f37; }
            """, bodyClass: "history-page")
        html += """
        <p class="meta">\(runs.count) run(s) from \(HTMLReport.escape(runs.first?.created ?? "-")) to \(HTMLReport.escape(runs.last?.created ?? "-")); \
        \(series.count) measurement(s), \(changed) with a regression or improvement between consecutive runs \
        (threshold \(formatted(threshold * 100, decimals: 1))%, \(formatted(confidence * 100, decimals: 1))% intervals). \
        The line is each run's median, the band its p10–p90; ▼ marks a regression against the run before, ▲ an improvement.</p>

        """
        // Measurements with changes first, then the rest, each group in key order.
        let ordered = series.filter { $0.changes > 0 } + series.filter { $0.changes == 0 }
        for s in ordered {
            let title = [s.key.device, s.key.suite, s.key.kernel, s.key.precision, s.key.size].filter { !$0.isEmpty }.joined(separator: " ")
            html += "<section class=\"measurement\">\n<h2>\(HTMLReport.escape(title)) <span class=\"\(s.changes > 0 ? "changed" : "steady")\">"
                + (s.changes > 0 ? "\(s.changes) change(s)" : "no change") + "</span></h2>\n"
            html += chart(s, xs: xs, first: first, last: last)
            html += table(s)
            html += "</section>\n"
        }
        return html + "</body></html>\n"
    }

    /// The trend chart: band, median line, one point per run with a figure, changes marked.
    func chart(_ s: Series, xs: [Double], first: Double, last: Double) -> String {
        let w = 1000.0, h = 230.0, left = 70.0, right = 20.0, top = 24.0, bottom = 34.0
        let plotted = s.points.filter { $0.median != nil }
        let values = plotted.flatMap { [$0.median!, $0.p10 ?? $0.median!, $0.p90 ?? $0.median!] }
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if hi - lo < 1e-12 * max(abs(hi), 1) { lo -= max(abs(lo) * 0.05, 1e-9); hi += max(abs(hi) * 0.05, 1e-9) }
        let pad = (hi - lo) * 0.08
        lo -= pad
        hi += pad
        let span = last > first ? last - first : 1
        func x(_ run: Int) -> Double { last > first ? left + (xs[run] - first) / span * (w - left - right) : left + (w - left - right) / 2 }
        func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * (h - top - bottom) }
        var svg = "<svg class=\"trend-chart\" data-points=\"\(plotted.count)\" data-changes=\"\(s.changes)\" width=\"\(Int(w))\" "
            + "height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for i in 0...4 {
            let v = lo + (hi - lo) * Double(i) / 4
            svg += HTMLReport.line(left, y(v), w - right, y(v), "grid")
            svg += HTMLReport.text(left - 6, y(v) + 4, displayNumber(v), anchor: "end")
        }
        svg += HTMLReport.line(left, h - bottom, w - right, h - bottom, "axis")
        svg += HTMLReport.line(left, top, left, h - bottom, "axis")
        svg += HTMLReport.text(6, 13, s.unit, anchor: "start")
        // Date labels: the first and last run, and up to four between.
        let labelled = plotted.isEmpty ? [] : Array(Set([0, plotted.count - 1] + (1..<5).map { plotted.count * $0 / 5 }))
            .filter { $0 < plotted.count }.sorted()
        var lastLabelX = -1000.0
        for index in labelled {
            let run = plotted[index].run
            guard x(run) - lastLabelX > 120 else { continue }
            lastLabelX = x(run)
            svg += HTMLReport.text(x(run), h - bottom + 16, String(runs[run].created.prefix(16).map { $0 == "T" ? " " : $0 }),
                                   anchor: x(run) > w - right - 60 ? "end" : x(run) < left + 60 ? "start" : "middle")
        }
        if plotted.count >= 2 {
            let upper = plotted.map { "\(HTMLReport.fmt(x($0.run))),\(HTMLReport.fmt(y($0.p90 ?? $0.median!)))" }
            let lower = plotted.reversed().map { "\(HTMLReport.fmt(x($0.run))),\(HTMLReport.fmt(y($0.p10 ?? $0.median!)))" }
            svg += "<polygon class=\"band\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
            svg += "<polyline class=\"trend\" points=\"\(plotted.map { "\(HTMLReport.fmt(x($0.run))),\(HTMLReport.fmt(y($0.median!)))" }.joined(separator: " "))\"/>\n"
        } else if let only = plotted.first, let p10 = only.p10, let p90 = only.p90 {
            svg += HTMLReport.line(x(only.run), y(p10), x(only.run), y(p90), "band-single")
        }
        for p in plotted {
            let verdict = p.verdict?.rawValue ?? "first"
            let tip = "\(runs[p.run].created) · \(runs[p.run].name): median \(displayNumber(p.median)) \(s.unit), p10–p90 "
                + "\(displayNumber(p.p10))–\(displayNumber(p.p90))" + (p.verdict.map { "; \($0.rawValue)" } ?? "")
                + (p.change.map { " " + HTMLReport.signedPercent($0) } ?? "")
            svg += "<circle class=\"point \(verdict)\" cx=\"\(HTMLReport.fmt(x(p.run)))\" cy=\"\(HTMLReport.fmt(y(p.median!)))\" r=\"3.5\">"
                + "<title>\(HTMLReport.escape(tip))</title></circle>\n"
            if p.verdict == .regression || p.verdict == .improvement {
                let worse = p.verdict == .regression
                // ▼ below the point for a regression, ▲ above for an improvement.
                svg += "<text class=\"mark \(verdict)\" x=\"\(HTMLReport.fmt(x(p.run)))\" y=\"\(HTMLReport.fmt(y(p.median!) + (worse ? 16 : -8)))\" "
                    + "text-anchor=\"middle\">\(worse ? "▼" : "▲")</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// The runs of one measurement, latest first; the verdict and change against the run before.
    func table(_ s: Series) -> String {
        var rows = ""
        for p in s.points.reversed() {
            let run = runs[p.run]
            let change = p.change.map { c in
                HTMLReport.signedPercent(c) + ((p.changeLow != nil && p.changeHigh != nil)
                    ? " [\(HTMLReport.signedPercent(p.changeLow!)), \(HTMLReport.signedPercent(p.changeHigh!))]" : "")
            } ?? ""
            let cls = p.verdict.map { " class=\"\($0.rawValue)\"" } ?? ""
            rows += "<tr\(cls)><td>\(HTMLReport.escape(run.created))</td><td>\(HTMLReport.escape(run.name))</td>"
                + "<td>\(p.status.rawValue)</td><td class=\"num\">\(displayNumber(p.median))</td>"
                + "<td class=\"num\">\(displayNumber(p.p10))–\(displayNumber(p.p90))</td>"
                + "<td>\(p.verdict?.rawValue ?? "")</td><td class=\"num\">\(change)</td>"
                + "<td>\(HTMLReport.escape(p.reason ?? ""))</td></tr>\n"
        }
        return "<table><tr><th>Run</th><th>File</th><th>Status</th><th>Median (\(HTMLReport.escape(s.unit)))</th><th>p10–p90</th>"
            + "<th>vs previous</th><th>Change [interval]</th><th>Reason</th></tr>\n" + rows + "</table>\n"
    }
}
