import SuanliSchema

/// The working-set sizes of the `cache` and `memlat` suites: from 4 KiB up in steps of √2,
/// each rounded to a whole 64-byte line, so both suites measure at the same sizes.
public enum WorkingSetSweep {
    public static let smallest = 4096
    /// Sizes are whole cache lines.
    public static let granule = 64
    /// The sweep reaches at least this far whatever the caches: 256 MiB.
    public static let minimumLargest = 256 << 20

    /// Grid point k: 4 KiB × 2^(k/2), rounded to the granule.
    public static func size(step k: Int) -> Int {
        let exact = Double(smallest) * Double(1 << (k / 2)) * (k % 2 == 1 ? 2.0.squareRoot() : 1)
        return Int((exact / Double(granule)).rounded()) * granule
    }

    /// Every grid size up to and including `largest`.
    public static func sizes(through largest: Int) -> [Int] {
        var sizes: [Int] = []
        var k = 0
        while size(step: k) <= largest {
            sizes.append(size(step: k))
            k += 1
        }
        return sizes
    }

    /// The first grid size at or beyond 8× the last-level cache and at least 256 MiB: the
    /// sweep's upper end when memory allows.
    public static func defaultLargest(lastLevelCacheBytes: Int) -> Int {
        let target = max(minimumLargest, 8 * lastLevelCacheBytes)
        var k = 0
        while size(step: k) < target { k += 1 }
        return size(step: k)
    }

    /// "4 KiB", "5.7 KiB", "256 MiB": for messages and charts.
    public static func describe(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        let text = value == value.rounded() ? String(Int(value)) : formatted(value, decimals: value < 10 ? 1 : 0)
        return text + " " + units[unit]
    }

    /// Parses a byte count: "65536", "64K", "64KiB", "256M", "1G" (binary multiples).
    public static func parseBytes(_ text: String) -> Int? {
        var body = Substring(text.trimmed().uppercased())
        if body.hasSuffix("IB") { body = body.dropLast(2) } else if body.hasSuffix("B") { body = body.dropLast() }
        let shift: Int
        switch body.last {
        case "K": shift = 10
        case "M": shift = 20
        case "G": shift = 30
        default: shift = 0
        }
        if shift > 0 { body = body.dropLast() }
        guard let value = Int(body), value > 0, value <= Int.max >> shift else { return nil }
        return value << shift
    }
}
