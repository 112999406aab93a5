#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SuanliSchema

/// Reads a file's bytes; injected so tests need no files on disk.
public typealias FileReader = @Sendable (String) throws -> Data

/// Reads from the file system; a one-line `SizingError.data` when it cannot.
public let readFileFromDisk: FileReader = { path in
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw SizingError.data("cannot read results file '\(path)' (missing or not readable)")
    }
}

/// Defaults, each with the reason it was chosen (also in Docs/sizing.md).
public enum Defaults {
    /// Model FLOPs utilization when only a peak is known: large dense-transformer runs
    /// report 30–50% of dense peak (Megatron-LM 2021: 44–52% on A100; PaLM: 46%).
    public static let mfu = 0.4
    /// End-to-end training (or serving) rate as a fraction of the measured GEMM rate.
    /// Megatron-LM's 1T run sustained 163 TFLOPS per A100 (52% of the 312 peak) while
    /// large cuBLAS GEMMs on A100 run at roughly 80–90% of peak: about 0.6 of the GEMM rate.
    public static let utilization = 0.6
    /// Mixed-precision Adam: fp16 weights and gradients, fp32 master weights, momentum
    /// and variance = 2 + 2 + 4 + 4 + 4 bytes (ZeRO paper §3.1).
    public static let trainBytesPerParam = 16.0
    /// bf16/fp16 gradients all-reduced in data-parallel training.
    public static let gradientBytesPerParam = 2.0
    /// bf16/fp16 weights when serving.
    public static let serveBytesPerParam = 2.0
    /// Sequences decoded together per step when serving (a moderate continuous batch).
    public static let serveBatch = 32.0
    public static let pue = 1.0
}

/// The per-device rate and device figures after reading the catalog and result files.
struct ResolvedDevice {
    var sustainedTFLOPS: Double
    var rateKind: String
    var peakTFLOPS: Double?
    var mfu: Double?
    var utilization: Double?
    var achievedTFLOPS: Double?
    var accelerator: Accelerator?
    var precision: String?
    var calibration: Calibration?
    var sources: [(String, String)] = []
    var inputs: [(String, JSONValue)] = []
    var rateExplanation: String

    /// Resolves the rate per device. With `allowNoRate`, a missing rate source is
    /// accepted (`--cluster-eflops` carries the rate): `rateKind` is "cluster", only
    /// `mfu` is set and `sustainedTFLOPS` is 0.
    static func resolve(
        _ options: RateOptions, catalog: Catalog, readFile: FileReader, allowNoRate: Bool
    ) throws -> ResolvedDevice {
        try validate(options)
        let o = options
        var hardware = try HardwareSources(device: o.device, calibrate: o.calibrate, calibrateDevice: o.calibrateDevice, catalog: catalog)
        let accelerator = hardware.accelerator
        var result = ResolvedDevice(sustainedTFLOPS: 0, rateKind: "", rateExplanation: "")
        result.accelerator = accelerator
        if let a = accelerator {
            result.inputs.append(("device", .string(a.id)))
            result.sources.append(("device", "\(a.name) (catalog id \(a.id))"))
        }

        if let path = o.calibrate {
            try result.calibrate(o, path: path, hardware: &hardware, catalog: catalog, readFile: readFile)
            return result
        }
        if let raw = o.achievedTFLOPS {
            let achieved = try Quantity.positive(raw, option: "--achieved-tflops")
            result.achievedTFLOPS = achieved
            result.sustainedTFLOPS = achieved
            result.rateKind = "achieved"
            result.rateExplanation = "sustained \(Format.number(achieved)) TFLOPS per device (--achieved-tflops)"
            result.sources.append(("sustained_tflops", "--achieved-tflops"))
            result.inputs.append(("achieved_tflops", .number(achieved)))
            return result
        }
        try result.peakRate(o, allowNoRate: allowNoRate)
        return result
    }

    /// Options that contradict one another.
    static func validate(_ o: RateOptions) throws {
        if o.calibrate != nil && o.achievedTFLOPS != nil {
            throw SizingError.usage("choose one rate: --calibrate or --achieved-tflops, not both")
        }
        if o.calibrate != nil && (o.peakTFLOPS != nil || o.mfu != nil) {
            throw SizingError.usage(
                "--calibrate measures the rate; --peak-tflops and --mfu do not apply (scale it with --utilization)")
        }
        if o.achievedTFLOPS != nil && (o.peakTFLOPS != nil || o.mfu != nil || o.utilization != nil) {
            throw SizingError.usage(
                "--achieved-tflops is already a sustained rate; drop --peak-tflops, --mfu and --utilization")
        }
        if o.utilization != nil && o.calibrate == nil {
            throw SizingError.usage("--utilization applies to --calibrate; with a peak rate use --mfu")
        }
        try HardwareSources.check(calibrate: o.calibrate, calibrateDevice: o.calibrateDevice)
        if o.precision != nil && o.device == nil && o.calibrate == nil {
            throw SizingError.usage("--precision picks a catalog or measured figure; it needs --device or --calibrate")
        }
        if o.precision != nil && o.device != nil && o.calibrate == nil
            && (o.achievedTFLOPS != nil || o.peakTFLOPS != nil)
        {
            throw SizingError.usage("--precision picks the catalog peak, which --achieved-tflops/--peak-tflops replace")
        }
    }

