import ArgumentParser
import Foundation
import SuanliCore
import SuanliSizing

/// `suanli size`: accelerators, days, cost and energy to train or serve a model.
/// A thin shell: options are copied as text into `SuanliSizing`'s argument structs,
/// which parse, validate and compute. See Docs/sizing.md.
struct SizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "Accelerators, days, cost and energy to train or serve a model.",
        discussion: """
            Numbers accept suffixes: 175e9, 175B, 1.4T, 300M, 2.5k. Exit codes: 0 success, \
            64 bad or contradictory options, 65 unusable data file (results or catalog).
            """,
        subcommands: [SizeTrain.self, SizeStep.self, SizeServe.self, SizeDevices.self]
    )
}

enum SizeOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Prints a sizing error as one line on stderr and exits with its documented code.
func failSizing(_ error: Error) -> Error {
    let message: String
    let code: Int32
    if let e = error as? ResultValidationError {
        // A result file whose figures cannot be true (--calibrate): exit 5, as compare and report.
        message = e.description
        code = ResultValidationError.exitCode
    } else if let e = error as? SizingError {
        message = e.description
        code = e.exitCode
    } else {
        message = String(describing: error)
        code = 1
    }
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    return ExitCode(code)
}

/// What a sizing command prints: a table for people, or JSON.
protocol SizingAnswer {
    var table: String { get }
    var json: JSONValue { get }
}

extension TrainReport: SizingAnswer {}
extension StepReport: SizingAnswer {}
extension ServeRouter.Answer: SizingAnswer {}

/// The accelerator catalog as `size devices` lists it.
struct CatalogAnswer: SizingAnswer {
    let table: String
    let json: JSONValue
}

/// Prints a sizing answer in `format`; a sizing error becomes one line on stderr and its
/// documented exit code.
func printSizing(_ format: SizeOutputFormat, _ answer: () throws -> any SizingAnswer) throws {
    do {
        let answer = try answer()
        print(format == .json ? answer.json.rendered() : answer.table, terminator: format == .json ? "\n" : "")
    } catch {
        throw failSizing(error)
    }
}

struct SizeRateOptions: ParsableArguments {
    @Option(help: "Catalog accelerator (see 'suanli size devices'); also supplies memory, TDP and interconnect.")
    var device: String?
    @Option(help: "Precision: train, the peak or measurement (bf16, fp16, fp8, tf32, fp32; with --calibrate also mixed, fp64); serve step model, weights and activations (fp16, bf16, fp8, int8).")
    var precision: String?
    @Option(parsing: .unconditional, help: "Model FLOPs utilization, fraction of peak sustained (default 0.4).")
    var mfu: String?
    @Option(name: .customLong("achieved-tflops"), parsing: .unconditional, help: "Sustained TFLOPS per device, as papers report.")
    var achievedTFLOPS: String?
    @Option(name: .customLong("peak-tflops"), parsing: .unconditional, help: "Peak TFLOPS per device (custom device), used with --mfu.")
    var peakTFLOPS: String?
    @Option(help: ArgumentHelp("A 'suanli bench' result file: its best verified GEMM is the rate.", valueName: "results.json"))
    var calibrate: String?
    @Option(name: .customLong("calibrate-device"), help: "Device id in the result file (default: the only GPU).")
    var calibrateDevice: String?
    @Option(parsing: .unconditional, help: "End-to-end rate as a fraction of the measured GEMM rate (default 0.6).")
    var utilization: String?

    var library: RateOptions {
        RateOptions(
            device: device, precision: precision, mfu: mfu, achievedTFLOPS: achievedTFLOPS,
            peakTFLOPS: peakTFLOPS, calibrate: calibrate, calibrateDevice: calibrateDevice, utilization: utilization)
    }

    /// The serving step model reads the device, its precision and its figures (the router refuses
    /// the rough bound's rate options there).
    func apply(to a: inout ServingArguments) {
        a.precision = precision; a.hardware.device = device; a.hardware.calibrate = calibrate
        a.hardware.calibrateDevice = calibrateDevice; a.hardware.peakTFLOPS = peakTFLOPS
    }

    /// Training reads them all.
    func apply(to a: inout TrainArguments) {
        a.rate = library
    }
}

