import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The few distributions the comparison intervals need: the standard normal and Student's t
/// quantiles, and the exact null distribution of the Mann–Whitney U statistic.
public enum Distributions {
    /// Standard normal quantile: the z with P(Z ≤ z) = p, for p in (0, 1). Found by bisection on
    /// the complementary error function, which is exact to double precision here.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normal quantile of \(p)")
        var lo = -40.0, hi = 40.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if normalCDF(mid) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-15 { break }
        }
        return (lo + hi) / 2
    }

    public static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// P(T ≤ t) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole: the
    /// Welch–Satterthwaite df is fractional).
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        precondition(df > 0)
        let tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// Student's t quantile: the t with P(T ≤ t) = p, for p in (0, 1).
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0)
        if p == 0.5 { return 0 }
        if p < 0.5 { return -studentTQuantile(1 - p, df: df) }
        var lo = 0.0, hi = 1.0
        while studentTCDF(hi, df: df) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if studentTCDF(mid, df: df) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 * max(1, hi) { break }
        }
        return (lo + hi) / 2
    }

    /// I_x(a, b), the regularized incomplete beta function, from its continued fraction (modified
    /// Lentz evaluation), using I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let logFront = a * log(x) + b * log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b)) - log(a)
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var fraction = d
        for m in 1...10_000 {
            let dm = Double(m)
            // Even step: m(b − m)x / ((a + 2m − 1)(a + 2m)).
            var numerator = dm * (b - dm) * x / ((a + 2 * dm - 1) * (a + 2 * dm))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            fraction *= d * c
            // Odd step: −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            numerator = -(a + dm) * (a + b + dm) * x / ((a + 2 * dm) * (a + 2 * dm + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            fraction *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return exp(logFront) * fraction
    }

    /// Largest sizes whose exact U distribution is computed (n·m); larger use the normal approximation.
    public static let exactMannWhitneyLimit = 2_500

    /// P(U ≤ u) for u = 0…n·m, where U counts the pairs (x from the first sample, y from the
    /// second) with y < x, under "both samples from one continuous distribution". Exact: the
    /// recurrence p(n, m; u) = n/(n+m)·p(n−1, m; u−m) + m/(n+m)·p(n, m−1; u) over all positive
    /// terms (no cancellation), O((n·m)²) work, cached per (n, m).
    public static func mannWhitneyCumulative(_ n: Int, _ m: Int) -> [Double] {
        precondition(n >= 1 && m >= 1)
        let key = n <= m ? Pair(n, m) : Pair(m, n)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let (small, large) = (key.a, key.b)
        // row[j] = distribution for (i, j) at the current i; i = 0 is a point mass at 0.
        var row: [[Double]] = (0...large).map { _ in [1.0] }
        for i in 1...small {
            var next: [[Double]] = [[1.0]]
            for j in 1...large {
                var p = [Double](repeating: 0, count: i * j + 1)
                let wi = Double(i) / Double(i + j), wj = Double(j) / Double(i + j)
                // First sample's largest value is the largest overall (prob i/(i+j)): it beats all j.
                for (u, q) in row[j].enumerated() { p[u + j] += wi * q }
                for (u, q) in next[j - 1].enumerated() { p[u] += wj * q }
                next.append(p)
            }
            row = next
        }
        var cumulative = row[large]
        for u in 1..<cumulative.count { cumulative[u] += cumulative[u - 1] }
        cache.withLock { $0[key] = cumulative }
        return cumulative
    }

    /// The rank k (1-based) of the lower end of the distribution-free interval for a shift, from
    /// the n·m pairwise differences sorted: [D(k), D(n·m + 1 − k)] covers the shift with probability
    /// at least `confidence`. nil when no k does (too few samples for that confidence).
    /// Exact for n·m ≤ `exactMannWhitneyLimit`, otherwise the normal approximation of U.
    public static func shiftIntervalRank(_ n: Int, _ m: Int, confidence: Double) -> Int? {
        let alphaHalf = (1 - confidence) / 2
        if n * m <= exactMannWhitneyLimit {
            let cumulative = mannWhitneyCumulative(n, m)
            // k − 1 is the largest u with P(U ≤ u) ≤ α/2.
            var k = 0
            while k < cumulative.count && cumulative[k] <= alphaHalf * (1 + 1e-12) { k += 1 }
            return k >= 1 ? min(k, (n * m + 1) / 2) : nil
        }
        let nm = Double(n * m)
        let sd = (nm * Double(n + m + 1) / 12).squareRoot()
        let k = Int((nm / 2 - normalQuantile(1 - alphaHalf) * sd).rounded(.down))
        return k >= 1 ? k : nil
    }

    struct Pair: Hashable { let a: Int, b: Int; init(_ a: Int, _ b: Int) { self.a = a; self.b = b } }
    private static let cache = Mutex<[Pair: [Double]]>([:])
}
