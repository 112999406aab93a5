import ArgumentParser

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
///
/// An option group made with `init()` holds no values yet (swift-argument-parser traps on reading
/// it): build one with `parse(_:)`, or `defaults` for every option at its default.
public struct StepOptions: ParsableArguments, Sendable {
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
public struct StepShapeOptions: ParsableArguments, Sendable {
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
public struct ShapeDetailOptions: ParsableArguments, Sendable {
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
public struct CalibrationFileOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("save-calibration"), help: ArgumentHelp("Where to write the calibration fitted to the measured figure (--measured-iteration, --measured-tps): JSON, written atomically.", valueName: "file"))
    public var saveCalibration: String?
    @Option(help: ArgumentHelp("A calibration from --save-calibration: applies it and reports the calibrated and uncalibrated figures.", valueName: "file"))
    public var calibration: String?

    public init() {}
}

/// Parallel layout, links and the software calibration: `size step`'s and `size train`'s.
public struct ParallelOptions: ParsableArguments, Sendable {
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

    /// Whether a link, memory or calibration option is given (they mean nothing without a layout).
    public var describesLinksOrCalibration: Bool {
        intraNodeGBps != nil || interNodeGBps != nil || attention != .flash || ignoreMemory || gpusPerNode != 8
            || measuredIteration != nil || calibrationFile.saveCalibration != nil || calibrationFile.calibration != nil
    }
}

extension Recompute: ExpressibleByArgument {}
extension AttentionKernel: ExpressibleByArgument {}
extension Amount: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension ParsableArguments {
    /// Every option at its default, as the command line gives them when none is typed. A group
    /// that cannot parse from nothing (a required option) is a programming error.
    public static var defaults: Self {
        do { return try parse([]) } catch { preconditionFailure("\(Self.self) does not parse from no arguments: \(error)") }
    }
}
