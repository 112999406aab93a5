import Testing
import CPUKernelsPortable
@testable import SuanliCore

@Suite struct CPUBackendTests {
    let host = HostInfo.current()
    let policy = SamplingPolicy(warmupRuns: 1, minSamples: 3, maxSamples: 5, minSeconds: 0, maxSeconds: 2)

    @Test func dispatcherPicksPortableWithoutAVX2() {
        let noAVX2 = CPUFeatureSet.parse(procCpuinfo: "flags\t\t: fpu sse sse2 sse4_1 sse4_2 avx\n")
        #expect(CPUKernelVariant.select(for: noAVX2) == .portable)
        #if arch(x86_64)
        let haswell = CPUFeatureSet.parse(procCpuinfo: "flags\t\t: fpu sse sse2 avx avx2 fma\n")
        #expect(CPUKernelVariant.select(for: haswell) == .avx2FMA)
        #endif
    }

    /// Replayed /proc/cpuinfo flag lines: AVX-512 needs F, BW, DQ and VL (and AVX2+FMA).
    @Test func dispatcherPicksAVX512OnlyWithAllFourSubsets() {
        let skx = CPUFeatureSet.parse(procCpuinfo: "processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n")
        let knl = CPUFeatureSet.parse(procCpuinfo: "flags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512cd avx512er avx512pf\n")
        let noVL = CPUFeatureSet.parse(procCpuinfo: "flags\t\t: avx avx2 fma avx512f avx512dq avx512bw\n")
        let noFMA = CPUFeatureSet.parse(procCpuinfo: "flags\t\t: avx avx2 avx512f avx512dq avx512bw avx512vl\n")
        #if arch(x86_64)
        #expect(CPUKernelVariant.select(for: skx) == .avx512)
        #expect(CPUKernelVariant.select(for: knl) == .avx2FMA)
        #expect(CPUKernelVariant.select(for: noVL) == .avx2FMA)
        #expect(CPUKernelVariant.select(for: noFMA) == .portable)
        #expect(CPUKernelVariant.avx512.runs(on: skx) && !CPUKernelVariant.avx512.runs(on: noVL))
        #expect(CPUKernelVariant.avx2FMA.runs(on: skx) && !CPUKernelVariant.avx2FMA.runs(on: noFMA))
        #else
        #expect(CPUKernelVariant.select(for: skx) == .portable)
        #endif
        #expect(CPUKernelVariant.avx512.moduleVariantName == "avx512")
        #expect(CPUKernelVariant.avx512.peakFMALanes == 16 && CPUKernelVariant.avx2FMA.peakFMALanes == 8)
    }

    /// The variants this CPU can run (another would trap on an illegal instruction): the test
    /// cases name each one that ran; `variantsThisCPUCannotRunAreSkipped` covers the others.
    static let runnableVariants = CPUKernelVariant.allCases.filter { $0.runs(on: CPUFeatureSet.current()) }

    @Test(arguments: runnableVariants, [Precision.fp32, .fp64])
    func gemmVerifiesOnOddShapes(_ variant: CPUKernelVariant, _ precision: Precision) throws {
        let backend = CPUBackend(host: host, variant: variant)
        for shape in [GEMMShape(m: 1, n: 1, k: 1), GEMMShape(m: 7, n: 65, k: 63), GEMMShape(m: 100, n: 3, k: 17)] {
            let m = Suites.gemm(backend, precision: precision, shape: shape, policy: policy, retune: false)
            #expect(m.status == .ok, "\(variant) \(precision) \(shape): \(m.reason ?? "")")
            #expect(m.verified)
            #expect(m.parameters?["variant"] == variant.rawValue)
        }
    }

