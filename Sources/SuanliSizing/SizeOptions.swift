import ArgumentParser

// The size commands' options: every option group `suanli size train`, `size step` and `size serve`
// parse, declared once here and passed to the planners as parsed (the command adds only
// `--format`). Numbers `size train` and `size serve` read stay text until their planners parse
// them, so that one place parses `175B`, `1.4T` and `2.5k` and names the option in every error.
//
// An option group made with `init()` holds no values yet (swift-argument-parser traps on reading
// it): build one with `parse(_:)`, or `defaults` for every option at its default.

// MARK: - size train

/// `suanli size train` as typed on the command line, in the option groups its help lists.
public struct TrainArguments: SizingOptionGroup {
    // Untitled groups list their options under OPTIONS in this order; titled ones get their section.
    @OptionGroup public var work: TrainWorkOptions
    @OptionGroup(title: "Rate per device") public var rate: RateOptions
    @OptionGroup public var scale: TrainScaleOptions
    @OptionGroup public var communication: TrainCommunicationOptions
    @OptionGroup(title: "Money and energy") public var cost: CostOptions
    @OptionGroup public var memory: TrainMemoryOptions
    /// With parallelism options the run is sized from `suanli size step`'s iteration.
    @OptionGroup(title: "Step model (with parallelism options; see 'suanli size step')") public var stepShape: TrainStepShapeOptions
    @OptionGroup(title: "Parallelism (step model)") public var parallel: ParallelOptions

    public init() {}
}

/// `size train`'s work: parameters and tokens, or FLOPs, or PF-days; the attention term's shape.
public struct TrainWorkOptions: SizingOptionGroup {
    @Option(parsing: .unconditional, help: "Parameters N (175e9, 175B, 1.4T).")
    public var params: String?
    @Option(name: .customLong("active-params"), parsing: .unconditional, help: "Parameters active per token (mixture-of-experts).")
    public var activeParams: String?
    @Option(parsing: .unconditional, help: "Training tokens D.")
    public var tokens: String?
    @Flag(help: "Activation recomputation: 8·N·D instead of 6·N·D (Megatron-LM).")
    public var recompute = false
    @Option(parsing: .unconditional, help: "Layers L, for the attention term (with --hidden and --seq-len).")
    public var layers: String?
    @Option(parsing: .unconditional, help: "Model width (heads × head size), for the attention term.")
    public var hidden: String?
    @Option(name: .customLong("seq-len"), parsing: .unconditional, help: "Sequence length T, for the attention term.")
    public var seqLen: String?
    @Option(parsing: .unconditional, help: "Total training FLOPs, instead of --params/--tokens.")
    public var flops: String?
    @Option(name: .customLong("pf-days"), parsing: .unconditional, help: "Total training compute in PF-days (8.64e19 FLOPs each).")
    public var pfDays: String?

    public init() {}
}

/// `size train`'s scale: exactly one of devices, days or a cluster's announced peak.
public struct TrainScaleOptions: SizingOptionGroup {
    @Option(parsing: .unconditional, help: "Devices (solve for days).")
    public var devices: String?
    @Option(parsing: .unconditional, help: "Days (solve for devices).")
    public var days: String?
    @Option(name: .customLong("cluster-eflops"), parsing: .unconditional, help: "A cluster's announced peak in EFLOPS (solve for days).")
    public var clusterEFLOPS: String?

    public init() {}
}

/// `size train`'s communication: a flat loss, or the data-parallel all-reduce model.
public struct TrainCommunicationOptions: SizingOptionGroup {
    @Option(name: .customLong("interconnect-loss"), parsing: .unconditional, help: "Fraction of time lost to communication: devices = ideal / (1 − loss).")
    public var interconnectLoss: String?
    @Option(name: .customLong("global-batch-tokens"), parsing: .unconditional, help: "Tokens per step: enables the data-parallel all-reduce model.")
    public var globalBatchTokens: String?
    @Option(name: .customLong("bus-gbps"), parsing: .unconditional, help: "All-reduce bus bandwidth per device, GB/s (default: measured busbw of a --calibrate cluster file, else catalog interconnect ÷ 2).")
    public var busGBps: String?
    @Option(parsing: .unconditional, help: "Fraction of the all-reduce hidden behind compute (default 0).")
    public var overlap: String?
    @Option(name: .customLong("gradient-bytes-per-param"), parsing: .unconditional, help: "Gradient bytes per parameter all-reduced (default 2).")
    public var gradientBytesPerParam: String?

