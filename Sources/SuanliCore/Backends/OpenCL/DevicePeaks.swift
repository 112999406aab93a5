import SuanliSchema
import OpenCLKit

/// What the peak tables need to know about an OpenCL device, as plain values (tests build them).
@MemberwiseInit
public struct ComputeDeviceFacts: Sendable {
    public var type: DeviceType
    public var vendor: String
    public var name: String
    public var computeUnits: Int
    public var clockMHz: Int
    public var memoryBytes: Int
    public var attributes: VendorAttributes?

    public init(_ info: DeviceInfo) {
        self.init(type: info.type, vendor: info.vendor, name: info.name, computeUnits: info.computeUnits,
                  clockMHz: info.maxClockMHz, memoryBytes: info.globalMemoryBytes, attributes: info.vendorAttributes)
    }

    var isNVIDIA: Bool { vendor.lowercased().contains("nvidia") }
    var isAMD: Bool { let v = vendor.lowercased(); return v.contains("advanced micro devices") || v == "amd" || v.hasPrefix("amd ") }
    var isIntel: Bool { vendor.lowercased().contains("intel") }

    /// The name's model tokens, lower case: "NVIDIA RTX A1000" → ["nvidia", "rtx", "a1000"].
    var nameTokens: [String] {
        name.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// NVIDIA compute capability as major·10 + minor, from `cl_nv_device_attribute_query`.
    var nvidiaSM: Int? {
        guard let major = attributes?.nvComputeCapabilityMajor, let minor = attributes?.nvComputeCapabilityMinor else { return nil }
        return major * 10 + minor
    }

    /// AMD's gfx target (`gfx942`) from the ISA name ROCm and AMD's drivers give as the device
    /// name (`gfx942:sramecc+:xnack-`). `CL_DEVICE_GFXIP_MINOR_AMD` is the ISA's minor digit
    /// (0 for both gfx908 and gfx90a, 4 for gfx942), so the attributes cannot name the target.
    var amdGfx: String? { EngineCapabilities.amdTarget(fromName: name) }

    /// `CL_DEVICE_BOARD_NAME_AMD` ("AMD Instinct MI300X"), lower case.
    var amdBoard: String { (attributes?.amdBoardName ?? "").lowercased() }

    /// Intel IP version as (architecture, release): 12.55 Xe-HPG, 12.60 Xe-HPC, 12.70–12.74
    /// Xe-LPG, 20.x Xe2 (`CL_DEVICE_IP_VERSION_INTEL`: architecture in bits 22+, release in 14–21).
    var intelIP: (arch: Int, release: Int)? {
        guard let ip = attributes?.intelIPVersion else { return nil }
        return (ip >> 22, (ip >> 14) & 0xFF)
    }

    /// Intel execution units (XVEs): slices × sub-slices per slice × EUs per sub-slice.
    var intelEUs: Int? {
        guard let a = attributes, let s = a.intelSlices, let ss = a.intelSubSlicesPerSlice, let e = a.intelEUsPerSubSlice else { return nil }
        return s * ss * e
    }
}

/// The architecture class of an AMD gfx target.
enum AMDArchitecture: Equatable {
    /// GCN and Vega (gfx6–gfx9 graphics parts and APUs such as gfx90c).
    case gcn
    case cdna1, cdna2, cdna3, cdna4
    case rdna12, rdna3, rdna4

    init?(gfx: String) {
        switch gfx {
        case "gfx908": self = .cdna1
        case "gfx90a": self = .cdna2
        case "gfx940", "gfx941", "gfx942": self = .cdna3
        case "gfx950": self = .cdna4
        default:
            if gfx.hasPrefix("gfx10") { self = .rdna12 }
            else if gfx.hasPrefix("gfx11") { self = .rdna3 }
            else if gfx.hasPrefix("gfx12") { self = .rdna4 }
            else if gfx.hasPrefix("gfx6") || gfx.hasPrefix("gfx7") || gfx.hasPrefix("gfx8") || gfx.hasPrefix("gfx9") { self = .gcn }
            else { return nil }
        }
    }

