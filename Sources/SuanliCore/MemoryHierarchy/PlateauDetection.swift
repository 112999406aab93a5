import SuanliSchema

/// A flat stretch of a curve measured over working-set sizes: one level of the memory
/// hierarchy seen from a bandwidth or latency sweep.
public struct Plateau: Sendable, Equatable {
    /// Indexes of the first and last point on it.
    public var first: Int, last: Int
    /// The smallest and the largest working set on it; `throughBytes` is where the level ends.
    public var fromBytes: Int, throughBytes: Int
    /// The median of the values on it.
    public var value: Double
    /// Whether it runs to the largest size measured (the level beyond every cache).
    public var reachesEnd: Bool
}

/// Finds the plateaus of a curve over working-set sizes (√2 steps), without knowing where the
/// caches are. A plateau is a run of at least `minimumPoints` consecutive points that all lie
/// within ±`tolerance` (as a ratio) of the run's median, taken greedily from the smallest size;
/// points between plateaus are the transitions. Neighbouring plateaus whose values differ by less
/// than `minimumStep` are one level split by noise (an outlier, a slow drift) and are merged.
public enum PlateauDetector {
    public static func plateaus(sizes: [Int], values: [Double], tolerance: Double = 0.25, minimumPoints: Int = 3,
                                minimumStep: Double = 1.3) -> [Plateau] {
        precondition(sizes.count == values.count, "one value per size")
        let n = values.count
        func within(_ range: ClosedRange<Int>) -> Bool {
            let median = Self.median(Array(values[range]))
            return values[range].allSatisfy { ratio($0, median) <= 1 + tolerance }
        }
        var runs: [ClosedRange<Int>] = []
        var start = 0
        while start < n {
            guard values[start].isFinite, values[start] > 0 else { start += 1; continue }
            var end = start
            while end + 1 < n, values[end + 1].isFinite, values[end + 1] > 0, within(start...(end + 1)) { end += 1 }
            if end - start + 1 >= minimumPoints {
                runs.append(start...end)
                start = end + 1
            } else {
                start += 1
            }
        }
        var merged: [ClosedRange<Int>] = []
        for run in runs {
            if let previous = merged.last,
               ratio(median(Array(values[previous])), median(Array(values[run]))) < minimumStep {
                merged[merged.count - 1] = previous.lowerBound...run.upperBound
            } else {
                merged.append(run)
            }
        }
        return merged.map { run in
            Plateau(first: run.lowerBound, last: run.upperBound, fromBytes: sizes[run.lowerBound], throughBytes: sizes[run.upperBound],
                    value: median(values[run].filter { $0.isFinite && $0 > 0 }), reachesEnd: run.upperBound == n - 1)
        }
    }

    /// max(a, b) / min(a, b): how far apart two positive figures are, whichever is larger.
    static func ratio(_ a: Double, _ b: Double) -> Double { a > b ? a / b : b / a }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
