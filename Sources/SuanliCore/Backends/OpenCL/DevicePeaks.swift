import OpenCLKit

/// What the peak tables need to know about an OpenCL device, as plain values (tests build them).
public struct ComputeDeviceFacts: Sendable {
    public var type: DeviceType
    public var vendor: String
    public var name: String
    public var computeUnits: Int
    public var clockMHz: Int
    public var memoryBytes: Int
    public var attributes: VendorAttributes?

    public init(type: DeviceType, vendor: String, name: String, computeUnits: Int, clockMHz: Int, memoryBytes: Int,
                attributes: VendorAttributes?) {
        self.type = type
        self.vendor = vendor
        self.name = name
        self.computeUnits = computeUnits
        self.clockMHz = clockMHz
        self.memoryBytes = memoryBytes
        self.attributes = attributes
    }

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
}

/// Theoretical peaks of OpenCL devices from what the device says it is: NVIDIA's compute
/// capability, AMD's gfx IP with SIMDs per CU and SIMD width, Intel's EU counts, and for CPU
/// devices the host's physical cores, vector units and measured clock. A device name is a last
/// resort, matched as whole model tokens, and the basis then says "by name".
/// Lanes per clock come from the vendors' documents (Docs: `../shared/reference/peaks.md`).
public enum DevicePeaks {
    /// Vector lanes per NVIDIA SM by compute capability: fp32, fp64, fp16 (half2 counted as two).
    /// CUDA C++ Programming Guide, "Arithmetic Instructions" throughput table.
    static func nvidiaLanes(major: Int, minor: Int) -> (fp32: Double, fp64: Double, fp16: Double)? {
        switch (major, minor) {
        case (3, _): (192, 64, 0)
        case (5, 3): (128, 4, 256)
        case (5, _): (128, 4, 0)
        case (6, 0): (64, 32, 128)
        case (6, _): (128, 4, 2)
        case (7, 0), (7, 2): (64, 32, 128)
        case (7, 5): (64, 2, 128)
        case (8, 0): (64, 32, 256)
        case (8, 6), (8, 7), (8, 9): (128, 2, 128)
        case (9, 0): (128, 64, 256)
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
        "h800": (9, 0), "h20": (9, 0), "gh200": (9, 0),
    ]

    public static func gflops(_ facts: ComputeDeviceFacts, precision: Precision, host: HostInfo? = nil) -> (value: Double, basis: String)? {
        switch facts.type {
        case .gpu: return gpuGFLOPS(facts, precision: precision)
        case .cpu: return cpuGFLOPS(facts, precision: precision, host: host ?? HostInfo.current())
        default: return nil
        }
    }

    static func gpuGFLOPS(_ facts: ComputeDeviceFacts, precision: Precision) -> (value: Double, basis: String)? {
        guard facts.computeUnits > 0, facts.clockMHz > 0 else { return nil }
        let units = Double(facts.computeUnits), ghz = Double(facts.clockMHz) / 1000
        func result(_ lanes: Double, _ what: String) -> (value: Double, basis: String)? {
            guard lanes > 0 else { return nil }
            return (units * ghz * lanes * 2, "\(facts.computeUnits) CU × \(facts.clockMHz) MHz × \(formatted(lanes, decimals: 0)) \(precision.rawValue) lanes × 2 (\(what))")
        }
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
            return result(perSM, "sm_\(major)\(minor), \(how)")
        }
        if facts.isAMD {
            guard let major = facts.attributes?.amdGfxIPMajor, let minor = facts.attributes?.amdGfxIPMinor else { return nil }
            // Lanes per reported compute unit from the device itself (RDNA drivers may report WGPs).
            let simds = Double(facts.attributes?.amdSIMDPerComputeUnit ?? 4), width = Double(facts.attributes?.amdSIMDWidth ?? 16)
            let vector = simds * width
            let gfx = "gfx\(major)\(minor < 10 ? "0" : "")\(minor)"
            let cdna23 = major == 9 && minor >= 10 && minor != 8    // gfx90a, gfx940–942 (gfx908 is CDNA1)
            let rdna3 = major == 11
            let fp32 = vector * (cdna23 || rdna3 ? 2 : 1)
            let fp64: Double = cdna23 ? vector : (major == 9 && (minor == 8 || minor == 6) ? vector / 2 : (rdna3 ? vector / 32 : vector / 16))
            let what = "\(gfx) from cl_amd_device_attribute_query, \(Int(simds)) SIMD × \(Int(width)) wide per CU"
                + (cdna23 ? ", packed FP32 and full-rate fp64 (CDNA)" : rdna3 ? ", dual-issue fp32 (RDNA3)" : "")
            switch precision {
            case .fp32, .mixed: return result(fp32, what)
            case .fp64: return result(fp64, what)
            case .fp16: return result(major >= 9 ? vector * 2 * (rdna3 ? 2 : 1) : vector, what + ", packed fp16")
            case .bf16, .int8, .tf32, .fp8: return nil   // engine kernels: EnginePeaks
            }
        }
        if facts.isIntel, let a = facts.attributes, let slices = a.intelSlices, let subs = a.intelSubSlicesPerSlice,
           let eus = a.intelEUsPerSubSlice, let ip = a.intelIPVersion {
            // IP version: architecture in bits 22+, release in bits 14–21 (cl_intel_device_attribute_query).
            let arch = ip >> 22, release = (ip >> 14) & 0xFF
            let totalEUs = Double(slices * subs * eus)
            let hpc = arch == 12 && release >= 60
            let lanes: Double = (hpc || arch >= 20) ? 16 : 8
            let ghz = Double(facts.clockMHz) / 1000
            let perEU: Double? = switch precision {
            case .fp32, .mixed: lanes
            case .fp16: lanes * 2
            case .fp64: hpc ? lanes : nil
            case .bf16, .int8, .tf32, .fp8: nil   // engine kernels: EnginePeaks
            }
            guard let perEU else { return nil }
            return (totalEUs * ghz * perEU * 2,
                    "\(Int(totalEUs)) EUs × \(facts.clockMHz) MHz × \(Int(perEU)) lanes × 2 (Intel IP \(arch).\(release) from cl_intel_device_attribute_query)")
        }
        return nil
    }