    public init() {}
}

/// `size train`'s memory check: model-state bytes per parameter and memory per device.
public struct TrainMemoryOptions: SizingOptionGroup {
    @Option(name: .customLong("bytes-per-param"), parsing: .unconditional, help: "Model-state bytes per parameter (default 16, mixed-precision Adam).")
    public var bytesPerParam: String?
    @Option(name: .customLong("memory-gb"), parsing: .unconditional, help: "Memory per device in GB (default: catalog or measured).")
    public var memoryGB: String?

    public init() {}
}

/// The shape options `size train` adds for the step model (its --layers, --hidden and --seq-len
/// serve both).
public struct TrainStepShapeOptions: SizingOptionGroup {
    @Option(help: "Model from the model catalog; with parallelism options the step model sizes the run.")
    public var model: String?
    @OptionGroup public var details: ShapeDetailOptions

    public init() {}
}

// MARK: - Rate, money and energy (size train and size serve)

/// How the per-device rate is given, as typed on the command line (numbers still text): `size
/// train`'s and `size serve`'s "Rate per device" options.
public struct RateOptions: SizingOptionGroup {
    @Option(help: "Catalog accelerator (see 'suanli size devices'); also supplies memory, TDP and interconnect.")
    public var device: String?
    @Option(help: "Precision: train, the peak or measurement (bf16, fp16, fp8, tf32, fp32; with --calibrate also mixed, fp64); serve step model, weights and activations (fp16, bf16, fp8, int8).")
    public var precision: String?
    @Option(parsing: .unconditional, help: "Model FLOPs utilization, fraction of peak sustained (default 0.4).")
    public var mfu: String?
    @Option(name: .customLong("achieved-tflops"), parsing: .unconditional, help: "Sustained TFLOPS per device, as papers report.")
    public var achievedTFLOPS: String?
    @Option(name: .customLong("peak-tflops"), parsing: .unconditional, help: "Peak TFLOPS per device (custom device), used with --mfu.")
    public var peakTFLOPS: String?
    @Option(help: ArgumentHelp("A 'suanli bench' result file: its best verified GEMM is the rate.", valueName: "results.json"))
    public var calibrate: String?
    @Option(name: .customLong("calibrate-device"), help: "Device id in the result file (default: the only GPU).")
    public var calibrateDevice: String?
    @Option(parsing: .unconditional, help: "End-to-end rate as a fraction of the measured GEMM rate (default 0.6).")
    public var utilization: String?

    public init() {}
}

/// Money and energy options, as typed (numbers still text).
public struct CostOptions: SizingOptionGroup {
    @Option(name: .customLong("price-per-device"), parsing: .unconditional, help: "Capital price of one device.")
    public var pricePerDevice: String?
    @Option(name: .customLong("price-per-device-hour"), parsing: .unconditional, help: "Price of one device-hour (rental or operating).")
    public var pricePerDeviceHour: String?
    @Option(help: "Currency label for prices, e.g. USD or CNY.")
    public var currency: String?
    @Option(name: .customLong("power-watts"), parsing: .unconditional, help: "Power per device in W (default: catalog TDP).")
    public var powerWatts: String?
    @Option(parsing: .unconditional, help: "Power usage effectiveness of the facility (default 1.0).")
    public var pue: String?
    @Option(name: .customLong("carbon-kg-per-kwh"), parsing: .unconditional, help: "Grid carbon intensity, kg CO2 per kWh.")
    public var carbonKgPerKWh: String?

    public init() {}
}

// MARK: - size step (and size train's step model)

/// A number as people write it (`175B`, `15.6T`, `2.5k`), parsed once; the command line builds it
/// through `ExpressibleByArgument`. Only finite values parse.
public struct Amount: Sendable, Equatable, CustomStringConvertible {
    public var value: Double
    public var text: String

    public init?(parsing text: String) {
        guard let value = Quantity.parse(text), value.isFinite else { return nil }
        self.value = value
        self.text = text
    }

