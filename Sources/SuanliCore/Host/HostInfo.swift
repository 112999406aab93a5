#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CPUKernelsPortable

/// One level of the CPU's cache hierarchy, from `/sys/devices/system/cpu/cpu0/cache`.
public struct CacheLevel: Codable, Sendable, Equatable {
    public var level: Int
    /// `Data`, `Instruction` or `Unified`.
    public var type: String
    public var sizeBytes: Int
    /// How many logical CPUs share one instance of this cache.
    public var sharedByCPUs: Int

    enum CodingKeys: String, CodingKey {
        case level, type
        case sizeBytes = "size_bytes"
        case sharedByCPUs = "shared_by_cpus"
    }
}

/// Facts about the host machine: CPU model, cores, SIMD features, caches, memory and OS.
public struct HostInfo: Codable, Sendable, Equatable {
    public var hostname: String
    public var cpuModel: String
    public var architecture: String
    public var logicalCores: Int
    /// SIMD features Suanli cares about: `sse4_2`, `avx`, `avx2`, `fma`, `avx512f`, … or `neon`, `sve`.
    public var features: [String]
    public var caches: [CacheLevel]
    public var memoryBytes: Int
    public var maxClockMHz: Double?
    public var os: String
    public var kernel: String
    /// Physical cores (distinct core ids): SMT siblings share one core's vector units.
    public var physicalCores: Int?
    /// What the CPU says it is: x86 `vendor_id`, `cpu family`, `model`; arm64 implementer and part.
    public var cpuIdentity: CPUIdentity?
    /// Intel hybrid parts: physical P-cores and E-cores (from /sys/devices/cpu_core/cpus and
    /// /sys/devices/cpu_atom/cpus); nil on other machines.
    public var hybridCores: HybridCores?

    enum CodingKeys: String, CodingKey {
        case hostname, architecture, features, caches, os, kernel
        case cpuModel = "cpu_model"
        case logicalCores = "logical_cores"
        case memoryBytes = "memory_bytes"
        case maxClockMHz = "max_clock_mhz"
        case physicalCores = "physical_cores"
        case cpuIdentity = "cpu_identity"
        case hybridCores = "hybrid_cores"
    }

    /// The largest cache size (the last level), or 32 MiB when unknown.
    public var lastLevelCacheBytes: Int { caches.map(\.sizeBytes).max() ?? 32 << 20 }

    /// All instances of the last-level cache together (one per group of CPUs sharing it), or
    /// 32 MiB when unknown: what a working set must exceed to measure memory, not cache.
    public var lastLevelCacheTotalBytes: Int {
        guard let llc = caches.max(by: { ($0.level, $0.sizeBytes) < ($1.level, $1.sizeBytes) }) else { return 32 << 20 }
        let instances = (logicalCores + Swift.max(1, llc.sharedByCPUs) - 1) / Swift.max(1, llc.sharedByCPUs)
        return llc.sizeBytes * Swift.max(1, instances)
    }

