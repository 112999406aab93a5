/// How the engine batches requests (`--scheduler`), with the defaults of its terms and their sources.
public enum ServingScheduler: String, Sendable, Equatable, CaseIterable {
    /// A fixed batch: one prefill of all its prompts, then decode steps until the whole batch finishes.
    case `static`
    /// In-flight (continuous) batching: every step carries one decode token of each running sequence
    /// and, with chunked prefill, up to `--prefill-chunk` prompt tokens (vLLM, TensorRT-LLM).
    case continuous

    public static func parse(_ raw: String, option: String = "--scheduler") throws -> ServingScheduler {
        guard let s = ServingScheduler(rawValue: raw.lowercased()) else {
            throw SizingError.usage("\(option) must be static or continuous, got '\(raw)'")
        }
        return s
    }
}

/// Defaults of the scheduler terms, each with its source (also in Docs/sizing.md).
public enum ServingSchedulerDefaults {
    /// Continuous batching is what both engines of the development cases run (TensorRT-LLM's in-flight
    /// batching; vLLM's scheduler), and what the model did before `--scheduler` existed.
    public static let scheduler = ServingScheduler.continuous
    /// Prompt tokens per step beside the decode tokens: TensorRT-LLM's `max_num_tokens` default, 8192
    /// (`BuildConfig.max_num_tokens = 8192` in its source; the budget its "Tuning Max Batch Size and Max
    /// Num Tokens" guide describes). vLLM's chunked-prefill default was 512 (`max_num_batched_tokens`, vLLM PR
    /// #4580: "the best ITL on A100 in the initial benchmark"). Both engines count decode tokens in the
    /// same budget; here the chunk is the prompt part alone.
    public static let prefillChunk = 8192.0
    public static let prefillChunkSource = "default 8192 prompt tokens per step: TensorRT-LLM's max_num_tokens default (BuildConfig.max_num_tokens = 8192); vLLM's chunked-prefill default was 512 (max_num_batched_tokens, vLLM PR #4580). Engines count decode tokens in the same budget; here the chunk is the prompt part"
    /// Fixed cost of each decode-attention kernel (one per layer): 1.3 µs, the per-kernel launch cost
    /// Hazy Research measured on an H100 even with CUDA graphs ("Look Ma, No Bubbles!", 2025-05-27).
    public static let attentionKernelSeconds = 1.3e-6
    public static let attentionKernelSource = "1.3 µs per decode-attention kernel (one per layer): the launch cost Hazy Research measured per kernel on an H100 with CUDA graphs (\"Look Ma, No Bubbles!\", 2025-05-27)"
    /// Host time per step (scheduling, input preparation, sampling, output processing) that does not
    /// overlap the GPU: 0.6 ms. Hazy Research ("Look Ma, No Bubbles!") found vLLM and SGLang use at most
    /// 50% of an H100's bandwidth decoding Llama-3.2-1B at batch 1: the 2.47 GB bf16 weight read (0.74 ms
    /// at 3.35 TB/s) takes ~1.5 ms a step; ~100 kernels × 1.3 µs explain 0.13 ms, leaving ~0.6 ms.
    public static let stepOverheadSeconds = 0.6e-3
    public static let stepOverheadSource = "default 0.6 ms per step: Hazy Research (\"Look Ma, No Bubbles!\", 2025-05-27) measured vLLM and SGLang at ≤50% of H100 bandwidth decoding Llama-3.2-1B at batch 1 (a 0.74 ms weight read taking ~1.5 ms); ~100 kernel launches × 1.3 µs explain 0.13 ms, leaving ~0.6 ms of host time per step"
}

extension ServingStep {
    /// Fraction of the KV-read bandwidth decode attention attains at `batch` sequences of `context`
    /// tokens: each layer's kernel pays a fixed `attentionKernelSeconds`, then streams the cache. It
    /// rises with the context and saturates at 1 (the bandwidth bound).
    public func decodeAttentionEfficiency(batch: Double, context: Double) -> Double {
        let stream = batch * context * kvBytesPerTokenPerDevice / kvAttainedBandwidth
        guard stream > 0 else { return 0 }
        return stream / (stream + Double(shape.layers) * attentionKernelSeconds)
    }

    /// Seconds to read the KV cache of `batch` sequences at `context` tokens: one kernel per layer.
    func kvReadSeconds(batch: Double, context: Double) -> Double {
        guard batch > 0 else { return 0 }
        return Double(shape.layers) * attentionKernelSeconds + batch * context * kvBytesPerTokenPerDevice / kvAttainedBandwidth
    }

