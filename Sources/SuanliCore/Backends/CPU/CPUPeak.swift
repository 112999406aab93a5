import SuanliSchema
import CPUClock
import Synchronization

/// A core's vector FMA resources: units × width, from the vendors' optimisation guides.
public struct CPUVectorUnits: Sendable, Equatable {
    /// The microarchitecture, e.g. "AMD Zen 4".
    public var core: String
    /// FMA-capable vector pipes per core (an unfused mul + add pair counts as one).
    public var fmaUnits: Int
    /// Bits each pipe processes per cycle (Zen 4 splits 512-bit operations into two 256-bit halves: 256).
    public var widthBits: Int
    /// The pipes in words, as the table is sourced (e.g. "2 × 256-bit FMA; 512-bit operations run as two halves").
    public var note: String

    /// The same pipes used by a kernel whose vectors are `bits` wide: a narrower kernel uses only
    /// that part of each pipe (an AVX2 kernel on a 512-bit pipe: 256 bits).
    public func limited(toBits bits: Int) -> CPUVectorUnits {
        guard bits < widthBits else { return self }
        var out = self
        out.widthBits = bits
        out.note = note + "; \(bits)-bit kernel: \(fmaUnits) × \(bits) bits used"
        return out
    }

    /// fp32 FLOPs per cycle per core: units × lanes × 2.
    public func flopsPerCycle(_ precision: Precision) -> Double {
        let lanes = Double(widthBits / (precision == .fp64 ? 64 : 32))
        return Double(fmaUnits) * lanes * 2
    }
}

