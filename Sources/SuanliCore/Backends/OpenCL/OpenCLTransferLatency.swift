import OpenCLKit

extension OpenCLBackend {
    /// Host→device and device→host copies of a large buffer, from ordinary (pageable) host
    /// memory and from pinned host memory (a mapped `CL_MEM_ALLOC_HOST_PTR` buffer).
    /// Each direction's data is checked after the timed runs.
    public func runTransfer(policy: SamplingPolicy, quick: Bool) throws -> [Measurement] {
        var bytes = quick ? 16 << 20 : (info.type == .gpu ? 256 << 20 : 64 << 20)
        while bytes > info.maxAllocationBytes / 2 { bytes /= 2 }
        let size = ["bytes": bytes]
        var pattern = [UInt8](repeating: 0, count: bytes)
        var rng = SeededGenerator(seed: 99)
        pattern.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count { words[i] = rng.next() | 0x0101_0101_0101_0101 }
        }
        let deviceBuffer = try buffer(bytes: bytes)
        var results: [Measurement] = []

        func measure(_ kernel: String, _ body: () throws -> Event, verify: () throws -> VerificationResult) {
            var m = Measurement(device: descriptor.id, suite: .transfer, kernel: kernel, precision: nil, size: size, unit: .gbps)
            m.timing = timingMethod
            do {
                let samples = try collectSamples(policy) {
                    let event = try body()
                    try event.wait()
                    return Double(try event.profilingTimes().executionNanoseconds) * 1e-9
                }
                m.record(samples: samples.seconds.map { Double(bytes) / $0 / 1e9 }, verification: try verify())
                m.attachEnergy(samples.energy)
            } catch {
                m.status = .failed
                m.reason = "\(error)"
            }
            results.append(m)
        }

        // Pageable host memory.
        var received = [UInt8](repeating: 0, count: bytes)
        measure("host-to-device", {
            try pattern.withUnsafeBytes { try deviceBuffer.write($0, queue: queue, blocking: false) }
        }, verify: {
            try read(deviceBuffer, count: bytes) == pattern ? .passed : .failed("device copy differs from the host data")
        })
        measure("device-to-host", {
            try received.withUnsafeMutableBytes { try deviceBuffer.read(into: $0, queue: queue, blocking: true) }
        }, verify: {
            received == pattern ? .passed : .failed("host copy differs from the device data")
        })

        // Pinned host memory: a host-allocated buffer kept mapped while the copies run.
        let pinned = try Buffer(context: context, byteCount: bytes, flags: [.readWrite, .allocHostPointer])
        do {
            _ = try pinned.withMappedBytes(queue: queue, write: true) { host in
                pattern.withUnsafeBytes { host.copyMemory(from: $0) }
                measure("host-to-device-pinned", {
                    try deviceBuffer.write(UnsafeRawBufferPointer(host), queue: queue, blocking: false)
                }, verify: {
                    try read(deviceBuffer, count: bytes) == pattern ? .passed : .failed("device copy differs from the pinned host data")
                })
                try write(deviceBuffer, pattern.reversed())
                let expected = Array(pattern.reversed())
                measure("device-to-host-pinned", {
                    try deviceBuffer.read(into: host, queue: queue, blocking: true)
                }, verify: {
                    host.elementsEqual(expected) ? .passed : .failed("pinned host copy differs from the device data")
                })
            }
        } catch {
            results.append(.failed(device: descriptor.id, suite: .transfer, kernel: "pinned", precision: nil, size: size,
                                   unit: .gbps, reason: "\(error)"))
        }
        return results
    }

    /// Launch latency of an empty kernel: queued→start from profiling events, and the host
    /// round trip (enqueue to completion seen by the host).
    public func runLatency(policy: SamplingPolicy, quick: Bool) throws -> [Measurement] {
        let program = try program("latency.cl", options: "")
        let kernel = try program.kernel(named: "empty")
        var byEvent: [Double] = []
        var m1 = Measurement(device: descriptor.id, suite: .latency, kernel: "launch-queued-to-start", precision: nil,
                             size: [:], unit: .microseconds)
        var m2 = Measurement(device: descriptor.id, suite: .latency, kernel: "launch-host-round-trip", precision: nil,
                             size: [:], unit: .microseconds)
        m1.timing = timingMethod
        m2.timing = "host-clock"
        var latencyPolicy = policy
        latencyPolicy.minSamples = max(policy.minSamples, quick ? 20 : 200)
        latencyPolicy.warmupRuns = max(policy.warmupRuns, 10)
        let samples = try collectSamples(latencyPolicy) {
            let start = monotonicSeconds()
            let event = try queue.enqueue(kernel, global: [1], local: [1])
            try event.wait()
            let end = monotonicSeconds()
            let times = try event.profilingTimes()
            byEvent.append(Double(times.queuedToStartNanoseconds) * 1e-3)
            return end - start
        }
        // A completed event is the check: the kernel ran and the runtime reported success.
        let ran = VerificationResult.passed
        m1.record(samples: Array(byEvent.suffix(samples.seconds.count)), verification: ran)
        m2.record(samples: samples.seconds.map { $0 * 1e6 }, verification: ran)
        m1.attachEnergy(samples.energy)
        m2.attachEnergy(samples.energy)
        return [m1, m2]
    }
}
