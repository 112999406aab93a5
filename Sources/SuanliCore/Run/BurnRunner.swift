import SuanliSchema
import Dispatch

/// What `suanli burn` should run.
public struct BurnPlan: Sendable {
    /// Suites that can keep a device loaded: GEMM (compute) and stream triad (memory).
    public static let supportedSuites: [Suite] = [.gemm, .stream]

    public var suites: [Suite]
    /// Seconds of load asked for; the burn runs `duration / interval` intervals (at least one).
    public var duration: Double
    public var interval: Double
    public var precision: Precision
    /// Square GEMM size; nil: grown from 256 until one run takes a fortieth of an interval
    /// (at most the backend's default size).
    public var gemmSize: Int?
    /// Stream array length; nil: the backend's default.
    public var streamLength: Int?
    /// Test hook: corrupt the output read back at the end of this interval (0-based), so the
    /// check fails as it would on faulty hardware.
    public var plantedFault: Int?

    public init(suites: [Suite], duration: Double, interval: Double, precision: Precision = .fp32, gemmSize: Int? = nil,
                streamLength: Int? = nil, plantedFault: Int? = nil) {
        self.suites = suites
        self.duration = duration
        self.interval = interval
        self.precision = precision
        self.gemmSize = gemmSize
        self.streamLength = streamLength
        self.plantedFault = plantedFault
    }

    public var intervalCount: Int { max(1, Int((duration / interval).rounded())) }
}

/// What a burn reports while it runs.
public enum BurnEvent: Sendable {
    /// A suite's workload is ready (size chosen, first output checked).
    case prepared(suite: Suite, size: [String: Int])
    /// A suite could not start: its measurement is failed and it takes no intervals.
    case notStarted(suite: Suite, reason: String)
    case intervalFinished(BurnInterval, of: Int)
    case hung(suite: Suite, timeout: Double)
}

/// How a burn ended.
public enum BurnOutcome: Sendable, Equatable {
    /// Every interval ran; a burn with verification errors (or a suite that could not start)
    /// is a failure.
    case completed(verificationErrors: Int, notStarted: Int)
    /// An interval did not finish within the watchdog's time.
    case hung(suite: Suite)
}

/// Keeps verified load on one device (gpu-burn's idea, with verification and energy): each
/// interval runs the kernel back to back, then reads the output and checks it. The intervals
/// and a summary per suite go into the session as they finish, so an interrupted burn keeps them.
public struct BurnRunner {
    public var plan: BurnPlan
    public var backend: any BenchmarkBackend
    public var session: BenchSession
    /// Sensors for the device (energy, clocks, temperature); a probe without sensors still gives
    /// clocks and temperature.
    public var energy: EnergyProbe?
    /// Seconds beyond the interval one interval may take before the watchdog stops the burn.
    public var stepTimeout: Double

    public init(plan: BurnPlan, backend: any BenchmarkBackend, session: BenchSession, energy: EnergyProbe? = nil,
                stepTimeout: Double = 900) {
        self.plan = plan
        self.backend = backend
        self.session = session
        self.energy = energy
        self.stepTimeout = stepTimeout
    }

    public func run(progress: (BurnEvent) -> Void = { _ in }) -> BurnOutcome {
        let device = backend.descriptor.id
        let slot = plan.interval / Double(plan.suites.count)
        var record = BurnRecord(device: device, suites: plan.suites, durationSeconds: plan.duration,
                                intervalSeconds: plan.interval)
        var workloads: [any BurnWorkload] = []
        var failedToStart: [Measurement] = []
        for suite in plan.suites {
            do {
                let workload = try Self.prepare(suite, plan: plan, backend: backend, slot: slot)
                workloads.append(workload)
                progress(.prepared(suite: suite, size: workload.size))
            } catch {
                let unit = suite.unit
                failedToStart.append(.failed(device: device, suite: suite, kernel: "burn-" + Self.kernel(suite),
                                             precision: plan.precision, unit: unit, reason: "\(error)"))
                progress(.notStarted(suite: suite, reason: "\(error)"))
            }
        }
        let start = monotonicSeconds()
        let window = BurnSummary.window(duration: plan.duration, interval: plan.interval)
        func publish() {
            record.elapsedSeconds = monotonicSeconds() - start
            record.summary = workloads.map { w in
                BurnSummary(suite: w.suite, kernel: w.kernel, unit: w.suite.unit,
                            intervals: record.intervals.filter { $0.suite == w.suite }, window: window)
            }
            record.verificationErrors = record.intervals.filter { !$0.verified }.count
            let summaries = workloads.map { w in measurement(for: w, intervals: record.intervals.filter { $0.suite == w.suite }) }
            session.update { $0 = failedToStart + summaries }
            session.setBurn(record)
        }
        publish()
        let total = plan.intervalCount
        for index in 0..<total {
            for workload in workloads {
                let begin = monotonicSeconds() - start
                let planted = plan.plantedFault == index
                guard var interval = Self.runWithWatchdog(workload, seconds: slot, energy: energy, plantFault: planted,
                                                          timeout: slot + stepTimeout) else {
                    var hung = BurnInterval(index: index, suite: workload.suite, kernel: workload.kernel, startSeconds: begin,
                                            unit: workload.suite.unit)
                    hung.error = "watchdog: the interval did not finish within \(Int(slot + stepTimeout)) s; the burn was stopped"
                    record.intervals.append(hung)
                    publish()
                    progress(.hung(suite: workload.suite, timeout: slot + stepTimeout))
                    return .hung(suite: workload.suite)
                }
                interval.index = index
                interval.startSeconds = begin
                record.intervals.append(interval)
                publish()
                progress(.intervalFinished(interval, of: total))
            }
        }
        return .completed(verificationErrors: record.verificationErrors, notStarted: failedToStart.count)
    }

