import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif

/// A self-contained HTML report (no scripts, no network): per device a results table, an SVG
/// roofline chart (measured bandwidth and compute ceilings, measured kernels as points at their
/// arithmetic intensity, the roofline sweep as a curve) and, over several runs, each metric's history.
public enum HTMLReport {
    public struct Input: Sendable {
        public var name: String
        public var document: ResultDocument
        public init(name: String, document: ResultDocument) { self.name = name; self.document = document }
    }

    public static func render(_ inputs: [Input]) -> String {
        let runs = inputs.sorted { $0.document.created < $1.document.created }
        // A device is the same device across runs when its name and its host's CPU match.
        var order: [String] = []
        var byDevice: [String: [(Input, DeviceDescriptor)]] = [:]
        for input in runs {
            for device in input.document.devices {
                let key = device.name + " @ " + input.document.host.cpuModel
                if byDevice[key] == nil { order.append(key) }
                byDevice[key, default: []].append((input, device))
            }
        }
        var html = HTMLPage.head(title: "Suanli report", style: """
            h2 { margin-top: 2em; border-bottom: 2px solid #dde3ea; padding-bottom: .2em; }
            table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: 13px; }
            th, td { padding: 4px 8px; border-bottom: 1px solid #e6eaef; text-align: left; }
            tr.failed td { background: #fdecec; } tr.skipped td, tr.implausible td { color: #7b8794; }
            .status-ok { color: #1a7f37; } .status-failed { color: #c62828; font-weight: 600; }
            svg { background: #fbfcfd; border: 1px solid #e6eaef; }
            .ceiling { stroke-width: 2.5; fill: none; } .bw { stroke: #1f6feb; } .compute { stroke: #d9480f; }
            .measured-curve { stroke: #6f42c1; stroke-width: 1.5; fill: none; stroke-dasharray: 4 3; }
            .point { stroke: #fff; stroke-width: 1; } .gemm { fill: #d9480f; } .stream { fill: #1f6feb; } .roofline { fill: #6f42c1; }
            .level { stroke-width: 1.5; stroke-dasharray: 6 3; } .level-0 { stroke: #2b8a3e; } .level-1 { stroke: #0b7285; }
            .level-2 { stroke: #5f3dc4; } .level-3 { stroke: #495057; } .level-4 { stroke: #c2255c; } .level-5 { stroke: #e67700; }
            .sweep { fill: none; stroke-width: 1.5; } .sweep.chase, .sweep.read { stroke: #1f6feb; } .sweep.chase-parallel { stroke: #d9480f; }
            .point.chase, .point.read { fill: #1f6feb; } .point.chase-parallel { fill: #d9480f; }
            .plateau { stroke: #2b8a3e; stroke-width: 4; opacity: .45; } .reported { stroke: #8a96a3; stroke-dasharray: 2 3; }
            .history { display: inline-block; margin: .4em 1.2em .4em 0; vertical-align: top; }
            .history svg { border: none; background: none; } .spark { stroke: #1f6feb; fill: none; stroke-width: 1.5; }
            .change-band { fill: #e3f2e6; } .change-zero { stroke: #8a96a3; stroke-dasharray: 2 2; } .change-interval { stroke-width: 3; }
            .change-estimate { stroke: #fff; stroke-width: 1; } .change-unbounded { stroke-dasharray: 6 4; } text.label { stroke: none; }
            .verdict-regression { stroke: #c62828; fill: #c62828; } .verdict-improvement { stroke: #1a7f37; fill: #1a7f37; }
            .verdict-unchanged { stroke: #5b6675; fill: #5b6675; } .verdict-inconclusive { stroke: #b7791f; fill: #b7791f; }
            \(energyStyle)
            """)
        html += """
        <p class="meta">\(runs.count) run(s): \(runs.map { escape($0.name) + " (" + escape($0.document.created) + ")" }.joined(separator: ", "))</p>

        """
        for key in order {
            guard let entries = byDevice[key], let (latest, device) = entries.last else { continue }
            let measurements = latest.document.measurements.filter { $0.device == device.id }
            html += "<section class=\"device\">\n<h2>\(escape(device.name))</h2>\n"
            html += "<p class=\"meta\">\(escape(device.id)) · \(escape(device.type)) · \(device.computeUnits) compute units · "
                + "host \(escape(latest.document.host.hostname)) (\(escape(latest.document.host.cpuModel))) · latest run "
                + "\(escape(latest.document.created)) · \(escape(latest.name))</p>\n"
            let levels = latest.document.hierarchyLevels(of: device.id)
            html += rooflineSVG(measurements, levels: levels, title: device.name)
            html += memoryHierarchy(measurements, levels: levels, device: device, title: device.name)
            html += efficiencySVG(measurements, title: device.name)
            for (input, entry) in entries { if let burn = input.document.burn, burn.device == entry.id { html += burnTimeline(burn) } }
            html += resultsTable(measurements)
            html += comparisonChart(measurements)
            html += history(entries.map { ($0.0, $0.1.id) })
            html += "</section>\n"
        }
        html += "</body></html>\n"
        return html
    }