    var isCDNA: Bool { [.cdna1, .cdna2, .cdna3, .cdna4].contains(self) }
    var isRDNA: Bool { [.rdna12, .rdna3, .rdna4].contains(self) }
}

/// One stated peak: the figure at the clock the datasheet uses (where Suanli's table knows it,
/// else the reported maximum), and the figure at the device's reported maximum clock.
@SnakeCaseCodingKeys
public struct StatedPeak: Sendable, Codable, Equatable {
    public var precision: Precision
    public var engine: ComputeEngine
    /// GFLOP/s (GOP/s for int8) at `clockMHz`: the stated peak, and the ceiling of the
    /// implausibility check.
    public var gflops: Double
    public var clockMHz: Int
    /// Where `clockMHz` comes from: the datasheet (named) or the reported maximum.
    public var clockSource: String
    public var gflopsAtMaxClock: Double
    public var maxClockMHz: Int
    public var basis: String

    /// The ceiling of the implausibility check: the higher of the two figures. A GPU may boost to
    /// its reported maximum clock above the datasheet's, so a verified figure between the stated
    /// peak and this is real (its fraction of the stated peak exceeds 1), never `implausible`.
    public var ceiling: (value: Double, basis: String) {
        guard gflopsAtMaxClock > gflops else { return (gflops, basis) }
        return (gflopsAtMaxClock, basis + "; the ceiling for implausible figures is the figure at the reported max clock, \(maxClockMHz) MHz")
    }
}

/// Units × operations per unit and clock, before a clock is chosen.
struct UnitRate {
    var units: Int
    /// "SM", "CU", "EU".
    var unitName: String
    /// Operations per unit and clock (a multiply-add counts as two).
    var perClock: Double
    /// How units and rate were found.
    var what: String

    func stated(_ precision: Precision, engine: ComputeEngine, facts: ComputeDeviceFacts, extra: String = "") -> StatedPeak? {
        guard units > 0, perClock > 0, facts.clockMHz > 0 else { return nil }
        let datasheet = DevicePeaks.datasheetClock(facts, engine: engine)
        let clock = datasheet?.mhz ?? facts.clockMHz
        let at = { (mhz: Int) in Double(units) * perClock * Double(mhz) / 1000 }
        let source = datasheet.map { "the datasheet's clock (\($0.what))" } ?? "the reported max clock (CL_DEVICE_MAX_CLOCK_FREQUENCY); no datasheet clock in Suanli's table"
        let kind = engine == .vector ? "\(precision.rawValue) vector" : "dense \(precision.rawValue) \(engine.rawValue)"
        var basis = "\(units) \(unitName) × \(formatted(perClock, decimals: 0)) \(kind) ops per clock (\(what)) × \(clock) MHz, \(source)"
            + " = \(formatted(at(clock) / 1000, decimals: 1)) T; at the reported max clock \(facts.clockMHz) MHz: \(formatted(at(facts.clockMHz) / 1000, decimals: 1)) T"
        if !extra.isEmpty { basis += "; " + extra }
        return StatedPeak(precision: precision, engine: engine, gflops: at(clock), clockMHz: clock, clockSource: datasheet == nil ? "reported max" : "datasheet",
                          gflopsAtMaxClock: at(facts.clockMHz), maxClockMHz: facts.clockMHz, basis: basis)
    }
}

/// Theoretical peaks of OpenCL devices from what the device says it is: NVIDIA's compute
/// capability, AMD's gfx target (from the ISA name) with SIMDs per CU and SIMD width, Intel's IP
/// version and EU counts, and for CPU devices the host's physical cores, vector units and measured
/// clock. A device name is a last resort, matched as whole model tokens, and the basis then says
/// "by name". Lanes per clock come from the vendors' documents (`../shared/reference/peaks.md`);
/// the figure is units × lanes × 2 × the clock the datasheet uses (``datasheetClock(_:engine:)``),
/// and the figure at the reported maximum clock is given beside it.
public enum DevicePeaks {
    /// Vector lanes per NVIDIA SM by compute capability: fp32, fp64, fp16 (half2 counted as two).
    /// CUDA C++ Programming Guide, "Arithmetic Instructions" throughput table: Kepler GK110/GK210
    /// (3.5, 3.7) have 64 fp64 lanes per SMX, GK10x (3.0, 3.2) 8; Blackwell B200 (10.0) keeps
    /// Hopper's 64 fp64 lanes, the consumer parts (12.x) 2.
    static func nvidiaLanes(major: Int, minor: Int) -> (fp32: Double, fp64: Double, fp16: Double)? {
        switch (major, minor) {
        case (3, 5), (3, 7): (192, 64, 0)
        case (3, _): (192, 8, 0)
        case (5, 3): (128, 4, 256)
        case (5, _): (128, 4, 0)
        case (6, 0): (64, 32, 128)
        case (6, _): (128, 4, 2)
        case (7, 0), (7, 2): (64, 32, 128)
        case (7, 5): (64, 2, 128)
        case (8, 0): (64, 32, 256)
        case (8, 6), (8, 7), (8, 9): (128, 2, 128)
        case (9, 0): (128, 64, 256)
        case (10, 0): (128, 64, 256)
        case (10, _), (12, _): (128, 2, 256)
        default: nil
        }
    }