    /// A suite's burn as one measurement: the verified interval rates as its samples.
    func measurement(for workload: any BurnWorkload, intervals: [BurnInterval]) -> Measurement {
        var m = Measurement(device: backend.descriptor.id, suite: workload.suite, kernel: "burn-" + workload.kernel,
                            precision: plan.precision, size: workload.size, unit: workload.suite.unit)
        m.timing = backend.timingMethod
        m.parameters = workload.parameters.merging(["mode": "burn", "interval_s": displayNumber(plan.interval / Double(plan.suites.count)),
                                                    "intervals": "\(intervals.count)"]) { a, _ in a }
        let failures = intervals.filter { !$0.verified }
        let check: VerificationResult = failures.isEmpty
            ? .passed
            : .failed("\(failures.count) of \(intervals.count) intervals failed: interval \(failures[0].index): \(failures[0].error ?? "failed")")
        m.record(samples: intervals.filter(\.verified).compactMap(\.rate), verification: check)
        // The burn's energy: every interval's joules over their seconds.
        let measured = intervals.filter { $0.joules != nil }
        if !measured.isEmpty, let source = energy?.sensors.map(\.source).first {
            let seconds = measured.map(\.seconds).reduce(0, +)
            var e = EnergyRecord(source: source, sensors: energy?.sensors.map(\.id) ?? [],
                                 scope: energy?.sensors.first?.scope ?? .device, seconds: seconds,
                                 samples: measured.count)
            e.joules = measured.compactMap(\.joules).reduce(0, +)
            e.avgWatts = BurnSummary.averageWatts(measured)
            e.maxWatts = measured.compactMap(\.maxWatts).max()
            let throttled = intervals.compactMap(\.throttled)
            e.throttled = throttled.isEmpty ? nil : throttled.contains(true)
            let reasons = Set(intervals.flatMap { $0.throttleReasons ?? [] })
            e.throttleReasons = reasons.isEmpty ? nil : reasons.sorted()
            m.attachEnergy(e)
        }
        return m
    }

    static func kernel(_ suite: Suite) -> String { suite == .stream ? StreamKernel.triad.rawValue : suite.rawValue }

    /// Builds a suite's workload and checks its first output.
    static func prepare(_ suite: Suite, plan: BurnPlan, backend: any BenchmarkBackend, slot: Double) throws -> any BurnWorkload {
        if let reason = backend.skipReason(for: plan.precision, suite: suite) { throw BenchmarkError(reason) }
        switch suite {
        case .gemm:
            if let n = plan.gemmSize { return try GEMMBurn(backend: backend, precision: plan.precision, n: n).checked() }
            let largest = backend.defaultGEMMShapes(quick: false).map { min($0.m, $0.n, $0.k) }.max() ?? 1024
            var n = min(256, largest)
            while true {
                let workload = try GEMMBurn(backend: backend, precision: plan.precision, n: n)
                let seconds = try workload.timedCheck()
                if seconds >= slot / 40 || n * 2 > largest { return workload }
                n *= 2
            }
        case .stream:
            let length = plan.streamLength ?? backend.defaultStreamLength(plan.precision, quick: false)
            return try StreamBurn(backend: backend, precision: plan.precision, length: length).checked()
        default:
            throw BenchmarkError("burn runs gemm and stream, not \(suite.rawValue)")
        }
    }

    /// Runs one interval on a worker thread; nil when it did not finish within `timeout`.
    static func runWithWatchdog(_ workload: any BurnWorkload, seconds: Double, energy: EnergyProbe?, plantFault: Bool,
                                timeout: Double) -> BurnInterval? {
        final class Box: @unchecked Sendable {
            let workload: any BurnWorkload
            var result: BurnInterval?
            init(_ workload: any BurnWorkload) { self.workload = workload }
        }
        let box = Box(workload)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue(label: "suanli.burn").async {
            box.result = box.workload.interval(seconds: seconds, energy: energy, plantFault: plantFault)
            done.signal()
        }
        return done.wait(timeout: .now() + timeout) == .success ? box.result : nil
    }
}

/// A kernel kept running for a burn: prepared once, then run interval by interval.
protocol BurnWorkload: AnyObject {
    var suite: Suite { get }
    var kernel: String { get }
    var size: [String: Int] { get }
    var parameters: [String: String] { get }
    /// FLOPs or bytes per run.
    var workPerRun: Double { get }
    func poison() throws
    /// One run; seconds.
    func runOnce() throws -> Double
    /// Checks the output of the runs since `poison()`; `corrupt` changes one value first.
    func check(corrupt: Bool) throws -> VerificationResult
}

