import Foundation
import Testing
@testable import SuanliSizing

/// Files written by the planners, kept in memory.
final class WrittenFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [String: Data] = [:]
    var writer: FileWriter {
        { path, data in self.lock.lock(); self.files[path] = data; self.lock.unlock() }
    }
    subscript(path: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        return files[path].map { String(decoding: $0, as: UTF8.self) }
    }
}

/// MT-NLG 530B on A100 (Smith et al. 2022): TP 8, PP 35, global batch 1920, `dp` replicas.
func mtnlg(dp: Int, _ edit: (inout StepOptions) -> Void = { _ in }) -> StepOptions {
    stepOptions("mt-nlg-530b") {
        $0.parallel.tp = 8; $0.parallel.pp = 35; $0.parallel.dp = dp; $0.parallel.globalBatch = 1920; $0.recompute = .full; $0.parallel.attention = .materialized
        edit(&$0)
    }
}

@Suite("Software calibration from one measured run")
struct SoftwareCalibrationTests {
    @Test func theMeasuredConfigurationComesBackAtTheMeasuredTime() throws {
        let written = WrittenFiles()
        let fitted = try StepPlanner.plan(mtnlg(dp: 8) { $0.parallel.measuredIteration = Amount(60.1); $0.parallel.calibrationFile.saveCalibration = "cal.json" },
                                          catalog: catalog, models: modelCatalog, readFile: files([:]), writeFile: written.writer)
        #expect(abs(fitted.result.iterationSeconds / 60.1 - 1) < 1e-6)
        let u = try #require(fitted.uncalibrated)
        #expect(u.iterationSeconds < 60.1, "the hardware-only model is faster than DeepSpeed's run")
        let f = try #require(fitted.calibration).file.factors
        #expect(f.compute == f.memoryBound && f.compute < 1 && f.communication == 1)
        // The file records the measured config and the factors, and applying it returns the measurement within 1%.
        let text = try #require(written["cal.json"])
        #expect(text.contains("suanli.software-calibration/1") && text.contains("\"pp\": 35") && text.contains("60.1"))
        let applied = try StepPlanner.plan(mtnlg(dp: 8) { $0.parallel.calibrationFile.calibration = "cal.json" }, catalog: catalog, models: modelCatalog,
                                           readFile: files(["cal.json": text]))
        #expect(abs(applied.result.iterationSeconds / 60.1 - 1) < 0.01)
        #expect(applied.uncalibrated?.iterationSeconds == u.iterationSeconds)
        #expect(applied.json["calibration"]?["uncalibrated"]?["iteration_seconds"]?.doubleValue == u.iterationSeconds)
        #expect(applied.table.contains("Software calibration"))
    }

    @Test func aSiblingRunIsPredictedSlowerThanTheHardwareAlone() throws {
        let written = WrittenFiles()
        _ = try StepPlanner.plan(mtnlg(dp: 8) { $0.parallel.measuredIteration = Amount(60.1); $0.parallel.calibrationFile.saveCalibration = "cal.json" },
                                 catalog: catalog, models: modelCatalog, readFile: files([:]), writeFile: written.writer)
        let sibling = try StepPlanner.plan(mtnlg(dp: 10) { $0.parallel.calibrationFile.calibration = "cal.json" }, catalog: catalog, models: modelCatalog,
                                           readFile: files(["cal.json": written["cal.json"]!]))
        let u = try #require(sibling.uncalibrated)
        #expect(sibling.result.iterationSeconds > u.iterationSeconds)
        // Communication is not scaled: the TP time is the uncalibrated one.
        #expect(sibling.result.breakdown.tensorParallelCommunication == u.breakdown.tensorParallelCommunication)
        #expect(sibling.result.breakdown.forwardCompute > u.breakdown.forwardCompute)
    }

    @Test func sizeTrainAppliesTheSameCalibration() throws {
        let written = WrittenFiles()
        _ = try StepPlanner.plan(mtnlg(dp: 8) { $0.parallel.measuredIteration = Amount(60.1); $0.parallel.calibrationFile.saveCalibration = "cal.json" },
                                 catalog: catalog, models: modelCatalog, readFile: files([:]), writeFile: written.writer)
        var args = train(["tokens": "270B", "device": "a100-80gb"], recompute: true)
        let step = mtnlg(dp: 8) { $0.parallel.calibrationFile.calibration = "cal.json" }
        args.stepShape.model = step.shape.model
        args.parallel = step.parallel
        let r = try TrainPlanner.plan(args, catalog: catalog, models: modelCatalog, readFile: files(["cal.json": written["cal.json"]!]))
        let s = try #require(r.stepReport)
        #expect(abs(s.result.iterationSeconds / 60.1 - 1) < 0.01)
        #expect(r.json["step"]?["calibration"]?["factors"]?["compute"] != nil)
        // Without parallelism options the calibration is refused by name.
        let plain = train(["params": "175B", "tokens": "300B", "device": "a100-80gb", "days": "30", "calibration": "cal.json"])
        #expect(throws: SizingError.self) { try TrainPlanner.plan(plain, catalog: catalog, models: modelCatalog, readFile: files([:])) }
    }

