import SuanliText
/// The answer of `suanli size step`, as JSON and as a table.
public struct StepReport: Sendable {
    public var inputs: StepInputs
    public var result: StepResult
    public var model: ModelEntry?
    public var options: StepOptions
    public var warnings: [String]
    /// A software calibration fitted here (`--measured-iteration`) or applied (`--calibration`).
    public var calibration: AppliedCalibration?
    /// The model's figures without the calibration, when one applies.
    public var uncalibrated: StepResult?

    public struct AppliedCalibration: Sendable {
        public var file: SoftwareCalibration
        public var path: String
        /// True when fitted from this run's `--measured-iteration`.
        public var fitted: Bool
    }

    public init(inputs: StepInputs, result: StepResult, model: ModelEntry?, options: StepOptions, warnings: [String]) {
        self.inputs = inputs
        self.result = result
        self.model = model
        self.options = options
        self.warnings = warnings
    }

    public var mfu: Double? { result.mfu(peakFLOPS: inputs.hardware.peakFLOPS) }
    public var hfu: Double? { result.hfu(peakFLOPS: inputs.hardware.peakFLOPS) }
    /// Iterations for `--tokens`.
    public var iterations: Double? { inputs.tokens.map { $0 / result.tokensPerIteration } }
    public var days: Double? { iterations.map { $0 * result.iterationSeconds / 86_400 } }
    public var deviceHours: Double? { days.map { $0 * 24 * Double(result.devices) } }

    public var json: JSONValue {
        let r = result, p = inputs.parallelism
        var pairs: [(String, JSONValue)] = [
            ("iteration_seconds", .number(r.iterationSeconds)),
            ("breakdown", .object(r.breakdown.named.map { ($0.0 + "_seconds", .number($0.1)) })),
            ("tflops_per_device", .object([("model", .number(r.modelTFLOPSPerDevice)), ("hardware", .number(r.hardwareTFLOPSPerDevice))])),
            ("mfu", .optional(mfu)),
            ("hfu", .optional(hfu)),
            ("memory_per_device_bytes", .object([
                ("weights", .number(r.memory.weights)), ("gradients", .number(r.memory.gradients)),
                ("optimizer_state", .number(r.memory.optimizerState)), ("activations", .number(r.memory.activations)),
                ("total", .number(r.memory.total)), ("capacity", .optional(r.memory.capacity)),
                ("fits", r.memory.fits.map(JSONValue.bool) ?? .null),
            ])),
            ("tokens_per_second", .number(r.tokensPerSecond)),
            ("tokens_per_iteration", .number(r.tokensPerIteration)),
            ("devices", .number(Double(r.devices))),
            ("microbatches", .number(Double(p.microbatches))),
            ("bubble_fraction", .number(StepModel.bubbleFraction(pipeline: p.pipeline, interleave: p.interleave, microbatches: p.microbatches))),
            ("model_flops", .number(r.modelFLOPs)),
            ("hardware_flops", .number(r.hardwareFLOPs)),
            ("dp_reduction_seconds", .number(r.dataParallelSeconds)),
            ("parameters_per_device", .number(r.parametersPerDevice)),
            ("iterations", .optional(iterations)),
            ("days", .optional(days)),
            ("device_hours", .optional(deviceHours)),
            ("layer_forward", .array(r.layerForward.map { op in
                .object([("operation", .string(op.name)), ("kind", .string(op.kind.rawValue)), ("flops", .number(op.flops)),
                         ("bytes", .number(op.bytes)), ("seconds", .number(op.seconds)),
                         ("efficiency", op.kind == .gemm || op.kind == .attention
                            ? .optional(inputs.hardware.peakFLOPS.map { op.rate / $0 }) : .null)])
            })),
        ]
        pairs.append(("warnings", .array(warnings.map(JSONValue.string))))
        if let c = calibration, let u = uncalibrated {
            let f = c.file.factors
            pairs.append(("calibration", .object([
                ("file", .string(c.path)), ("fitted_here", .bool(c.fitted)),
                ("factors", .object([("compute", .number(f.compute)), ("memory_bound", .number(f.memoryBound)),
                                     ("communication", .number(f.communication))])),
                ("rule", .string(SoftwareCalibration.rule)),
                ("measured_iteration_seconds", .number(c.file.measured)),
                ("measured_hardware", .string(c.file.hardware)),
                ("measured_config", c.file.config),
                ("uncalibrated", .object([
                    ("iteration_seconds", .number(u.iterationSeconds)),
                    ("tflops_per_device", .object([("model", .number(u.modelTFLOPSPerDevice)), ("hardware", .number(u.hardwareTFLOPSPerDevice))])),
                    ("mfu", .optional(u.mfu(peakFLOPS: inputs.hardware.peakFLOPS))),
                ])),
            ])))
        }
        pairs.append(("inputs", inputsJSON))
        pairs.append(("sources", .object(sources.map { ($0.0, .string($0.1)) })))
        return .object(pairs)
    }