/// Peaks of the host CPU: physical cores × FMA units × lanes × 2 × the running clock.
public enum CPUPeak {
    /// The vector units of a core identified by CPUID-level facts (vendor, family, model or arm64
    /// part) and its feature flags; nil when the core is not in the table.
    public static func vectorUnits(_ identity: CPUIdentity?, features: Set<String>) -> CPUVectorUnits? {
        guard let identity else { return nil }
        let fma = features.contains("fma")
        switch identity.vendor {
        case "AuthenticAMD", "HygonGenuine":
            switch identity.family ?? 0 {
            case 0x1A:
                // Zen 5: full 512-bit data paths on desktop and server; mobile parts (models 0x20–0x2F) keep 256.
                let mobile = (0x20...0x2F).contains(identity.model ?? 0)
                return CPUVectorUnits(core: "AMD Zen 5", fmaUnits: 2, widthBits: mobile ? 256 : 512,
                                      note: mobile ? "mobile Zen 5: 2 × 256-bit FMA" : "2 × 512-bit FMA")
            case 0x19:
                if features.contains("avx512f") {
                    return CPUVectorUnits(core: "AMD Zen 4", fmaUnits: 2, widthBits: 256,
                                          note: "2 × 256-bit FMA; 512-bit operations run as two halves")
                }
                return CPUVectorUnits(core: "AMD Zen 3", fmaUnits: 2, widthBits: 256, note: "2 × 256-bit FMA")
            case 0x17:
                let zen2 = (identity.model ?? 0) >= 0x30
                return CPUVectorUnits(core: zen2 ? "AMD Zen 2" : "AMD Zen/Zen+", fmaUnits: 2, widthBits: zen2 ? 256 : 128,
                                      note: zen2 ? "2 × 256-bit FMA" : "2 × 128-bit FMA (256-bit operations split)")
            default:
                return nil
            }
        case "GenuineIntel":
            guard identity.family == 6 else { return nil }
            if features.contains("avx512f") {
                return CPUVectorUnits(core: "Intel AVX-512 core", fmaUnits: 2, widthBits: 512,
                                      note: "2 × 512-bit FMA (some Xeon SKUs have one 512-bit unit)")
            }
            if features.contains("avx2") && fma {
                return CPUVectorUnits(core: "Intel AVX2 core", fmaUnits: 2, widthBits: 256, note: "2 × 256-bit FMA")
            }
            if features.contains("avx") {
                return CPUVectorUnits(core: "Intel AVX core", fmaUnits: 1, widthBits: 256, note: "256-bit mul + add pipes, no FMA")
            }
            return CPUVectorUnits(core: "Intel SSE core", fmaUnits: 1, widthBits: 128, note: "128-bit mul + add pipes, no FMA")
        case "0x41":  // Arm Ltd. cores, by MIDR part number
            switch identity.part ?? 0 {
            case 0xd40: return CPUVectorUnits(core: "Arm Neoverse V1", fmaUnits: 2, widthBits: 256, note: "2 × 256-bit SVE")
            case 0xd4f: return CPUVectorUnits(core: "Arm Neoverse V2", fmaUnits: 4, widthBits: 128, note: "4 × 128-bit")
            case 0xd0c: return CPUVectorUnits(core: "Arm Neoverse N1", fmaUnits: 2, widthBits: 128, note: "2 × 128-bit")
            case 0xd49: return CPUVectorUnits(core: "Arm Neoverse N2", fmaUnits: 2, widthBits: 128, note: "2 × 128-bit")
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Peak GFLOP/s of `cores` physical cores at `clockMHz`, with how it was derived.
    public static func gflops(_ units: CPUVectorUnits, precision: Precision, cores: Double,
                              clock: CPUClockReading) -> (value: Double, basis: String) {
        let perCycle = units.flopsPerCycle(precision)
        let value = cores * clock.mhz / 1000 * perCycle
        let coreText = cores == cores.rounded() ? "\(Int(cores))" : formatted(cores, decimals: 2)
        return (value, "\(coreText) physical cores × \(Int(clock.mhz.rounded())) MHz (\(clock.source)) × "
                + "\(units.core): \(units.note) = \(Int(perCycle)) \(precision == .fp64 ? "fp64" : "fp32") FLOP/cycle")
    }

    /// The vector units of an Intel hybrid part's E-cores (no AVX-512 on any of them).
    /// Gracemont/Crestmont: 2 × 128-bit FMA, 256-bit operations split in two; Skymont
    /// (Lunar Lake 0xBD, Arrow Lake 0xC5/0xC6): 4 × 128-bit FMA.
    public static func efficiencyCoreUnits(_ identity: CPUIdentity?) -> CPUVectorUnits {
        let skymont = [0xBD, 0xC5, 0xC6].contains(identity?.model ?? 0)
        return skymont
            ? CPUVectorUnits(core: "Intel E-core (Skymont)", fmaUnits: 4, widthBits: 128, note: "4 × 128-bit FMA")
            : CPUVectorUnits(core: "Intel E-core (Gracemont class)", fmaUnits: 2, widthBits: 128,
                             note: "2 × 128-bit FMA (256-bit operations split)")
    }

    /// The host's peak for `threads` threads (all logical CPUs when nil). SMT siblings share a
    /// core's units, so the count is of physical cores. Nil when the core or a clock is unknown.
    ///
    /// `kernel`: the native kernel variant that runs; its vectors cap each core's width (an AVX2
    /// kernel on 2 × 512-bit pipes reaches 2 × 256 bits). Nil: the hardware's own width (code
    /// compiled elsewhere, e.g. an OpenCL runtime). On Intel hybrid parts (``HybridCores``)
    /// E-cores count at their own width; both core types are taken at the one measured clock,
    /// an upper bound for the E-cores.
    public static func host(_ host: HostInfo, precision: Precision, threads: Int? = nil,
                            kernel: CPUKernelVariant? = nil) -> (value: Double, basis: String)? {
        guard var units = vectorUnits(host.cpuIdentity, features: Set(host.features)),
              let clock = CPUClockReading.best(host: host) else { return nil }
        let share = Swift.min(1, Double(threads ?? host.logicalCores) / Double(Swift.max(1, host.logicalCores)))
        let cap = kernel?.peakWidthCapBits
        let capped = cap.map { $0 < units.widthBits } ?? false
        if let cap { units = units.limited(toBits: cap) }
        let kernelText = kernel.map { k in
            "; the \(k.rawValue) kernel runs (\(k.vectorBits)-bit vectors"
                + (capped ? ", narrower than the pipes: peak at \(k.vectorBits) bits)" : ")")
        } ?? ""
        if let hybrid = host.hybridCores, hybrid.efficiencyCores > 0, host.cpuIdentity?.vendor == "GenuineIntel" {
            var eUnits = efficiencyCoreUnits(host.cpuIdentity)
            if let cap { eUnits = eUnits.limited(toBits: cap) }
            let groups = [(Double(hybrid.performanceCores) * share, units, "P"), (Double(hybrid.efficiencyCores) * share, eUnits, "E")]
            var value = 0.0
            var parts: [String] = []
            for (cores, u, name) in groups where cores > 0 {
                let perCycle = u.flopsPerCycle(precision)
                value += cores * clock.mhz / 1000 * perCycle
                let coreText = cores == cores.rounded() ? "\(Int(cores))" : formatted(cores, decimals: 2)
                parts.append("\(coreText) \(name)-cores × \(u.core): \(u.note) = \(Int(perCycle)) "
                             + "\(precision == .fp64 ? "fp64" : "fp32") FLOP/cycle")
            }
            return (value, "(" + parts.joined(separator: " + ") + ") × \(Int(clock.mhz.rounded())) MHz (\(clock.source), "
                    + "also for the E-cores: an upper bound)" + kernelText)
        }
        let physical = Double(host.physicalCores ?? host.logicalCores)
        let peak = gflops(units, precision: precision, cores: physical * share, clock: clock)
        return (peak.value, peak.basis + kernelText)
    }
}

/// A CPU clock and where it came from.
public struct CPUClockReading: Sendable, Equatable {
    public var mhz: Double
    /// `measured` (timed dependent additions) or `cpufreq maximum`.
    public var source: String

    /// The running clock measured once per process, else cpufreq's maximum.
    public static func best(host: HostInfo) -> CPUClockReading? {
        if let measured = CPUClockMeter.measuredMHz {
            let n = CPUClockMeter.readings
            return CPUClockReading(mhz: measured, source: n > 1 ? "measured, highest of \(n) readings" : "measured")
        }
        if let mhz = host.maxClockMHz, mhz > 0 { return CPUClockReading(mhz: mhz, source: "cpufreq maximum") }
        return nil
    }
}

/// Measures the core clock: a chain of dependent one-cycle integer additions, timed over many
/// short trials, fastest trial kept (a trial the scheduler interrupted only reads slower).
///
/// The clock moves while a run goes on (boost, the host's other load, a virtual machine's
/// scheduling: 2.7–3.1 GHz within one run was seen on a 2-vCPU VM), so one reading at start-up is
/// no ceiling. The meter keeps the highest reading of the process; `observe()` takes another, and
/// the suites call it right after each timed batch on a CPU device, while the core is still hot,
/// so a figure is judged against a clock at least as high as the one it ran at.
public enum CPUClockMeter {
    private static let state = Mutex<(highest: Double?, readings: Int)>((nil, 0))

    /// The highest MHz measured in this process (measured on first use); nil where the
    /// architecture has no assembly for it.
    public static var measuredMHz: Double? {
        if let known = state.withLock({ $0.readings > 0 ? .some($0.highest) : nil }) { return known }
        return observe()
    }

    /// How many readings `measuredMHz` is the highest of.
    public static var readings: Int { state.withLock { $0.readings } }

    /// Takes one more reading and returns the highest so far.
    @discardableResult
    public static func observe() -> Double? {
        let reading = measure()
        return state.withLock { s in
            s.readings += 1
            if let reading { s.highest = Swift.max(s.highest ?? 0, reading) }
            return s.highest
        }
    }

    static func measure(trials: Int = 60, blocks: UInt64 = 8_000) -> Double? {
        let perBlock = Double(suanli_adds_per_block())
        guard perBlock > 0 else { return nil }
        // Wake the core from a low-power state: 20 ms of work before the first timed trial.
        let wake = monotonicSeconds()
        while monotonicSeconds() - wake < 0.02 { _ = suanli_dependent_adds(blocks) }
        var best = 0.0
        for _ in 0..<trials {
            let start = monotonicSeconds()
            _ = suanli_dependent_adds(blocks)
            let seconds = monotonicSeconds() - start
            if seconds > 0 { best = Swift.max(best, Double(blocks) * perBlock / seconds / 1e6) }
        }
        return best > 0 ? best : nil
    }
}
