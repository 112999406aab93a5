import SuanliSchema
import OpenCLKit

/// Theoretical dense peaks of tensor and matrix engines: units × clock × operations per unit
/// and clock, by architecture. Operations per clock are the vendors' dense datasheet peaks
/// divided by units and the clock they were quoted at (a multiply-add counts as two):
/// - NVIDIA, per SM: A100 312 TFLOPS fp16/bf16 at 1410 MHz × 108 SMs = 2048; H100 SXM 989.4 at
///   1830 MHz × 132 = 4096; A40 149.7 at 1740 × 84 = 1024 (sm_86); L40S 362 at 2520 × 142 ≈ 1024
///   (sm_89); B200 2250 at 1965 × 148 ≈ 7740, taken as 8192. tf32 is half of fp16, int8 and fp8
///   double it (NVIDIA A100, A40, L40S, H100 and B200 datasheets).
/// - AMD, per CU: MI100 (gfx908) 184.6 TFLOPS fp16 at 1502 MHz × 120 = 1024, bf16 512;
///   MI250X (gfx90a) 383 fp16/bf16/int8 at 1700 × 220 = 1024; MI300X (gfx942) 1307.4 at 2100 × 304
///   = 2048, xf32 1024, int8 and fp8 4096; MI355X (gfx950) 2.5 PFLOPS bf16 at 2400 × 256 ≈ 4096
///   (AMD Instinct datasheets); RDNA3 (gfx11) WMMA: RX 7900 XTX 122.8 TFLOPS fp16 at 2500 MHz × 96
///   = 512, bf16 and int8 the same (AMD Radeon RX 7900 XTX specifications).
/// - Intel, per XVE (EU): Arc A770 (Xe-HPG) 138 TFLOPS fp16 at 2100 MHz × 512 = 128, int8 256;
///   Max 1550 (Xe-HPC) 839 bf16 at 1600 × 1024 = 512, int8 1024; Arc B580 (Xe2) 117 at 2850 × 160
///   ≈ 256, int8 512 (Intel product specifications).
/// The stated figure uses the clock the datasheet quotes where Suanli's table knows it
/// (``DevicePeaks/datasheetClock(_:engine:)``), else the reported maximum; the figure at the
/// reported maximum clock is given beside it in the basis.
public enum EnginePeaks {
    /// Dense operations per clock and SM, for Suanli's `mma.sync` kernels. `fp32Accumulate`:
    /// GeForce parts run fp16/bf16/tf32/fp8 products with fp32 accumulation at half the rate
    /// (Ampere GA102 and Ada whitepapers: RTX 4090 165.2 fp16·fp32 vs 330.3 fp16·fp16 TFLOPS).
    static func nvidiaPerSM(sm: Int, precision: Precision, geForce: Bool = false, fp32Accumulate: Bool = true) -> Double? {
        let f16: Double
        switch sm {
        case 80: f16 = 2048
        case 86, 87, 89, 120: f16 = 1024
        case 90: f16 = 4096
        case 100, 103: f16 = 8192
        default: return nil
        }
        let half: Double = geForce && fp32Accumulate && precision != .int8 ? 0.5 : 1
        switch precision {
        case .fp16, .mixed, .bf16: return f16 * half
        case .tf32: return f16 / 2 * half
        case .int8: return f16 * 2
        case .fp8: return sm >= 89 ? f16 * 2 * half : nil
        case .fp32, .fp64: return nil
        }
    }

    /// Dense operations per clock and CU.
    static func amdPerCU(gfx: String, precision: Precision) -> Double? {
        if gfx.hasPrefix("gfx11") {
            return [.fp16, .mixed, .bf16, .int8].contains(precision) ? 512 : nil
        }
        return switch (gfx, precision) {
        case ("gfx908", .fp16), ("gfx908", .mixed), ("gfx908", .int8): 1024
        case ("gfx908", .bf16): 512
        case ("gfx90a", .fp16), ("gfx90a", .mixed), ("gfx90a", .bf16), ("gfx90a", .int8): 1024
        case ("gfx940", .fp16), ("gfx941", .fp16), ("gfx942", .fp16), ("gfx940", .mixed), ("gfx941", .mixed),
             ("gfx942", .mixed), ("gfx940", .bf16), ("gfx941", .bf16), ("gfx942", .bf16): 2048
        case ("gfx940", .tf32), ("gfx941", .tf32), ("gfx942", .tf32): 1024
        case ("gfx940", .int8), ("gfx941", .int8), ("gfx942", .int8), ("gfx940", .fp8), ("gfx941", .fp8),
             ("gfx942", .fp8): 4096
        case ("gfx950", .fp16), ("gfx950", .mixed), ("gfx950", .bf16): 4096
        case ("gfx950", .int8), ("gfx950", .fp8): 8192
        default: nil
        }
    }