    /// Reads the current machine.
    public static func current() -> HostInfo {
        let cpuinfo = readText("/proc/cpuinfo") ?? ""
        var uts = utsname()
        uname(&uts)
        func field(_ value: Any) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return HostInfo(
            hostname: field(uts.nodename),
            cpuModel: cpuModel(fromProcCpuinfo: cpuinfo),
            architecture: field(uts.machine),
            logicalCores: ProcessInfo.processInfo.activeProcessorCount,
            features: simdFeatures(CPUFeatureSet.parse(procCpuinfo: cpuinfo)),
            caches: readCaches(),
            memoryBytes: memoryBytes(fromProcMeminfo: readText("/proc/meminfo") ?? ""),
            maxClockMHz: readText("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
                .flatMap { Double($0.trimmed()) }.map { $0 / 1000 },
            os: osName(fromOsRelease: readText("/etc/os-release") ?? ""),
            kernel: field(uts.release),
            physicalCores: physicalCores(fromProcCpuinfo: cpuinfo),
            cpuIdentity: CPUIdentity(procCpuinfo: cpuinfo),
            hybridCores: HybridCores(procCpuinfo: cpuinfo,
                                     performanceCPUs: readText("/sys/devices/cpu_core/cpus"),
                                     efficiencyCPUs: readText("/sys/devices/cpu_atom/cpus"))
        )
    }

    /// The SIMD-related features, in a fixed order (x86-64 and arm64 names).
    static func simdFeatures(_ set: CPUFeatureSet) -> [String] {
        let known = ["neon", "sse2", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl",
                     "avx512_bf16", "avx512_fp16", "amx_tile", "asimdhp", "sve", "sve2"]
        return known.filter(set.has)
    }

    /// The whole file, read until end of file: /proc and /sys files report a size of 0 or one
    /// page, and a read sized by it comes back short (a large machine's /proc/cpuinfo).
    static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The `model name` line (x86) or a `CPU part`/`Hardware` description (arm64).
    static func cpuModel(fromProcCpuinfo text: String) -> String {
        for key in ["model name", "Hardware", "cpu model", "Processor"] {
            for line in text.split(separator: "\n") where line.hasPrefix(key) {
                if let colon = line.firstIndex(of: ":") {
                    let value = line[line.index(after: colon)...].trimmed()
                    if !value.isEmpty { return value }
                }
            }
        }
        return "unknown CPU"
    }

    static func memoryBytes(fromProcMeminfo text: String, field: String = "MemTotal") -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kib = Int(parts[1]) { return kib * 1024 }
        }
        return 0
    }

    /// Memory the kernel says can be allocated now without swapping (`MemAvailable`), in bytes;
    /// nil where /proc/meminfo does not say.
    public static func availableMemoryBytes() -> Int? {
        let value = memoryBytes(fromProcMeminfo: readText("/proc/meminfo") ?? "", field: "MemAvailable")
        return value > 0 ? value : nil
    }

    /// Distinct (physical id, core id) pairs; nil when /proc/cpuinfo does not list them.
    static func physicalCores(fromProcCpuinfo text: String) -> Int? {
        var cores = Set<String>()
        for block in text.split(separator: "\n\n") {
            var physical = "0", core: String?
            for line in block.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmed() }
                guard parts.count == 2 else { continue }
                if parts[0] == "physical id" { physical = parts[1] }
                if parts[0] == "core id" { core = parts[1] }
            }
            if let core { cores.insert(physical + "/" + core) }
        }
        return cores.isEmpty ? nil : cores.count
    }

    static func osName(fromOsRelease text: String) -> String {
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmed(also: ["\""])
        }
        return "Linux"
    }

    static func readCaches() -> [CacheLevel] {
        var levels: [CacheLevel] = []
        for index in 0..<16 {
            let base = "/sys/devices/system/cpu/cpu0/cache/index\(index)/"
            guard let level = readText(base + "level").flatMap({ Int($0.trimmed()) }),
                  let type = readText(base + "type")?.trimmed(),
                  let sizeText = readText(base + "size")?.trimmed()
            else { break }
            let shared = readText(base + "shared_cpu_list").map(countCPUs) ?? 1
            levels.append(CacheLevel(level: level, type: type, sizeBytes: parseSize(sizeText), sharedByCPUs: shared))
        }
        return levels
    }

    /// "32K" → 32768, "1024K" → 1 MiB, "32M" → 32 MiB.
    static func parseSize(_ text: String) -> Int {
        let digits = text.prefix { $0.isNumber }
        let value = Int(digits) ?? 0
        switch text.dropFirst(digits.count).uppercased() {
        case "K": return value << 10
        case "M": return value << 20
        case "G": return value << 30
        default: return value
        }
    }

    /// "0-3,8" → [0, 1, 2, 3, 8]; nil when the list does not parse.
    static func cpuList(_ list: String) -> [Int]? {
        var cpus: [Int] = []
        for range in list.trimmed().split(separator: ",") {
            let ends = range.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmed()) }
            guard !ends.isEmpty, ends.count <= 2, let lo = ends[0], let hi = ends.last!, lo <= hi, hi - lo < 1 << 16
            else { return nil }
            cpus += Array(lo...hi)
        }
        return cpus
    }

    /// "0-3,8" → 5.
    static func countCPUs(_ list: String) -> Int {
        list.trimmed().split(separator: ",").reduce(0) { total, range in
            let ends = range.split(separator: "-").compactMap { Int($0) }
            return total + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
    }
}

