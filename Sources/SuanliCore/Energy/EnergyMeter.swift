import SuanliSchema
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The sensors measuring one device during a bench or burn run, and how to sample them. Set as
/// ``EnergyProbe/current`` around a step, it makes every timed batch (``collectSamples(_:_:)``)
/// record its energy.
public final class EnergyProbe: Sendable {
    public let sensors: [any PowerSensor]
    public let conditionSource: (any ConditionSource)?
    /// Seconds between sensor readings (`--power-interval`, 0.1 s by default).
    public let interval: Double
    /// Shortest window: a shorter timed batch is extended with untimed runs of the same kernel
    /// so that the sensors see a steady load.
    public let minimumWindow: Double

    @TaskLocal public static var current: EnergyProbe?

    public init(sensors: [any PowerSensor], conditionSource: (any ConditionSource)?, interval: Double = 0.1,
                minimumWindow: Double = 1.0) {
        self.sensors = sensors
        self.conditionSource = conditionSource
        self.interval = interval
        self.minimumWindow = minimumWindow
    }

    /// Starts a window now.
    public func start() -> EnergyWindow {
        EnergyWindow(sensors: sensors, conditionSource: conditionSource, interval: interval)
    }

    /// Runs `body` with this probe as the current one.
    public func measuring<R>(_ body: () throws -> R) rethrows -> R {
        try Self.$current.withValue(self, operation: body)
    }
}

/// Energy, power and device condition over one span of time: sensors read at the start, every
/// `interval` on a sampling thread, and at the end. Counters are differenced (RAPL wraps at its
/// range); power readings are integrated with the trapezoid rule.
public final class EnergyWindow: @unchecked Sendable {
    struct Track {
        var firstTime: Double
        var lastTime: Double
        var lastEnergy: Double?
        var lastWatts: Double?
        var joules = 0.0
    }
    struct State {
        var tracks: [Track] = []
        var readings = 0
        var maxWatts: Double?
        var reasons: Set<String> = []
        var error: String?
        var stopping = false
    }

    let sensors: [any PowerSensor]
    let conditionSource: (any ConditionSource)?
    let interval: Double
    public let startTime: Double
    let startCondition: DeviceCondition?
    private let state = Mutex(State())
    private var thread: pthread_t?
    private let wake = SleepSignal()

    init(sensors: [any PowerSensor], conditionSource: (any ConditionSource)?, interval: Double) {
        self.sensors = sensors
        self.conditionSource = conditionSource
        self.interval = max(0.01, interval)
        startCondition = conditionSource?.condition()
        var first = State()
        var time = monotonicSeconds()
        for sensor in sensors {
            do {
                let before = monotonicSeconds()
                let reading = try sensor.read()
                time = (before + monotonicSeconds()) / 2
                first.tracks.append(Track(firstTime: time, lastTime: time, lastEnergy: reading.energyJoules, lastWatts: reading.watts))
            } catch {
                first.error = "\(error)"
                first.tracks.append(Track(firstTime: time, lastTime: time))
            }
        }
        first.readings = 1
        let initialWatts = first.tracks.compactMap(\.lastWatts)
        if initialWatts.count == sensors.count && !sensors.isEmpty { first.maxWatts = initialWatts.reduce(0, +) }
        first.reasons.formUnion(startCondition?.throttleReasons ?? [])
        startTime = monotonicSeconds()
        state.withLock { $0 = first }
        if first.error == nil && !sensors.isEmpty {
            thread = startThread { [self] in
                while !wake.sleep(seconds: self.interval) {
                    sample()
                }
            }
        }
    }

