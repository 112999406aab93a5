import Foundation
import Testing
@testable import SuanliSizing

/// The step model's per-shape GEMM time, achievable bandwidth, main-gradient accumulation, the
/// embedding's collectives and the catalog's published NVLink curve (issue 20).
@Suite("Step model: hardware figures by shape")
struct StepHardwareFiguresTests {
    let h100 = GEMMRate.modelled(peak: 989e12, efficiency: 0.801, computeUnits: 132, memoryBytesPerSecond: 2.97e12, elementBytes: 2)

    @Test func oneTileMoreThanTheSMsTakesASecondWave() {
        // 133 tiles of 128 × 128 on 132 SMs: the second wave runs one tile, the GEMM takes two waves.
        #expect(abs(GEMMRate.waveEfficiency(m: 128 * 133, n: 128, computeUnits: 132) - 133.0 / 264) < 1e-12)
        #expect(GEMMRate.waveEfficiency(m: 128 * 132, n: 128, computeUnits: 132) == 1)
        // (Compute alone: a 128-wide GEMM is below the ridge point, so no memory limit here.)
        let compute = GEMMRate.modelled(peak: 989e12, efficiency: 0.801, computeUnits: 132, memoryBytesPerSecond: .infinity, elementBytes: 2)
        let full = compute.seconds(m: 128 * 132, n: 128, k: 8192).seconds
        let oneMore = compute.seconds(m: 128 * 133, n: 128, k: 8192).seconds
        #expect(abs(oneMore / full - 2) < 0.01, "\(oneMore / full)")
        // The same GEMM on A100's 108 SMs fills its waves differently: 133 tiles are 2 waves of 108.
        #expect(abs(GEMMRate.waveEfficiency(m: 128 * 133, n: 128, computeUnits: 108) - 133.0 / 216) < 1e-12)
    }

    @Test func aThinGEMMIsBandwidthBoundAtTheAchievableBandwidth() {
        // m = 16 tokens against a 8192 × 8192 weight: 2 FLOPs per weight byte, far below the ridge.
        let thin = h100.seconds(m: 16, n: 8192, k: 8192)
        let elements: Int = 16 * 8192 + 8192 * 8192 + 16 * 8192
        let bytes = 2 * Double(elements)
        #expect(close(thin.seconds, bytes / 2.97e12))
        #expect(thin.rate < 0.05 * 989e12)
        // A large square one is compute-bound: the bandwidth does not enter.
        let square = h100.seconds(m: 8192, n: 8192, k: 8192)
        #expect(close(square.rate, 989e12 * 0.801 * GEMMRate.waveEfficiency(m: 8192, n: 8192, computeUnits: 132)))
    }

    @Test func weightGradientsAccumulateIntoFP32MainGradients() throws {
        // The weight-gradient GEMM of a thin micro-batch reads and writes fp32 main gradients (8 bytes
        // per weight) instead of writing 2-byte outputs: slower where it is bandwidth-bound.
        let plain = h100.seconds(m: 4096, n: 4096, k: 64).seconds
        let accumulating = h100.seconds(m: 4096, n: 4096, k: 64, outputBytes: 8).seconds
        let operands = Double(2 * 4096 * 64 * 2), outputs = Double(4096 * 4096)
        let bytes = { (out: Double) in operands + out * outputs }
        #expect(close(plain, bytes(2) / 2.97e12) && close(accumulating, bytes(8) / 2.97e12))
        // In the step model: 4-byte main gradients make the backward pass slower than 2-byte ones.
        func backward(_ bytes: String) throws -> Double {
            try StepPlanner.plan(stepOptions("gpt3-175b", device: "h100-sxm") {
                $0.shape.layers = 2; $0.parallel.tp = 8; $0.parallel.globalBatch = 1; $0.shape.seqLen = 256; $0.gradientBytesPerParam = Amount(parsing: bytes)
            }, catalog: catalog, models: modelCatalog, readFile: files([:])).result.breakdown.backwardCompute
        }
        let fp32 = try backward("4"), bf16 = try backward("2")
        #expect(fp32 > bf16)
    }

