import Testing
@testable import SuanliSizing

/// `size serve`'s arguments (a model shape: the step model) from `--option value` pairs.
func serving(_ pairs: [String: String], gated: Bool = false) -> ServeArguments {
    parsed(pairs, flags: gated ? ["gated-ffn"] : [])
}

func servePlan(_ pairs: [String: String], gated: Bool = false, files reader: FileReader = readFileFromDisk) throws -> ServingReport {
    try ServingPlanner.plan(serving(pairs, gated: gated), catalog: catalog, models: modelCatalog, readFile: reader)
}

/// A small GQA shape with a gated MLP: 2 layers, hidden 16, 4 heads of 4, 2 KV heads, ffn 40, vocab 10.
let tinyGQA = TransformerShape(layers: 2, hidden: 16, heads: 4, kvHeads: 2, ffn: 40, gatedFFN: true, vocab: 10,
                               tiedEmbeddings: false)

@Suite("Serving step model: closed forms")
struct ServingClosedFormTests {
    @Test func flopsPerTokenForGQAAndGatedMLP() {
        // Per layer: Q and O 16×16 each, K and V 16×(2 KV heads × head size 4) each, gate/up/down 16×40 each.
        let perLayer = 2.0 * 16 * 16 + 2.0 * 16 * 8 + 3.0 * 16 * 40
        let linear = 2 * perLayer + 10 * 16   // two layers and the output layer
        #expect(ServingStepModel.matmulParametersPerToken(tinyGQA) == linear)
        // Attention at context 7: Q·Kᵀ and ·V are 2·heads·headDim·7 each, per layer.
        let perHeadAndLayer: Double = 2 * 4 * 7   // 2 FLOPs × head size 4 × context 7
        let attention: Double = 2 * 4 * (perHeadAndLayer + perHeadAndLayer)   // 2 layers × 4 heads × (Q·Kᵀ + ·V)
        #expect(ServingStepModel.decodeFLOPsPerToken(tinyGQA, context: 7) == 2 * linear + attention)
        // A plain MLP has two matrices, not three.
        var plain = tinyGQA
        plain.gatedFFN = false
        #expect(ServingStepModel.matmulParametersPerToken(plain) == linear - 2 * 16 * 40)
    }

    @Test func groupedQueryAttentionShrinksTheCacheNotTheFLOPs() {
        var mha = tinyGQA
        mha.kvHeads = 4
        var mqa = tinyGQA
        mqa.kvHeads = 1
        let flops = ServingStepModel.decodeFLOPsPerToken
        // Attention arithmetic is per query head; only the K/V projections shrink with fewer KV heads.
        let kvProjections: Double = 2 * 16 * 16 - 2 * 16 * 4   // K and V: 16×16 each versus 16×4 each
        let difference: Double = flops(mha, 100) - flops(mqa, 100)
        #expect(difference == 2 * 2 * kvProjections)
        #expect(ServingStepModel.kvBytesPerToken(mha, kvBytes: 2) == 4 * ServingStepModel.kvBytesPerToken(mqa, kvBytes: 2))
    }

    @Test func prefillFLOPsCountCausalAttentionAndOneRowOfLogits() {
        let perLayer: Double = 2 * 16 * 16 + 2 * 16 * 8 + 3 * 16 * 40
        // 5 tokens through 2 layers, logits for the last, and Σ_{j=1..5} 4·16·j per layer.
        let linear: Double = 2 * 5 * 2 * perLayer
        let logits: Double = 2 * 10 * 16
        let attention: Double = 2 * 4 * 16 * 15
        let expected = linear + logits + attention
        #expect(ServingStepModel.prefillFLOPs(tinyGQA, inputTokens: 5) == expected)
    }

    @Test func kvCacheOfLlama70B() throws {
        let llama = try modelCatalog.lookup("llama3.3-70b").shape
        // 2 (K and V) × 80 layers × 8 KV heads × 128 per head × 2 bytes = 327,680 bytes per token.
        #expect(ServingStepModel.kvBytesPerToken(llama, kvBytes: 2) == 327_680)
        #expect(ServingStepModel.kvBytesPerSequence(llama, tokens: 2000, kvBytes: 1) == 2000 * 163_840)
        #expect(ServingStepModel.kvHeadsPerDevice(llama, tp: 2) == 4)
        #expect(ServingStepModel.kvHeadsPerDevice(llama, tp: 16) == 1, "more devices than KV heads: replicated")
    }

