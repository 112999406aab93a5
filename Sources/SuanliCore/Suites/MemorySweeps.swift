import SuanliSchema

/// The memory-hierarchy suites: read bandwidth (`cache`) and pointer-chase latency (`memlat`)
/// over the same working sets, from 4 KiB to well beyond the last-level cache.
extension Suites {
    /// Seconds one timed run should last. On a CPU (native or an OpenCL CPU device) the threads
    /// share the cores with every other process: a run of tens of milliseconds is cut by the
    /// scheduler and measures it (PoCL's L1 bandwidth halves on a busy 2-core machine), while most
    /// runs of 0.5 ms finish inside one time slice, so the median is a clean run. Waking the
    /// threads costs microseconds. GPUs are not time-sliced by the host: 2 ms runs, long enough
    /// for the host-clock check to apply.
    static func sweepRunSeconds(_ backend: any DeviceProfile, quick: Bool) -> Double {
        backend.descriptor.type == "cpu" ? 0.0005 : 0.002
    }

    /// At most 400 samples a size: a 33-size sweep keeps its result file small.
    static func sweepPolicy(_ policy: SamplingPolicy) -> SamplingPolicy {
        var capped = policy
        capped.maxSamples = min(policy.maxSamples, 400)
        return capped
    }

    /// `cache`: at each working set, the checksums poisoned, one checked run, timed runs, and the
    /// last run's checksums checked again. Kernel `read`, GB/s.
    public static func cache(_ backend: any BenchmarkBackend, sizes: [Int], policy: SamplingPolicy,
                             quick: Bool) -> [Measurement] {
        let device = backend.descriptor.id
        // The data, and on the host a copy of it to recompute the checksums from.
        let (fitting, tooLarge) = fit(backend, sizes, suite: .cache) { (device: $0, host: $0) }
        let skipped = tooLarge.map { size, reason in
            Measurement.skipped(device: device, suite: .cache, kernel: "read", precision: nil, size: ["bytes": size],
                                unit: .gbps, reason: reason)
        }
        guard let largest = fitting.max() else { return skipped }
        let runner: any CacheReadRunner
        do { runner = try backend.makeCacheRead(largestBytes: largest) } catch {
            return fitting.map { .failed(device: device, suite: .cache, kernel: "read", precision: nil, size: ["bytes": $0],
                                         unit: .gbps, reason: "\(error)") } + skipped
        }
        return fitting.map { bytes in
            var m = Measurement(device: device, suite: .cache, kernel: "read", precision: nil, size: ["bytes": bytes], unit: .gbps)
            m.timing = backend.timingMethod
            return m.measuring { m in
                try runner.prepare(bytes: bytes, targetSeconds: sweepRunSeconds(backend, quick: quick))
                m.parameters = runner.parameters
                try runner.poisonOutput()
                _ = try runner.run()
                let first = try runner.verify()
                guard first.passed else {
                    m.record(samples: [], verification: first)
                    return
                }
                try runner.poisonOutput()
                var bytesPerRun = 0.0
                let samples = try collectSamples(sweepPolicy(policy)) {
                    let run = try runner.run()
                    bytesPerRun = run.bytes
                    return run.seconds
                }
                m.record(samples, workPerRun: bytesPerRun, verification: try runner.verify(), peak: runner.peakGBs)
            }
        } + skipped
    }

    /// The sizes whose buffers fit the device and the host (``MemoryBudget``), and for the others
    /// why not. `bytes` gives the device and host bytes a working set needs.
    static func fit(_ backend: any DeviceProfile, _ sizes: [Int], suite: Suite,
                    bytes: (Int) -> (device: Int, host: Int)) -> (fitting: [Int], tooLarge: [(Int, String)]) {
        var fitting: [Int] = [], tooLarge: [(Int, String)] = []
        for size in sizes.sorted() {
            let need = bytes(size)
            do {
                try MemoryBudget.check(backend, deviceBytes: need.device, largestAllocation: need.device, hostBytes: need.host,
                                       what: "\(suite.rawValue) working set of \(WorkingSetSweep.describe(size))")
                fitting.append(size)
            } catch {
                tooLarge.append((size, "\(error)"))
            }
        }
        return (fitting, tooLarge)
    }

