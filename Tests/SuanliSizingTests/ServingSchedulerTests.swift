import Testing
@testable import SuanliSizing

/// `--scheduler static|continuous`, `--prefill-chunk`, `--step-overhead` and the decode-attention
/// efficiency: orderings and arithmetic that must hold, and the one-line errors of bad values.
@Suite("Serving step model: scheduler, chunked prefill, host overhead, decode attention")
struct ServingSchedulerTests {
    let base = ["model": "llama3.3-70b", "device": "h100-sxm", "tp": "2", "precision": "fp8", "kv-precision": "fp8",
                "input-tokens": "8192", "output-tokens": "1024"]

    func plan(_ extra: [String: String]) throws -> ServingReport {
        var pairs = base
        for (k, v) in extra { pairs[k] = v }
        return try servePlan(pairs)
    }

    /// A small step on round hardware, continuous with the given chunk (nil: whole prompts).
    func tiny(chunk: Double?, scheduler: ServingScheduler = .continuous, overhead: Double = 0) -> ServingStep {
        var s = ServingStep(
            shape: tinyGQA, linearBytes: 2, kvBytes: 2, tp: 1, inputTokens: 256, outputTokens: 32,
            computeFLOPS: 1e9, bandwidthBytesPerSecond: 1e8,
            link: Link(name: "test", bytesPerSecond: 1e9, efficiency: 1, hopLatency: 0, baseLatency: 0), efficiency: .bound)
        s.scheduler = scheduler
        s.prefillChunk = chunk
        s.stepOverheadSeconds = overhead
        return s
    }

    @Test func defaultsAreContinuousWithTheSourcedChunkAndOverhead() throws {
        let r = try plan([:])
        #expect(r.inputs.scheduler == .continuous)
        #expect(r.inputs.prefillChunk == 8192)
        #expect(r.inputs.stepOverheadSeconds == 0.6e-3)
        #expect(r.json["scheduler"]?.stringValue == "continuous")
        #expect(r.json["inputs"]?["step_overhead_seconds"]?.doubleValue == 0.6e-3)
        #expect(r.json["sources"]?["step_overhead"]?.stringValue?.contains("No Bubbles") == true)
        #expect(r.json["sources"]?["prefill_chunk"]?.stringValue?.contains("max_num_tokens") == true)
        #expect(r.expected.decode.overheadSeconds == 0.6e-3)
    }