    @Test func weightBytesQuantizeOnlyTheBlocksLinearLayers() {
        let linear = 2 * (2.0 * 16 * 16 + 2.0 * 16 * 8 + 3.0 * 16 * 40)
        let rest = tinyGQA.parameterCount - linear   // embeddings, output layer, norms
        #expect(ServingStepModel.weightBytes(tinyGQA, linearBytes: 1) == linear + 2 * rest)
        // A decode step gathers only a few rows of the (untied) input embedding table.
        #expect(ServingStepModel.weightBytesReadPerStep(tinyGQA, linearBytes: 1) == linear + 2 * rest - 2 * 10 * 16)
    }

    @Test func decodeStepIsBoundPerKernelClass() {
        let step = ServingStep(
            shape: tinyGQA, linearBytes: 1, kvBytes: 2, tp: 1, inputTokens: 6, outputTokens: 4,
            computeFLOPS: 1e6, bandwidthBytesPerSecond: 1e5, link: Link(name: "test", bytesPerSecond: 1e9, efficiency: 1, hopLatency: 0, baseLatency: 0),
            efficiency: .init(compute: 0.5, bandwidth: 0.5))
        let d = step.decodeStep(batch: 3)
        let context = 6.0 + 4 / 2
        let weights = ServingStepModel.weightBytesReadPerStep(tinyGQA, linearBytes: 1)
        let kv = 3 * context * ServingStepModel.kvBytesPerToken(tinyGQA, kvBytes: 2)
        #expect(close(d.weightSeconds, weights / 5e4))
        #expect(close(d.kvSeconds, kv / 5e4))
        #expect(close(d.matmulSeconds, 3 * 2 * ServingStepModel.matmulParametersPerToken(tinyGQA) / 5e5))
        #expect(close(d.attentionSeconds, 3 * 4 * 2 * 16 * context / 5e5))
        #expect(d.communicationSeconds == 0, "one device: no all-reduce")
        #expect(close(d.seconds, max(d.weightSeconds, d.matmulSeconds) + max(d.kvSeconds, d.attentionSeconds)))
        // TPOT adds each step's share of the batch's prefills: batch / output tokens of them.
        let f = step.figures(batch: 3)
        #expect(close(f.tpotSeconds, d.seconds + 3 * f.prefillSeconds / 4))
        #expect(close(f.outputTokensPerSecondPerDevice, 3 / f.tpotSeconds))
        #expect(close(f.totalTokensPerSecondPerDevice, f.outputTokensPerSecondPerDevice * 10 / 4))
        // TTFT: the mean M/D/1 wait behind the other two sequences' prefills, own prefill, the step in flight.
        let busy = 2 * f.prefillSeconds / 4 / f.tpotSeconds
        let wait = busy * f.prefillSeconds / (2 * (1 - busy))
        #expect(close(f.prefillQueueSeconds, wait))
        #expect(close(f.ttftSeconds, wait + f.prefillSeconds + d.seconds))
        #expect(step.figures(batch: 1).prefillQueueSeconds == 0, "alone: nobody to wait for")
    }

