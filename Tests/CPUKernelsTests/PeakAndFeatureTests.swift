import CPUKernelsAVX2
import CPUKernelsAVX512
import CPUKernelsPortable
import Testing

// MARK: - peakFMA

func peak(_ v: Variant, threads: Int, iterations: Int, repeats: Int, m: Float = 1, c: Float = 1) -> (flops: Double, checksum: Double) {
    switch v {
    case .portable: CPUKernelsPortable.CPUKernels.peakFMA(threads: threads, iterations: iterations, repeats: repeats, multiplier: m, addend: c)
    case .avx2: CPUKernelsAVX2.CPUKernels.peakFMA(threads: threads, iterations: iterations, repeats: repeats, multiplier: m, addend: c)
    case .avx512: CPUKernelsAVX512.CPUKernels.peakFMA(threads: threads, iterations: iterations, repeats: repeats, multiplier: m, addend: c)
    }
}

/// Independent scalar re-computation of the probe: every lane of every round, x <- x * m + c.
func recomputedPeakChecksum(threads: Int, iterations: Int, repeats: Int, m: Float, c: Float, lanes: Int = 8) -> Double {
    var total = 0.0
    for _ in 0..<threads {
        for round in 0..<repeats {
            for chain in 0..<12 {
                for lane in 0..<lanes {
                    var x = Float(1 + chain * lanes + lane) + Float(round)
                    for _ in 0..<iterations { x = c.addingProduct(x, m) }
                    total += Double(x)
                }
            }
        }
    }
    return total
}

@Test("peakFMA checksum has its closed form and depends on every step", arguments: Variant.runnable, [1, 2, 3])
func peakFMAChecksum(variant: Variant, threads: Int) {
    for (iterations, repeats) in [(0, 1), (1, 1), (7, 3), (1000, 2), (4096, 1)] {
        let r = peak(variant, threads: threads, iterations: iterations, repeats: repeats)
        let lanes = variant.peakLanes
        #expect(r.flops == Double(threads * repeats * iterations * 12 * lanes * 2))
        let closed = variant.peakExpected(threads: threads, iterations: iterations, repeats: repeats)
        #expect(r.checksum == closed, "\(variant) threads=\(threads) \(repeats) x \(iterations)")
        #expect(closed == recomputedPeakChecksum(threads: threads, iterations: iterations, repeats: repeats, m: 1, c: 1, lanes: lanes))
        // One step or one round fewer is visible.
        if iterations > 0 {
            #expect(closed != variant.peakExpected(threads: threads, iterations: iterations - 1, repeats: repeats))
        }
        #expect(closed != variant.peakExpected(threads: threads, iterations: iterations, repeats: repeats + 1))
    }
    // Other coefficients give the scalar recurrence's checksum (the kernel does not assume m = c = 1).
    let other = peak(variant, threads: threads, iterations: 50, repeats: 2, m: 0.5, c: 0.25)
    #expect(other.checksum == recomputedPeakChecksum(threads: threads, iterations: 50, repeats: 2, m: 0.5, c: 0.25,
                                                     lanes: variant.peakLanes))
}

@Test("peakFMA stays exact at its largest round")
func peakFMAExactAtTheLimit() {
    // The largest lane value after the longest round must be an exactly representable integer.
    // The widest build's layout (16 lanes per chain) starts its lanes highest.
    let largest = Float(1 + 11 * 16 + 15)
        + Float(CPUKernelsPortable.CPUKernels.peakFMAMaxRepeats - 1) + Float(CPUKernelsPortable.CPUKernels.peakFMAMaxIterations)
    #expect(largest < 16_777_216)
    #expect(largest + 1 != largest)
}

// MARK: - roofline

@Test("roofline adds b exactly at every step", arguments: Variant.runnable, [1, 2, 8, 512])
func rooflineSteps(variant: Variant, steps: Int) {
    let count = 1000
    var rng = SplitMix64(seed: UInt64(steps))
    let input = (0..<count).map { _ in 1 + Float(rng.next() >> 42) * 0x1p-23 }
    var output = [Float](repeating: .nan, count: count)
    var b: Float = 0.5
    while Float(steps) * b > 0.5 { b /= 2 }
    input.withUnsafeBufferPointer { i in
        output.withUnsafeMutableBufferPointer { o in
            switch variant {
            case .portable: CPUKernelsPortable.CPUKernels.roofline(input: i.baseAddress!, output: o.baseAddress!, count: count,
                                                                    iterations: steps, a: 1, b: b, threads: 2)
            case .avx2: CPUKernelsAVX2.CPUKernels.roofline(input: i.baseAddress!, output: o.baseAddress!, count: count,
                                                            iterations: steps, a: 1, b: b, threads: 2)
            case .avx512: CPUKernelsAVX512.CPUKernels.roofline(input: i.baseAddress!, output: o.baseAddress!, count: count,
                                                            iterations: steps, a: 1, b: b, threads: 2)
            }
        }
    }
    for i in 0..<count { #expect(output[i] == input[i] + Float(steps) * b, "element \(i)") }
}

@Test("variant names")
func variantNames() {
    #expect(CPUKernelsPortable.CPUKernels.variant == "portable")
    #expect(CPUKernelsAVX2.CPUKernels.variant == "avx2-fma")
    #expect(CPUKernelsAVX2.CPUKernels.usesFusedMultiplyAdd)
    // The closed forms of the 8-lane builds agree.
    #expect(CPUKernelsPortable.CPUKernels.peakFMAExpected(threads: 2, iterations: 9, repeats: 3)
        == CPUKernelsAVX2.CPUKernels.peakFMAExpected(threads: 2, iterations: 9, repeats: 3))
    #expect(CPUKernelsAVX2.CPUKernels.peakFMALanes == 8)
    // Code of the AVX-512 module may hold AVX-512 instructions: only called where they run.
    if Variant.runnable.contains(.avx512) {
        #expect(CPUKernelsAVX512.CPUKernels.variant == "avx512")
        #expect(CPUKernelsAVX512.CPUKernels.usesFusedMultiplyAdd)
        #expect(CPUKernelsAVX512.CPUKernels.peakFMALanes == 16)
        #expect(CPUKernelsAVX512.CPUKernels.peakFMAExpected(threads: 1, iterations: 9, repeats: 3)
            == recomputedPeakChecksum(threads: 1, iterations: 9, repeats: 3, m: 1, c: 1, lanes: 16))
    }
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
