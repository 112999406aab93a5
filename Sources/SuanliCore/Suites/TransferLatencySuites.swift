import SuanliSchema

extension Suites {
    /// Transfer: for each direction, a random pattern in the source, the destination poisoned,
    /// timed copies, and the destination compared byte for byte with the pattern after them.
    public static func transfer(_ backend: any BenchmarkBackend, policy: SamplingPolicy, quick: Bool) -> [Measurement] {
        let device = backend.descriptor.id
        if let reason = backend.skipReason(suite: .transfer) {
            return [.skipped(device: device, suite: .transfer, kernel: "transfer", precision: nil, unit: .gbps, reason: reason)]
        }
        let bytes = backend.defaultTransferBytes(quick: quick)
        let size = ["bytes": bytes]
        let runner: any TransferRunner
        do {
            try MemoryBudget.check(backend, deviceBytes: bytes, largestAllocation: bytes, hostBytes: 3 * bytes,
                                   what: "transfer buffers of \(bytes) bytes")
            runner = try backend.makeTransfer(bytes: bytes)
        } catch {
            return [.failed(device: device, suite: .transfer, kernel: "transfer", precision: nil, size: size, unit: .gbps,
                            reason: "\(error)")]
        }
        return runner.directions.enumerated().map { index, direction in
            var m = Measurement(device: device, suite: .transfer, kernel: direction.rawValue, precision: nil, size: size, unit: .gbps)
            m.timing = backend.timingMethod
            m.parameters = runner.parameters
            return m.measuring { m in
                let pattern = transferPattern(bytes: bytes, seed: 99 + UInt64(index))
                try runner.prepare(direction, pattern: pattern)
                let samples = try collectSamples(policy) { try runner.run(direction) }
                let arrived = try runner.destination(direction)
                let check: VerificationResult
                if arrived == pattern {
                    check = .passed
                } else {
                    let first = zip(arrived, pattern).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(arrived.count, pattern.count)
                    check = .failed("\(direction.rawValue): the destination differs from the source from byte \(first) on")
                }
                m.record(samples, workPerRun: Double(bytes), verification: check, peak: nil)
            }
        }
    }

    /// Random bytes, none zero (a zero-filled destination cannot pass).
    static func transferPattern(bytes: Int, seed: UInt64) -> [UInt8] {
        var pattern = [UInt8](repeating: 0, count: bytes)
        var rng = SeededGenerator(seed: seed)
        pattern.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count { words[i] = rng.next() | 0x0101_0101_0101_0101 }
            for i in (words.count * 8)..<raw.count { raw[i] = 0x5A }
        }
        return pattern
    }

    /// Launch latency of a kernel that writes one marker word: queued→start from the device's
    /// events and the host's round trip. Every launch writes a new marker, and the marker the
    /// device holds after the timed launches must be the last one sent.
    public static func latency(_ backend: any BenchmarkBackend, policy: SamplingPolicy, quick: Bool) -> [Measurement] {
        let device = backend.descriptor.id
        if let reason = backend.skipReason(suite: .latency) {
            return [.skipped(device: device, suite: .latency, kernel: "launch", precision: nil, unit: .microseconds, reason: reason)]
        }
        var queued = Measurement(device: device, suite: .latency, kernel: "launch-queued-to-start", precision: nil,
                                 size: [:], unit: .microseconds)
        var roundTrip = Measurement(device: device, suite: .latency, kernel: "launch-host-round-trip", precision: nil,
                                    size: [:], unit: .microseconds)
        queued.timing = backend.timingMethod
        roundTrip.timing = "host-clock"
        do {
            let runner = try backend.makeLatency()
            queued.parameters = runner.parameters
            roundTrip.parameters = runner.parameters
            var latencyPolicy = policy
            latencyPolicy.minSamples = max(policy.minSamples, quick ? 20 : 200)
            latencyPolicy.warmupRuns = max(policy.warmupRuns, 10)
            var marker: UInt32 = 0x5EED_0000
            var queuedSamples: [Double] = []
            let samples = try collectSamples(latencyPolicy) {
                marker &+= 1
                let launch = try runner.launch(marker: marker)
                if let q = launch.queuedToStart { queuedSamples.append(q * 1e6) }
                return launch.roundTrip
            }
            let seen = try runner.readMarker()
            let check: VerificationResult = seen == marker
                ? .passed
                : .failed("the last launch's marker 0x\(String(marker, radix: 16)) is not in device memory (found 0x\(String(seen, radix: 16))): the kernel did not run")
            roundTrip.record(samples: samples.seconds.map { $0 * 1e6 }, verification: check)
            roundTrip.attachEnergy(samples.energy)
            if queuedSamples.isEmpty {
                queued = .skipped(device: device, suite: .latency, kernel: "launch-queued-to-start", precision: nil,
                                  unit: .microseconds, reason: "the backend has no device-side launch timestamps")
            } else {
                // The timed launches follow the warm-up ones (untimed runs that fill an energy window come after).
                queued.record(samples: Array(queuedSamples.dropFirst(latencyPolicy.warmupRuns).prefix(samples.seconds.count)),
                              verification: check)
                queued.attachEnergy(samples.energy)
            }
        } catch {
            queued.fail(error)
            roundTrip.fail(error)
        }
        return [queued, roundTrip]
    }
}
