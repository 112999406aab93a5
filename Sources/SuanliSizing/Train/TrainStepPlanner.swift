import SuanliText
extension TrainPlanner {
    /// `size train` with parallelism options: the step model times one iteration; days, device-hours,
    /// cost and energy follow from the iterations `--tokens` needs.
    static func planFromStep(
        _ args: TrainArguments, catalog: Catalog, models: ModelCatalog, readFile: FileReader
    ) throws -> TrainReport {
        let refused: [(String, Bool)] = [
            ("--params", args.work.params != nil), ("--active-params", args.work.activeParams != nil), ("--flops", args.work.flops != nil),
            ("--pf-days", args.work.pfDays != nil), ("--days", args.scale.days != nil), ("--cluster-eflops", args.scale.clusterEFLOPS != nil),
            ("--interconnect-loss", args.communication.interconnectLoss != nil), ("--global-batch-tokens", args.communication.globalBatchTokens != nil),
            ("--bus-gbps", args.communication.busGBps != nil), ("--overlap", args.communication.overlap != nil), ("--mfu", args.rate.mfu != nil),
            ("--achieved-tflops", args.rate.achievedTFLOPS != nil), ("--peak-tflops", args.rate.peakTFLOPS != nil),
            ("--utilization", args.rate.utilization != nil), ("--bytes-per-param", args.memory.bytesPerParam != nil),
            ("--memory-gb", args.memory.memoryGB != nil),
        ]
        let given = refused.filter(\.1).map(\.0)
        if !given.isEmpty {
            throw SizingError.usage(
                "with parallelism options the step model sizes the run from the model shape and the hardware; drop \(given.joined(separator: ", "))")
        }
        guard let rawTokens = args.work.tokens else { throw SizingError.usage("give --tokens: the step model needs the training tokens") }
        // `size step`'s options from `size train`'s: its layout and shape groups as they are; the
        // work's shape, recomputation, gradient bytes and rate options parsed from train's text.
        var o = StepOptions.defaults
        o.parallel = args.parallel
        o.shape.model = args.stepShape.model
        o.shape.details = args.stepShape.details
        o.tokens = Amount(try Quantity.positive(rawTokens, option: "--tokens"))
        o.shape.layers = try args.work.layers.map { Int(try Quantity.count($0, option: "--layers")) }
        o.shape.hidden = try args.work.hidden.map { Int(try Quantity.count($0, option: "--hidden")) }
        o.shape.seqLen = try args.work.seqLen.map { Int(try Quantity.count($0, option: "--seq-len")) }
        o.recompute = args.work.recompute ? .full : .none
        o.gradientBytesPerParam = try args.communication.gradientBytesPerParam.map {
            Amount(try Quantity.positive($0, option: "--gradient-bytes-per-param"))
        }
        o.device = args.rate.device
        o.precision = args.rate.precision
        o.calibrate = args.rate.calibrate
        o.calibrateDevice = args.rate.calibrateDevice
        let report = try StepPlanner.plan(o, catalog: catalog, models: models, readFile: readFile)
        let r = report.result
        if let raw = args.scale.devices {
            let n = try Quantity.count(raw, option: "--devices")
            guard Int(n) == r.devices else {
                throw SizingError.usage(
                    "--devices \(Format.number(n, decimals: 0)) disagrees with the layout: TP × PP × DP × CP = \(r.devices)")
            }
        }
        let devices = Double(r.devices)
        let days = report.days!
        let deviceHours = report.deviceHours!
        let totalFLOPs = r.modelFLOPs * report.iterations!
        let warnings = report.warnings
        var sources = report.sources
        sources.insert(("total_flops", "model FLOPs per iteration (step model) × iterations for --tokens"), at: 0)

        // Money and energy, as without the step model.
        var device = ResolvedDevice(sustainedTFLOPS: r.modelTFLOPSPerDevice, rateKind: "step", rateExplanation: "step model")
        device.accelerator = try args.rate.device.map { try catalog.lookup($0) }
        let costs = try ResolvedCosts.resolve(args.cost, device: device)
        let capital = costs.pricePerDevice.map { devices * $0 }
        let rental = costs.pricePerDeviceHour.map { deviceHours * $0 }
        let totalCost: Double? = (capital == nil && rental == nil) ? nil : (capital ?? 0) + (rental ?? 0)
        let energy = costs.energy?.consumption(deviceHours: deviceHours)
        if let power = costs.energy { sources.append(("power_watts", power.powerSource)) }
        let computing = r.breakdown.forwardCompute + r.breakdown.backwardCompute + r.breakdown.recomputeCompute
        let efficiency = computing / r.iterationSeconds
        let shape = report.inputs.shape
        let stateBytes = shape.parameterCount * (2 + report.inputs.gradientBytes + 12)

        var text = TextReport(title: "suanli size train")
        text.section("Work")
        text.add("total compute", Format.number(totalFLOPs) + " FLOPs",
                 "model FLOPs \(Format.scientific(r.modelFLOPs)) per iteration × \(Format.number(report.iterations!, decimals: 0)) iterations")
        text.add("", Format.number(totalFLOPs / TrainingModel.flopsPerPFDay) + " PF-days", "1 PF-day = 8.64e19 FLOPs")
        text.section("Step model (suanli size step)")
        text.add("iteration", Format.number(r.iterationSeconds, decimals: 3) + " s",
                 "TP \(o.parallel.tp) × PP \(o.parallel.pp) × DP \(o.parallel.dp) × CP \(o.parallel.cp), global batch \(o.parallel.globalBatch ?? 0), \(report.inputs.hardware.name)")
        text.add("model TFLOPS", Format.number(r.modelTFLOPSPerDevice, decimals: 1),
                 "per device" + (report.mfu.map { ", MFU \(Format.number(100 * $0, decimals: 1)) %" } ?? ""))
        text.add("efficiency", Format.number(efficiency * 100, decimals: 1) + " %", "share of the iteration computing")
        text.add("memory", Format.number(r.memory.total / 1e9) + " GB",
                 r.memory.capacity.map { "per device of \(Format.number($0 / 1e9)) GB" } ?? "per device")
        text.section("Scale")
        text.add("devices", Format.number(devices, decimals: 0), "TP × PP × DP × CP")
        text.add("days", Format.number(days), "iterations × iteration time")
        text.add("device-hours", Format.number(deviceHours, decimals: 0), "devices × days × 24")
        if capital != nil || rental != nil || energy != nil {
            TrainTable.moneyAndEnergy(
                &text, currencyLabel: costs.currencyLabel, devices: devices, pricePerDevice: costs.pricePerDevice,
                pricePerDeviceHour: costs.pricePerDeviceHour, capital: capital, rental: rental, energy: energy,
                power: costs.energy)
        }
        text.footer = warnings.map { "warning: " + $0 } + ["the iteration's breakdown and sources: --format json, or suanli size step"]

        var inputs: [(String, JSONValue)] = [("tokens", .number(o.tokens!.value)), ("devices", .number(devices))]
        inputs += costs.inputs
        return TrainReport(
            totalFLOPs: totalFLOPs, pfDays: totalFLOPs / TrainingModel.flopsPerPFDay, devices: devices,
            devicesExact: devices, days: days, daysWithWholeDevices: nil, deviceHours: deviceHours,
            sustainedTFLOPSPerDevice: r.modelTFLOPSPerDevice, effectiveTFLOPSPerDevice: r.modelTFLOPSPerDevice,
            efficiency: efficiency, solvedFor: "days", costCapital: capital, costRental: rental, cost: totalCost,
            currency: costs.currency, energyKWh: energy?.kWh, co2Tonnes: energy?.co2Tonnes, modelStateBytes: stateBytes,
            minDevicesForMemory: nil, step: nil, stepReport: report, warnings: warnings, inputs: inputs,
            sources: sources, text: text)
    }
}
