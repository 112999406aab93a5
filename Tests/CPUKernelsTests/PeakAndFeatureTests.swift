import CPUKernelsAVX2
import CPUKernelsPortable
import Testing

// MARK: - peakFMA

func peak(_ v: Variant, threads: Int, iterations: Int) -> (flops: Double, checksum: Float) {
    switch v {
    case .portable: CPUKernelsPortable.CPUKernels.peakFMA(threads: threads, iterations: iterations)
    case .avx2: CPUKernelsAVX2.CPUKernels.peakFMA(threads: threads, iterations: iterations)
    }
}

/// Independent scalar re-computation of the probe: chain x <- x * m + c with the
/// variant's rounding (one fused rounding, or multiply then add).
func expectedPeakChecksum(fused: Bool, threads: Int, iterations: Int) -> Float {
    let m: Float = 0.999, c: Float = 0.001
    var total = 0.0
    for t in 0..<threads {
        var s = 0.0
        for chain in 0..<12 {
            for lane in 0..<8 {
                var x = Float(1 + t * 97 + chain * 8 + lane) * 0.125
                for _ in 0..<iterations { x = fused ? c.addingProduct(x, m) : c + x * m }
                s += Double(x)
            }
        }
        total += s
    }
    return Float(total)
}

@Test("peakFMA checksum and flop count", arguments: Variant.runnable, [1, 2, 3])
func peakFMAChecksum(variant: Variant, threads: Int) {
    #expect(CPUKernelsPortable.CPUKernels.peakFMAMultiplier == 0.999)
    #expect(CPUKernelsAVX2.CPUKernels.peakFMAAddend == 0.001)
    for iterations in [0, 1, 7, 1000] {
        let r = peak(variant, threads: threads, iterations: iterations)
        #expect(r.flops == Double(threads * iterations * 12 * 8 * 2))
        let expected = expectedPeakChecksum(fused: variant.fused, threads: threads, iterations: iterations)
        #expect(r.checksum == expected, "\(variant) threads=\(threads) iterations=\(iterations)")
    }
    // Long run: every chain converges to c / (1 - m) = 1, so the checksum is ~96 per worker.
    let long = peak(variant, threads: threads, iterations: 200_000)
    #expect(abs(long.checksum - Float(96 * threads)) < 0.01 * Float(threads))
}

@Test("variant names")
func variantNames() {
    #expect(CPUKernelsPortable.CPUKernels.variant == "portable")
    #expect(CPUKernelsAVX2.CPUKernels.variant == "avx2-fma")
    #expect(CPUKernelsAVX2.CPUKernels.usesFusedMultiplyAdd)
    #if arch(x86_64)
    #expect(!CPUKernelsPortable.CPUKernels.usesFusedMultiplyAdd)
    #endif
}

// MARK: - CPU features

let zen4Cpuinfo = """
processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model name\t: AMD EPYC
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sse sse2 ht syscall nx pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c hypervisor bmi1 avx2 smep bmi2 avx512f avx512dq avx512cd avx512bw avx512vl
bugs\t\t: sysret_ss_attrs
bogomips\t: 5192.26

processor\t: 1
flags\t\t: fpu sse sse2
"""

let sandyBridgeCpuinfo = """
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) CPU E5-2670 0 @ 2.60GHz
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse sse2 ss ht syscall nx lm pni pclmulqdq ssse3 cx16 sse4_1 sse4_2 popcnt aes xsave avx
"""

let nehalemCpuinfo = """
processor\t: 0
flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 popcnt
"""

let graviton3Cpuinfo = """
processor\t: 0
BogoMIPS\t: 2100.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng
CPU implementer\t: 0x41
"""

let oldArmCpuinfo = """
processor\t: 0
Features\t: fp asimd evtstrm crc32 cpuid
"""

@Test("cpuinfo parsing: x86-64 with AVX2+FMA+AVX-512")
func parseZen4() {
    let f = CPUFeatureSet.parse(procCpuinfo: zen4Cpuinfo)
    #expect(f.hasSSE42 && f.hasAVX && f.hasAVX2FMA && f.hasAVX512F)
    #expect(f.flags.contains("avx512vl"))
    #expect(!f.flags.contains("sysret_ss_attrs"))      // the bugs line is not a flags line
    #expect(!f.hasNEON && !f.hasSVE)
    #expect(f.summary == "sse4.2 avx avx2 fma avx512f")
}

@Test("cpuinfo parsing: AVX without AVX2/FMA, and SSE4.2 only")
func parseOlderX86() {
    let snb = CPUFeatureSet.parse(procCpuinfo: sandyBridgeCpuinfo)
    #expect(snb.hasSSE42 && snb.hasAVX)
    #expect(!snb.hasAVX2FMA && !snb.hasAVX512F)
    let nhm = CPUFeatureSet.parse(procCpuinfo: nehalemCpuinfo)
    #expect(nhm.hasSSE42 && !nhm.hasAVX && !nhm.hasAVX2FMA)
    // FMA alone (no avx2) is not enough.
    let fmaOnly = CPUFeatureSet.parse(procCpuinfo: "flags : sse4_2 avx fma")
    #expect(!fmaOnly.hasAVX2FMA)
    let avx2Only = CPUFeatureSet.parse(procCpuinfo: "flags : sse4_2 avx avx2")
    #expect(!avx2Only.hasAVX2FMA)
}

@Test("cpuinfo parsing: arm64 NEON and SVE")
func parseArm() {
    let g3 = CPUFeatureSet.parse(procCpuinfo: graviton3Cpuinfo)
    #expect(g3.hasNEON && g3.hasSVE && !g3.hasAVX2FMA)
    let old = CPUFeatureSet.parse(procCpuinfo: oldArmCpuinfo)
    #expect(old.hasNEON && !old.hasSVE)
}

@Test("cpuinfo parsing: empty or garbage text")
func parseEmpty() {
    #expect(CPUFeatureSet.parse(procCpuinfo: "").flags.isEmpty)
    #expect(CPUFeatureSet.parse(procCpuinfo: "no colon here\nflagsavx2 fma").flags.isEmpty)
}

@Test("current() on this machine is consistent with the architecture")
func currentFeatures() {
    let f = CPUFeatureSet.current()
    #if arch(x86_64)
    #expect(f.hasSSE42 || f.flags.contains("sse2"))   // any x86-64 Linux box reports sse2
    #elseif arch(arm64)
    #expect(f.hasNEON)
    #endif
}