    public init(_ value: Double) {
        self.value = value
        text = Format.short(value)
    }

    public var description: String { text }
}

/// `suanli size step` as typed on the command line: the option groups the command parses, passed
/// to `StepPlanner` as they are (`size train` with parallelism builds one from its own groups).
public struct StepOptions: SizingOptionGroup {
    @OptionGroup(title: "Model") public var shape: StepShapeOptions
    @OptionGroup(title: "Parallelism") public var parallel: ParallelOptions
    @Option(help: "Activation recomputation: none, selective or full.")
    public var recompute: Recompute = .none
    @Option(name: .customLong("gradient-bytes-per-param"), help: "Bytes per gradient element in the DP reduction (default 2).")
    public var gradientBytesPerParam: Amount?
    @Option(help: "Catalog accelerator (see 'suanli size devices').")
    public var device: String?
    @Option(help: "Catalog precision for the peak (default bf16).")
    public var precision: String?
    @Option(help: ArgumentHelp("A 'suanli bench' result file: GEMM rates by shape (--sweep), stream bandwidth, all-reduce busbw.", valueName: "results.json"))
    public var calibrate: String?
    @Option(name: .customLong("calibrate-device"), help: "Device id in the result file.")
    public var calibrateDevice: String?
    @Option(help: "Training tokens: adds days and device-hours.")
    public var tokens: Amount?

    public init() {}
}

/// The model: `--model NAME` or a shape (shape options override the catalog's figures).
public struct StepShapeOptions: SizingOptionGroup {
    @Option(help: "Model from the model catalog (gpt3-175b, bloom-176b, mt-nlg-530b, opt-175b, llama2-70b, llama3-405b, …); shape options override its figures.")
    public var model: String?
    @Option(help: "Transformer layers.") public var layers: Int?
    @Option(help: "Model width (heads × head size).") public var hidden: Int?
    @OptionGroup public var details: ShapeDetailOptions
    @Option(name: .customLong("seq-len"), help: "Sequence length in tokens.") public var seqLen: Int?

    public init() {}
}

/// The shape beyond layers, width and sequence: `size step`'s and the step model of `size train`
/// (which has its own --layers, --hidden and --seq-len for the attention term).
public struct ShapeDetailOptions: SizingOptionGroup {
    @Option(help: "Attention heads.") public var heads: Int?
    @Option(name: .customLong("kv-heads"), help: "Key/value heads (grouped-query attention; default: heads).") public var kvHeads: Int?
    @Option(help: "MLP width (default 4 × hidden).") public var ffn: Int?
    @Flag(name: .customLong("gated-ffn"), help: "Gated MLP (SwiGLU): three hidden × ffn matrices.") public var gatedFFN = false
    @Flag(name: .customLong("untied-embeddings"), help: "The output layer does not share the token embedding.") public var untiedEmbeddings = false
    @Option(help: "Vocabulary size (padded to a multiple of 128 × TP, as Megatron-LM does).") public var vocab: Int?

    public init() {}

    /// Whether any detail is given.
    public var isEmpty: Bool {
        heads == nil && kvHeads == nil && ffn == nil && !gatedFFN && !untiedEmbeddings && vocab == nil
    }
}

/// Where a fitted calibration is written and which one applies: `size step` and `size train`
/// (with --measured-iteration) and `size serve` (with --measured-tps).
public struct CalibrationFileOptions: SizingOptionGroup {
    @Option(name: .customLong("save-calibration"), help: ArgumentHelp("Where to write the calibration fitted to the measured figure (--measured-iteration, --measured-tps): JSON, written atomically.", valueName: "file"))
    public var saveCalibration: String?
    @Option(help: ArgumentHelp("A calibration from --save-calibration: applies it and reports the calibrated and uncalibrated figures.", valueName: "file"))
    public var calibration: String?

    public init() {}
}

