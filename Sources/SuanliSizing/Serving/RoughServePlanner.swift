#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliText

/// The rough bound's arithmetic of serving (decoding) demand, as pure functions on plain numbers
/// (the step model's is `ServingStepModel`).
public enum RoughServeModel {
    /// Forward pass only: 2 FLOPs per (active) parameter per generated token.
    public static func flopsPerToken(activeParams: Double) -> Double { 2 * activeParams }

    /// Devices to supply `flopsPerSecond` at `flopsPerSecondPerDevice` (fractional).
    public static func devicesByCompute(flopsPerSecond: Double, flopsPerSecondPerDevice: Double) -> Double {
        flopsPerSecond / flopsPerSecondPerDevice
    }

    /// Bytes of weights read per decode step of `batch` sequences: each sequence touches
    /// the active parameters, and no step reads more than all of them.
    public static func weightBytesPerStep(params: Double, activeParams: Double, batch: Double, bytesPerParam: Double) -> Double {
        min(params, activeParams * batch) * bytesPerParam
    }

    /// Devices whose memory bandwidth reads the weights often enough: every step yields
    /// `batch` tokens for one read of the weights (KV cache reads not counted).
    public static func devicesByBandwidth(
        tokensPerSecond: Double, bytesPerStep: Double, batch: Double, bandwidthBytesPerSecond: Double
    ) -> Double {
        tokensPerSecond / batch * bytesPerStep / bandwidthBytesPerSecond
    }

    /// Devices whose memory holds one copy of the weights (KV cache not counted).
    public static func devicesByMemory(weightBytes: Double, memoryBytesPerDevice: Double) -> Double {
        (weightBytes / memoryBytesPerDevice).rounded(.up)
    }
}

/// The answer of `suanli size serve`'s rough bound.
public struct RoughServeReport: Sendable {
    public var tokensPerDay: Double
    public var tokensPerSecond: Double
    public var flopsPerToken: Double
    public var flopsPerDay: Double
    public var effectiveTFLOPSPerDevice: Double
    public var bandwidthGBpsPerDevice: Double?
    public var weightBytes: Double
    public var devicesByCompute: Double
    public var devicesByBandwidth: Double?
    public var devicesByMemory: Double?
    /// Whole devices: the ceiling of the largest requirement.
    public var devices: Double
    /// "compute", "bandwidth" or "memory".
    public var binding: String
    public var deviceHoursPerDay: Double
    public var costCapital: Double?
    public var costPerDay: Double?
    public var currency: String?
    public var energyKWhPerDay: Double?
    public var co2TonnesPerDay: Double?
    public var warnings: [String]
    public var inputs: [(String, JSONValue)]
    public var sources: [(String, String)]
    var text: TextReport

    public var json: JSONValue {
        .object([
            ("model", .string("rough-bound")),
            ("tokens_per_day", .number(tokensPerDay)),
            ("tokens_per_second", .number(tokensPerSecond)),
            ("flops_per_token", .number(flopsPerToken)),
            ("flops_per_day", .number(flopsPerDay)),
            ("effective_tflops_per_device", .number(effectiveTFLOPSPerDevice)),
            ("bandwidth_gbps_per_device", .optional(bandwidthGBpsPerDevice)),
            ("weight_bytes", .number(weightBytes)),
            ("devices_by_compute", .number(devicesByCompute)),
            ("devices_by_bandwidth", .optional(devicesByBandwidth)),
            ("devices_by_memory", .optional(devicesByMemory)),
            ("devices", .number(devices)),
            ("binding", .string(binding)),
            ("device_hours_per_day", .number(deviceHoursPerDay)),
            ("cost_capital", .optional(costCapital)),
            ("cost_per_day", .optional(costPerDay)),
            ("currency", .optional(currency)),
            ("energy_kwh_per_day", .optional(energyKWhPerDay)),
            ("co2_tonnes_per_day", .optional(co2TonnesPerDay)),
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("inputs", .object(inputs)),
            ("sources", .object(sources.map { ($0.0, .string($0.1)) })),
        ])
    }

    public var table: String { text.rendered() }
}

public enum RoughServePlanner {
    /// Said in every answer of the single-rule model.
    public static let roughBoundNote =
        "rough bound: one rule per constraint (2·N FLOPs per token at the rate given, the weights read once per step of --batch sequences, one copy of the weights in memory); the KV cache, prefill, tensor parallelism and latency are not modelled. Give --model NAME or the shape for the step model"

