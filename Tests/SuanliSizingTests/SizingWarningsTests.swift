import Foundation
import Testing
@testable import SuanliSizing

/// Issue 20: layouts the models accept but should not accept silently, and one memory unit.
@Suite("Sizing warnings and units")
struct SizingWarningsTests {
    func step(_ edit: (inout StepOptions) -> Void) throws -> StepReport {
        var o = stepOptions("gpt3-175b")
        o.parallel.globalBatch = 64; o.parallel.ignoreMemory = true
        edit(&o)
        return try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files([:]))
    }

    @Test func tensorParallelismBeyondANodeIsSaidAndUsesTheNetwork() throws {
        let within = try step { $0.parallel.tp = 8; $0.parallel.pp = 2 }
        let beyond = try step { $0.parallel.tp = 16; $0.parallel.pp = 1 }
        #expect(!within.warnings.contains { $0.contains("larger than a node") })
        #expect(beyond.warnings.contains { $0.contains("--tp 16 is larger than a node") && $0.contains("scale-out") })
        // The same TP with 16 devices per node stays on the intra-node link and is faster.
        let wide = try step { $0.parallel.tp = 16; $0.parallel.gpusPerNode = 16; $0.parallel.intraNodeGBps = Amount(450) }
        #expect(!wide.warnings.contains { $0.contains("larger than a node") })
        #expect(wide.result.breakdown.tensorParallelCommunication < beyond.result.breakdown.tensorParallelCommunication)
    }

    @Test func fewerMicroBatchesThanStagesIsWarned() throws {
        // 64 sequences over 8 replicas of micro-batch 4: 2 micro-batches for 8 stages, bubble 350%.
        let starved = try step { $0.parallel.tp = 8; $0.parallel.pp = 8; $0.parallel.dp = 8; $0.parallel.microbatch = 4 }
        #expect(starved.warnings.contains { $0.contains("2 micro-batch(es) per pipeline for --pp 8") && $0.contains("350%") })
        let full = try step { $0.parallel.tp = 8; $0.parallel.pp = 8; $0.parallel.dp = 1 }
        #expect(!full.warnings.contains { $0.contains("micro-batch(es) per pipeline") })
    }

    @Test func serveTensorParallelismBeyondANodeCrossesTheNetwork() throws {
        let pairs = ["model": "llama3-405b", "device": "h100-sxm", "precision": "fp8", "input-tokens": "1000",
                     "output-tokens": "1000", "batch": "8"]
        var p16 = pairs; p16["tp"] = "16"
        let across = try servePlan(p16, files: files([:]))
        #expect(across.warnings.contains { $0.contains("--tp 16 spans 2 nodes of 8") && $0.contains("scale-out") })
        #expect(across.hardware.link.bytesPerSecond == 50e9)
        var a = serving(p16); a.engine.gpusPerNode = "16"
        let oneDomain = try ServingPlanner.plan(a, catalog: catalog, models: modelCatalog, readFile: files([:]))
        #expect(!oneDomain.warnings.contains { $0.contains("spans") })
        #expect(oneDomain.expected.tpotSeconds < across.expected.tpotSeconds)
        var p8 = pairs; p8["tp"] = "8"
        #expect(try !servePlan(p8, files: files([:])).warnings.contains { $0.contains("spans") })
    }

    @Test func stepAndServeReadCatalogMemoryInOneUnit() throws {
        let a = try catalog.lookup("h100-sxm")
        #expect(a.memoryBytes == 80e9)
        let s = try step { $0.device = "h100-sxm"; $0.parallel.tp = 8; $0.parallel.pp = 8 }
        #expect(s.inputs.hardware.memoryCapacityBytes == a.memoryBytes)
        let serve = try servePlan(["model": "llama3.3-70b", "device": "h100-sxm", "tp": "2", "precision": "fp8",
                                   "input-tokens": "1000", "output-tokens": "1000"], files: files([:]))
        #expect(serve.hardware.memoryBytes == a.memoryBytes)
    }
}