    /// Model tokens → compute capability, for NVIDIA devices that do not answer the attribute query.
    static let nvidiaNames: [String: (Int, Int)] = [
        "k20": (3, 5), "k40": (3, 5), "k80": (3, 7), "p100": (6, 0), "p40": (6, 1), "p4": (6, 1),
        "v100": (7, 0), "v100s": (7, 0), "t4": (7, 5), "a100": (8, 0), "a800": (8, 0), "a30": (8, 0),
        "a10": (8, 6), "a40": (8, 6), "a16": (8, 6), "a2": (8, 6), "a1000": (8, 6), "a2000": (8, 6), "a4000": (8, 6),
        "a5000": (8, 6), "a6000": (8, 6), "l4": (8, 9), "l40": (8, 9), "l40s": (8, 9), "h100": (9, 0), "h200": (9, 0),
        "h800": (9, 0), "h20": (9, 0), "gh200": (9, 0), "b200": (10, 0),
    ]

    public static func gflops(_ facts: ComputeDeviceFacts, precision: Precision, host: HostInfo? = nil) -> (value: Double, basis: String)? {
        switch facts.type {
        case .gpu: return vectorPeak(facts, precision: precision)?.ceiling
        case .cpu: return cpuGFLOPS(facts, precision: precision, host: host ?? HostInfo.current())
        default: return nil
        }
    }

    /// The stated vector peak of a GPU at `precision` (fp32, fp64, fp16, mixed), nil where unknown.
    public static func vectorPeak(_ facts: ComputeDeviceFacts, precision: Precision) -> StatedPeak? {
        guard facts.type == .gpu, let rate = vectorRate(facts, precision: precision) else { return nil }
        return rate.stated(precision, engine: .vector, facts: facts)
    }