    @Test func memoryBoundKernelsRunAtThePublishedStreamBandwidth() throws {
        let report = try StepPlanner.plan(stepOptions("llama2-70b", device: "h100-sxm") {
            $0.parallel.tp = 8; $0.parallel.globalBatch = 1; $0.parallel.ignoreMemory = true
        }, catalog: catalog, models: modelCatalog, readFile: files([:]))
        let norm = try #require(report.result.layerForward.first { $0.kind == .memory })
        #expect(close(norm.rate, 2970e9))
        #expect(report.sources.contains { $0.0 == "memory_bandwidth" && $0.1.contains("BabelStream") })
        // Without a published figure the datasheet peak is used and called an upper bound.
        let v100 = try StepPlanner.plan(stepOptions("gpt3-175b", device: "v100-sxm2") {
            $0.shape.layers = 2; $0.shape.hidden = 1024; $0.shape.details.heads = 8; $0.parallel.globalBatch = 1; $0.shape.seqLen = 256; $0.parallel.ignoreMemory = true
        }, catalog: catalog, models: modelCatalog, readFile: files([:]))
        #expect(v100.sources.contains { $0.0 == "memory_bandwidth" && $0.1.contains("upper bound") })
    }

    /// The loss is Megatron-LM's unfused cross-entropy over fp32 copies of the logits: 38 bytes per
    /// logit forward and 14 backward at the memory bandwidth, beside the logits GEMMs, each pass on
    /// its own side, and the vocabulary split over TP.
    @Test func theLossMovesMegatronsBytesPerLogit() throws {
        func context(tp: Int, precision: String? = nil) throws -> StepContext {
            StepContext(try StepPlanner.plan(stepOptions("gpt3-175b", device: "h100-sxm") {
                $0.shape.layers = 2; $0.shape.hidden = 2048; $0.shape.details.heads = 16; $0.shape.details.vocab = 131_072; $0.shape.seqLen = 4096
                $0.parallel.tp = tp; $0.parallel.globalBatch = 1; $0.shape.details.untiedEmbeddings = true; $0.parallel.ignoreMemory = true; $0.precision = precision
            }, catalog: catalog, models: modelCatalog, readFile: files([:])).inputs)
        }
        // 16-bit logits are copied to fp32 and back (38 and 14 bytes); fp32 ones are not (32 and 8).
        for (tp, precision, forward, backward) in [(1, nil, 38.0, 14.0), (4, nil, 38, 14), (1, "tf32", 32, 8)] {
            let c = try context(tp: tp, precision: precision), output = StageTimes.outputLayer(c)
            let logits = Double(c.tokens) * Double(c.vocab / tp), bandwidth = c.hw.memoryBytesPerSecond
            let forwardGEMM = c.hw.gemm.seconds(m: c.tokens, n: c.vocab / tp, k: c.h).seconds
            #expect(close(output.fwd, forwardGEMM + logits * forward / bandwidth), "TP \(tp) \(precision ?? "bf16")")
            let backwardGEMMs = c.hw.gemm.seconds(m: c.tokens, n: c.h, k: c.vocab / tp).seconds
                + c.hw.gemm.seconds(m: c.h, n: c.vocab / tp, k: c.tokens, outputBytes: c.mainGradAccumulationBytes).seconds
            #expect(close(output.bwd, backwardGEMMs + logits * backward / bandwidth), "TP \(tp) \(precision ?? "bf16")")
        }
    }

