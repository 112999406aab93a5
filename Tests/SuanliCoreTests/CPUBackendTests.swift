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

    @Test(arguments: CPUKernelVariant.allCases, [Precision.fp32, .fp64])
    func gemmVerifiesOnOddShapes(_ variant: CPUKernelVariant, _ precision: Precision) throws {
        #if arch(x86_64)
        if variant == .avx2FMA && !CPUFeatureSet.current().hasAVX2FMA { return }
        #endif
        let backend = CPUBackend(host: host, variant: variant)
        for shape in [GEMMShape(m: 1, n: 1, k: 1), GEMMShape(m: 7, n: 65, k: 63), GEMMShape(m: 100, n: 3, k: 17)] {
            let m = Suites.gemm(backend, precision: precision, shape: shape, policy: policy, retune: false)
            #expect(m.status == .ok, "\(variant) \(precision) \(shape): \(m.reason ?? "")")
            #expect(m.verified)
            #expect(m.parameters?["variant"] == variant.rawValue)
        }
    }

    @Test(arguments: CPUKernelVariant.allCases)
    func streamAndPeakVerify(_ variant: CPUKernelVariant) {
        #if arch(x86_64)
        if variant == .avx2FMA && !CPUFeatureSet.current().hasAVX2FMA { return }
        #endif
        let backend = CPUBackend(host: host, variant: variant)
        let stream = Suites.stream(backend, precision: .fp32, length: 100_003, policy: policy)
        #expect(stream.count == 5)
        #expect(stream.allSatisfy { $0.status == .ok && $0.verified }, "\(stream.map { $0.reason ?? "" })")
        let peak = Suites.peak(backend, precision: .fp32, policy: policy, quick: true)
        #expect(peak.contains { $0.kernel == "fma-best" && $0.status != .failed })
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