    static func vectorRate(_ facts: ComputeDeviceFacts, precision: Precision) -> UnitRate? {
        guard facts.computeUnits > 0, facts.clockMHz > 0 else { return nil }
        if facts.isNVIDIA {
            var cc: (Int, Int)?
            var how = "compute capability from cl_nv_device_attribute_query"
            if let major = facts.attributes?.nvComputeCapabilityMajor, let minor = facts.attributes?.nvComputeCapabilityMinor {
                cc = (major, minor)
            } else if let token = facts.nameTokens.first(where: { nvidiaNames[$0] != nil }) {
                cc = nvidiaNames[token]
                how = "by name: model token '\(token)'"
            }
            guard let (major, minor) = cc, let lanes = nvidiaLanes(major: major, minor: minor) else { return nil }
            let perSM: Double = switch precision {
            case .fp32, .mixed: lanes.fp32   // mixed: fp16 loads, fp32 arithmetic
            case .fp64: lanes.fp64
            case .fp16: lanes.fp16
            case .bf16, .int8, .tf32, .fp8: 0   // engine kernels: EnginePeaks
            }
            return UnitRate(units: facts.computeUnits, unitName: "SM", perClock: perSM * 2,
                            what: "\(formatted(perSM, decimals: 0)) lanes × 2, sm_\(major)\(minor), \(how)")
        }
        if facts.isAMD {
            guard let gfx = facts.amdGfx, let arch = AMDArchitecture(gfx: gfx) else { return nil }
            let (units, unitNote) = amdComputeUnits(facts, arch: arch)
            let simds = facts.attributes?.amdSIMDPerComputeUnit ?? (arch.isRDNA ? 2 : 4)
            let width = facts.attributes?.amdSIMDWidth ?? (arch.isRDNA ? 32 : 16)
            // Lanes of one CU: RDNA drivers in WGP mode may give a WGP's SIMDs; a CU has 64.
            let vector = Double(min(simds * width, 64))
            let packedFP32 = [.cdna2, .cdna3, .cdna4].contains(arch)
            let dual = arch == .rdna3 || arch == .rdna4
            let fp32 = vector * (packedFP32 || dual ? 2 : 1)
            let fp64: Double = switch arch {
            case .cdna2, .cdna3, .cdna4: vector             // full-rate fp64
            case .cdna1: vector / 2
            case .gcn: gfx == "gfx906" ? vector / 2 : vector / 16   // MI50/MI60: half rate
            case .rdna12: vector / 16
            case .rdna3, .rdna4: vector / 16
            }
            let fp16: Double = arch == .gcn && !gfx.hasPrefix("gfx9") ? vector : vector * 2 * (dual ? 2 : 1)
            let perCU: Double = switch precision {
            case .fp32, .mixed: fp32
            case .fp64: fp64
            case .fp16: fp16
            case .bf16, .int8, .tf32, .fp8: 0
            }
            let what = "\(formatted(perCU, decimals: 0)) lanes × 2; \(gfx) from the ISA name, \(min(simds * width, 64)) lanes per CU"
                + (packedFP32 ? ", packed FP32 and full-rate fp64 (CDNA2+)" : dual ? ", dual-issue (RDNA3+)" : "")
                + unitNote
            return UnitRate(units: units, unitName: "CU", perClock: perCU * 2, what: what)
        }
        if facts.isIntel, let eus = facts.intelEUs, let (arch, release) = facts.intelIP {
            let hpc = arch == 12 && (60...69).contains(release)
            let lanes: Double = (hpc || arch >= 20) ? 16 : 8
            let perEU: Double? = switch precision {
            case .fp32, .mixed: lanes
            case .fp16: lanes * 2
            case .fp64: hpc ? lanes : nil
            case .bf16, .int8, .tf32, .fp8: nil   // engine kernels: EnginePeaks
            }
            guard let perEU else { return nil }
            return UnitRate(units: eus, unitName: "EU", perClock: perEU * 2,
                            what: "\(Int(perEU)) lanes × 2, Intel IP \(arch).\(release) (\(intelFamily(arch: arch, release: release))) from cl_intel_device_attribute_query")
        }
        return nil
    }

    static func intelFamily(arch: Int, release: Int) -> String {
        switch (arch, release) {
        case (12, 0..<50): "Xe-LP"
        case (12, 50..<60): "Xe-HPG"
        case (12, 60..<70): "Xe-HPC, data centre"
        case (12, 70...73): "Xe-LPG, integrated"
        case (12, 74...79): "Xe-LPG+, integrated with XMX"
        case (20, _): "Xe2"
        case (30, _): "Xe3"
        default: "unknown Intel IP"
        }
    }

    /// AMD compute units: RDNA (gfx10+) drivers in WGP mode (ROCm's default) report work-group
    /// processors, two CUs each, as `CL_DEVICE_MAX_COMPUTE_UNITS` (an RX 7900 XTX says 48 of its
    /// 96 CUs), unless the SIMDs they report already span a WGP.
    static func amdComputeUnits(_ facts: ComputeDeviceFacts, arch: AMDArchitecture) -> (Int, String) {
        guard arch.isRDNA else { return (facts.computeUnits, "") }
        let simds = facts.attributes?.amdSIMDPerComputeUnit ?? 2, width = facts.attributes?.amdSIMDWidth ?? 32
        if simds * width > 64 { return (facts.computeUnits, "") }
        return (facts.computeUnits * 2, "; \(facts.computeUnits) reported units are WGPs (WGP mode), 2 CUs each")
    }

