#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One level of the CPU's cache hierarchy, from `/sys/devices/system/cpu/cpu0/cache`.
@MemberwiseInit
@SnakeCaseCodingKeys
public struct CacheLevel: Codable, Sendable, Equatable {
    public var level: Int
    /// `Data`, `Instruction` or `Unified`.
    public var type: String
    public var sizeBytes: Int
    /// How many logical CPUs share one instance of this cache.
    public var sharedByCPUs: Int
}

/// Facts about the host machine: CPU model, cores, SIMD features, caches, memory and OS.
@MemberwiseInit
@SnakeCaseCodingKeys
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

    /// The largest cache size (the last level), or 32 MiB when unknown.
    public var lastLevelCacheBytes: Int { caches.map(\.sizeBytes).max() ?? 32 << 20 }

    /// All instances of the last-level cache together (one per group of CPUs sharing it), or
    /// 32 MiB when unknown: what a working set must exceed to measure memory, not cache.
    public var lastLevelCacheTotalBytes: Int {
        guard let llc = caches.max(by: { ($0.level, $0.sizeBytes) < ($1.level, $1.sizeBytes) }) else { return 32 << 20 }
        let instances = (logicalCores + Swift.max(1, llc.sharedByCPUs) - 1) / Swift.max(1, llc.sharedByCPUs)
        return llc.sizeBytes * Swift.max(1, instances)
    }
}

/// The CPU's identity as /proc/cpuinfo gives it (CPUID family and model on x86-64; MIDR
/// implementer and part on arm64): what the vector-unit table is keyed on.
@MemberwiseInit
public struct CPUIdentity: Codable, Sendable, Equatable {
    /// `AuthenticAMD`, `GenuineIntel`, or the arm64 implementer (`0x41` Arm, `0x61` Apple, …).
    public var vendor: String
    public var family: Int?
    public var model: Int?
    /// arm64 `CPU part` (e.g. 0xd40 Neoverse V1).
    public var part: Int?
}

/// Physical cores of each type on an Intel hybrid (P + E core) part. The kernel lists each
/// type's logical CPUs in /sys/devices/cpu_core/cpus and /sys/devices/cpu_atom/cpus; a P-core's
/// SMT siblings are counted once through their (physical id, core id) in /proc/cpuinfo.
@MemberwiseInit
@SnakeCaseCodingKeys
public struct HybridCores: Codable, Sendable, Equatable {
    public var performanceCores: Int
    public var efficiencyCores: Int
}
