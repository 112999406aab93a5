import SuanliSchema
import Dispatch

/// What a bench run reports while it runs, in order.
public enum BenchEvent: Sendable {
    /// A step is about to run: its position among the device's steps.
    case stepStarted(device: String, index: Int, count: Int, step: BenchStep)
    /// A step finished with these measurements (already appended to the session).
    case stepFinished(device: String, step: BenchStep, measurements: [Measurement])
    /// A step ran longer than the watchdog allows; the run stops after this event.
    case stepHung(device: String, step: BenchStep, timeout: Double)
    /// The run as a whole starts its repeat `repeat` of `of` (only when repeating).
    case repeatStarted(repeat: Int, of: Int)
}

/// How a bench run ended.
public enum BenchOutcome: Sendable, Equatable {
    /// Every step ran; `failed` counts measurements that are not figures (failed, suspect or
    /// implausible).
    case completed(failed: Int)
    /// The watchdog stopped a step; the measurements so far are in the session.
    case hung(device: String, step: String)
}

/// The bench loop as a library: plan → steps → watchdog → session. A Swift program can run
/// Suanli's suites with it directly; the `suanli bench` command is a thin layer over it.
///
/// ```swift
/// let inventory = DeviceInventory.discover()
/// let backends = try inventory.backends(ids: ["cpu"])
/// let session = BenchSession(host: inventory.host, devices: backends.map(\.descriptor),
///                            tool: .suanli(kernels: "embedded"), outputDir: nil)
/// let plan = BenchPlan(suites: [.gemm, .stream], precisions: [.fp32], shapes: nil,
///                      streamLength: nil, quick: true, retune: false)
/// let outcome = BenchRunner(plan: plan, backends: backends, session: session).run { event in
///     if case .stepStarted(_, let i, let n, let step) = event { print("\(i + 1)/\(n) \(step.label)") }
/// }
/// ```
public struct BenchRunner {
    public var plan: BenchPlan
    public var backends: [any BenchmarkBackend]
    public var session: BenchSession
    /// Seconds one step may run before the watchdog gives up on it.
    public var stepTimeout: Double
    /// How many times the whole plan runs (`bench --repeat`), at least 1.
    public var repeats: Int
    /// Power sensors by device id: each timed batch on that device records its energy.
    public var energy: [String: EnergyProbe]

    public init(plan: BenchPlan, backends: [any BenchmarkBackend], session: BenchSession, stepTimeout: Double = 900,
                repeats: Int = 1, energy: [String: EnergyProbe] = [:]) {
        self.plan = plan
        self.backends = backends
        self.session = session
        self.stepTimeout = stepTimeout
        self.repeats = max(1, repeats)
        self.energy = energy
    }

    /// Runs every step of the plan on every backend, `repeats` times. A hung step is recorded as
    /// a failed measurement and ends the run (a hung OpenCL call cannot be cancelled).
    ///
    /// Repeats (after Kalibera & Jones: the variance between runs is measured, not assumed): the
    /// whole plan runs again, each time with the suite order rotated by one (gemm, stream, peak;
    /// then stream, peak, gemm; …), so no suite always runs first on a cold machine or last on a
    /// hot one. Each measurement in the session holds the samples of every repeat so far and one
    /// median per repeat (``Measurement/addingRepeat(_:)``), so an interrupted run still saves
    /// what it measured.
    public func run(progress: (BenchEvent) -> Void = { _ in }) -> BenchOutcome {
        for index in 0..<repeats {
            if repeats > 1 { progress(.repeatStarted(repeat: index + 1, of: repeats)) }
            var rotated = plan
            rotated.suites = Self.rotated(plan.suites, by: index)
            if let hung = run(rotated, firstRepeat: index == 0, progress: progress) { return hung }
        }
        return .completed(failed: session.measurements.filter(\.status.countsAsFailure).count)
    }

    /// `suites` with the first `by` (modulo the count) moved to the end.
    public static func rotated(_ suites: [Suite], by shift: Int) -> [Suite] {
        guard !suites.isEmpty else { return suites }
        let k = shift % suites.count
        return Array(suites[k...] + suites[..<k])
    }

