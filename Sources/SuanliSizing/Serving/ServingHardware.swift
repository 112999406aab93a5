#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The per-device ceilings the serving model runs against, each with where it came from.
public struct ServingHardware: Sendable {
    /// Matrix-product rate per device at the compute precision, FLOP/s.
    public var computeFLOPS: Double
    /// How the compute rate was found: "measured" (a verified tensor/matrix GEMM at the serving
    /// precision), "extrapolated" (a measured GEMM's fraction of its peak × the catalog peak at the
    /// serving precision), "catalog" (the datasheet dense peak, × the catalog's achievable-GEMM
    /// fraction where it has one) or "given" (`--peak-tflops`).
    public var rateBasis: String
    /// The precision the matrix products run at: the serving precision, or 16-bit for
    /// weight-only quantization on devices without 8-bit matrix units.
    public var computePrecision: SizingPrecision
    /// True when the weights are 8-bit but the products run at 16 bits.
    public var weightOnly: Bool
    public var computeSource: String
    /// True when the compute rate is what a large GEMM reaches (measured, extrapolated from a
    /// measurement, or the catalog peak × its achievable-GEMM fraction); false for a bare datasheet
    /// or given peak. The default efficiency differs between the two.
    public var computeIsAchievableGEMM: Bool
    /// Measured GEMM rates by shape at the serving precision (`bench --suite gemm --sweep`); when
    /// present, each matrix product runs at the rate of its own shape instead of `computeFLOPS`.
    public var gemmCurve: GEMMRateCurve?
    /// Memory bandwidth per device, bytes/s, and whether it was measured.
    public var bandwidthBytesPerSecond: Double
    public var bandwidthBasis: String
    public var bandwidthSource: String
    /// Device memory, bytes.
    public var memoryBytes: Double
    public var memorySource: String
    /// The tensor-parallel link (all-reduces follow `Collective.allReduce`).
    public var link: Link
    public var linkSource: String
    /// Ranks of the measured all-reduce curve, when the link was measured.
    public var measuredRanks: Int?
    public var accelerator: Accelerator?
    public var calibration: Calibration?
    public var notes: [String] = []
    /// What a memory-bound kernel reaches on this device (the KV-cache reads run at it): a measured
    /// stream of `--calibrate`, else the catalog's published STREAM/BabelStream figure; nil when
    /// `--bandwidth-gbps` is given or no such figure is known.
    public var achievableBandwidth: (bytesPerSecond: Double, source: String)?

    /// What the user gave, as text.
    static func resolve(
        rate: RateOptions, hardware o: ServeHardwareOptions, precision: SizingPrecision, catalog: Catalog, readFile: FileReader
    ) throws -> ServingHardware {
        var sources = try HardwareSources(
            device: rate.device, calibrate: rate.calibrate, calibrateDevice: rate.calibrateDevice,
            given: .init(peakTFLOPS: rate.peakTFLOPS, bandwidthGBps: o.bandwidthGBps, memoryGB: o.memoryGB, busGBps: o.busGBps),
            catalog: catalog)
        if rate.calibrate != nil && sources.givenPeakTFLOPS != nil {
            throw SizingError.usage("--calibrate measures the compute rate; drop --peak-tflops")
        }
        try sources.readMeasurements(readFile: readFile)
        let accelerator = sources.accelerator
        let (computePrecision, weightOnly, notes) = try computePrecision(precision, accelerator: accelerator)
        let compute: ComputeRate
        if let peak = sources.givenPeakTFLOPS {
            compute = ComputeRate(
                flops: peak * 1e12, basis: "given", source: "--peak-tflops\(accelerator == nil ? "" : " (replaces the catalog peak)")",
                achievable: false)
        } else if let file = sources.file, let c = sources.calibration {
            compute = try measuredComputeRate(file, c, computePrecision: computePrecision, accelerator: accelerator)
        } else if let a = accelerator {
            compute = try catalogComputeRate(a, computePrecision: computePrecision)
        } else {
            throw SizingError.usage(
                "give the hardware: --device NAME (catalog), --calibrate RESULTS.json, or --peak-tflops X with --bandwidth-gbps and --memory-gb")
        }
        guard let bandwidth = sources.memoryBandwidthGBps() else {
            throw SizingError.usage("no memory bandwidth known: give --bandwidth-gbps, a catalog --device, or a --calibrate file with a stream measurement")
        }
        guard let memory = sources.memoryGB() else {
            throw SizingError.usage("no device memory known: give --memory-gb, a catalog --device, or a --calibrate file")
        }
        // The catalog's GB are 1e9 bytes; the serving table says so.
        let memorySource = memory.basis == .catalog
            ? "catalog \(accelerator!.id) \(Format.number(memory.value, decimals: 0)) GB (1e9 bytes, as size step and size train read it): \(accelerator!.memoryGB!.citation)"
            : memory.source
        let tp = tensorParallelLink(sources)

        var hardware = ServingHardware(
            computeFLOPS: compute.flops, rateBasis: compute.basis, computePrecision: computePrecision,
            weightOnly: weightOnly, computeSource: compute.source, computeIsAchievableGEMM: compute.achievable,
            gemmCurve: compute.curve, bandwidthBytesPerSecond: bandwidth.value * 1e9,
            bandwidthBasis: bandwidth.basis.rawValue, bandwidthSource: bandwidth.source, memoryBytes: memory.value * 1e9,
            memorySource: memorySource, link: tp.link, linkSource: tp.source, measuredRanks: tp.measuredRanks,
            accelerator: accelerator, calibration: sources.calibration, notes: notes)
        if sources.givenBandwidthGBps == nil {
            if let c = sources.calibration, let stream = sources.measuredStream {
                hardware.achievableBandwidth = (stream.bytesPerSecond, "the measured \(stream.detail) of \(c.file) (achievable bandwidth)")
            } else if let a = accelerator, let ach = a.achievableBandwidthGBps {
                hardware.achievableBandwidth = (ach.value * 1e9, "catalog \(a.id) achievable bandwidth \(Format.number(ach.value, decimals: 0)) GB/s: \(ach.citation)")
            }
        }
        return hardware
    }

