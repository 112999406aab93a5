extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, newlines and the given quote characters.
    func trimmed(also extra: Set<Character> = []) -> String {
        let drop: (Character) -> Bool = { $0.isWhitespace || extra.contains($0) }
        guard let start = firstIndex(where: { !drop($0) }) else { return "" }
        let end = lastIndex(where: { !drop($0) })!
        return String(self[start...end])
    }
}

/// `value` with `decimals` digits after the point (FoundationEssentials has no String(format:)).
public func formatted(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let sign = value < 0 && rounded > 0 ? "-" : ""
    let whole = (rounded / scale).rounded(.down)
    var text = sign + String(Int64(whole))
    if decimals > 0 {
        let fraction = Int64(rounded - whole * scale)
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
    return text
}