    /// OpenCL CPU devices (PoCL, Intel's runtime): the host's physical cores in the device's
    /// share of the logical CPUs, its vector units and its measured clock (the driver's clock
    /// is a base clock, or 0).
    static func cpuGFLOPS(_ facts: ComputeDeviceFacts, precision: Precision, host: HostInfo) -> (value: Double, basis: String)? {
        guard precision == .fp32 || precision == .fp64 || precision == .mixed else { return nil }
        let threads = facts.computeUnits > 0 ? Swift.min(facts.computeUnits, host.logicalCores) : host.logicalCores
        return CPUPeak.host(host, precision: precision == .mixed ? .fp32 : precision, threads: threads)
    }

    // MARK: the datasheet's clock

    /// The clock a datasheet's peaks assume, where it differs from (or is not certainly) the
    /// reported maximum: NVIDIA quotes Hopper's and Blackwell's tensor peaks at a lower clock
    /// than the boost clock the driver reports, AMD's Radeon specifications use the boost clock
    /// above ROCm's reported clock.
    struct DatasheetClock: Sendable {
        var matches: @Sendable (ComputeDeviceFacts) -> Bool
        var vectorMHz: Int?
        var engineMHz: Int?
        var what: String
    }

    static let datasheetClocks: [DatasheetClock] = [
        // NVIDIA H100 datasheet (2023): SXM5 989.4 dense fp16 TFLOPS = 132 SM × 4096 × 1.830 GHz,
        // fp32 66.9 = 132 × 256 × 1.98 GHz; the H200 datasheet (2024) has the same figures.
        DatasheetClock(matches: nvidia(9, 0, sms: 132), vectorMHz: 1980, engineMHz: 1830, what: "H100 SXM5 / H200 datasheets: tensor 1830 MHz, vector 1980 MHz"),
        // H100 PCIe: 756 dense fp16 = 114 × 4096 × 1.620 GHz; fp32 51.2 = 114 × 256 × 1.755 GHz.
        DatasheetClock(matches: nvidia(9, 0, sms: 114), vectorMHz: 1755, engineMHz: 1620, what: "H100 PCIe datasheet: tensor 1620 MHz, vector 1755 MHz"),
        // NVIDIA Blackwell datasheet, HGX B200: 2.25 dense fp16 PFLOPS = 148 × 8192 × 1.856 GHz;
        // fp32 75 = 148 × 256 × 1.98 GHz, fp64 37 = 148 × 128 × 1.98 GHz.
        DatasheetClock(matches: nvidia(10, 0, sms: 148), vectorMHz: 1980, engineMHz: 1856, what: "HGX B200 datasheet: tensor 1856 MHz, vector 1980 MHz"),
        // A100 datasheet: 312 fp16 = 108 × 2048 × 1.41 GHz; 19.5 fp32 = 108 × 128 × 1.41 GHz.
        DatasheetClock(matches: nvidia(8, 0, sms: 108), vectorMHz: 1410, engineMHz: 1410, what: "A100 datasheet: 1410 MHz"),
        // L40S datasheet: 362.05 dense fp16 = 142 × 1024 × 2.49 GHz; fp32 91.6 = 142 × 256 × 2.52 GHz.
        DatasheetClock(matches: nvidia(8, 9, sms: 142), vectorMHz: 2520, engineMHz: 2490, what: "L40S datasheet: tensor 2490 MHz, vector 2520 MHz"),
        // NVIDIA Ada GPU architecture whitepaper, appendix (RTX 4090): boost 2520 MHz for all figures.
        DatasheetClock(matches: nvidia(8, 9, sms: 128), vectorMHz: 2520, engineMHz: 2520, what: "Ada whitepaper, RTX 4090: 2520 MHz boost"),
        // AMD Instinct MI300X and MI325X datasheets: 2100 MHz peak engine clock.
        DatasheetClock(matches: amd("gfx942", cus: 304), vectorMHz: 2100, engineMHz: 2100, what: "MI300X / MI325X datasheets: 2100 MHz"),
        // AMD Instinct MI250X datasheet: 1700 MHz.
        DatasheetClock(matches: amd("gfx90a", cus: 110), vectorMHz: 1700, engineMHz: 1700, what: "MI250X datasheet: 1700 MHz"),
        // AMD Radeon RX 7900 XTX specifications: 61.4 fp32 TFLOPS and 122.8 fp16 at the 2500 MHz boost
        // clock (ROCm reports 2304 MHz).
        DatasheetClock(matches: amd("gfx1100", cus: 96), vectorMHz: 2500, engineMHz: 2500, what: "RX 7900 XTX specifications: 2500 MHz boost"),
        // Intel Data Center GPU Max 1550 product brief: 1600 MHz (52.4 fp64/fp32 TFLOPS, 839 bf16 XMX).
        DatasheetClock(matches: intel(60...61, eus: 1024), vectorMHz: 1600, engineMHz: 1600, what: "Data Center GPU Max 1550: 1600 MHz"),
        // Arc A770: 2100 MHz graphics clock (Intel's product page; the XMX figures use it), 2400 MHz
        // boost for the vector figure (TechPowerUp GPU database: 19.66 fp32 TFLOPS).
        DatasheetClock(matches: intel(55...57, eus: 512), vectorMHz: 2400, engineMHz: 2100, what: "Arc A770: XMX at the 2100 MHz graphics clock, vector at 2400 MHz"),
    ]

