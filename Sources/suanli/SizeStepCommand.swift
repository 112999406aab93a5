import ArgumentParser
import Foundation
import SuanliSizing

extension Recompute: ExpressibleByArgument {}
extension AttentionKernel: ExpressibleByArgument {}
extension Amount: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

/// The model shape: `--model NAME` or the figures.
struct SizeModelOptions: ParsableArguments {
    @Option(help: "Model from the model catalog (gpt3-175b, bloom-176b, mt-nlg-530b, opt-175b, llama2-70b, llama3-405b, …); shape options override its figures.")
    var model: String?
    @Option(help: "Transformer layers.") var layers: Int?
    @Option(help: "Model width (heads × head size).") var hidden: Int?
    @OptionGroup var details: SizeShapeDetailOptions
    @Option(name: .customLong("seq-len"), help: "Sequence length in tokens.") var seqLen: Int?
}

/// The shape beyond layers, width and sequence: shared by `size step` and the step model of `size train`.
struct SizeShapeDetailOptions: ParsableArguments {
    @Option(help: "Attention heads.") var heads: Int?
    @Option(name: .customLong("kv-heads"), help: "Key/value heads (grouped-query attention; default: heads).") var kvHeads: Int?
    @Option(help: "MLP width (default 4 × hidden).") var ffn: Int?
    @Flag(name: .customLong("gated-ffn"), help: "Gated MLP (SwiGLU): three hidden × ffn matrices.") var gatedFFN = false
    @Flag(name: .customLong("untied-embeddings"), help: "The output layer does not share the token embedding.") var untiedEmbeddings = false
    @Option(help: "Vocabulary size (padded to a multiple of 128 × TP, as Megatron-LM does).") var vocab: Int?

    func apply(to o: inout StepOptions) {
        o.heads = heads; o.kvHeads = kvHeads; o.ffn = ffn; o.gatedFFN = gatedFFN; o.untiedEmbeddings = untiedEmbeddings
        o.vocab = vocab
    }
}

/// Where a fitted calibration is written and which one applies: `size step` and `size train`
/// (with --measured-iteration) and `size serve` (with --measured-tps).
struct SizeCalibrationFileOptions: ParsableArguments {
    @Option(name: .customLong("save-calibration"), help: ArgumentHelp("Where to write the calibration fitted to the measured figure (--measured-iteration, --measured-tps): JSON, written atomically.", valueName: "file"))
    var saveCalibration: String?
    @Option(help: ArgumentHelp("A calibration from --save-calibration: applies it and reports the calibrated and uncalibrated figures.", valueName: "file"))
    var calibration: String?
}