    /// The rough bound of `ServeRouter.plan`, which refuses the step model's options first (the
    /// library's entry point: this one would ignore them).
    static func plan(
        _ args: ServeArguments, catalog: Catalog, readFile: FileReader = readFileFromDisk
    ) throws -> RoughServeReport {
        var inputs: [(String, JSONValue)] = []
        var sources: [(String, String)] = []
        var warnings: [String] = []
        var text = TextReport(title: "suanli size serve (rough bound: single-rule model)")
        warnings.append(RoughServePlanner.roughBoundNote)

        // MARK: Model and demand
        guard let rawParams = args.roughModel.params else {
            throw SizingError.usage(
                "give the model: --model NAME or --layers/--hidden/--heads/--vocab (step model), or --params N for the rough bound")
        }
        let params = try Quantity.positive(rawParams, option: "--params")
        let active = try args.roughModel.activeParams.map { try Quantity.positive($0, option: "--active-params") }
        if let active, active > params {
            throw SizingError.usage("--active-params (\(Format.number(active))) cannot exceed --params (\(Format.number(params)))")
        }
        let n = active ?? params
        let (tokensPerSecond, demandNote) = try demand(args, inputs: &inputs)
        let tokensPerDay = tokensPerSecond * TrainingModel.secondsPerDay
        let flopsPerToken = RoughServeModel.flopsPerToken(activeParams: n)
        let flopsPerSecond = flopsPerToken * tokensPerSecond
        inputs += [("params", .number(params)), ("active_params", .optional(active))]
        sources.append(("flops_per_token", "2·N per generated token (forward pass)"))

        let batch = try args.workload.batch.map { try Quantity.count($0, option: "--batch") } ?? Defaults.serveBatch
        let bpp = try args.hardware.bytesPerParam.map { try Quantity.positive($0, option: "--bytes-per-param") }
            ?? Defaults.serveBytesPerParam
        let explicitBandwidth = try args.hardware.bandwidthGBps.map { try Quantity.positive($0, option: "--bandwidth-gbps") }
        let explicitMemory = try args.hardware.memoryGB.map { try Quantity.positive($0, option: "--memory-gb") }
        inputs += [("batch", .number(batch)), ("bytes_per_param", .number(bpp))]
        sources.append(("batch", args.workload.batch == nil ? "default \(Format.number(Defaults.serveBatch)) sequences per decode step" : "--batch"))
        sources.append(("bytes_per_param", args.hardware.bytesPerParam == nil ? "default 2: bf16/fp16 weights" : "--bytes-per-param"))

        text.section("Demand")
        text.add("tokens per second", Format.number(tokensPerSecond), demandNote)
        text.add("tokens per day", Format.number(tokensPerDay, decimals: 0))
        text.add("compute", Format.number(flopsPerSecond) + " FLOP/s",
                 "2 × \(Format.short(n))\(active != nil ? " active" : "") parameters per token")

        // MARK: Device
        let device = try ResolvedDevice.resolve(args.rate, catalog: catalog, readFile: readFile, allowNoRate: false)
        inputs += device.inputs
        sources += device.sources
        let rate = device.sustainedTFLOPS * 1e12
        let byCompute = RoughServeModel.devicesByCompute(flopsPerSecond: flopsPerSecond, flopsPerSecondPerDevice: rate)
        let weightBytes = params * bpp
        let bandwidth = bandwidthGBps(explicitBandwidth, device: device)
        var byBandwidth: Double?
        let bytesPerStep = RoughServeModel.weightBytesPerStep(params: params, activeParams: n, batch: batch, bytesPerParam: bpp)
        if let (gbps, src) = bandwidth {
            byBandwidth = RoughServeModel.devicesByBandwidth(
                tokensPerSecond: tokensPerSecond, bytesPerStep: bytesPerStep, batch: batch,
                bandwidthBytesPerSecond: gbps * 1e9)
            sources.append(("bandwidth_gbps", src))
            inputs.append(("bandwidth_gbps", .number(gbps)))
        } else {
            warnings.append("no memory bandwidth known: give --bandwidth-gbps or a catalog --device; the bandwidth bound is left out")
        }
        var byMemory: Double?
        if let (gb, src) = device.memoryGB(explicit: explicitMemory) {
            byMemory = RoughServeModel.devicesByMemory(weightBytes: weightBytes, memoryBytesPerDevice: gb * 1e9)
            sources.append(("memory_gb", src))
            inputs.append(("memory_gb", .number(gb)))
        } else {
            warnings.append("no device memory known: give --memory-gb or a catalog --device; the capacity bound is left out")
        }
        var candidates: [(String, Double)] = [("compute", byCompute)]
        if let byBandwidth { candidates.append(("bandwidth", byBandwidth)) }
        if let byMemory { candidates.append(("memory", byMemory)) }
        let binding = candidates.max { $0.1 < $1.1 }!
        let devices = TrainingModel.Solution(devices: binding.1, days: 1, efficiency: 1).wholeDevices

        devicesSection(
            &text, device: device, byCompute: byCompute, byBandwidth: byBandwidth, bandwidth: bandwidth,
            bytesPerStep: bytesPerStep, batch: batch, byMemory: byMemory, weightBytes: weightBytes,
            memoryGB: device.memoryGB(explicit: explicitMemory)?.0)
        text.add("devices", Format.number(devices, decimals: 0), "bound by \(binding.0)")

        // MARK: Money and energy
        let costs = try ResolvedCosts.resolve(args.cost, device: device)
        inputs += costs.inputs
        let deviceHoursPerDay = devices * 24
        let capital = costs.pricePerDevice.map { devices * $0 }
        let perDay = costs.pricePerDeviceHour.map { deviceHoursPerDay * $0 }
        let energy = costs.energy?.perDay(devices: devices)
        if let power = costs.energy { sources.append(("power_watts", power.powerSource)) }
        moneyAndEnergySection(&text, costs: costs, devices: devices, capital: capital, perDay: perDay, energy: energy)
        text.footer = warnings.map { "warning: " + $0 }

        return RoughServeReport(
            tokensPerDay: tokensPerDay, tokensPerSecond: tokensPerSecond, flopsPerToken: flopsPerToken,
            flopsPerDay: flopsPerSecond * TrainingModel.secondsPerDay, effectiveTFLOPSPerDevice: device.sustainedTFLOPS,
            bandwidthGBpsPerDevice: bandwidth?.0, weightBytes: weightBytes, devicesByCompute: byCompute,
            devicesByBandwidth: byBandwidth, devicesByMemory: byMemory, devices: devices, binding: binding.0,
            deviceHoursPerDay: deviceHoursPerDay, costCapital: capital, costPerDay: perDay, currency: costs.currency,
            energyKWhPerDay: energy?.kWh, co2TonnesPerDay: energy?.co2Tonnes, warnings: warnings, inputs: inputs,
            sources: sources, text: text)
    }

