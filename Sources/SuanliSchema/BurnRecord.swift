/// One interval of a burn: the rate of the runs in it, whether the output at its end was
/// right, and the power, clocks and temperature over it (Results/README.md, "burn").
@SnakeCaseCodingKeys(["startSeconds": "start_s"])
public struct BurnInterval: Codable, Sendable, Equatable {
    public var index: Int
    public var suite: Suite
    public var kernel: String
    /// Seconds from the start of the burn to the start of the interval.
    public var startSeconds: Double
    /// Seconds the kernel ran in the interval.
    public var seconds: Double
    public var runs: Int
    /// Median over the runs of the interval, in `unit`.
    public var rate: Double?
    public var unit: Unit
    public var verified: Bool
    /// Why the interval failed (verification or an error).
    public var error: String?
    public var avgWatts: Double?
    public var maxWatts: Double?
    public var joules: Double?
    public var gflopsPerWatt: Double?
    public var gbsPerWatt: Double?
    /// Clocks and temperature at the end of the interval.
    public var clocksMHz: [String: Double]?
    public var temperatureC: Double?
    public var throttled: Bool?
    public var throttleReasons: [String]?

    public init(index: Int, suite: Suite, kernel: String, startSeconds: Double, unit: Unit) {
        self.index = index
        self.suite = suite
        self.kernel = kernel
        self.startSeconds = startSeconds
        self.seconds = 0
        self.runs = 0
        self.unit = unit
        self.verified = false
    }

    /// Copies power, clocks and temperature from the interval's energy window.
    public mutating func apply(_ energy: EnergyRecord?) {
        guard let energy else { return }
        avgWatts = energy.avgWatts
        maxWatts = energy.maxWatts
        joules = energy.joules
        var copy = energy
        copy.setEfficiency(median: verified ? rate : nil, unit: unit)
        gflopsPerWatt = copy.gflopsPerWatt
        gbsPerWatt = copy.gbsPerWatt
        let condition = energy.end ?? energy.start
        clocksMHz = condition?.clocksMHz
        temperatureC = [energy.start?.temperatureC, energy.end?.temperatureC].compactMap { $0 }.max()
        throttled = energy.throttled
        throttleReasons = energy.throttleReasons
        if error == nil, let sensorError = energy.error { error = "power sensor: \(sensorError)" }
    }
}

/// A suite's burn in figures.
@SnakeCaseCodingKeys(["sustainWindowSeconds": "sustain_window_s"])
public struct BurnSummary: Codable, Sendable, Equatable {
    public var suite: Suite
    public var kernel: String
    public var unit: Unit
    public var intervals: Int
    public var verifiedIntervals: Int
    /// Intervals whose output was wrong.
    public var verificationErrors: Int
    /// Median rate of the verified intervals in the first and in the last window.
    public var firstWindowMedian: Double?
    public var lastWindowMedian: Double?
    /// Last window over first window: below 1 the device slowed down under sustained load.
    public var sustainRatio: Double?
    /// The window: a minute, or a quarter of the burn when that is shorter (at least one interval).
    public var sustainWindowSeconds: Double
    /// Intervals in which the clocks were held down, and every reason seen.
    public var throttledIntervals: Int?
    public var throttleReasons: [String]?
    public var peakTemperatureC: Double?
    public var avgWatts: Double?
    public var medianRate: Double?

    /// Interval averages weighted by their lengths.
    public static func averageWatts(_ list: [BurnInterval]) -> Double? {
        let measured = list.filter { $0.avgWatts != nil }
        let seconds = measured.map(\.seconds).reduce(0, +)
        guard seconds > 0 else { return nil }
        return measured.map { $0.avgWatts! * $0.seconds }.reduce(0, +) / seconds
    }

    /// The sustain window for a burn of `duration` seconds in intervals of `interval` seconds.
    public static func window(duration: Double, interval: Double) -> Double {
        max(interval, min(60, duration / 4))
    }

    /// Summarises one suite's intervals (in order).
    public init(suite: Suite, kernel: String, unit: Unit, intervals list: [BurnInterval], window: Double) {
        self.suite = suite
        self.kernel = kernel
        self.unit = unit
        intervals = list.count
        let verified = list.filter(\.verified)
        verifiedIntervals = verified.count
        verificationErrors = list.filter { !$0.verified }.count
        sustainWindowSeconds = window
        let rates = verified.compactMap(\.rate)
        medianRate = Summary(rates)?.median
        if let first = list.first, let last = list.last, list.count >= 2 {
            let begin = first.startSeconds
            let end = last.startSeconds + last.seconds
            // Intervals starting within the first window, and ending within the last one.
            let early = verified.filter { $0.startSeconds < begin + window - 1e-9 }.compactMap(\.rate)
            let late = verified.filter { $0.startSeconds + $0.seconds > end - window + 1e-9 }.compactMap(\.rate)
            firstWindowMedian = Summary(early)?.median
            lastWindowMedian = Summary(late)?.median
            if let a = firstWindowMedian, let b = lastWindowMedian, a > 0 {
                sustainRatio = b / a
            }
        }
        let throttleKnown = list.contains { $0.throttled != nil }
        throttledIntervals = throttleKnown ? list.filter { $0.throttled == true }.count : nil
        let reasons = Set(list.flatMap { $0.throttleReasons ?? [] })
        throttleReasons = reasons.isEmpty ? nil : reasons.sorted()
        peakTemperatureC = list.compactMap(\.temperatureC).max()
        avgWatts = BurnSummary.averageWatts(list)
    }
}

/// A `suanli burn` run: the load kept on one device, interval by interval.
@SnakeCaseCodingKeys(["durationSeconds": "duration_s", "elapsedSeconds": "elapsed_s", "intervalSeconds": "interval_s"])
public struct BurnRecord: Codable, Sendable, Equatable {
    public var device: String
    public var suites: [Suite]
    /// Asked for, and actually elapsed (verification between intervals included).
    public var durationSeconds: Double
    public var elapsedSeconds: Double
    public var intervalSeconds: Double
    public var intervals: [BurnInterval]
    public var summary: [BurnSummary]
    /// Intervals whose output was wrong, over all suites: a burn with any exits 3.
    public var verificationErrors: Int

    public init(device: String, suites: [Suite], durationSeconds: Double, intervalSeconds: Double) {
        self.device = device
        self.suites = suites
        self.durationSeconds = durationSeconds
        self.elapsedSeconds = 0
        self.intervalSeconds = intervalSeconds
        self.intervals = []
        self.summary = []
        self.verificationErrors = 0
    }
}
