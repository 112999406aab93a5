#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One level of the CPU's cache hierarchy, from `/sys/devices/system/cpu/cpu0/cache`.
public struct CacheLevel: Codable, Sendable, Equatable {
    public var level: Int
    /// `Data`, `Instruction` or `Unified`.
    public var type: String
    public var sizeBytes: Int
    /// How many logical CPUs share one instance of this cache.
    public var sharedByCPUs: Int

    public init(level: Int, type: String, sizeBytes: Int, sharedByCPUs: Int) {
        self.level = level
        self.type = type
        self.sizeBytes = sizeBytes
        self.sharedByCPUs = sharedByCPUs
    }

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

    public init(hostname: String, cpuModel: String, architecture: String, logicalCores: Int, features: [String],
                caches: [CacheLevel], memoryBytes: Int, maxClockMHz: Double? = nil, os: String, kernel: String,
                physicalCores: Int? = nil, cpuIdentity: CPUIdentity? = nil, hybridCores: HybridCores? = nil) {
        self.hostname = hostname
        self.cpuModel = cpuModel
        self.architecture = architecture
        self.logicalCores = logicalCores
        self.features = features
        self.caches = caches
        self.memoryBytes = memoryBytes
        self.maxClockMHz = maxClockMHz
        self.os = os
        self.kernel = kernel
        self.physicalCores = physicalCores
        self.cpuIdentity = cpuIdentity
        self.hybridCores = hybridCores
    }

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
}
