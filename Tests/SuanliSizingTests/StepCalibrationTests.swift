import Foundation
import Testing
@testable import SuanliSizing

@Suite("Step model from measurements and in size train")
struct StepCalibrationTests {
    let path = "sweep.json"

    /// A sweep over M, N, K ∈ {256, 4096} whose rate grows with each size, plus stream, on one GPU:
    /// bf16 GEMMs on its tensor cores (what the default training precision is calibrated by).
    var sweepFile: String {
        var measurements: [String] = []
        for m in [256, 4096] { for n in [256, 4096] { for k in [256, 4096] {
            let gflops = 1000.0 * Double(m + n + k) / 256
            measurements.append("""
                {"device": "opencl:0:0", "suite": "gemm", "kernel": "gemm", "precision": "bf16", "size": {"m": \(m), "n": \(n), "k": \(k)},
                 "unit": "GFLOP/s", "median": \(gflops), "verified": true, "status": "ok", "theoretical_peak": 200000,
                 "parameters": {"sweep": "grid", "engine": "tensor"}}
                """)
        } } }
        measurements.append(stream(1500, kernel: "triad"))
        return resultFile(measurements: measurements)
    }

    func options(_ edit: (inout StepOptions) -> Void = { _ in }) -> StepOptions {
        var o = StepOptions.defaults
        o.shape.layers = 2; o.shape.hidden = 1024; o.shape.details.heads = 8; o.shape.details.vocab = 1000; o.shape.seqLen = 512
        o.parallel.globalBatch = 8
        o.calibrate = path
        edit(&o)
        return o
    }

    @Test func gemmsRunAtTheInterpolatedMeasuredRate() throws {
        let report = try StepPlanner.plan(options(), catalog: catalog, models: modelCatalog, readFile: files([path: sweepFile]))
        let qkv = try #require(report.result.layerForward.first { $0.name == "QKV projection" })
        // QKV: m = 512 tokens, n = 3072, k = 1024, interpolated linearly in log2 of each size on the grid.
        func weight(_ x: Double) -> Double { (log2(x) - 8) / 4 }
        var expected = 0.0
        for (m, wm) in [(256.0, 1 - weight(512)), (4096.0, weight(512))] {
            for (n, wn) in [(256.0, 1 - weight(3072)), (4096.0, weight(3072))] {
                for (k, wk) in [(256.0, 1 - weight(1024)), (4096.0, weight(1024))] {
                    expected += wm * wn * wk * 1e12 * (m + n + k) / 256
                }
            }
        }
        #expect(close(qkv.rate, expected, within: 1e-9))
        // Memory-bound kernels at the measured stream bandwidth; MFU against the bench's theoretical peak.
        let norm = try #require(report.result.layerForward.first { $0.kind == .memory })
        #expect(close(norm.rate, 1500e9))
        #expect(report.inputs.hardware.peakFLOPS == 200e12)
        #expect(report.sources.contains { $0.0 == "gemm_rate" && $0.1.contains(path) })
        #expect(report.warnings.isEmpty)
    }

    @Test func theCatalogPeakWinsWithADeviceAndLinksComeFromIt() throws {
        let report = try StepPlanner.plan(options { $0.device = "h100-sxm"; $0.parallel.tp = 2; $0.parallel.dp = 2 }, catalog: catalog,
                                          models: modelCatalog, readFile: files([path: sweepFile]))
        #expect(report.inputs.hardware.peakFLOPS == 989e12)
        #expect(report.inputs.hardware.intraNode.bytesPerSecond == 450e9)
    }

    @Test func trainUsesTheStepModelWithParallelism() throws {
        let args = train(
            ["tokens": "1B", "device": "a100-80gb", "model": "gpt3-175b", "tp": "8", "pp": "8", "dp": "4", "global-batch": "512",
             "interleave": "2"], recompute: true)
        let r = try TrainPlanner.plan(args, catalog: catalog, models: modelCatalog, readFile: files([:]))
        let s = try #require(r.stepReport)
        #expect(r.devices == 256 && r.solvedFor == "days")
        #expect(s.inputs.parallelism.recompute == .full)
        let iterations = 1e9 / (512 * 2048)
        #expect(close(r.days, iterations * s.result.iterationSeconds / 86_400))
        #expect(close(r.deviceHours, r.days * 24 * 256))
        #expect(close(r.totalFLOPs, s.result.modelFLOPs * iterations))
        #expect(r.json["step"]?["iteration_seconds"]?.doubleValue == s.result.iterationSeconds)
        // The 6·N·D options do not mix with it.
        var mixed = args
        mixed.rate.mfu = "0.4"
        mixed.scale.days = "30"
        let e = sizingError { _ = try TrainPlanner.plan(mixed, catalog: catalog, models: modelCatalog, readFile: files([:])) }
        #expect(e?.exitCode == 64 && e?.description.contains("--days, --mfu") == true)
        // A model without parallelism is refused rather than silently ignored.
        let alone = train(["params": "7B", "tokens": "1T", "devices": "8", "device": "h100", "model": "llama2-70b"])
        #expect(sizingError { _ = try TrainPlanner.plan(alone, catalog: catalog, models: modelCatalog, readFile: files([:])) }?.exitCode == 64)
    }
}