    @Test func measuredGEMMCurveRunsEachProductAtItsShapesRate() {
        let link = Link(name: "test", bytesPerSecond: 1e12, efficiency: 1, hopLatency: 0, baseLatency: 0)
        func step(_ curve: GEMMRateCurve?) -> ServingStep {
            ServingStep(shape: tinyGQA, linearBytes: 2, kvBytes: 2, tp: 1, inputTokens: 64, outputTokens: 8,
                        computeFLOPS: 1e12, bandwidthBytesPerSecond: 1e15, link: link,
                        efficiency: .init(compute: 0.5, bandwidth: 1), gemmCurve: curve)
        }
        // A flat curve at the same rate changes nothing.
        let flat = GEMMRateCurve(points: [.init(m: 1, n: 16, k: 16, rate: 1e12), .init(m: 4096, n: 16, k: 16, rate: 1e12)])
        #expect(close(step(flat).prefill.computeSeconds, step(nil).prefill.computeSeconds))
        #expect(close(step(flat).decodeStep(batch: 4).matmulSeconds, step(nil).decodeStep(batch: 4).matmulSeconds))
        // Small products measured slower: decode (few rows) slows down more than prefill (64 rows).
        let sloped = GEMMRateCurve(points: [.init(m: 1, n: 16, k: 16, rate: 1e11), .init(m: 64, n: 16, k: 16, rate: 1e12)])
        #expect(step(sloped).decodeStep(batch: 1).matmulSeconds > 5 * step(nil).decodeStep(batch: 1).matmulSeconds)
        let prefillRatio = step(sloped).prefill.computeSeconds / step(nil).prefill.computeSeconds
        #expect(prefillRatio > 1 && prefillRatio < 2, "64-row products at the measured 1e12, only the logits row slower")
    }

    @Test func tensorParallelAllReducesTwicePerLayer() {
        let link = Link(name: "test", bytesPerSecond: 100e9, efficiency: 0.8, hopLatency: 3e-6, baseLatency: 8e-6)
        let step = ServingStep(
            shape: tinyGQA, linearBytes: 2, kvBytes: 2, tp: 2, inputTokens: 6, outputTokens: 4,
            computeFLOPS: 1e12, bandwidthBytesPerSecond: 1e12, link: link, efficiency: .bound)
        // Ring all-reduce of batch × hidden 16-bit activations: base + 2(n−1) hops + 2(n−1)/n × bytes / (rate × efficiency).
        let bytes = 3.0 * 16 * 2
        let one = 8e-6 + 2 * 3e-6 + bytes / (100e9 * 0.8)
        #expect(close(step.decodeStep(batch: 3).communicationSeconds, 2 * 2 * one))
        let prefillBytes = 6.0 * 16 * 2
        #expect(close(step.prefill.communicationSeconds, 2 * 2 * (8e-6 + 2 * 3e-6 + prefillBytes / (100e9 * 0.8))))
    }
}

@Suite("Serving step model: batch, targets and demand")
struct ServingBatchTests {
    let step = ServingStep(
        shape: tinyGQA, linearBytes: 2, kvBytes: 2, tp: 1, inputTokens: 64, outputTokens: 32,
        computeFLOPS: 1e9, bandwidthBytesPerSecond: 1e8, link: Link(name: "test", bytesPerSecond: 1e9, efficiency: 1, hopLatency: 0, baseLatency: 0),
        efficiency: .bound)

    @Test func tpotTargetPicksTheLargestBatchMeetingIt() {
        let target = (step.figures(batch: 10).tpotSeconds + step.figures(batch: 11).tpotSeconds) / 2
        let c = ServingBatch.choose(step: step, limit: 100, limitReason: "capacity", targets: .init(tpot: target))
        #expect(c.batch == 10)
        #expect(c.limitedBy == "tpot")
    }

    @Test func ttftTargetPicksTheLargestBatchMeetingIt() {
        let target = (step.figures(batch: 20).ttftSeconds + step.figures(batch: 21).ttftSeconds) / 2
        let c = ServingBatch.choose(step: step, limit: 100, limitReason: "capacity", targets: .init(ttft: target))
        #expect(c.batch == 20)
        #expect(c.limitedBy == "ttft")
    }

    @Test func theTighterTargetBindsAndLooseTargetsLeaveTheLimit() {
        let tpot = (step.figures(batch: 10).tpotSeconds + step.figures(batch: 11).tpotSeconds) / 2
        let ttft = step.figures(batch: 50).ttftSeconds
        let both = ServingBatch.choose(step: step, limit: 100, limitReason: "capacity", targets: .init(ttft: ttft, tpot: tpot))
        #expect(both.batch == 10 && both.limitedBy == "tpot")
        let loose = ServingBatch.choose(step: step, limit: 40, limitReason: "max-batch", targets: .init(ttft: 1e9, tpot: 1e9))
        #expect(loose.batch == 40 && loose.limitedBy == "max-batch")
        let none = ServingBatch.choose(step: step, limit: 40, limitReason: "capacity", targets: .init(tpot: 1e-12))
        #expect(none.batch == 0 && none.limitedBy == "tpot")
    }

