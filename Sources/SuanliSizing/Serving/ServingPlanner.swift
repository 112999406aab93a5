#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliText

/// `suanli size serve` with a model shape: the step model, the batch, and demand to devices.
public enum ServingPlanner {
    /// The step model of `ServeRouter.plan`, which refuses the rough bound's options first (the
    /// library's entry point: this one would ignore them).
    static func plan(
        _ args: ServeArguments, catalog: Catalog, models: ModelCatalog, readFile: FileReader = readFileFromDisk,
        writeFile: FileWriter = writeFileToDisk
    ) throws -> ServingReport {
        let calibrationFile = args.engine.calibrationFile
        let saved = try SoftwareCalibration.requested(
            .serve, measured: args.engine.measuredTPS != nil, save: calibrationFile.saveCalibration,
            apply: calibrationFile.calibration, readFile: readFile)
        let measured = try args.engine.measuredTPS.map { try Quantity.positive($0, option: "--measured-tps") }
        let uncalibrated = try planOnce(args, softwareScale: 1, catalog: catalog, models: models, readFile: readFile)
        guard measured != nil || saved != nil else { return uncalibrated }
        let softwareScale: Double
        let file: SoftwareCalibration
        let path: String
        if let measured, let out = calibrationFile.saveCalibration {
            // One factor on both attained fractions, up to the ceilings themselves.
            let e = uncalibrated.efficiency
            let high = 1 / max(e.compute, e.bandwidth)
            func rate(_ scale: Double) throws -> Double {
                try planOnce(args, softwareScale: scale, catalog: catalog, models: models, readFile: readFile)
                    .expected.outputTokensPerSecondPerDevice
            }
            guard let scale = try SoftwareCalibration.solve(target: measured, low: 1e-3, high: high, increasing: true, rate) else {
                let top = try rate(high)
                if measured > top {
                    throw SizingError.usage("--measured-tps \(Format.number(measured, decimals: 0)) is above the model's bound for this configuration (\(Format.number(top, decimals: 0)) output tokens/s per device at the ceilings): check the configuration (per device, output tokens)")
                }
                throw SizingError.usage("--measured-tps \(Format.number(measured, decimals: 0)) is below 1/1000 of the model's rate: check the configuration and the units (output tokens/s per device)")
            }
            softwareScale = scale
            let config: JSONValue = .object(uncalibrated.echoedInputs)
            file = SoftwareCalibration(
                kind: .serve, factors: SoftwareEfficiency(compute: scale, memoryBound: scale, communication: 1),
                measured: measured, predictedUncalibrated: uncalibrated.expected.outputTokensPerSecondPerDevice,
                hardware: uncalibrated.hardware.accelerator?.name ?? uncalibrated.hardware.calibration?.deviceName ?? "", config: config)
            try file.save(to: out, write: writeFile)
            path = out
        } else {
            file = saved!
            path = calibrationFile.calibration!
            softwareScale = file.factors.compute
        }
        var report = try planOnce(args, softwareScale: softwareScale, catalog: catalog, models: models, readFile: readFile)
        report.calibration = StepReport.AppliedCalibration(file: file, path: path, fitted: measured != nil)
        report.uncalibrated = uncalibrated.expected
        let here = report.hardware.accelerator?.name ?? report.hardware.calibration?.deviceName ?? ""
        if measured == nil && !file.hardware.isEmpty && file.hardware != here {
            report.warnings.append("\(path) was measured on \(file.hardware), this run is on \(here): the engine's efficiency is carried across hardware")
        }
        return report
    }

