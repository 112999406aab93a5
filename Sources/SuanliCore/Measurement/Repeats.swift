import SuanliSchema

extension Measurement {
    /// How many repeats this measurement holds: `repeat_medians` when present, else one.
    public var repeatCount: Int { repeatMedians?.count ?? 1 }

    /// This measurement (one or more repeats of a metric) with the same metric's next repeat
    /// added, for `bench --repeat`: the samples one repeat after another, the statistics over all
    /// of them, and one median (and sample count) per repeat in `repeat_medians`
    /// (`repeat_sample_counts`).
    ///
    /// A repeat that is not a figure (failed or suspect) makes the whole measurement so, with the
    /// repeat named in the reason: a run that failed once is not a result. A skipped measurement
    /// stays skipped.
    public func addingRepeat(_ next: Measurement) -> Measurement {
        if status.countsAsFailure { return self }
        if next.status.countsAsFailure {
            var failed = next
            failed.reason = "repeat \(repeatCount + 1): " + (next.reason ?? next.status.rawValue)
            return failed
        }
        guard status == .ok || status == .implausible else { return self }
        guard next.status == .ok || next.status == .implausible, let nextMedian = next.median, let median else { return self }
        var combined = self
        let medians = (repeatMedians ?? [median]) + [nextMedian]
        let counts = (repeatSampleCounts ?? [samples.count]) + [next.samples.count]
        // Statistics and status (ok or implausible against the peak) over every sample.
        combined.record(samples: samples + next.samples, verification: VerificationResult(passed: true, detail: status == .ok ? reason ?? "" : ""),
                        peak: theoreticalPeak, peakBasis: peakBasis)
        combined.repeatMedians = medians
        combined.repeatSampleCounts = counts
        if let gap = next.hostClockDisagreement {
            combined.hostClockDisagreement = Swift.max(gap, hostClockDisagreement ?? 0)
        }
        combined.energy = energy.flatMap { first in next.energy.map { first.addingRepeat($0) } }
        if let watts = combined.energy?.avgWatts, watts > 0, let median = combined.median {
            combined.energy?.gflopsPerWatt = unit == .gflops ? median / watts : nil
            combined.energy?.gbsPerWatt = unit == .gbps ? median / watts : nil
        }
        return combined
    }
}

extension EnergyRecord {
    /// The energy of two repeats' windows together: their time and joules summed, the average
    /// watts over both, the highest peak, the first start and the last end, throttled when either
    /// was. When either window has no figure, neither has the sum (its error says which).
    func addingRepeat(_ next: EnergyRecord) -> EnergyRecord {
        var sum = self
        sum.seconds = seconds + next.seconds
        sum.samples = samples + next.samples
        sum.end = next.end ?? end
        sum.maxWatts = [maxWatts, next.maxWatts].compactMap { $0 }.max()
        sum.throttled = throttled == nil && next.throttled == nil ? nil : (throttled ?? false) || (next.throttled ?? false)
        let reasons = (throttleReasons ?? []) + (next.throttleReasons ?? []).filter { !(throttleReasons ?? []).contains($0) }
        sum.throttleReasons = reasons.isEmpty ? nil : reasons
        sum.note = note ?? next.note
        if let error = error ?? next.error {
            sum.error = error
            sum.joules = nil
            sum.avgWatts = nil
        } else if let a = avgWatts, let b = next.avgWatts, sum.seconds > 0 {
            sum.joules = joules.flatMap { j in next.joules.map { j + $0 } }
            sum.avgWatts = (a * seconds + b * next.seconds) / sum.seconds
        } else {
            sum.joules = nil
            sum.avgWatts = nil
        }
        return sum
    }
}
