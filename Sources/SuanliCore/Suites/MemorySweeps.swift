/// The memory-hierarchy suites: read bandwidth (`cache`) and pointer-chase latency (`memlat`)
/// over the same working sets, from 4 KiB to well beyond the last-level cache.
extension Suites {
    /// Seconds one timed run should last: long enough that launch overhead does not count.
    static func sweepRunSeconds(quick: Bool) -> Double { quick ? 0.002 : 0.01 }

    /// `cache`: at each working set, the checksums poisoned, one checked run, timed runs, and the
    /// last run's checksums checked again. Kernel `read`, GB/s.
    public static func cache(_ backend: any BenchmarkBackend, sizes: [Int], policy: SamplingPolicy,
                             quick: Bool) -> [Measurement] {
        let device = backend.descriptor.id
        guard let largest = sizes.max() else { return [] }
        let runner: any CacheReadRunner
        do { runner = try backend.makeCacheRead(largestBytes: largest) } catch {
            return sizes.map { .failed(device: device, suite: .cache, kernel: "read", precision: nil, size: ["bytes": $0],
                                       unit: .gbps, reason: "\(error)") }
        }
        return sizes.map { bytes in
            var m = Measurement(device: device, suite: .cache, kernel: "read", precision: nil, size: ["bytes": bytes], unit: .gbps)
            m.timing = backend.timingMethod
            do {
                try runner.prepare(bytes: bytes, targetSeconds: sweepRunSeconds(quick: quick))
                m.parameters = runner.parameters
                try runner.poisonOutput()
                _ = try runner.run()
                let first = try runner.verify()
                guard first.passed else {
                    m.record(samples: [], verification: first)
                    return m
                }
                try runner.poisonOutput()
                var bytesPerRun = 0.0
                let samples = try collectSamples(policy) {
                    let run = try runner.run()
                    bytesPerRun = run.bytes
                    return run.seconds
                }
                m.record(samples, workPerRun: bytesPerRun, verification: try runner.verify(), peak: runner.peakGBs)
            } catch {
                m.fail(error)
            }
            return m
        }
    }

    /// `memlat`: at each working set, a new random cycle; kernel `chase` follows it with one chain
    /// (the latency of one dependent load), `chase-parallel` with one chain per thread or work-item
    /// (latency under load). Every run's chain ends are checked. Unit ns per load, lower is better.
    public static func memlat(_ backend: any BenchmarkBackend, sizes: [Int], policy: SamplingPolicy,
                              quick: Bool) -> [Measurement] {
        let device = backend.descriptor.id
        guard let largest = sizes.max() else { return [] }
        let runner: any PointerChaseRunner
        do { runner = try backend.makePointerChase(largestBytes: largest) } catch {
            return sizes.flatMap { bytes in
                ["chase", "chase-parallel"].map {
                    .failed(device: device, suite: .memlat, kernel: $0, precision: nil, size: ["bytes": bytes],
                            unit: .nanoseconds, reason: "\(error)")
                }
            }
        }
        var results: [Measurement] = []
        for bytes in sizes {
            for (kernel, chains) in [("chase", 1), ("chase-parallel", runner.parallelChains)] {
                var m = Measurement(device: device, suite: .memlat, kernel: kernel, precision: nil, size: ["bytes": bytes],
                                    unit: .nanoseconds)
                m.timing = backend.timingMethod
                do {
                    try runner.prepare(bytes: bytes, chains: chains, targetSeconds: sweepRunSeconds(quick: quick))
                    m.parameters = runner.parameters
                    var loads = 1
                    let samples = try collectSamples(policy) {
                        let run = try runner.run()
                        loads = run.loads
                        return run.seconds
                    }
                    m.record(samples: samples.seconds.map { $0 / Double(loads) * 1e9 }, verification: runner.verification)
                    m.hostClockDisagreement = hostClockDisagreement(samples)
                } catch {
                    m.fail(error)
                }
                results.append(m)
            }
        }
        return results
    }
}