/// Parallel layout, links and the software calibration: `size step`'s and `size train`'s.
public struct ParallelOptions: SizingOptionGroup {
    @Option(parsing: .unconditional, help: "Tensor parallelism.") public var tp: Int = 1
    @Option(parsing: .unconditional, help: "Pipeline parallelism.") public var pp: Int = 1
    @Option(parsing: .unconditional, help: "Data parallelism.") public var dp: Int = 1
    @Option(parsing: .unconditional, help: "Context parallelism (sequence split across devices).") public var cp: Int = 1
    @Option(parsing: .unconditional, help: "Sequences per micro-batch.") public var microbatch: Int = 1
    @Option(name: .customLong("global-batch"), parsing: .unconditional, help: "Sequences per iteration across all replicas.") public var globalBatch: Int?
    @Option(parsing: .unconditional, help: "Model chunks per pipeline stage (interleaved 1F1B).") public var interleave: Int = 1
    @Flag(name: .customLong("sequence-parallel"), help: "Shard norms and dropout over TP (reduce-scatter + all-gather).") public var sequenceParallel = false
    @Option(parsing: .unconditional, help: "ZeRO stage 0-3 over data parallelism.") public var zero: Int = 0
    @Option(name: .customLong("gpus-per-node"), parsing: .unconditional, help: "Devices per node on the intra-node link.") public var gpusPerNode: Int = 8
    @Flag(name: .customLong("balance-embedding"), help: "First and last pipeline stages hold one layer fewer (the embedding and output layers take a slot each).") public var balanceEmbedding = false
    @Flag(name: .customLong("overlap-grad-reduce"), help: "Overlap the DP gradient reduction with the last micro-batch's backward pass.") public var overlapGradReduce = false
    @Flag(name: .customLong("overlap-param-gather"), help: "With ZeRO ≥ 1: hide the weight all-gather behind one micro-batch's forward pass (Megatron-LM --overlap-param-gather).") public var overlapParamGather = false
    @Flag(name: .customLong("tp-comm-overlap"), help: "With --sequence-parallel: overlap the TP all-gathers and reduce-scatters with the GEMMs beside them (Megatron-LM --tp-comm-overlap, Transformer Engine userbuffers).") public var tpCommOverlap = false
    @Option(help: "Attention kernel: flash or materialized (scores in memory, as before FlashAttention).") public var attention: AttentionKernel = .flash
    @Option(name: .customLong("intra-node-gbps"), help: "Intra-node link per device, GB/s one direction (default: catalog NVLink ÷ 2, or a measured cluster file).") public var intraNodeGBps: Amount?
    @Option(name: .customLong("inter-node-gbps"), help: "Inter-node network per device, GB/s (default: catalog scale-out, or a measured cluster file).") public var interNodeGBps: Amount?
    @Flag(name: .customLong("ignore-memory"), help: "Report a layout that does not fit in device memory instead of refusing it.") public var ignoreMemory = false
    @Option(name: .customLong("measured-iteration"), parsing: .unconditional, help: ArgumentHelp("Seconds per iteration measured on your stack for this configuration: fits the stack's software efficiencies (needs --save-calibration).", valueName: "seconds"))
    public var measuredIteration: Amount?
    @OptionGroup public var calibrationFile: CalibrationFileOptions

    public init() {}

    /// Whether any layout option differs from a single device (`size train` then runs the step model).
    public var describesParallelism: Bool {
        tp != 1 || pp != 1 || dp != 1 || cp != 1 || globalBatch != nil || interleave != 1
            || sequenceParallel || zero != 0 || balanceEmbedding || overlapGradReduce || overlapParamGather
            || tpCommOverlap
    }

    /// Whether a micro-batch, link, memory or calibration option is given (they mean nothing
    /// without a layout).
    public var describesStepSettings: Bool {
        microbatch != 1 || intraNodeGBps != nil || interNodeGBps != nil || attention != .flash || ignoreMemory || gpusPerNode != 8
            || measuredIteration != nil || calibrationFile.saveCalibration != nil || calibrationFile.calibration != nil
    }
}

extension Recompute: ExpressibleByArgument {}
extension AttentionKernel: ExpressibleByArgument {}
extension Amount: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

/// An option group of the size commands (every group in this file).
public protocol SizingOptionGroup: ParsableArguments, Sendable {}

extension SizingOptionGroup {
    /// Every option at its default, as the command line gives them when none is typed. A group
    /// that cannot parse from nothing (a required option) is a programming error.
    public static var defaults: Self {
        do { return try parse([]) } catch { preconditionFailure("\(Self.self) does not parse from no arguments: \(error)") }
    }
}

