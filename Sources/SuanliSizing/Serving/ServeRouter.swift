#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `suanli size serve` picks its model from the options: with a model shape (`--model` or
/// `--layers …`) the step model (`ServeArguments` → `ServingPlanner` → `ServingReport`); with only
/// `--params` the single-rule rough bound (`ServeArguments` → `RoughServePlanner` →
/// `RoughServeReport`). Options of one model given to the other are refused by name.
public enum ServeRouter {
    /// A rendered answer of either model.
    public struct Answer: Sendable {
        public var json: JSONValue
        public var table: String
    }

    public static func plan(
        _ args: ServeArguments, catalog: Catalog, models: ModelCatalog,
        readFile: FileReader = readFileFromDisk, writeFile: FileWriter = writeFileToDisk
    ) throws -> Answer {
        if args.shape.describesModel {
            let roughOnly: [(String, String?)] = [
                ("--params", args.roughModel.params), ("--active-params", args.roughModel.activeParams),
                ("--bytes-per-param", args.hardware.bytesPerParam), ("--mfu", args.rate.mfu),
                ("--achieved-tflops", args.rate.achievedTFLOPS), ("--utilization", args.rate.utilization),
            ]
            if let given = roughOnly.first(where: { $0.1 != nil }) {
                throw SizingError.usage(
                    "\(given.0) belongs to the rough bound (no model shape); the step model takes the shape, --precision and --efficiency")
            }
            let report = try ServingPlanner.plan(args, catalog: catalog, models: models, readFile: readFile, writeFile: writeFile)
            return Answer(json: report.json, table: report.table)
        }
        let stepOnly: [(String, String?)] = [
            ("--tp", args.engine.tp), ("--input-tokens", args.workload.inputTokens),
            ("--output-tokens", args.workload.outputTokens), ("--kv-precision", args.engine.kvPrecision),
            ("--max-batch", args.workload.maxBatch), ("--efficiency", args.workload.efficiency),
            ("--memory-utilization", args.workload.memoryUtilization), ("--slo-ttft", args.workload.sloTTFT),
            ("--slo-tpot", args.workload.sloTPOT), ("--requests-per-second", args.demand.requestsPerSecond),
            ("--peak-factor", args.demand.peakFactor), ("--bus-gbps", args.hardware.busGBps),
            ("--gpus-per-node", args.engine.gpusPerNode), ("--measured-tps", args.engine.measuredTPS),
            ("--save-calibration", args.engine.calibrationFile.saveCalibration),
            ("--calibration", args.engine.calibrationFile.calibration), ("--scheduler", args.workload.scheduler),
            ("--prefill-chunk", args.workload.prefillChunk), ("--step-overhead", args.workload.stepOverhead),
        ]
        if let given = stepOnly.first(where: { $0.1 != nil }) {
            throw SizingError.usage(
                "\(given.0) needs the step model: give the model with --model NAME or --layers/--hidden/--heads/--vocab")
        }
        let report = try RoughServePlanner.plan(args, catalog: catalog, readFile: readFile)
        return Answer(json: report.json, table: report.table)
    }
}