    /// One pass of `plan` over every backend; the outcome when a step hung, else nil.
    private func run(_ plan: BenchPlan, firstRepeat: Bool, progress: (BenchEvent) -> Void) -> BenchOutcome? {
        for backend in backends {
            let steps = plan.steps(for: backend)
            for (index, step) in steps.enumerated() {
                progress(.stepStarted(device: backend.descriptor.id, index: index, count: steps.count, step: step))
                guard let results = Self.runWithWatchdog(step, backend: backend, plan: plan, timeout: stepTimeout,
                                                         energy: energy[backend.descriptor.id]) else {
                    let hung = Measurement.failed(device: backend.descriptor.id, suite: step.suite, kernel: step.label,
                                                  precision: step.precision, size: step.shape?.size ?? [:],
                                                  unit: step.suite.unit,
                                                  reason: "watchdog: no result after \(Int(stepTimeout)) s; the run was stopped")
                    record([hung], firstRepeat: firstRepeat)
                    progress(.stepHung(device: backend.descriptor.id, step: step, timeout: stepTimeout))
                    return .hung(device: backend.descriptor.id, step: step.label)
                }
                record(results, firstRepeat: firstRepeat)
                progress(.stepFinished(device: backend.descriptor.id, step: step, measurements: results))
            }
        }
        return nil
    }

    /// Appends a step's measurements, or after the first repeat adds each to the same metric's
    /// measurement (a metric not seen before is appended).
    private func record(_ results: [Measurement], firstRepeat: Bool) {
        guard !firstRepeat else { return session.append(results) }
        session.update { measurements in
            for result in results {
                let key = MeasurementKey(result)
                if let i = measurements.firstIndex(where: { MeasurementKey($0) == key }) {
                    measurements[i] = measurements[i].addingRepeat(result)
                } else {
                    measurements.append(result)
                }
            }
        }
    }

    /// Runs a step on a worker thread; nil when it did not finish within `timeout` seconds.
    public static func runWithWatchdog(_ step: BenchStep, backend: any BenchmarkBackend, plan: BenchPlan,
                                       timeout: Double, energy: EnergyProbe? = nil) -> [Measurement]? {
        final class Box: @unchecked Sendable {
            let backend: any BenchmarkBackend
            let plan: BenchPlan
            var results: [Measurement]?
            init(_ backend: any BenchmarkBackend, _ plan: BenchPlan) { self.backend = backend; self.plan = plan }
        }
        let box = Box(backend, plan)
        let done = DispatchSemaphore(value: 0)
        // The worker gets the backend through the box; the caller waits on the semaphore and
        // reads `results` only after the signal (or never, when the watchdog gives up).
        DispatchQueue(label: "suanli.step").async {
            box.results = EnergyProbe.$current.withValue(energy) { box.plan.run(step, on: box.backend) }
            done.signal()
        }
        return done.wait(timeout: .now() + timeout) == .success ? box.results : nil
    }
}

/// A device id asked for that is not on this machine.
public struct UnknownDeviceError: Error, CustomStringConvertible, Sendable {
    public var id: String
    public var known: [String]
    public var description: String { "unknown device '\(id)'; devices here: \(known.joined(separator: ", "))" }
}

extension DeviceInventory {
    /// The backends to benchmark: exactly the ids asked for, or by default every OpenCL GPU, and
    /// the native CPU when there is none (`noGPU` receives the one-line reason).
    /// Throws ``UnknownDeviceError`` for an id not found, ``BenchmarkError`` when a device cannot be opened.
    public func backends(ids: [String], sources: KernelSources = .embedded, cpuVariant: CPUKernelVariant? = nil,
                         cpuThreads: Int? = nil, tuningCache: TuningCache = TuningCache(path: TuningCache.defaultPath()),
                         log: @escaping @Sendable (String) -> Void = { _ in },
                         noGPU: (String) -> Void = { _ in }) throws -> [any BenchmarkBackend] {
        func cpu() -> any BenchmarkBackend { CPUBackend(host: host, variant: cpuVariant, threads: cpuThreads) }
        func opencl(_ device: DiscoveredOpenCLDevice) throws -> any BenchmarkBackend {
            do { return try OpenCLBackend(device: device, sources: sources, tuningCache: tuningCache, log: log) } catch {
                throw BenchmarkError("cannot open \(device.info.id) (\(device.info.name)): \(error)")
            }
        }
        if ids.isEmpty {
            if gpus.isEmpty {
                if let reason = noGPUReason { noGPU(reason) }
                return [cpu()]
            }
            return try gpus.map(opencl)
        }
        return try ids.map { id in
            if id == "cpu" { return cpu() }
            guard let device = openCLDevices.first(where: { $0.info.id == id }) else {
                throw UnknownDeviceError(id: id, known: descriptors.map(\.id))
            }
            return try opencl(device)
        }
    }
}