    /// The configuration as run: shape, layout, hardware options (also what a calibration file records).
    public var inputsJSON: JSONValue {
        let r = result, s = inputs.shape, p = inputs.parallelism
        return .object([
            ("model", .optional(model?.id)), ("layers", .number(Double(s.layers))), ("hidden", .number(Double(s.hidden))),
            ("heads", .number(Double(s.heads))), ("kv_heads", .number(Double(s.kvHeads))), ("ffn", .number(Double(s.ffn))),
            ("gated_ffn", .bool(s.gatedFFN)), ("vocab", .number(Double(s.vocab))), ("padded_vocab", .number(Double(r.paddedVocab))),
            ("seq_len", .number(Double(s.seqLen))), ("tied_embeddings", .bool(s.tiedEmbeddings)),
            ("parameters", .number(s.parameterCount)),
            ("tp", .number(Double(p.tensor))), ("pp", .number(Double(p.pipeline))), ("dp", .number(Double(p.data))),
            ("cp", .number(Double(p.context))), ("microbatch", .number(Double(p.microbatch))),
            ("global_batch", .number(Double(p.globalBatch))), ("interleave", .number(Double(p.interleave))),
            ("recompute", .string(p.recompute.rawValue)), ("sequence_parallel", .bool(p.sequenceParallel)),
            ("zero", .number(Double(p.zeroStage))), ("gpus_per_node", .number(Double(p.gpusPerNode))),
            ("balance_embedding", .bool(p.balanceEmbedding)), ("overlap_grad_reduce", .bool(p.overlapGradReduce)),
            ("overlap_param_gather", .bool(p.overlapParamGather)), ("tp_comm_overlap", .bool(p.tpCommOverlap)),
            ("attention", .string(inputs.attention.rawValue)), ("gradient_bytes_per_param", .number(inputs.gradientBytes)),
            ("device", .optional(options.device)), ("calibrate", .optional(options.calibrate)),
            ("tokens", .optional(inputs.tokens)),
        ])
    }

