import Foundation
import Testing
@testable import SuanliSizing

/// A GPT-style shape (kv heads = heads, ffn = 4h, tied embeddings).
func gpt(layers: Int, hidden: Int, heads: Int, vocab: Int, seq: Int) -> TransformerShape {
    TransformerShape(layers: layers, hidden: hidden, heads: heads, vocab: vocab, seqLen: seq)
}

let modelCatalog: ModelCatalog = {
    do { return try ModelCatalog.embedded() } catch { fatalError("embedded model catalog: \(error)") }
}()

/// Step options for a catalog model on a catalog device.
func stepOptions(_ model: String, device: String = "a100-80gb", _ edit: (inout StepOptions) -> Void = { _ in }) -> StepOptions {
    var o = StepOptions.defaults
    o.shape.model = model
    o.device = device
    edit(&o)
    return o
}

@Suite("Step model: FLOPs")
struct StepFLOPsTests {
    @Test func megatronClosedFormWithFullRecompute() {
        // Narayanan et al. 2021, appendix: 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)) with full recomputation.
        for (l, h, a, v, s, batch) in [(105, 20480, 128, 51200, 2048, 1920), (70, 14336, 112, 250880, 2048, 2048), (2, 64, 4, 100, 32, 3)] {
            let shape = gpt(layers: l, hidden: h, heads: a, vocab: v, seq: s)
            let (B, S, L, H, V) = (Double(batch), Double(s), Double(l), Double(h), Double(v))
            let closed = 96 * B * S * L * H * H * (1 + S / (6 * H) + V / (16 * L * H))
            let computed = TransformerWork.hardwareFLOPs(shape, batch: batch, seq: s, vocab: v, recompute: .full)
            #expect(abs(computed / closed - 1) < 1e-12, "\(l) layers")
            // Without recomputation: 72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h)).
            let model = 72 * B * S * L * H * H * (1 + S / (6 * H) + V / (12 * L * H))
            #expect(abs(TransformerWork.modelFLOPs(shape, batch: batch, seq: s, vocab: v) / model - 1) < 1e-12)
        }
    }

    @Test func sixNDPlusTheAttentionTerm() {
        // Model FLOPs = 6·N·D + 12·L·H·s·D with N the weights used in GEMMs (layers and output layer)
        // and D the tokens (PaLM appendix B), for grouped-query, gated, untied shapes too.
        let shape = TransformerShape(layers: 4, hidden: 256, heads: 8, kvHeads: 2, ffn: 688, gatedFFN: true, vocab: 1000,
                                     seqLen: 512, tiedEmbeddings: false)
        let batch = 6
        let n = Double(shape.layers) * (shape.attentionParametersPerLayer + shape.mlpParametersPerLayer)
            + Double(shape.vocab * shape.hidden)
        let d = Double(batch * shape.seqLen)
        let expected = 6 * n * d + 12 * Double(shape.layers * shape.hidden * shape.seqLen) * d
        let computed = TransformerWork.modelFLOPs(shape, batch: batch, seq: shape.seqLen, vocab: shape.vocab)
        #expect(abs(computed / expected - 1) < 1e-12)
        // Selective recomputation repeats only the attention core: 4·s²·h per layer and sequence.
        let selective = TransformerWork.recomputeFLOPs(shape, batch: batch, seq: shape.seqLen, recompute: .selective)
        #expect(selective == Double(batch) * 4 * 4 * 512 * 512 * 256)
        #expect(TransformerWork.recomputeFLOPs(shape, batch: batch, seq: 512, recompute: .none) == 0)
    }

    @Test func vocabularyPaddedAsMegatronDoes() {
        #expect(TransformerWork.paddedVocab(50257, tensor: 1) == 50304)
        #expect(TransformerWork.paddedVocab(50257, tensor: 8) == 51200)
        #expect(TransformerWork.paddedVocab(250880, tensor: 4) == 250880)
    }
}