    static func datasheetClock(_ facts: ComputeDeviceFacts, engine: ComputeEngine) -> (mhz: Int, what: String)? {
        guard let entry = datasheetClocks.first(where: { $0.matches(facts) }),
              let mhz = engine == .vector ? entry.vectorMHz : entry.engineMHz else { return nil }
        return (mhz, entry.what)
    }

    // MARK: memory bandwidth

    /// A device's memory bandwidth ceiling, from its datasheet.
    struct BandwidthEntry: Sendable {
        var matches: @Sendable (ComputeDeviceFacts) -> Bool
        var gbs: Double
        var what: String
        var matchedBy = "architecture and unit count"
    }

    static func nvidia(_ major: Int, _ minor: Int, sms: Int, memoryGB: ClosedRange<Double>? = nil) -> @Sendable (ComputeDeviceFacts) -> Bool {
        { f in
            guard f.isNVIDIA, f.attributes?.nvComputeCapabilityMajor == major, f.attributes?.nvComputeCapabilityMinor == minor,
                  f.computeUnits == sms else { return false }
            return memoryGB.map { $0.contains(Double(f.memoryBytes) / 1e9) } ?? true
        }
    }

    /// AMD by gfx target and physical CU count (WGP reporting undone).
    static func amd(_ gfx: String, cus: Int) -> @Sendable (ComputeDeviceFacts) -> Bool {
        { f in
            guard f.isAMD, f.amdGfx == gfx, let arch = AMDArchitecture(gfx: gfx) else { return false }
            return amdComputeUnits(f, arch: arch).0 == cus
        }
    }

    /// AMD by `CL_DEVICE_BOARD_NAME_AMD` (model token, e.g. "mi325x").
    static func amdBoard(_ token: String) -> @Sendable (ComputeDeviceFacts) -> Bool {
        { f in f.isAMD && f.amdBoard.split { !$0.isLetter && !$0.isNumber }.contains { $0 == token } }
    }

    static func intel(_ releases: ClosedRange<Int>, eus: Int) -> @Sendable (ComputeDeviceFacts) -> Bool {
        { f in
            guard f.isIntel, let ip = f.intelIP, ip.arch == 12, releases.contains(ip.release) else { return false }
            return f.intelEUs == eus
        }
    }