    /// `memlat`: at each working set, a new random cycle; kernel `chase` follows it with one chain
    /// (the latency of one dependent load), `chase-parallel` with one chain per thread or work-item
    /// (latency under load). Every run's chain ends are checked. Unit ns per load, lower is better.
    public static func memlat(_ backend: any BenchmarkBackend, sizes: [Int], policy: SamplingPolicy,
                              quick: Bool) -> [Measurement] {
        let device = backend.descriptor.id
        let kernels = ["chase", "chase-parallel"]
        // The chain table, and on the host the permutation (order and successors, 8 bytes a line)
        // and, for a device, the table it uploads.
        let (fitting, tooLarge) = fit(backend, sizes, suite: .memlat) { (device: $0, host: $0 + $0 / 8) }
        let skipped = tooLarge.flatMap { size, reason in
            kernels.map { Measurement.skipped(device: device, suite: .memlat, kernel: $0, precision: nil, size: ["bytes": size],
                                              unit: .nanoseconds, reason: reason) }
        }
        guard let largest = fitting.max() else { return skipped }
        let runner: any PointerChaseRunner
        do { runner = try backend.makePointerChase(largestBytes: largest) } catch {
            return fitting.flatMap { bytes in
                kernels.map {
                    .failed(device: device, suite: .memlat, kernel: $0, precision: nil, size: ["bytes": bytes],
                            unit: .nanoseconds, reason: "\(error)")
                }
            } + skipped
        }
        var results: [Measurement] = []
        for bytes in fitting {
            for (kernel, chains) in [("chase", 1), ("chase-parallel", runner.parallelChains)] {
                var m = Measurement(device: device, suite: .memlat, kernel: kernel, precision: nil, size: ["bytes": bytes],
                                    unit: .nanoseconds)
                m.timing = backend.timingMethod
                results.append(m.measuring { m in
                    try runner.prepare(bytes: bytes, chains: chains, targetSeconds: sweepRunSeconds(backend, quick: quick))
                    m.parameters = runner.parameters
                    var loads = 1
                    let samples = try collectSamples(sweepPolicy(policy)) {
                        let run = try runner.run()
                        loads = run.loads
                        return run.seconds
                    }
                    m.record(samples, perRun: Double(loads), verification: try runner.verify())
                })
            }
        }
        return results + skipped
    }
}

extension Measurement {
    /// Records timed runs that each did `perRun` operations as nanoseconds per operation, with
    /// the host-clock check of the batch.
    mutating func record(_ samples: SampleSet, perRun: Double, verification: VerificationResult) {
        record(samples: samples.seconds.map { $0 / perRun * 1e9 }, verification: verification)
        markSuspectIfClocksDisagree(samples)
    }
}

/// Doubles the work of one run (repetitions, loads) from `start` until the shortest of three runs
/// lasts `targetSeconds` and the work dominates the run: the last doubling at least 1.9× its time,
/// so fixed costs (a launch, waking threads) are under about 5% of it. Taking the shortest of three
/// keeps a run cut by another process from ending the search early. Stops at `limit`, or once a
/// run lasts 50× the target. Returns the work, last set through `run`.
func calibrateWork(start: Int, limit: Int, targetSeconds: Double, _ run: (Int) throws -> Double) rethrows -> Int {
    var work = start
    var previous: Double?
    while work < limit {
        let seconds = min(try run(work), try run(work), try run(work))
        if seconds >= targetSeconds,
           previous.map({ seconds >= 1.9 * $0 }) ?? true || seconds >= 50 * targetSeconds {
            break
        }
        previous = seconds
        work *= 2
    }
    _ = try run(work)
    return work
}
