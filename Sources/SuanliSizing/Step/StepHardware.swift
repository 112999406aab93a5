#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the step model's hardware from the catalog, a result file, and overrides; every figure
/// carries its source.
enum StepHardware {
    static func resolve(
        _ o: StepOptions, parallelism: Parallelism, sequenceLength: Int, catalog: Catalog, readFile: FileReader
    ) throws -> (HardwareModel, warnings: [String]) {
        var b = try StepHardwareBuilder(o, catalog: catalog)
        try b.readMeasurements(readFile: readFile)
        let (gemm, memoryBandwidth) = b.calibration != nil ? try b.measuredRates() : try b.catalogRates()
        let capacity = b.memoryCapacity()
        let (intra, inter) = try b.links(parallelism)
        let name = b.calibration.map { $0.deviceName ?? $0.deviceID } ?? b.accelerator!.name
        var hardware = HardwareModel(
            name: name, peakFLOPS: b.peak, gemm: gemm, attentionEfficiency: StepConstants.flashAttentionEfficiency.value,
            memoryBytesPerSecond: memoryBandwidth, memoryCapacityBytes: capacity, intraNode: intra, interNode: inter,
            elementBytes: b.elementBytes, sources: b.sources)
        if let a = b.accelerator, let f = a.attentionForwardTFLOPS, let w = a.attentionBackwardTFLOPS,
           let rates = AttentionRates(forwardTFLOPS: f.value, backwardTFLOPS: w.value) {
            hardware.attentionRates = rates
            hardware.sources.append(SourcedConstant("attention_forward_tflops", rates.forwardFLOPS(sequence: sequenceLength) / 1e12, f.source))
            hardware.sources.append(SourcedConstant("attention_backward_tflops", rates.backwardFLOPS(sequence: sequenceLength) / 1e12, w.source))
        }
        if b.peak == nil { b.warnings.append("no peak FLOP/s for \(name): MFU and HFU are unknown; add --device for the catalog peak") }
        return (hardware, b.warnings)
    }
}

/// The figures `StepHardware.resolve` gathers, phase by phase, with their sources and warnings.
private struct StepHardwareBuilder {
    let o: StepOptions
    let catalog: Catalog
    /// The catalog entry, the result file and its calibration, read once.
    var hardware: HardwareSources
    var accelerator: Accelerator? { hardware.accelerator }
    var file: ResultFile? { hardware.file }
    var warnings: [String] = []
    var sources: [SourcedConstant] = []
    /// The catalog precision of the peak (with --device).
    var precision: SizingPrecision?
    var elementBytes: Double
    var peak: Double?
    /// The calibration, with the GEMM rate of the step model's precision adopted.
    var calibration: Calibration?
    var rate: CalibratedRate?

    /// The device, the precision and the catalog peak.
    init(_ o: StepOptions, catalog: Catalog) throws {
        self.o = o
        self.catalog = catalog
        hardware = try HardwareSources(device: o.device, calibrate: o.calibrate, calibrateDevice: o.calibrateDevice, catalog: catalog)
        let accelerator = hardware.accelerator
        if o.device == nil && o.calibrate == nil {
            throw SizingError.usage("give the hardware: --device NAME (see 'suanli size devices') or --calibrate RESULTS.json")
        }
        // Precision: catalog names; the bench's `mixed` is its bf16/fp16 training kernel.
        if let a = accelerator {
            if let p = o.precision {
                guard let catalogPrecision = SizingPrecision(catalogKey: p), a.dense(catalogPrecision) != nil else {
                    throw SizingError.usage(
                        "--precision \(p) has no dense figure for \(a.id); available: \(a.densePrecisions.joined(separator: ", "))")
                }
                precision = catalogPrecision
            } else {
                precision = a.defaultPrecision
            }
        }
        // Operands in the peak's precision (bf16 without a catalog entry). int8 keeps 16-bit
        // operands, as the step model always has: it models no int8 training.
        let operands = precision ?? .bf16
        elementBytes = operands == .int8 ? SizingPrecision.bf16.bytes : operands.bytes
        if let a = accelerator, let p = precision, let figure = a.dense(p) {
            peak = figure.value * 1e12
            sources.append(SourcedConstant("peak_flops", peak!, "catalog \(a.id) dense \(p.rawValue): \(figure.citation)"))
        }
    }