    @Test func planWithTargetsSaysWhichBinds() throws {
        let base = ["model": "llama3.3-70b", "device": "h100-sxm", "tp": "2", "precision": "fp8", "kv-precision": "fp8",
                    "input-tokens": "1000", "output-tokens": "1000"]
        let free = try servePlan(base)
        #expect(free.binding == "capacity" && free.choice.limitedBy == "capacity")
        var tight = base
        tight["slo-tpot"] = "0.03"
        let r = try servePlan(tight)
        #expect(r.expected.tpotSeconds <= 0.03)
        #expect(r.choice.batch < free.choice.batch)
        #expect(r.sloBinding == "tpot")
        #expect(r.json["slo_binding"]?.stringValue == "tpot")
        var ttft = base
        ttft["slo-ttft"] = String(r.step.figures(batch: 1).ttftSeconds * 1.05)
        #expect(try servePlan(ttft).sloBinding == "ttft")
    }

    @Test func peakFactorArithmetic() throws {
        #expect(ServingDemand.peakTokensPerSecond(averageTokensPerSecond: 1000, peakFactor: 2.5) == 2500)
        // 2,500 tokens/s at 300 per device is 8.33 devices: 5 groups of 2 = 10.
        #expect(ServingDemand.devices(peakTokensPerSecond: 2500, tokensPerSecondPerDevice: 300, tp: 2) == 10)
        #expect(Energy(watts: 700, powerSource: "", pue: 1.2).perDay(devices: 10).kWh == 10 * 24 * 700 / 1000 * 1.2)

        let pairs = ["model": "llama3.3-70b", "device": "h200", "tp": "2", "precision": "fp8",
                     "input-tokens": "1000", "output-tokens": "500", "dau": "100M", "tokens-per-user": "2000",
                     "peak-factor": "3", "slo-tpot": "0.2", "price-per-device-hour": "3"]
        let r = try servePlan(pairs)
        let average = 100e6 * 2000 / 86_400
        let d = try #require(r.demand)
        #expect(close(d.averageTokensPerSecond, average))
        #expect(close(d.peakTokensPerSecond, 3 * average))
        let exact = 3 * average / r.expected.outputTokensPerSecondPerDevice
        #expect(close(d.devicesExact, exact))
        #expect(d.devices == (exact / 2).rounded(.up) * 2)
        #expect(close(d.energyKWhPerDay, d.devices * 700 * 24 / 1000))
        #expect(close(d.energyKWhPerMillionTokens, d.devices * 700 * 24 / 1000 / (average * 86_400 / 1e6)))
        #expect(close(d.costPerDay, d.devices * 24 * 3))
        #expect(r.json["devices"]?.doubleValue == d.devices)
        // Without --peak-factor the fleet is sized for the average, and the output says so.
        var average1 = pairs
        average1["peak-factor"] = nil
        let r1 = try servePlan(average1)
        #expect(r1.notes.contains { $0.contains("peak-factor 1") })
        #expect(try #require(r1.demand).devices <= d.devices)
    }

    @Test func requestsPerSecondDemand() throws {
        let r = try servePlan(["model": "llama2-70b", "device": "h100-sxm", "tp": "4", "input-tokens": "500",
                               "output-tokens": "250", "requests-per-second": "40"])
        #expect(close(r.demand?.averageTokensPerSecond, 40 * 250))
        #expect(r.demand!.devices.truncatingRemainder(dividingBy: 4) == 0)
    }
}

@Suite("Serving step model: hardware and calibration")
struct ServingHardwareTests {
    let base = ["model": "llama3.3-70b", "tp": "2", "precision": "fp8", "input-tokens": "1000", "output-tokens": "1000"]

