/// Summary statistics of a sample set.
@SnakeCaseCodingKeys(["standardDeviation": "stddev"])
public struct Summary: Codable, Sendable, Equatable {
    public var count: Int
    public var median: Double
    public var min: Double
    public var max: Double
    public var p10: Double
    public var p90: Double
    public var mean: Double
    /// Sample standard deviation (n − 1).
    public var standardDeviation: Double
    /// Coefficient of variation: standard deviation / mean.
    public var cv: Double

    /// Summarises `samples`; `nil` when there are none or any is not finite.
    public init?(_ samples: [Double]) {
        guard !samples.isEmpty, samples.allSatisfy(\.isFinite) else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        median = Self.percentile(sorted, 0.5)
        min = sorted.first!
        max = sorted.last!
        p10 = Self.percentile(sorted, 0.1)
        p90 = Self.percentile(sorted, 0.9)
        mean = sorted.reduce(0, +) / Double(count)
        let m = mean
        let variance = count > 1 ? sorted.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count - 1) : 0
        standardDeviation = variance.squareRoot()
        cv = mean != 0 ? standardDeviation / abs(mean) : 0
    }

    /// Linear interpolation between closest ranks (the "R-7" definition), `q` in 0...1.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && (0...1).contains(q))
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
