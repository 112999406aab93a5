#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `suanli size step`: options → validated inputs → the step model → a report.
public enum StepPlanner {
    /// The transformer shape: `--model` from the model catalog, with any shape option overriding it;
    /// without `--model`, the shape options (layers, hidden, heads, vocab, seq-len required).
    public static func shape(_ options: StepOptions, models: ModelCatalog) throws -> (TransformerShape, ModelEntry?) {
        let o = options.shape, d = options.shape.details
        var entry: ModelEntry?
        var shape: TransformerShape
        if let name = o.model {
            entry = try models.lookup(name)
            shape = entry!.shape
            if let v = o.layers { shape.layers = v }
            if let v = o.hidden { shape.hidden = v }
            if let v = d.heads { shape.heads = v; if d.kvHeads == nil && entry!.kvHeads.value == entry!.heads.value { shape.kvHeads = v } }
            if let v = d.kvHeads { shape.kvHeads = v }
            if let v = d.ffn { shape.ffn = v } else if o.hidden != nil && !shape.gatedFFN { shape.ffn = 4 * shape.hidden }
            if d.gatedFFN { shape.gatedFFN = true }
            if d.untiedEmbeddings { shape.tiedEmbeddings = false }
            if let v = d.vocab { shape.vocab = v }
            if let v = o.seqLen { shape.seqLen = v }
        } else {
            let missing = [("--layers", o.layers), ("--hidden", o.hidden), ("--heads", d.heads), ("--vocab", d.vocab),
                           ("--seq-len", o.seqLen)].filter { $0.1 == nil }.map(\.0)
            guard missing.isEmpty else {
                throw SizingError.usage("give the model: --model NAME, or the shape (missing \(missing.joined(separator: ", ")))")
            }
            shape = TransformerShape(
                layers: o.layers!, hidden: o.hidden!, heads: d.heads!, kvHeads: d.kvHeads, ffn: d.ffn, gatedFFN: d.gatedFFN,
                vocab: d.vocab!, seqLen: o.seqLen!, tiedEmbeddings: !d.untiedEmbeddings)
        }
        try shape.validate()
        return (shape, entry)
    }

    public static func parallelism(_ options: StepOptions) throws -> Parallelism {
        let o = options.parallel
        guard let globalBatch = o.globalBatch else {
            throw SizingError.usage("give --global-batch (sequences per iteration)")
        }
        var p = Parallelism(
            tensor: o.tp, pipeline: o.pp, data: o.dp, context: o.cp, microbatch: o.microbatch, globalBatch: globalBatch,
            interleave: o.interleave, recompute: options.recompute, sequenceParallel: o.sequenceParallel, zeroStage: o.zero,
            gpusPerNode: o.gpusPerNode, balanceEmbedding: o.balanceEmbedding, overlapGradReduce: o.overlapGradReduce)
        p.overlapParamGather = o.overlapParamGather
        p.tpCommOverlap = o.tpCommOverlap
        return p
    }

    /// Validated inputs for the step model, with the warnings resolution produced.
    public static func inputs(
        _ o: StepOptions, catalog: Catalog, models: ModelCatalog, readFile: FileReader = readFileFromDisk
    ) throws -> (StepInputs, ModelEntry?, [String]) {
        let (shape, entry) = try shape(o, models: models)
        let par = try parallelism(o)
        // Check the layout before reading files: a bad layout is a usage error whatever the hardware.
        let placeholder = HardwareModel(
            name: "", peakFLOPS: nil, gemm: .measured(GEMMRateCurve(points: [])), attentionEfficiency: 1,
            memoryBytesPerSecond: 1, memoryCapacityBytes: nil,
            intraNode: Link(name: "", bytesPerSecond: 1, efficiency: 1, hopLatency: 0, baseLatency: 0),
            interNode: Link(name: "", bytesPerSecond: 1, efficiency: 1, hopLatency: 0, baseLatency: 0))
        let gradientBytes = o.gradientBytesPerParam?.value ?? Defaults.gradientBytesPerParam
        var inputs = StepInputs(shape: shape, parallelism: par, hardware: placeholder, attention: o.parallel.attention,
                                gradientBytes: gradientBytes, tokens: o.tokens?.value, ignoreMemory: o.parallel.ignoreMemory)
        try inputs.validate()
        let (hardware, warnings) = try StepHardware.resolve(o, parallelism: par, sequenceLength: shape.seqLen, catalog: catalog, readFile: readFile)
        inputs.hardware = hardware
        return (inputs, entry, warnings)
    }