struct SizeCostOptions: ParsableArguments {
    @Option(name: .customLong("price-per-device"), parsing: .unconditional, help: "Capital price of one device.")
    var pricePerDevice: String?
    @Option(name: .customLong("price-per-device-hour"), parsing: .unconditional, help: "Price of one device-hour (rental or operating).")
    var pricePerDeviceHour: String?
    @Option(help: "Currency label for prices, e.g. USD or CNY.")
    var currency: String?
    @Option(name: .customLong("power-watts"), parsing: .unconditional, help: "Power per device in W (default: catalog TDP).")
    var powerWatts: String?
    @Option(parsing: .unconditional, help: "Power usage effectiveness of the facility (default 1.0).")
    var pue: String?
    @Option(name: .customLong("carbon-kg-per-kwh"), parsing: .unconditional, help: "Grid carbon intensity, kg CO2 per kWh.")
    var carbonKgPerKWh: String?

    var library: CostOptions {
        CostOptions(
            pricePerDevice: pricePerDevice, pricePerDeviceHour: pricePerDeviceHour, currency: currency,
            powerWatts: powerWatts, pue: pue, carbonKgPerKWh: carbonKgPerKWh)
    }

    func apply(to a: inout TrainArguments) {
        a.cost = library
    }
}

/// `size serve`'s model shape (the step model), as text for the library to parse.
struct SizeServeShapeOptions: ParsableArguments {
    @Option(help: "Model from the model catalog (e.g. llama3.3-70b, llama3.1-70b, llama2-70b).")
    var model: String?
    @Option(parsing: .unconditional, help: "Layers (step model, with --hidden --heads --vocab).")
    var layers: String?
    @Option(parsing: .unconditional, help: "Model width (heads × head size).")
    var hidden: String?
    @Option(parsing: .unconditional, help: "Attention heads.")
    var heads: String?
    @Option(name: .customLong("kv-heads"), parsing: .unconditional, help: "Key/value heads (grouped-query attention; default: --heads).")
    var kvHeads: String?
    @Option(parsing: .unconditional, help: "MLP inner width (default 4 × hidden).")
    var ffn: String?
    @Flag(name: .customLong("gated-ffn"), help: "Gated MLP (SwiGLU): three hidden × ffn matrices.")
    var gatedFFN = false
    @Option(parsing: .unconditional, help: "Vocabulary size.")
    var vocab: String?

    func apply(to a: inout ServingArguments) {
        a.model = model; a.layers = layers; a.hidden = hidden; a.heads = heads; a.kvHeads = kvHeads; a.ffn = ffn
        a.gatedFFN = gatedFFN; a.vocab = vocab
    }
}

/// The rough bound's model: parameters only.
struct SizeRoughServeModelOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Parameters N (rough bound only, without a model shape).")
    var params: String?
    @Option(name: .customLong("active-params"), parsing: .unconditional, help: "Parameters active per token (rough bound, mixture-of-experts).")
    var activeParams: String?

    func apply(to a: inout RoughServeArguments) {
        a.params = params; a.activeParams = activeParams
    }
}

/// The serving engine of the step model: KV precision, tensor parallelism, a software calibration.
struct SizeServeEngineOptions: ParsableArguments {
    @Option(name: .customLong("kv-precision"), help: "KV cache: fp16, bf16, fp8, int8 (default 16-bit).")
    var kvPrecision: String?
    @Option(parsing: .unconditional, help: "Tensor-parallel devices per model copy (default 1).")
    var tp: String?
    @Option(name: .customLong("gpus-per-node"), parsing: .unconditional, help: "Devices per node on NVLink (default 8); a larger --tp runs its all-reduces over the scale-out network.")
    var gpusPerNode: String?
    @Option(name: .customLong("measured-tps"), parsing: .unconditional, help: ArgumentHelp("Output tokens/s per device measured on your engine for this configuration: fits its efficiency (needs --save-calibration).", valueName: "N"))
    var measuredTPS: String?
    @OptionGroup var calibrationFile: SizeCalibrationFileOptions

    func apply(to a: inout ServingArguments) {
        a.kvPrecision = kvPrecision; a.tp = tp; a.gpusPerNode = gpusPerNode; a.measuredTPS = measuredTPS
        a.saveCalibration = calibrationFile.saveCalibration; a.calibration = calibrationFile.calibration
    }
}

