import SuanliSchema

/// Energy in the HTML report: a bar chart of each measurement's efficiency (GFLOP/s per watt,
/// GB/s per watt) and a burn's timeline (rate, watts and temperature per interval).
extension HTMLReport {
    static let energyStyle = """
    .bar { fill: #2f9e44; } .bar.gbps { fill: #1f6feb; } .timeline-line { fill: none; stroke-width: 1.5; }
    .rate-line { stroke: #d9480f; } .watts-line { stroke: #2f9e44; } .temperature-line { stroke: #c2255c; }
    .interval { stroke: #fff; stroke-width: 1; } .interval.ok { fill: #3d4753; } .interval.failed { fill: #c62828; }
    .throttled-band { fill: #ffe8cc; }
    """

    /// The measurements with an efficiency figure, in order.
    public static func efficiencyBars(_ measurements: [Measurement]) -> [(Measurement, value: Double, unit: String)] {
        measurements.compactMap { m in
            guard m.status == .ok, let e = m.energy else { return nil }
            if let v = e.gflopsPerWatt, v > 0 { return (m, v, "GFLOP/s/W") }
            if let v = e.gbsPerWatt, v > 0 { return (m, v, "GB/s/W") }
            return nil
        }
    }

    /// Horizontal bars, one per measurement, on one linear scale per unit.
    static func efficiencySVG(_ measurements: [Measurement], title: String) -> String {
        let bars = efficiencyBars(measurements)
        guard !bars.isEmpty else { return "" }
        var html = ""
        for unit in ["GFLOP/s/W", "GB/s/W"] {
            let group = bars.filter { $0.unit == unit }
            guard let top = group.map(\.value).max() else { continue }
            let rowHeight = 22.0, left = 260.0, right = 110.0, width = 720.0, top0 = 26.0
            let height = top0 + Double(group.count) * rowHeight + 10
            let scale = (width - left - right) / top
            var svg = "<svg class=\"efficiency-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
                + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" data-bars=\"\(group.count)\" role=\"img\" aria-label=\"Efficiency of \(escape(title))\">\n"
            svg += "<title>\(escape(unit)): \(escape(title))</title>\n"
            svg += text(left, 16, "\(unit) (median over the average watts of the timed runs)", anchor: "start")
            for (i, (m, value, _)) in group.enumerated() {
                let y = top0 + Double(i) * rowHeight
                let label = "\(m.suite.rawValue) \(m.kernel) \(m.precision?.rawValue ?? "") \(displaySize(m.size, times: "×"))"
                let watts = m.energy?.avgWatts.map { " at " + formatted($0, decimals: 1) + " W" } ?? ""
                svg += text(left - 8, y + 14, label, anchor: "end")
                svg += "<rect class=\"bar \(unit == "GB/s/W" ? "gbps" : "gflops")\" x=\"\(fmt(left))\" y=\"\(fmt(y + 3))\" "
                    + "width=\"\(fmt(max(1, value * scale)))\" height=\"\(fmt(rowHeight - 6))\" data-value=\"\(displayNumber(value))\">"
                    + "<title>\(escape(label)): \(displayNumber(value)) \(unit)\(watts) (\(escape(m.energy?.source ?? "")))</title></rect>\n"
                svg += text(left + value * scale + 6, y + 14, displayNumber(value) + watts, anchor: "start")
            }
            svg += "</svg>\n"
            let scope = group.compactMap(\.0.energy?.scope).first
            html += "<figure>\n" + svg + "<figcaption class=\"meta\">Energy efficiency of verified measurements"
                + (scope == .wholeNode ? " (whole-node power from a power command)" : "") + ".</figcaption>\n</figure>\n"
        }
        return html
    }

