/// CPU SIMD features, read from the kernel's view of CPUID (`/proc/cpuinfo` flags on Linux).
public struct CPUFeatureSet: Sendable, Equatable {
    public let flags: Set<String>
    public init(flags: Set<String>) { self.flags = flags }

    /// Parses the first `flags` (x86) or `Features` (arm64) line of /proc/cpuinfo.
    public static func parse(procCpuinfo text: String) -> CPUFeatureSet {
        for line in text.split(separator: "\n") where line.hasPrefix("flags") || line.hasPrefix("Features") {
            if let colon = line.firstIndex(of: ":") {
                return CPUFeatureSet(flags: Set(line[line.index(after: colon)...].split(separator: " ").map(String.init)))
            }
        }
        return CPUFeatureSet(flags: [])
    }

    public var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }

    /// The SIMD-related subset, in a fixed order.
    public var simdFeatures: [String] {
        let known = ["sse2", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
                     "avx512_bf16", "avx512_fp16", "amx_tile", "asimd", "fphp", "asimdhp", "sve", "sve2"]
        var found = known.filter { flags.contains($0) }
        if flags.contains("asimd") { found.insert("neon", at: 0) }
        return found
    }
}
