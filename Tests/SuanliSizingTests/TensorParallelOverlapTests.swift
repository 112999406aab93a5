import Foundation
import Testing
@testable import SuanliSizing

/// Megatron-LM `--tp-comm-overlap`: Transformer Engine's userbuffer methods (ring exchange,
/// pipeline, bulk) and what they leave of the tensor-parallel communication.
@Suite("Step model: tensor-parallel communication overlap")
struct TensorParallelOverlapTests {
    func plan(
        _ overlap: Bool, model: String = "llama2-70b", _ edit: (inout StepOptions) -> Void = { _ in }
    ) throws -> StepResult {
        try StepPlanner.plan(stepOptions(model, device: "h100-sxm") {
            $0.parallel.tp = 8; $0.parallel.pp = 4; $0.parallel.dp = 2; $0.parallel.globalBatch = 64; $0.parallel.sequenceParallel = true; $0.recompute = .selective
            $0.parallel.tpCommOverlap = overlap
            edit(&$0)
        }, catalog: catalog, models: modelCatalog, readFile: files([:])).result
    }

    @Test func theMethodsInClosedForm() {
        // Ring exchange: 4 chunks of 0.3 s for a 1 s GEMM (0.2 s lost to chunking), copies of 0.5 s
        // each exceed a chunk by 0.2 s three times.
        #expect(close(TensorParallelOverlap.ringExchange(gemm: 1, chunk: 0.3, chunks: 4, copy: 0.5), 0.2 + 3 * 0.2))
        // Copies shorter than a chunk hide; chunks are never counted faster than the whole.
        #expect(TensorParallelOverlap.ringExchange(gemm: 1, chunk: 0.2, chunks: 4, copy: 0.1) == 0)
        #expect(TensorParallelOverlap.ringExchange(gemm: 1, chunk: 0.3, chunks: 1, copy: 5) == 0)
        // Beside a kernel holding SMs a GEMM advances at half pace (slowdown 2) while both run.
        #expect(close(TensorParallelOverlap.beside(gemm: 1, communication: 0.5, slowdown: 2), 0.5 + 0.75))
        #expect(close(TensorParallelOverlap.bulk(gemm: 1, communication: 0.5, slowdown: 2), 0.25))
        // Communication longer than the slowed GEMM: all of it beyond the GEMM is exposed.
        #expect(close(TensorParallelOverlap.bulk(gemm: 1, communication: 3, slowdown: 2), 2))
        // Pipeline of 4 chunks of 0.3 s (a 1 s GEMM): the first chunk alone, three beside 0.1 s
        // reduce-scatters (0.1 + 0.3 − 0.05 each at slowdown 2), the last reduce-scatter after them.
        #expect(close(TensorParallelOverlap.pipeline(gemm: 1, piece: 0.3, splits: 4, chunkCommunication: 0.1, slowdown: 2),
                      0.3 + 3 * 0.35 + 0.1 - 1))
    }

    @Test func theOverlapHidesTheCommunicationBesideLargeGEMMs() throws {
        // GPT-3 175B at TP 8, 4,096 tokens a micro-batch: what is left is mostly the GEMM chunks,
        // slower per FLOP than the whole GEMM (H100's published sweep: 653 TFLOP/s at
        // 512 × 4096 × 4096, 786 at 4096³), and the GEMMs beside the 16-SM kernels.
        func gpt3(_ overlap: Bool) throws -> StepResult {
            try plan(overlap, model: "gpt3-175b") { $0.parallel.pp = 8; $0.parallel.microbatch = 2 }
        }
        let plain = try gpt3(false), overlapped = try gpt3(true)
        let b = plain.breakdown, o = overlapped.breakdown
        #expect(b.tensorParallelCommunication > 0)
        #expect(o.tensorParallelCommunication < 0.75 * b.tensorParallelCommunication,
                "\(o.tensorParallelCommunication) s left of \(b.tensorParallelCommunication) s")
        #expect(overlapped.iterationSeconds < plain.iterationSeconds)
        #expect(overlapped.layerForward.contains { $0.name == "TP communication left by the overlap" })
    }

    @Test func aSlowLinkLeavesTheBackwardsExtraGathers() throws {
        // Over a link too slow for any GEMM to hide it, the overlap leaves nearly all the
        // communication, and its backward moves four all-gathers and two reduce-scatters (the weight
        // gradients gather their inputs again), against the two and two the model counts exposed
        // without the overlap (a simplification: the software overlaps those too, see Docs/sizing.md).
        let plain = try plan(false) { $0.parallel.intraNodeGBps = Amount(2) }
        let overlapped = try plan(true) { $0.parallel.intraNodeGBps = Amount(2) }
        let ratio = overlapped.breakdown.tensorParallelCommunication / plain.breakdown.tensorParallelCommunication
        // Forward the same collectives, backward 6 of 4: 10 / 8 of the plain time, less the GEMMs hidden.
        #expect(ratio > 1.1 && ratio < 1.25, "ratio \(ratio)")
    }

    @Test func aForwardPassWithoutGradientsGathersPlainly() throws {
        // Full recomputation's first forward pass runs without gradients: Transformer Engine turns
        // the ring exchange off there, so its all-gathers are exposed; the recomputed pass overlaps.
        func layer(_ recompute: Recompute, overlap: Bool = true) throws -> (LayerPass, StepContext) {
            let inputs = try StepPlanner.inputs(stepOptions("gpt3-175b", device: "h100-sxm") {
                $0.parallel.tp = 8; $0.parallel.pp = 8; $0.parallel.globalBatch = 64; $0.parallel.sequenceParallel = true; $0.recompute = recompute
                $0.parallel.tpCommOverlap = overlap
            }, catalog: catalog, models: modelCatalog, readFile: files([:])).0
            let c = StepContext(inputs)
            return (LayerPass(c), c)
        }
        let (full, c) = try layer(.full), (selective, _) = try layer(.selective)
        #expect(close(selective.tpFirstForward, selective.tpForward))
        #expect(close(full.tpForward, selective.tpForward))
        let gathers = 2 * Collective.allGather.seconds(bytes: Double(c.tokens * c.h) * c.e, ranks: 8, link: c.tensorLink)
        #expect(full.tpFirstForward > gathers && full.tpFirstForward > full.tpForward, "\(full.tpFirstForward) s")
        let (plain, _) = try layer(.full, overlap: false)
        #expect(close(plain.tpFirstForward, plain.tpForward))
    }

    @Test func itNeedsSequenceParallelismWithinANode() {
        let withoutSP = sizingError {
            _ = try plan(true) { $0.parallel.sequenceParallel = false }
        }
        #expect(withoutSP?.exitCode == 64 && withoutSP?.description.contains("--sequence-parallel") == true)
        let acrossNodes = sizingError {
            _ = try plan(true) { $0.parallel.tp = 16; $0.parallel.pp = 2; $0.parallel.ignoreMemory = true }
        }
        #expect(acrossNodes?.exitCode == 64 && acrossNodes?.description.contains("--gpus-per-node 8") == true,
                "\(acrossNodes?.description ?? "no error")")
    }
}
