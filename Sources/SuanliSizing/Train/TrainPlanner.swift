#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliText

/// Words that explain the numbers of a `size train` table (where each came from).
struct TrainNotes {
    var work = ""
    var losses = ""
    /// The rate per device and where it came from.
    var device: ResolvedDevice?
    var peakSource: String?
    var clusterEFLOPS: Double?
    var givenDays: Double?
    var givenDevices: Double?
    var devicesKnown = true
    var solution: TrainingModel.Solution?
    /// Prices and power, as given or from the catalog.
    var costs: ResolvedCosts?
    var bytesPerParam = 16.0
    var params: Double?
    var memory: (Double, String)?
}

public enum TrainPlanner {
    /// Validates the arguments and sizes the run. Throws `SizingError` with a one-line message.
    /// The concerns are separate: `TrainInputs.parse` (options), `ResolvedDevice.resolve` (rate),
    /// `resolveLosses` (communication), `TrainingModel` (work, solve, memory), `ResolvedCosts`
    /// (money and energy), `TrainTable` (the table).
    public static func plan(
        _ args: TrainArguments, catalog: Catalog, models: ModelCatalog? = nil, readFile: FileReader = readFileFromDisk
    ) throws -> TrainReport {
        if args.parallel.describesParallelism {
            return try planFromStep(args, catalog: catalog, models: models ?? ModelCatalog.embedded(), readFile: readFile)
        }
        try rejectStepOptionsWithoutParallelism(args)
        let input = try TrainInputs.parse(args)
        var r = TrainRecord()

        describeWork(input, &r)
        var clusterEF: Double?
        if case .clusterEFLOPS(let ef) = input.scale { clusterEF = ef }
        let device = try resolveRate(input, clusterEF: clusterEF, catalog: catalog, readFile: readFile, &r)
        let (losses, lossNote) = try resolveLosses(input, device: device, inputs: &r.inputs, sources: &r.sources)
        r.notes.losses = lossNote
        let solved = try solve(input, device: device, losses: losses, &r)
        let solution = solved.solution
        let devicesKnown = r.notes.devicesKnown
        let wholeDevices = devicesKnown ? solution.wholeDevices : nil
        let deviceHours = devicesKnown ? solution.deviceHours : nil
        r.notes.solution = solution
        r.notes.device = device
        r.notes.peakSource = r.sources.first(where: { $0.0 == "peak_tflops" })?.1
        r.notes.clusterEFLOPS = clusterEF
        let money = try moneyAndEnergy(input, device: device, wholeDevices: wholeDevices, deviceHours: deviceHours, &r)
        let memory = modelStateMemory(input, device: device, wholeDevices: wholeDevices, &r)

        let totalFLOPs = input.totalFLOPs
        var report = TrainReport(
            totalFLOPs: totalFLOPs, pfDays: totalFLOPs / TrainingModel.flopsPerPFDay, devices: wholeDevices,
            devicesExact: devicesKnown ? solution.devices : nil, days: solution.days,
            daysWithWholeDevices: solved.daysWithWhole, deviceHours: deviceHours,
            sustainedTFLOPSPerDevice: devicesKnown ? device.sustainedTFLOPS : nil,
            effectiveTFLOPSPerDevice: devicesKnown ? device.sustainedTFLOPS * solution.efficiency : nil,
            efficiency: solution.efficiency, solvedFor: solved.solvedFor, costCapital: money.capital,
            costRental: money.rental, cost: money.total, currency: money.currency, energyKWh: money.energy,
            co2Tonnes: money.co2, modelStateBytes: memory.stateBytes, minDevicesForMemory: memory.minDevices,
            step: solution.step, stepReport: nil,
            warnings: r.warnings, inputs: r.inputs, sources: r.sources, text: TextReport(title: ""))
        report.rateBasis = device.calibration?.rateBasis?.rawValue
        report.text = TrainTable.render(report, notes: r.notes)
        return report
    }

    /// What `plan` gathers as it goes: echoed inputs, sources, warnings and the table's notes.
    struct TrainRecord {
        var inputs: [(String, JSONValue)] = []
        var sources: [(String, String)] = []
        var warnings: [String] = []
        var notes = TrainNotes()
    }

    /// The step model's options mean nothing without a parallel layout.
    static func rejectStepOptionsWithoutParallelism(_ args: TrainArguments) throws {
        if args.stepShape.model != nil || !args.stepShape.details.isEmpty || args.parallel.describesStepSettings {
            throw SizingError.usage(
                "--model and the step model's shape, micro-batch, link and calibration options need parallelism options (--tp, --pp, --dp, --global-batch)")
        }
    }