    /// Every figure the estimate used, with where it came from.
    public var sources: [(String, String)] {
        var list: [(String, String)] = []
        if let m = model {
            for key in ["layers", "hidden", "heads", "kv_heads", "ffn", "gated_ffn", "vocab", "seq_len", "tied_embeddings"] {
                list.append(("model.\(key)", m.citations[key] ?? ""))
            }
        }
        for c in inputs.hardware.sources {
            list.append((c.name, "\(Format.number(c.value, decimals: 4)): \(c.source)"))
        }
        if inputs.attention == .flash && inputs.hardware.attentionRates == nil {
            list.append((StepConstants.flashAttentionEfficiency.name,
                         "\(StepConstants.flashAttentionEfficiency.value): \(StepConstants.flashAttentionEfficiency.source); causal blocks skipped, backward 2.5× forward (FlashAttention-2 §3.1.2)"))
        }
        list += [
            ("flops", "model FLOPs 2 per weight per token forward, ×3 with backward, plus 4·s²·h per layer for attention (Narayanan et al. 2021 appendix; PaLM appendix B); hardware FLOPs add recomputation"),
            ("padded_vocab", StepConstants.vocabPaddingSource),
            ("activation_memory", "Korthikanti et al. 2022 §4: per-layer activations by recompute mode and sequence parallelism; first stage holds min(p, m) micro-batches, × (1 + (p−1)/(p·v)) interleaved"),
            ("model_state", "2 bytes weights, --gradient-bytes-per-param gradients, 12 bytes fp32 Adam state per parameter (ZeRO paper §3.1), sharded by --zero over data parallelism"),
            ("pipeline_bubble", "(p − 1)/(v·m) of the per-micro-batch time (Narayanan et al. 2021 §2.2)"),
            ("collective_time", "latency + bytes × algorithm factor / (bandwidth × efficiency): all-reduce 2(n−1)/n, reduce-scatter and all-gather (n−1)/n"),
            ("memory_bound_kernels", "norms, bias/dropout/residual, activation and softmax read and write their tensors once forward, twice backward, at the memory bandwidth"),
        ]
        func cite(_ c: SourcedConstant, _ scope: String = "") { list.append((c.name, "\(Int(c.value))\(scope): \(c.source)")) }
        cite(StepConstants.lossForwardBytesPerLogit)
        cite(StepConstants.lossBackwardBytesPerLogit)
        cite(StepConstants.lossConversionBytesPerLogit, " of each")
        if inputs.parallelism.tpCommOverlap {
            list.append(("tp_comm_overlap", "Transformer Engine userbuffers: ring exchange (the GEMM in TP-size chunks, each peer copy behind the chunk before it), pipeline (4 chunks, each reduce-scatter beside the next chunk) and bulk (a collective beside a whole backward GEMM), chunks up to 3 at a time; a GEMM beside a 16-SM communication kernel assumed slowed by the SMs it lacks; a forward pass without gradients gathers plainly; backward gathers the weight gradients' inputs again (4 all-gathers, 2 reduce-scatters); tp communication includes the chunks' and the slowed GEMMs' lost time"))
            [StepConstants.tpOverlapCommunicationSMs, StepConstants.tpOverlapPipelineSplits, StepConstants.tpOverlapStreams]
                .forEach { cite($0) }
        }
        list.append(("optimizer", "Adam reads 16 and writes 14 bytes per local parameter at the memory bandwidth; before it the gradient norm (clipping, loss-scale check) reads the 4-byte gradients once and all-reduces one number over every rank"))
        return list
    }

