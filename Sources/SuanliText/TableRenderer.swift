@_exported import TextTable

/// The one place that draws tables for people: aligned columns for the terminal, or a Markdown
/// pipe table (every command's column table: bench and burn results, devices, sensors, the memory
/// hierarchy, comparisons), and the label/value/note reports of the sizing commands
/// (`TextReport`), so they share one look and one module.
public enum TableRenderer {
    /// One row per element of `rows`, its cells from `columns`; a Markdown pipe table when `markdown`.
    public static func render<Row>(_ rows: [Row], markdown: Bool = false, columns: @escaping (Row) -> [Column]) -> String {
        let style: TextTableStyle.Type = markdown ? Style.pipe : Style.simple
        return TextTable<Row>(columns).string(for: rows, style: style) ?? ""
    }
}