    /// Work: the FLOPs given, or the formula from parameters and tokens.
    static func describeWork(_ input: TrainInputs, _ r: inout TrainRecord) {
        switch input.work {
        case .given(let flops, let pfDays):
            r.notes.work = pfDays == nil ? "--flops" : "--pf-days × 8.64e19 FLOPs per PF-day"
            r.inputs.append(pfDays == nil ? ("flops", .number(flops)) : ("pf_days", .number(pfDays!)))
            r.sources.append(("total_flops", r.notes.work))
        case .model(let params, let active, let tokens, let attention, let recompute):
            let n = active ?? params
            var formula = recompute ? "8·N·D (activation recomputation, Megatron-LM)" : "6·N·D (Kaplan et al. 2020)"
            if attention != nil {
                formula = (recompute ? "(8/6)·" : "") + "(6·N + 12·L·H·T)·D (PaLM appendix B)"
            }
            let nName = active != nil ? "N = \(Format.short(n)) active" : "N = \(Format.short(n))"
            r.notes.work = "\(formula), \(nName), D = \(Format.short(tokens))"
            r.sources.append(("total_flops", formula))
            r.inputs += [
                ("params", .number(params)), ("active_params", .optional(active)), ("tokens", .number(tokens)),
                ("recompute", .bool(recompute)),
                ("flops_per_token", .number(TrainingModel.flopsPerToken(activeParams: n, attention: attention, recompute: recompute))),
            ]
            if let a = attention {
                r.inputs += [("layers", .number(a.layers)), ("hidden", .number(a.hidden)), ("seq_len", .number(a.sequenceLength))]
            }
        }
    }

    /// The sustained rate per device.
    static func resolveRate(
        _ input: TrainInputs, clusterEF: Double?, catalog: Catalog, readFile: FileReader, _ r: inout TrainRecord
    ) throws -> ResolvedDevice {
        let device = try ResolvedDevice.resolve(input.rate, catalog: catalog, readFile: readFile, allowNoRate: clusterEF != nil)
        if clusterEF != nil && (device.rateKind == "calibrated" || device.rateKind == "achieved") {
            throw SizingError.usage(
                "--cluster-eflops is an announced peak; use it with --device or --peak-tflops (and --mfu), not with a sustained or measured rate")
        }
        r.inputs += device.inputs
        r.sources += device.sources
        if let a = device.accelerator, let p = device.precision, let fig = SizingPrecision(catalogKey: p).flatMap(a.dense), !fig.verified,
            device.rateKind == "peak", input.rate.peakTFLOPS == nil
        {
            r.warnings.append("the catalog's \(a.id) \(p) peak is unverified (\(fig.source))")
        }
        return device
    }

    /// Days for the devices, devices for the days, or days for the cluster's announced peak.
    static func solve(
        _ input: TrainInputs, device: ResolvedDevice, losses: TrainingModel.Losses, _ r: inout TrainRecord
    ) throws -> (solution: TrainingModel.Solution, solvedFor: String, daysWithWhole: Double?) {
        let totalFLOPs = input.totalFLOPs
        let rate = device.sustainedTFLOPS * 1e12
        switch input.scale {
        case .devices(let n):
            r.inputs.append(("devices", .number(n)))
            r.notes.givenDevices = n
            let solution = TrainingModel.days(totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: n, losses: losses)
            return (solution, "days", nil)
        case .days(let d):
            let solution = try TrainingModel.devices(totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, days: d, losses: losses)
            let daysWithWhole = TrainingModel.days(
                totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: solution.wholeDevices, losses: losses
            ).days
            r.inputs.append(("days", .number(d)))
            r.notes.givenDays = d
            return (solution, "devices", daysWithWhole)
        case .clusterEFLOPS(let ef):
            r.inputs.append(("cluster_eflops", .number(ef)))
            r.sources.append(("cluster_eflops", "--cluster-eflops (the cluster's announced peak)"))
            if let peak = device.peakTFLOPS {
                let solution = TrainingModel.days(
                    totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: ef * 1e6 / peak, losses: losses)
                return (solution, "days", nil)
            }
            // No per-device figure: treat the whole cluster as one device at peak × MFU.
            r.notes.devicesKnown = false
            let solution = TrainingModel.days(
                totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: ef * 1e18 * device.mfu!, devices: 1, losses: losses)
            return (solution, "days", nil)
        }
    }