@Suite("Step model: memory")
struct StepMemoryTests {
    /// Korthikanti et al. 2022, Table 2, per layer: s·b·h·(10 + 24/t + 5·a·s/(h·t)) without sequence
    /// parallelism; s·b·h·(34/t + 5·a·s/(h·t)) with it; 34·s·b·h/t selective with sequence
    /// parallelism; s·b·h·(10 + 24/t) selective without; 2·s·b·h full.
    @Test func korthikantiFormulasForEachMode() {
        for (h, a, s, b, t) in [(12288, 96, 2048, 1, 8), (20480, 128, 2048, 2, 4), (64, 4, 16, 3, 2)] {
            let shape = gpt(layers: 1, hidden: h, heads: a, vocab: 10, seq: s)
            let sbh = Double(s * b * h), tt = Double(t), ratio = 5 * Double(a) * Double(s) / (Double(h) * tt)
            func bytes(_ sp: Bool, _ r: Recompute) -> Double {
                ActivationMemory.perLayerBytes(shape, seq: s, microbatch: b, tensor: t, sequenceParallel: sp, recompute: r,
                                               attention: .materialized)
            }
            #expect(close(bytes(false, .none), sbh * (10 + 24 / tt + ratio)))
            #expect(close(bytes(true, .none), sbh * (34 / tt + ratio)))
            #expect(close(bytes(true, .selective), sbh * 34 / tt))
            #expect(close(bytes(false, .selective), sbh * (10 + 24 / tt)))
            #expect(close(bytes(false, .full), 2 * sbh))
            #expect(close(bytes(true, .full), 2 * sbh / tt))
            // Flash attention keeps no s × s scores.
            let flash = ActivationMemory.perLayerBytes(shape, seq: s, microbatch: b, tensor: t, sequenceParallel: true,
                                                       recompute: .none, attention: .flash)
            #expect(close(flash, sbh * 34 / tt))
        }
    }

    @Test func modelStateShardsWithZeRO() throws {
        func memory(_ zero: Int) throws -> StepMemory {
            try StepPlanner.plan(stepOptions("llama2-70b") {
                $0.parallel.tp = 8; $0.parallel.dp = 4; $0.parallel.globalBatch = 4; $0.parallel.zero = zero; $0.recompute = .full; $0.parallel.ignoreMemory = true
            }, catalog: catalog, models: modelCatalog, readFile: files([:])).result.memory
        }
        let z0 = try memory(0), z1 = try memory(1), z2 = try memory(2), z3 = try memory(3)
        #expect(close(z1.optimizerState, z0.optimizerState / 4) && z1.gradients == z0.gradients)
        #expect(close(z2.gradients, z0.gradients / 4) && z2.weights == z0.weights)
        #expect(close(z3.weights, z0.weights / 4))
        // 2 + 2 + 12 bytes per parameter without ZeRO (ZeRO paper §3.1).
        #expect(close(z0.weights + z0.gradients + z0.optimizerState, 16 * (z0.weights / 2)))
    }
}

@Suite("Step model: pipeline and collectives")
struct StepCommunicationTests {
    let link = Link(name: "test", bytesPerSecond: 100e9, efficiency: 0.8, hopLatency: 2e-6, baseLatency: 5e-6)

    @Test func bubbleFormula() {
        #expect(StepModel.bubbleFraction(pipeline: 35, interleave: 1, microbatches: 240) == 34.0 / 240)
        #expect(StepModel.bubbleFraction(pipeline: 16, interleave: 4, microbatches: 32) == 15.0 / 128)
        #expect(StepModel.bubbleFraction(pipeline: 1, interleave: 1, microbatches: 8) == 0)
    }