    /// The demand in generated tokens per second, and how it was given: the average, as the rough
    /// bound has no peak factor.
    static func demand(_ args: ServeArguments, inputs: inout [(String, JSONValue)]) throws -> (Double, note: String) {
        guard let demand = try ServeDemand.parse(args.demand, outputTokensPerRequest: nil) else {
            throw SizingError.usage("give the demand: --dau U --tokens-per-user T, or --tokens-per-second R")
        }
        inputs += demand.inputs
        let spread = args.demand.tokensPerSecond == nil ? ", spread evenly over the day" : ""
        return (demand.averageTokensPerSecond, demand.description + spread)
    }

    /// Memory bandwidth per device in GB/s: given, measured (stream) or the catalog's peak.
    static func bandwidthGBps(_ explicit: Double?, device: ResolvedDevice) -> (Double, String)? {
        HardwareSources.memoryBandwidthGBps(explicit: explicit, calibration: device.calibration, accelerator: device.accelerator)
            .map { ($0.value, $0.source) }
    }

    static func devicesSection(
        _ text: inout TextReport, device: ResolvedDevice, byCompute: Double, byBandwidth: Double?,
        bandwidth: (Double, String)?, bytesPerStep: Double, batch: Double, byMemory: Double?, weightBytes: Double,
        memoryGB: Double?
    ) {
        text.section("Devices needed")
        text.add("by compute", Format.number(byCompute), device.rateExplanation)
        if let byBandwidth, let (gbps, src) = bandwidth {
            text.add("by bandwidth", Format.number(byBandwidth),
                     "\(Format.number(bytesPerStep / 1e9)) GB of weights read per step of \(Format.number(batch, decimals: 0)) sequences at \(Format.number(gbps)) GB/s (\(src))")
        } else {
            text.add("by bandwidth", "unknown")
        }
        if let byMemory, let gb = memoryGB {
            text.add("by memory", Format.number(byMemory, decimals: 0),
                     "\(Format.number(weightBytes / 1e9)) GB of weights in \(Format.number(gb)) GB per device; KV cache not counted")
        } else {
            text.add("by memory", "unknown")
        }
    }

    static func moneyAndEnergySection(
        _ text: inout TextReport, costs: ResolvedCosts, devices: Double, capital: Double?, perDay: Double?,
        energy: Energy.Consumption?
    ) {
        guard capital != nil || perDay != nil || energy != nil else { return }
        text.section("Money and energy")
        if let capital { text.add("capital", Format.number(capital, decimals: 0) + " " + costs.currencyLabel) }
        if let perDay { text.add("per day", Format.number(perDay, decimals: 0) + " " + costs.currencyLabel, "device-hours × price per device-hour") }
        if let energy, let power = costs.energy {
            text.add("energy per day", Format.number(energy.kWh, decimals: 0) + " kWh",
                     "\(Format.number(devices, decimals: 0)) device\(devices == 1 ? "" : "s") × 24 h × \(power.formula)")
        }
        if let co2 = energy?.co2Tonnes { text.add("CO2 per day", Format.number(co2) + " t") }
    }
}