/// Requests, batch, efficiency, scheduler and latency targets; `--batch` is also the rough bound's.
struct SizeServeWorkloadOptions: ParsableArguments {
    @Option(name: .customLong("input-tokens"), parsing: .unconditional, help: "Prompt tokens per request.")
    var inputTokens: String?
    @Option(name: .customLong("output-tokens"), parsing: .unconditional, help: "Generated tokens per request.")
    var outputTokens: String?
    @Option(parsing: .unconditional, help: "Sequences in flight (step model; default: the largest that fits and meets the targets). Rough bound: per decode step (default 32).")
    var batch: String?
    @Option(name: .customLong("max-batch"), parsing: .unconditional, help: "The engine's batch limit (e.g. vLLM max_num_seqs).")
    var maxBatch: String?
    @Option(parsing: .unconditional, help: "Attained fraction of the ceilings: F, or compute=F,bandwidth=G (default compute 0.5 of peak / 0.7 of a measured GEMM, bandwidth 0.85).")
    var efficiency: String?
    @Option(name: .customLong("memory-utilization"), parsing: .unconditional, help: "Fraction of device memory for weights and KV cache (default 0.9).")
    var memoryUtilization: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("How the engine batches: continuous (in-flight batching with chunked prefill; default) or static (a fixed batch: one prefill, then decode).", valueName: "static|continuous"))
    var scheduler: String?
    @Option(name: .customLong("prefill-chunk"), parsing: .unconditional, help: ArgumentHelp("Prompt tokens a continuous step takes beside its decode tokens (default 8192, TensorRT-LLM's max_num_tokens).", valueName: "N"))
    var prefillChunk: String?
    @Option(name: .customLong("step-overhead"), parsing: .unconditional, help: ArgumentHelp("Host time added to every step, seconds (default 0.0006; see Docs/sizing.md).", valueName: "SECONDS"))
    var stepOverhead: String?
    @Option(name: .customLong("slo-ttft"), parsing: .unconditional, help: "Time-to-first-token target, seconds (median; see Docs/sizing.md).")
    var sloTTFT: String?
    @Option(name: .customLong("slo-tpot"), parsing: .unconditional, help: "Time-per-output-token target, seconds (median; see Docs/sizing.md).")
    var sloTPOT: String?

    func apply(to a: inout ServingArguments) {
        a.inputTokens = inputTokens; a.outputTokens = outputTokens; a.batch = batch; a.maxBatch = maxBatch
        a.efficiency = efficiency; a.memoryUtilization = memoryUtilization; a.scheduler = scheduler
        a.prefillChunk = prefillChunk; a.stepOverhead = stepOverhead; a.sloTTFT = sloTTFT; a.sloTPOT = sloTPOT
    }

    func apply(to a: inout RoughServeArguments) {
        a.batch = batch
    }
}

/// The serving demand, read by both serving models.
struct SizeDemandOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Daily active users.")
    var dau: String?
    @Option(name: .customLong("tokens-per-user"), parsing: .unconditional, help: "Generated tokens per user per day.")
    var tokensPerUser: String?
    @Option(name: .customLong("requests-per-second"), parsing: .unconditional, help: "Requests per second (daily average; step model).")
    var requestsPerSecond: String?
    @Option(name: .customLong("tokens-per-second"), parsing: .unconditional, help: "Generated tokens per second, instead of --dau.")
    var tokensPerSecond: String?
    @Option(name: .customLong("peak-factor"), parsing: .unconditional, help: "Peak-hour demand over the daily average (default 1; services typically run 2–3).")
    var peakFactor: String?

    var library: DemandOptions {
        DemandOptions(
            dau: dau, tokensPerUser: tokensPerUser, requestsPerSecond: requestsPerSecond, tokensPerSecond: tokensPerSecond,
            peakFactor: peakFactor)
    }
}

/// Weights, memory and links per device for serving: given figures over the catalog's or measured ones.
struct SizeServeHardwareOptions: ParsableArguments {
    @Option(name: .customLong("bytes-per-param"), parsing: .unconditional, help: "Weight bytes per parameter (rough bound; default 2, bf16).")
    var bytesPerParam: String?
    @Option(name: .customLong("bandwidth-gbps"), parsing: .unconditional, help: "Memory bandwidth per device, GB/s (default: measured stream or catalog HBM).")
    var bandwidthGBps: String?
    @Option(name: .customLong("memory-gb"), parsing: .unconditional, help: "Memory per device in GB (default: catalog or measured).")
    var memoryGB: String?
    @Option(name: .customLong("bus-gbps"), parsing: .unconditional, help: "Tensor-parallel all-reduce bus bandwidth, GB/s (default: measured curve of a cluster --calibrate file, else catalog interconnect ÷ 2).")
    var busGBps: String?

    func apply(to a: inout ServingArguments) {
        a.hardware.bandwidthGBps = bandwidthGBps; a.hardware.memoryGB = memoryGB; a.hardware.busGBps = busGBps
    }

    func apply(to a: inout RoughServeArguments) {
        a.bytesPerParam = bytesPerParam; a.bandwidthGBps = bandwidthGBps; a.memoryGB = memoryGB
    }
}