/// Parallel layout and links: shared by `size step` and `size train`.
struct SizeParallelOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Tensor parallelism.") var tp: Int = 1
    @Option(parsing: .unconditional, help: "Pipeline parallelism.") var pp: Int = 1
    @Option(parsing: .unconditional, help: "Data parallelism.") var dp: Int = 1
    @Option(parsing: .unconditional, help: "Context parallelism (sequence split across devices).") var cp: Int = 1
    @Option(parsing: .unconditional, help: "Sequences per micro-batch.") var microbatch: Int = 1
    @Option(name: .customLong("global-batch"), parsing: .unconditional, help: "Sequences per iteration across all replicas.") var globalBatch: Int?
    @Option(parsing: .unconditional, help: "Model chunks per pipeline stage (interleaved 1F1B).") var interleave: Int = 1
    @Flag(name: .customLong("sequence-parallel"), help: "Shard norms and dropout over TP (reduce-scatter + all-gather).") var sequenceParallel = false
    @Option(parsing: .unconditional, help: "ZeRO stage 0-3 over data parallelism.") var zero: Int = 0
    @Option(name: .customLong("gpus-per-node"), parsing: .unconditional, help: "Devices per node on the intra-node link.") var gpusPerNode: Int = 8
    @Flag(name: .customLong("balance-embedding"), help: "First and last pipeline stages hold one layer fewer (the embedding and output layers take a slot each).") var balanceEmbedding = false
    @Flag(name: .customLong("overlap-grad-reduce"), help: "Overlap the DP gradient reduction with the last micro-batch's backward pass.") var overlapGradReduce = false
    @Flag(name: .customLong("overlap-param-gather"), help: "With ZeRO ≥ 1: hide the weight all-gather behind one micro-batch's forward pass (Megatron-LM --overlap-param-gather).") var overlapParamGather = false
    @Flag(name: .customLong("tp-comm-overlap"), help: "With --sequence-parallel: overlap the TP all-gathers and reduce-scatters with the GEMMs beside them (Megatron-LM --tp-comm-overlap, Transformer Engine userbuffers).") var tpCommOverlap = false
    @Option(help: "Attention kernel: flash or materialized (scores in memory, as before FlashAttention).") var attention: AttentionKernel = .flash
    @Option(name: .customLong("intra-node-gbps"), help: "Intra-node link per device, GB/s one direction (default: catalog NVLink ÷ 2, or a measured cluster file).") var intraNodeGBps: Amount?
    @Option(name: .customLong("inter-node-gbps"), help: "Inter-node network per device, GB/s (default: catalog scale-out, or a measured cluster file).") var interNodeGBps: Amount?
    @Flag(name: .customLong("ignore-memory"), help: "Report a layout that does not fit in device memory instead of refusing it.") var ignoreMemory = false
    @Option(name: .customLong("measured-iteration"), parsing: .unconditional, help: ArgumentHelp("Seconds per iteration measured on your stack for this configuration: fits the stack's software efficiencies (needs --save-calibration).", valueName: "seconds"))
    var measuredIteration: Amount?
    @OptionGroup var calibrationFile: SizeCalibrationFileOptions

    func apply(to o: inout StepOptions) {
        o.tp = tp; o.pp = pp; o.dp = dp; o.cp = cp; o.microbatch = microbatch; o.globalBatch = globalBatch
        o.interleave = interleave; o.sequenceParallel = sequenceParallel; o.zero = zero
        o.gpusPerNode = gpusPerNode; o.balanceEmbedding = balanceEmbedding; o.overlapGradReduce = overlapGradReduce
        o.overlapParamGather = overlapParamGather; o.tpCommOverlap = tpCommOverlap
        o.attention = attention
        o.intraNodeGBps = intraNodeGBps; o.interNodeGBps = interNodeGBps; o.ignoreMemory = ignoreMemory
        o.measuredIteration = measuredIteration
        o.saveCalibration = calibrationFile.saveCalibration; o.calibration = calibrationFile.calibration
    }
}

extension SizeModelOptions {
    func apply(to o: inout StepOptions) {
        o.model = model; o.layers = layers; o.hidden = hidden; o.seqLen = seqLen
        details.apply(to: &o)
    }
}

struct SizeStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "One training iteration of a dense transformer: time, breakdown, TFLOPS, MFU, memory fit.",
        discussion: """
            Example: suanli size step --model bloom-176b --device a100-80gb --tp 4 --pp 12 --dp 8 --microbatch 2 \
            --global-batch 2048 --recompute full --balance-embedding --attention materialized
            """
    )

    @OptionGroup(title: "Model") var shape: SizeModelOptions
    @OptionGroup(title: "Parallelism") var parallel: SizeParallelOptions
    @Option(help: "Activation recomputation: none, selective or full.") var recompute: Recompute = .none
    @Option(name: .customLong("gradient-bytes-per-param"), help: "Bytes per gradient element in the DP reduction (default 2).")
    var gradientBytesPerParam: Amount?
    @Option(help: "Catalog accelerator (see 'suanli size devices').") var device: String?
    @Option(help: "Catalog precision for the peak (default bf16).") var precision: String?
    @Option(help: ArgumentHelp("A 'suanli bench' result file: GEMM rates by shape (--sweep), stream bandwidth, all-reduce busbw.", valueName: "results.json"))
    var calibrate: String?
    @Option(name: .customLong("calibrate-device"), help: "Device id in the result file.") var calibrateDevice: String?
    @Option(help: "Training tokens: adds days and device-hours.") var tokens: Amount?
    @Option(help: "Output: table or json.") var format: SizeOutputFormat = .table

    var options: StepOptions {
        var o = StepOptions()
        shape.apply(to: &o)
        parallel.apply(to: &o)
        o.recompute = recompute; o.gradientBytesPerParam = gradientBytesPerParam
        o.device = device; o.precision = precision; o.calibrate = calibrate; o.calibrateDevice = calibrateDevice
        o.tokens = tokens
        return o
    }

    func run() throws {
        try printSizing(format) { try StepPlanner.plan(options, catalog: try Catalog.embedded(), models: try ModelCatalog.embedded()) }
    }
}

/// The shape options `size train` adds for the step model (it has --layers, --hidden and --seq-len already).
struct SizeTrainShapeOptions: ParsableArguments {
    @Option(help: "Model from the model catalog; with parallelism options the step model sizes the run.")
    var model: String?
    @OptionGroup var details: SizeShapeDetailOptions

    func apply(to o: inout StepOptions) {
        o.model = model
        details.apply(to: &o)
    }
}
