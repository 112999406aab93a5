import SuanliSchema

extension Measurement {
    /// Fills samples and statistics, and decides the status from verification and the peak.
    public mutating func record(samples values: [Double], verification: VerificationResult,
                                peak: Double? = nil, peakBasis: String? = nil) {
        samples = values
        if let summary = Summary(values) {
            median = summary.median
            min = summary.min
            max = summary.max
            p10 = summary.p10
            p90 = summary.p90
            cv = summary.cv
        }
        verified = verification.passed
        theoreticalPeak = peak
        self.peakBasis = peak == nil ? nil : peakBasis
        if let peak, let median, peak > 0 { fractionOfPeak = median / peak }
        if !verification.passed {
            status = .failed
            reason = verification.detail
        } else if median == nil {
            status = .failed
            reason = "no valid samples"
        } else if let peak, unit.higherIsBetter, let median, median > peak {
            status = .implausible
            reason = "median \(median) \(unit.rawValue) exceeds the theoretical peak \(peak) (\(peakBasis ?? "derived")); not a result"
        } else {
            status = .ok
            reason = verification.detail.isEmpty ? nil : verification.detail
        }
    }
}

/// The outcome of checking a kernel's output.
public struct VerificationResult: Sendable, Equatable {
    public var passed: Bool
    public var detail: String
    public static let passed = VerificationResult(passed: true, detail: "")
    public static func failed(_ detail: String) -> VerificationResult { VerificationResult(passed: false, detail: detail) }
}

extension Measurement {
    /// Floating-point operations per byte of memory traffic (the minimum traffic for GEMM), for
    /// the roofline chart; nil where it is undefined (copy, peak, transfer, latency).
    public var arithmeticIntensity: Double? {
        let e = Double(precision?.elementBytes ?? 4)
        switch suite {
        case .gemm:
            guard let m = size["m"], let n = size["n"], let k = size["k"] else { return nil }
            let (dm, dn, dk) = (Double(m), Double(n), Double(k))
            let eOut = Double(precision?.outputElementBytes ?? 4)
            return 2 * dm * dn * dk / ((dm * dk + dk * dn) * e + dm * dn * eOut)
        case .stream:
            switch StreamKernel(rawValue: kernel) {
            case .mul: return 1 / (2 * e)
            case .add: return 1 / (3 * e)
            case .triad: return 2 / (3 * e)
            case .dot: return 2 / (2 * e)
            case .copy, nil: return nil
            }
        case .roofline:
            return size["flops_per_element"].map { Double($0) / (2 * e) }
        case .peak, .transfer, .latency, .allreduce, .cache, .memlat:
            return nil
        }
    }

    /// The figure in GFLOP/s: the median itself for compute units, bandwidth × intensity for GB/s.
    public var gflopsForRoofline: Double? {
        guard status == .ok, let median, let ai = arithmeticIntensity else { return nil }
        switch unit {
        case .gflops: return median
        case .gbps: return median * ai
        case .gops, .microseconds, .nanoseconds: return nil   // integer operations are not on a FLOP roofline
        }
    }
}