    /// The measurements drawn as points: verified, with a defined arithmetic intensity.
    public static func plottedPoints(_ measurements: [Measurement]) -> [(Measurement, ai: Double, gflops: Double)] {
        measurements.compactMap { m in
            guard let ai = m.arithmeticIntensity, let g = m.gflopsForRoofline, ai > 0, g > 0 else { return nil }
            return (m, ai, g)
        }
    }

    static func rooflineSVG(_ measurements: [Measurement], levels: [HierarchyLevel] = [], title: String) -> String {
        let points = plottedPoints(measurements)
        // One memory ceiling per level of the hierarchy found by the cache sweep (L1, L2, …, DRAM).
        let levelCeilings = levels.compactMap { level in level.bandwidthGBs.map { (level.level, $0) } }
        let ok = measurements.filter { $0.status == .ok }
        let bandwidth = ok.filter { $0.suite == .stream }.compactMap(\.median).max()
        let compute = (ok.filter { $0.suite == .peak || $0.suite == .gemm || $0.suite == .roofline }.compactMap(\.gflopsForRoofline)
                       + ok.filter { $0.suite == .peak }.compactMap(\.median)).max()
        guard !points.isEmpty || bandwidth != nil || compute != nil || !levelCeilings.isEmpty else {
            return "<p class=\"meta\">No roofline: no verified stream, peak, GEMM, roofline or cache measurement.</p>\n"
        }
        let width = 720.0, height = 420.0, left = 70.0, right = 20.0, top = 30.0, bottom = 50.0
        // The intensities of the points and of every ridge (where a memory ceiling meets the compute one).
        let ridges = compute.map { c in ([bandwidth].compactMap { $0 } + levelCeilings.map(\.1)).filter { $0 > 0 }.map { c / $0 } } ?? []
        let ais = points.map(\.ai) + ridges
        let xMin = pow2Floor((ais.min() ?? 0.1) / 2), xMax = pow2Ceil((ais.max() ?? 100) * 2)
        // Both ends of every memory ceiling: from xMin up to its ridge (or the right edge).
        let memoryCeilings = [bandwidth].compactMap { $0 } + levelCeilings.map(\.1)
        let ys = points.map(\.gflops) + [compute].compactMap { $0 }
            + memoryCeilings.flatMap { bw in [bw * xMin, bw * min(xMax, compute.map { $0 / bw } ?? xMax)] }
        let yMin = pow10Floor((ys.min() ?? 1) / 2), yMax = pow10Ceil((ys.max() ?? 10) * 1.5)
        let frame = LogLogFrame(width: width, height: height, left: left, right: right, top: top, bottom: bottom,
                                xMin: xMin, xMax: xMax, yMin: yMin, yMax: yMax)
        func x(_ v: Double) -> Double { frame.x(v) }
        func y(_ v: Double) -> Double { frame.y(v) }
        var svg = frame.open(
            class: "roofline-chart", data: [("points", "\(points.count)"), ("levels", "\(levelCeilings.count)")],
            label: "Roofline of \(title)", title: "Roofline: \(title)")
        svg += frame.axes(xLabel: "arithmetic intensity (FLOP/byte)", xTick: tickLabel, yLabel: "GFLOP/s")
        if let bandwidth {
            // Memory ceiling: GFLOP/s = GB/s × intensity, up to the compute ceiling.
            let ridge = compute.map { $0 / bandwidth } ?? xMax
            let end = min(xMax, ridge)
            svg += "<polyline class=\"ceiling bw\" points=\"\(fmt(x(xMin))),\(fmt(y(bandwidth * xMin))) \(fmt(x(end))),\(fmt(y(bandwidth * end)))\">"
                + "<title>measured bandwidth \(formatted(bandwidth, decimals: 1)) GB/s</title></polyline>\n"
            // With level ceilings labelled at the left, the stream line is labelled where it ends.
            if levelCeilings.isEmpty {
                svg += text(x(xMin) + 6, y(bandwidth * xMin) - 8, "\(formatted(bandwidth, decimals: 1)) GB/s", anchor: "start")
            } else {
                svg += text(x(end) - 6, y(bandwidth * end) + 14, "stream \(formatted(bandwidth, decimals: 1)) GB/s", anchor: "end")
            }
        }
        for (index, (name, levelBandwidth)) in levelCeilings.enumerated() {
            // A level's ceiling: GFLOP/s = its bandwidth × intensity, up to the compute ceiling.
            let end = min(xMax, compute.map { $0 / levelBandwidth } ?? xMax)
            let label = "\(name) \(formatted(levelBandwidth, decimals: 1)) GB/s"
            svg += "<polyline class=\"ceiling level level-\(index % 6)\" data-level=\"\(escape(name))\" "
                + "points=\"\(fmt(x(xMin))),\(fmt(y(levelBandwidth * xMin))) \(fmt(x(end))),\(fmt(y(levelBandwidth * end)))\">"
                + "<title>\(escape(label)) (plateau of the cache sweep)</title></polyline>\n"
            // Labels at the left end: parallel lines, so they stand apart by the ratio of the bandwidths.
            svg += text(x(xMin) + 6, y(levelBandwidth * xMin) - 5, label, anchor: "start")
        }
        if let compute {
            let start = (bandwidth ?? levelCeilings.map(\.1).max()).map { max(xMin, compute / $0) } ?? xMin
            svg += "<polyline class=\"ceiling compute\" points=\"\(fmt(x(start))),\(fmt(y(compute))) \(fmt(x(xMax))),\(fmt(y(compute)))\">"
                + "<title>measured compute \(formatted(compute, decimals: 1)) GFLOP/s</title></polyline>\n"
            svg += text(x(xMax) - 4, y(compute) - 8, "\(formatted(compute, decimals: 1)) GFLOP/s", anchor: "end")
        }
        let sweep = points.filter { $0.0.suite == .roofline }.sorted { $0.ai < $1.ai }
        if sweep.count >= 2 {
            svg += "<polyline class=\"measured-curve\" points=\"" + sweep.map { "\(fmt(x($0.ai))),\(fmt(y($0.gflops)))" }.joined(separator: " ") + "\"/>\n"
        }
        for (m, ai, g) in points {
            svg += "<circle class=\"point \(m.suite.rawValue)\" cx=\"\(fmt(x(ai)))\" cy=\"\(fmt(y(g)))\" r=\"5\" "
                + "data-kernel=\"\(escape(m.kernel))\" data-suite=\"\(m.suite.rawValue)\" data-ai=\"\(fmt(ai))\" data-gflops=\"\(fmt(g))\">"
                + "<title>\(escape(m.suite.rawValue)) \(escape(m.kernel)) \(m.precision?.rawValue ?? "") \(escape(displaySize(m.size, times: "×"))): "
                + "\(formatted(g, decimals: 1)) GFLOP/s at \(formatted(ai, decimals: 3)) FLOP/byte</title></circle>\n"
        }
        svg += "</svg>\n"
        return "<figure>\n" + svg + "<figcaption class=\"meta\">Lines: measured ceilings (best stream bandwidth, best verified compute"
            + (levelCeilings.isEmpty ? "" : "; one per memory level found by the cache sweep, L1 to DRAM") + "). "
            + "Points: verified kernels (orange GEMM, blue stream, purple roofline sweep).</figcaption>\n</figure>\n"
    }