    /// Matched by architecture id and unit count (and memory size where variants differ), AMD
    /// Instinct parts by board name first. Where two boards share those, the faster one's
    /// figure is the ceiling.
    static let bandwidthTable: [BandwidthEntry] = [
        BandwidthEntry(matches: nvidia(9, 0, sms: 132, memoryGB: 100...200), gbs: 4800, what: "H200 SXM, NVIDIA H200 datasheet (2024)"),
        BandwidthEntry(matches: nvidia(9, 0, sms: 132, memoryGB: 0...100), gbs: 3350, what: "H100 SXM, NVIDIA H100 datasheet (2023)"),
        BandwidthEntry(matches: nvidia(9, 0, sms: 114), gbs: 2000, what: "H100 PCIe, NVIDIA H100 datasheet (2023)"),
        BandwidthEntry(matches: nvidia(10, 0, sms: 148), gbs: 8000, what: "B200, NVIDIA Blackwell datasheet (8 TB/s; HGX B200 7.7 TB/s)"),
        BandwidthEntry(matches: nvidia(8, 0, sms: 108, memoryGB: 60...100), gbs: 2039, what: "A100 80GB SXM, NVIDIA A100 datasheet (2021)"),
        BandwidthEntry(matches: nvidia(8, 0, sms: 108, memoryGB: 0...60), gbs: 1555, what: "A100 40GB, NVIDIA A100 datasheet (2021)"),
        BandwidthEntry(matches: nvidia(8, 0, sms: 56), gbs: 933, what: "A30, NVIDIA A30 datasheet"),
        BandwidthEntry(matches: nvidia(7, 0, sms: 80), gbs: 1134, what: "V100S/V100 (V100S's 1134 GB/s as the ceiling), NVIDIA datasheets"),
        BandwidthEntry(matches: nvidia(7, 5, sms: 40), gbs: 320, what: "T4, NVIDIA T4 datasheet"),
        BandwidthEntry(matches: nvidia(8, 9, sms: 58), gbs: 300, what: "L4, NVIDIA L4 datasheet"),
        BandwidthEntry(matches: nvidia(8, 9, sms: 142), gbs: 864, what: "L40/L40S, NVIDIA datasheets"),
        BandwidthEntry(matches: nvidia(8, 9, sms: 128), gbs: 1008, what: "RTX 4090, NVIDIA Ada GPU architecture whitepaper"),
        BandwidthEntry(matches: nvidia(8, 6, sms: 72), gbs: 600, what: "A10, NVIDIA A10 datasheet"),
        BandwidthEntry(matches: amdBoard("mi325x"), gbs: 6000, what: "MI325X, AMD Instinct MI325X datasheet", matchedBy: "board name"),
        BandwidthEntry(matches: amdBoard("mi300x"), gbs: 5300, what: "MI300X, AMD Instinct MI300X datasheet", matchedBy: "board name"),
        BandwidthEntry(matches: amdBoard("mi300a"), gbs: 5300, what: "MI300A, AMD Instinct MI300A datasheet", matchedBy: "board name"),
        BandwidthEntry(matches: amd("gfx942", cus: 304), gbs: 6000,
                       what: "gfx942 with 304 CUs and no board name: MI325X's 6.0 TB/s (MI300X: 5.3) as the ceiling"),
        BandwidthEntry(matches: amd("gfx90a", cus: 110), gbs: 1638, what: "one MI250X GCD (3.28 TB/s per two GCDs), AMD datasheet"),
        BandwidthEntry(matches: amd("gfx90a", cus: 104), gbs: 1638, what: "MI210 or one MI250 GCD, AMD Instinct datasheets"),
        BandwidthEntry(matches: amd("gfx908", cus: 120), gbs: 1229, what: "MI100, AMD Instinct MI100 datasheet"),
        BandwidthEntry(matches: amd("gfx1100", cus: 96), gbs: 960, what: "RX 7900 XTX, AMD Radeon RX 7900 XTX specifications"),
        BandwidthEntry(matches: intel(60...61, eus: 1024), gbs: 3277, what: "Data Center GPU Max 1550, Intel product brief (3.2768 TB/s)"),
        BandwidthEntry(matches: intel(55...57, eus: 512), gbs: 560, what: "Arc A770 16GB (8GB: 512 GB/s), Intel product specifications"),
    ]