    /// Capital and rental cost, energy and CO₂ of the run.
    static func moneyAndEnergy(
        _ input: TrainInputs, device: ResolvedDevice, wholeDevices: Double?, deviceHours: Double?, _ r: inout TrainRecord
    ) throws -> (capital: Double?, rental: Double?, total: Double?, currency: String?, energy: Double?, co2: Double?) {
        let costs = try ResolvedCosts.resolve(input.cost, device: device)
        r.inputs += costs.inputs
        var capital: Double?
        var rental: Double?
        if let price = costs.pricePerDevice {
            if let whole = wholeDevices {
                capital = whole * price
            } else {
                r.warnings.append("--price-per-device needs a device count; give --device or --peak-tflops with --cluster-eflops")
            }
            r.sources.append(("price_per_device", "--price-per-device"))
        }
        if let hourly = costs.pricePerDeviceHour {
            if let h = deviceHours { rental = h * hourly } else {
                r.warnings.append("--price-per-device-hour needs a device count; give --device or --peak-tflops with --cluster-eflops")
            }
            r.sources.append(("price_per_device_hour", "--price-per-device-hour"))
        }
        let totalCost: Double? = (capital == nil && rental == nil) ? nil : (capital ?? 0) + (rental ?? 0)
        let energy = deviceHours.flatMap { hours in costs.energy?.consumption(deviceHours: hours) }
        if energy != nil, let power = costs.energy { r.sources.append(("power_watts", power.powerSource)) }
        r.notes.costs = costs
        return (capital, rental, totalCost, costs.currency, energy?.kWh, energy?.co2Tonnes)
    }

    /// Model state in memory and the fewest devices that hold it, fully sharded.
    static func modelStateMemory(
        _ input: TrainInputs, device: ResolvedDevice, wholeDevices: Double?, _ r: inout TrainRecord
    ) -> (stateBytes: Double?, minDevices: Double?) {
        guard let params = input.params else { return (nil, nil) }
        let stateBytes = TrainingModel.modelStateBytes(params: params, bytesPerParam: input.bytesPerParam)
        var minDevices: Double?
        r.inputs.append(("bytes_per_param", .number(input.bytesPerParam)))
        r.sources.append(("bytes_per_param", input.bytesPerParamGiven
            ? "--bytes-per-param" : "default 16: mixed-precision Adam (ZeRO paper §3.1)"))
        r.notes.params = params
        r.notes.bytesPerParam = input.bytesPerParam
        if let (gb, src) = device.memoryGB(explicit: input.memoryGB) {
            minDevices = TrainingModel.minDevices(forBytes: stateBytes, memoryBytesPerDevice: gb * 1e9)
            r.inputs.append(("memory_gb", .number(gb)))
            r.sources.append(("memory_gb", src))
            r.notes.memory = (gb, src)
            if let whole = wholeDevices, whole < minDevices! {
                r.warnings.append(
                    "\(Format.number(whole, decimals: 0)) devices cannot hold the \(Format.number(stateBytes / 1e9)) GB of model state; at least \(Format.number(minDevices!, decimals: 0)) are needed with full sharding")
            }
        }
        return (stateBytes, minDevices)
    }

    /// The communication loss model: a fixed fraction, or the data-parallel all-reduce with its bus
    /// bandwidth (`--bus-gbps`, the measured busbw of a cluster file, or the catalog interconnect ÷ 2).
    static func resolveLosses(
        _ input: TrainInputs, device: ResolvedDevice, inputs: inout [(String, JSONValue)], sources: inout [(String, String)]
    ) throws -> (TrainingModel.Losses, String) {
        switch input.losses {
        case .none:
            return (.none, "none (no --interconnect-loss or --global-batch-tokens)")
        case .fraction(let loss):
            inputs.append(("interconnect_loss", .number(loss)))
            return (.fraction(loss), "--interconnect-loss \(Format.number(loss, decimals: 3)): devices = ideal / (1 − loss)")
        case .dataParallel(let batch, let overlap, let gradBytes, let busGiven):
            guard case .model(let params, _, let tokens, _, _) = input.work else {
                throw SizingError.usage("the data-parallel model needs --params and --tokens (steps = tokens / global batch)")
            }
            let bus: Double
            var busOrigin = ""
            if let given = busGiven {
                bus = given
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
                gradientBytes: params * gradBytes, busBytesPerSecond: bus * 1e9, steps: tokens / batch, overlap: overlap)
            inputs += [
                ("global_batch_tokens", .number(batch)), ("steps", .number(dp.steps)), ("bus_gbps", .number(bus)),
                ("overlap", .number(overlap)), ("gradient_bytes_per_param", .number(gradBytes)),
            ]
            let note = "ring all-reduce of \(Format.number(params * gradBytes / 1e9)) GB of gradients per step at \(Format.number(bus)) GB/s busbw\(busOrigin), overlap \(Format.number(overlap, decimals: 3))"
            return (.dataParallel(dp), note)
        }
    }
}