    /// The rate from a result file: its best verified GEMM (or the extrapolation) × utilization.
    private mutating func calibrate(
        _ o: RateOptions, path: String, hardware: inout HardwareSources, catalog: Catalog, readFile: FileReader
    ) throws {
        let asked = try o.precision.map { try SizingPrecision.training($0) }
        let utilization = try o.utilization.map { try Quantity.fractionAboveZero($0, option: "--utilization") }
            ?? Defaults.utilization
        try hardware.readMeasurements(readFile: readFile)
        guard let file = hardware.file, var c = hardware.calibration else { return }
        // The training precision: --precision; else, on a GPU, the catalog entry's default or
        // bf16; on a CPU, the best GEMM its vector units measured (the bench's default order).
        let isCPU = hardware.measuredIsCPU
        let requested = asked?.rawValue ?? (isCPU ? c.precision : (accelerator?.defaultPrecision ?? .bf16).rawValue)
        let rate = try Calibration.rate(file, name: path, deviceID: c.deviceID, precision: requested,
                                        accelerator: accelerator, catalog: catalog)
        c.adopt(rate)
        calibration = c
        precision = c.precision
        self.utilization = utilization
        sustainedTFLOPS = c.gemmTFLOPS * utilization
        rateKind = "calibrated"
        let who = c.deviceName.map { "\(c.deviceID) (\($0))" } ?? c.deviceID
        let utilizationNote = o.utilization == nil ? "default" : "--utilization"
        let times = "× utilization \(Format.number(utilization, decimals: 3)) (\(utilizationNote))"
        switch rate.basis {
        case .measured:
            rateExplanation = "measured \(c.precision) GEMM \(Format.number(c.gemmTFLOPS)) TFLOPS \(times)"
            sources.append(("measured_gemm_tflops", "\(path): device \(who), best verified \(c.gemmDetail)"))
        case .extrapolated:
            rateExplanation = "extrapolated \(requested) GEMM \(Format.number(c.gemmTFLOPS)) TFLOPS "
                + "(measured efficiency \(Format.number(rate.efficiency ?? 0, decimals: 3)) × catalog dense \(requested) "
                + "\(Format.number(rate.catalogPeakTFLOPS ?? 0)) TFLOPS) \(times)"
            sources.append(("extrapolated_gemm_tflops", "\(path): device \(who), \(c.gemmDetail)"))
        }
        sources.append(("rate_basis", rate.basis == .measured
            ? "measured: a verified \(c.precision) GEMM on the device's \(rate.source?.parameters?["engine"] ?? "vector") engine"
            : "extrapolated: no verified \(c.precision) tensor/matrix GEMM in \(path)"))
        sources.append(("utilization", o.utilization == nil
            ? "default \(Defaults.utilization): end-to-end rate ≈ 0.6 × large-GEMM rate (Megatron-LM 163 of 312 TFLOPS on A100, GEMMs at 80–90% of peak)"
            : "--utilization"))
        inputs += [
            ("calibrate", .string(path)), ("calibrate_device", .string(c.deviceID)),
            ("precision", .string(c.precision)), ("rate_basis", .string(rate.basis.rawValue)),
            (rate.basis == .measured ? "measured_gemm_tflops" : "extrapolated_gemm_tflops", .number(c.gemmTFLOPS)),
            ("utilization", .number(utilization)),
        ]
        if let e = rate.efficiency { inputs.append(("measured_gemm_efficiency", .number(e))) }
    }