    /// The bandwidth ceiling in GB/s with its basis, or nil with the reason none is known.
    public static func bandwidth(_ facts: ComputeDeviceFacts) -> Result<(value: Double, basis: String), UnknownCeiling> {
        if let entry = bandwidthTable.first(where: { $0.matches(facts) }) {
            return .success((entry.gbs, "\(formatted(entry.gbs, decimals: 0)) GB/s: \(entry.what), matched by \(entry.matchedBy)"))
        }
        switch facts.type {
        case .cpu:
            return .failure(UnknownCeiling(reason: "unknown: the host's memory channels and speed are not readable without root (DMI)"))
        default:
            return .failure(UnknownCeiling(reason: "unknown: no vendor query gives it and no catalog entry matches this device"))
        }
    }

    // MARK: last-level cache of the device family

    /// The largest last-level cache any part of the device's family has, in bytes, with its
    /// source; `CL_DEVICE_GLOBAL_MEM_CACHE_SIZE` is L1- or L2-sized on many GPUs and misses
    /// AMD's Infinity Cache and Intel's Xe-HPC L2. Nil for devices of no known family.
    public static func familyLastLevelCache(_ facts: ComputeDeviceFacts) -> (bytes: Int, what: String)? {
        let mb = 1 << 20
        if facts.isNVIDIA, let sm = facts.nvidiaSM {
            switch sm {
            case 70: return (6 * mb, "Volta GV100: 6 MB L2 (V100 whitepaper)")
            case 75: return (6 * mb, "Turing TU102: 6 MB L2 (Turing whitepaper)")
            case 80: return (48 * mb, "Ampere GA100: 48 MB L2 in the full die, A100 40 MB (A100 whitepaper)")
            case 86, 87: return (6 * mb, "Ampere GA102: 6 MB L2 (GA102 whitepaper)")
            case 89: return (96 * mb, "Ada AD102: 96 MB L2 in the full die, L40S 96 MB, RTX 4090 72 MB (Ada whitepaper)")
            case 90: return (60 * mb, "Hopper GH100: 60 MB L2 in the full die, H100/H200 50 MB (H100 whitepaper)")
            case 100, 103: return (128 * mb, "Blackwell B200: 126 MB L2 (two dies), rounded up to 128 MB")
            case 120: return (128 * mb, "Blackwell GB202: 128 MB L2 in the full die, RTX 5090 96 MB")
            default: return nil
            }
        }
        if facts.isAMD, let gfx = facts.amdGfx {
            if ["gfx940", "gfx941", "gfx942", "gfx950"].contains(gfx) { return (256 * mb, "CDNA3/4: 256 MB Infinity Cache (MI300X datasheet)") }
            if gfx == "gfx90a" || gfx == "gfx908" { return (8 * mb, "CDNA1/2: 8 MB L2 per GCD (CDNA2 whitepaper)") }
            if gfx.hasPrefix("gfx103") { return (128 * mb, "RDNA2 Navi 21: 128 MB Infinity Cache") }
            if gfx.hasPrefix("gfx110") { return (96 * mb, "RDNA3 Navi 31: 96 MB Infinity Cache (RX 7900 XTX)") }
            if gfx.hasPrefix("gfx12") { return (64 * mb, "RDNA4 Navi 48: 64 MB Infinity Cache (RX 9070 XT)") }
            return nil
        }
        if facts.isIntel, let (arch, release) = facts.intelIP {
            switch (arch, release) {
            case (12, 60...69): return (408 * mb, "Xe-HPC Ponte Vecchio: 408 MB L2 (Max 1550 product brief)")
            case (12, 50...59): return (16 * mb, "Xe-HPG ACM-G10: 16 MB L2 (Arc A770)")
            case (12, 70...79): return (36 * mb, "Xe-LPG: shares the CPU's last-level cache, 36 MB taken as the largest")
            case (20, _): return (18 * mb, "Xe2 BMG-G21: 18 MB L2 (Arc B580)")
            default: return nil
            }
        }
        return nil
    }
}

/// Why a theoretical ceiling could not be stated.
public struct UnknownCeiling: Error, Sendable, Equatable {
    public var reason: String
}