    func gemmWith(_ median: Double, precision: String, engine: String?, peak: Double?) -> String {
        let params = engine.map { ", \"parameters\": {\"engine\": \"\($0)\", \"tile\": \"128\"}" } ?? ""
        let theoretical = peak.map { ", \"theoretical_peak\": \($0)" } ?? ""
        return """
            {"device": "opencl:0:0", "suite": "gemm", "kernel": "gemm", "precision": "\(precision)", "size": {"m": 8192, "n": 8192, "k": 8192},
             "unit": "GFLOP/s", "median": \(median), "verified": true, "status": "ok"\(params)\(theoretical)}
            """
    }

    @Test func catalogBasisIsTheAchievableGEMMAndMarksWeightOnly() throws {
        var pairs = base
        pairs["device"] = "h100-sxm"
        let h100 = try servePlan(pairs)
        #expect(h100.hardware.rateBasis == "catalog" && !h100.hardware.weightOnly)
        // Dense fp8 peak × the largest fraction of peak a GEMM reaches on it (catalog, measured in bf16).
        #expect(close(h100.hardware.computeFLOPS, 1979e12 * 0.801))
        #expect(h100.efficiency.compute == ServingDefaults.computeEfficiencyOfAchievable)
        pairs["device"] = "a100-80gb"
        pairs["tp"] = "4"
        let a100 = try servePlan(pairs)
        #expect(a100.hardware.weightOnly && a100.hardware.computePrecision == .bf16)
        #expect(close(a100.hardware.computeFLOPS, 312e12 * 0.859))
        #expect(a100.json["weight_only"] == .bool(true))
        #expect(a100.notes.contains { $0.contains("weight-only fp8") })
        // Without an achievable-GEMM figure the ceiling is the datasheet peak, with its own default.
        pairs["device"] = "h100-pcie"
        pairs["tp"] = "2"
        let pcie = try servePlan(pairs)
        #expect(pcie.hardware.computeFLOPS == 1513e12 && !pcie.hardware.computeIsAchievableGEMM)
        #expect(pcie.efficiency.compute == ServingDefaults.computeEfficiencyOfPeak)
    }

    @Test func measuredTensorGEMMAtTheServingPrecision() throws {
        var pairs = base
        pairs["calibrate"] = "r.json"
        pairs["precision"] = "fp16"
        pairs["tp"] = "4"
        let text = resultFile(measurements: [
            gemmWith(60_000, precision: "fp32", engine: "vector", peak: 67_000),
            gemmWith(700_000, precision: "fp16", engine: "tensor", peak: 989_000),
            stream(3000, kernel: "triad"),
        ])
        let r = try servePlan(pairs, files: files(["r.json": text]))
        #expect(r.hardware.rateBasis == "measured")
        #expect(close(r.hardware.computeFLOPS, 700e12))
        #expect(r.hardware.bandwidthBasis == "measured" && r.hardware.bandwidthBytesPerSecond == 3000e9)
        #expect(r.hardware.memoryBytes == 85e9)
        #expect(r.efficiency.compute == ServingDefaults.computeEfficiencyOfAchievable)
        #expect(r.json["rate_basis"]?.stringValue == "measured")
    }

    @Test func vectorGEMMIsExtrapolatedNeverUsedSilently() throws {
        var pairs = base
        pairs["calibrate"] = "r.json"
        pairs["device"] = "h100-sxm"
        pairs["precision"] = "fp16"
        pairs["tp"] = "4"
        // An fp16 figure from vector units is not the tensor-core rate serving runs at.
        let text = resultFile(measurements: [
            gemmWith(50_000, precision: "fp32", engine: "vector", peak: 67_000),
            gemmWith(90_000, precision: "fp16", engine: "vector", peak: 134_000),
            stream(3000, kernel: "copy"),
        ])
        let r = try servePlan(pairs, files: files(["r.json": text]))
        #expect(r.hardware.rateBasis == "extrapolated")
        #expect(close(r.hardware.computeFLOPS, 50.0 / 67 * 989e12), "the best measured fraction × the fp16 dense peak")
        #expect(r.hardware.computeSource.contains("extrapolated"))
        // Without a catalog device there is nothing to extrapolate to: exit 65 naming what is missing.
        pairs["device"] = nil
        let e = sizingError { _ = try servePlan(pairs, files: files(["r.json": text])) }
        #expect(e?.exitCode == 65)
        #expect(e?.description.contains("fp16") == true)
    }

