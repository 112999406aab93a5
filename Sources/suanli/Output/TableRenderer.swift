import TextTable

/// The one place that draws tables for people: aligned columns for the terminal, or a Markdown
/// pipe table. Every command's table (bench and burn results, devices, sensors, the memory
/// hierarchy, comparisons) goes through it, so they share one look.
enum TableRenderer {
    /// One row per element of `rows`, its cells from `columns`; Markdown when `format` is .markdown.
    static func render<Row>(_ rows: [Row], format: OutputFormat = .table, columns: @escaping (Row) -> [Column]) -> String {
        let style: TextTableStyle.Type = format == .markdown ? Style.pipe : Style.simple
        return TextTable<Row>(columns).string(for: rows, style: style) ?? ""
    }
}
