import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CPUKernelsPortable


extension HostInfo {
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


