import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif

/// The relative change of one metric between a baseline and a current side, (current − baseline)
/// / baseline in the unit's own direction, with a confidence interval.
///
/// Two estimators, chosen by what the data hold:
/// - `hodges-lehmann` (a side has a single repeat): the Hodges–Lehmann shift of the log samples,
///   the median of all pairwise differences log(current) − log(baseline), with its
///   distribution-free interval (the order statistics of those differences that the Mann–Whitney
///   U distribution gives; exact up to 2,500 pairs). Chosen over a bootstrap of the median ratio
///   because its coverage holds exactly at the small sample counts benchmarks take (a bootstrap of
///   5 samples has only a handful of distinct medians and gives intervals that are too narrow),
///   because it is deterministic (the same files always give the same verdict), and because one
///   sample in three can be arbitrarily wrong without moving it. It sees the noise inside one run
///   only: drift between runs is invisible to it.
/// - `between-repeats` (both sides have two or more repeats, after Kalibera & Jones, "Rigorous
///   benchmarking in reasonable time", 2013): each repeat is summarised by its median, and Welch's
///   t interval on the logs of those medians gives the interval, so run-to-run drift widens it. It
///   is never narrower than the Hodges–Lehmann interval of all samples pooled (where that exists):
///   three repeat medians that happen to agree do not make a change more certain than the samples do.
@SnakeCaseCodingKeys
public struct ChangeEstimate: Codable, Sendable, Equatable {
    public typealias Method = ChangeMethod

    /// Point estimate of the relative change.
    public var change: Double
    /// Lower and upper ends of the interval; nil when the data cannot give one at `confidence`
    /// (too few samples), which makes the interval unbounded.
    public var low: Double?
    public var high: Double?
    public var confidence: Double
    public var method: Method
    public var baselineRepeats: Int
    public var currentRepeats: Int
    public var baselineSamples: Int
    public var currentSamples: Int

    public var isBounded: Bool { low != nil && high != nil }
    /// high − low, nil when unbounded.
    public var width: Double? { low.flatMap { l in high.map { $0 - l } } }
}

/// One side of a comparison for one metric: every sample, and one median per repeat.
@MemberwiseInit
public struct ComparedSide: Sendable {
    public var samples: [Double]
    /// One figure per repeat (a file without repeats is one repeat: its median).
    public var repeatMedians: [Double]
}

public enum ChangeEstimator {
    /// The estimate, or nil when a side has no samples or a non-positive one (the change is on
    /// the log scale, so every figure must be positive).
    public static func estimate(baseline: ComparedSide, current: ComparedSide, confidence: Double) -> ChangeEstimate? {
        func usable(_ x: [Double]) -> Bool { x.allSatisfy { $0 > 0 && $0.isFinite } }
        guard !baseline.samples.isEmpty, !current.samples.isEmpty, usable(baseline.samples), usable(current.samples),
              usable(baseline.repeatMedians), usable(current.repeatMedians)
        else { return nil }
        // Samples that come sorted (as `Comparator` passes them) give sorted logs, and the
        // differences are then selected without sorting again.
        let pooled = hodgesLehmann(baseline: baseline.samples.map(log), current: current.samples.map(log), confidence: confidence)
        var estimate = ChangeEstimate(change: expm1(pooled.shift), low: pooled.low.map(expm1), high: pooled.high.map(expm1),
                                      confidence: confidence, method: .hodgesLehmann,
                                      baselineRepeats: max(1, baseline.repeatMedians.count),
                                      currentRepeats: max(1, current.repeatMedians.count),
                                      baselineSamples: baseline.samples.count, currentSamples: current.samples.count)
        guard baseline.repeatMedians.count >= 2, current.repeatMedians.count >= 2 else { return estimate }
        let welch = welchInterval(baseline: baseline.repeatMedians.map(log), current: current.repeatMedians.map(log),
                                  confidence: confidence)
        estimate.method = .betweenRepeats
        estimate.change = expm1(welch.shift)
        // Never narrower than the pooled samples' own interval (where they give one).
        estimate.low = expm1(pooled.low.map { min(welch.low, $0) } ?? welch.low)
        estimate.high = expm1(pooled.high.map { max(welch.high, $0) } ?? welch.high)
        return estimate
    }