    /// One estimate, with the attained fractions of the ceilings scaled by `softwareScale` (a
    /// calibration's factor; 1 uncalibrated).
    static func planOnce(
        _ args: ServeArguments, softwareScale: Double, catalog: Catalog, models: ModelCatalog, readFile: FileReader
    ) throws -> ServingReport {
        let inputs = try ServingInputs.parse(args, models: models)
        var hardware = try ServingHardware.resolve(
            rate: args.rate, hardware: args.hardware, precision: inputs.precision, catalog: catalog, readFile: readFile)
        var warnings: [String] = []
        var notes = hardware.notes
        spanNodes(inputs, hardware: &hardware, warnings: &warnings)

        // MARK: Efficiencies: explicit, else the default for how the ceiling was found.
        let achievable = hardware.computeIsAchievableGEMM
        let computeDefault = achievable ? ServingDefaults.computeEfficiencyOfAchievable : ServingDefaults.computeEfficiencyOfPeak
        let efficiency = ServingEfficiency(
            compute: min(1, (inputs.computeEfficiency ?? computeDefault) * softwareScale),
            bandwidth: min(1, (inputs.bandwidthEfficiency ?? ServingDefaults.bandwidthEfficiency) * softwareScale),
            kvBandwidth: min(1, softwareScale))

        var step = ServingStep(
            shape: inputs.shape, linearBytes: inputs.precision.bytes, kvBytes: inputs.kvPrecision.bytes, tp: inputs.tp,
            inputTokens: inputs.inputTokens, outputTokens: inputs.outputTokens, computeFLOPS: hardware.computeFLOPS,
            bandwidthBytesPerSecond: hardware.bandwidthBytesPerSecond, link: hardware.link, efficiency: efficiency,
            gemmCurve: hardware.gemmCurve)
        step.scheduler = inputs.scheduler
        step.prefillChunk = inputs.prefillChunk
        step.stepOverheadSeconds = inputs.stepOverheadSeconds
        step.attentionKernelSeconds = ServingSchedulerDefaults.attentionKernelSeconds
        step.achievableBandwidthBytesPerSecond = hardware.achievableBandwidth?.bytesPerSecond
        let bound = step.with(.bound)
        let fit = try memoryFit(inputs, step: step, hardware: hardware)
        let choice = try chooseBatch(inputs, step: step, maxByMemory: fit.maxByMemory)
        let expected = step.figures(batch: choice.batch)
        let roof = bound.figures(batch: choice.batch)
        let binding = choice.limitedBy == "capacity" ? "capacity" : step.timeBinding(batch: choice.batch)

        // MARK: Demand to devices, money and energy.
        var device = ResolvedDevice(sustainedTFLOPS: 0, rateKind: "", rateExplanation: "")
        device.accelerator = hardware.accelerator
        let costs = try ResolvedCosts.resolve(args.cost, device: device)
        let demand = demandFigures(inputs, costs: costs, expected: expected, notes: &notes, warnings: &warnings)
        let fullLoadEnergy = costs.energy?.kWhPerMillionTokens(tokensPerSecondPerDevice: expected.outputTokensPerSecondPerDevice)
        if hardware.linkSource.hasPrefix("unknown") && inputs.tp > 1 {
            warnings.append("no interconnect figure: the tensor-parallel all-reduces are left out; give --bus-gbps or a cluster --calibrate file")
        }
        if let c = hardware.calibration, hardware.link.measured != nil, let ranks = hardware.measuredRanks,
           ranks != inputs.tp, inputs.tp > 1 {
            notes.append("the all-reduce curve of \(c.file) was measured over \(ranks) ranks; --tp is \(inputs.tp)")
        }

        return ServingReport(
            inputs: inputs, hardware: hardware, step: step, expected: expected, bound: roof, efficiency: efficiency,
            maxBatchByMemory: fit.maxByMemory, choice: choice, binding: binding, weightBytesPerDevice: fit.weightsPerDevice,
            kvBudgetBytesPerDevice: fit.kvBudget, demand: demand, currency: costs.currency,
            energyKWhPerMillionTokensAtFullLoad: fullLoadEnergy, warnings: warnings, notes: notes,
            echoedInputs: echoedInputs(args, inputs: inputs, hardware: hardware, efficiency: efficiency, costs: costs),
            sources: sources(args, inputs: inputs, hardware: hardware, costs: costs, hasDemand: demand != nil))
    }

    /// A tensor-parallel group larger than a node runs its all-reduces over the scale-out network.
    static func spanNodes(_ inputs: ServingInputs, hardware: inout ServingHardware, warnings: inout [String]) {
        guard inputs.tp > inputs.gpusPerNode else { return }
        let nodes = (inputs.tp + inputs.gpusPerNode - 1) / inputs.gpusPerNode
        let span = "--tp \(inputs.tp) spans \(nodes) nodes of \(inputs.gpusPerNode) (--gpus-per-node)"
        if hardware.link.name == "catalog", let a = hardware.accelerator, let so = a.scaleOutGBps {
            let efficiency = StepConstants.networkEfficiency, hop = StepConstants.networkHopLatency
            hardware.link = Link(name: "catalog scale-out", bytesPerSecond: so.value * 1e9, efficiency: efficiency.value,
                                 hopLatency: hop.value, baseLatency: StepConstants.collectiveBaseLatency.value)
            hardware.linkSource = "catalog \(a.id) scale-out \(Format.number(so.value)) GB/s per device × \(Format.number(efficiency.value, decimals: 3)) (\(efficiency.source)), \(Format.number(hop.value * 1e6, decimals: 1)) µs per ring step (\(hop.source)): \(so.citation)"
            warnings.append("\(span): its all-reduces run over the scale-out network (\(Format.number(so.value)) GB/s per device), not NVLink")
        } else if hardware.link.name == "catalog" {
            warnings.append("\(span), but the catalog has no scale-out figure for this device: the all-reduces are modelled on the intra-node link, optimistic; give --bus-gbps")
        } else {
            warnings.append("\(span): the all-reduces cross the network; the given or measured all-reduce figure must be one measured across nodes")
        }
    }