    @Test func collectiveTimeIsLatencyPlusBytesTimesFactor() {
        let bytes = 1e9
        let n = 8
        let ar = Collective.allReduce.seconds(bytes: bytes, ranks: n, link: link)
        #expect(close(ar, 5e-6 + 14 * 2e-6 + bytes * 2 * 7 / 8 / (100e9 * 0.8)))
        let rs = Collective.reduceScatter.seconds(bytes: bytes, ranks: n, link: link)
        #expect(close(rs, 5e-6 + 7 * 2e-6 + bytes * 7 / 8 / 80e9))
        #expect(Collective.allGather.seconds(bytes: bytes, ranks: n, link: link) == rs)
        #expect(close(Collective.pointToPoint.seconds(bytes: bytes, ranks: 2, link: link), 5e-6 + 2e-6 + bytes / 80e9))
        #expect(Collective.allReduce.seconds(bytes: bytes, ranks: 1, link: link) == 0)
        // A measured busbw curve replaces the line-rate model: time = bytes × factor / busbw(bytes).
        var measured = link
        measured.measured = BusBandwidthCurve(points: [(1e6, 10e9), (1e9, 50e9)])
        #expect(close(Collective.allReduce.seconds(bytes: 1e9, ranks: n, link: measured), 1e9 * 1.75 / 50e9))
        #expect(close(measured.measured!.busBytesPerSecond(at: sqrt(1e6 * 1e9)), 30e9))
        #expect(measured.measured!.busBytesPerSecond(at: 1) == 10e9)
    }

    @Test func iterationAddsUpAndTheBubbleShrinksWithInterleaving() throws {
        func run(_ v: Int) throws -> StepResult {
            try StepPlanner.plan(stepOptions("gpt3-175b") {
                $0.parallel.tp = 8; $0.parallel.pp = 8; $0.parallel.dp = 2; $0.parallel.globalBatch = 64; $0.parallel.interleave = v; $0.recompute = .full
                $0.parallel.sequenceParallel = true
            }, catalog: catalog, models: modelCatalog, readFile: files([:])).result
        }
        let plain = try run(1), interleaved = try run(3)
        for (r, v) in [(plain, 1.0), (interleaved, 3.0)] {
            #expect(close(r.iterationSeconds, r.breakdown.total))
            let m = 64.0 / 2
            #expect(close(r.breakdown.pipelineBubble, 7.0 / v * (r.stageSecondsPerMicrobatch + r.pointToPointSecondsPerMicrobatch)))
            #expect(close(r.breakdown.forwardCompute + r.breakdown.backwardCompute + r.breakdown.recomputeCompute
                          + r.breakdown.tensorParallelCommunication, m * r.stageSecondsPerMicrobatch))
        }
        #expect(interleaved.breakdown.pipelineBubble < plain.breakdown.pipelineBubble)
        #expect(interleaved.breakdown.pipelinePointToPoint > plain.breakdown.pipelinePointToPoint)
        // Full recomputation repeats the layers' forward compute (not the output layer's).
        let f = plain.breakdown.forwardCompute, rc = plain.breakdown.recomputeCompute
        #expect(rc < f && rc > 0.9 * f)
    }

    /// Korthikanti et al.'s 530B layout without sequence parallelism: interleaving (v = 3) must be
    /// faster than v = 1. Sending the whole activation from every tensor-parallel rank (8× the bytes
    /// Megatron-LM's scatter/gather sends) made it look slower.
    @Test func interleavingIsFasterWhenPipelineSendsAreScatteredOverTP() throws {
        func run(_ v: Int) throws -> StepResult {
            var o = StepOptions.defaults
            o.device = "a100-80gb"; o.parallel.attention = .materialized
            o.shape.layers = 105; o.shape.hidden = 20480; o.shape.details.heads = 128; o.shape.details.vocab = 51200; o.shape.seqLen = 2048
            o.parallel.tp = 8; o.parallel.pp = 35; o.parallel.globalBatch = 280; o.parallel.interleave = v; o.recompute = .full; o.parallel.ignoreMemory = true
            return try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files([:])).result
        }
        let plain = try run(1), interleaved = try run(3)
        #expect(interleaved.iterationSeconds < plain.iterationSeconds)
        // The send of one micro-batch's activations at one boundary is 1/t of them plus the TP all-gather:
        // with the SP flag on, the same bytes are sent and nothing is gathered.
        var o = StepOptions.defaults
        o.device = "a100-80gb"; o.shape.layers = 105; o.shape.hidden = 20480; o.shape.details.heads = 128; o.shape.details.vocab = 51200; o.shape.seqLen = 2048
        o.parallel.tp = 8; o.parallel.pp = 35; o.parallel.globalBatch = 280; o.recompute = .full; o.parallel.ignoreMemory = true
        let noSP = try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files([:])).result
        o.parallel.sequenceParallel = true
        let sp = try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files([:])).result
        #expect(noSP.pointToPointSecondsPerMicrobatch > sp.pointToPointSecondsPerMicrobatch)
        #expect(noSP.pointToPointSecondsPerMicrobatch < 2 * sp.pointToPointSecondsPerMicrobatch)
    }

    @Test func overlapHidesTheGradientReduction() throws {
        func run(_ overlap: Bool) throws -> StepResult {
            try StepPlanner.plan(stepOptions("llama2-70b", device: "h100-sxm") {
                $0.parallel.tp = 8; $0.parallel.pp = 4; $0.parallel.dp = 16; $0.parallel.globalBatch = 512; $0.recompute = .selective; $0.parallel.sequenceParallel = true
                $0.parallel.overlapGradReduce = overlap; $0.parallel.zero = 1
            }, catalog: catalog, models: modelCatalog, readFile: files([:])).result
        }
        let exposed = try run(false), hidden = try run(true)
        #expect(exposed.dataParallelSeconds > 0)
        #expect(close(exposed.breakdown.dataParallelExposed, exposed.dataParallelSeconds))
        #expect(hidden.breakdown.dataParallelExposed < exposed.breakdown.dataParallelExposed)
    }
}

