/// Plain aligned text for the sizing commands: a title, then `label  value  note` rows with section
/// headings, values right-aligned.
public struct TextReport: Sendable {
    public struct Row: Sendable {
        public var label: String
        public var value: String
        public var note: String
    }

    public var title: String
    public var rows: [Row] = []
    public var footer: [String] = []

    public init(title: String) { self.title = title }

    public mutating func add(_ label: String, _ value: String, _ note: String = "") {
        rows.append(Row(label: label, value: value, note: note))
    }

    /// A section heading inside the table.
    public mutating func section(_ name: String) {
        rows.append(Row(label: "", value: "", note: ""))
        rows.append(Row(label: name, value: "", note: ""))
    }

    public func rendered() -> String {
        let labelWidth = rows.map(\.label.count).max() ?? 0
        let valueWidth = rows.map(\.value.count).max() ?? 0
        var lines = [title, String(repeating: "=", count: title.count)]
        for row in rows {
            if row.value.isEmpty && row.note.isEmpty {
                lines.append(row.label)
                continue
            }
            let label = "  " + row.label + String(repeating: " ", count: labelWidth - row.label.count)
            let value = String(repeating: " ", count: valueWidth - row.value.count) + row.value
            var line = label + "  " + value
            if !row.note.isEmpty { line += "  " + row.note }
            lines.append(line)
        }
        if !footer.isEmpty {
            lines.append("")
            lines.append(contentsOf: footer)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