    /// The `memlat` latency and `cache` bandwidth curves against working set (log axes), with the
    /// plateaus found and, on the latency chart, the cache sizes the device reports; then the levels
    /// as a table. Empty when neither suite ran.
    static func memoryHierarchy(_ measurements: [Measurement], levels: [HierarchyLevel], device: DeviceDescriptor,
                                title: String) -> String {
        let reported = MemoryHierarchy.reportedCaches(device).map { cache in
            (cache.level == 0 ? "last level" : "L\(cache.level)", cache.bytes)
        }
        var html = ""
        html += sweepSVG(measurements, suite: .memlat, kernels: ["chase", "chase-parallel"], unit: "ns per load",
                         plateaus: levels.compactMap { l in
                             guard let v = l.latencyNs, let from = l.latencyFromBytes, let to = l.latencyThroughBytes else { return nil }
                             return (l.level, from, to, v)
                         },
                         reported: reported, title: "Latency: \(title)")
        html += sweepSVG(measurements, suite: .cache, kernels: ["read"], unit: "GB/s",
                         plateaus: levels.compactMap { l in
                             guard let v = l.bandwidthGBs, let from = l.bandwidthFromBytes, let to = l.bandwidthThroughBytes else { return nil }
                             return (l.level, from, to, v)
                         },
                         reported: [], title: "Read bandwidth: \(title)")
        guard !levels.isEmpty else { return html }
        html += "<table class=\"hierarchy\">\n<thead><tr><th>level</th><th>found</th><th>reported</th><th>bandwidth</th><th>latency</th>"
            + "<th>note</th></tr></thead>\n<tbody>\n"
        for level in levels {
            html += "<tr><td>\(escape(level.level))</td><td class=\"num\">\(level.bytes.map(WorkingSetSweep.describe) ?? "–")</td>"
                + "<td class=\"num\">\(level.reportedBytes.map(WorkingSetSweep.describe) ?? "–")</td>"
                + "<td class=\"num\">\(level.bandwidthGBs.map { displayNumber($0) + " GB/s" } ?? "–")</td>"
                + "<td class=\"num\">\(level.latencyNs.map { displayNumber($0) + " ns" } ?? "–")</td>"
                + "<td>\(escape(level.note ?? ""))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// One sweep suite's verified curves against working set, both axes logarithmic.
    static func sweepSVG(_ measurements: [Measurement], suite: Suite, kernels: [String], unit: String,
                         plateaus: [(String, Int, Int, Double)], reported: [(String, Int)], title: String) -> String {
        let curves = kernels.map { kernel in
            (kernel, measurements.filter { $0.suite == suite && $0.kernel == kernel && $0.status == .ok }
                .compactMap { m -> (Int, Double)? in
                    guard let bytes = m.size["bytes"], let median = m.median, median > 0 else { return nil }
                    return (bytes, median)
                }
                .sorted { $0.0 < $1.0 })
        }.filter { !$0.1.isEmpty }
        let all = curves.flatMap(\.1)
        guard !all.isEmpty else { return "" }
        let width = 720.0, height = 340.0, left = 70.0, right = 20.0, top = 30.0, bottom = 50.0
        let sizes = all.map { Double($0.0) } + reported.map { Double($0.1) }
        let xMin = pow2Floor(sizes.min()!), xMax = pow2Ceil(sizes.max()! * 1.01)
        let yMin = pow10Floor(all.map(\.1).min()! / 1.2), yMax = pow10Ceil(all.map(\.1).max()! * 1.2)
        let frame = LogLogFrame(width: width, height: height, left: left, right: right, top: top, bottom: bottom,
                                xMin: xMin, xMax: xMax, yMin: yMin, yMax: yMax)
        func x(_ v: Double) -> Double { frame.x(v) }
        func y(_ v: Double) -> Double { frame.y(v) }
        var svg = frame.open(
            class: "sweep-chart", leading: [("suite", suite.rawValue)],
            data: [("points", "\(all.count)"), ("plateaus", "\(plateaus.count)")], label: title, title: title)
        svg += frame.axes(xLabel: "working set (bytes, log scale)", xTick: { WorkingSetSweep.describe(Int($0)) }, yLabel: unit)
        for (name, bytes) in reported where Double(bytes) >= xMin && Double(bytes) <= xMax {
            svg += "<line class=\"reported\" x1=\"\(fmt(x(Double(bytes))))\" y1=\"\(fmt(top))\" x2=\"\(fmt(x(Double(bytes))))\" "
                + "y2=\"\(fmt(height - bottom))\"><title>\(escape(name)) reported: \(WorkingSetSweep.describe(bytes))</title></line>\n"
            svg += text(x(Double(bytes)) + 3, top + 10, "\(name) \(WorkingSetSweep.describe(bytes))", anchor: "start")
        }
        for (name, from, through, value) in plateaus {
            svg += "<line class=\"plateau\" data-level=\"\(escape(name))\" x1=\"\(fmt(x(max(xMin, Double(from)))))\" y1=\"\(fmt(y(value)))\" "
                + "x2=\"\(fmt(x(min(xMax, Double(through)))))\" y2=\"\(fmt(y(value)))\"><title>\(escape(name)): \(displayNumber(value)) "
                + "\(escape(unit)) from \(WorkingSetSweep.describe(from)) to \(WorkingSetSweep.describe(through))</title></line>\n"
        }
        for (kernel, points) in curves {
            if points.count >= 2 {
                svg += "<polyline class=\"sweep \(escape(kernel))\" points=\""
                    + points.map { "\(fmt(x(Double($0.0)))),\(fmt(y($0.1)))" }.joined(separator: " ") + "\"/>\n"
            }
            for (bytes, value) in points {
                svg += "<circle class=\"point \(escape(kernel))\" cx=\"\(fmt(x(Double(bytes))))\" cy=\"\(fmt(y(value)))\" r=\"3\" "
                    + "data-kernel=\"\(escape(kernel))\" data-bytes=\"\(bytes)\" data-value=\"\(fmt(value))\">"
                    + "<title>\(escape(kernel)) \(WorkingSetSweep.describe(bytes)): \(displayNumber(value)) \(escape(unit))</title></circle>\n"
            }
        }
        svg += "</svg>\n"
        let legend = curves.map { $0.0 == "chase" ? "blue: one chain" : $0.0 == "chase-parallel" ? "orange: one chain per thread or work-item"
            : "blue: all threads or work-groups reading" }.joined(separator: ", ")
        return "<figure>\n" + svg + "<figcaption class=\"meta\">\(escape(title)) against working set (\(legend)). "
            + "Green bars: the plateaus found"
            + (reported.isEmpty ? "" : "; dotted lines: the cache sizes the device reports") + ".</figcaption>\n</figure>\n"
    }

    static func resultsTable(_ measurements: [Measurement]) -> String {
        let withEnergy = measurements.contains { $0.energy != nil }
        var html = "<table class=\"results\">\n<thead><tr><th>suite</th><th>kernel</th><th>precision</th><th>size</th><th>median</th>"
            + "<th>unit</th><th>p10–p90</th><th>CV</th><th>n</th><th>of peak</th>"
            + (withEnergy ? "<th>W</th><th>per W</th>" : "") + "<th>status</th></tr></thead>\n<tbody>\n"
        for m in measurements {
            let ok = m.status == .ok
            let energy = !withEnergy ? "" : "<td class=\"num\">\(displayNumber(m.energy?.avgWatts))</td><td class=\"num\">"
                + (ok ? (m.energy?.gflopsPerWatt.map { displayNumber($0) + " GFLOP/s/W" } ?? m.energy?.gbsPerWatt.map { displayNumber($0) + " GB/s/W" } ?? "") : "")
                + "</td>"
            html += "<tr class=\"\(m.status.rawValue)\"><td>\(m.suite.rawValue)</td><td>\(escape(m.kernel))</td><td>\(m.precision?.rawValue ?? "–")</td>"
                + "<td>\(escape(displaySize(m.size, times: "×")))</td><td class=\"num\">\(ok ? displayNumber(m.median) : "–")</td><td>\(escape(m.unit.rawValue))</td>"
                + "<td class=\"num\">\(ok ? displayNumber(m.p10) + "–" + displayNumber(m.p90) : "–")</td>"
                + "<td class=\"num\">\(ok ? m.cv.map { formatted($0 * 100, decimals: 1) + "%" } ?? "" : "–")</td>"
                + "<td class=\"num\">\(m.samples.count)</td>"
                + "<td class=\"num\">\(ok ? m.fractionOfPeak.map { formatted($0 * 100, decimals: 1) + "%" } ?? "" : "–")</td>"
                + energy
                + "<td class=\"status-\(m.status.rawValue)\">\(m.status.rawValue)\(m.reason.map { ": " + escape($0) } ?? "")</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// The measurements of a `bench --baseline` run with a change to show: each one's interval of
    /// the change (a line; dashed across the chart when the data gave none) and its estimate (a
    /// dot), coloured by verdict, against its ±threshold band (green). Empty when none was compared.
    static func comparisonChart(_ measurements: [Measurement]) -> String {
        let compared = measurements.compactMap { m in m.comparison.flatMap { c in c.change.map { (m, c, $0) } } }
        guard !compared.isEmpty else { return "" }
        let rowHeight = 24.0, left = 300.0, right = 130.0, top = 30.0, bottom = 40.0, width = 900.0
        let height = top + bottom + rowHeight * Double(compared.count)
        // Symmetric axis over every estimate, interval end and threshold, capped at ±100%.
        let extent = compared.flatMap { _, c, change in [abs(change), abs(c.changeLow ?? 0), abs(c.changeHigh ?? 0), 2 * c.threshold] }
        let span = min(1, (extent.max() ?? 0.1) * 1.15)
        func x(_ v: Double) -> Double { left + (max(-span, min(span, v)) + span) / (2 * span) * (width - left - right) }
        var svg = "<svg class=\"comparison-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" data-intervals=\"\(compared.count)\" role=\"img\" "
            + "aria-label=\"Change against the baseline, with intervals\">\n<title>Change against the baseline</title>\n"
        for fraction in [-1.0, -0.5, 0, 0.5, 1] {
            let v = fraction * span
            svg += line(x(v), top - 6, x(v), height - bottom, v == 0 ? "change-zero" : "grid")
            svg += text(x(v), height - bottom + 16, (v > 0 ? "+" : "") + formatted(v * 100, decimals: span < 0.1 ? 1 : 0) + "%", anchor: "middle")
        }
        svg += text((left + width - right) / 2, height - 8, "change against the baseline (in the unit's own direction)", anchor: "middle")
        for (index, (m, c, change)) in compared.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            let label = "\(m.suite.rawValue) \(m.kernel) \(m.precision?.rawValue ?? "") \(displaySize(m.size, times: "×"))"
            svg += "<rect class=\"change-band\" x=\"\(fmt(x(-c.threshold)))\" y=\"\(fmt(y - rowHeight / 2 + 2))\" "
                + "width=\"\(fmt(x(c.threshold) - x(-c.threshold)))\" height=\"\(fmt(rowHeight - 4))\"/>\n"
            svg += text(left - 8, y + 4, label, anchor: "end")
            let verdict = "verdict-" + c.verdict.rawValue
            let interval = c.changeLow.flatMap { low in c.changeHigh.map { (low, $0) } }
            let (low, high) = interval ?? (-span, span)
            let detail = interval.map { "interval \(signedPercent($0.0)) to \(signedPercent($0.1))" } ?? "no interval"
            svg += "<line class=\"change-interval \(verdict)\(interval == nil ? " change-unbounded" : "")\" x1=\"\(fmt(x(low)))\" y1=\"\(fmt(y))\" "
                + "x2=\"\(fmt(x(high)))\" y2=\"\(fmt(y))\" data-low=\"\(interval.map { "\($0.0)" } ?? "")\" "
                + "data-high=\"\(interval.map { "\($0.1)" } ?? "")\" data-threshold=\"\(c.threshold)\">"
                + "<title>\(escape(label)): change \(signedPercent(change)), \(detail) (\(formatted(c.confidence * 100, decimals: 0))%), "
                + "threshold ±\(formatted(c.threshold * 100, decimals: 1))%: \(c.verdict.rawValue)\(c.reason.map { " — " + escape($0) } ?? "")</title></line>\n"
            svg += "<circle class=\"change-estimate \(verdict)\" cx=\"\(fmt(x(change)))\" cy=\"\(fmt(y))\" r=\"4.5\"/>\n"
            svg += "<text class=\"label \(verdict)\" x=\"\(fmt(width - right + 10))\" y=\"\(fmt(y + 4))\">"
                + "\(signedPercent(change)) \(c.verdict.rawValue)</text>\n"
        }
        svg += "</svg>\n"
        let baselines = Set(compared.map(\.1.baselineFile)).sorted().map(escape).joined(separator: "; ")
        return "<h3>Against the baseline</h3>\n<figure>\n" + svg + "<figcaption class=\"meta\">Compared with \(baselines). "
            + "Green band: ±threshold. Line: the interval of the change; dot: its estimate. Regression or improvement when the whole "
            + "line lies beyond the band, unchanged when it lies within, inconclusive otherwise.</figcaption>\n</figure>\n"
    }

    static func signedPercent(_ v: Double) -> String { (v >= 0 ? "+" : "") + formatted(v * 100, decimals: 1) + "%" }

    /// One small chart per metric measured (verified) in at least two runs of the device.
    static func history(_ runs: [(HTMLReport.Input, String)]) -> String {
        guard runs.count >= 2 else { return "" }
        var series: [MeasurementKey: [(String, Double, Unit)]] = [:]
        var order: [MeasurementKey] = []
        for (input, deviceID) in runs {
            for m in input.document.measurements where m.device == deviceID && m.status == .ok {
                guard let median = m.median else { continue }
                var key = MeasurementKey(m)
                key.device = ""
                if series[key] == nil { order.append(key) }
                series[key, default: []].append((input.document.created, median, m.unit))
            }
        }
        var html = "<h3>History</h3>\n<div class=\"histories\">\n"
        for key in order {
            guard let values = series[key], values.count >= 2 else { continue }
            let w = 220.0, h = 60.0
            let lo = values.map(\.1).min()!, hi = values.map(\.1).max()!
            let span = hi > lo ? hi - lo : max(hi, 1)
            let pts = values.enumerated().map { i, v in
                "\(fmt(8 + Double(i) / Double(values.count - 1) * (w - 16))),\(fmt(h - 8 - (v.1 - lo) / span * (h - 16)))"
            }
            html += "<div class=\"history\"><div class=\"label\">\(escape(key.suite)) \(escape(key.kernel)) \(escape(key.precision)) "
                + "\(escape(key.size)): \(displayNumber(values.first!.1)) → \(displayNumber(values.last!.1)) \(escape(values.last!.2.rawValue))</div>"
                + "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\"><polyline class=\"spark\" points=\"\(pts.joined(separator: " "))\"/>"
                + "<title>\(values.map { "\($0.0): \(displayNumber($0.1))" }.joined(separator: "; "))</title></svg></div>\n"
        }
        return html + "</div>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ cls: String) -> String {
        "<line class=\"\(cls)\" x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\"/>\n"
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String) -> String {
        "<text class=\"label\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\">\(escape(s))</text>\n"
    }

    static func fmt(_ v: Double) -> String { formatted(v, decimals: 1) }
    static func tickLabel(_ v: Double) -> String {
        v >= 1 ? formatted(v, decimals: 0) : "1/" + formatted(1 / v, decimals: 0)
    }

    static func pow2Floor(_ v: Double) -> Double { pow(2, (log(max(v, 1e-9)) / log(2)).rounded(.down)) }
    static func pow2Ceil(_ v: Double) -> Double { pow(2, (log(max(v, 1e-9)) / log(2)).rounded(.up)) }
    static func pow10Floor(_ v: Double) -> Double { pow(10, (log(max(v, 1e-9)) / log(10)).rounded(.down)) }
    static func pow10Ceil(_ v: Double) -> Double { pow(10, (log(max(v, 1e-9)) / log(10)).rounded(.up)) }

    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// The plot area of a chart with both axes logarithmic: value → pixel, and the grid, ticks (×4
/// along x, ×10 along y), axis lines and labels that the roofline and the sweep charts share.
struct LogLogFrame {
    var width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double
    var xMin: Double, xMax: Double, yMin: Double, yMax: Double

    func x(_ v: Double) -> Double { left + (log(v) - log(xMin)) / (log(xMax) - log(xMin)) * (width - left - right) }
    func y(_ v: Double) -> Double { height - bottom - (log(v) - log(yMin)) / (log(yMax) - log(yMin)) * (height - top - bottom) }

    /// The chart's opening `<svg>` tag and its `<title>`: `leading` data attributes right after the
    /// class (what readers of the page match on), `data` after the view box; texts escaped here.
    func open(class name: String, leading: [(String, String)] = [], data: [(String, String)], label: String, title: String) -> String {
        func attributes(_ list: [(String, String)]) -> String {
            list.map { " data-\($0.0)=\"\(HTMLReport.escape($0.1))\"" }.joined()
        }
        return "<svg class=\"\(name)\"\(attributes(leading)) xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\"\(attributes(data)) role=\"img\" "
            + "aria-label=\"\(HTMLReport.escape(label))\">\n<title>\(HTMLReport.escape(title))</title>\n"
    }

    func axes(xLabel: String, xTick: (Double) -> String, yLabel: String) -> String {
        typealias R = HTMLReport
        var svg = ""
        var tick = xMin
        while tick <= xMax * 1.0001 {
            svg += R.line(x(tick), top, x(tick), height - bottom, "grid")
            svg += R.text(x(tick), height - bottom + 16, xTick(tick), anchor: "middle")
            tick *= 4
        }
        var ytick = yMin
        while ytick <= yMax * 1.0001 {
            svg += R.line(left, y(ytick), width - right, y(ytick), "grid")
            svg += R.text(left - 6, y(ytick) + 4, R.tickLabel(ytick), anchor: "end")
            ytick *= 10
        }
        svg += R.line(left, height - bottom, width - right, height - bottom, "axis") + R.line(left, top, left, height - bottom, "axis")
        svg += R.text((left + width - right) / 2, height - 12, xLabel, anchor: "middle")
        svg += "<text class=\"label\" transform=\"translate(16 \(R.fmt((top + height - bottom) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">\(R.escape(yLabel))</text>\n"
        return svg
    }
}
