import ArgumentParser
import Foundation
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
    if let e = error as? SizingError {
        message = e.description
        code = e.exitCode
    } else {
        message = String(describing: error)
        code = 1
    }
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    return ExitCode(code)
}

struct SizeRateOptions: ParsableArguments {
    @Option(help: "Catalog accelerator (see 'suanli size devices'); also supplies memory, TDP and interconnect.")
    var device: String?
    @Option(help: "Precision of the peak or measurement: bf16, fp16, fp8, tf32, fp32 (with --calibrate also mixed, fp64).")
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

    @OptionGroup(title: "Rate per device") var rate: SizeRateOptions

    @Option(parsing: .unconditional, help: "Devices (solve for days).")
    var devices: String?
    @Option(parsing: .unconditional, help: "Days (solve for devices).")
    var days: String?
    @Option(name: .customLong("cluster-eflops"), parsing: .unconditional, help: "A cluster's announced peak in EFLOPS (solve for days).")
    var clusterEFLOPS: String?

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

    @OptionGroup(title: "Money and energy") var cost: SizeCostOptions

    @Option(name: .customLong("bytes-per-param"), parsing: .unconditional, help: "Model-state bytes per parameter (default 16, mixed-precision Adam).")
    var bytesPerParam: String?
    @Option(name: .customLong("memory-gb"), parsing: .unconditional, help: "Memory per device in GB (default: catalog or measured).")
    var memoryGB: String?

    @OptionGroup(title: "Step model (with parallelism options; see 'suanli size step')") var stepShape: SizeTrainShapeOptions
    @OptionGroup(title: "Parallelism (step model)") var parallel: SizeParallelOptions

    @Option(help: "Output: table or json.")
    var format: SizeOutputFormat = .table

    var arguments: TrainArguments {
        var a = TrainArguments()
        a.params = params
        a.activeParams = activeParams
        a.tokens = tokens
        a.recompute = recompute
        a.layers = layers
        a.hidden = hidden
        a.seqLen = seqLen
        a.flops = flops
        a.pfDays = pfDays
        a.rate = rate.library
        a.devices = devices
        a.days = days
        a.clusterEFLOPS = clusterEFLOPS
        a.interconnectLoss = interconnectLoss
        a.globalBatchTokens = globalBatchTokens
        a.busGBps = busGBps
        a.overlap = overlap
        a.gradientBytesPerParam = gradientBytesPerParam
        a.cost = cost.library
        a.bytesPerParam = bytesPerParam
        a.memoryGB = memoryGB
        var step = StepOptions()
        stepShape.apply(to: &step)
        parallel.apply(to: &step)
        a.step = step
        return a
    }

    func run() throws {
        do {
            let report = try TrainPlanner.plan(arguments, catalog: try Catalog.embedded(), models: try ModelCatalog.embedded())
            print(format == .json ? report.json.rendered() : report.table, terminator: format == .json ? "\n" : "")
        } catch {
            throw failSizing(error)
        }
    }
}

struct SizeServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Devices to serve a model's decoding demand: by compute, memory bandwidth and capacity.",
        discussion: """
            Demand: --dau U --tokens-per-user T (tokens per user per day), or --tokens-per-second R.
            The largest of the three device counts wins and is named as the binding constraint.
            """
    )

    @Option(parsing: .unconditional, help: "Parameters N.")
    var params: String?
    @Option(name: .customLong("active-params"), parsing: .unconditional, help: "Parameters active per token (mixture-of-experts).")
    var activeParams: String?
    @Option(parsing: .unconditional, help: "Daily active users.")
    var dau: String?
    @Option(name: .customLong("tokens-per-user"), parsing: .unconditional, help: "Generated tokens per user per day.")
    var tokensPerUser: String?
    @Option(name: .customLong("tokens-per-second"), parsing: .unconditional, help: "Generated tokens per second, instead of --dau.")
    var tokensPerSecond: String?

    @OptionGroup(title: "Rate per device") var rate: SizeRateOptions

    @Option(parsing: .unconditional, help: "Sequences decoded per step (default 32).")
    var batch: String?
    @Option(name: .customLong("bytes-per-param"), parsing: .unconditional, help: "Weight bytes per parameter (default 2, bf16).")
    var bytesPerParam: String?
    @Option(name: .customLong("bandwidth-gbps"), parsing: .unconditional, help: "Memory bandwidth per device, GB/s (default: measured stream or catalog HBM).")
    var bandwidthGBps: String?
    @Option(name: .customLong("memory-gb"), parsing: .unconditional, help: "Memory per device in GB (default: catalog or measured).")
    var memoryGB: String?

    @OptionGroup(title: "Money and energy") var cost: SizeCostOptions

    @Option(help: "Output: table or json.")
    var format: SizeOutputFormat = .table

    var arguments: ServeArguments {
        var a = ServeArguments()
        a.params = params
        a.activeParams = activeParams
        a.dau = dau
        a.tokensPerUser = tokensPerUser
        a.tokensPerSecond = tokensPerSecond
        a.rate = rate.library
        a.batch = batch
        a.bytesPerParam = bytesPerParam
        a.bandwidthGBps = bandwidthGBps
        a.memoryGB = memoryGB
        a.cost = cost.library
        return a
    }

    func run() throws {
        do {
            let report = try ServePlanner.plan(arguments, catalog: try Catalog.embedded())
            print(format == .json ? report.json.rendered() : report.table, terminator: format == .json ? "\n" : "")
        } catch {
            throw failSizing(error)
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
        do {
            let catalog = try Catalog.embedded()
            if format == .json {
                print(CatalogListing.json(catalog).rendered())
            } else {
                print(CatalogListing.table(catalog), terminator: "")
            }
        } catch {
            throw failSizing(error)
        }
    }
}