    /// Compute precision: 8-bit weights run at 16 bits where the device has no 8-bit rate.
    static func computePrecision(
        _ precision: SizingPrecision, accelerator: Accelerator?
    ) throws -> (precision: SizingPrecision, weightOnly: Bool, notes: [String]) {
        var computePrecision = precision
        var weightOnly = false
        var notes: [String] = []
        if let a = accelerator, a.dense(precision) == nil {
            if precision.isEightBit, let sixteen = [SizingPrecision.bf16, .fp16].first(where: { a.dense($0) != nil }) {
                computePrecision = sixteen
                weightOnly = true
                notes.append(
                    "\(a.id) has no dense \(precision.rawValue) rate in the catalog: weight-only \(precision.rawValue), the weights are stored in 8 bits and the matrix products run at \(sixteen.rawValue)")
            } else if precision == .bf16, a.dense(.fp16) != nil {
                computePrecision = .fp16
                notes.append("\(a.id) has no bf16 rate in the catalog: the products run at its fp16 rate")
            } else {
                throw SizingError.usage(
                    "\(a.id) has no dense \(precision.rawValue) figure in the catalog; available: \(a.densePrecisions.joined(separator: ", "))")
            }
        }
        return (computePrecision, weightOnly, notes)
    }

    /// The compute rate, its basis (given, measured, extrapolated, catalog) and source.
    struct ComputeRate {
        var flops: Double
        var basis: String
        var source: String
        var achievable = true
        var curve: GEMMRateCurve?
    }

    /// The best verified tensor/matrix GEMM of the result file (a curve when it holds several
    /// shapes), else its best fraction of peak carried to the catalog's peak.
    static func measuredComputeRate(
        _ file: ResultFile, _ c: Calibration, computePrecision precision: SizingPrecision, accelerator: Accelerator?
    ) throws -> ComputeRate {
        let computePrecision = precision.benchName
        let device = file.devices.first { $0.id == c.deviceID }
        let gemms = file.measurements.filter { $0.device == c.deviceID && $0.suite == "gemm" && $0.usable }
        let isCPU = device?.type?.lowercased() == "cpu"
        let matching = gemms.filter { m in
            m.precision == computePrecision
                && (isCPU || ["tensor", "matrix"].contains(m.parameters?["engine"]?.lowercased() ?? ""))
        }
        if let best = matching.max(by: { rate($0) < rate($1) }) {
            var compute = ComputeRate(flops: rate(best), basis: "measured", source: "")
            compute.source = "\(c.file): \(c.deviceID), best verified \(computePrecision) GEMM (\(best.parameters?["engine"] ?? "cpu") engine) \(Format.number(compute.flops / 1e12)) TFLOP/s"
            // Several shapes (bench --suite gemm --sweep): each matrix product at its own measured rate.
            let points = matching.compactMap { m -> GEMMRateCurve.Point? in
                guard let size = m.size, let mm = size["m"], let nn = size["n"], let kk = size["k"], rate(m) > 0 else { return nil }
                return GEMMRateCurve.Point(m: Int(mm), n: Int(nn), k: Int(kk), rate: rate(m))
            }
            let curve = GEMMRateCurve(points: points)
            if curve.points.count >= 2 {
                compute.curve = curve
                compute.source += "; each matrix product at the rate measured for its shape (\(curve.points.count) shapes, \(curve.isGrid ? "interpolated in log size" : "nearest in log size"))"
            }
            return compute
        }
        guard let a = accelerator, let peak = a.dense(precision) else {
            throw SizingError.data(
                "\(c.file) has no verified tensor-core or matrix-core \(computePrecision) GEMM for \(c.deviceID); give --device NAME so the measured GEMM efficiency can be extrapolated to the catalog's \(computePrecision) peak")
        }
        let withFraction = gemms.filter { fractionOfPeak($0).map { $0 > 0 && $0 <= 1 } ?? false }
        guard let reference = withFraction.max(by: { fractionOfPeak($0)! < fractionOfPeak($1)! }),
              let fraction = fractionOfPeak(reference)
        else {
            throw SizingError.data(
                "\(c.file) has no verified \(computePrecision) tensor/matrix GEMM for \(c.deviceID), and no GEMM with fraction_of_peak to extrapolate from")
        }
        return ComputeRate(
            flops: fraction * peak.value * 1e12, basis: "extrapolated",
            source: "extrapolated: \(c.file) measured \(reference.precision ?? "?") GEMM at \(Format.number(fraction * 100, decimals: 1)) % of its peak × catalog \(a.id) dense \(computePrecision) \(Format.number(peak.value)) TFLOPS (\(peak.citation)); no \(computePrecision) tensor/matrix GEMM was measured")
    }