/// `size train`'s work: parameters and tokens, or FLOPs, or PF-days; the attention term's shape.
struct SizeTrainWorkOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Parameters N (175e9, 175B, 1.4T).")
    var params: String?
    @Option(name: .customLong("active-params"), parsing: .unconditional, help: "Parameters active per token (mixture-of-experts).")
    var activeParams: String?
    @Option(parsing: .unconditional, help: "Training tokens D.")
    var tokens: String?
    @Flag(help: "Activation recomputation: 8·N·D instead of 6·N·D (Megatron-LM).")
    var recompute = false
    @Option(parsing: .unconditional, help: "Layers L, for the attention term (with --hidden and --seq-len).")
    var layers: String?
    @Option(parsing: .unconditional, help: "Model width (heads × head size), for the attention term.")
    var hidden: String?
    @Option(name: .customLong("seq-len"), parsing: .unconditional, help: "Sequence length T, for the attention term.")
    var seqLen: String?
    @Option(parsing: .unconditional, help: "Total training FLOPs, instead of --params/--tokens.")
    var flops: String?
    @Option(name: .customLong("pf-days"), parsing: .unconditional, help: "Total training compute in PF-days (8.64e19 FLOPs each).")
    var pfDays: String?

    func apply(to a: inout TrainArguments) {
        a.params = params; a.activeParams = activeParams; a.tokens = tokens; a.recompute = recompute; a.layers = layers
        a.hidden = hidden; a.seqLen = seqLen; a.flops = flops; a.pfDays = pfDays
    }
}

/// `size train`'s scale: exactly one of devices, days or a cluster's announced peak.
struct SizeTrainScaleOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Devices (solve for days).")
    var devices: String?
    @Option(parsing: .unconditional, help: "Days (solve for devices).")
    var days: String?
    @Option(name: .customLong("cluster-eflops"), parsing: .unconditional, help: "A cluster's announced peak in EFLOPS (solve for days).")
    var clusterEFLOPS: String?

    func apply(to a: inout TrainArguments) {
        a.devices = devices; a.days = days; a.clusterEFLOPS = clusterEFLOPS
    }
}

/// `size train`'s communication: a flat loss, or the data-parallel all-reduce model.
struct SizeTrainCommunicationOptions: ParsableArguments {
    @Option(name: .customLong("interconnect-loss"), parsing: .unconditional, help: "Fraction of time lost to communication: devices = ideal / (1 − loss).")
    var interconnectLoss: String?
    @Option(name: .customLong("global-batch-tokens"), parsing: .unconditional, help: "Tokens per step: enables the data-parallel all-reduce model.")
    var globalBatchTokens: String?
    @Option(name: .customLong("bus-gbps"), parsing: .unconditional, help: "All-reduce bus bandwidth per device, GB/s (default: measured busbw of a --calibrate cluster file, else catalog interconnect ÷ 2).")
    var busGBps: String?
    @Option(parsing: .unconditional, help: "Fraction of the all-reduce hidden behind compute (default 0).")
    var overlap: String?
    @Option(name: .customLong("gradient-bytes-per-param"), parsing: .unconditional, help: "Gradient bytes per parameter all-reduced (default 2).")
    var gradientBytesPerParam: String?

    func apply(to a: inout TrainArguments) {
        a.interconnectLoss = interconnectLoss; a.globalBatchTokens = globalBatchTokens; a.busGBps = busGBps
        a.overlap = overlap; a.gradientBytesPerParam = gradientBytesPerParam
    }
}

/// `size train`'s memory check: model-state bytes per parameter and memory per device.
struct SizeTrainMemoryOptions: ParsableArguments {
    @Option(name: .customLong("bytes-per-param"), parsing: .unconditional, help: "Model-state bytes per parameter (default 16, mixed-precision Adam).")
    var bytesPerParam: String?
    @Option(name: .customLong("memory-gb"), parsing: .unconditional, help: "Memory per device in GB (default: catalog or measured).")
    var memoryGB: String?

    func apply(to a: inout TrainArguments) {
        a.bytesPerParam = bytesPerParam; a.memoryGB = memoryGB
    }
}