    @Test func clusterFileGivesTheMeasuredAllReduceCurve() throws {
        let busbw = [(1024.0, 0.1), (65536.0, 5.0), (16_777_216.0, 200.0)].map { bytes, gbps in
            """
            {"device": "cluster", "suite": "allreduce", "kernel": "allreduce-busbw", "size": {"bytes": \(Int(bytes)), "ranks": 2},
             "unit": "GB/s", "median": \(gbps), "verified": true, "status": "ok"}
            """
        }
        var pairs = base
        pairs["calibrate"] = "c.json"
        pairs["device"] = "h100-sxm"
        let text = resultFile(measurements: [gemmWith(40_000, precision: "fp32", engine: "vector", peak: 67_000)] + busbw)
        let r = try servePlan(pairs, files: files(["c.json": text]))
        let curve = try #require(r.hardware.link.measured)
        #expect(curve.points.count == 3 && r.hardware.measuredRanks == 2)
        // Two all-reduces per layer of batch × hidden × 2 bytes, each bytes × 2(n−1)/n ÷ the busbw at that size.
        let message = Double(r.choice.batch) * 8192 * 2
        let one = message * 1 / curve.busBytesPerSecond(at: message)
        #expect(close(r.step.decodeStep(batch: r.choice.batch).communicationSeconds, 160 * one))
    }
}

@Suite("Serving step model: bad input and the rough bound")
struct ServingInputTests {
    let base = ["model": "llama3.3-70b", "device": "h100-sxm", "tp": "2", "precision": "fp8",
                "input-tokens": "1000", "output-tokens": "1000"]

    func error(_ pairs: [String: String], gated: Bool = false) -> SizingError? {
        sizingError { _ = try servePlan(pairs, gated: gated) }
    }