    /// Memory: the weights, then as many sequences as fit in what is left.
    static func memoryFit(
        _ inputs: ServingInputs, step: ServingStep, hardware: ServingHardware
    ) throws -> (weightsPerDevice: Double, kvBudget: Double, maxByMemory: Int) {
        let weightsPerDevice = step.weightBytesPerDevice
        let usable = inputs.memoryUtilization * hardware.memoryBytes
        let kvBudget = usable - weightsPerDevice
        if kvBudget <= 0 {
            throw SizingError.usage(
                "the weights do not fit: \(Format.number(weightsPerDevice / 1e9)) GB per device at --tp \(inputs.tp), beside \(Format.number(usable / 1e9)) GB usable (\(Format.number(inputs.memoryUtilization, decimals: 2)) of \(Format.number(hardware.memoryBytes / 1e9)) GB); raise --tp or lower --precision")
        }
        let maxByMemory = step.maxBatch(kvBudgetBytesPerDevice: kvBudget)
        if maxByMemory < 1 {
            throw SizingError.usage(
                "not one sequence of \(Format.number(inputs.inputTokens + inputs.outputTokens, decimals: 0)) tokens fits: its KV cache needs \(Format.number((inputs.inputTokens + inputs.outputTokens) * step.kvBytesPerTokenPerDevice / 1e9)) GB per device, \(Format.number(kvBudget / 1e9)) GB is left beside the weights; raise --tp, lower --kv-precision or the lengths")
        }
        return (weightsPerDevice, kvBudget, maxByMemory)
    }

    /// The batch: given, else the largest the memory, the engine and the latency targets allow.
    static func chooseBatch(_ inputs: ServingInputs, step: ServingStep, maxByMemory: Int) throws -> ServingBatch.Choice {
        var limit = maxByMemory
        var limitReason = "capacity"
        if let engine = inputs.maxBatch, engine < maxByMemory {
            limit = engine
            limitReason = "max-batch"
        }
        if let batch = inputs.batch {
            guard batch <= maxByMemory else {
                throw SizingError.usage(
                    "--batch \(batch) does not fit: at most \(maxByMemory) sequences of \(Format.number(inputs.inputTokens + inputs.outputTokens, decimals: 0)) tokens fit beside the weights (KV cache \(Format.number(step.kvBytesPerSequence / 1e9, decimals: 3)) GB per sequence)")
            }
            return ServingBatch.Choice(batch: batch, limitedBy: "given")
        }
        let choice = ServingBatch.choose(step: step, limit: limit, limitReason: limitReason, targets: inputs.targets)
        if choice.batch == 0 {
            let one = step.figures(batch: 1)
            var parts: [String] = []
            if let t = inputs.targets.ttft { parts.append("TTFT \(Format.number(one.ttftSeconds, decimals: 4)) s (--slo-ttft \(Format.number(t, decimals: 4)))") }
            if let t = inputs.targets.tpot { parts.append("TPOT \(Format.number(one.tpotSeconds, decimals: 4)) s (--slo-tpot \(Format.number(t, decimals: 4)))") }
            throw SizingError.usage(
                "the latency targets cannot be met even at batch 1: \(parts.joined(separator: ", ")); raise --tp or relax the target")
        }
        return choice
    }