    /// Hodges–Lehmann shift (current − baseline) and its distribution-free interval at
    /// `confidence`; the ends are nil when the sample counts are too small for it.
    ///
    /// The order statistics of the n·m pairwise differences are selected without forming them
    /// (`PairwiseDifferences`), in O((n + m) log(n·m)) expected time: bit for bit the values
    /// that sorting every difference gives (`hodgesLehmannDirect`).
    public static func hodgesLehmann(baseline: [Double], current: [Double], confidence: Double)
        -> (shift: Double, low: Double?, high: Double?) {
        let differences = PairwiseDifferences(current: current, baseline: baseline)
        let count = differences.count
        let shift: Double
        if count % 2 == 1 {
            shift = differences.select(count / 2)
        } else {
            let (a, b) = differences.selectAdjacent(count / 2 - 1)
            shift = (a + b) / 2
        }
        guard let k = Distributions.shiftIntervalRank(baseline.count, current.count, confidence: confidence) else {
            return (shift, nil, nil)
        }
        return (shift, differences.select(k - 1), differences.select(count - k))
    }

    /// The same as `hodgesLehmann`, by sorting all n·m differences: the reference the fast
    /// selection is tested against.
    public static func hodgesLehmannDirect(baseline: [Double], current: [Double], confidence: Double)
        -> (shift: Double, low: Double?, high: Double?) {
        var differences: [Double] = []
        differences.reserveCapacity(baseline.count * current.count)
        for c in current { for b in baseline { differences.append(c - b) } }
        differences.sort()
        let count = differences.count
        let shift = count % 2 == 1 ? differences[count / 2] : (differences[count / 2 - 1] + differences[count / 2]) / 2
        guard let k = Distributions.shiftIntervalRank(baseline.count, current.count, confidence: confidence) else {
            return (shift, nil, nil)
        }
        return (shift, differences[k - 1], differences[count - k])
    }

    /// Welch's t interval for mean(current) − mean(baseline), each side with at least 2 values.
    public static func welchInterval(baseline: [Double], current: [Double], confidence: Double)
        -> (shift: Double, low: Double, high: Double) {
        func meanAndVariance(_ x: [Double]) -> (Double, Double) {
            let mean = x.reduce(0, +) / Double(x.count)
            return (mean, x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1))
        }
        let (mb, sb) = meanAndVariance(baseline), (mc, sc) = meanAndVariance(current)
        let (rb, rc) = (Double(baseline.count), Double(current.count))
        let vb = sb / rb, vc = sc / rc
        let denominator = vb * vb / (rb - 1) + vc * vc / (rc - 1)
        // Welch–Satterthwaite degrees of freedom; with no spread at all, the pooled count.
        let df = denominator > 0 ? (vb + vc) * (vb + vc) / denominator : rb + rc - 2
        let half = Distributions.studentTQuantile(1 - (1 - confidence) / 2, df: df) * (vb + vc).squareRoot()
        let shift = mc - mb
        return (shift, shift - half, shift + half)
    }
}

/// The multiset of differences c − b (every current value minus every baseline value), kept
/// implicit as a matrix whose rows are the current values ascending and whose columns are the
/// baseline values descending. Rounded subtraction is monotone in each operand, so every row and
/// every column is non-decreasing as computed, and the k-th smallest difference can be selected
/// by counting (after Monahan's selection for the Hodges–Lehmann estimator, 1984): each round
/// takes a pivot among the differences still in play, counts the differences below and at it with
/// one pass along the staircase, and narrows each row's window of candidates to the side that
/// holds rank k. The values returned are differences exactly as `c - b` computes them.
public struct PairwiseDifferences: Sendable {
    /// Current values ascending (rows).
    let rows: [Double]
    /// Baseline values descending (columns).
    let columns: [Double]

    public init(current: [Double], baseline: [Double]) {
        rows = Self.isAscending(current) ? current : current.sorted()
        columns = (Self.isAscending(baseline) ? baseline : baseline.sorted()).reversed()
    }

    /// Whether the values are already in ascending order (then sorting would return them as they are).
    static func isAscending(_ values: [Double]) -> Bool {
        values.withUnsafeBufferPointer { v in
            var i = 1
            while i < v.count { if v[i] < v[i - 1] || v[i].isNaN { return false }; i += 1 }
            return v.first.map { !$0.isNaN } ?? true
        }
    }

    /// n·m.
    public var count: Int { rows.count * columns.count }

