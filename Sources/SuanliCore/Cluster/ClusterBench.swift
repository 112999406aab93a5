import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif






public enum ClusterBench {
    /// Message sizes of the all-reduce sweep: 8 bytes to 256 MiB (quick: to 4 MiB).
    public static func allreduceSizes(quick: Bool) -> [Int] {
        quick ? [8, 64, 512, 4096, 32768, 262_144, 2 << 20, 4 << 20]
              : [8, 64, 512, 4096, 32768, 262_144, 2 << 20, 16 << 20, 128 << 20, 256 << 20]
    }

    /// The all-reduce suite, run collectively by every rank: an in-place fp32 sum per message
    /// size, timed as the slowest rank's time per operation, verified element by element on
    /// every rank. Bus bandwidth follows nccl-tests: busbw = algbw × 2(n−1)/n.
    /// Buffers are host memory: Suanli's MPI path is not device-aware, so device data would be
    /// staged through the host (recorded as `data_path`).
    public static func allreduce(_ mpi: MPI, policy: SamplingPolicy, quick: Bool) -> [Measurement] {
        let n = mpi.size
        var results: [Measurement] = []
        for bytes in allreduceSizes(quick: quick) {
            let count = max(1, bytes / 4)
            let size = ["bytes": count * 4, "ranks": n]
            var bus = Measurement(device: "cluster", suite: .allreduce, kernel: "allreduce-busbw", precision: .fp32, size: size, unit: .gbps)
            var time = Measurement(device: "cluster", suite: .allreduce, kernel: "allreduce-time", precision: .fp32, size: size, unit: .microseconds)
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            defer { buffer.deallocate() }
            let ownValue = Float(mpi.rank + 1)
            func fill() { for i in 0..<count { buffer[i] = ownValue + Float(i % 7) } }
            // Σ over ranks of (r + 1 + i mod 7): exact in fp32 for these small integers.
            let base = Float(n * (n + 1) / 2)
            func check() -> VerificationResult {
                for i in 0..<count where buffer[i] != base + Float(n) * Float(i % 7) {
                    return .failed("rank \(mpi.rank): element \(i) = \(buffer[i]), expected \(base + Float(n) * Float(i % 7))")
                }
                return .passed
            }
            do {
                // Warm-up, verified.
                fill()
                try mpi.allreduceSum(buffer)
                var verification = check()
                var seconds: [Double] = []
                var total = 0.0
                // Every rank must take the same number of samples: decide on the slowest rank's
                // times, which all ranks share.
                while seconds.count < policy.maxSamples {
                    fill()
                    mpi.barrier()
                    let start = mpi.wallTime()
                    try mpi.allreduceSum(buffer)
                    let slowest = mpi.allreduceMax(mpi.wallTime() - start)
                    seconds.append(slowest)
                    total += slowest
                    if seconds.count >= policy.minSamples && total >= policy.minSeconds { break }
                    if total >= policy.maxSeconds && seconds.count >= 3 { break }
                }
                if verification.passed { verification = check() }
                // A failure on any rank fails the measurement on rank 0 too.
                let failedAnywhere = mpi.allreduceMax(verification.passed ? 0 : 1) > 0
                if failedAnywhere && verification.passed {
                    verification = .failed("the reduced values were wrong on another rank")
                }
                let factor = n > 1 ? 2 * Double(n - 1) / Double(n) : 1
                let algbw = seconds.map { Double(count * 4) / $0 / 1e9 }
                bus.record(samples: algbw.map { $0 * factor }, verification: verification)
                time.record(samples: seconds.map { $0 * 1e6 }, verification: verification)
                let parameters = ["algbw_median_gbps": bus.median.map { formatted($0 / factor, decimals: 3) } ?? "",
                                  "busbw_factor": formatted(factor, decimals: 4), "ranks": "\(n)",
                                  "data_path": "host memory (MPI not device-aware here; device data would be staged through the host)",
                                  "timing": "slowest rank per operation, MPI_Wtime"]
                bus.parameters = parameters
                time.parameters = parameters
            } catch {
                bus.status = .failed; bus.reason = "\(error)"
                time.status = .failed; time.reason = "\(error)"
            }
            bus.timing = "mpi-wtime"
            time.timing = "mpi-wtime"
            results += [bus, time]
        }
        return results
    }

    /// Per metric over the ranks: total and per-node sums, median, slowest and fastest rank, and
    /// stragglers (worse than the median by more than `threshold`, 10% by default). Where the
    /// reports carry step windows, the overlap of the ranks' windows of the measuring step, and
    /// `suspect` when it is under `overlapThreshold` (90% by default).
    public static func aggregate(_ reports: [RankReport], threshold: Double = 0.10,
                                 overlapThreshold: Double = StepAlignment.suspectBelow) -> [AggregateRecord] {
        struct Key: Hashable { var suite: Suite; var kernel: String; var precision: Precision?; var size: [String: Int] }
        struct Entry { var value: RankValue; var measurement: Measurement; var step: String?; var window: StepWindow? }
        var order: [Key] = []
        var values: [Key: [Entry]] = [:]
        for report in reports {
            let labels = report.measurementSteps.flatMap { $0.count == report.measurements.count ? $0 : nil }
            for (index, m) in report.measurements.enumerated() where m.status == .ok && m.suite != .allreduce {
                guard let median = m.median else { continue }
                let key = Key(suite: m.suite, kernel: m.kernel, precision: m.precision, size: m.size)
                if values[key] == nil { order.append(key) }
                let step = labels?[index]
                let window = step.flatMap { label in report.info.steps?.first { $0.step == label } }
                values[key, default: []].append(Entry(value: RankValue(rank: report.info.rank, host: report.info.host.hostname, value: median),
                                                      measurement: m, step: step, window: window))
            }
        }
        return order.compactMap { key in
            guard let entries = values[key], let first = entries.first?.measurement else { return nil }
            let higherIsBetter = first.higherIsBetter
            let sorted = entries.map(\.value).sorted { $0.value < $1.value }
            let median = Summary(sorted.map(\.value))!.median
            let worse: (RankValue) -> Bool = higherIsBetter
                ? { $0.value < median * (1 - threshold) } : { $0.value > median * (1 + threshold) }
            var perNode: [String: Double] = [:]
            for v in sorted { perNode[v.host, default: 0] += v.value }
            let throughput = first.unit.higherIsBetter
            var record = AggregateRecord(
                suite: key.suite, kernel: key.kernel, precision: key.precision, size: key.size, unit: first.unit,
                ranks: sorted.count, total: throughput ? sorted.reduce(0) { $0 + $1.value } : nil,
                perNode: throughput ? perNode : nil, median: median,
                slowest: higherIsBetter ? sorted.first! : sorted.last!, fastest: higherIsBetter ? sorted.last! : sorted.first!,
                stragglers: sorted.filter(worse).sorted { $0.rank < $1.rank }, stragglerThreshold: threshold)
            // Every rank's window is needed: a missing one would hide a rank measured at another time.
            let windows = entries.compactMap(\.window)
            if windows.count == entries.count, let overlap = StepAlignment.overlap(windows) {
                record.step = entries.first?.step
                record.overlap = overlap
                record.suspect = StepAlignment.isSuspect(overlap: overlap, threshold: overlapThreshold)
                record.overlapThreshold = overlapThreshold
            }
            return record
        }
    }
}