    /// Validates, estimates and renders. A configuration that does not fit in device memory is a
    /// usage error unless `ignoreMemory`.
    public static func plan(
        _ o: StepOptions, catalog: Catalog, models: ModelCatalog, readFile: FileReader = readFileFromDisk,
        writeFile: FileWriter = writeFileToDisk
    ) throws -> StepReport {
        let saved = try SoftwareCalibration.requested(
            .step, measured: o.parallel.measuredIteration != nil, save: o.parallel.calibrationFile.saveCalibration,
            apply: o.parallel.calibrationFile.calibration, readFile: readFile)
        if let m = o.parallel.measuredIteration, !(m.value > 0) {
            throw SizingError.usage("--measured-iteration must be greater than 0 seconds")
        }
        var (inputs, entry, warnings) = try inputs(o, catalog: catalog, models: models, readFile: readFile)
        let uncalibrated = StepModel.estimate(inputs)
        var result = uncalibrated
        var calibration: StepReport.AppliedCalibration?
        if let measured = o.parallel.measuredIteration?.value, let path = o.parallel.calibrationFile.saveCalibration {
            let factors = try fit(inputs, measuredSeconds: measured)
            let config = StepReport(inputs: inputs, result: uncalibrated, model: entry, options: o, warnings: []).inputsJSON
            let file = SoftwareCalibration(kind: .step, factors: factors, measured: measured,
                                           predictedUncalibrated: uncalibrated.iterationSeconds,
                                           hardware: inputs.hardware.name, config: config)
            inputs.hardware.software = factors
            result = StepModel.estimate(inputs)
            try file.save(to: path, write: writeFile)
            calibration = .init(file: file, path: path, fitted: true)
        } else if let saved, let path = o.parallel.calibrationFile.calibration {
            inputs.hardware.software = saved.factors
            result = StepModel.estimate(inputs)
            calibration = .init(file: saved, path: path, fitted: false)
            if !saved.hardware.isEmpty && saved.hardware != inputs.hardware.name {
                warnings.append("\(path) was measured on \(saved.hardware), this run is on \(inputs.hardware.name): the software efficiencies are carried across hardware")
            }
        }
        var allWarnings = warnings
        if result.memory.fits == false {
            let need = Format.number(result.memory.total / 1e9)
            let have = Format.number(result.memory.capacity! / 1e9)
            let message = "the model does not fit: \(need) GB per device needed (weights, gradients, optimizer state, activations), \(have) GB available; raise --tp, --pp, --zero or --recompute, lower --microbatch, or pass --ignore-memory"
            if !inputs.ignoreMemory { throw SizingError.usage(message) }
            allWarnings.append(message)
        }
        let par = inputs.parallelism
        if !par.tensorWithinNode {
            allWarnings.append("--tp \(par.tensor) is larger than a node (--gpus-per-node \(par.gpusPerNode)): the tensor-parallel collectives run over the scale-out network (\(Format.number(inputs.hardware.interNode.bytesPerSecond / 1e9)) GB/s per device), not the intra-node link")
        }
        if par.pipeline > 1 && par.microbatches < par.pipeline {
            let bubble = StepModel.bubbleFraction(pipeline: par.pipeline, interleave: par.interleave, microbatches: par.microbatches)
            allWarnings.append("\(par.microbatches) micro-batch(es) per pipeline for --pp \(par.pipeline): the pipeline never fills and the bubble is \(Format.number(100 * bubble, decimals: 0))% of the useful time; raise --global-batch or lower --dp or --microbatch")
        }
        if inputs.hardware.memoryCapacityBytes == nil {
            allWarnings.append("device memory unknown: the fit is not checked")
        }
        var report = StepReport(inputs: inputs, result: result, model: entry, options: o, warnings: allWarnings)
        if let calibration {
            report.calibration = calibration
            report.uncalibrated = uncalibrated
        }
        return report
    }

    /// The software efficiencies that make the model's iteration equal the measured one. One
    /// measurement fits one factor (see `SoftwareCalibration`): compute and memory-bound kernels
    /// share it; communication stays at the link model.
    public static func fit(_ inputs: StepInputs, measuredSeconds: Double) throws -> SoftwareEfficiency {
        var trial = inputs
        func seconds(_ s: Double) -> Double {
            trial.hardware.software = SoftwareEfficiency(compute: s, memoryBound: s, communication: 1)
            return StepModel.estimate(trial).iterationSeconds
        }
        let (low, high) = (1e-3, 1e3)
        guard let s = SoftwareCalibration.solve(target: measuredSeconds, low: low, high: high, increasing: false, seconds) else {
            let fastest = seconds(high)
            if measuredSeconds < fastest {
                throw SizingError.usage("--measured-iteration \(Format.number(measuredSeconds, decimals: 3)) s is shorter than this layout's communication alone (\(Format.number(fastest, decimals: 3)) s with instant kernels): check the layout and the links")
            }
            throw SizingError.usage("--measured-iteration \(Format.number(measuredSeconds, decimals: 3)) s is over 1000× the model's \(Format.number(seconds(1), decimals: 3)) s: check the layout and the units (seconds per iteration)")
        }
        return SoftwareEfficiency(compute: s, memoryBound: s, communication: 1)
    }
}