extension BurnWorkload {
    /// Runs back to back for `seconds`, then checks the output.
    func interval(seconds: Double, energy: EnergyProbe?, plantFault: Bool) -> BurnInterval {
        var result = BurnInterval(index: 0, suite: suite, kernel: kernel, startSeconds: 0, unit: suite.unit)
        var window: EnergyWindow?
        do {
            try poison()
            window = energy?.start()
            let start = monotonicSeconds()
            var times: [Double] = []
            repeat { times.append(try runOnce()) } while monotonicSeconds() - start < seconds
            let record = window?.stop()
            window = nil
            result.seconds = monotonicSeconds() - start
            result.runs = times.count
            result.rate = Summary(times.map { workPerRun / $0 / 1e9 })?.median
            let check = try self.check(corrupt: plantFault)
            result.verified = check.passed
            result.error = check.passed ? nil : check.detail
            result.apply(record)
        } catch {
            if let window { _ = window.stop() }
            result.verified = false
            result.error = "\(error)"
        }
        return result
    }

    /// Poisons, runs once, checks; returns the run's seconds.
    func timedCheck() throws -> Double {
        try poison()
        let seconds = try runOnce()
        let check = try self.check(corrupt: false)
        guard check.passed else { throw BenchmarkError("the first output is wrong: \(check.detail)") }
        return seconds
    }

    func checked() throws -> Self {
        _ = try timedCheck()
        return self
    }
}

/// Square GEMM with β = 0 on a poisoned C; the α·A·B + β·C₀ form is checked once at the start.
final class GEMMBurn: BurnWorkload {
    let problem: GEMMProblem
    let runner: any GEMMRunner
    var suite: Suite { .gemm }
    var kernel: String { "gemm" }
    var size: [String: Int] { GEMMShape(square: problem.m).size }
    var parameters: [String: String] { runner.parameters }
    var workPerRun: Double { problem.flops }

    init(backend: any BenchmarkBackend, precision: Precision, n: Int) throws {
        let shape = GEMMShape(square: n)
        let bytes = 3 * n * n * precision.elementBytes
        if n * n * precision.elementBytes > backend.maxAllocationBytes || bytes > backend.memoryBytes * 8 / 10 {
            throw BenchmarkError("GEMM \(shape) in \(precision.rawValue) does not fit the device")
        }
        problem = GEMMProblem(m: n, n: n, k: n, precision: precision)
        runner = try backend.makeGEMM(precision: precision, shape: shape, retune: false)
        try runner.upload(problem)
        _ = try runner.run(beta: problem.beta)
        let first = problem.verify(try runner.downloadOutput(), includeBeta: true)
        guard first.passed else { throw BenchmarkError("the first output is wrong: \(first.detail)") }
    }

    func poison() throws { try runner.poisonOutput() }
    func runOnce() throws -> Double { try runner.run(beta: 0) }
    func check(corrupt: Bool) throws -> VerificationResult {
        var output = try runner.downloadOutput()
        if corrupt, !output.isEmpty { output[output.count / 2] = output[output.count / 2] * 1.5 + 1 }
        return problem.verify(output, includeBeta: false)
    }
}

/// Stream triad, a[i] = b[i] + s·c[i], on arrays far beyond the caches.
final class StreamBurn: BurnWorkload {
    let runner: any StreamRunner
    let precision: Precision
    let a: [Double], b: [Double], c: [Double]
    let scalar: Double
    let length: Int
    var suite: Suite { .stream }
    var kernel: String { StreamKernel.triad.rawValue }
    var size: [String: Int] { ["n": length] }
    var parameters: [String: String] { runner.parameters }
    var workPerRun: Double { Double(StreamKernel.triad.arraysMoved * length * precision.elementBytes) }

    init(backend: any BenchmarkBackend, precision: Precision, length: Int) throws {
        if length * precision.elementBytes > backend.maxAllocationBytes
            || 3 * length * precision.elementBytes > backend.memoryBytes * 8 / 10 {
            throw BenchmarkError("stream arrays of \(length) \(precision.rawValue) elements do not fit the device")
        }
        self.precision = precision
        self.length = length
        a = randomValues(count: length, precision: precision, seed: 11)
        b = randomValues(count: length, precision: precision, seed: 12)
        c = randomValues(count: length, precision: precision, seed: 13)
        scalar = precision.round(0.4)
        runner = try backend.makeStream(precision: precision, length: length)
        try runner.upload(a: a, b: b, c: c)
    }

    func poison() throws { try runner.poisonOutput(of: .triad) }
    func runOnce() throws -> Double { try runner.run(.triad, scalar: scalar).seconds }
    func check(corrupt: Bool) throws -> VerificationResult {
        var output = try runner.downloadOutput(of: .triad)
        if corrupt, !output.isEmpty { output[output.count / 2] = output[output.count / 2] * 1.5 + 1 }
        return verifyStream(.triad, precision: precision, a: a, b: b, c: c, scalar: scalar, output: output)
    }
}
