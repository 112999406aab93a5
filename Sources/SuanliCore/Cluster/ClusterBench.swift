#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One rank of a cluster run, as recorded in the gathered result file.
public struct RankInfo: Codable, Sendable {
    public var rank: Int
    public var localRank: Int
    public var host: HostInfo
    /// The rank's devices, ids prefixed `r<rank>:`.
    public var devices: [DeviceDescriptor]

    enum CodingKeys: String, CodingKey {
        case rank, host, devices
        case localRank = "local_rank"
    }

    public init(rank: Int, localRank: Int, host: HostInfo, devices: [DeviceDescriptor]) {
        self.rank = rank
        self.localRank = localRank
        self.host = host
        self.devices = devices
    }
}

/// A rank and its figure.
public struct RankValue: Codable, Sendable, Equatable {
    public var rank: Int
    public var host: String
    public var value: Double
}

/// One metric across the ranks of a cluster run.
public struct AggregateRecord: Codable, Sendable {
    public var suite: Suite
    public var kernel: String
    public var precision: Precision?
    public var size: [String: Int]
    public var unit: Unit
    public var ranks: Int
    /// Sum over ranks (throughputs only).
    public var total: Double?
    /// Sum per host (throughputs only).
    public var perNode: [String: Double]?
    public var median: Double
    public var slowest: RankValue
    public var fastest: RankValue
    /// Ranks more than `stragglerThreshold` worse than the median.
    public var stragglers: [RankValue]
    public var stragglerThreshold: Double

    enum CodingKeys: String, CodingKey {
        case suite, kernel, precision, size, unit, ranks, total, median, slowest, fastest, stragglers
        case perNode = "per_node"
        case stragglerThreshold = "straggler_threshold"
    }
}

/// What each rank sends to rank 0.
public struct RankReport: Codable, Sendable {
    public var info: RankInfo
    public var measurements: [Measurement]
    public init(info: RankInfo, measurements: [Measurement]) {
        self.info = info
        self.measurements = measurements
    }
}

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
    /// stragglers (worse than the median by more than `threshold`, 10% by default).
    public static func aggregate(_ reports: [RankReport], threshold: Double = 0.10) -> [AggregateRecord] {
        struct Key: Hashable { var suite: Suite; var kernel: String; var precision: Precision?; var size: [String: Int] }
        var order: [Key] = []
        var values: [Key: [(RankValue, Measurement)]] = [:]
        for report in reports {
            for m in report.measurements where m.status == .ok && m.suite != .allreduce {
                guard let median = m.median else { continue }
                let key = Key(suite: m.suite, kernel: m.kernel, precision: m.precision, size: m.size)
                if values[key] == nil { order.append(key) }
                values[key, default: []].append((RankValue(rank: report.info.rank, host: report.info.host.hostname, value: median), m))
            }
        }
        return order.compactMap { key in
            guard let entries = values[key], let first = entries.first?.1 else { return nil }
            let higherIsBetter = first.higherIsBetter
            let sorted = entries.map(\.0).sorted { $0.value < $1.value }
            let median = Summary(sorted.map(\.value))!.median
            let worse: (RankValue) -> Bool = higherIsBetter
                ? { $0.value < median * (1 - threshold) } : { $0.value > median * (1 + threshold) }
            var perNode: [String: Double] = [:]
            for v in sorted { perNode[v.host, default: 0] += v.value }
            let throughput = first.unit.higherIsBetter
            return AggregateRecord(
                suite: key.suite, kernel: key.kernel, precision: key.precision, size: key.size, unit: first.unit,
                ranks: sorted.count, total: throughput ? sorted.reduce(0) { $0 + $1.value } : nil,
                perNode: throughput ? perNode : nil, median: median,
                slowest: higherIsBetter ? sorted.first! : sorted.last!, fastest: higherIsBetter ? sorted.last! : sorted.first!,
                stragglers: sorted.filter(worse).sorted { $0.rank < $1.rank }, stragglerThreshold: threshold)
        }
    }
}