    @Test func continuousTTFTUnderLoadIsBelowStaticForLongPrompts() throws {
        for batch in ["8", "32"] {
            let continuous = try plan(["batch": batch])
            let fixed = try plan(["batch": batch, "scheduler": "static"])
            #expect(continuous.expected.ttftSeconds < fixed.expected.ttftSeconds, "batch \(batch)")
            // A static decode step carries no prompt tokens: never slower than a mixed continuous step.
            #expect(fixed.expected.tpotSeconds <= continuous.expected.tpotSeconds, "batch \(batch)")
            // Static TTFT holds the whole batch's prefill; it grows with the batch.
            #expect(fixed.expected.prefillSeconds > continuous.expected.prefillSeconds)
        }
        #expect(try plan(["batch": "32", "scheduler": "static"]).expected.ttftSeconds
                > plan(["batch": "8", "scheduler": "static"]).expected.ttftSeconds)
    }

    @Test func staticBatchArithmetic() {
        let s = tiny(chunk: nil, scheduler: .static, overhead: 1e-3)
        let f = s.figures(batch: 4)
        let pre = s.batchPrefill(batch: 4)
        let step = s.decodeStep(batch: 4)
        let cycle = pre.seconds + 32 * step.seconds
        #expect(close(f.outputTokensPerSecondPerDevice, 4 * 32 / cycle))
        #expect(close(f.ttftSeconds, cycle / 2 + pre.seconds), "half a running batch, then the batch's prefill")
        #expect(close(f.tpotSeconds, step.seconds))
        // One prefill of four prompts reads the weights once: cheaper than four prefills of one.
        #expect(pre.seconds < 4 * s.prefill.seconds)
    }

    @Test func chunkedPrefillRidesTheDecodeStep() {
        let s = tiny(chunk: 512)
        let f = s.figures(batch: 8)
        // ⌈256/512⌉ = 1 step of prefill, 32 of decode: 8·32/33 decode rows and 8·256/33 prompt tokens a step.
        let mixed = s.mixedStep(decodeRows: 8 * 32 / 33, prefillTokens: 8 * 256 / 33)
        #expect(close(f.tpotSeconds, mixed.seconds))
        #expect(close(f.outputTokensPerSecondPerDevice, 8 * 32 / 33 / mixed.seconds))
        #expect(mixed.prefillAttentionSeconds > 0)
        #expect(s.mixedStep(decodeRows: 8, prefillTokens: 0).seconds == s.decodeStep(batch: 8).seconds)
    }

    @Test func smallerChunksRaiseTTFTAndASaturatedBudgetCutsThroughput() {
        let large = tiny(chunk: 512).figures(batch: 8)
        let medium = tiny(chunk: 64).figures(batch: 8)
        let small = tiny(chunk: 16).figures(batch: 8)
        #expect(large.ttftSeconds < medium.ttftSeconds && medium.ttftSeconds < small.ttftSeconds)
        // 8 sequences need 8·256/(16 + 32) ≈ 43 prompt tokens a step at 16-token chunks: the budget binds,
        // sequences wait in prefill and fewer decode at once.
        #expect(small.decode.matmulSeconds < large.decode.matmulSeconds, "fewer rows a step")
        // On the Llama case: a 512-token chunk takes 16 steps for an 8192-token prompt; a 64-token chunk
        // cannot feed 32 sequences (32·8192/64 − 1024 = 3072 steps in prefill): few decode at once.
        let r8192 = try? plan(["batch": "32"])
        let r512 = try? plan(["batch": "32", "prefill-chunk": "512"])
        let r64 = try? plan(["batch": "32", "prefill-chunk": "64"])
        #expect((r512?.expected.ttftSeconds ?? 0) > (r8192?.expected.ttftSeconds ?? 1))
        #expect((r64?.expected.ttftSeconds ?? 0) > (r512?.expected.ttftSeconds ?? 1))
        #expect((r64?.expected.outputTokensPerSecondPerDevice ?? 1) < 0.8 * (r8192?.expected.outputTokensPerSecondPerDevice ?? 0))
    }

    @Test func hostOverheadIsAddedToEveryStep() {
        let without = tiny(chunk: 512), with = tiny(chunk: 512, overhead: 2e-3)
        #expect(close(with.decodeStep(batch: 8).seconds - without.decodeStep(batch: 8).seconds, 2e-3, within: 1e-9))
        #expect(close(with.figures(batch: 8).tpotSeconds - without.figures(batch: 8).tpotSeconds, 2e-3, within: 1e-9))
        // Static: the batch prefill is one step and each of the 32 decode steps another.
        let s0 = tiny(chunk: nil, scheduler: .static), s1 = tiny(chunk: nil, scheduler: .static, overhead: 2e-3)
        let cycle0 = 4 * 32 / s0.figures(batch: 4).outputTokensPerSecondPerDevice
        let cycle1 = 4 * 32 / s1.figures(batch: 4).outputTokensPerSecondPerDevice
        #expect(close(cycle1 - cycle0, 33 * 2e-3, within: 1e-9))
        // Through the planner: the expected decode step grows by the given overhead, the rate falls.
        let zero = try? plan(["batch": "16", "step-overhead": "0"])
        let five = try? plan(["batch": "16", "step-overhead": "0.005"])
        #expect(close(five?.expected.tpotSeconds ?? 0, (zero?.expected.tpotSeconds ?? 0) + 0.005, within: 1e-9))
        #expect((five?.expected.outputTokensPerSecondPerDevice ?? 1) < (zero?.expected.outputTokensPerSecondPerDevice ?? 0))
    }

    @Test func decodeAttentionEfficiencyRisesWithContextAndSaturatesAtTheBandwidthBound() throws {
        let r = try plan([:])
        let step = r.step
        // H100: the KV reads run at the catalog's achievable (BabelStream) 2,970 GB/s.
        #expect(step.achievableBandwidthBytesPerSecond == 2970e9)
        #expect(step.attentionKernelSeconds == 1.3e-6)
        var previous = 0.0
        for context: Double in [16, 128, 1024, 8192, 65536, 1_048_576] {
            let e = step.decodeAttentionEfficiency(batch: 1, context: context)
            #expect(e > previous && e <= 1, "context \(context)")
            previous = e
        }
        #expect(step.decodeAttentionEfficiency(batch: 1, context: 16) < 0.2, "short contexts: the per-kernel cost dominates")
        #expect(step.decodeAttentionEfficiency(batch: 64, context: 1_048_576) > 0.999, "long contexts: at the bandwidth bound")
        // The time approaches bytes / achievable bandwidth from above.
        let bytes = 64.0 * 65536 * step.kvBytesPerTokenPerDevice
        let t = step.kvReadSeconds(batch: 64, context: 65536)
        #expect(t > bytes / 2970e9 && t < bytes / 2970e9 * 1.001)
        // Without a published achievable figure (MI300X) the reads keep the ceiling × the bandwidth efficiency.
        let mi = try servePlan(["model": "llama2-70b", "device": "mi300x", "precision": "fp8", "kv-precision": "fp8",
                                "input-tokens": "300", "output-tokens": "294"])
        #expect(mi.step.achievableBandwidthBytesPerSecond == nil)
        #expect(close(mi.step.kvAttainedBandwidth, 5300e9 * 0.85))
    }

    @Test func calibrationStillReproducesTheMeasuredRate() throws {
        var a = serving(base)
        a.engine.measuredTPS = "300"; a.engine.calibrationFile.saveCalibration = "s.json"
        let r = try ServingPlanner.plan(a, catalog: catalog, models: modelCatalog, readFile: files([:]),
                                        writeFile: WrittenFiles().writer)
        #expect(abs(r.expected.outputTokensPerSecondPerDevice / 300 - 1) < 0.01)
        var s = serving(base)
        s.workload.scheduler = "static"; s.engine.measuredTPS = "150"; s.engine.calibrationFile.saveCalibration = "s.json"
        let st = try ServingPlanner.plan(s, catalog: catalog, models: modelCatalog, readFile: files([:]),
                                         writeFile: WrittenFiles().writer)
        #expect(abs(st.expected.outputTokensPerSecondPerDevice / 150 - 1) < 0.01)
    }

    @Test(arguments: [
        (["scheduler": "foo"], "--scheduler must be static or continuous"),
        (["step-overhead": "-0.001"], "--step-overhead must not be negative"),
        (["prefill-chunk": "0"], "--prefill-chunk must be"),
        (["prefill-chunk": "2.5"], "--prefill-chunk must be a whole number"),
        (["scheduler": "static", "prefill-chunk": "512"], "--prefill-chunk applies to --scheduler continuous"),
    ])
    func badValuesAreOneLineUsageErrors(_ extra: [String: String], _ message: String) {
        let e = sizingError { _ = try plan(extra) }
        #expect(e?.exitCode == 64, "\(extra)")
        #expect(e?.description.contains(message) == true, "\(e?.description ?? "no error")")
        #expect(e?.description.contains("\n") == false)
    }

    @Test func roughBoundRefusesTheSchedulerOptions() {
        let rough = roughServe(["params": "70B", "tokens-per-second": "10k", "device": "h100-sxm", "scheduler": "static"])
        let e = sizingError { _ = try ServeRouter.plan(rough, catalog: catalog, models: modelCatalog) }
        #expect(e?.description.contains("--scheduler needs the step model") == true)
    }
}

