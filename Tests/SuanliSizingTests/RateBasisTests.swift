import Testing
@testable import SuanliSizing

/// `--calibrate` at a training precision: measured (a tensor/matrix GEMM at that precision),
/// extrapolated (a measured GEMM's efficiency × the catalog's dense peak), or refused (exit 65).
/// The synthetic files describe an H100 SXM; its catalog dense bf16 peak is 989 TFLOPS.
@Suite("Calibration rate basis")
struct RateBasisTests {
    let path = "h100.json"
    let base = ["params": "7B", "tokens": "1T", "devices": "64"]

    func plan(_ measurements: [String], _ options: [String: String], devices: String? = nil) throws -> TrainReport {
        try TrainPlanner.plan(train(base.merging(["calibrate": path]) { $1 }.merging(options) { $1 }), catalog: catalog,
                              readFile: files([path: resultFile(devices: devices, measurements: measurements)]))
    }

    func input(_ r: TrainReport, _ key: String) -> JSONValue? { r.json["inputs"]?[key] }

    @Test func measuredTensorGEMM() throws {
        // 700 TFLOP/s bf16 on the tensor cores; the 45 TFLOP/s CUDA-core mixed GEMM is not used.
        let r = try plan([gemm(45_000, precision: "mixed", peak: 133_800), gemm(700_000, precision: "bf16", engine: "tensor"),
                          gemm(900_000, precision: "bf16", engine: "vector")], ["precision": "bf16"])
        #expect(close(r.sustainedTFLOPSPerDevice, 700 * Defaults.utilization))
        #expect(input(r, "rate_basis")?.stringValue == "measured")
        #expect(r.sources.contains { $0.0 == "rate_basis" && $0.1.contains("tensor") })
    }

    @Test func extrapolatedFromTheMeasuredEfficiency() throws {
        // The issue's case: mixed on the CUDA cores at 45 TFLOP/s of a 134 TFLOP/s peak (33.6%),
        // no bf16 tensor GEMM: the rate is 0.336 × 989 TFLOPS, not 45.
        // (The best efficiency measured is used: fp32 here reaches only 30%.)
        let r = try plan([gemm(45_000, precision: "mixed", peak: 134_000), gemm(20_100, peak: 67_000)], ["precision": "bf16"])
        let efficiency = 45.0 / 134
        #expect(close(r.sustainedTFLOPSPerDevice, efficiency * 989 * Defaults.utilization, within: 1e-9))
        #expect(input(r, "rate_basis")?.stringValue == "extrapolated")
        #expect(r.sources.contains { $0.0 == "extrapolated_gemm_tflops" && $0.1.contains("extrapolated") && $0.1.contains("989") })
        #expect(r.table.contains("extrapolated"))
        #expect(r.json["rate_basis"]?.stringValue == "extrapolated")
    }

    @Test func extrapolationPrefersTensorMeasurements() throws {
        // An fp16 (mixed) tensor GEMM at 60% of its peak is the better guide to bf16 than fp32 at 80%.
        let r = try plan([gemm(600_000, precision: "mixed", engine: "tensor", peak: 1_000_000), gemm(53_600, peak: 67_000)],
                         ["precision": "bf16"])
        #expect(close(r.sustainedTFLOPSPerDevice, 0.6 * 989 * Defaults.utilization, within: 1e-9))
        #expect(input(r, "rate_basis")?.stringValue == "extrapolated")
    }

    @Test func theDefaultPrecisionOnAGPUIsBF16() throws {
        let r = try plan([gemm(41_000), gemm(700_000, precision: "bf16", engine: "tensor")], [:])
        #expect(close(r.sustainedTFLOPSPerDevice, 700 * Defaults.utilization))
        #expect(input(r, "precision")?.stringValue == "bf16")
    }

