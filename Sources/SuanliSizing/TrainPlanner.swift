#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `suanli size train` as typed on the command line: numbers still text, so that one
/// place parses `175B`, `1.4T` and `2.5k` and names the option in every error.
public struct TrainArguments: Sendable, Equatable {
    // Work
    public var params: String?
    public var activeParams: String?
    public var tokens: String?
    public var recompute = false
    public var layers: String?
    public var hidden: String?
    public var seqLen: String?
    public var flops: String?
    public var pfDays: String?
    // Rate
    public var rate = RateOptions()
    // Scale
    public var devices: String?
    public var days: String?
    public var clusterEFLOPS: String?
    // Losses
    public var interconnectLoss: String?
    public var globalBatchTokens: String?
    public var busGBps: String?
    public var overlap: String?
    public var gradientBytesPerParam: String?
    // Money and energy
    public var cost = CostOptions()
    // Memory
    public var bytesPerParam: String?
    public var memoryGB: String?
    // Step model: with parallelism options the run is sized from `suanli size step`'s iteration.
    public var step: StepOptions?

    public init() {}
}

/// The answer of `suanli size train`, as numbers and as rendered output.
public struct TrainReport: Sendable {
    public var totalFLOPs: Double
    public var pfDays: Double
    /// Whole devices: given, or the ceiling of `devicesExact` when solved for; nil when unknown.
    public var devices: Double?
    public var devicesExact: Double?
    public var days: Double
    /// Days when the whole number of devices is used (solving for devices only).
    public var daysWithWholeDevices: Double?
    public var deviceHours: Double?
    public var sustainedTFLOPSPerDevice: Double?
    /// Sustained rate after communication losses.
    public var effectiveTFLOPSPerDevice: Double?
    public var efficiency: Double
    public var solvedFor: String
    public var costCapital: Double?
    public var costRental: Double?
    public var cost: Double?
    public var currency: String?
    public var energyKWh: Double?
    public var co2Tonnes: Double?
    public var modelStateBytes: Double?
    public var minDevicesForMemory: Double?
    public var step: TrainingModel.StepTimes?
    /// The step model's iteration, when parallelism options were given.
    public var stepReport: StepReport?
    public var warnings: [String]
    public var inputs: [(String, JSONValue)]
    public var sources: [(String, String)]
    /// Lines explaining each number in the table.
    var text: TextReport

    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("total_flops", .number(totalFLOPs)),
            ("pf_days", .number(pfDays)),
            ("solved_for", .string(solvedFor)),
            ("devices", .optional(devices)),
            ("devices_exact", .optional(devicesExact)),
            ("days", .number(days)),
        ]
        if solvedFor == "devices" { pairs.append(("days_with_whole_devices", .optional(daysWithWholeDevices))) }
        pairs += [
            ("device_hours", .optional(deviceHours)),
            ("sustained_tflops_per_device", .optional(sustainedTFLOPSPerDevice)),
            ("effective_tflops_per_device", .optional(effectiveTFLOPSPerDevice)),
            ("efficiency", .number(efficiency)),
            ("cost", .optional(cost)),
            ("cost_capital", .optional(costCapital)),
            ("cost_rental", .optional(costRental)),
            ("currency", .optional(currency)),
            ("energy_kwh", .optional(energyKWh)),
            ("co2_tonnes", .optional(co2Tonnes)),
            ("model_state_bytes", .optional(modelStateBytes)),
            ("min_devices_for_memory", .optional(minDevicesForMemory)),
        ]
        if let s = step {
            pairs.append((
                "data_parallel_step",
                .object([
                    ("compute_seconds", .number(s.computeSeconds)),
                    ("allreduce_seconds", .number(s.allReduceSeconds)),
                    ("exposed_seconds", .number(s.exposedSeconds)),
                    ("step_seconds", .number(s.stepSeconds)),
                ])
            ))
        }
        if let r = stepReport { pairs.append(("step", r.json)) }
        pairs += [
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("inputs", .object(inputs)),
            ("sources", .object(sources.map { ($0.0, .string($0.1)) })),
        ]
        return .object(pairs)
    }

    /// The report for people: aligned rows, each with where its number came from.
    public var table: String { text.rendered() }
}