    /// The fleet for the demand, with its money and energy; nil without a demand.
    static func demandFigures(
        _ inputs: ServingInputs, costs: ResolvedCosts, expected: ServingStep.Figures,
        notes: inout [String], warnings: inout [String]
    ) -> ServingReport.DemandFigures? {
        guard let d = inputs.demand else {
            if costs.pricePerDevice != nil || costs.pricePerDeviceHour != nil {
                warnings.append("prices apply to a fleet: give a demand (--dau with --tokens-per-user, --requests-per-second or --tokens-per-second)")
            }
            return nil
        }
        let peak = d.peakTokensPerSecond
        let devices = ServingDemand.devices(
            peakTokensPerSecond: peak, tokensPerSecondPerDevice: expected.outputTokensPerSecondPerDevice, tp: inputs.tp)
        let tokensPerDay = d.averageTokensPerSecond * TrainingModel.secondsPerDay
        let energy = costs.energy?.perDay(devices: devices)
        let perMillion = energy.map { Energy.kWhPerMillionTokens(kWh: $0.kWh, tokens: tokensPerDay) }
        let perDay = costs.pricePerDeviceHour.map { devices * 24 * $0 }
        if !d.peakFactorGiven {
            notes.append("--peak-factor 1: the fleet is sized for the daily average; services typically peak at 2–3× the average in their busiest hour")
        }
        return ServingReport.DemandFigures(
            description: d.description, averageTokensPerSecond: d.averageTokensPerSecond, peakFactor: d.peakFactor,
            peakTokensPerSecond: peak, tokensPerDay: tokensPerDay,
            devicesExact: peak / expected.outputTokensPerSecondPerDevice, devices: devices,
            groups: devices / Double(inputs.tp), costCapital: costs.pricePerDevice.map { devices * $0 },
            costPerDay: perDay, costPerMillionTokens: perDay.map { $0 / (tokensPerDay / 1e6) },
            energyKWhPerDay: energy?.kWh, energyKWhPerMillionTokens: perMillion, co2TonnesPerDay: energy?.co2Tonnes)
    }

    /// Where each figure comes from.
    static func sources(
        _ args: ServeArguments, inputs: ServingInputs, hardware: ServingHardware, costs: ResolvedCosts, hasDemand: Bool
    ) -> [(String, String)] {
        let achievable = hardware.computeIsAchievableGEMM
        var sources = inputs.modelSources
        sources += [
            ("compute_rate", hardware.computeSource),
            ("rate_basis", hardware.rateBasis),
            ("bandwidth", hardware.bandwidthSource),
            ("memory", hardware.memorySource),
            ("tensor_parallel_link", hardware.linkSource),
            ("efficiency_compute", inputs.computeEfficiency != nil ? "--efficiency"
                : achievable
                ? "default \(ServingDefaults.computeEfficiencyOfAchievable) of the achievable GEMM rate: the project's end-to-end utilization (Megatron-LM sustained 0.6 of its GEMM rate)"
                : "default \(ServingDefaults.computeEfficiencyOfPeak) of a bare datasheet peak: 0.6 × the ~0.8 of peak large GEMMs reach (Bekman's MAMF table)"),
            ("efficiency_bandwidth", inputs.bandwidthEfficiency != nil ? "--efficiency"
                : "default \(ServingDefaults.bandwidthEfficiency): gpt-fast decodes at 0.82–0.87 of measured achievable bandwidth (A100); the development cases sit at 0.85–0.95 of the datasheet"),
            ("memory_utilization", args.workload.memoryUtilization != nil ? "--memory-utilization"
                : "default \(ServingDefaults.memoryUtilization): vLLM gpu_memory_utilization and TensorRT-LLM kv_cache_free_gpu_mem_fraction default to 0.9"),
            ("weights", "linear layers of the transformer blocks at \(inputs.precision.rawValue) (\(Format.number(inputs.precision.bytes, decimals: 0)) B); embeddings, output layer and norms at 16 bits, as FP8 checkpoints quantize only the blocks' linear layers (NVIDIA Model Optimizer FP8 model cards)"),
            ("kv_precision", args.engine.kvPrecision != nil ? "--kv-precision"
                : "default \(inputs.kvPrecision.rawValue): engines keep the KV cache in 16 bits unless told otherwise"),
            ("flops", "2 FLOPs per weight of every linear and the output layer per token; attention 4·hidden·context per layer (Q·Kᵀ and ·V)"),
            ("scheduler", args.workload.scheduler != nil ? "--scheduler"
                : "default continuous: in-flight batching, what TensorRT-LLM and vLLM run (and the model before --scheduler)"),
            ("step_overhead", args.workload.stepOverhead != nil ? "--step-overhead" : ServingSchedulerDefaults.stepOverheadSource),
            ("decode_attention", "KV-cache reads at \(hardware.achievableBandwidth?.source ?? "the bandwidth ceiling × the bandwidth efficiency (no achievable figure known)"), plus \(ServingSchedulerDefaults.attentionKernelSource)"),
            ("percentile", "mean figures of uniform requests in steady state without queueing: every request sees them, so they are the median (p50); give tighter targets for p90/p99 (Docs/sizing.md)"),
        ]
        if let energy = costs.energy { sources.append(("power_watts", energy.powerSource)) }
        if hasDemand {
            sources.append(("peak_factor", inputs.demand!.peakFactorGiven ? "--peak-factor" : "default 1: the daily average (typical services run 2–3 at the peak hour)"))
        }
        if inputs.maxBatch != nil { sources.append(("max_batch", "--max-batch (the engine's limit)")) }
        if inputs.prefillChunk != nil {
            sources.append(("prefill_chunk", args.workload.prefillChunk != nil ? "--prefill-chunk" : ServingSchedulerDefaults.prefillChunkSource))
        }

        return sources
    }