    @Test func badShapesAndSplits() {
        let shape = ["layers": "4", "hidden": "64", "heads": "8", "vocab": "100", "device": "h100-sxm",
                     "input-tokens": "10", "output-tokens": "10"]
        var kv = shape
        kv["kv-heads"] = "3"
        #expect(error(kv)?.description.contains("--kv-heads 3 does not divide --heads 8") == true)
        var tp = shape
        tp["tp"] = "3"
        #expect(error(tp)?.description.contains("--tp 3 does not divide --heads 8") == true)
        var both = base
        both["layers"] = "80"
        #expect(error(both)?.description.contains("--layers") == true)
        #expect(error(["device": "h100-sxm", "layers": "4", "input-tokens": "1", "output-tokens": "1"])?.description.contains("--hidden") == true)
        for e in [error(kv), error(tp), error(both)] { #expect(e?.exitCode == 64) }
    }

    @Test func lengthsMustBePositiveWholeNumbers() {
        for (key, value) in [("input-tokens", "0"), ("output-tokens", "-5"), ("input-tokens", "1.5"), ("output-tokens", "nan")] {
            var pairs = base
            pairs[key] = value
            let e = error(pairs)
            #expect(e?.exitCode == 64, "\(key) \(value)")
            #expect(e?.description.contains("--\(key)") == true, "\(key) \(value)")
        }
        var missing = base
        missing["output-tokens"] = nil
        #expect(error(missing)?.description.contains("--output-tokens") == true)
    }

    @Test func aBatchThatDoesNotFit() {
        var pairs = base
        pairs["batch"] = "100000"
        let e = error(pairs)
        #expect(e?.exitCode == 64)
        #expect(e?.description.contains("--batch 100000 does not fit") == true)
        var weights = base
        weights["tp"] = "1"
        weights["precision"] = "bf16"
        #expect(error(weights)?.description.contains("the weights do not fit") == true)
        var targets = base
        targets["slo-tpot"] = "0.0001"
        #expect(error(targets)?.description.contains("cannot be met even at batch 1") == true)
        var both = base
        both["batch"] = "8"
        both["slo-tpot"] = "0.1"
        #expect(error(both)?.exitCode == 64)
    }

    @Test func efficiencyOption() throws {
        var pairs = base
        pairs["efficiency"] = "compute=0.4,bandwidth=0.7"
        let r = try servePlan(pairs)
        #expect(r.efficiency == ServingEfficiency(compute: 0.4, bandwidth: 0.7))
        pairs["efficiency"] = "0.6"
        #expect(try servePlan(pairs).efficiency == ServingEfficiency(compute: 0.6, bandwidth: 0.6))
        for bad in ["1.5", "0", "speed=0.5", "compute"] {
            pairs["efficiency"] = bad
            #expect(error(pairs)?.exitCode == 64, "\(bad)")
        }
        // The bound is the same batch at the ceilings: never slower than the expected figure.
        let bound = r.bound, expected = r.expected
        #expect(bound.batch == expected.batch)
        #expect(bound.outputTokensPerSecondPerDevice > expected.outputTokensPerSecondPerDevice)
    }

    @Test func routerKeepsTheRoughBoundReachableAndLabelled() throws {
        let rough = ["params": "70B", "tokens-per-second": "10k", "device": "h100-sxm"]
        let answer = try ServeRouter.plan(roughServe(rough), catalog: catalog, models: modelCatalog)
        #expect(answer.json["model"]?.stringValue == "rough-bound")
        #expect(answer.table.contains("rough bound"))
        // Options of one model given to the other are refused by name.
        let mixed = sizingError {
            _ = try ServeRouter.plan(serving(base.merging(["params": "70B"]) { a, _ in a }), catalog: catalog, models: modelCatalog)
        }
        #expect(mixed?.description.contains("--params") == true)
        let stray = sizingError {
            _ = try ServeRouter.plan(roughServe(rough.merging(["tp": "2"]) { a, _ in a }), catalog: catalog, models: modelCatalog)
        }
        #expect(stray?.description.contains("--tp needs the step model") == true)
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let json = try servePlan(base).json
        for key in ["prefill_seconds", "ttft_seconds", "tpot_seconds", "output_tokens_per_second_per_device",
                    "total_tokens_per_second_per_device", "kv_cache_bytes_per_sequence", "max_batch_by_memory",
                    "binding", "sources", "bound", "rate_basis", "batch"] {
            #expect(json[key] != nil, "\(key)")
        }
        #expect(["memory", "compute", "capacity"].contains(json["binding"]?.stringValue ?? ""))
        #expect(json["sources"]?["compute_rate"] != nil && json["sources"]?["efficiency_compute"] != nil)
    }
}

/// The development cases of Docs/sizing.md whose engines run without a host bottleneck: the model
/// must stay within the documented ±25%. This guards the arithmetic; the cases are not fitted one by one.
@Suite("Serving step model: development cases")
struct ServingDevelopmentCaseTests {
    @Test(arguments: [
        (["device": "h100-sxm", "input-tokens": "1000", "output-tokens": "1000"], 2209.0),
        (["device": "h100-sxm", "input-tokens": "8192", "output-tokens": "1024"], 398.0),
        (["device": "h200", "input-tokens": "1000", "output-tokens": "1000"], 2587.0),
        (["device": "h200", "input-tokens": "8192", "output-tokens": "1024"], 537.0),
    ])
    func tensorRTLLMLlama33(_ pairs: [String: String], published: Double) throws {
        var all = pairs
        for (k, v) in ["model": "llama3.3-70b", "tp": "2", "precision": "fp8", "kv-precision": "fp8"] { all[k] = v }
        let r = try servePlan(all)
        #expect(abs(r.expected.outputTokensPerSecondPerDevice / published - 1) < 0.25, "\(pairs)")
    }

    @Test(arguments: [("h100-sxm", "2", 24_525.0 / 8), ("h200", "1", 31_303.0 / 8)])
    func mlperfLlama2Offline(_ device: String, _ tp: String, published: Double) throws {
        let r = try servePlan(["model": "llama2-70b", "device": device, "tp": tp, "precision": "fp8", "kv-precision": "fp8",
                               "input-tokens": "300", "output-tokens": "294"])
        #expect(abs(r.expected.outputTokensPerSecondPerDevice / published - 1) < 0.25, "\(device)")
    }
}