    public var table: String {
        let r = result, s = inputs.shape, p = inputs.parallelism, hw = inputs.hardware
        var text = TextReport(title: "suanli size step")
        text.section("Model")
        text.add("model", model?.name ?? "custom shape",
                 "\(s.layers) layers, hidden \(s.hidden), \(s.heads) heads (\(s.kvHeads) K/V), ffn \(s.ffn)\(s.gatedFFN ? " gated" : ""), vocab \(s.vocab) (padded \(r.paddedVocab)), seq \(s.seqLen)")
        text.add("parameters", Format.short(s.parameterCount), "\(Format.short(r.parametersPerDevice)) on the busiest device")
        text.section("Parallelism")
        text.add("devices", Format.number(Double(r.devices), decimals: 0),
                 "TP \(p.tensor) × PP \(p.pipeline) × DP \(p.data) × CP \(p.context), \(p.gpusPerNode) per node")
        text.add("micro-batches", Format.number(Double(p.microbatches), decimals: 0),
                 "global batch \(p.globalBatch) / (DP \(p.data) × micro-batch \(p.microbatch)); interleave \(p.interleave)")
        text.add("settings", "", "recompute \(p.recompute.rawValue), sequence parallel \(p.sequenceParallel ? (p.tpCommOverlap ? "on, TP communication overlapped" : "on") : "off"), ZeRO \(p.zeroStage), attention \(inputs.attention.rawValue)")
        text.section("Iteration")
        text.add("iteration", Format.number(r.iterationSeconds, decimals: 3) + " s", hw.name)
        for (name, seconds) in r.breakdown.named where seconds > 0 {
            let share = Format.number(100 * seconds / r.iterationSeconds, decimals: 1)
            text.add("  " + name.replacingOccurrences("_", " "), Format.number(seconds, decimals: 3) + " s", "\(share) %")
        }
        if let c = calibration, let u = uncalibrated {
            let f = c.file.factors
            text.section("Software calibration")
            text.add("factors", "compute \(Format.number(f.compute, decimals: 3)), memory-bound \(Format.number(f.memoryBound, decimals: 3)), communication \(Format.number(f.communication, decimals: 3))",
                     c.fitted ? "fitted to --measured-iteration \(Format.number(c.file.measured, decimals: 3)) s, saved to \(c.path)"
                              : "\(c.path): measured \(Format.number(c.file.measured, decimals: 3)) s on \(c.file.hardware)")
            text.add("uncalibrated", Format.number(u.iterationSeconds, decimals: 3) + " s",
                     "\(Format.number(u.modelTFLOPSPerDevice, decimals: 1)) model TFLOPS per device (hardware figures alone)")
            text.add("calibrated", Format.number(r.iterationSeconds, decimals: 3) + " s", SoftwareCalibration.rule)
        }
        text.section("Throughput")
        text.add("model TFLOPS", Format.number(r.modelTFLOPSPerDevice, decimals: 1), "per device" + (mfu.map { ", MFU \(Format.number(100 * $0, decimals: 1)) %" } ?? ""))
        text.add("hardware TFLOPS", Format.number(r.hardwareTFLOPSPerDevice, decimals: 1), "per device, recomputation counted" + (hfu.map { ", HFU \(Format.number(100 * $0, decimals: 1)) %" } ?? ""))
        text.add("tokens/s", Format.number(r.tokensPerSecond, decimals: 0), "\(Format.number(r.tokensPerIteration, decimals: 0)) tokens per iteration")
        if let d = days, let it = iterations {
            text.add("days", Format.number(d), "\(Format.short(inputs.tokens!)) tokens = \(Format.number(it, decimals: 0)) iterations")
            text.add("device-hours", Format.number(deviceHours!, decimals: 0))
        }
        text.section("Memory per device")
        let m = r.memory
        text.add("weights", Format.number(m.weights / 1e9) + " GB")
        text.add("gradients", Format.number(m.gradients / 1e9) + " GB")
        text.add("optimizer state", Format.number(m.optimizerState / 1e9) + " GB")
        text.add("activations", Format.number(m.activations / 1e9) + " GB", "Korthikanti et al. 2022, recompute \(p.recompute.rawValue)")
        text.add("total", Format.number(m.total / 1e9) + " GB",
                 m.capacity.map { "of \(Format.number($0 / 1e9)) GB: " + (m.fits! ? "fits" : "does not fit") } ?? "capacity unknown")
        text.section("One layer, one micro-batch, forward")
        for op in r.layerForward {
            var note = ""
            if op.kind == .gemm || op.kind == .attention, let peak = hw.peakFLOPS {
                note = "\(Format.number(op.flops / 1e9, decimals: 1)) GFLOP at \(Format.number(100 * op.rate / peak, decimals: 1)) % of peak"
            } else if op.kind == .memory {
                note = "\(Format.number(op.bytes / 1e6, decimals: 1)) MB at \(Format.number(op.rate / 1e9, decimals: 0)) GB/s"
            } else if op.kind == .communication {
                note = "\(Format.number(op.bytes / 1e6, decimals: 1)) MB"
            }
            text.add("  " + op.name, Format.number(op.seconds * 1e3, decimals: 3) + " ms", note)
        }
        text.footer = warnings.map { "warning: " + $0 } + ["sources: --format json lists every figure's source"]
        return text.rendered()
    }
}

extension String {
    func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}