// MARK: - size serve

/// `suanli size serve` as typed on the command line, in the option groups its help lists. With a
/// model shape (`--model` or `--layers …`) the step model reads it (`ServingPlanner`); with only
/// `--params` the single-rule rough bound (`RoughServePlanner`); each refuses the other's options
/// by name (`ServeRouter`).
public struct ServeArguments: SizingOptionGroup {
    @OptionGroup public var shape: ServeShapeOptions
    @OptionGroup public var roughModel: RoughServeModelOptions
    @OptionGroup public var engine: ServeEngineOptions
    @OptionGroup public var workload: ServeWorkloadOptions
    @OptionGroup public var demand: DemandOptions
    @OptionGroup(title: "Rate per device") public var rate: RateOptions
    @OptionGroup public var hardware: ServeHardwareOptions
    @OptionGroup(title: "Money and energy") public var cost: CostOptions

    public init() {}
}

/// `size serve`'s model shape (the step model).
public struct ServeShapeOptions: SizingOptionGroup {
    @Option(help: "Model from the model catalog (e.g. llama3.3-70b, llama3.1-70b, llama2-70b).")
    public var model: String?
    @Option(parsing: .unconditional, help: "Layers (step model, with --hidden --heads --vocab).")
    public var layers: String?
    @Option(parsing: .unconditional, help: "Model width (heads × head size).")
    public var hidden: String?
    @Option(parsing: .unconditional, help: "Attention heads.")
    public var heads: String?
    @Option(name: .customLong("kv-heads"), parsing: .unconditional, help: "Key/value heads (grouped-query attention; default: --heads).")
    public var kvHeads: String?
    @Option(parsing: .unconditional, help: "MLP inner width (default 4 × hidden).")
    public var ffn: String?
    @Flag(name: .customLong("gated-ffn"), help: "Gated MLP (SwiGLU): three hidden × ffn matrices.")
    public var gatedFFN = false
    @Option(parsing: .unconditional, help: "Vocabulary size.")
    public var vocab: String?

    public init() {}

    /// Whether a model shape is given (by name or by its dimensions): then the step model runs.
    public var describesModel: Bool {
        model != nil || [layers, hidden, heads, kvHeads, ffn, vocab].contains { $0 != nil } || gatedFFN
    }
}

/// The rough bound's model: parameters only.
public struct RoughServeModelOptions: SizingOptionGroup {
    @Option(parsing: .unconditional, help: "Parameters N (rough bound only, without a model shape).")
    public var params: String?
    @Option(name: .customLong("active-params"), parsing: .unconditional, help: "Parameters active per token (rough bound, mixture-of-experts).")
    public var activeParams: String?

    public init() {}
}

/// The serving engine of the step model: KV precision, tensor parallelism, a software calibration.
public struct ServeEngineOptions: SizingOptionGroup {
    @Option(name: .customLong("kv-precision"), help: "KV cache: fp16, bf16, fp8, int8 (default 16-bit).")
    public var kvPrecision: String?
    @Option(parsing: .unconditional, help: "Tensor-parallel devices per model copy (default 1).")
    public var tp: String?
    /// Devices per node on the NVLink-class link (default 8); a TP group beyond it crosses the network.
    @Option(name: .customLong("gpus-per-node"), parsing: .unconditional, help: "Devices per node on NVLink (default 8); a larger --tp runs its all-reduces over the scale-out network.")
    public var gpusPerNode: String?
    @Option(name: .customLong("measured-tps"), parsing: .unconditional, help: ArgumentHelp("Output tokens/s per device measured on your engine for this configuration: fits its efficiency (needs --save-calibration).", valueName: "N"))
    public var measuredTPS: String?
    @OptionGroup public var calibrationFile: CalibrationFileOptions

    public init() {}
}