    /// The `rank`-th smallest difference (0-based), as sorting all of them would place it.
    public func select(_ rank: Int) -> Double {
        precondition(rank >= 0 && rank < count, "rank out of range")
        return selectAdjacent(rank, pair: false).0
    }

    /// The `rank`-th and (`rank` + 1)-th smallest differences (0-based).
    public func selectAdjacent(_ rank: Int) -> (Double, Double) {
        precondition(rank >= 0 && rank + 1 < count, "rank out of range")
        return selectAdjacent(rank, pair: true)
    }

    /// Selection of `rank`, and with `pair` also of `rank` + 1.
    func selectAdjacent(_ rank: Int, pair: Bool) -> (Double, Double) {
        rows.withUnsafeBufferPointer { x in
            columns.withUnsafeBufferPointer { y in
                Self.select(rank, pair: pair, x: x, y: y)
            }
        }
    }

    static func select(_ rank: Int, pair: Bool, x: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>) -> (Double, Double) {
        let n = x.count, m = y.count
        // Row i's candidates are the columns low[i]..<high[i]: everything left of low[i] is known
        // to rank below the target, everything from high[i] on to rank above it.
        var low = [Int](repeating: 0, count: n)
        var high = [Int](repeating: m, count: n)
        var less = [Int](repeating: 0, count: n), atMost = [Int](repeating: 0, count: n)
        var remaining = n * m
        // A fixed-seed generator: the pivots only decide how fast it converges, never the result.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: rank)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let cutoff = max(64, n + m)
        let drawn = 41
        var prefix = [Int](repeating: 0, count: n)
        var sample = [Double](repeating: 0, count: drawn)
        while remaining > cutoff {
            // The pivot: of a few candidates drawn uniformly, the one at the target's relative
            // place among all candidates, so that the side left holding the target is small.
            var start = 0
            for i in 0..<n {
                prefix[i] = start
                start += high[i] - low[i]
            }
            var below = 0
            for i in 0..<n { below += low[i] }
            for s in 0..<drawn {
                let pick = Int(next() % UInt64(remaining))
                // The last row whose candidates start at or before pick.
                var a = 0, b = n - 1
                while a < b {
                    let mid = (a + b + 1) / 2
                    if prefix[mid] <= pick { a = mid } else { b = mid - 1 }
                }
                sample[s] = x[a] - y[low[a] + pick - prefix[a]]
            }
            sample.withUnsafeMutableBufferPointer { Self.insertionSort($0) }
            let place = Double(rank - below) / Double(remaining)
            let pivot = sample[Swift.min(drawn - 1, Int(place * Double(drawn)))]
            // Per row, how many differences are < pivot and ≤ pivot. Rows grow downwards, so
            // both counts shrink from row to row: one staircase pass each. The pivot is a
            // candidate, so everything left of a row's window is below it and everything from
            // its end on above it: each count lies within the window, and only the window is read.
            var totalLess = 0, totalAtMost = 0
            var jl = m
            for i in 0..<n {
                let xi = x[i], lo = low[i], hi = high[i]
                jl = Swift.max(Swift.min(jl, hi), lo)
                while jl > lo && !(xi - y[jl - 1] < pivot) { jl -= 1 }
                // Differences equal to the pivot (rare) follow the smaller ones in the row.
                var je = jl
                while je < hi && xi - y[je] <= pivot { je += 1 }
                less[i] = jl
                atMost[i] = je
                totalLess += jl
                totalAtMost += je
            }
            var total = 0
            if rank < totalLess {
                for i in 0..<n {
                    high[i] = Swift.min(high[i], less[i])
                    total += high[i] - low[i]
                }
            } else if rank >= totalAtMost {
                for i in 0..<n {
                    low[i] = Swift.max(low[i], atMost[i])
                    total += high[i] - low[i]
                }
            } else if !pair || rank + 1 < totalAtMost {
                // The pivot's value spans rank (and rank + 1).
                return (pivot, pivot)
            } else {
                // rank is the last copy of the pivot; rank + 1 is the smallest difference above it.
                var above = Double.infinity
                for i in 0..<n where atMost[i] < m { above = Swift.min(above, x[i] - y[atMost[i]]) }
                return (pivot, above)
            }
            remaining = total
        }
        // Few candidates left: they lie strictly between everything known below and above, so
        // sorting them places the target.
        var below = 0
        var candidates: [Double] = []
        candidates.reserveCapacity(remaining)
        for i in 0..<n {
            below += low[i]
            if high[i] > low[i] { for j in low[i]..<high[i] { candidates.append(x[i] - y[j]) } }
        }
        let target = rank - below
        let (first, next) = candidates.withUnsafeMutableBufferPointer { Self.nth($0, target) }
        guard pair else { return (first, first) }
        if target + 1 < candidates.count { return (first, next) }
        // rank + 1 lies above every candidate: the smallest difference right of the windows.
        var above = Double.infinity
        for i in 0..<n where high[i] < m { above = Swift.min(above, x[i] - y[high[i]]) }
        return (first, above)
    }