    /// Dense operations per clock and XVE (EU), by Intel IP architecture and release: Xe-HPG
    /// (12.55–12.57) and Xe-LPG+ (12.74) 128 fp16, Xe-HPC (12.60–12.61) 512, Xe2 256; Xe-LPG
    /// (12.70–12.73) has no XMX.
    static func intelPerEU(arch: Int, release: Int, precision: Precision) -> Double? {
        let f16: Double
        switch (arch, release) {
        case (12, 55...57), (12, 74): f16 = 128
        case (12, 60...61): f16 = 512
        case (20, _), (30, _): f16 = 256
        default: return nil
        }
        switch precision {
        case .fp16, .mixed, .bf16: return f16
        case .int8: return f16 * 2
        default: return nil
        }
    }

    /// The ceiling for `kernel` on the device, with how it was derived; nil where unknown.
    public static func gflops(_ facts: ComputeDeviceFacts, kernel: EngineKernel, capabilities: EngineCapabilities,
                              host: HostInfo? = nil) -> (value: Double, basis: String)? {
        if kernel.family == .packedVector {
            guard let fp32 = DevicePeaks.gflops(facts, precision: .fp32, host: host) else { return nil }
            if kernel.precision == .int8 {
                return (fp32.value * 4, "4 × the fp32 peak: a 4-element int8 dot with accumulate (8 ops) per fp32 lane "
                    + "and cycle (dp4a, VNNI); fp32: \(fp32.basis)")
            }
            return (fp32.value, "bf16 widened to fp32 in the vector units: the fp32 peak, \(fp32.basis)")
        }
        return statedPeak(facts, kernel: kernel, capabilities: capabilities)?.ceiling
    }

    /// The stated dense peak of a tensor or matrix engine kernel, at the datasheet's clock and at
    /// the reported maximum clock.
    public static func statedPeak(_ facts: ComputeDeviceFacts, kernel: EngineKernel, capabilities: EngineCapabilities) -> StatedPeak? {
        let precision = kernel.precision
        switch kernel.family {
        case .nvidiaMMA:
            guard let sm = capabilities.nvidiaSM else { return nil }
            let geForce = facts.nameTokens.contains("geforce") || facts.nameTokens.contains("titan")
            let fp32Acc = kernel.accumulator == "fp32"
            guard let per = nvidiaPerSM(sm: sm, precision: precision, geForce: geForce, fp32Accumulate: fp32Acc) else { return nil }
            var what = "sm_\(sm)"
            if geForce && fp32Acc && precision != .int8 { what += ", GeForce by name: fp32 accumulation at half rate" }
            var extra = ""
            if sm >= 90 {
                extra = "this is the datasheet's rate, which Hopper and Blackwell reach with warp-group (wgmma/tcgen05) instructions; "
                    + "Suanli's kernel issues warp-level mma.sync, which reaches about two thirds of it (around 0.65 of this figure), "
                    + "so a fraction of peak near 0.65 is the instruction's limit, not a fault"
            }
            return UnitRate(units: facts.computeUnits, unitName: "SM", perClock: per, what: what)
                .stated(precision, engine: kernel.engine, facts: facts, extra: extra)
        case .amdMFMA, .amdWMMA:
            guard let gfx = capabilities.amdGfx, let per = amdPerCU(gfx: gfx, precision: precision),
                  let arch = AMDArchitecture(gfx: gfx) else { return nil }
            let (units, note) = DevicePeaks.amdComputeUnits(facts, arch: arch)
            return UnitRate(units: units, unitName: "CU", perClock: per, what: gfx + note)
                .stated(precision, engine: kernel.engine, facts: facts)
        case .intelDPAS:
            guard let total = facts.intelEUs, let (arch, release) = facts.intelIP,
                  let per = intelPerEU(arch: arch, release: release, precision: precision) else { return nil }
            return UnitRate(units: total, unitName: "EU", perClock: per,
                            what: "Intel IP \(arch).\(release), \(DevicePeaks.intelFamily(arch: arch, release: release)) XMX")
                .stated(precision, engine: kernel.engine, facts: facts)
        case .packedVector:
            return nil
        }
    }
}