public enum TrainPlanner {
    /// Validates the arguments and sizes the run. Throws `SizingError` with a one-line message.
    public static func plan(
        _ args: TrainArguments, catalog: Catalog, models: ModelCatalog? = nil, readFile: FileReader = readFileFromDisk
    ) throws -> TrainReport {
        if let step = args.step, step.describesParallelism {
            return try planFromStep(args, step: step, catalog: catalog, models: models ?? ModelCatalog.embedded(),
                                    readFile: readFile)
        }
        if let step = args.step, step.model != nil || step.heads != nil || step.kvHeads != nil || step.ffn != nil
            || step.vocab != nil || step.gatedFFN || step.untiedEmbeddings || step.intraNodeGBps != nil
            || step.interNodeGBps != nil || step.attention != .flash || step.ignoreMemory || step.gpusPerNode != 8 {
            throw SizingError.usage(
                "--model and the step model's shape and link options need parallelism options (--tp, --pp, --dp, --global-batch)")
        }
        var inputs: [(String, JSONValue)] = []
        var sources: [(String, String)] = []
        var warnings: [String] = []
        var text = TextReport(title: "suanli size train")

        // MARK: Work
        let params = try args.params.map { try Quantity.positive($0, option: "--params") }
        let active = try args.activeParams.map { try Quantity.positive($0, option: "--active-params") }
        let tokens = try args.tokens.map { try Quantity.positive($0, option: "--tokens") }
        let givenFLOPs = try args.flops.map { try Quantity.positive($0, option: "--flops") }
        let givenPFDays = try args.pfDays.map { try Quantity.positive($0, option: "--pf-days") }
        let shapeParts = [args.layers, args.hidden, args.seqLen]
        let shapeCount = shapeParts.compactMap { $0 }.count
        if shapeCount != 0 && shapeCount != 3 {
            throw SizingError.usage("the attention term needs all of --layers, --hidden and --seq-len")
        }
        let attention = try shapeCount == 3
            ? TrainingModel.AttentionShape(
                layers: Quantity.count(args.layers!, option: "--layers"),
                hidden: Quantity.count(args.hidden!, option: "--hidden"),
                sequenceLength: Quantity.count(args.seqLen!, option: "--seq-len")) : nil
        let directWork = [givenFLOPs != nil, givenPFDays != nil].filter { $0 }.count
        if directWork > 1 || (directWork == 1 && tokens != nil) {
            throw SizingError.usage("give the work once: --params with --tokens, or --flops, or --pf-days")
        }
        if let active, let params, active > params {
            throw SizingError.usage("--active-params (\(Format.number(active))) cannot exceed --params (\(Format.number(params)))")
        }
        let totalFLOPs: Double
        let workNote: String
        if let f = givenFLOPs ?? givenPFDays.map({ $0 * TrainingModel.flopsPerPFDay }) {
            if args.recompute || attention != nil || active != nil {
                throw SizingError.usage(
                    "--recompute, --active-params and --layers/--hidden/--seq-len shape the 6·N·D estimate; they do not apply to --flops or --pf-days")
            }
            totalFLOPs = f
            workNote = givenFLOPs != nil ? "--flops" : "--pf-days × 8.64e19 FLOPs per PF-day"
            inputs.append(givenFLOPs != nil ? ("flops", .number(f)) : ("pf_days", .number(givenPFDays!)))
            sources.append(("total_flops", workNote))
        } else {
            guard let params else {
                if tokens != nil { throw SizingError.usage("--tokens needs --params") }
                throw SizingError.usage("give the work: --params N --tokens D, or --flops X, or --pf-days X")
            }
            guard let tokens else { throw SizingError.usage("--params needs --tokens (or give --flops or --pf-days)") }
            let n = active ?? params
            totalFLOPs = TrainingModel.totalFLOPs(
                activeParams: n, tokens: tokens, attention: attention, recompute: args.recompute)
            var formula = args.recompute ? "8·N·D (activation recomputation, Megatron-LM)" : "6·N·D (Kaplan et al. 2020)"
            if attention != nil {
                formula = (args.recompute ? "(8/6)·" : "") + "(6·N + 12·L·H·T)·D (PaLM appendix B)"
            }
            let nName = active != nil ? "N = \(Format.short(n)) active" : "N = \(Format.short(n))"
            workNote = "\(formula), \(nName), D = \(Format.short(tokens))"
            sources.append(("total_flops", formula))
            inputs += [
                ("params", .number(params)), ("active_params", .optional(active)), ("tokens", .number(tokens)),
                ("recompute", .bool(args.recompute)),
                ("flops_per_token", .number(TrainingModel.flopsPerToken(
                    activeParams: n, attention: attention, recompute: args.recompute))),
            ]
            if let a = attention {
                inputs += [("layers", .number(a.layers)), ("hidden", .number(a.hidden)), ("seq_len", .number(a.sequenceLength))]
            }
        }
        if params == nil && (args.bytesPerParam != nil || args.memoryGB != nil) {
            throw SizingError.usage("--bytes-per-param and --memory-gb size the model state; they need --params")
        }
        let pfDays = totalFLOPs / TrainingModel.flopsPerPFDay
        text.section("Work")
        text.add("total compute", Format.number(totalFLOPs) + " FLOPs", workNote)
        text.add("", Format.number(pfDays) + " PF-days", "1 PF-day = 8.64e19 FLOPs")

        // MARK: Scale (checked before the rate, so a missing scale is reported first)
        let scaleGiven = [("--devices", args.devices), ("--days", args.days), ("--cluster-eflops", args.clusterEFLOPS)]
            .filter { $0.1 != nil }.map(\.0)
        if scaleGiven.isEmpty {
            throw SizingError.usage(
                "give the scale: --devices N (solve for days), --days D (solve for devices) or --cluster-eflops X")
        }
        if scaleGiven.count > 1 {
            throw SizingError.usage(
                "choose one scale: --devices, --days or --cluster-eflops (got \(scaleGiven.joined(separator: " and ")))")
        }
        let givenDevices = try args.devices.map { try Quantity.count($0, option: "--devices") }
        let givenDays = try args.days.map { try Quantity.positive($0, option: "--days") }
        let clusterEF = try args.clusterEFLOPS.map { try Quantity.positive($0, option: "--cluster-eflops") }

        // MARK: Rate
        let device = try ResolvedDevice.resolve(
            args.rate, catalog: catalog, readFile: readFile, allowNoRate: clusterEF != nil)
        if clusterEF != nil && (device.rateKind == "calibrated" || device.rateKind == "achieved") {
            throw SizingError.usage(
                "--cluster-eflops is an announced peak; use it with --device or --peak-tflops (and --mfu), not with a sustained or measured rate")
        }
        inputs += device.inputs
        sources += device.sources
        if let a = device.accelerator, let p = device.precision, let fig = a.denseTFLOPS[p], !fig.verified,
            device.rateKind == "peak", args.rate.peakTFLOPS == nil
        {
            warnings.append("the catalog's \(a.id) \(p) peak is unverified (\(fig.source))")
        }

        // MARK: Losses
        let dpOptions = [
            ("--global-batch-tokens", args.globalBatchTokens), ("--bus-gbps", args.busGBps),
            ("--overlap", args.overlap), ("--gradient-bytes-per-param", args.gradientBytesPerParam),
        ].filter { $0.1 != nil }.map(\.0)
        if args.interconnectLoss != nil && !dpOptions.isEmpty {
            throw SizingError.usage(
                "--interconnect-loss and the data-parallel model (\(dpOptions.joined(separator: ", "))) are alternatives; choose one")
        }
        var losses = TrainingModel.Losses.none
        var lossNote = "none (no --interconnect-loss or --global-batch-tokens)"
        if let raw = args.interconnectLoss {
            let loss = try Quantity.fraction(raw, option: "--interconnect-loss", allowOne: false)
            losses = .fraction(loss)
            lossNote = "--interconnect-loss \(Format.number(loss, decimals: 3)): devices = ideal / (1 − loss)"
            inputs.append(("interconnect_loss", .number(loss)))
        } else if !dpOptions.isEmpty {
            guard let rawBatch = args.globalBatchTokens else {
                throw SizingError.usage("\(dpOptions.joined(separator: ", ")) need --global-batch-tokens (the data-parallel model)")
            }
            guard let params, let tokens else {
                throw SizingError.usage("the data-parallel model needs --params and --tokens (steps = tokens / global batch)")
            }
            let batch = try Quantity.positive(rawBatch, option: "--global-batch-tokens")
            guard batch <= tokens else {
                throw SizingError.usage("--global-batch-tokens (\(Format.number(batch))) exceeds --tokens (\(Format.number(tokens)))")
            }
            let overlap = try args.overlap.map { try Quantity.fraction($0, option: "--overlap", allowOne: true) } ?? 0
            let gradBytes = try args.gradientBytesPerParam.map {
                try Quantity.positive($0, option: "--gradient-bytes-per-param")
            } ?? Defaults.gradientBytesPerParam
            let bus: Double
            var busOrigin = ""
            if let raw = args.busGBps {
                bus = try Quantity.positive(raw, option: "--bus-gbps")
                sources.append(("bus_gbps", "--bus-gbps"))
            } else if let c = device.calibration, let measured = c.busGBps {
                bus = measured
                busOrigin = " (measured: all-reduce busbw of the cluster run \(c.file))"
                sources.append(("bus_gbps", "\(c.busDetail ?? "measured all-reduce busbw") in \(c.file)"))
            } else if let a = device.accelerator, let ic = a.interconnectGBps {
                bus = ic.value / 2
                sources.append((
                    "bus_gbps",
                    "catalog \(a.id) interconnect \(Format.number(ic.value)) GB/s ÷ 2 (one direction bounds ring all-reduce busbw): \(ic.citation); intra-node upper bound, multi-node runs are bound by the network"
                ))
            } else {
                throw SizingError.usage(
                    "the data-parallel model needs a bus bandwidth: --bus-gbps X or a catalog --device with an interconnect figure")
            }
            if device.rateKind == "cluster" {
                throw SizingError.usage(
                    "the data-parallel model needs a device count: with --cluster-eflops give --device or --peak-tflops")
            }
            let dp = TrainingModel.DataParallel(
                gradientBytes: params * gradBytes, busBytesPerSecond: bus * 1e9, steps: tokens / batch,
                overlap: overlap)
            losses = .dataParallel(dp)
            lossNote =
                "ring all-reduce of \(Format.number(params * gradBytes / 1e9)) GB of gradients per step at \(Format.number(bus)) GB/s busbw\(busOrigin), overlap \(Format.number(overlap, decimals: 3))"
            inputs += [
                ("global_batch_tokens", .number(batch)), ("steps", .number(dp.steps)), ("bus_gbps", .number(bus)),
                ("overlap", .number(overlap)), ("gradient_bytes_per_param", .number(gradBytes)),
            ]
        }

        // MARK: Solve
        let rate = device.sustainedTFLOPS * 1e12
        var solution: TrainingModel.Solution
        var devicesKnown = true
        var solvedFor = "days"
        var daysWithWhole: Double?
        if let n = givenDevices {
            solution = TrainingModel.days(totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: n, losses: losses)
            inputs.append(("devices", .number(n)))
        } else if let d = givenDays {
            solvedFor = "devices"
            solution = try TrainingModel.devices(
                totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, days: d, losses: losses)
            daysWithWhole = TrainingModel.days(
                totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: solution.wholeDevices, losses: losses
            ).days
            inputs.append(("days", .number(d)))
        } else {
            let ef = clusterEF!
            inputs.append(("cluster_eflops", .number(ef)))
            sources.append(("cluster_eflops", "--cluster-eflops (the cluster's announced peak)"))
            if let peak = device.peakTFLOPS {
                let n = ef * 1e6 / peak
                solution = TrainingModel.days(totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: n, losses: losses)
            } else {
                // No per-device figure: treat the whole cluster as one device at peak × MFU.
                devicesKnown = false
                solution = TrainingModel.days(
                    totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: ef * 1e18 * device.mfu!, devices: 1, losses: losses)
            }
        }
        let wholeDevices = devicesKnown ? solution.wholeDevices : nil
        let deviceHours = devicesKnown ? solution.deviceHours : nil

        text.section("Rate per device")
        if devicesKnown {
            text.add("sustained", Format.number(device.sustainedTFLOPS) + " TFLOPS", device.rateExplanation)
            if let c = device.calibration {
                text.add("measured on", c.deviceName ?? c.deviceID, "\(c.file), device \(c.deviceID), precision \(c.precision)")
            } else if let src = sources.first(where: { $0.0 == "peak_tflops" }) {
                text.add("peak from", "", src.1)
            }
        } else {
            text.add("cluster sustained", Format.number(clusterEF! * device.mfu!) + " EFLOPS",
                     "--cluster-eflops \(Format.number(clusterEF!)) × MFU \(Format.number(device.mfu!, decimals: 3))")
        }
        text.add("losses", "", lossNote)
        if solution.efficiency < 1 {
            text.add("efficiency", Format.number(solution.efficiency * 100, decimals: 1) + " %", "share of device time computing")
            if devicesKnown {
                text.add("effective", Format.number(device.sustainedTFLOPS * solution.efficiency) + " TFLOPS", "sustained × efficiency")
            }
        }
        if let s = solution.step {
            text.add("step: compute", Format.number(s.computeSeconds, decimals: 3) + " s")
            text.add("step: all-reduce", Format.number(s.allReduceSeconds, decimals: 3) + " s",
                     "exposed \(Format.number(s.exposedSeconds, decimals: 3)) s")
        }

        text.section("Scale")
        if let d = givenDays {
            text.add("days", Format.number(d), "--days")
            text.add("devices (exact)", Format.number(solution.devices), "solved for --days")
            text.add("devices to buy", Format.number(solution.wholeDevices, decimals: 0),
                     "rounded up; they finish in \(Format.number(daysWithWhole!, decimals: 4)) days")
        } else if let n = givenDevices {
            text.add("devices", Format.number(n, decimals: 0), "--devices")
            text.add("days", Format.number(solution.days), "solved")
        } else {
            if devicesKnown {
                text.add("devices", Format.number(solution.devices),
                         "--cluster-eflops \(Format.number(clusterEF!)) ÷ peak \(Format.number(device.peakTFLOPS!)) TFLOPS")
            } else {
                text.add("devices", "unknown", "give --device or --peak-tflops to count them")
            }
            text.add("days", Format.number(solution.days), "solved")
        }
        if let h = deviceHours { text.add("device-hours", Format.number(h, decimals: 0), "devices × days × 24, waits included") }

        // MARK: Money and energy
        let costs = try ResolvedCosts.resolve(args.cost, device: device)
        inputs += costs.inputs
        var capital: Double?
        var rental: Double?
        if let price = costs.pricePerDevice {
            if let whole = wholeDevices {
                capital = whole * price
            } else {
                warnings.append("--price-per-device needs a device count; give --device or --peak-tflops with --cluster-eflops")
            }
            sources.append(("price_per_device", "--price-per-device"))
        }
        if let hourly = costs.pricePerDeviceHour {
            if let h = deviceHours { rental = h * hourly } else {
                warnings.append("--price-per-device-hour needs a device count; give --device or --peak-tflops with --cluster-eflops")
            }
            sources.append(("price_per_device_hour", "--price-per-device-hour"))
        }
        let totalCost: Double? = (capital == nil && rental == nil) ? nil : (capital ?? 0) + (rental ?? 0)
        var energy: Double?
        var co2: Double?
        if let (watts, src) = costs.powerWatts, let h = deviceHours {
            energy = h * watts / 1000 * costs.pue
            sources.append(("power_watts", src))
            if let c = costs.carbon { co2 = energy! * c / 1000 }
        }
        if costs.pricePerDevice != nil || costs.pricePerDeviceHour != nil || energy != nil {
            text.section("Money and energy")
            if let capital {
                text.add("capital", Format.number(capital, decimals: 0) + " " + costs.currencyLabel,
                         "\(Format.number(wholeDevices!, decimals: 0)) devices × \(Format.number(costs.pricePerDevice!))")
            }
            if let rental {
                text.add("rental", Format.number(rental, decimals: 0) + " " + costs.currencyLabel,
                         "device-hours × \(Format.number(costs.pricePerDeviceHour!)) per device-hour")
            }
            if let energy, let (watts, src) = costs.powerWatts {
                text.add("energy", Format.number(energy, decimals: 0) + " kWh",
                         "\(Format.number(watts)) W (\(src)) × PUE \(Format.number(costs.pue))")
                if let co2 {
                    text.add("CO2", Format.number(co2) + " t", "\(Format.number(costs.carbon!, decimals: 3)) kg per kWh")
                }
            }
        }

        // MARK: Memory
        var stateBytes: Double?
        var minDevices: Double?
        if let params {
            let bpp = try args.bytesPerParam.map { try Quantity.positive($0, option: "--bytes-per-param") }
                ?? Defaults.trainBytesPerParam
            let explicitMemory = try args.memoryGB.map { try Quantity.positive($0, option: "--memory-gb") }
            stateBytes = TrainingModel.modelStateBytes(params: params, bytesPerParam: bpp)
            inputs.append(("bytes_per_param", .number(bpp)))
            sources.append(("bytes_per_param", args.bytesPerParam == nil
                ? "default 16: mixed-precision Adam (ZeRO paper §3.1)" : "--bytes-per-param"))
            text.section("Memory")
            text.add("model state", Format.number(stateBytes! / 1e9) + " GB",
                     "\(Format.number(bpp)) bytes × \(Format.short(params)) parameters; activations not counted")
            if let (gb, src) = device.memoryGB(explicit: explicitMemory) {
                minDevices = TrainingModel.minDevices(forBytes: stateBytes!, memoryBytesPerDevice: gb * 1e9)
                inputs.append(("memory_gb", .number(gb)))
                sources.append(("memory_gb", src))
                text.add("fewest devices", Format.number(minDevices!, decimals: 0),
                         "to hold it fully sharded, \(Format.number(gb)) GB each (\(src))")
                if let whole = wholeDevices, whole < minDevices! {
                    warnings.append(
                        "\(Format.number(whole, decimals: 0)) devices cannot hold the \(Format.number(stateBytes! / 1e9)) GB of model state; at least \(Format.number(minDevices!, decimals: 0)) are needed with full sharding")
                }
            } else {
                text.add("fewest devices", "unknown", "give --memory-gb or a catalog --device")
            }
        }
        text.footer = warnings.map { "warning: " + $0 }

        return TrainReport(
            totalFLOPs: totalFLOPs, pfDays: pfDays, devices: wholeDevices,
            devicesExact: devicesKnown ? solution.devices : nil, days: solution.days,
            daysWithWholeDevices: daysWithWhole, deviceHours: deviceHours,
            sustainedTFLOPSPerDevice: devicesKnown ? device.sustainedTFLOPS : nil,
            effectiveTFLOPSPerDevice: devicesKnown ? device.sustainedTFLOPS * solution.efficiency : nil,
            efficiency: solution.efficiency, solvedFor: solvedFor, costCapital: capital, costRental: rental,
            cost: totalCost, currency: costs.currency, energyKWh: energy, co2Tonnes: co2,
            modelStateBytes: stateBytes, minDevicesForMemory: minDevices, step: solution.step, stepReport: nil,
            warnings: warnings, inputs: inputs, sources: sources, text: text)
    }
}