    /// Sorts a few values in place.
    static func insertionSort(_ a: UnsafeMutableBufferPointer<Double>) {
        guard a.count > 1 else { return }
        for i in 1..<a.count {
            let v = a[i]
            var j = i
            while j > 0 && v < a[j - 1] { a[j] = a[j - 1]; j -= 1 }
            a[j] = v
        }
    }

    /// Hoare's partition of `a[lo...hi]` around the median of its first, middle and last values:
    /// afterwards lo...j ≤ pivot ≤ i...hi, and values between j and i equal the pivot.
    @inline(__always)
    static func partition(_ a: UnsafeMutableBufferPointer<Double>, _ lo: Int, _ hi: Int) -> (i: Int, j: Int, pivot: Double) {
        let mid = lo + (hi - lo) / 2
        if a[mid] < a[lo] { a.swapAt(mid, lo) }
        if a[hi] < a[lo] { a.swapAt(hi, lo) }
        if a[hi] < a[mid] { a.swapAt(hi, mid) }
        let pivot = a[mid]
        var i = lo, j = hi
        while i <= j {
            while a[i] < pivot { i += 1 }
            while pivot < a[j] { j -= 1 }
            if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
        }
        return (i, j, pivot)
    }

    /// The `k`-th smallest value (0-based) of `a`, and the value after it in sorted order
    /// (+infinity when `k` is the last), as sorting `a` would place them (no NaN); `a` is reordered.
    static func nth(_ a: UnsafeMutableBufferPointer<Double>, _ k: Int) -> (Double, Double) {
        var lo = 0, hi = a.count - 1
        while hi - lo > 16 {
            let (i, j, pivot) = partition(a, lo, hi)
            // lo...j ≤ pivot ≤ i...hi; between them, values equal to the pivot.
            if k <= j { hi = j } else if k >= i { lo = i } else {
                var next = Double.infinity
                for t in (k + 1)..<a.count { next = Swift.min(next, a[t]) }
                return (pivot, next)
            }
        }
        insertionSort(UnsafeMutableBufferPointer(rebasing: a[lo...hi]))
        var next = k + 1 <= hi ? a[k + 1] : Double.infinity
        if k + 1 > hi { for t in (hi + 1)..<a.count { next = Swift.min(next, a[t]) } }
        return (a[k], next)
    }
}

extension PairwiseDifferences {
    /// Sorts samples in ascending order, to the same array `sort()` gives: an unstable quicksort
    /// where that cannot differ (no NaN, and no zero, whose two signs compare equal), the
    /// standard sort otherwise.
    static func sortSamples(_ values: inout [Double]) {
        guard values.allSatisfy({ !$0.isNaN && $0 != 0 }) else { values.sort(); return }
        values.withUnsafeMutableBufferPointer { a in quicksort(a, 0, a.count - 1, depth: 64) }
    }

    private static func quicksort(_ a: UnsafeMutableBufferPointer<Double>, _ first: Int, _ last: Int, depth: Int) {
        var lo = first, hi = last, depth = depth
        while hi - lo > 16 {
            depth -= 1
            if depth < 0 {
                var part = UnsafeMutableBufferPointer(rebasing: a[lo...hi])
                part.sort()
                return
            }
            let (i, j, _) = partition(a, lo, hi)
            // The smaller side recursively, the larger one in this loop.
            if j - lo < hi - i {
                quicksort(a, lo, j, depth: depth)
                lo = i
            } else {
                quicksort(a, i, hi, depth: depth)
                hi = j
            }
        }
        if hi > lo { insertionSort(UnsafeMutableBufferPointer(rebasing: a[lo...hi])) }
    }
}
