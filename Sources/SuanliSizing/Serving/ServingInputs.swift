/// Defaults of the serving step model, each with its reason (also in Docs/sizing.md).
public enum ServingDefaults {
    /// Fraction of an achievable large-GEMM rate (measured by `suanli bench`, or the catalog peak ×
    /// its measured achievable-GEMM fraction) a serving forward pass attains: the project's
    /// end-to-end default, `Defaults.utilization` (0.6; Megatron-LM sustained 0.6 of its GEMM rate).
    /// Attention, norms, activations, sampling and batches of a few hundred tokens per GEMM keep
    /// serving below the large-GEMM rate as they keep training.
    public static let computeEfficiencyOfAchievable = Defaults.utilization
    /// Fraction of a bare datasheet peak (no achievable-GEMM figure known): 0.6 × the ~0.8 of
    /// dense peak large GEMMs reach on the catalog's NVIDIA parts (0.80–0.86, Bekman's MAMF table).
    public static let computeEfficiencyOfPeak = 0.5
    /// Fraction of the bandwidth ceiling decode attains. gpt-fast decodes Llama-2 at 1,397–1,482
    /// GB/s on an A100 whose achievable bandwidth it measured at ~1,700 GB/s (0.82–0.87), and the
    /// development cases as a set sit at 0.85–0.95 of the datasheet figure.
    public static let bandwidthEfficiency = 0.85
    /// Fraction of device memory the engine may fill with weights and KV cache (vLLM's
    /// `gpu_memory_utilization` and TensorRT-LLM's `kv_cache_free_gpu_mem_fraction` both default to 0.9).
    public static let memoryUtilization = 0.9
    /// Peak-hour demand over the daily average; 1 sizes for the average.
    public static let peakFactor = 1.0
}

/// The step model's inputs after parsing and validation.
public struct ServingInputs: Sendable {
    public var shape: TransformerShape
    public var modelName: String
    public var modelSources: [(String, String)]
    public var precision: SizingPrecision
    public var kvPrecision: SizingPrecision
    public var tp: Int
    public var gpusPerNode: Int = 8
    public var inputTokens: Double
    public var outputTokens: Double
    public var batch: Int?
    public var maxBatch: Int?
    /// Explicit efficiencies (nil: the default for the rate basis).
    public var computeEfficiency: Double?
    public var bandwidthEfficiency: Double?
    public var memoryUtilization: Double
    public var scheduler: ServingScheduler = ServingSchedulerDefaults.scheduler
    /// Prompt tokens per continuous step (nil under the static scheduler).
    public var prefillChunk: Double?
    public var stepOverheadSeconds: Double = ServingSchedulerDefaults.stepOverheadSeconds
    public var targets: ServingBatch.Targets
    public var demand: ServeDemand?

