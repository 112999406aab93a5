#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `suanli size serve` picks its model from the options: with a model shape (`--model` or
/// `--layers …`) the step model (`ServingArguments` → `ServingPlanner` → `ServingReport`); with only
/// `--params` the single-rule rough bound (`RoughServeArguments` → `RoughServePlanner` →
/// `RoughServeReport`). Options of one model given to the other are refused by name.
public enum ServeRouter {
    /// A rendered answer of either model.
    public struct Answer: Sendable {
        public var json: JSONValue
        public var table: String
    }

    public static func plan(
        rough: RoughServeArguments, step: ServingArguments, catalog: Catalog, models: ModelCatalog,
        readFile: FileReader = readFileFromDisk, writeFile: FileWriter = writeFileToDisk
    ) throws -> Answer {
        if step.describesModel {
            let roughOnly: [(String, String?)] = [
                ("--params", rough.params), ("--active-params", rough.activeParams),
                ("--bytes-per-param", rough.bytesPerParam), ("--mfu", rough.rate.mfu),
                ("--achieved-tflops", rough.rate.achievedTFLOPS), ("--utilization", rough.rate.utilization),
            ]
            if let given = roughOnly.first(where: { $0.1 != nil }) {
                throw SizingError.usage(
                    "\(given.0) belongs to the rough bound (no model shape); the step model takes the shape, --precision and --efficiency")
            }
            let report = try ServingPlanner.plan(step, catalog: catalog, models: models, readFile: readFile, writeFile: writeFile)
            return Answer(json: report.json, table: report.table)
        }
        let stepOnly: [(String, String?)] = [
            ("--tp", step.tp), ("--input-tokens", step.inputTokens), ("--output-tokens", step.outputTokens),
            ("--kv-precision", step.kvPrecision), ("--max-batch", step.maxBatch), ("--efficiency", step.efficiency),
            ("--memory-utilization", step.memoryUtilization), ("--slo-ttft", step.sloTTFT), ("--slo-tpot", step.sloTPOT),
            ("--requests-per-second", step.demand.requestsPerSecond), ("--peak-factor", step.demand.peakFactor),
            ("--bus-gbps", step.hardware.busGBps), ("--gpus-per-node", step.gpusPerNode),
            ("--measured-tps", step.measuredTPS), ("--save-calibration", step.saveCalibration),
            ("--calibration", step.calibration), ("--scheduler", step.scheduler),
            ("--prefill-chunk", step.prefillChunk), ("--step-overhead", step.stepOverhead),
        ]
        if let given = stepOnly.first(where: { $0.1 != nil }) {
            throw SizingError.usage(
                "\(given.0) needs the step model: give the model with --model NAME or --layers/--hidden/--heads/--vocab")
        }
        let report = try RoughServePlanner.plan(rough, catalog: catalog, readFile: readFile)
        return Answer(json: report.json, table: report.table)
    }
}