    /// The catalog's dense peak, times the largest fraction of peak a GEMM reaches where known.
    static func catalogComputeRate(_ a: Accelerator, computePrecision precision: SizingPrecision) throws -> ComputeRate {
        let computePrecision = precision.rawValue
        guard let peak = a.dense(precision) else {
            throw SizingError.usage("\(a.id) has no dense \(computePrecision) figure in the catalog")
        }
        if let g = a.maxGEMMEfficiency, g.value > 0, g.value <= 1 {
            let carried = precision == .bf16 ? "" : ", measured in bf16 and carried to \(computePrecision)"
            return ComputeRate(
                flops: peak.value * g.value * 1e12, basis: "catalog",
                source: "catalog \(a.id) dense \(computePrecision) peak \(Format.number(peak.value)) TFLOPS (\(peak.citation)) × the largest fraction of peak a GEMM reaches, \(Format.number(g.value, decimals: 3)) (\(g.citation)\(carried))")
        }
        return ComputeRate(
            flops: peak.value * 1e12, basis: "catalog",
            source: "catalog \(a.id) dense \(computePrecision) peak (the datasheet figure; the catalog has no achievable-GEMM fraction for it): \(peak.citation)",
            achievable: false)
    }

    /// Tensor-parallel link: latency from NCCL's cost model, bandwidth measured or from the catalog.
    static func tensorParallelLink(_ sources: HardwareSources) -> (link: Link, source: String, measuredRanks: Int?) {
        let base = StepConstants.collectiveBaseLatency, hop = StepConstants.nvlinkHopLatency
        let latencyNote = "latency \(Format.number(base.value * 1e6, decimals: 1)) µs + \(Format.number(hop.value * 1e6, decimals: 1)) µs per ring step (\(base.source); \(hop.source))"
        if let bus = sources.givenBusGBps {
            return (Link(name: "--bus-gbps", bytesPerSecond: bus * 1e9, efficiency: 1, hopLatency: hop.value, baseLatency: base.value),
                    "--bus-gbps (all-reduce busbw), \(latencyNote)", nil)
        } else if let curve = measuredBusBandwidth(sources) {
            let link = Link(name: "measured", bytesPerSecond: curve.curve.points.last!.busBytesPerSecond, efficiency: 1,
                            hopLatency: hop.value, baseLatency: base.value, measured: curve.curve)
            return (link, "\(sources.calibratePath!): measured all-reduce busbw over \(curve.ranks) ranks at \(curve.curve.points.count) message sizes, interpolated at each message", curve.ranks)
        } else if let a = sources.accelerator, let i = a.interconnectGBps {
            let efficiency = StepConstants.nvlinkEfficiency
            let link = Link(name: "catalog", bytesPerSecond: i.value / 2 * 1e9, efficiency: efficiency.value,
                            hopLatency: hop.value, baseLatency: base.value)
            return (link, "catalog \(a.id) interconnect \(Format.number(i.value)) GB/s ÷ 2 (datasheets count both directions) × \(Format.number(efficiency.value, decimals: 3)) (\(efficiency.source)), \(latencyNote): \(i.citation)", nil)
        }
        return (Link(name: "unknown", bytesPerSecond: .infinity, efficiency: 1, hopLatency: 0, baseLatency: 0),
                "unknown: no --bus-gbps, cluster file or catalog interconnect; tensor-parallel all-reduces are left out", nil)
    }

    /// A measurement's median over its theoretical peak; nil when the bench could not derive the peak.
    static func fractionOfPeak(_ m: ResultFile.Measurement) -> Double? {
        guard let median = m.median, let peak = m.theoreticalPeak, peak > 0 else { return nil }
        return median / peak
    }

    /// A measurement's rate in FLOP/s; 0 when its unit is not a FLOP rate.
    static func rate(_ m: ResultFile.Measurement) -> Double {
        guard let median = m.median, let scale = Calibration.flopsScale(m.unit) else { return 0 }
        return median * scale * 1e12
    }

    /// The all-reduce bus bandwidth curve of a cluster file (`allreduce-busbw` by message size).
    static func measuredBusBandwidth(_ sources: HardwareSources) -> (curve: BusBandwidthCurve, ranks: Int)? {
        let points = sources.measuredBusPoints.filter { $0.bytes > 0 }
        let curve = BusBandwidthCurve(points: points.map { ($0.bytes, $0.busBytesPerSecond) })
        guard curve.points.count >= 2 else { return nil }
        return (curve, points.map(\.ranks).reduce(0, max))
    }
}