    /// Parses and checks every option; a one-line usage error naming the option otherwise.
    public static func parse(_ a: ServeArguments, models: ModelCatalog) throws -> ServingInputs {
        // MARK: Shape
        let shapeOptions: [(String, String?)] = [
            ("--layers", a.shape.layers), ("--hidden", a.shape.hidden), ("--heads", a.shape.heads), ("--kv-heads", a.shape.kvHeads),
            ("--ffn", a.shape.ffn), ("--vocab", a.shape.vocab),
        ]
        let shape: TransformerShape
        let name: String
        var sources: [(String, String)] = []
        if let query = a.shape.model {
            if let given = shapeOptions.first(where: { $0.1 != nil }) ?? (a.shape.gatedFFN ? ("--gated-ffn", "") : nil) {
                throw SizingError.usage("--model \(query) already gives the shape; drop \(given.0)")
            }
            let entry = try models.lookup(query)
            shape = entry.shape
            name = entry.name
            sources.append(("model", "\(entry.name) (model catalog id \(entry.id)): params \(entry.params.citation)"))
            for key in ["layers", "hidden", "heads", "kv_heads", "ffn", "gated_ffn", "vocab", "tied_embeddings"] {
                if let c = entry.citations[key] { sources.append(("model_\(key)", c)) }
            }
        } else {
            func dimension(_ option: String, _ raw: String?) throws -> Int? {
                guard let raw else { return nil }
                let v = try Quantity.count(raw, option: option)
                guard v < 1e9 else { throw SizingError.usage("\(option) is too large, got '\(raw)'") }
                return Int(v)
            }
            guard let layers = try dimension("--layers", a.shape.layers), let hidden = try dimension("--hidden", a.shape.hidden),
                  let heads = try dimension("--heads", a.shape.heads), let vocab = try dimension("--vocab", a.shape.vocab)
            else {
                let missing = [("--layers", a.shape.layers), ("--hidden", a.shape.hidden), ("--heads", a.shape.heads), ("--vocab", a.shape.vocab)]
                    .filter { $0.1 == nil }.map(\.0).joined(separator: ", ")
                throw SizingError.usage("give the model: --model NAME, or the shape (missing \(missing))")
            }
            shape = TransformerShape(
                layers: layers, hidden: hidden, heads: heads, kvHeads: try dimension("--kv-heads", a.shape.kvHeads),
                ffn: try dimension("--ffn", a.shape.ffn), gatedFFN: a.shape.gatedFFN, vocab: vocab)
            name = "custom shape"
            sources.append(("model", "the shape options (--layers, --hidden, --heads, --kv-heads, --ffn, --gated-ffn, --vocab)"))
        }
        try shape.validate()

        // MARK: Precision and tensor parallelism
        let precision = try a.rate.precision.map { try SizingPrecision.serving($0, option: "--precision") } ?? .bf16
        let kvPrecision = try a.engine.kvPrecision.map { try SizingPrecision.serving($0, option: "--kv-precision") }
            ?? (precision.isEightBit ? .bf16 : precision)
        let tp = try a.engine.tp.map { try wholeCount($0, option: "--tp") } ?? 1
        if let problem = ServingStepModel.tensorParallelProblem(shape, tp: tp) { throw SizingError.usage(problem) }
        let gpusPerNode = try a.engine.gpusPerNode.map { try wholeCount($0, option: "--gpus-per-node") } ?? 8

        // MARK: Requests, batch and efficiency
        guard let rawInput = a.workload.inputTokens, let rawOutput = a.workload.outputTokens else {
            throw SizingError.usage("give the request size: --input-tokens N --output-tokens M (prompt and reply, per request)")
        }
        let input = try Quantity.count(rawInput, option: "--input-tokens")
        let output = try Quantity.count(rawOutput, option: "--output-tokens")
        let batch = try a.workload.batch.map { try wholeCount($0, option: "--batch") }
        let maxBatch = try a.workload.maxBatch.map { try wholeCount($0, option: "--max-batch") }
        if let batch, let maxBatch, batch > maxBatch {
            throw SizingError.usage("--batch \(batch) exceeds --max-batch \(maxBatch)")
        }
        let (computeEfficiency, bandwidthEfficiency) = try parseEfficiency(a.workload.efficiency)
        let memoryUtilization = try a.workload.memoryUtilization.map {
            try Quantity.fractionAboveZero($0, option: "--memory-utilization")
        } ?? ServingDefaults.memoryUtilization

        // MARK: Latency targets
        let targets = ServingBatch.Targets(
            ttft: try a.workload.sloTTFT.map { try Quantity.positive($0, option: "--slo-ttft") },
            tpot: try a.workload.sloTPOT.map { try Quantity.positive($0, option: "--slo-tpot") })
        if batch != nil && !targets.isEmpty {
            throw SizingError.usage("--batch fixes the batch; --slo-ttft/--slo-tpot choose it. Give one or the other")
        }

        // MARK: Demand
        let demand = try ServeDemand.parse(a.demand, outputTokensPerRequest: output)
        let (scheduler, chunk, overhead) = try parseScheduler(a)

        var inputs = ServingInputs(
            shape: shape, modelName: name, modelSources: sources, precision: precision, kvPrecision: kvPrecision,
            tp: tp, gpusPerNode: gpusPerNode, inputTokens: input, outputTokens: output, batch: batch, maxBatch: maxBatch,
            computeEfficiency: computeEfficiency, bandwidthEfficiency: bandwidthEfficiency,
            memoryUtilization: memoryUtilization, targets: targets, demand: demand)
        inputs.scheduler = scheduler
        inputs.prefillChunk = chunk
        inputs.stepOverheadSeconds = overhead
        return inputs
    }

    /// `--scheduler static|continuous`, `--prefill-chunk N` (continuous only), `--step-overhead SECONDS` (≥ 0).
    static func parseScheduler(_ a: ServeArguments) throws -> (ServingScheduler, Double?, Double) {
        let scheduler = try a.workload.scheduler.map { try ServingScheduler.parse($0) } ?? ServingSchedulerDefaults.scheduler
        if scheduler == .static && a.workload.prefillChunk != nil {
            throw SizingError.usage("--prefill-chunk applies to --scheduler continuous; a static batch prefills its prompts whole")
        }
        let chunk = try a.workload.prefillChunk.map { raw -> Double in
            let v = try Quantity.count(raw, option: "--prefill-chunk")
            guard v < 1e9 else { throw SizingError.usage("--prefill-chunk is too large, got '\(raw)'") }
            return v
        } ?? ServingSchedulerDefaults.prefillChunk
        let overhead = try a.workload.stepOverhead.map { raw -> Double in
            let v = try Quantity.nonNegative(raw, option: "--step-overhead")
            guard v < 10 else { throw SizingError.usage("--step-overhead is seconds per step and must be below 10, got '\(raw)'") }
            return v
        } ?? ServingSchedulerDefaults.stepOverheadSeconds
        return (scheduler, scheduler == .continuous ? chunk : nil, overhead)
    }

    /// A whole number of at least 1 and below a billion (devices, sequences).
    static func wholeCount(_ raw: String, option: String) throws -> Int {
        let v = try Quantity.count(raw, option: option)
        guard v < 1e9 else { throw SizingError.usage("\(option) is too large, got '\(raw)'") }
        return Int(v)
    }

    /// `--efficiency F` (both), or `compute=F,bandwidth=G` (either or both).
    static func parseEfficiency(_ raw: String?) throws -> (Double?, Double?) {
        guard let raw else { return (nil, nil) }
        if !raw.contains("=") {
            let f = try Quantity.fractionAboveZero(raw, option: "--efficiency")
            return (f, f)
        }
        var compute: Double?, bandwidth: Double?
        for part in raw.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingWhitespace() }
            guard pair.count == 2 else {
                throw SizingError.usage("--efficiency takes F, or compute=F,bandwidth=G; got '\(raw)'")
            }
            let value = try Quantity.fractionAboveZero(pair[1], option: "--efficiency \(pair[0])")
            switch pair[0].lowercased() {
            case "compute": compute = value
            case "bandwidth", "memory": bandwidth = value
            default:
                throw SizingError.usage("--efficiency knows compute= and bandwidth=, got '\(pair[0])'")
            }
        }
        return (compute, bandwidth)
    }
}