    /// OpenCL CPU devices (PoCL, Intel's runtime): the host's physical cores in the device's
    /// share of the logical CPUs, its vector units and its measured clock (the driver's clock
    /// is a base clock, or 0).
    static func cpuGFLOPS(_ facts: ComputeDeviceFacts, precision: Precision, host: HostInfo) -> (value: Double, basis: String)? {
        guard precision == .fp32 || precision == .fp64 || precision == .mixed else { return nil }
        let threads = facts.computeUnits > 0 ? Swift.min(facts.computeUnits, host.logicalCores) : host.logicalCores
        return CPUPeak.host(host, precision: precision == .mixed ? .fp32 : precision, threads: threads)
    }

    // MARK: memory bandwidth

    /// A device's memory bandwidth ceiling, from its datasheet.
    struct BandwidthEntry: Sendable {
        var matches: @Sendable (ComputeDeviceFacts) -> Bool
        var gbs: Double
        var what: String
    }

    static func nvidia(_ major: Int, _ minor: Int, sms: Int, memoryGB: ClosedRange<Double>? = nil) -> @Sendable (ComputeDeviceFacts) -> Bool {
        { f in
            guard f.isNVIDIA, f.attributes?.nvComputeCapabilityMajor == major, f.attributes?.nvComputeCapabilityMinor == minor,
                  f.computeUnits == sms else { return false }
            return memoryGB.map { $0.contains(Double(f.memoryBytes) / 1e9) } ?? true
        }
    }

