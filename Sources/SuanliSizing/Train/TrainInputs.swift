/// `suanli size train` after parsing and validation: every number a `Double`, every contradiction
/// refused with the options named. What needs the catalog or a result file (the rate, the bus
/// bandwidth's default) is resolved by `TrainPlanner`.
public struct TrainInputs: Sendable {
    /// What the run computes.
    public enum Work: Sendable, Equatable {
        /// `--flops X` or `--pf-days X` (kept to echo it).
        case given(flops: Double, pfDays: Double?)
        /// `--params N --tokens D` with the optional attention shape, active parameters and recomputation.
        case model(params: Double, active: Double?, tokens: Double, attention: TrainingModel.AttentionShape?, recompute: Bool)
    }

    /// Exactly one scale.
    public enum Scale: Sendable, Equatable {
        case devices(Double)
        case days(Double)
        case clusterEFLOPS(Double)
    }

    /// The loss model before the bus bandwidth is resolved.
    public enum Losses: Sendable, Equatable {
        case none
        case fraction(Double)
        case dataParallel(globalBatchTokens: Double, overlap: Double, gradientBytesPerParam: Double, busGBps: Double?)
    }

    public var work: Work
    public var scale: Scale
    public var losses: Losses
    public var rate: RateOptions
    public var cost: CostOptions
    /// `--bytes-per-param`, default 16.
    public var bytesPerParam: Double
    public var bytesPerParamGiven: Bool
    public var memoryGB: Double?

    /// Parameters (for memory), when the work is a model.
    public var params: Double? {
        if case .model(let params, _, _, _, _) = work { return params }
        return nil
    }

    /// Training FLOPs.
    public var totalFLOPs: Double {
        switch work {
        case .given(let flops, _): return flops
        case .model(let params, let active, let tokens, let attention, let recompute):
            return TrainingModel.totalFLOPs(activeParams: active ?? params, tokens: tokens, attention: attention, recompute: recompute)
        }
    }

