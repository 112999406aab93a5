/// The frame every HTML page Suanli writes shares (`report`, `report --history`): the document
/// head with the common style (page, headings, tables of figures, chart axes and labels), each
/// page's own rules after it, so that the pages look alike and the shared rules live once.
enum HTMLPage {
    static let commonStyle = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #1d232b; padding: 0 1em; }
        h1 { font-size: 1.6em; margin-bottom: .2em; } .meta { color: #5b6675; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .axis { stroke: #8a96a3; } .grid { stroke: #e6eaef; } .label { font-size: 11px; fill: #3d4753; }
        """

    /// `<!DOCTYPE html>` to the opening `<body>` tag and the page's `<h1>`.
    static func head(title: String, style: String, bodyClass: String? = nil) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(HTMLReport.escape(title))</title>
        <style>
        \(commonStyle)
        \(style)
        </style></head><body\(bodyClass.map { " class=\"\($0)\"" } ?? "")>
        <h1>\(HTMLReport.escape(title))</h1>

        """
    }
}