    static func amd(_ major: Int, _ minor: Int, cus: Int) -> @Sendable (ComputeDeviceFacts) -> Bool {
        { f in f.isAMD && f.attributes?.amdGfxIPMajor == major && f.attributes?.amdGfxIPMinor == minor && f.computeUnits == cus }
    }

    /// Matched by architecture id and unit count (and memory size where variants differ), never by
    /// name. Where two boards share those, the faster one's figure is the ceiling.
    static let bandwidthTable: [BandwidthEntry] = [
        BandwidthEntry(matches: nvidia(9, 0, sms: 132, memoryGB: 100...200), gbs: 4800, what: "H200 SXM, NVIDIA H200 datasheet (2024)"),
        BandwidthEntry(matches: nvidia(9, 0, sms: 132, memoryGB: 0...100), gbs: 3350, what: "H100 SXM, NVIDIA H100 datasheet (2023)"),
        BandwidthEntry(matches: nvidia(9, 0, sms: 114), gbs: 2000, what: "H100 PCIe, NVIDIA H100 datasheet (2023)"),
        BandwidthEntry(matches: nvidia(8, 0, sms: 108, memoryGB: 60...100), gbs: 2039, what: "A100 80GB SXM, NVIDIA A100 datasheet (2021)"),
        BandwidthEntry(matches: nvidia(8, 0, sms: 108, memoryGB: 0...60), gbs: 1555, what: "A100 40GB, NVIDIA A100 datasheet (2021)"),
        BandwidthEntry(matches: nvidia(8, 0, sms: 56), gbs: 933, what: "A30, NVIDIA A30 datasheet"),
        BandwidthEntry(matches: nvidia(7, 0, sms: 80), gbs: 1134, what: "V100S/V100 (V100S's 1134 GB/s as the ceiling), NVIDIA datasheets"),
        BandwidthEntry(matches: nvidia(7, 5, sms: 40), gbs: 320, what: "T4, NVIDIA T4 datasheet"),
        BandwidthEntry(matches: nvidia(8, 9, sms: 58), gbs: 300, what: "L4, NVIDIA L4 datasheet"),
        BandwidthEntry(matches: nvidia(8, 9, sms: 142), gbs: 864, what: "L40/L40S, NVIDIA datasheets"),
        BandwidthEntry(matches: nvidia(8, 6, sms: 72), gbs: 600, what: "A10, NVIDIA A10 datasheet"),
        BandwidthEntry(matches: amd(9, 42, cus: 304), gbs: 5300, what: "MI300X, AMD Instinct MI300X datasheet"),
        BandwidthEntry(matches: amd(9, 10, cus: 110), gbs: 1638, what: "one MI250X GCD (3.28 TB/s per two GCDs), AMD datasheet"),
        BandwidthEntry(matches: amd(9, 10, cus: 104), gbs: 1638, what: "MI210, AMD Instinct MI210 datasheet"),
        BandwidthEntry(matches: amd(9, 8, cus: 120), gbs: 1229, what: "MI100, AMD Instinct MI100 datasheet"),
    ]

    /// The bandwidth ceiling in GB/s with its basis, or nil with the reason none is known.
    public static func bandwidth(_ facts: ComputeDeviceFacts) -> Result<(value: Double, basis: String), UnknownCeiling> {
        if let entry = bandwidthTable.first(where: { $0.matches(facts) }) {
            return .success((entry.gbs, "\(formatted(entry.gbs, decimals: 0)) GB/s: \(entry.what), matched by architecture and unit count"))
        }
        switch facts.type {
        case .cpu:
            return .failure(UnknownCeiling(reason: "unknown: the host's memory channels and speed are not readable without root (DMI)"))
        default:
            return .failure(UnknownCeiling(reason: "unknown: no vendor query gives it and no catalog entry matches this device"))
        }
    }
}

/// Why a theoretical ceiling could not be stated.
public struct UnknownCeiling: Error, Sendable, Equatable {
    public var reason: String
}
