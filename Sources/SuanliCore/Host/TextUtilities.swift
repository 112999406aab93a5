import SuanliSchema

public extension StringProtocol {
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

/// A figure for people: 1 decimal from 100 up, 2 from 1 up, 4 below; empty for nil.
public func displayNumber(_ value: Double?) -> String {
    guard let value else { return "" }
    let magnitude = abs(value)
    return formatted(value, decimals: magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 4)
}

/// A measurement size for people: `MxNxK` for GEMM shapes, else `key=value` pairs in key order.
public func displaySize(_ size: [String: Int], times: String = "x") -> String {
    if let m = size["m"], let n = size["n"], let k = size["k"] { return "\(m)\(times)\(n)\(times)\(k)" }
    return size.keys.sorted().map { "\($0)=\(size[$0]!)" }.joined(separator: " ")
}

/// A byte count in binary units: "512 B", "1.5 MiB".
public func displayBytes(_ count: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(count) B" : formatted(value, decimals: 1) + " " + units[unit]
}