    @Test func embeddingCollectivesAndTheTiedGradientSync() throws {
        func run(tp: Int, pp: Int, tied: Bool) throws -> StepReport {
            try StepPlanner.plan(stepOptions("gpt3-175b", device: "a100-80gb") {
                $0.shape.layers = 8; $0.parallel.tp = tp; $0.parallel.pp = pp; $0.parallel.globalBatch = 8; $0.shape.details.untiedEmbeddings = !tied; $0.parallel.ignoreMemory = true
            }, catalog: catalog, models: modelCatalog, readFile: files([:]))
        }
        // Tied embeddings on two stages all-reduce their gradients once; untied or unpipelined do not.
        #expect(try run(tp: 8, pp: 2, tied: true).result.breakdown.embeddingSync > 0)
        #expect(try run(tp: 8, pp: 2, tied: false).result.breakdown.embeddingSync == 0)
        #expect(try run(tp: 8, pp: 1, tied: true).result.breakdown.embeddingSync == 0)
        // With TP, the stage holding the embedding and the output layer communicates more than its
        // layers alone: the embedding's all-reduce forward, the output layer's input-gradient
        // all-reduce backward (no sequence parallelism) and the loss's three numbers per token.
        let c = StepContext(try run(tp: 8, pp: 1, tied: true).inputs)
        let embedding = StageTimes.inputEmbedding(c), output = StageTimes.outputLayer(c)
        let activation = Double(c.tokens * c.h) * 2
        #expect(close(embedding.tp, Collective.allReduce.seconds(bytes: activation, ranks: 8, link: c.tensorLink)))
        #expect(close(output.tp, Collective.allReduce.seconds(bytes: activation, ranks: 8, link: c.tensorLink)
            + Collective.allReduce.seconds(bytes: Double(c.tokens) * 12, ranks: 8, link: c.tensorLink)))
        let stages = StageTimes(c, layer: LayerPass(c))
        #expect(close(stages.first.tp, 8 * LayerPass(c).tpForward * 2 + embedding.tp + output.tp))
    }

    @Test func publishedAllReduceCurveDrivesTheTensorParallelLink() throws {
        let report = try StepPlanner.plan(stepOptions("llama2-70b", device: "h100-sxm") {
            $0.parallel.tp = 8; $0.parallel.globalBatch = 1; $0.parallel.ignoreMemory = true
        }, catalog: catalog, models: modelCatalog, readFile: files([:]))
        let link = report.inputs.hardware.intraNode
        let curve = try #require(link.measured)
        #expect(link.measuredIsAllReduceOnly)
        #expect(close(curve.busBytesPerSecond(at: 8_589_934_592), 478.87e9))
        #expect(report.sources.contains { $0.0 == "intra_node_allreduce_busbw" && $0.1.contains("nccl") || $0.1.contains("NCCL") })
        // All-reduce follows the curve (NVLink SHARP on H100); all-gather is held to the ring's line rate
        // × NCCL's efficiency; a point-to-point send uses the line-rate model.
        let bytes = 4e9
        #expect(close(Collective.allReduce.seconds(bytes: bytes, ranks: 8, link: link), bytes * 1.75 / curve.busBytesPerSecond(at: bytes)))
        #expect(close(Collective.allGather.seconds(bytes: bytes, ranks: 8, link: link), bytes * 0.875 / (450e9 * 370.0 / 450)))
        var plain = link
        plain.measured = nil
        #expect(Collective.pointToPoint.seconds(bytes: bytes, ranks: 2, link: link)
            == Collective.pointToPoint.seconds(bytes: bytes, ranks: 2, link: plain))
        // A mid-size message runs below the large-message bandwidth: 64 MiB at 361.78 GB/s.
        #expect(close(curve.busBytesPerSecond(at: 67_108_864), 361.78e9))
    }

    @Test func theWeightGatherHidesBehindTheFirstForwardPass() throws {
        func run(_ gather: Bool, zero: Int = 1) throws -> StepResult {
            try StepPlanner.plan(stepOptions("llama2-70b", device: "h100-sxm") {
                $0.parallel.tp = 8; $0.parallel.dp = 16; $0.parallel.globalBatch = 64; $0.parallel.zero = zero; $0.parallel.overlapGradReduce = true
                $0.parallel.overlapParamGather = gather; $0.parallel.sequenceParallel = true; $0.parallel.ignoreMemory = true
            }, catalog: catalog, models: modelCatalog, readFile: files([:])).result
        }
        let plain = try run(false), overlapped = try run(true)
        #expect(overlapped.breakdown.dataParallelExposed < plain.breakdown.dataParallelExposed)
        #expect(overlapped.dataParallelSeconds == plain.dataParallelSeconds)
        // It hides at most one micro-batch's forward pass.
        let hidden = plain.breakdown.dataParallelExposed - overlapped.breakdown.dataParallelExposed
        #expect(hidden <= overlapped.breakdown.forwardCompute / Double(64 / 16) * (1 + 1e-9))
        // Without the distributed optimizer there is no weight gather to overlap: refused.
        let e = sizingError { _ = try run(true, zero: 0) }
        #expect(e?.exitCode == 64 && e?.description.contains("--zero 1") == true)
    }

    @Test func aMeasuredSweepReplacesTheCatalogModelByShape() throws {
        // With --device for the peak and links, the GEMMs still run at the sweep's rates, not the catalog's.
        let sweep = StepCalibrationTests()
        let report = try StepPlanner.plan(sweep.options { $0.device = "h100-sxm" }, catalog: catalog, models: modelCatalog,
                                          readFile: files([sweep.path: sweep.sweepFile]))
        guard case .measured(let curve) = report.inputs.hardware.gemm else {
            Issue.record("expected the measured curve"); return
        }
        let up = try #require(report.result.layerForward.first { $0.name == "MLP up" })
        #expect(close(up.rate, curve.rate(m: 512, n: 4096, k: 1024)))
        #expect(up.rate < 0.1 * 989e12)
    }

    /// H100's catalog entry carries XLA's published sm_90 bf16 GEMM sweep (a full 5 × 5 × 5 grid,
    /// every rate below the dense peak); bf16 steps run their GEMMs at it by shape — inside the grid
    /// at its measured rates, beyond it at the edge rate, and thin products at the memory roofline.
    /// Precisions the sweep was not measured at keep the best-shape model.
    @Test func thePublishedSweepSetsH100GEMMRatesByShape() throws {
        let a = try catalog.lookup("h100-sxm")
        let sweep = try #require(a.gemmBF16Sweep)
        #expect(sweep.value.count == 125 && sweep.value.allSatisfy { $0.count == 4 && $0[3] > 0 && $0[3] < 989 })
        #expect(sweep.citation.contains("matmul_interpolator_data.h"))
        let report = try StepPlanner.plan(stepOptions("llama2-70b", device: "h100-sxm") {
            $0.parallel.tp = 8; $0.parallel.globalBatch = 1; $0.parallel.ignoreMemory = true
        }, catalog: catalog, models: modelCatalog, readFile: files([:]))
        guard case .published(let curve, let below) = report.inputs.hardware.gemm,
              case .modelled(_, let efficiency, _, let bandwidth, _) = below else {
            Issue.record("expected the published sweep over the modelled rate for bf16 on h100-sxm"); return
        }
        #expect(curve.isGrid && close(bandwidth, 2970e9) && close(efficiency, 0.801))
        let gemm = report.inputs.hardware.gemm
        // On a grid point: the published rate (4096 × 2048 × 2048: 722.6 TFLOPS).
        #expect(close(gemm.seconds(m: 4096, n: 2048, k: 2048).rate, 722.6e12))
        // Between points: between their rates.
        let between = gemm.seconds(m: 4096, n: 3072, k: 2048).rate
        #expect(between > 722.6e12 && between < 739.9e12)
        // Beyond the grid: the edge rate (4096³: 786.0 TFLOPS).
        #expect(close(gemm.seconds(m: 16384, n: 8192, k: 28672).rate, 786.0e12))
        // One token against a 8192 × 8192 weight: the operands' bytes at the achievable bandwidth.
        let thin = gemm.seconds(m: 1, n: 8192, k: 8192)
        #expect(close(thin.seconds, 2 * (8192.0 + 8192 * 8192 + 8192) / 2970e9))
        // Batched products and sizes below the sweep (k = 128, a head's width) take the model below.
        #expect(gemm.seconds(m: 4096, n: 4096, k: 128).rate == below.seconds(m: 4096, n: 4096, k: 128).rate)
        #expect(gemm.seconds(m: 4096, n: 4096, k: 4096, batch: 4).rate == below.seconds(m: 4096, n: 4096, k: 4096, batch: 4).rate)
        #expect(report.sources.contains { $0.0 == "gemm_rate" && $0.1.contains("matmul_interpolator_data.h") })
        // fp16 runs at the same tensor-core rate as the sweep's bf16; fp8 and tf32 were not swept:
        // the best-shape efficiency model alone.
        for (precision, swept) in [("fp16", true), ("fp8", false), ("tf32", false)] {
            let other = try StepPlanner.plan(stepOptions("llama2-70b", device: "h100-sxm") {
                $0.parallel.tp = 8; $0.parallel.globalBatch = 1; $0.parallel.ignoreMemory = true; $0.precision = precision
            }, catalog: catalog, models: modelCatalog, readFile: files([:]))
            switch other.inputs.hardware.gemm {
            case .published: #expect(swept, "\(precision)")
            case .modelled: #expect(!swept, "\(precision)")
            case .measured: Issue.record("\(precision): a measured curve without a file")
            }
        }
    }
}