    /// A burn's timeline: for each suite its rate per interval, then watts and temperature when
    /// measured. Failed intervals are red; throttled intervals are shaded.
    static func burnTimeline(_ burn: BurnRecord) -> String {
        guard !burn.intervals.isEmpty else { return "" }
        let end = burn.intervals.map { $0.startSeconds + $0.seconds }.max() ?? 1
        var html = "<h3>Burn timeline</h3>\n<p class=\"meta\">\(burn.intervals.count) intervals over \(formatted(burn.elapsedSeconds, decimals: 0)) s; "
            + burn.summary.map { s in
                "\(s.suite.rawValue): sustain ratio \(s.sustainRatio.map { formatted($0, decimals: 3) } ?? "–"), "
                    + "\(s.verificationErrors) verification error\(s.verificationErrors == 1 ? "" : "s")"
                    + (s.peakTemperatureC.map { ", peak \(formatted($0, decimals: 0)) °C" } ?? "")
                    + (s.throttledIntervals.map { ", \($0) throttled interval\($0 == 1 ? "" : "s")" } ?? "")
            }.joined(separator: "; ") + "</p>\n"
        var panels: [(name: String, unit: String, cls: String, points: [(BurnInterval, Double)])] = []
        for suite in burn.suites {
            let list = burn.intervals.filter { $0.suite == suite }
            guard let unit = list.first?.unit else { continue }
            panels.append(("\(suite.rawValue) rate", unit.rawValue, "rate-line", list.compactMap { i in i.rate.map { (i, $0) } }))
        }
        let watts = burn.intervals.compactMap { i in i.avgWatts.map { (i, $0) } }
        if !watts.isEmpty { panels.append(("power", "W", "watts-line", watts)) }
        let temperature = burn.intervals.compactMap { i in i.temperatureC.map { (i, $0) } }
        if !temperature.isEmpty { panels.append(("temperature", "°C", "temperature-line", temperature)) }
        for panel in panels where !panel.points.isEmpty {
            let width = 720.0, height = 170.0, left = 70.0, right = 20.0, top = 24.0, bottom = 34.0
            let values = panel.points.map(\.1)
            let lo = min(0, values.min()!), hi = values.max()! * 1.1
            let span = hi > lo ? hi - lo : 1
            func x(_ t: Double) -> Double { left + t / max(end, 1e-9) * (width - left - right) }
            func y(_ v: Double) -> Double { height - bottom - (v - lo) / span * (height - top - bottom) }
            var svg = "<svg class=\"burn-timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
                + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" data-intervals=\"\(panel.points.count)\" role=\"img\" "
                + "aria-label=\"Burn \(escape(panel.name))\">\n<title>Burn: \(escape(panel.name))</title>\n"
            for (i, _) in panel.points where i.throttled == true {
                svg += "<rect class=\"throttled-band\" x=\"\(fmt(x(i.startSeconds)))\" y=\"\(fmt(top))\" "
                    + "width=\"\(fmt(max(1, x(i.startSeconds + i.seconds) - x(i.startSeconds))))\" height=\"\(fmt(height - top - bottom))\"/>\n"
            }
            for k in 0...4 {
                let v = lo + span * Double(k) / 4
                svg += line(left, y(v), width - right, y(v), "grid")
                svg += text(left - 6, y(v) + 4, displayNumber(v), anchor: "end")
            }
            svg += line(left, height - bottom, width - right, height - bottom, "axis") + line(left, top, left, height - bottom, "axis")
            svg += text(left, 16, "\(panel.name) (\(panel.unit))", anchor: "start")
            svg += text((left + width - right) / 2, height - 8, "seconds from the start of the burn", anchor: "middle")
            svg += text(width - right, height - bottom + 14, formatted(end, decimals: 0), anchor: "end")
            svg += text(left, height - bottom + 14, "0", anchor: "middle")
            let centres = panel.points.map { (x($0.0.startSeconds + $0.0.seconds / 2), y($0.1)) }
            if centres.count >= 2 {
                svg += "<polyline class=\"timeline-line \(panel.cls)\" points=\"" + centres.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ") + "\"/>\n"
            }
            for ((i, v), (cx, cy)) in zip(panel.points, centres) {
                svg += "<circle class=\"interval \(i.verified ? "ok" : "failed")\" cx=\"\(fmt(cx))\" cy=\"\(fmt(cy))\" r=\"3.5\" "
                    + "data-index=\"\(i.index)\" data-value=\"\(displayNumber(v))\"><title>interval \(i.index + 1) \(i.suite.rawValue): "
                    + "\(displayNumber(v)) \(escape(panel.unit))\(i.verified ? "" : " — failed: " + escape(i.error ?? ""))"
                    + "\(i.throttled == true ? " — throttled: " + escape((i.throttleReasons ?? []).joined(separator: ", ")) : "")</title></circle>\n"
            }
            svg += "</svg>\n"
            html += svg
        }
        return html
    }
}