    /// The inputs as the JSON answer echoes them.
    static func echoedInputs(
        _ args: ServeArguments, inputs: ServingInputs, hardware: ServingHardware, efficiency: ServingEfficiency,
        costs: ResolvedCosts
    ) -> [(String, JSONValue)] {
        var echoed: [(String, JSONValue)] = [
            ("model", .string(inputs.modelName)),
            ("layers", .number(Double(inputs.shape.layers))), ("hidden", .number(Double(inputs.shape.hidden))),
            ("heads", .number(Double(inputs.shape.heads))), ("kv_heads", .number(Double(inputs.shape.kvHeads))),
            ("ffn", .number(Double(inputs.shape.ffn))), ("gated_ffn", .bool(inputs.shape.gatedFFN)),
            ("vocab", .number(Double(inputs.shape.vocab))), ("tied_embeddings", .bool(inputs.shape.tiedEmbeddings)),
            ("parameters", .number(inputs.shape.parameterCount)),
            ("precision", .string(inputs.precision.rawValue)), ("kv_precision", .string(inputs.kvPrecision.rawValue)),
            ("compute_precision", .string(hardware.computePrecision.rawValue)),
            ("tp", .number(Double(inputs.tp))), ("gpus_per_node", .number(Double(inputs.gpusPerNode))), ("input_tokens", .number(inputs.inputTokens)),
            ("output_tokens", .number(inputs.outputTokens)), ("batch", inputs.batch.map { .number(Double($0)) } ?? .null),
            ("max_batch", inputs.maxBatch.map { .number(Double($0)) } ?? .null),
            ("efficiency_compute", .number(efficiency.compute)), ("efficiency_bandwidth", .number(efficiency.bandwidth)),
            ("memory_utilization", .number(inputs.memoryUtilization)),
            ("scheduler", .string(inputs.scheduler.rawValue)), ("prefill_chunk_tokens", .optional(inputs.prefillChunk)),
            ("step_overhead_seconds", .number(inputs.stepOverheadSeconds)),
            ("attention_kernel_seconds", .number(ServingSchedulerDefaults.attentionKernelSeconds)),
            ("slo_ttft_seconds", .optional(inputs.targets.ttft)), ("slo_tpot_seconds", .optional(inputs.targets.tpot)),
            ("device", .optional(hardware.accelerator?.id)), ("calibrate", .optional(args.rate.calibrate)),
            ("compute_tflops", .number(hardware.computeFLOPS / 1e12)),
            ("bandwidth_gbps", .number(hardware.bandwidthBytesPerSecond / 1e9)),
            ("memory_bytes", .number(hardware.memoryBytes)),
        ]
        echoed += inputs.demand.map { $0.inputs + [$0.peakFactorInput] } ?? []
        echoed += costs.inputs
        return echoed
    }
}

/// The answer of `suanli size serve` with a model shape.
public struct ServingReport: Sendable {
    public var inputs: ServingInputs
    public var hardware: ServingHardware
    public var step: ServingStep
    /// At the default or given efficiencies.
    public var expected: ServingStep.Figures
    /// At the ceilings themselves (efficiency 1), same batch.
    public var bound: ServingStep.Figures
    public var efficiency: ServingEfficiency
    public var maxBatchByMemory: Int
    public var choice: ServingBatch.Choice
    /// "memory", "compute" or "capacity".
    public var binding: String
    public var weightBytesPerDevice: Double
    public var kvBudgetBytesPerDevice: Double
    public var demand: DemandFigures?
    public var currency: String?
    public var energyKWhPerMillionTokensAtFullLoad: Double?
    public var warnings: [String]
    public var notes: [String]
    /// A software calibration fitted here (`--measured-tps`) or applied (`--calibration`), and the
    /// uncalibrated figures at the same settings.
    public var calibration: StepReport.AppliedCalibration?
    public var uncalibrated: ServingStep.Figures?
    public var echoedInputs: [(String, JSONValue)]
    public var sources: [(String, String)]

