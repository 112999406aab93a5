/// Parsing of human-written quantities (`175e9`, `175B`, `1.4T`, `300M`, `2.5k`) and
/// validation of option values, with messages that name the option.
public enum Quantity {
    /// Multipliers for the accepted suffixes. `B` and `G` both mean 1e9 (billion),
    /// as model sizes are written ("175B"). Lower-case `m` is refused: milli or mega?
    static let suffixes: [Character: Double] = [
        "k": 1e3, "K": 1e3,
        "M": 1e6,
        "B": 1e9, "b": 1e9, "G": 1e9,
        "T": 1e12, "t": 1e12,
        "P": 1e15,
    ]

    /// Parses a number with an optional magnitude suffix; `nil` when it is not one.
    /// Accepts `_` and `,` as digit separators. Returns non-finite values as they are
    /// (callers reject them with the option's name).
    public static func parse(_ raw: String) -> Double? {
        var text = raw.trimmingWhitespace()
        text.removeAll { $0 == "_" || $0 == "," }
        guard !text.isEmpty else { return nil }
        let lowered = text.lowercased()
        if ["nan", "+nan", "-nan"].contains(lowered) { return .nan }
        if ["inf", "+inf", "infinity", "+infinity"].contains(lowered) { return .infinity }
        if ["-inf", "-infinity"].contains(lowered) { return -.infinity }
        var multiplier = 1.0
        if let last = text.last, !last.isNumber, last != "." {
            guard let factor = suffixes[last] else { return nil }
            multiplier = factor
            text.removeLast()
        }
        // Only plain decimal/scientific notation: no hex floats, no stray letters.
        let allowed = Set("0123456789.eE+-")
        guard !text.isEmpty, text.allSatisfy({ allowed.contains($0) }),
            let value = Double(text)
        else { return nil }
        return value * multiplier
    }

    /// A finite number greater than zero.
    public static func positive(_ raw: String, option: String) throws -> Double {
        let value = try finite(raw, option: option)
        guard value > 0 else {
            throw SizingError.usage("\(option) must be greater than 0, got '\(raw)'")
        }
        return value
    }

    /// A finite number at least zero.
    public static func nonNegative(_ raw: String, option: String) throws -> Double {
        let value = try finite(raw, option: option)
        guard value >= 0 else {
            throw SizingError.usage("\(option) must not be negative, got '\(raw)'")
        }
        return value
    }

    /// A whole number of at least 1 (device counts, layers, batch sizes).
    public static func count(_ raw: String, option: String) throws -> Double {
        let value = try positive(raw, option: option)
        guard value.rounded() == value, value >= 1 else {
            throw SizingError.usage("\(option) must be a whole number of at least 1, got '\(raw)'")
        }
        return value
    }

    /// A fraction in (0, 1] (MFU, utilization).
    public static func fractionAboveZero(_ raw: String, option: String) throws -> Double {
        let value = try positive(raw, option: option)
        guard value <= 1 else {
            throw SizingError.usage("\(option) is a fraction and must be at most 1, got '\(raw)'")
        }
        return value
    }

    /// A fraction in [0, 1) or, with `allowOne`, [0, 1] (loss, overlap).
    public static func fraction(_ raw: String, option: String, allowOne: Bool) throws -> Double {
        let value = try nonNegative(raw, option: option)
        if allowOne ? value > 1 : value >= 1 {
            let bound = allowOne ? "at most 1" : "less than 1"
            throw SizingError.usage("\(option) is a fraction and must be \(bound), got '\(raw)'")
        }
        return value
    }

    static func finite(_ raw: String, option: String) throws -> Double {
        guard let value = parse(raw) else {
            throw SizingError.usage(
                "\(option) expects a number such as 175e9, 175B, 1.4T, 300M or 2.5k, got '\(raw)'")
        }
        guard value.isFinite else {
            throw SizingError.usage("\(option) must be a finite number, got '\(raw)'")
        }
        return value
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

/// Number formatting for the tables, without Foundation's `String(format:)`.
public enum Format {
    /// Digits grouped by thousands with up to `decimals` decimals (trailing zeros
    /// dropped): 6066.667 → "6,066.67". Switches to scientific notation (3 significant
    /// digits) at 1e15 and above, or below 1e-3.
    public static func number(_ value: Double, decimals: Int = 2) -> String {
        guard value.isFinite else { return String(describing: value) }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude >= 1e15 || magnitude < 1e-3) {
            return scientific(value)
        }
        var scale = 1.0
        for _ in 0..<max(decimals, 0) { scale *= 10 }
        let scaled = (magnitude * scale).rounded()
        let whole = (scaled / scale).rounded(.down)
        var fractionDigits = Int64((scaled - whole * scale).rounded())
        if fractionDigits < 0 { fractionDigits = 0 }
        var text = grouped(Int64(whole))
        if decimals > 0 {
            var digits = String(fractionDigits)
            while digits.count < decimals { digits = "0" + digits }
            while digits.last == "0" { digits.removeLast() }
            if !digits.isEmpty { text += "." + digits }
        }
        return (value < 0 && scaled != 0 ? "-" : "") + text
    }

    /// Scientific notation with `significant` digits: 3.64e21 → "3.64e21".
    public static func scientific(_ value: Double, significant: Int = 3) -> String {
        guard value.isFinite else { return String(describing: value) }
        guard value != 0 else { return "0" }
        var mantissa = abs(value)
        var exponent = 0
        while mantissa >= 10 { mantissa /= 10; exponent += 1 }
        while mantissa < 1 { mantissa *= 10; exponent -= 1 }
        var scale = 1.0
        for _ in 1..<max(significant, 1) { scale *= 10 }
        var rounded = (mantissa * scale).rounded() / scale
        if rounded >= 10 { rounded /= 10; exponent += 1 }
        let text = number(rounded, decimals: max(significant - 1, 0))
        return (value < 0 ? "-" : "") + text + "e" + String(exponent)
    }

    /// Short form with the input suffixes: 175e9 → "175B", 1.4e12 → "1.4T", 2500 → "2.5k".
    public static func short(_ value: Double) -> String {
        let magnitude = abs(value)
        for (scale, suffix) in [(1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")] where magnitude >= scale {
            return number(value / scale, decimals: 3) + suffix
        }
        return number(value, decimals: 3)
    }

    /// An integer with thousands separators: 1011200000 → "1,011,200,000".
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }
}
