import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif

/// How many times a measured operation runs: warm-up first, then until both a minimum count
/// and a minimum time are reached (or a maximum count or time stops it).
public struct SamplingPolicy: Sendable, Equatable {
    public var warmupRuns: Int
    public var minSamples: Int
    public var maxSamples: Int
    public var minSeconds: Double
    public var maxSeconds: Double

    public init(warmupRuns: Int = 2, minSamples: Int = 10, maxSamples: Int = 1000,
                minSeconds: Double = 1.0, maxSeconds: Double = 20) {
        self.warmupRuns = warmupRuns
        self.minSamples = minSamples
        self.maxSamples = maxSamples
        self.minSeconds = minSeconds
        self.maxSeconds = maxSeconds
    }

    public static let standard = SamplingPolicy()
    /// `--quick`: fewer and shorter repetitions, for smoke runs and tests.
    public static let quick = SamplingPolicy(warmupRuns: 1, minSamples: 5, maxSamples: 200, minSeconds: 0.1, maxSeconds: 5)
}

/// Monotonic wall clock in seconds.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Timings of repeated runs.
public struct SampleSet: Sendable {
    /// Per-run time in seconds, as the backend measured it (device events or host clock).
    public var seconds: [Double]
    /// Host-clock seconds of the whole timed batch (all samples, launches included).
    public var batchHostSeconds: Double
    /// Host-clock seconds of each run as the caller saw it (launch, wait and all), in order.
    public var hostSeconds: [Double] = []
    /// Energy over the batch, when an ``EnergyProbe`` is current (a sensor is attached).
    public var energy: EnergyRecord? = nil
}

/// Runs `body` per `policy`. `body` returns one run's duration in seconds.
/// With an ``EnergyProbe`` current, the sensors are read over the timed batch; a batch shorter
/// than the probe's minimum window is followed by untimed runs until the window is long enough.
public func collectSamples(_ policy: SamplingPolicy, _ body: () throws -> Double) throws -> SampleSet {
    for _ in 0..<policy.warmupRuns { _ = try body() }
    var seconds: [Double] = []
    let probe = EnergyProbe.current
    let window = probe?.start()
    var stopped = false
    defer { if let window, !stopped { _ = window.stop() } }
    var hostSeconds: [Double] = []
    let start = monotonicSeconds()
    var elapsed = 0.0
    while seconds.count < policy.maxSamples {
        let before = monotonicSeconds()
        seconds.append(try body())
        let after = monotonicSeconds()
        hostSeconds.append(after - before)
        elapsed = after - start
        if seconds.count >= policy.minSamples && elapsed >= policy.minSeconds { break }
        if elapsed >= policy.maxSeconds && seconds.count >= 3 { break }
    }
    var result = SampleSet(seconds: seconds, batchHostSeconds: elapsed, hostSeconds: hostSeconds)
    if let probe, let window {
        while monotonicSeconds() - window.startTime < probe.minimumWindow { _ = try body() }
        stopped = true
        result.energy = window.stop()
    }
    return result
}