    public struct DemandFigures: Sendable {
        public var description: String
        public var averageTokensPerSecond: Double
        public var peakFactor: Double
        public var peakTokensPerSecond: Double
        public var tokensPerDay: Double
        public var devicesExact: Double
        public var devices: Double
        public var groups: Double
        public var costCapital: Double?
        public var costPerDay: Double?
        public var costPerMillionTokens: Double?
        public var energyKWhPerDay: Double?
        public var energyKWhPerMillionTokens: Double?
        public var co2TonnesPerDay: Double?
    }

    /// Which latency target stops the batch, if one does.
    public var sloBinding: String? {
        ["ttft", "tpot", "ttft and tpot"].contains(choice.limitedBy) ? choice.limitedBy : nil
    }

    static func figuresJSON(_ f: ServingStep.Figures) -> [(String, JSONValue)] {
        [
            ("prefill_seconds", .number(f.prefillSeconds)),
            ("ttft_seconds", .number(f.ttftSeconds)),
            ("tpot_seconds", .number(f.tpotSeconds)),
            ("decode_step_seconds", .number(f.decodeStepSeconds)),
            ("output_tokens_per_second_per_device", .number(f.outputTokensPerSecondPerDevice)),
            ("total_tokens_per_second_per_device", .number(f.totalTokensPerSecondPerDevice)),
        ]
    }

    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("model", .string("step"))]
        pairs += Self.figuresJSON(expected)
        pairs += [
            ("kv_cache_bytes_per_sequence", .number(step.kvBytesPerSequence)),
            ("max_batch_by_memory", .number(Double(maxBatchByMemory))),
            ("binding", .string(binding)),
            ("batch", .number(Double(choice.batch))),
            ("batch_limited_by", .string(choice.limitedBy)),
            ("slo_binding", .optional(sloBinding)),
            ("rate_basis", .string(hardware.rateBasis)),
            ("scheduler", .string(inputs.scheduler.rawValue)),
            ("prefill_chunk_tokens", .optional(inputs.prefillChunk)),
            ("weight_only", .bool(hardware.weightOnly)),
            ("bound", .object(Self.figuresJSON(bound))),
            ("decode_step", .object([
                ("weight_read_seconds", .number(expected.decode.weightSeconds)),
                ("matmul_seconds", .number(expected.decode.matmulSeconds)),
                ("kv_read_seconds", .number(expected.decode.kvSeconds)),
                ("attention_seconds", .number(expected.decode.attentionSeconds)),
                ("memory_seconds", .number(expected.decode.memorySeconds)),
                ("compute_seconds", .number(expected.decode.computeSeconds)),
                ("communication_seconds", .number(expected.decode.communicationSeconds)),
                ("prefill_attention_seconds", .number(expected.decode.prefillAttentionSeconds)),
                ("overhead_seconds", .number(expected.decode.overheadSeconds)),
                ("attention_kernel_latency_seconds", .number(expected.decode.attentionKernelLatencySeconds)),
                ("decode_attention_efficiency", .number(step.decodeAttentionEfficiency(batch: Double(choice.batch), context: step.meanContext))),
                ("bytes_read_per_device", .number(expected.decode.bytesRead)),
                ("flops_per_device", .number(expected.decode.flops)),
            ])),
            ("prefill_flops", .number(ServingStepModel.prefillFLOPs(step.shape, inputTokens: step.inputTokens))),
            ("decode_flops_per_token", .number(ServingStepModel.decodeFLOPsPerToken(step.shape, context: step.meanContext))),
            ("kv_cache_bytes_per_token", .number(ServingStepModel.kvBytesPerToken(step.shape, kvBytes: step.kvBytes))),
            ("weight_bytes_per_device", .number(weightBytesPerDevice)),
            ("kv_cache_budget_bytes_per_device", .number(kvBudgetBytesPerDevice)),
            ("efficiency", .object([("compute", .number(efficiency.compute)), ("bandwidth", .number(efficiency.bandwidth))])),
            ("energy_kwh_per_million_tokens_at_full_load", .optional(energyKWhPerMillionTokensAtFullLoad)),
        ]
        if let d = demand {
            pairs += [
                ("devices", .number(d.devices)),
                ("devices_exact", .number(d.devicesExact)),
                ("tensor_parallel_groups", .number(d.groups)),
                ("cost_capital", .optional(d.costCapital)),
                ("cost_per_day", .optional(d.costPerDay)),
                ("cost_per_million_tokens", .optional(d.costPerMillionTokens)),
                ("currency", .optional(currency)),
                ("energy_kwh_per_day", .optional(d.energyKWhPerDay)),
                ("energy_kwh_per_million_tokens", .optional(d.energyKWhPerMillionTokens)),
                ("co2_tonnes_per_day", .optional(d.co2TonnesPerDay)),
                ("demand", .object([
                    ("output_tokens_per_second_average", .number(d.averageTokensPerSecond)),
                    ("peak_factor", .number(d.peakFactor)),
                    ("output_tokens_per_second_peak", .number(d.peakTokensPerSecond)),
                    ("output_tokens_per_day", .number(d.tokensPerDay)),
                ])),
            ]
        } else {
            pairs += [("devices", .null), ("demand", .null)]
        }
        if let c = calibration, let u = uncalibrated {
            pairs.append(("calibration", .object([
                ("file", .string(c.path)), ("fitted_here", .bool(c.fitted)),
                ("scale", .number(c.file.factors.compute)),
                ("rule", .string("one measurement fits one factor: the attained fractions of the compute and bandwidth ceilings scale together")),
                ("measured_output_tokens_per_second_per_device", .number(c.file.measured)),
                ("measured_hardware", .string(c.file.hardware)),
                ("measured_config", c.file.config),
                ("uncalibrated", .object(Self.figuresJSON(u))),
            ])))
        }
        pairs += [
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("notes", .array(notes.map(JSONValue.string))),
            ("inputs", .object(echoedInputs)),
            ("sources", .object(sources.map { ($0.0, .string($0.1)) })),
        ]
        return .object(pairs)
    }

    public var table: String {
        var t = TextReport(title: "suanli size serve (step model)")
        let s = inputs.shape
        t.section("Model")
        t.add("model", inputs.modelName,
              "\(s.layers) layers, hidden \(s.hidden), \(s.heads) heads / \(s.kvHeads) KV, ffn \(s.ffn)\(s.gatedFFN ? " gated" : ""), vocab \(s.vocab)")
        t.add("parameters", Format.short(s.parameterCount))
        t.add("precision", "\(inputs.precision.rawValue), KV \(inputs.kvPrecision.rawValue)",
              hardware.weightOnly ? "weight-only: products at \(hardware.computePrecision.rawValue)" : "")
        t.add("tensor parallel", "\(inputs.tp)")
        t.add("request", "\(Format.number(inputs.inputTokens, decimals: 0)) in / \(Format.number(inputs.outputTokens, decimals: 0)) out")

        t.section("Hardware per device")
        t.add("compute", Format.number(hardware.computeFLOPS / 1e12, decimals: 0) + " TFLOPS",
              "rate basis \(hardware.rateBasis) — \(hardware.computeSource)")
        t.add("bandwidth", Format.number(hardware.bandwidthBytesPerSecond / 1e9) + " GB/s", hardware.bandwidthSource)
        t.add("memory", Format.number(hardware.memoryBytes / 1e9) + " GB", hardware.memorySource)
        t.add("all-reduce", "", hardware.linkSource)
        t.add("efficiency", Format.number(efficiency.compute, decimals: 2),
              "compute; bandwidth \(Format.number(efficiency.bandwidth, decimals: 2)) (attained fractions of the ceilings, --efficiency)")

        t.section("Memory")
        t.add("weights per device", Format.number(weightBytesPerDevice / 1e9) + " GB")
        t.add("KV cache per token", Format.number(ServingStepModel.kvBytesPerToken(s, kvBytes: step.kvBytes) / 1024, decimals: 1) + " KiB",
              "2 × \(s.layers) layers × \(s.kvHeads) KV heads × \(s.headDim) × \(Format.number(step.kvBytes, decimals: 0)) B")
        t.add("KV cache per sequence", Format.number(step.kvBytesPerSequence / 1e9, decimals: 3) + " GB",
              "at \(Format.number(inputs.inputTokens + inputs.outputTokens, decimals: 0)) tokens")
        t.add("max batch by memory", "\(maxBatchByMemory)",
              "\(Format.number(kvBudgetBytesPerDevice / 1e9)) GB per device left for the KV cache")

        t.section("Batch")
        let why: String
        switch choice.limitedBy {
        case "given": why = "--batch"
        case "capacity": why = "the largest that fits in memory"
        case "max-batch": why = "the engine's limit (--max-batch)"
        default: why = "the largest meeting the latency targets; \(choice.limitedBy) binds"
        }
        t.add("batch", "\(choice.batch)", why)
        let d = expected.decode
        func ms(_ x: Double) -> String { Format.number(x * 1e3, decimals: 2) }
        t.add("decode step", Format.number(expected.decodeStepSeconds * 1e3, decimals: 2) + " ms",
              "max(weights \(ms(d.weightSeconds)), matmuls \(ms(d.matmulSeconds))) + max(KV \(ms(d.kvSeconds)), attention \(ms(d.attentionSeconds)))"
                + (d.prefillAttentionSeconds > 0 ? " + prompt attention \(ms(d.prefillAttentionSeconds))" : "")
                + " + all-reduce \(ms(d.communicationSeconds)) + host \(ms(d.overheadSeconds)) ms")
        t.add("scheduler", inputs.scheduler.rawValue,
              inputs.prefillChunk.map { "chunked prefill, \(Format.number($0, decimals: 0)) prompt tokens a step" } ?? "one prefill of the whole batch, then decode")
        t.add("binding", binding)

        t.section("Per device (expected; bound at the ceilings)")
        func pair(_ label: String, _ e: Double, _ b: Double, _ unit: String, scale: Double = 1, decimals: Int = 2) {
            let suffix = unit.isEmpty ? "" : " " + unit
            t.add(label, Format.number(e * scale, decimals: decimals) + suffix, "bound \(Format.number(b * scale, decimals: decimals))\(suffix)")
        }
        pair("prefill", expected.prefillSeconds, bound.prefillSeconds, "ms", scale: 1e3)
        pair("TTFT", expected.ttftSeconds, bound.ttftSeconds, "ms", scale: 1e3)
        pair("TPOT", expected.tpotSeconds, bound.tpotSeconds, "ms", scale: 1e3)
        pair("output tokens/s", expected.outputTokensPerSecondPerDevice, bound.outputTokensPerSecondPerDevice, "", decimals: 0)
        pair("total tokens/s", expected.totalTokensPerSecondPerDevice, bound.totalTokensPerSecondPerDevice, "", decimals: 0)
        if let e = energyKWhPerMillionTokensAtFullLoad {
            t.add("energy at full load", Format.number(e, decimals: 3) + " kWh", "per million output tokens")
        }

        if let c = calibration, let u = uncalibrated {
            t.section("Software calibration")
            t.add("scale", Format.number(c.file.factors.compute, decimals: 3),
                  (c.fitted ? "fitted to --measured-tps \(Format.number(c.file.measured, decimals: 0)), saved to \(c.path)"
                            : "\(c.path): measured \(Format.number(c.file.measured, decimals: 0)) output tokens/s per device on \(c.file.hardware)")
                  + "; compute \(Format.number(efficiency.compute, decimals: 3)), bandwidth \(Format.number(efficiency.bandwidth, decimals: 3)) of the ceilings")
            t.add("uncalibrated", Format.number(u.outputTokensPerSecondPerDevice, decimals: 0) + " output tokens/s",
                  "TPOT \(Format.number(u.tpotSeconds * 1e3, decimals: 2)) ms (default efficiencies)")
        }
        if let d = demand {
            let cur = currency ?? "(currency units)"
            t.section("Demand")
            t.add("average", Format.number(d.averageTokensPerSecond, decimals: 0) + " tokens/s", d.description)
            t.add("peak", Format.number(d.peakTokensPerSecond, decimals: 0) + " tokens/s", "× peak factor \(Format.number(d.peakFactor))")
            t.add("devices (exact)", Format.number(d.devicesExact))
            t.add("devices", Format.number(d.devices, decimals: 0), "\(Format.number(d.groups, decimals: 0)) groups of \(inputs.tp)")
            if let c = d.costCapital { t.add("capital", Format.number(c, decimals: 0) + " " + cur) }
            if let c = d.costPerDay { t.add("cost per day", Format.number(c, decimals: 0) + " " + cur) }
            if let c = d.costPerMillionTokens { t.add("cost per million tokens", Format.number(c, decimals: 4) + " " + cur) }
            if let e = d.energyKWhPerDay { t.add("energy per day", Format.number(e, decimals: 0) + " kWh", "every device at its power all day") }
            if let e = d.energyKWhPerMillionTokens { t.add("energy per million tokens", Format.number(e, decimals: 3) + " kWh", "a day's energy over a day's output tokens") }
            if let c = d.co2TonnesPerDay { t.add("CO2 per day", Format.number(c) + " t") }
        }
        t.footer = notes.map { "note: " + $0 } + warnings.map { "warning: " + $0 }
        return t.rendered()
    }
}