    /// One step carrying `decodeRows` decode tokens (at the mean context) and `prefillTokens` prompt
    /// tokens: the weights are read once for all of them, the matrix products run over every row,
    /// decode attention reads the KV cache, prompt attention is compute-bound; then the all-reduces of
    /// every row and the host's per-step overhead.
    public func mixedStep(decodeRows d: Double, prefillTokens p: Double) -> DecodeStep {
        let weights = ServingStepModel.weightBytesReadPerStep(shape, linearBytes: linearBytes) / devices
        let kv = d * meanContext * kvBytesPerTokenPerDevice
        let matmul = (d + p) * 2 * Double(shape.layers) * (shape.attentionParametersPerLayer + shape.mlpParametersPerLayer) / devices
            + (d + p / inputTokens) * 2 * Double(shape.vocab) * Double(shape.hidden) / devices
        let layers = Double(shape.layers), hidden = Double(shape.hidden)
        let decodeAttention = d * 4 * layers * hidden * meanContext / devices
        // A prompt token attends on average to (I + 1)/2 tokens: 2·L·h·I(I+1) per prompt over I tokens.
        let prefillAttention = p * 2 * layers * hidden * (inputTokens + 1) / devices
        let message = (d + p) * hidden * activationBytes
        let comm = 2 * layers * Collective.allReduce.seconds(bytes: message, ranks: tp, link: link)
        var step = DecodeStep(
            weightSeconds: weights / attainedBandwidth,
            matmulSeconds: matmulSeconds(rows: d + p, logitRows: d + p / inputTokens),
            kvSeconds: kvReadSeconds(batch: d, context: meanContext), attentionSeconds: decodeAttention / attainedFLOPS,
            communicationSeconds: comm, bytesRead: weights + kv, flops: matmul + decodeAttention + prefillAttention)
        step.prefillAttentionSeconds = prefillAttention / attainedFLOPS
        step.overheadSeconds = stepOverheadSeconds
        step.attentionKernelLatencySeconds = d > 0 ? layers * attentionKernelSeconds : 0
        return step
    }

    /// Continuous batching with chunked prefill, in steady state with `batch` sequences running.
    /// Each sequence spends P steps in prefill (its ⌈I/C⌉ chunks, more when the chunk budget C is
    /// shared: the batch needs B·I/(P+O) prompt tokens a step and C is the most a step takes) and O in
    /// decode. Every step carries d = B·O/(P+O) decode tokens and p = B·I/(P+O) prompt tokens.
    func chunkedFigures(batch: Int, chunk: Double) -> Figures {
        let b = Double(batch), input = inputTokens, output = outputTokens
        let ownChunks = (input / chunk).rounded(.up)
        let inPrefill = max(ownChunks, b * input / chunk - output)
        let decodeRows = b * output / (inPrefill + output)
        let prefillTokens = b * input / (inPrefill + output)
        let step = mixedStep(decodeRows: decodeRows, prefillTokens: prefillTokens)
        let s = step.seconds
        // Wait for the chunk budget behind the other sequences' prompts (M/D/1 on the budget, service
        // ⌈I/C⌉ steps, ρ their share of it; ρ = (B−1)/B once the budget is saturated).
        let busy = (b - 1) * input / ((inPrefill + output) * chunk)
        let queueSteps = busy * ownChunks / (2 * (1 - busy))
        let queue = queueSteps * s + (inPrefill - ownChunks) * s
        let outputRate = decodeRows / s / devices
        return Figures(
            batch: batch, prefillSeconds: ownChunks * s, ttftSeconds: queue + ownChunks * s + s,
            prefillQueueSeconds: queue, decodeStepSeconds: s, tpotSeconds: s,
            outputTokensPerSecondPerDevice: outputRate,
            totalTokensPerSecondPerDevice: outputRate * (input + output) / output,
            decode: step, prefill: Prefill(computeSeconds: ownChunks * s, memorySeconds: 0, communicationSeconds: 0, flops: 0))
    }

    /// One prefill of a whole static batch: every prompt's tokens through the matrix products at once
    /// (the weights read once), each prompt's causal attention, all-reduces of every token.
    public func batchPrefill(batch: Int) -> Prefill {
        let b = Double(batch)
        let layers = Double(shape.layers), hidden = Double(shape.hidden)
        let attention = b * 2 * layers * hidden * inputTokens * (inputTokens + 1) / devices
        let weights = ServingStepModel.weightBytesReadPerStep(shape, linearBytes: linearBytes) / devices
        let message = b * inputTokens * hidden * activationBytes
        let comm = 2 * layers * Collective.allReduce.seconds(bytes: message, ranks: tp, link: link)
        var pre = Prefill(
            computeSeconds: matmulSeconds(rows: b * inputTokens, logitRows: b) + attention / attainedFLOPS,
            memorySeconds: weights / attainedBandwidth, communicationSeconds: comm,
            flops: b * ServingStepModel.prefillFLOPs(shape, inputTokens: inputTokens) / devices)
        pre.overheadSeconds = stepOverheadSeconds
        return pre
    }

    /// A static batch: one prefill of all `batch` prompts, then `outputTokens` decode steps that every
    /// sequence waits through (requests of one length finish together, so no slot idles; with mixed
    /// lengths the finished slots would idle until the longest ends). Under load a request arrives
    /// while a batch runs and waits for it: on average half a cycle.
    func staticFigures(batch: Int) -> Figures {
        let b = Double(batch)
        let step = decodeStep(batch: batch)
        let pre = batchPrefill(batch: batch)
        let cycle = pre.seconds + outputTokens * step.seconds
        let outputRate = b * outputTokens / cycle / devices
        let queue = cycle / 2
        return Figures(
            batch: batch, prefillSeconds: pre.seconds, ttftSeconds: queue + pre.seconds, prefillQueueSeconds: queue,
            decodeStepSeconds: step.seconds, tpotSeconds: step.seconds, outputTokensPerSecondPerDevice: outputRate,
            totalTokensPerSecondPerDevice: outputRate * (inputTokens + outputTokens) / outputTokens,
            decode: step, prefill: pre)
    }
}
