/// The energy a measurement used, from the sensors attached to its device (Results/README.md,
/// "energy").
@SnakeCaseCodingKeys
public struct EnergyRecord: Codable, Sendable, Equatable {
    /// How the energy was obtained: `nvml-total-energy`, `nvml-power-usage`, `amd-smi-energy`,
    /// `rapl`, `power-command` (several joined with `+`).
    public var source: String
    /// The sensor ids summed.
    public var sensors: [String]
    /// `device`, `cpu-package` or `whole-node`.
    public var scope: SensorScope
    /// Host-clock length of the window (the timed runs, extended to the minimum window).
    public var seconds: Double
    public var joules: Double?
    public var avgWatts: Double?
    /// The highest power over one sampling interval (or one command reading).
    public var maxWatts: Double?
    /// Sensor readings taken in the window.
    public var samples: Int
    /// The measurement's median over `avg_watts`: GFLOP/s per watt (GFLOP per joule) or GB/s per watt.
    public var gflopsPerWatt: Double?
    public var gbsPerWatt: Double?
    /// The device's clocks and temperature at the start and the end of the window.
    public var start: DeviceCondition?
    public var end: DeviceCondition?
    /// Whether the clocks were held down during the window (power or thermal limits), and why.
    public var throttled: Bool?
    public var throttleReasons: [String]?
    /// A caveat about the figures (e.g. a driver-averaged power reading).
    public var note: String?
    /// Why there is no figure: a sensor could not be read.
    public var error: String?

    public init(source: String, sensors: [String], scope: SensorScope, seconds: Double, samples: Int) {
        self.source = source
        self.sensors = sensors
        self.scope = scope
        self.seconds = seconds
        self.samples = samples
    }

    /// Efficiency for a figure in `unit`: median / average watts.
    public mutating func setEfficiency(median: Double?, unit: Unit) {
        gflopsPerWatt = nil
        gbsPerWatt = nil
        guard let median, let avgWatts, avgWatts > 0 else { return }
        switch unit {
        case .gflops: gflopsPerWatt = median / avgWatts
        case .gbps: gbsPerWatt = median / avgWatts
        case .gops, .microseconds, .nanoseconds: break   // int8 operations are not FLOPs: no GFLOP/s/W
        }
    }

    /// GFLOP/s/W or GB/s/W, whichever applies.
    public var efficiency: Double? { gflopsPerWatt ?? gbsPerWatt }
}

/// What a power sensor covers.
public enum SensorScope: String, Codable, Sendable {
    /// One accelerator (NVML, AMD SMI).
    case device
    /// One CPU package (RAPL `package-N`) or a part of it.
    case cpuPackage = "cpu-package"
    /// The whole machine: a wall meter or BMC read through `--power-command`.
    case wholeNode = "whole-node"
}

/// Clocks, temperature and clock-limiting reasons of a device at one moment.
@MemberwiseInit
public struct DeviceCondition: Codable, Sendable, Equatable {
    /// Current clocks in MHz by domain: `sm` and `memory` (NVIDIA), `graphics` and `memory` (AMD),
    /// `cpu` (the mean over the host's cores).
    public var clocksMHz: [String: Double]?
    public var temperatureC: Double?
    /// Reasons the clocks are held down now (NVML clock-event reasons), idle excluded.
    public var throttleReasons: [String]?
    /// A counter of throttle events (the CPU's `thermal_throttle` counts), compared between the
    /// start and the end of a window; not saved.
    public var throttleEventCount: Int?

    enum CodingKeys: String, CodingKey {
        case clocksMHz = "clocks_mhz"
        case temperatureC = "temperature_c"
        case throttleReasons = "throttle_reasons"
    }

    public var isEmpty: Bool { clocksMHz == nil && temperatureC == nil && throttleReasons == nil }
}
