import ArgumentParser
import Testing
@testable import SuanliSizing

/// The size commands' options are SuanliSizing's own option groups, parsed once and passed as they
/// are; `size train` with parallelism builds `size step`'s options from its groups.
@Suite("Sizing option groups")
struct OptionGroupsTests {
    /// A layout that sets every group `size train` hands to the step model, each away from its default.
    static let layout = [
        "model": "llama2-70b", "kv-heads": "16", "vocab": "50000", "tp": "8", "pp": "4", "dp": "2", "microbatch": "2",
        "global-batch": "64", "interleave": "2", "zero": "1", "gpus-per-node": "16", "intra-node-gbps": "300",
        "inter-node-gbps": "40", "attention": "materialized", "layers": "40", "hidden": "4096", "seq-len": "2048",
        "gradient-bytes-per-param": "4", "device": "h100-sxm", "precision": "fp8",
    ]
    static let layoutFlags = ["sequence-parallel", "overlap-grad-reduce", "overlap-param-gather", "tp-comm-overlap",
                              "ignore-memory"]

    @Test func sizeTrainTimesTheIterationSizeStepTimesFromTheSameOptions() throws {
        let step: StepOptions = parsed(Self.layout.merging(["recompute": "full", "tokens": "10B"]) { a, _ in a },
                                       flags: Self.layoutFlags)
        let train: TrainArguments = parsed(Self.layout.merging(["tokens": "10B"]) { a, _ in a },
                                           flags: Self.layoutFlags + ["recompute"])
        let stepReport = try StepPlanner.plan(step, catalog: catalog, models: modelCatalog, readFile: files([:]))
        let trainReport = try #require(
            try TrainPlanner.plan(train, catalog: catalog, models: modelCatalog, readFile: files([:])).stepReport)
        #expect(trainReport.result.iterationSeconds == stepReport.result.iterationSeconds)
        #expect(trainReport.inputsJSON.rendered() == stepReport.inputsJSON.rendered())
        // The groups reached the model: the echo shows the non-default settings, not the defaults.
        let inputs = stepReport.inputsJSON
        #expect(inputs["tp_comm_overlap"]?.rendered() == "true" && inputs["interleave"]?.doubleValue == 2)
        #expect(inputs["attention"]?.stringValue == "materialized" && inputs["gradient_bytes_per_param"]?.doubleValue == 4)
        #expect(inputs["kv_heads"]?.doubleValue == 16 && inputs["vocab"]?.doubleValue == 50000 && inputs["seq_len"]?.doubleValue == 2048)
        #expect(inputs["layers"]?.doubleValue == 40 && inputs["hidden"]?.doubleValue == 4096)
        #expect(inputs["gpus_per_node"]?.doubleValue == 16)
        // The fp8 peak reached the model: the same layout at the bf16 peak is slower.
        var bf16 = step
        bf16.precision = "bf16"
        let slower = try StepPlanner.plan(bf16, catalog: catalog, models: modelCatalog, readFile: files([:]))
        #expect(slower.result.iterationSeconds > stepReport.result.iterationSeconds)
        #expect(stepReport.inputs.hardware.intraNode.bytesPerSecond == 300e9)
    }

    @Test func aStepModelOptionWithoutALayoutIsRefusedByName() {
        // A micro-batch means nothing to 6·N·D: refused rather than ignored (as the shape and links are).
        let e = sizingError {
            _ = try TrainPlanner.plan(train(["params": "7B", "tokens": "1T", "devices": "8", "device": "h100-sxm", "microbatch": "4"]),
                                      catalog: catalog, models: modelCatalog, readFile: files([:]))
        }
        #expect(e?.exitCode == 64 && e?.description.contains("micro-batch") == true, "\(e?.description ?? "accepted")")
    }

    @Test func everyGroupParsesFromNothingToItsDefaults() {
        let step = StepOptions.defaults
        #expect(step.parallel.tp == 1 && step.parallel.gpusPerNode == 8 && step.recompute == .none)
        #expect(step.shape.model == nil && step.shape.details.isEmpty && !step.parallel.describesParallelism)
        let train = TrainArguments.defaults
        #expect(train.work.params == nil && !train.work.recompute && !train.parallel.describesStepSettings)
        let serve = ServeArguments.defaults
        #expect(!serve.shape.describesModel && serve.demand.isEmpty && serve.engine.calibrationFile.calibration == nil)
    }

    @Test func theHelpListsEachGroupUnderItsTitle() {
        let train = TrainArguments.helpMessage(columns: 200)
        for title in ["RATE PER DEVICE", "MONEY AND ENERGY", "PARALLELISM (STEP MODEL)"] {
            #expect(train.contains(title), "\(title)")
        }
        let step = StepOptions.helpMessage(columns: 200)
        #expect(step.contains("MODEL:") && step.contains("PARALLELISM:") && step.contains("--tp-comm-overlap"))
    }
}