    /// The result file of --calibrate, its calibration and its GEMM rate.
    mutating func readMeasurements(readFile: FileReader) throws {
        try hardware.readMeasurements(readFile: readFile)
        guard let path = o.calibrate, let f = hardware.file, var c = hardware.calibration else { return }
        // A tensor-core type is measured on a tensor/matrix engine or extrapolated, never read
        // from a CUDA-core GEMM (Calibration.rate); the default on a GPU is the training precision bf16.
        let isCPU = hardware.measuredIsCPU
        let requested = o.precision ?? precision?.rawValue ?? (isCPU ? c.precision : SizingPrecision.bf16.rawValue)
        let r = try Calibration.rate(f, name: path, deviceID: c.deviceID, precision: requested,
                                     accelerator: accelerator, catalog: catalog)
        c.adopt(r)
        calibration = c
        rate = r
    }

    /// GEMM rate and memory bandwidth from the measurements.
    mutating func measuredRates() throws -> (GEMMRate, Double) {
        let c = calibration!, f = file!, rate = rate!
        let gemm = rate.basis == .extrapolated && rate.efficiency != nil && rate.catalogPeakTFLOPS != nil
            ? extrapolatedGEMM(c, rate) : measuredGEMM(c, rate)
        if peak == nil, let theoretical = f.measurements.first(where: {
            $0.device == c.deviceID && $0.suite == "gemm" && $0.precision == c.precision && $0.theoreticalPeak != nil
        }), let tp = theoretical.theoreticalPeak, let scale = Calibration.flopsScale(theoretical.unit) {
            peak = tp * scale * 1e12
            sources.append(SourcedConstant("peak_flops", peak!, "\(c.file): the bench's theoretical peak of \(c.deviceID) at \(c.precision)"))
        }
        let memoryBandwidth: Double
        if let stream = hardware.measuredStream {
            memoryBandwidth = stream.bytesPerSecond
            sources.append(SourcedConstant("memory_bandwidth", memoryBandwidth, "\(c.file): \(stream.detail)"))
        } else if let a = accelerator, let (bw, source) = HardwareSources.catalogBandwidth(a) {
            memoryBandwidth = bw
            sources.append(SourcedConstant("memory_bandwidth", memoryBandwidth, "\(source) (no stream measurement in \(c.file))"))
        } else {
            throw SizingError.data("\(c.file) has no verified stream measurement for \(c.deviceID) (measure with suanli bench --suite gemm,stream --sweep) and no --device for the catalog's bandwidth")
        }
        return (gemm, memoryBandwidth)
    }

    /// No GEMM at this precision on a tensor/matrix engine: the measured efficiency at the
    /// catalog's dense peak, with the step model's tile and roofline limits.
    private mutating func extrapolatedGEMM(_ c: Calibration, _ rate: CalibratedRate) -> GEMMRate {
        let efficiency = rate.efficiency!, catalogPeak = rate.catalogPeakTFLOPS!
        let entry = accelerator ?? c.deviceName.flatMap { catalog.match(deviceName: $0) }
        let bandwidth = hardware.measuredStream?.bytesPerSecond ?? entry.flatMap { HardwareSources.catalogBandwidth($0)?.bytesPerSecond } ?? .infinity
        let gemm = GEMMRate.modelled(peak: catalogPeak * 1e12, efficiency: efficiency, computeUnits: entry?.computeUnits.map { Int($0.value) },
                                     memoryBytesPerSecond: bandwidth, elementBytes: elementBytes)
        sources.append(SourcedConstant("gemm_rate", rate.tflops * 1e12, "\(c.file): \(rate.detail)"))
        if peak == nil {
            peak = catalogPeak * 1e12
            sources.append(SourcedConstant("peak_flops", peak!, "catalog \(entry?.id ?? "?") dense \(rate.precision) (the extrapolation's peak)"))
        }
        warnings.append("rate basis: extrapolated — \(rate.detail)")
        return gemm
    }