    /// One reading of every sensor, folded into the totals.
    private func sample() {
        var readings: [(time: Double, reading: SensorReading?, error: String?)] = []
        for sensor in sensors {
            let before = monotonicSeconds()
            do {
                let reading = try sensor.read()
                readings.append(((before + monotonicSeconds()) / 2, reading, nil))
            } catch {
                readings.append((before, nil, "\(error)"))
            }
        }
        let condition = conditionSource?.pollsDuringWindow == true ? conditionSource?.condition() : nil
        state.withLock { s in
            guard s.error == nil else { return }
            var watts = 0.0
            for (index, entry) in readings.enumerated() {
                guard let reading = entry.reading else { s.error = entry.error; return }
                var track = s.tracks[index]
                let dt = entry.time - track.lastTime
                if let energy = reading.energyJoules, let last = track.lastEnergy {
                    var delta = energy - last
                    if delta < 0 {
                        guard let range = reading.energyRangeJoules, range > 0 else {
                            s.error = "\(sensors[index].id): the energy counter went backwards"
                            return
                        }
                        delta += range
                    }
                    track.joules += delta
                    track.lastEnergy = energy
                    if dt > 0 { watts += delta / dt }
                } else if let w = reading.watts {
                    if let last = track.lastWatts { track.joules += (w + last) / 2 * dt }
                    track.lastWatts = w
                    watts += w
                }
                track.lastTime = entry.time
                s.tracks[index] = track
            }
            s.readings += 1
            s.maxWatts = max(s.maxWatts ?? 0, watts)
            s.reasons.formUnion(condition?.throttleReasons ?? [])
        }
    }

    /// Ends the window: a last reading, the thread joined, the record built.
    public func stop() -> EnergyRecord {
        if let thread {
            wake.signal()
            pthread_join(thread, nil)
            self.thread = nil
        }
        sample()
        let end = conditionSource?.condition()
        let seconds = monotonicSeconds() - startTime
        let s = state.withLock { s in
            s.reasons.formUnion(end?.throttleReasons ?? [])
            return s
        }
        let sources = sensors.map(\.source).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let scopes = Set(sensors.map(\.scope))
        var record = EnergyRecord(source: sources.joined(separator: "+"), sensors: sensors.map(\.id),
                                  scope: scopes.count == 1 ? scopes.first! : .wholeNode, seconds: seconds, samples: s.readings)
        record.start = startCondition.flatMap { $0.isEmpty ? nil : $0 }
        record.end = end.flatMap { $0.isEmpty ? nil : $0 }
        let notes = sensors.compactMap(\.note)
        record.note = notes.isEmpty ? nil : notes.joined(separator: "; ")
        if sensors.isEmpty {
            // Clocks and temperature only.
        } else if let error = s.error {
            record.error = error
        } else {
            // Each sensor's average over its own first-to-last reading, summed.
            record.joules = s.tracks.map(\.joules).reduce(0, +)
            record.avgWatts = s.tracks.map { $0.lastTime > $0.firstTime ? $0.joules / ($0.lastTime - $0.firstTime) : 0 }
                .reduce(0, +)
            record.maxWatts = s.maxWatts
        }
        var reasons = s.reasons
        if let a = startCondition?.throttleEventCount, let b = end?.throttleEventCount, b > a {
            reasons.insert("thermal-throttle-events:\(b - a)")
        }
        if startCondition != nil || end != nil {
            record.throttled = !reasons.isEmpty
            record.throttleReasons = reasons.isEmpty ? nil : reasons.sorted()
        }
        return record
    }
}

/// A sleep that another thread can cut short.
final class SleepSignal: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var signalled = false

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Sleeps up to `seconds`; returns true when signalled (now or before).
    func sleep(seconds: Double) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let target = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9 + seconds
        var deadline = timespec(tv_sec: Int(target), tv_nsec: Int((target - target.rounded(.down)) * 1e9))
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while !signalled {
            if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
        }
        return signalled
    }

    func signal() {
        pthread_mutex_lock(&mutex)
        signalled = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }
}

/// Starts a plain POSIX thread (not a Dispatch worker, so a long sampling loop never takes a
/// slot from the benchmark's own workers).
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    let status = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, context)
    if status != 0 {
        Unmanaged<Box>.fromOpaque(context).release()
        return nil
    }
    return thread
}