    @Test(arguments: runnableVariants)
    func streamAndPeakVerify(_ variant: CPUKernelVariant) {
        let backend = CPUBackend(host: host, variant: variant)
        let stream = Suites.stream(backend, precision: .fp32, length: 100_003, policy: policy)
        #expect(stream.count == 5)
        #expect(stream.allSatisfy { $0.status == .ok && $0.verified }, "\(stream.map { $0.reason ?? "" })")
        let peak = Suites.peak(backend, precision: .fp32, policy: policy, quick: true)
        #expect(peak.contains { $0.kernel == "fma-best" && $0.status != .failed })
    }

    /// A replayed host: identity, flags and core counts as /proc/cpuinfo would give them.
    func replayedHost(_ identity: CPUIdentity, features: [String], logical: Int, physical: Int,
                      hybrid: HybridCores? = nil) -> HostInfo {
        var h = HostInfo.current()
        h.cpuIdentity = identity
        h.features = features
        h.logicalCores = logical
        h.physicalCores = physical
        h.hybridCores = hybrid
        return h
    }

    @Test func statedPeakFollowsTheKernelVariantOnIntelAVX512() throws {
        let skx = replayedHost(CPUIdentity(vendor: "GenuineIntel", family: 6, model: 0x55),
                               features: ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"],
                               logical: 8, physical: 4)
        let wide = try #require(CPUBackend(host: skx, variant: .avx512).peakGFLOPS(.fp32))
        let narrow = try #require(CPUBackend(host: skx, variant: .avx2FMA).peakGFLOPS(.fp32))
        let sse = try #require(CPUBackend(host: skx, variant: .portable).peakGFLOPS(.fp32))
        let hardware = try #require(CPUPeak.host(skx, precision: .fp32))
        let mhz = try #require(CPUClockReading.best(host: skx)).mhz
        // 4 cores × 2 units × 16 lanes × 2 at the clock; the AVX2 kernel reaches half, SSE a quarter.
        #expect(abs(wide.value - 4 * mhz / 1000 * 64) < 1e-6)
        #expect(abs(hardware.value - wide.value) < 1e-9)
        #if arch(x86_64)
        #expect(abs(narrow.value * 2 - wide.value) < 1e-6)
        #expect(abs(sse.value * 4 - wide.value) < 1e-6)
        #expect(narrow.basis.contains("avx2-fma") && narrow.basis.contains("256"))
        #endif
        #expect(wide.basis.contains("avx512"))
        #expect(!hardware.basis.contains("kernel"))
    }

    @Test func zen4StatesTheSamePeakForAVX2AndAVX512() throws {
        let zen4 = replayedHost(CPUIdentity(vendor: "AuthenticAMD", family: 0x19, model: 0x11),
                                features: ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"],
                                logical: 4, physical: 2)
        let wide = try #require(CPUBackend(host: zen4, variant: .avx512).peakGFLOPS(.fp32))
        let narrow = try #require(CPUBackend(host: zen4, variant: .avx2FMA).peakGFLOPS(.fp32))
        let mhz = try #require(CPUClockReading.best(host: zen4)).mhz
        #expect(abs(wide.value - narrow.value) < 1e-9)
        #expect(abs(wide.value - 2 * mhz / 1000 * 32) < 1e-6)
        // Zen 5 desktop has full 512-bit pipes: an AVX2 kernel reaches half.
        let zen5 = replayedHost(CPUIdentity(vendor: "AuthenticAMD", family: 0x1A, model: 0x44),
                                features: ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"],
                                logical: 4, physical: 2)
        let z5wide = try #require(CPUBackend(host: zen5, variant: .avx512).peakGFLOPS(.fp32))
        let z5narrow = try #require(CPUBackend(host: zen5, variant: .avx2FMA).peakGFLOPS(.fp32))
        #if arch(x86_64)
        #expect(abs(z5narrow.value * 2 - z5wide.value) < 1e-6)
        #endif
    }