    /// The verified GEMMs of the result file as a rate curve by shape.
    private mutating func measuredGEMM(_ c: Calibration, _ rate: CalibratedRate) -> GEMMRate {
        let points = rate.measurements.compactMap { m -> GEMMRateCurve.Point? in
            guard let s = m.size, let mm = s["m"], let nn = s["n"], let kk = s["k"], let median = m.median,
                  let scale = Calibration.flopsScale(m.unit) else { return nil }
            return GEMMRateCurve.Point(m: Int(mm), n: Int(nn), k: Int(kk), rate: median * scale * 1e12)
        }
        let curve = GEMMRateCurve(points: points)
        let shapes = curve.isGrid && curve.points.count > 1
            ? "\(curve.points.count) shapes, interpolated in log size" : "\(curve.points.count) shape(s), nearest in log size"
        sources.append(SourcedConstant(
            "gemm_rate", curve.points.map(\.rate).max() ?? 0,
            "\(c.file): verified \(c.precision) GEMMs of \(c.deviceName ?? c.deviceID) (rate basis measured: \(rate.detail)), \(shapes)"))
        if curve.points.count < 8 {
            warnings.append("\(c.file) holds \(curve.points.count) GEMM shape(s); 'suanli bench --suite gemm --sweep' measures the grid the step model interpolates")
        }
        return .measured(curve)
    }

    /// GEMM rate and memory bandwidth from the catalog alone: the best-shape efficiency with wave
    /// quantization and the roofline, under the device's published bf16 GEMM sweep by shape for
    /// bf16/fp16 work where the catalog has one.
    mutating func catalogRates() throws -> (GEMMRate, Double) {
        let a = accelerator!
        guard let p = peak else { throw SizingError.data("catalog entry \(a.id) has no dense peak") }
        let efficiency: Double
        if let e = a.maxGEMMEfficiency {
            efficiency = e.value
            sources.append(SourcedConstant("gemm_efficiency", e.value, "catalog \(a.id): \(e.citation)"))
        } else {
            efficiency = 1
            warnings.append("the catalog has no measured GEMM efficiency for \(a.id): GEMMs run at the dense peak, an upper bound; measure with 'suanli bench --suite gemm --sweep' and pass --calibrate")
            sources.append(SourcedConstant("gemm_efficiency", 1, "none measured for \(a.id): dense peak (upper bound)"))
        }
        guard let (memoryBandwidth, source) = HardwareSources.catalogBandwidth(a) else {
            throw SizingError.data("catalog entry \(a.id) has no memory bandwidth")
        }
        sources.append(SourcedConstant("memory_bandwidth", memoryBandwidth, source))
        let units = a.computeUnits.map { Int($0.value) }
        if let u = a.computeUnits {
            sources.append(SourcedConstant("compute_units", u.value, "catalog \(a.id): \(u.citation); \(StepConstants.gemmTileSource)"))
        }
        let gemm = GEMMRate.modelled(peak: p, efficiency: efficiency, computeUnits: units, memoryBytesPerSecond: memoryBandwidth,
                                     elementBytes: elementBytes)
        if let sweep = a.gemmBF16Sweep, precision == .bf16 || precision == .fp16 {
            let curve = GEMMRateCurve(tflopsRows: sweep.value)
            guard curve.isGrid else {
                throw SizingError.data("catalog entry \(a.id): gemm_bf16_sweep_tflops is not a full grid of [m, n, k, TFLOPS] rows")
            }
            sources.append(SourcedConstant(
                "gemm_rate", curve.points.map(\.rate).max() ?? 0,
                "catalog \(a.id): \(sweep.citation); \(curve.points.count) shapes interpolated in log size, the edge rate above them, never above the operands' memory roofline; batched products and sizes below the sweep at the gemm_efficiency model"))
            return (.published(curve, below: gemm), memoryBandwidth)
        }
        return (gemm, memoryBandwidth)
    }

    /// Device memory: measured, else the catalog's.
    mutating func memoryCapacity() -> Double? {
        guard let memory = hardware.memoryGB() else { return nil }
        sources.append(SourcedConstant("memory_capacity", memory.value * 1e9, memory.source))
        return memory.value * 1e9
    }