    /// Parses and validates; the first problem is a one-line usage error naming the options.
    public static func parse(_ args: TrainArguments) throws -> TrainInputs {
        // Work.
        let params = try args.work.params.map { try Quantity.positive($0, option: "--params") }
        let active = try args.work.activeParams.map { try Quantity.positive($0, option: "--active-params") }
        let tokens = try args.work.tokens.map { try Quantity.positive($0, option: "--tokens") }
        let givenFLOPs = try args.work.flops.map { try Quantity.positive($0, option: "--flops") }
        let givenPFDays = try args.work.pfDays.map { try Quantity.positive($0, option: "--pf-days") }
        let shapeCount = [args.work.layers, args.work.hidden, args.work.seqLen].compactMap { $0 }.count
        if shapeCount != 0 && shapeCount != 3 {
            throw SizingError.usage("the attention term needs all of --layers, --hidden and --seq-len")
        }
        let attention = try shapeCount == 3
            ? TrainingModel.AttentionShape(
                layers: Quantity.count(args.work.layers!, option: "--layers"),
                hidden: Quantity.count(args.work.hidden!, option: "--hidden"),
                sequenceLength: Quantity.count(args.work.seqLen!, option: "--seq-len")) : nil
        let directWork = [givenFLOPs != nil, givenPFDays != nil].filter { $0 }.count
        if directWork > 1 || (directWork == 1 && tokens != nil) {
            throw SizingError.usage("give the work once: --params with --tokens, or --flops, or --pf-days")
        }
        if let active, let params, active > params {
            throw SizingError.usage("--active-params (\(Format.number(active))) cannot exceed --params (\(Format.number(params)))")
        }
        let work: Work
        if let f = givenFLOPs ?? givenPFDays.map({ $0 * TrainingModel.flopsPerPFDay }) {
            if args.work.recompute || attention != nil || active != nil {
                throw SizingError.usage(
                    "--recompute, --active-params and --layers/--hidden/--seq-len shape the 6·N·D estimate; they do not apply to --flops or --pf-days")
            }
            work = .given(flops: f, pfDays: givenPFDays)
        } else {
            guard let params else {
                if tokens != nil { throw SizingError.usage("--tokens needs --params") }
                throw SizingError.usage("give the work: --params N --tokens D, or --flops X, or --pf-days X")
            }
            guard let tokens else { throw SizingError.usage("--params needs --tokens (or give --flops or --pf-days)") }
            work = .model(params: params, active: active, tokens: tokens, attention: attention, recompute: args.work.recompute)
        }
        if params == nil && (args.memory.bytesPerParam != nil || args.memory.memoryGB != nil) {
            throw SizingError.usage("--bytes-per-param and --memory-gb size the model state; they need --params")
        }

        // Scale.
        let scaleGiven = [("--devices", args.scale.devices), ("--days", args.scale.days), ("--cluster-eflops", args.scale.clusterEFLOPS)]
            .filter { $0.1 != nil }.map(\.0)
        if scaleGiven.isEmpty {
            throw SizingError.usage(
                "give the scale: --devices N (solve for days), --days D (solve for devices) or --cluster-eflops X")
        }
        if scaleGiven.count > 1 {
            throw SizingError.usage(
                "choose one scale: --devices, --days or --cluster-eflops (got \(scaleGiven.joined(separator: " and ")))")
        }
        let scale: Scale
        if let raw = args.scale.devices {
            scale = .devices(try Quantity.count(raw, option: "--devices"))
        } else if let raw = args.scale.days {
            scale = .days(try Quantity.positive(raw, option: "--days"))
        } else {
            scale = .clusterEFLOPS(try Quantity.positive(args.scale.clusterEFLOPS!, option: "--cluster-eflops"))
        }

        // Losses.
        let dpOptions = [
            ("--global-batch-tokens", args.communication.globalBatchTokens), ("--bus-gbps", args.communication.busGBps),
            ("--overlap", args.communication.overlap), ("--gradient-bytes-per-param", args.communication.gradientBytesPerParam),
        ].filter { $0.1 != nil }.map(\.0)
        if args.communication.interconnectLoss != nil && !dpOptions.isEmpty {
            throw SizingError.usage(
                "--interconnect-loss and the data-parallel model (\(dpOptions.joined(separator: ", "))) are alternatives; choose one")
        }
        var losses = Losses.none
        if let raw = args.communication.interconnectLoss {
            losses = .fraction(try Quantity.fraction(raw, option: "--interconnect-loss", allowOne: false))
        } else if !dpOptions.isEmpty {
            guard let rawBatch = args.communication.globalBatchTokens else {
                throw SizingError.usage("\(dpOptions.joined(separator: ", ")) need --global-batch-tokens (the data-parallel model)")
            }
            guard params != nil, let tokens else {
                throw SizingError.usage("the data-parallel model needs --params and --tokens (steps = tokens / global batch)")
            }
            let batch = try Quantity.positive(rawBatch, option: "--global-batch-tokens")
            guard batch <= tokens else {
                throw SizingError.usage("--global-batch-tokens (\(Format.number(batch))) exceeds --tokens (\(Format.number(tokens)))")
            }
            let overlap = try args.communication.overlap.map { try Quantity.fraction($0, option: "--overlap", allowOne: true) } ?? 0
            let gradientBytes = try args.communication.gradientBytesPerParam.map {
                try Quantity.positive($0, option: "--gradient-bytes-per-param")
            } ?? Defaults.gradientBytesPerParam
            let bus = try args.communication.busGBps.map { try Quantity.positive($0, option: "--bus-gbps") }
            losses = .dataParallel(globalBatchTokens: batch, overlap: overlap, gradientBytesPerParam: gradientBytes, busGBps: bus)
        }

        // Memory.
        let bytesPerParam = try args.memory.bytesPerParam.map { try Quantity.positive($0, option: "--bytes-per-param") }
        let memoryGB = try args.memory.memoryGB.map { try Quantity.positive($0, option: "--memory-gb") }

        return TrainInputs(
            work: work, scale: scale, losses: losses, rate: args.rate, cost: args.cost,
            bytesPerParam: bytesPerParam ?? Defaults.trainBytesPerParam, bytesPerParamGiven: bytesPerParam != nil,
            memoryGB: memoryGB)
    }
}
