import SuanliCore
import SuanliText

/// Renders a result document for people (table, Markdown) or tools (JSON, CSV).
enum ResultRenderer {
    /// The document in `format`. Tables show the measurements that ran; skipped ones fold into one
    /// line per reason (SkippedSummary) unless `showSkipped`. JSON and CSV hold every measurement.
    static func render(_ document: ResultDocument, format: OutputFormat, showSkipped: Bool = false) -> String {
        switch format {
        case .json:
            return (try? document.encoded()).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        case .csv:
            return csv([("", document)], withFileColumns: false)
        case .table, .markdown:
            let all = document.measurements
            let rows = showSkipped ? all : all.filter { $0.status != .skipped }
            var lines: [String] = []
            if !rows.isEmpty || rows.count == all.count { lines.append(measurementTable(rows, format: format)) }
            if !showSkipped {
                let folded = SkippedSummary.lines(all, namingDevices: Set(all.map(\.device)).count > 1)
                if !folded.isEmpty {
                    // The table ends in a newline: the folded lines follow one blank line.
                    lines += folded.map { (format == .markdown ? "- " : "") + $0 }
                    if format == .markdown { lines.append("") }
                }
            }
            lines += footer(document, folded: !showSkipped)
            if let levels = document.hierarchy, !levels.isEmpty {
                lines.append("\nMemory hierarchy found (cache and memlat plateaus):\n" + hierarchy(levels, format: format))
            }
            return lines.joined(separator: "\n")
        }
    }

    /// One row per measurement; W and per W columns when any has an energy record.
    static func measurementTable(_ measurements: [Measurement], format: OutputFormat) -> String {
        let withEnergy = measurements.contains { $0.energy != nil }
        return TableRenderer.render(measurements, markdown: format == .markdown) { m in
            let reported = m.status == .ok
            let energy: [Column] = withEnergy ? [
                Column(title: "W", value: displayNumber(m.energy?.avgWatts), align: .right),
                Column(title: "per W", value: reported ? efficiency(m.energy) : "", align: .right),
            ] : []
            return [
                Column(title: "Device", value: m.device),
                Column(title: "Suite", value: m.suite.rawValue),
                Column(title: "Kernel", value: m.kernel),
                Column(title: "Prec", value: m.precision?.rawValue ?? "-"),
                Column(title: "Size", value: displaySize(m.size)),
                Column(title: "Median", value: reported ? displayNumber(m.median) : "-", align: .right),
                Column(title: "Unit", value: m.unit.rawValue),
                Column(title: "p10–p90", value: reported ? "\(displayNumber(m.p10))–\(displayNumber(m.p90))" : "-"),
                Column(title: "CV", value: reported ? percent(m.cv) : "-", align: .right),
                Column(title: "n", value: m.samples.count, align: .right),
                Column(title: "Peak", value: reported ? percent(m.fractionOfPeak) : "-", align: .right),
            ] + energy + [
                Column(title: "Status", value: m.status.rawValue + (m.status == .ok ? "" : ": " + (m.reason ?? "")).prefix(90)),
            ]
        }
    }

    /// The counts by status, and what the energy columns mean when there are any.
    static func footer(_ document: ResultDocument, folded: Bool) -> [String] {
        let measurements = document.measurements
        func count(_ status: MeasurementStatus) -> Int { measurements.filter { $0.status == status }.count }
        let skipped = count(.skipped)
        var lines = ["\(count(.ok)) verified, \(count(.failed)) failed, \(skipped) skipped"
            + (folded && skipped > 0 ? " (as rows: --show-skipped)" : "")
            + ", \(count(.implausible)) implausible" + (document.incomplete ? " (incomplete run)" : "")]
        let energy = measurements.compactMap(\.energy)
        if energy.first?.scope == .wholeNode {
            lines.append("W: whole-node power (--power-command); per W: the median over the average watts")
        } else if !energy.isEmpty {
            lines.append("W: average power over the timed runs; per W: the median over the average watts (GFLOP/s/W or GB/s/W)")
        }
        return lines
    }

    /// CSV of the measurements of several documents; with file columns, each row names its run.
    static func csv(_ documents: [(name: String, document: ResultDocument)], withFileColumns: Bool) -> String {
        let header = "device,suite,kernel,precision,size,unit,median,min,max,p10,p90,cv,samples,verified,status,fraction_of_peak,reason,avg_watts,gflops_per_watt,gbs_per_watt"
        var lines = [(withFileColumns ? "file,run_id,created," : "") + header]
        for (name, document) in documents {
            for m in document.measurements {
                var fields: [String] = withFileColumns ? [name, document.runID, document.created] : []
                fields += [m.device, m.suite.rawValue, m.kernel, m.precision?.rawValue ?? "", displaySize(m.size),
                           m.unit.rawValue, displayNumber(m.median), displayNumber(m.min), displayNumber(m.max), displayNumber(m.p10),
                           displayNumber(m.p90), displayNumber(m.cv), "\(m.samples.count)", "\(m.verified)", m.status.rawValue,
                           displayNumber(m.fractionOfPeak), m.reason ?? "", displayNumber(m.energy?.avgWatts),
                           displayNumber(m.energy?.gflopsPerWatt), displayNumber(m.energy?.gbsPerWatt)]
                lines.append(fields.map(csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n")
    }



    /// The levels found, one row each: capacity found and reported, bandwidth, latency, note.
    static func hierarchy(_ levels: [HierarchyLevel], format: OutputFormat) -> String {
        TableRenderer.render(levels, markdown: format == .markdown) { level in
            [
                Column(title: "Device", value: level.device),
                Column(title: "Level", value: level.level),
                Column(title: "Found", value: level.bytes.map(WorkingSetSweep.describe) ?? "-", align: .right),
                Column(title: "Reported", value: level.reportedBytes.map(WorkingSetSweep.describe) ?? "-", align: .right),
                Column(title: "GB/s", value: level.bandwidthGBs.map { displayNumber($0) } ?? "-", align: .right),
                Column(title: "ns", value: level.latencyNs.map { displayNumber($0) } ?? "-", align: .right),
                Column(title: "Note", value: level.note ?? ""),
            ]
        }
    }

    /// GFLOP/s/W or GB/s/W with its unit.
    static func efficiency(_ energy: EnergyRecord?) -> String {
        if let value = energy?.gflopsPerWatt { return displayNumber(value) + " GFLOP/s/W" }
        if let value = energy?.gbsPerWatt { return displayNumber(value) + " GB/s/W" }
        return ""
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "" }
        return formatted(value * 100, decimals: 1) + "%"
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") || text.contains("\n")
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