    /// The intra- and inter-node links the layout needs (an unused placeholder for the others).
    mutating func links(_ parallelism: Parallelism) throws -> (intra: Link, inter: Link) {
        let needsIntra = parallelism.devices > 1 && min(parallelism.devices, parallelism.gpusPerNode) > 1
        let needsInter = parallelism.devices > parallelism.gpusPerNode
        let busPoints = hardware.measuredBusPoints
        let measuredBus = busPoints.isEmpty ? nil : BusBandwidthCurve(points: busPoints.map { ($0.bytes, $0.busBytesPerSecond) })
        let measuredIsInterNode = (file?.hosts ?? 1) > 1
        let unused = Link(name: "unused", bytesPerSecond: 1, efficiency: 1, hopLatency: 0, baseLatency: 0)
        let intra = needsIntra ? try link(intra: true, measuredBus: measuredBus, measuredIsInterNode: measuredIsInterNode) : unused
        let inter = needsInter ? try link(intra: false, measuredBus: measuredBus, measuredIsInterNode: measuredIsInterNode) : unused
        if needsIntra || needsInter {
            sources += [StepConstants.collectiveBaseLatency]
            if needsIntra { sources += [StepConstants.nvlinkHopLatency, StepConstants.nvlinkEfficiency] }
            if needsInter { sources += [StepConstants.networkHopLatency, StepConstants.networkEfficiency] }
        }
        return (intra, inter)
    }

    /// One link: the option's override, the measured all-reduce curve, or the catalog's figure.
    private mutating func link(intra: Bool, measuredBus: BusBandwidthCurve?, measuredIsInterNode: Bool) throws -> Link {
        let name = intra ? "intra-node" : "inter-node"
        let override = intra ? o.parallel.intraNodeGBps : o.parallel.interNodeGBps
        let option = intra ? "--intra-node-gbps" : "--inter-node-gbps"
        let efficiency = intra ? StepConstants.nvlinkEfficiency : StepConstants.networkEfficiency
        let hop = intra ? StepConstants.nvlinkHopLatency : StepConstants.networkHopLatency
        func made(_ bytesPerSecond: Double, measured: BusBandwidthCurve? = nil) -> Link {
            Link(name: name, bytesPerSecond: bytesPerSecond, efficiency: efficiency.value, hopLatency: hop.value,
                 baseLatency: StepConstants.collectiveBaseLatency.value, measured: measured)
        }
        if let override {
            guard override.value > 0 else { throw SizingError.usage("\(option) must be greater than 0") }
            sources.append(SourcedConstant("\(name.replacingDashes)_bandwidth", override.value * 1e9, "\(option) (line rate per device, one direction)"))
            return made(override.value * 1e9)
        }
        if let curve = measuredBus, measuredIsInterNode == !intra, let c = calibration {
            let best = curve.points.map(\.busBytesPerSecond).max() ?? 0
            sources.append(SourcedConstant("\(name.replacingDashes)_bandwidth", best,
                                           "\(c.file): measured all-reduce busbw by message size (\(curve.points.count) sizes)"))
            return made(best, measured: curve)
        }
        if let a = accelerator {
            if intra, let ic = a.interconnectGBps {
                let value = ic.value / 2 * 1e9
                sources.append(SourcedConstant("intra_node_bandwidth", value,
                                               "catalog \(a.id) interconnect \(Format.number(ic.value)) GB/s (both directions) ÷ 2: \(ic.citation)"))
                guard let published = a.intraNodeAllReduceBusBW else { return made(value) }
                // A published nccl-tests all-reduce curve of this GPU replaces the line-rate model for
                // all-reduce; the other collectives follow it up to the line rate × NCCL's efficiency.
                let curve = BusBandwidthCurve(points: published.value.compactMap { $0.count == 2 ? ($0[0], $0[1] * 1e9) : nil })
                sources.append(SourcedConstant("intra_node_allreduce_busbw", curve.points.map(\.busBytesPerSecond).max() ?? 0,
                                               "catalog \(a.id), by message size (\(curve.points.count) sizes): \(published.citation)"))
                var link = made(value, measured: curve)
                link.measuredIsAllReduceOnly = true
                return link
            }
            if !intra, let so = a.scaleOutGBps {
                sources.append(SourcedConstant("inter_node_bandwidth", so.value * 1e9, "catalog \(a.id) scale-out per device: \(so.citation)"))
                return made(so.value * 1e9)
            }
        }
        throw SizingError.usage("the \(name) link is unknown for this device: give \(option)")
    }
}

extension String {
    var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