    @Test func refusedWithoutAMeasurementOrAPeak() throws {
        // No theoretical peak recorded, so no efficiency to extrapolate from.
        let noPeak = sizingError { _ = try plan([gemm(45_000, precision: "mixed")], ["precision": "bf16"]) }
        #expect(noPeak?.exitCode == 65)
        #expect(noPeak?.description.contains("no verified bf16 tensor-core or matrix-core GEMM") == true)
        // A device that is not in the catalog, and no --device.
        let unknown = #"[{"id": "opencl:0:0", "type": "gpu", "name": "Some GPU", "global_memory_bytes": 24000000000}]"#
        let notInCatalog = sizingError {
            _ = try plan([gemm(45_000, precision: "mixed", peak: 134_000)], ["precision": "bf16"], devices: unknown)
        }
        #expect(notInCatalog?.exitCode == 65)
        #expect(notInCatalog?.description.contains("--device") == true)
        // --device names the catalog entry, and the extrapolation goes through.
        let named = try plan([gemm(45_000, precision: "mixed", peak: 134_000)], ["precision": "bf16", "device": "h100-sxm"],
                             devices: unknown)
        #expect(close(named.sustainedTFLOPSPerDevice, 45.0 / 134 * 989 * Defaults.utilization, within: 1e-9))
        // fp8 on a catalog entry without an fp8 peak (A100).
        let a100 = #"[{"id": "opencl:0:0", "type": "gpu", "name": "NVIDIA A100-SXM4-80GB", "global_memory_bytes": 80000000000}]"#
        let noFP8 = sizingError {
            _ = try plan([gemm(250_000, precision: "bf16", engine: "tensor", peak: 312_000)], ["precision": "fp8", "device": "a100-80gb"],
                         devices: a100)
        }
        #expect(noFP8?.description.contains("no dense fp8 peak") == true)
    }

    @Test func cpuVectorGEMMsAreMeasured() throws {
        let cpu = #"[{"id": "opencl:1:0", "type": "cpu", "name": "AMD EPYC", "global_memory_bytes": 8000000000}]"#
        let r = try plan([gemm(7, precision: "bf16", device: "opencl:1:0", engine: "vector")], ["precision": "bf16"], devices: cpu)
        #expect(close(r.sustainedTFLOPSPerDevice, 0.007 * Defaults.utilization))
        #expect(input(r, "rate_basis")?.stringValue == "measured")
    }

    @Test func catalogMatchesDeviceNamesExactlyOrNotAtAll() {
        #expect(catalog.match(deviceName: "NVIDIA H100 80GB HBM3")?.id == "h100-sxm")
        #expect(catalog.match(deviceName: "NVIDIA H100 PCIe")?.id == "h100-pcie")
        #expect(catalog.match(deviceName: "AMD Instinct MI300X")?.id == "mi300x")
        #expect(catalog.match(deviceName: "NVIDIA H100") == nil)     // SXM or PCIe: not guessed
        #expect(catalog.match(deviceName: "gfx942:sramecc+:xnack-") == nil)
    }

    /// `size step` (and `size train` with parallelism) follows the same rule: a vector-only file
    /// gives a modelled GEMM at the catalog's bf16 peak × the measured efficiency, and says so.
    @Test func theStepModelExtrapolatesToo() throws {
        var o = StepOptions.defaults
        o.shape.layers = 2; o.shape.hidden = 1024; o.shape.details.heads = 8; o.shape.details.vocab = 1000; o.shape.seqLen = 512; o.parallel.globalBatch = 8
        o.calibrate = path
        o.precision = "bf16"
        let text = resultFile(measurements: [gemm(45_000, precision: "mixed", peak: 134_000), stream(3000, kernel: "triad")])
        let report = try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files([path: text]))
        #expect(report.warnings.contains { $0.contains("extrapolated") })
        guard case .modelled(let peak, let efficiency, _, let bandwidth, _) = report.inputs.hardware.gemm else {
            Issue.record("expected a modelled GEMM rate")
            return
        }
        #expect(peak == 989e12 && close(efficiency, 45.0 / 134) && bandwidth == 3000e9)
        let refused = sizingError {
            _ = try StepPlanner.plan(o, catalog: catalog, models: modelCatalog,
                                     readFile: files([path: resultFile(measurements: [gemm(45_000, precision: "mixed"), stream(3000, kernel: "triad")])]))
        }
        #expect(refused?.exitCode == 65)
    }
}