    @Test func badCalibrationInputIsOneLineWithItsCode() throws {
        func error(_ o: StepOptions, _ contents: [String: String] = [:]) -> SizingError? {
            do {
                _ = try StepPlanner.plan(o, catalog: catalog, models: modelCatalog, readFile: files(contents),
                                         writeFile: WrittenFiles().writer)
                return nil
            } catch let e as SizingError { return e } catch { return nil }
        }
        let noFile = error(mtnlg(dp: 8) { $0.parallel.measuredIteration = Amount(60) })
        #expect(noFile?.exitCode == 64 && noFile!.description.contains("--save-calibration"))
        let both = error(mtnlg(dp: 8) { $0.parallel.measuredIteration = Amount(60); $0.parallel.calibrationFile.saveCalibration = "a"; $0.parallel.calibrationFile.calibration = "b" })
        #expect(both?.exitCode == 64)
        let tooFast = error(mtnlg(dp: 8) { $0.parallel.measuredIteration = Amount(0.001); $0.parallel.calibrationFile.saveCalibration = "a" })
        #expect(tooFast?.exitCode == 64 && tooFast!.description.contains("communication alone"))
        let notJSON = error(mtnlg(dp: 8) { $0.parallel.calibrationFile.calibration = "c" }, ["c": "not json"])
        #expect(notJSON?.exitCode == 65)
        let serveFile = #"{"schema": "suanli.software-calibration/1", "kind": "serve", "factors": {"compute": 1, "memory_bound": 1, "communication": 1}, "measured": {"output_tokens_per_second_per_device": 1}, "predicted_uncalibrated": {"output_tokens_per_second_per_device": 1}}"#
        let wrongKind = error(mtnlg(dp: 8) { $0.parallel.calibrationFile.calibration = "c" }, ["c": serveFile])
        #expect(wrongKind?.exitCode == 65 && wrongKind!.description.contains("size serve"))
        let zero = serveFile.replacingOccurrences(of: "\"serve\"", with: "\"step\"")
            .replacingOccurrences(of: "output_tokens_per_second_per_device", with: "iteration_seconds")
            .replacingOccurrences(of: "\"compute\": 1", with: "\"compute\": 0")
        let zeroFactor = error(mtnlg(dp: 8) { $0.parallel.calibrationFile.calibration = "c" }, ["c": zero])
        #expect(zeroFactor?.exitCode == 65 && zeroFactor!.description.contains("factors.compute"))
    }
}

@Suite("Software calibration of the serving model")
struct ServingSoftwareCalibrationTests {
    let trtllm = ["model": "llama3.3-70b", "device": "h100-sxm", "tp": "2", "precision": "fp8", "kv-precision": "fp8",
                  "input-tokens": "1000", "output-tokens": "1000"]

    @Test func theMeasuredRateComesBackAndSiblingsGetTheScale() throws {
        let written = WrittenFiles()
        var a = serving(trtllm)
        a.engine.measuredTPS = "2209"; a.engine.calibrationFile.saveCalibration = "s.json"
        let fitted = try ServingPlanner.plan(a, catalog: catalog, models: modelCatalog, readFile: files([:]), writeFile: written.writer)
        #expect(abs(fitted.expected.outputTokensPerSecondPerDevice / 2209 - 1) < 1e-6)
        let u = try #require(fitted.uncalibrated)
        let text = try #require(written["s.json"])
        #expect(text.contains("\"kind\": \"serve\""))
        var same = serving(trtllm)
        same.engine.calibrationFile.calibration = "s.json"
        let applied = try ServingPlanner.plan(same, catalog: catalog, models: modelCatalog, readFile: files(["s.json": text]))
        #expect(abs(applied.expected.outputTokensPerSecondPerDevice / 2209 - 1) < 0.01)
        #expect(applied.uncalibrated?.outputTokensPerSecondPerDevice == u.outputTokensPerSecondPerDevice)
        #expect(applied.json["calibration"]?["uncalibrated"]?["output_tokens_per_second_per_device"]?.doubleValue
                == u.outputTokensPerSecondPerDevice)
        // The step model's file is refused by the serving model.
        var wrong = serving(trtllm)
        wrong.engine.calibrationFile.calibration = "s.json"
        let stepFile = text.replacingOccurrences(of: "\"serve\"", with: "\"step\"")
        #expect(throws: SizingError.data("s.json calibrates 'size step', not 'size serve'")) {
            try ServingPlanner.plan(wrong, catalog: catalog, models: modelCatalog, readFile: files(["s.json": stepFile]))
        }
    }

    @Test func aRateAboveTheBoundIsRefused() throws {
        var a = serving(trtllm)
        a.engine.measuredTPS = "1M"; a.engine.calibrationFile.saveCalibration = "s.json"
        #expect {
            try ServingPlanner.plan(a, catalog: catalog, models: modelCatalog, readFile: files([:]), writeFile: WrittenFiles().writer)
        } throws: { ($0 as? SizingError)?.exitCode == 64 && "\($0)".contains("above the model's bound") }
        var alone = serving(trtllm)
        alone.engine.measuredTPS = "2000"
        #expect(throws: SizingError.self) { try ServingPlanner.plan(alone, catalog: catalog, models: modelCatalog, readFile: files([:])) }
    }
}