struct SizeTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Devices and days (or days for devices) to train a model, with cost, energy and memory.",
        discussion: """
            Work: --params N --tokens D (6·N·D; --recompute for 8·N·D), or --flops X, or --pf-days X.
            Rate: --device NAME [--precision P] [--mfu F], --achieved-tflops X, --peak-tflops X [--mfu F], \
            or --calibrate RESULTS.json [--utilization U].
            Scale, exactly one: --devices N, --days D, --cluster-eflops X.
            Example (the article's arithmetic): suanli size train --pf-days 3640 --peak-tflops 600 --mfu 1 --days 1
            """
    )

    // Untitled groups list their options under OPTIONS in this order; titled ones get their section.
    @OptionGroup var work: SizeTrainWorkOptions
    @OptionGroup(title: "Rate per device") var rate: SizeRateOptions
    @OptionGroup var scale: SizeTrainScaleOptions
    @OptionGroup var communication: SizeTrainCommunicationOptions
    @OptionGroup(title: "Money and energy") var cost: SizeCostOptions
    @OptionGroup var memory: SizeTrainMemoryOptions
    @OptionGroup(title: "Step model (with parallelism options; see 'suanli size step')") var stepShape: SizeTrainShapeOptions
    @OptionGroup(title: "Parallelism (step model)") var parallel: SizeParallelOptions

    @Option(help: "Output: table or json.")
    var format: SizeOutputFormat = .table

    var arguments: TrainArguments {
        var a = TrainArguments()
        work.apply(to: &a)
        rate.apply(to: &a)
        scale.apply(to: &a)
        communication.apply(to: &a)
        cost.apply(to: &a)
        memory.apply(to: &a)
        var step = StepOptions()
        stepShape.apply(to: &step)
        parallel.apply(to: &step)
        a.step = step
        return a
    }

    func run() throws {
        try printSizing(format) { try TrainPlanner.plan(arguments, catalog: try Catalog.embedded(), models: try ModelCatalog.embedded()) }
    }
}

struct SizeServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serving: prefill, decode with KV cache, batch, latency targets, and devices for a demand.",
        discussion: """
            Step model (give the model): --model NAME or --layers --hidden --heads [--kv-heads] [--ffn] [--gated-ffn] --vocab, \
            --input-tokens N --output-tokens M, hardware from --device, --calibrate RESULTS.json or explicit figures. \
            Per device: prefill, TTFT, TPOT, output tokens/s, KV cache, the largest batch that fits, and what binds. \
            --slo-ttft/--slo-tpot choose the largest batch meeting them; --dau with --tokens-per-user, \
            --requests-per-second or --tokens-per-second (× --peak-factor) give devices, cost and energy.
            Rough bound (no shape): --params N with --dau/--tokens-per-user or --tokens-per-second; one rule per constraint.
            Example: suanli size serve --model llama3.3-70b --device h100 --tp 2 --precision fp8 --input-tokens 1000 --output-tokens 1000
            """
    )

    @OptionGroup var shape: SizeServeShapeOptions
    @OptionGroup var roughModel: SizeRoughServeModelOptions
    @OptionGroup var engine: SizeServeEngineOptions
    @OptionGroup var workload: SizeServeWorkloadOptions
    @OptionGroup var demand: SizeDemandOptions
    @OptionGroup(title: "Rate per device") var rate: SizeRateOptions
    @OptionGroup var hardware: SizeServeHardwareOptions
    @OptionGroup(title: "Money and energy") var cost: SizeCostOptions

    @Option(help: "Output: table or json.")
    var format: SizeOutputFormat = .table

    /// The rough bound's arguments: the options it reads (the router refuses the step model's).
    var roughArguments: RoughServeArguments {
        var a = RoughServeArguments()
        roughModel.apply(to: &a)
        workload.apply(to: &a)
        hardware.apply(to: &a)
        a.demand = demand.library
        a.rate = rate.library
        a.cost = cost.library
        return a
    }

    /// The step model's arguments.
    var stepArguments: ServingArguments {
        var a = ServingArguments()
        shape.apply(to: &a)
        engine.apply(to: &a)
        workload.apply(to: &a)
        rate.apply(to: &a)
        hardware.apply(to: &a)
        a.demand = demand.library
        a.cost = cost.library
        return a
    }

    func run() throws {
        try printSizing(format) {
            try ServeRouter.plan(rough: roughArguments, step: stepArguments, catalog: try Catalog.embedded(),
                                 models: try ModelCatalog.embedded())
        }
    }
}

struct SizeDevices: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the accelerator catalog: dense peaks, memory, bandwidth, power, sources."
    )

    @Option(help: "Output: table or json (json includes sources and sparse peaks).")
    var format: SizeOutputFormat = .table

    func run() throws {
        try printSizing(format) {
            let catalog = try Catalog.embedded()
            return CatalogAnswer(table: CatalogListing.table(catalog), json: CatalogListing.json(catalog))
        }
    }
}