    /// Replayed sysfs lists of an Alder Lake-like part: 2 P-cores with SMT (CPUs 0-3) and 4 E-cores (4-7).
    @Test func hybridPartsCountEfficiencyCoresAtTheirOwnWidth() throws {
        var cpuinfo = ""
        for (cpu, core) in [(0, 0), (1, 0), (2, 4), (3, 4), (4, 8), (5, 9), (6, 10), (7, 11)] {
            cpuinfo += "processor\t: \(cpu)\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 151\n"
                + "physical id\t: 0\ncore id\t\t: \(core)\nflags\t\t: avx avx2 fma\n\n"
        }
        let hybrid = try #require(HybridCores(procCpuinfo: cpuinfo, performanceCPUs: "0-3\n", efficiencyCPUs: "4-7\n"))
        #expect(hybrid == HybridCores(performanceCores: 2, efficiencyCores: 4))
        #expect(HybridCores(procCpuinfo: cpuinfo, performanceCPUs: "0-3", efficiencyCPUs: nil) == nil)
        #expect(HybridCores(procCpuinfo: cpuinfo, performanceCPUs: "0-3", efficiencyCPUs: "x-7") == nil)
        #expect(HybridCores(procCpuinfo: cpuinfo, performanceCPUs: "0,2", efficiencyCPUs: "4,6-7")
                == HybridCores(performanceCores: 2, efficiencyCores: 3))
        let identity = try #require(CPUIdentity(procCpuinfo: cpuinfo))
        let host = replayedHost(identity, features: HostInfo.simdFeatures(CPUFeatureSet.parse(procCpuinfo: cpuinfo)),
                                logical: 8, physical: 6, hybrid: hybrid)
        // No AVX-512 on a hybrid part: the AVX2 kernel is chosen.
        #expect(CPUKernelVariant.select(for: CPUFeatureSet.parse(procCpuinfo: cpuinfo)) != .avx512)
        let peak = try #require(CPUBackend(host: host, variant: .avx2FMA).peakGFLOPS(.fp32))
        let mhz = try #require(CPUClockReading.best(host: host)).mhz
        // 2 P-cores × 32 + 4 Gracemont E-cores × 16 fp32 FLOP/cycle (not 6 × 32).
        #expect(abs(peak.value - mhz / 1000 * (2 * 32 + 4 * 16)) < 1e-6)
        #expect(peak.basis.contains("2 P-cores") && peak.basis.contains("4 E-cores"))
        // Half the threads: half of each core type.
        let half = try #require(CPUBackend(host: host, variant: .avx2FMA, threads: 4).peakGFLOPS(.fp32))
        #expect(abs(half.value * 2 - peak.value) < 1e-6)
        // Skymont E-cores (Arrow Lake, model 0xC6) have 4 × 128-bit FMA.
        #expect(CPUPeak.efficiencyCoreUnits(CPUIdentity(vendor: "GenuineIntel", family: 6, model: 0xC6)).flopsPerCycle(.fp32) == 32)
    }

    /// A variant this CPU cannot run is skipped with a reason, never run into an illegal instruction.
    @Test(arguments: CPUKernelVariant.allCases)
    func variantsThisCPUCannotRunAreSkipped(_ variant: CPUKernelVariant) {
        let backend = CPUBackend(host: host, variant: variant)
        let m = Suites.gemm(backend, precision: .fp32, shape: GEMMShape(m: 5, n: 33, k: 7), policy: policy, retune: false)
        if variant.runs(on: CPUFeatureSet.current()) {
            #expect(m.status == .ok && m.verified)
        } else {
            #expect(m.status == .skipped)
            #expect(m.reason?.contains(variant.rawValue) == true)
        }
    }

    @Test func halfPrecisionIsSkippedWithAReason() {
        let backend = CPUBackend(host: host)
        let m = Suites.gemm(backend, precision: .fp16, shape: GEMMShape(square: 8), policy: policy, retune: false)
        #expect(m.status == .skipped)
        #expect(m.reason?.isEmpty == false)
    }

    @Test func streamLengthCoversFourTimesTheLastLevelCache() {
        let backend = CPUBackend(host: host)
        let length = backend.defaultStreamLength(.fp32, quick: false)
        #expect(length * 4 >= 4 * host.lastLevelCacheBytes)
    }
}
