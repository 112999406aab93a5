import Foundation
import Testing
@testable import SuanliSizing

/// The data-parallel ring over nodes, and the attention kernel's published per-device rates.
@Suite("Step model: scale-out rings and attention rates")
struct ScaleOutAndAttentionTests {
    func plan(_ edit: (inout StepOptions) -> Void) throws -> StepResult {
        var o = StepOptions.defaults
        o.device = "h100-sxm"
        o.shape.layers = 24; o.shape.hidden = 2048; o.shape.details.heads = 16; o.shape.details.vocab = 131_072; o.shape.seqLen = 4096
        o.parallel.dp = 48; o.parallel.globalBatch = 192; o.parallel.zero = 1
        edit(&o)
        return try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files([:])).result
    }

    /// nccl-tests' bus bandwidth over nodes is the node's NICs together (NVIDIA/nccl-tests#119:
    /// 84.8 GB/s with 4 × 25 GB/s of HDR for 8 A100s): a ring crossing each node once sends one
    /// rank's share per node boundary, and each of the group's ranks on a node drives its own NIC.
    @Test func aRingWithMoreRanksPerNodeGetsMoreOfTheNodesNICs() {
        let nic = Link(name: "net", bytesPerSecond: 50e9, efficiency: 0.848, hopLatency: 0, baseLatency: 0)
        let nvlink = Link(name: "nvlink", bytesPerSecond: 450e9, efficiency: 1, hopLatency: 0, baseLatency: 0)
        #expect(nic.sharedByRing(ranksPerNode: 1, intraNode: nvlink).bytesPerSecond == 50e9)
        #expect(nic.sharedByRing(ranksPerNode: 2, intraNode: nvlink).bytesPerSecond == 100e9)
        #expect(nic.sharedByRing(ranksPerNode: 8, intraNode: nvlink).bytesPerSecond == 400e9)
        // Never faster than the ring's hops inside the node.
        #expect(nic.sharedByRing(ranksPerNode: 16, intraNode: nvlink).bytesPerSecond == 450e9)
        // A measured curve already is what the ring reached: left as it is.
        var measured = nic
        measured.measured = BusBandwidthCurve(points: [(1e6, 10e9), (1e9, 40e9)])
        #expect(measured.sharedByRing(ranksPerNode: 8, intraNode: nvlink) == measured)
    }

    @Test func dataParallelRanksPerNodeFollowMegatronsRankOrder() {
        func ranks(tp: Int, cp: Int = 1, dp: Int, perNode: Int = 8) -> Int {
            Parallelism(tensor: tp, data: dp, context: cp, globalBatch: dp, gpusPerNode: perNode).dataRanksPerNode
        }
        #expect(ranks(tp: 1, dp: 48) == 8)
        #expect(ranks(tp: 4, dp: 48) == 2)
        #expect(ranks(tp: 2, cp: 2, dp: 48) == 2)
        #expect(ranks(tp: 8, dp: 48) == 1)
        #expect(ranks(tp: 1, dp: 4) == 4)
    }

    /// The same gradient bytes per device reduce 8× faster over 8 ranks a node (TP 1) than the line
    /// rate of one NIC would give: the reduction of a 1.7B model over 48 H100s takes milliseconds.
    @Test func theGradientReductionOverNodesUsesEveryNIC() throws {
        let r = try plan { _ in }
        let gradientBytes = r.parametersPerDevice * 2
        let oneNIC = 2 * gradientBytes * 47 / 48 / (50e9 * StepConstants.networkEfficiency.value)
        #expect(r.dataParallelSeconds < oneNIC / 7)
        #expect(r.dataParallelSeconds > oneNIC / 9)
    }

    /// H100's attention runs at the published cuDNN rates (FlashAttention-3 paper): at 4096 tokens
    /// 518 TFLOPS forward with a causal mask and 499 backward; the operation row never shows more
    /// than the peak (the executed, causal FLOPs are counted).
    @Test func h100AttentionRunsAtItsPublishedRates() throws {
        let r = try plan { _ in }
        let attention = try #require(r.layerForward.first { $0.kind == .attention })
        #expect(abs(attention.rate / 518e12 - 1) < 1e-9)
        #expect(attention.rate < 989e12)
        let rates = try #require(AttentionRates(forwardTFLOPS: [[2048, 484], [4096, 518]], backwardTFLOPS: [[4096, 499]]))
        // Linear in log(sequence) between published lengths; the end values beyond them.
        #expect(abs(rates.forwardFLOPS(sequence: 2896) / 1e12 - (484 + 34 * log2(2896.0 / 2048))) < 1e-6)
        #expect(rates.forwardFLOPS(sequence: 100_000) == 518e12)
        #expect(rates.backwardFLOPS(sequence: 512) == 499e12)
        #expect(AttentionRates(forwardTFLOPS: [], backwardTFLOPS: [[4096, 499]]) == nil)
    }

    /// `size devices --format json` lists the attention curves with their source.
    @Test func theCatalogListingShowsTheAttentionCurves() throws {
        let json = CatalogListing.json(catalog).rendered()
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let devices = try #require(decoded?["accelerators"] as? [[String: Any]])
        let h100 = try #require(devices.first { $0["id"] as? String == "h100-sxm" })
        let forward = try #require(h100["attention_forward_tflops"] as? [String: Any])
        #expect((forward["points"] as? [[Double]])?.first == [512, 315])
        #expect((forward["source"] as? String)?.contains("FlashAttention-3") == true)
        let a100 = try #require(devices.first { $0["id"] as? String == "a100-80gb" })
        #expect(a100["attention_backward_tflops"] is NSNull)
        // And the published GEMM sweep, as [m, n, k, TFLOPS] points.
        let sweep = try #require(h100["gemm_bf16_sweep_tflops"] as? [String: Any])
        #expect((sweep["points"] as? [[Double]])?.count == 125)
        #expect((sweep["points"] as? [[Double]])?.first == [256, 256, 256, 6.2])
        #expect(a100["gemm_bf16_sweep_tflops"] is NSNull)
    }

    /// A device without published attention rates keeps the FlashAttention-2 share of its peak.
    @Test func otherDevicesKeepTheShareOfPeak() throws {
        let r = try plan { $0.device = "a100-80gb" }
        let attention = try #require(r.layerForward.first { $0.kind == .attention })
        #expect(abs(attention.rate / (312e12 * StepConstants.flashAttentionEfficiency.value) - 1) < 1e-9)
    }
}
