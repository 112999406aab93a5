import SuanliCore
import TextTable

/// Renders a result document for people (table, Markdown) or tools (JSON, CSV).
enum ResultRenderer {
    static func render(_ document: ResultDocument, format: OutputFormat) -> String {
        switch format {
        case .json:
            return (try? document.encoded()).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        case .csv:
            return csv([("", document)], withFileColumns: false)
        case .table, .markdown:
            struct Row { let m: Measurement }
            let withEnergy = document.measurements.contains { $0.energy != nil }
            let table = TextTable<Row> { row in
                let m = row.m
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
            let rows = document.measurements.map(Row.init)
            let style: TextTableStyle.Type = format == .markdown ? Style.pipe : Style.simple
            var text = table.string(for: rows, style: style) ?? ""
            let failed = document.measurements.filter { $0.status == .failed }.count
            let ok = document.measurements.filter { $0.status == .ok }.count
            text += "\n\(ok) verified, \(failed) failed, "
                + "\(document.measurements.filter { $0.status == .skipped }.count) skipped, "
                + "\(document.measurements.filter { $0.status == .implausible }.count) implausible"
                + (document.incomplete ? " (incomplete run)" : "")
            if withEnergy, let scope = document.measurements.compactMap(\.energy).first?.scope, scope == .wholeNode {
                text += "\nW: whole-node power (--power-command); per W: the median over the average watts"
            } else if withEnergy {
                text += "\nW: average power over the timed runs; per W: the median over the average watts (GFLOP/s/W or GB/s/W)"
            }
            if let levels = document.hierarchy, !levels.isEmpty {
                text += "\n\nMemory hierarchy found (cache and memlat plateaus):\n" + hierarchy(levels, style: style)
            }
            return text
        }
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
    static func hierarchy(_ levels: [HierarchyLevel], style: TextTableStyle.Type) -> String {
        let table = TextTable<HierarchyLevel> { level in
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
        return table.string(for: levels, style: style) ?? ""
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
