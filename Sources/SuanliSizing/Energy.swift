import SuanliSchema

/// Electricity of devices drawing a steady power in a facility, and its CO₂: watts × hours × PUE
/// (kWh), × the grid's intensity (kg per kWh). Every planner — `size train` with and without the
/// step model, and both serving models — computes its energy here and nowhere else.
@MemberwiseInit
public struct Energy: Sendable, Equatable {
    /// Power per device (W) and where the figure came from (`--power-watts`, a measurement, the catalog TDP).
    public var watts: Double
    public var powerSource: String
    /// Facility power over IT power (at least 1).
    public var pue: Double
    /// Grid carbon intensity, kg CO₂ per kWh; nil when not given.
    public var carbonKgPerKWh: Double?

    /// An amount of electricity and the CO₂ it emits (nil without a grid intensity).
    public struct Consumption: Sendable, Equatable {
        public var kWh: Double
        public var co2Tonnes: Double?
    }

    /// `deviceHours` of device time at this power, times the PUE.
    public func consumption(deviceHours: Double) -> Consumption {
        let kWh = deviceHours * watts / 1000 * pue
        return Consumption(kWh: kWh, co2Tonnes: co2Tonnes(kWh: kWh))
    }

    /// A day of `devices` drawing their power around the clock.
    public func perDay(devices: Double) -> Consumption {
        consumption(deviceHours: devices * 24)
    }

    /// Tonnes of CO₂ of `kWh` at the grid's intensity.
    public func co2Tonnes(kWh: Double) -> Double? {
        carbonKgPerKWh.map { kWh * $0 / 1000 }
    }

    /// kWh per million tokens of one device at full load producing `tokensPerSecond`: joules per
    /// token (W × PUE over tokens/s) × 10⁶ over 3.6 × 10⁶ J per kWh.
    public func kWhPerMillionTokens(tokensPerSecondPerDevice tokensPerSecond: Double) -> Double {
        watts * pue / tokensPerSecond * 1e6 / 3.6e6
    }

    /// kWh per million tokens of `kWh` spent on `tokens`.
    public static func kWhPerMillionTokens(kWh: Double, tokens: Double) -> Double {
        kWh / (tokens / 1e6)
    }

    /// "700 W (catalog …) × PUE 1.2": the power and facility factor behind an energy figure.
    var formula: String {
        "\(Format.number(watts)) W (\(powerSource)) × PUE \(Format.number(pue))"
    }

    /// "0.5 kg per kWh", the intensity behind a CO₂ figure.
    var intensity: String? {
        carbonKgPerKWh.map { "\(Format.number($0, decimals: 3)) kg per kWh" }
    }
}

extension ResolvedCosts {
    /// The energy settings where a power figure is known (given, measured or the catalog's TDP).
    var energy: Energy? {
        powerWatts.map { Energy(watts: $0.0, powerSource: $0.1, pue: pue, carbonKgPerKWh: carbon) }
    }
}
