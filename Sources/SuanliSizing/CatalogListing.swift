#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `suanli size devices`: the catalog as a table or JSON.
public enum CatalogListing {
    public static func table(_ catalog: Catalog) -> String {
        let columns: [SizingPrecision] = [.bf16, .fp16, .fp8, .int8, .tf32, .fp32]
        let header = ["id", "name"] + columns.map(\.rawValue) + ["mem GB", "HBM GB/s", "TDP W", "link GB/s",
                      "net GB/s", "unverified"]
        var rows: [[String]] = [header]
        func figure(_ v: SourcedValue?) -> String {
            guard let v else { return "-" }
            return Format.number(v.value, decimals: 1) + (v.verified ? "" : "*")
        }
        for a in catalog.accelerators {
            let all = Array(a.denseTFLOPS.values)
                + [a.memoryGB, a.memoryBandwidthGBps, a.tdpWatts, a.interconnectGBps, a.scaleOutGBps].compactMap { $0 }
            let unverified = all.contains { !$0.verified } ? "yes" : ""
            rows.append([a.id, a.name] + columns.map { figure(a.dense($0)) } + [
                figure(a.memoryGB), figure(a.memoryBandwidthGBps), figure(a.tdpWatts), figure(a.interconnectGBps),
                figure(a.scaleOutGBps), unverified,
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines: [String] = []
        for (index, row) in rows.enumerated() {
            let cells = row.indices.map { column -> String in
                let pad = String(repeating: " ", count: widths[column] - row[column].count)
                return column < 2 ? row[column] + pad : pad + row[column]
            }
            lines.append(cells.joined(separator: "  ").trimmingTrailingSpaces())
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("")
        lines.append("Dense peaks in TFLOPS (no sparsity); sparse peaks are in --format json and never used by default.")
        lines.append("* marks a figure not verified against a vendor datasheet. Sources: suanli size devices --format json.")
        lines.append("Prices: " + catalog.accelerators.compactMap { a in
            a.price.map { "\(a.id) \(Format.number($0.value)) \($0.currency) (\($0.source)\($0.verified ? "" : ", unverified"))" }
        }.joined(separator: "; ") + "; none other is public in the catalog.")
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ catalog: Catalog) -> JSONValue {
        func figure(_ v: SourcedValue?) -> JSONValue {
            guard let v else { return .null }
            var pairs: [(String, JSONValue)] = [("value", .number(v.value)), ("source", .string(v.source)), ("verified", .bool(v.verified))]
            if let note = v.note { pairs.append(("note", .string(note))) }
            return .object(pairs)
        }
        func figures(_ d: [String: SourcedValue]) -> JSONValue {
            .object(SizingPrecision.catalogCases.compactMap(\.catalogKey).compactMap { p in d[p].map { (p, figure($0)) } })
        }
        /// A published curve: its points ([size, figure] pairs), source and whether it was verified.
        func curve(_ c: Sourced<[[Double]]>?) -> JSONValue {
            c.map { c in
                .object([("points", .array(c.value.map { .array($0.map(JSONValue.number)) })),
                         ("source", .string(c.source)), ("verified", .bool(c.verified))])
            } ?? .null
        }
        return .object([
            ("schema", .string(catalog.schema)),
            ("accelerators", .array(catalog.accelerators.map { a in
                .object([
                    ("id", .string(a.id)), ("name", .string(a.name)), ("vendor", .string(a.vendor)),
                    ("aliases", .array(a.aliases.map(JSONValue.string))),
                    ("dense_tflops", figures(a.denseTFLOPS)), ("sparse_tflops", figures(a.sparseTFLOPS)),
                    ("memory_gb", figure(a.memoryGB)), ("memory_bandwidth_gbps", figure(a.memoryBandwidthGBps)),
                    ("tdp_watts", figure(a.tdpWatts)), ("interconnect_gbps", figure(a.interconnectGBps)),
                    ("scale_out_gbps", figure(a.scaleOutGBps)), ("max_gemm_efficiency", figure(a.maxGEMMEfficiency)),
                    ("compute_units", figure(a.computeUnits)),
                    ("achievable_bandwidth_gbps", figure(a.achievableBandwidthGBps)),
                    ("intra_node_allreduce_busbw", curve(a.intraNodeAllReduceBusBW)),
                    ("attention_forward_tflops", curve(a.attentionForwardTFLOPS)),
                    ("attention_backward_tflops", curve(a.attentionBackwardTFLOPS)),
                    ("gemm_bf16_sweep_tflops", curve(a.gemmBF16Sweep)),
                    ("price", a.price.map { p in
                        .object([("value", .number(p.value)), ("currency", .string(p.currency)),
                                 ("source", .string(p.source)), ("verified", .bool(p.verified))])
                    } ?? .null),
                    ("notes", .optional(a.notes)),
                ])
            })),
        ])
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