@Suite("Step model: GEMM rates")
struct GEMMRateTests {
    @Test func gridInterpolationInLogSize() {
        var points: [GEMMRateCurve.Point] = []
        for m in [256, 4096] { for n in [256, 4096] { for k in [256, 4096] {
            // A rate that is linear in log2 of each size, so trilinear interpolation is exact.
            let rate = 1e12 * (log2(Double(m)) + 2 * log2(Double(n)) + 3 * log2(Double(k)))
            points.append(.init(m: m, n: n, k: k, rate: rate))
        } } }
        let curve = GEMMRateCurve(points: points)
        #expect(curve.isGrid)
        let expected: Double = 1e12 * 61  // log2: 10 + 2 × 9 + 3 × 11
        #expect(close(curve.rate(m: 1024, n: 512, k: 2048), expected))
        #expect(curve.rate(m: 256, n: 256, k: 256) == points[0].rate)
        // Beyond the grid: the edge.
        #expect(curve.rate(m: 65536, n: 16, k: 4096) == curve.rate(m: 4096, n: 256, k: 4096))
    }

    @Test func scatteredPointsUseTheNearestAndDuplicatesKeepTheFastest() {
        let curve = GEMMRateCurve(points: [
            .init(m: 1024, n: 1024, k: 1024, rate: 1e12), .init(m: 1024, n: 1024, k: 1024, rate: 2e12),
            .init(m: 8192, n: 8192, k: 8192, rate: 9e12), .init(m: 0, n: 1, k: 1, rate: 5e12),
        ])
        #expect(!curve.isGrid && curve.points.count == 2)
        #expect(curve.rate(m: 2048, n: 1024, k: 1024) == 2e12)
        #expect(curve.rate(m: 6000, n: 6000, k: 9000) == 9e12)
    }