    /// The rate from a peak: given or the catalog's dense figure, × MFU (or the cluster's, with `allowNoRate`).
    private mutating func peakRate(_ o: RateOptions, allowNoRate: Bool) throws {
        let mfu = try o.mfu.map { try Quantity.fractionAboveZero($0, option: "--mfu") } ?? Defaults.mfu
        let mfuNote = o.mfu == nil ? "default" : "--mfu"
        let mfuSource = o.mfu == nil
            ? "default \(Defaults.mfu): large runs sustain 30–50% of dense peak (Megatron-LM 2021, PaLM 2022)" : "--mfu"
        if let raw = o.peakTFLOPS {
            let peak = try Quantity.positive(raw, option: "--peak-tflops")
            peakTFLOPS = peak
            sources.append(("peak_tflops", accelerator == nil ? "--peak-tflops" : "--peak-tflops (replaces the catalog peak)"))
        } else if let a = accelerator {
            let chosenPrecision: SizingPrecision
            if let p = o.precision {
                guard let catalogPrecision = SizingPrecision(catalogKey: p) else {
                    throw SizingError.usage("--precision must be one of bf16, fp16, fp8, tf32, fp32, got '\(p)'")
                }
                chosenPrecision = catalogPrecision
            } else if let p = a.defaultPrecision {
                chosenPrecision = p
            } else {
                throw SizingError.data("catalog entry \(a.id) has no dense peak; give --peak-tflops")
            }
            let precision = chosenPrecision.rawValue
            guard let figure = a.dense(chosenPrecision) else {
                throw SizingError.usage(
                    "\(a.id) has no dense \(precision) figure in the catalog; available: \(a.densePrecisions.joined(separator: ", "))")
            }
            self.precision = precision
            peakTFLOPS = figure.value
            let chosen = o.precision == nil ? " (default precision)" : ""
            sources.append(("peak_tflops", "catalog \(a.id) dense \(precision)\(chosen): \(figure.citation)"))
            inputs.append(("precision", .string(precision)))
        } else if allowNoRate {
            self.mfu = mfu
            rateKind = "cluster"
            sources.append(("mfu", mfuSource))
            inputs.append(("mfu", .number(mfu)))
            return
        } else {
            throw SizingError.usage(
                "give a per-device rate: --device NAME, --achieved-tflops X, --peak-tflops X (with --mfu F), or --calibrate RESULTS.json")
        }
        let peak = peakTFLOPS!
        self.mfu = mfu
        sustainedTFLOPS = peak * mfu
        rateKind = "peak"
        rateExplanation =
            "peak \(Format.number(peak)) TFLOPS × MFU \(Format.number(mfu, decimals: 3)) (\(mfuNote))"
        sources.append(("mfu", mfuSource))
        inputs += [("peak_tflops", .number(peak)), ("mfu", .number(mfu))]
    }

    /// Device memory in GB: `--memory-gb`, else the measured device, else the catalog.
    func memoryGB(explicit: Double?) -> (Double, String)? {
        HardwareSources.memoryGB(explicit: explicit, calibration: calibration, accelerator: accelerator).map { ($0.value, $0.source) }
    }

    /// Power per device in W: `--power-watts`, else the average measured over the calibrating
    /// GEMM (`--calibrate` with a power sensor), else the catalog TDP.
    func powerWatts(explicit: Double?) -> (Double, String)? {
        if let explicit { return (explicit, "--power-watts") }
        if let c = calibration, let watts = c.powerWatts { return (watts, c.powerDetail ?? "measured by \(c.file)") }
        if let a = accelerator, let p = a.tdpWatts {
            return (p.value, "catalog \(a.id) TDP: \(p.citation)" + (p.note.map { " — \($0)" } ?? ""))
        }
        return nil
    }
}

/// Money and energy settings after validation.
struct ResolvedCosts {
    var pricePerDevice: Double?
    var pricePerDeviceHour: Double?
    var currency: String?
    var powerWatts: (Double, String)?
    var pue: Double
    var carbon: Double?

    static func resolve(_ o: CostOptions, device: ResolvedDevice?) throws -> ResolvedCosts {
        let price = try o.pricePerDevice.map { try Quantity.positive($0, option: "--price-per-device") }
        let hourly = try o.pricePerDeviceHour.map { try Quantity.positive($0, option: "--price-per-device-hour") }
        let power = try o.powerWatts.map { try Quantity.positive($0, option: "--power-watts") }
        let pue = try o.pue.map { raw -> Double in
            let v = try Quantity.positive(raw, option: "--pue")
            guard v >= 1 else { throw SizingError.usage("--pue is facility power over IT power and must be at least 1, got '\(raw)'") }
            return v
        } ?? Defaults.pue
        let carbon = try o.carbonKgPerKWh.map { try Quantity.positive($0, option: "--carbon-kg-per-kwh") }
        if let c = o.currency, c.trimmingWhitespace().isEmpty {
            throw SizingError.usage("--currency needs a label such as USD or CNY")
        }
        if o.currency != nil && price == nil && hourly == nil {
            throw SizingError.usage("--currency labels a price; give --price-per-device or --price-per-device-hour")
        }
        let resolvedPower = device?.powerWatts(explicit: power) ?? power.map { ($0, "--power-watts") }
        if carbon != nil && resolvedPower == nil {
            throw SizingError.usage("--carbon-kg-per-kwh needs a power figure: --power-watts W or a catalog --device")
        }
        return ResolvedCosts(
            pricePerDevice: price, pricePerDeviceHour: hourly, currency: o.currency, powerWatts: resolvedPower,
            pue: pue, carbon: carbon)
    }

    var inputs: [(String, JSONValue)] {
        [
            ("price_per_device", .optional(pricePerDevice)),
            ("price_per_device_hour", .optional(pricePerDeviceHour)),
            ("currency", .optional(currency)),
            ("power_watts", .optional(powerWatts?.0)),
            ("pue", .number(pue)),
            ("carbon_kg_per_kwh", .optional(carbon)),
        ]
    }

    /// Currency label for the table.
    var currencyLabel: String { currency ?? "(currency units)" }
}