/// Requests, batch, efficiency, scheduler and latency targets; `--batch` is also the rough bound's.
public struct ServeWorkloadOptions: SizingOptionGroup {
    @Option(name: .customLong("input-tokens"), parsing: .unconditional, help: "Prompt tokens per request.")
    public var inputTokens: String?
    @Option(name: .customLong("output-tokens"), parsing: .unconditional, help: "Generated tokens per request.")
    public var outputTokens: String?
    @Option(parsing: .unconditional, help: "Sequences in flight (step model; default: the largest that fits and meets the targets). Rough bound: per decode step (default 32).")
    public var batch: String?
    @Option(name: .customLong("max-batch"), parsing: .unconditional, help: "The engine's batch limit (e.g. vLLM max_num_seqs).")
    public var maxBatch: String?
    @Option(parsing: .unconditional, help: "Attained fraction of the ceilings: F, or compute=F,bandwidth=G (default compute 0.5 of peak / 0.7 of a measured GEMM, bandwidth 0.85).")
    public var efficiency: String?
    @Option(name: .customLong("memory-utilization"), parsing: .unconditional, help: "Fraction of device memory for weights and KV cache (default 0.9).")
    public var memoryUtilization: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("How the engine batches: continuous (in-flight batching with chunked prefill; default) or static (a fixed batch: one prefill, then decode).", valueName: "static|continuous"))
    public var scheduler: String?
    @Option(name: .customLong("prefill-chunk"), parsing: .unconditional, help: ArgumentHelp("Prompt tokens a continuous step takes beside its decode tokens (default 8192, TensorRT-LLM's max_num_tokens).", valueName: "N"))
    public var prefillChunk: String?
    @Option(name: .customLong("step-overhead"), parsing: .unconditional, help: ArgumentHelp("Host time added to every step, seconds (default 0.0006; see Docs/sizing.md).", valueName: "SECONDS"))
    public var stepOverhead: String?
    @Option(name: .customLong("slo-ttft"), parsing: .unconditional, help: "Time-to-first-token target, seconds (median; see Docs/sizing.md).")
    public var sloTTFT: String?
    @Option(name: .customLong("slo-tpot"), parsing: .unconditional, help: "Time-per-output-token target, seconds (median; see Docs/sizing.md).")
    public var sloTPOT: String?

    public init() {}
}

/// Weights, memory and links per device for serving: given figures over the catalog's or measured ones.
public struct ServeHardwareOptions: SizingOptionGroup {
    @Option(name: .customLong("bytes-per-param"), parsing: .unconditional, help: "Weight bytes per parameter (rough bound; default 2, bf16).")
    public var bytesPerParam: String?
    @Option(name: .customLong("bandwidth-gbps"), parsing: .unconditional, help: "Memory bandwidth per device, GB/s (default: measured stream or catalog HBM).")
    public var bandwidthGBps: String?
    @Option(name: .customLong("memory-gb"), parsing: .unconditional, help: "Memory per device in GB (default: catalog or measured).")
    public var memoryGB: String?
    @Option(name: .customLong("bus-gbps"), parsing: .unconditional, help: "Tensor-parallel all-reduce bus bandwidth, GB/s (default: measured curve of a cluster --calibrate file, else catalog interconnect ÷ 2).")
    public var busGBps: String?

    public init() {}
}

/// The demand options of `suanli size serve`, as typed (numbers still text). Both serving models
/// read them through `ServeDemand.parse`; the rough bound takes no request size, so neither
/// `--requests-per-second` nor `--peak-factor`.
public struct DemandOptions: SizingOptionGroup {
    @Option(parsing: .unconditional, help: "Daily active users.")
    public var dau: String?
    @Option(name: .customLong("tokens-per-user"), parsing: .unconditional, help: "Generated tokens per user per day.")
    public var tokensPerUser: String?
    @Option(name: .customLong("requests-per-second"), parsing: .unconditional, help: "Requests per second (daily average; step model).")
    public var requestsPerSecond: String?
    @Option(name: .customLong("tokens-per-second"), parsing: .unconditional, help: "Generated tokens per second, instead of --dau.")
    public var tokensPerSecond: String?
    @Option(name: .customLong("peak-factor"), parsing: .unconditional, help: "Peak-hour demand over the daily average (default 1; services typically run 2–3).")
    public var peakFactor: String?

    public init() {}

    /// Whether any demand option is given.
    public var isEmpty: Bool {
        [dau, tokensPerUser, requestsPerSecond, tokensPerSecond, peakFactor].allSatisfy { $0 == nil }
    }
}