/// The CPU's identity as /proc/cpuinfo gives it (CPUID family and model on x86-64; MIDR
/// implementer and part on arm64): what the vector-unit table is keyed on.
public struct CPUIdentity: Codable, Sendable, Equatable {
    /// `AuthenticAMD`, `GenuineIntel`, or the arm64 implementer (`0x41` Arm, `0x61` Apple, …).
    public var vendor: String
    public var family: Int?
    public var model: Int?
    /// arm64 `CPU part` (e.g. 0xd40 Neoverse V1).
    public var part: Int?

    public init(vendor: String, family: Int? = nil, model: Int? = nil, part: Int? = nil) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.part = part
    }

    /// From the first processor block of /proc/cpuinfo; nil when it names no vendor.
    public init?(procCpuinfo text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.trimmed().isEmpty, !fields.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmed() }
            if parts.count == 2, fields[parts[0]] == nil { fields[parts[0]] = parts[1] }
        }
        func number(_ text: String?) -> Int? {
            guard let text else { return nil }
            return text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
        }
        if let vendor = fields["vendor_id"] {
            self.init(vendor: vendor, family: number(fields["cpu family"]), model: number(fields["model"]))
        } else if let implementer = fields["CPU implementer"] {
            self.init(vendor: implementer, part: number(fields["CPU part"]))
        } else {
            return nil
        }
    }
}

/// Physical cores of each type on an Intel hybrid (P + E core) part. The kernel lists each
/// type's logical CPUs in /sys/devices/cpu_core/cpus and /sys/devices/cpu_atom/cpus; a P-core's
/// SMT siblings are counted once through their (physical id, core id) in /proc/cpuinfo.
public struct HybridCores: Codable, Sendable, Equatable {
    public var performanceCores: Int
    public var efficiencyCores: Int

    public init(performanceCores: Int, efficiencyCores: Int) {
        self.performanceCores = performanceCores
        self.efficiencyCores = efficiencyCores
    }

    enum CodingKeys: String, CodingKey {
        case performanceCores = "performance_cores"
        case efficiencyCores = "efficiency_cores"
    }

    /// Nil unless both lists are present, parse and name at least one CPU each.
    public init?(procCpuinfo: String, performanceCPUs: String?, efficiencyCPUs: String?) {
        guard let pText = performanceCPUs, let eText = efficiencyCPUs,
              let pList = HostInfo.cpuList(pText), let eList = HostInfo.cpuList(eText),
              !pList.isEmpty, !eList.isEmpty else { return nil }
        // processor number → "physical id/core id"
        var coreOf: [Int: String] = [:]
        for block in procCpuinfo.split(separator: "\n\n") {
            var processor: Int?, physical = "0", core: String?
            for line in block.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmed() }
                guard parts.count == 2 else { continue }
                if parts[0] == "processor" { processor = Int(parts[1]) }
                if parts[0] == "physical id" { physical = parts[1] }
                if parts[0] == "core id" { core = parts[1] }
            }
            if let processor, let core { coreOf[processor] = physical + "/" + core }
        }
        func cores(_ cpus: [Int]) -> Int {
            Set(cpus.map { coreOf[$0] ?? "cpu\($0)" }).count
        }
        self.init(performanceCores: cores(pList), efficiencyCores: cores(eList))
    }
}
