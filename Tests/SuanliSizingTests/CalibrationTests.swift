import Testing
@testable import SuanliSizing

@Suite("Calibration from result files")
struct CalibrationTests {
    let path = "results.json"

    @Test func bestVerifiedGEMMTimesUtilization() throws {
        let text = resultFile(measurements: [
            gemm(41_000), gemm(43_000, verified: false), gemm(44_000, status: "implausible"),
            gemm(39_000, precision: "fp32"), gemm(500_000, precision: "mixed"), gemm(520_000, precision: "mixed", status: "failed"),
            stream(3000, kernel: "triad"), stream(3100, kernel: "copy"), stream(9000, kernel: "scale"),
        ])
        let r = try TrainPlanner.plan(
            train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp32", "devices": "64"]),
            catalog: catalog, readFile: files([path: text]))
        #expect(close(r.sustainedTFLOPSPerDevice, 41.0 * Defaults.utilization))
        #expect(close(r.days, 6 * 7e9 * 1e12 / (64 * 41e12 * Defaults.utilization) / 86_400))
        #expect(r.sources.contains { $0.0 == "measured_gemm_tflops" && $0.1.contains(path) && $0.1.contains("opencl:0:0") })
        // Memory comes from the device the file describes.
        #expect(r.minDevicesForMemory == (7e9 * 16 / 85e9).rounded(.up))
    }

    /// bf16 is never read from a CUDA-core GEMM: a 500 TFLOP/s `mixed` GEMM on the vector units
    /// (the only GEMM of an old result file) neither calibrates bf16 nor is the default.
    @Test func bf16IsNotTheVectorMixedGEMM() throws {
        let text = resultFile(measurements: [gemm(41_000), gemm(500_000, precision: "mixed")])
        let reader = files([path: text])
        let c = try Calibration.from(ResultFile.decode(reader(path), name: path), name: path, deviceID: nil, precision: nil)
        #expect(c.precision == "mixed")   // the bench's default order, as measured
        #expect(Calibration.resultPrecision(for: "bf16") == "bf16")
        #expect(Calibration.resultPrecision(for: "fp16") == "mixed")
        for options in [["precision": "bf16"], [:]] {
            let e = sizingError {
                _ = try TrainPlanner.plan(
                    train(["params": "7B", "tokens": "1T", "calibrate": path, "days": "10"].merging(options) { $1 }),
                    catalog: catalog, readFile: reader)
            }
            #expect(e?.exitCode == 65, "\(options)")
            #expect(e?.description.contains("no verified bf16 tensor-core or matrix-core GEMM") == true, "\(options)")
            #expect(e?.description.contains("\n") == false)
        }
    }

    @Test func unitsAreConverted() throws {
        let text = resultFile(measurements: [gemm(400, unit: "GFLOP/s"), gemm(300, unit: "GFLOP/s")])
        let c = try Calibration.from(ResultFile.decode(files([path: text])(path), name: path), name: path, deviceID: nil, precision: "fp32")
        #expect(close(c.gemmTFLOPS, 0.4))
        #expect(Calibration.flopsScale("TFLOP/s") == 1 && Calibration.flopsScale("GB/s") == nil)
    }

    @Test func noVerifiedGEMMIsADataError() {
        let text = resultFile(measurements: [gemm(41_000, verified: false), gemm(42_000, status: "skipped"), stream(3000, kernel: "triad")])
        let e = sizingError {
            _ = try TrainPlanner.plan(
                train(["params": "7B", "tokens": "1T", "calibrate": path, "devices": "8"]), catalog: catalog,
                readFile: files([path: text]))
        }
        #expect(e?.exitCode == 65)
        #expect(e?.description.contains("no verified GEMM") == true)
        #expect(e?.description.contains("\n") == false)
    }

    @Test func missingPrecisionListsWhatWasMeasured() {
        let text = resultFile(measurements: [gemm(41_000)])
        let e = sizingError {
            _ = try TrainPlanner.plan(
                train(["params": "7B", "tokens": "1T", "calibrate": path, "precision": "fp16", "devices": "8"]),
                catalog: catalog, readFile: files([path: text]))
        }
        #expect(e?.description.contains("measured: fp32") == true, "\(e?.description ?? "")")
    }

    @Test func severalDevicesNeedAChoice() throws {
        let devices = """
            [{"id": "opencl:0:0", "type": "gpu", "name": "GPU A"}, {"id": "opencl:1:0", "type": "gpu", "name": "GPU B"},
             {"id": "cpu:0", "type": "cpu", "name": "CPU"}]
            """
        let text = resultFile(devices: devices, measurements: [gemm(41_000), gemm(20_000, device: "opencl:1:0"), gemm(1000, device: "cpu:0")])
        let reader = files([path: text])
        let base = ["params": "7B", "tokens": "1T", "calibrate": path, "devices": "8", "precision": "fp32"]
        let e = sizingError { _ = try TrainPlanner.plan(train(base), catalog: catalog, readFile: reader) }
        #expect(e?.description.contains("opencl:0:0, opencl:1:0, cpu:0") == true)
        var chosen = base; chosen["calibrate-device"] = "opencl:1:0"
        let r = try TrainPlanner.plan(train(chosen), catalog: catalog, readFile: reader)
        #expect(close(r.sustainedTFLOPSPerDevice, 20 * Defaults.utilization))
        var wrong = base; wrong["calibrate-device"] = "opencl:9:0"
        #expect(sizingError { _ = try TrainPlanner.plan(train(wrong), catalog: catalog, readFile: reader) } != nil)
    }

    @Test func theSingleGPUIsChosenOverCPUs() throws {
        let devices = """
            [{"id": "cpu:0", "type": "cpu"}, {"id": "opencl:0:0", "type": "gpu"}]
            """
        let text = resultFile(devices: devices, measurements: [gemm(41_000), gemm(1000, device: "cpu:0")])
        let c = try Calibration.from(ResultFile.decode(files([path: text])(path), name: path), name: path, deviceID: nil, precision: nil)
        #expect(c.deviceID == "opencl:0:0")
    }

    @Test func unreadableOrForeignFilesAreDataErrors() {
        let cases: [String: String] = ["notjson.json": "this is not json", "other.json": "{\"schema\": \"other/2\", \"devices\": []}"]
        for name in cases.keys.sorted() + ["missing.json"] {
            let e = sizingError {
                _ = try TrainPlanner.plan(
                    train(["params": "7B", "tokens": "1T", "calibrate": name, "devices": "8"]), catalog: catalog,
                    readFile: files(cases))
            }
            #expect(e?.exitCode == 65, "\(name)")
            #expect(e?.description.contains(name) == true, "\(name)")
        }
    }

    @Test func calibrateRejectsPeakOptions() {
        let e = sizingError {
            _ = try TrainPlanner.plan(
                train(["params": "7B", "tokens": "1T", "calibrate": path, "mfu": "0.5", "devices": "8"]), catalog: catalog,
                readFile: files([path: resultFile(measurements: [gemm(41_000)])]))
        }
        #expect(e?.exitCode == 64)
    }
}