    @Test func modelledRateFallsForSmallAndThinGEMMs() {
        let rate = GEMMRate.modelled(peak: 312e12, efficiency: 0.859, computeUnits: 108, memoryBytesPerSecond: 2.039e12, elementBytes: 2)
        let big = rate.seconds(m: 8192, n: 8192, k: 8192).rate
        #expect(big <= 312e12 * 0.859 && big > 312e12 * 0.8)
        // One wave of 108 units with 109 tiles: about half the second wave idle.
        #expect(GEMMRate.waveEfficiency(m: 128 * 109, n: 128, computeUnits: 108) < 0.6)
        #expect(GEMMRate.waveEfficiency(m: 256 * 108, n: 128, computeUnits: 108) == 1)
        // A thin GEMM is bound by moving its operands.
        let thin = rate.seconds(m: 8192, n: 8192, k: 16)
        #expect(thin.rate < big / 4)
        let operandBytes: Double = 2 * (8192.0 * 16 * 2 + 8192.0 * 8192)
        #expect(close(thin.seconds, operandBytes / 2.039e12))
    }
}

@Suite("Step model: bad input")
struct StepBadInputTests {
    func usage(_ edit: (inout StepOptions) -> Void, model: String = "gpt3-175b") -> SizingError? {
        sizingError { _ = try StepPlanner.plan(stepOptions(model, edit), catalog: catalog, models: modelCatalog, readFile: files([:])) }
    }

    @Test func eachIsOneLineAndExit64() {
        let cases: [(String, (inout StepOptions) -> Void)] = [
            ("does not divide the 96 attention heads", { $0.parallel.tp = 5; $0.parallel.globalBatch = 8 }),
            ("does not divide the 96 layers", { $0.parallel.pp = 7; $0.parallel.globalBatch = 8 }),
            ("not divisible by --dp × --microbatch", { $0.parallel.tp = 8; $0.parallel.pp = 8; $0.parallel.dp = 4; $0.parallel.microbatch = 3; $0.parallel.globalBatch = 64 }),
            ("does not fit", { $0.parallel.globalBatch = 8 }),
            ("--global-batch", { _ in }),
            ("--interleave", { $0.parallel.pp = 8; $0.parallel.tp = 8; $0.parallel.interleave = 5; $0.parallel.globalBatch = 64 }),
            ("--zero", { $0.parallel.zero = 4; $0.parallel.globalBatch = 8 }),
            ("--tp must be", { $0.parallel.tp = 0; $0.parallel.globalBatch = 8 }),
        ]
        for (fragment, edit) in cases {
            let e = usage(edit)
            #expect(e?.exitCode == 64, "\(fragment)")
            #expect(e?.description.contains(fragment) == true, "\(fragment): \(e?.description ?? "no error")")
            #expect(e?.description.contains("\n") == false)
        }
    }

    @Test func unevenPipelinesNeedBalanceEmbedding() throws {
        let e = usage({ $0.parallel.tp = 8; $0.parallel.pp = 16; $0.parallel.dp = 1; $0.parallel.globalBatch = 16; $0.parallel.ignoreMemory = true }, model: "llama3-405b")
        #expect(e?.description.contains("--balance-embedding") == true)
        let ok = try StepPlanner.plan(stepOptions("llama3-405b", device: "h100-sxm") {
            $0.parallel.tp = 8; $0.parallel.pp = 16; $0.parallel.globalBatch = 16; $0.parallel.balanceEmbedding = true; $0.parallel.ignoreMemory = true
        }, catalog: catalog, models: modelCatalog, readFile: files([:]))
        #expect(ok.result.iterationSeconds > 0)
        #expect(ok.warnings.contains { $0.contains("does not fit") })
    }

    @Test func shapeWithoutAModelNeedsEveryFigure() {
        var o = StepOptions.defaults
        o.device = "h100-sxm"; o.shape.layers = 2; o.shape.hidden = 64; o.parallel.globalBatch = 1
        let e = sizingError { _ = try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files([:])) }
        #expect(e?.exitCode == 64 && e?.description.contains("--heads, --vocab, --seq-len") == true)
    }
}
