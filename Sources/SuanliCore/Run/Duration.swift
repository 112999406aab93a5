import SuanliSchema

/// Parses a duration: `90` or `90s`, `10m`, `1.5h`, `500ms`.
public func parseDuration(_ text: String) -> Double? {
    let t = text.trimmed().lowercased()
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, scale) in units where t.hasSuffix(suffix) {
        guard let value = Double(t.dropLast(suffix.count)), value.isFinite, value >= 0 else { return nil }
        return value * scale
    }
    guard let value = Double(t), value.isFinite, value >= 0 else { return nil }
    return value
}
