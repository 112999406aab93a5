import ArgumentParser

/// `suanli size train` as typed on the command line, in the option groups its help lists: numbers
/// still text, so that one place parses `175B`, `1.4T` and `2.5k` and names the option in every
/// error. Build one with `parse(_:)` or `defaults` (see `StepOptions`).
public struct TrainArguments: ParsableArguments, Sendable {
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
public struct TrainWorkOptions: ParsableArguments, Sendable {
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
public struct TrainScaleOptions: ParsableArguments, Sendable {
    @Option(parsing: .unconditional, help: "Devices (solve for days).")
    public var devices: String?
    @Option(parsing: .unconditional, help: "Days (solve for devices).")
    public var days: String?
    @Option(name: .customLong("cluster-eflops"), parsing: .unconditional, help: "A cluster's announced peak in EFLOPS (solve for days).")
    public var clusterEFLOPS: String?

    public init() {}
}

/// `size train`'s communication: a flat loss, or the data-parallel all-reduce model.
public struct TrainCommunicationOptions: ParsableArguments, Sendable {
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
public struct TrainMemoryOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("bytes-per-param"), parsing: .unconditional, help: "Model-state bytes per parameter (default 16, mixed-precision Adam).")
    public var bytesPerParam: String?
    @Option(name: .customLong("memory-gb"), parsing: .unconditional, help: "Memory per device in GB (default: catalog or measured).")
    public var memoryGB: String?

    public init() {}
}

/// The shape options `size train` adds for the step model (its --layers, --hidden and --seq-len
/// serve both).
public struct TrainStepShapeOptions: ParsableArguments, Sendable {
    @Option(help: "Model from the model catalog; with parallelism options the step model sizes the run.")
    public var model: String?
    @OptionGroup public var details: ShapeDetailOptions

    public init() {}
}
