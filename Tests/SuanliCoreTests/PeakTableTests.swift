import OpenCLKit
import Testing
@testable import SuanliCore

/// Peaks come from what a device says it is (architecture ids, unit counts), names only as a
/// last resort and as whole model tokens.
@Suite struct PeakTableTests {
    func gpu(_ vendor: String, _ name: String, units: Int, mhz: Int, memoryGB: Double = 80,
             _ attributes: VendorAttributes? = nil) -> ComputeDeviceFacts {
        ComputeDeviceFacts(type: .gpu, vendor: vendor, name: name, computeUnits: units, clockMHz: mhz,
                           memoryBytes: Int(memoryGB * 1e9), attributes: attributes)
    }
    func nv(_ major: Int, _ minor: Int) -> VendorAttributes {
        VendorAttributes(nvComputeCapabilityMajor: major, nvComputeCapabilityMinor: minor)
    }

    @Test func a100FromComputeCapability() throws {
        let a100 = gpu("NVIDIA Corporation", "NVIDIA A100-SXM4-80GB", units: 108, mhz: 1410, nv(8, 0))
        let fp32 = try #require(DevicePeaks.gflops(a100, precision: .fp32))
        #expect(abs(fp32.value - 19_491) < 1)           // 19.5 TF datasheet
        #expect(fp32.basis.contains("sm_80"))
        #expect(!fp32.basis.contains("by name"))
        #expect(abs(try #require(DevicePeaks.gflops(a100, precision: .fp64)).value - 9_746) < 1)
        // Mixed (fp16 in, fp32 arithmetic) runs at the fp32 rate, not twice it.
        #expect(try #require(DevicePeaks.gflops(a100, precision: .mixed)).value == fp32.value)
    }

    @Test func h100SXMFromComputeCapability() throws {
        let h100 = gpu("NVIDIA Corporation", "NVIDIA H100 80GB HBM3", units: 132, mhz: 1980, nv(9, 0))
        #expect(abs(try #require(DevicePeaks.gflops(h100, precision: .fp32)).value - 66_908) < 1)
        #expect(abs(try #require(DevicePeaks.gflops(h100, precision: .fp64)).value - 33_454) < 1)
        let bandwidth = try DevicePeaks.bandwidth(h100).get()
        #expect(bandwidth.value == 3350)
        let h200 = gpu("NVIDIA Corporation", "NVIDIA H200", units: 132, mhz: 1980, memoryGB: 141, nv(9, 0))
        #expect(try DevicePeaks.bandwidth(h200).get().value == 4800)
    }

    @Test func rtxA1000IsNotAnA100ByName() throws {
        // Without the attribute query, names match whole tokens only.
        let a1000 = gpu("NVIDIA Corporation", "NVIDIA RTX A1000 Laptop GPU", units: 20, mhz: 1500)
        let a100 = gpu("NVIDIA Corporation", "NVIDIA A100-PCIE-40GB", units: 108, mhz: 1410)
        let small = try #require(DevicePeaks.gflops(a1000, precision: .fp64))
        let big = try #require(DevicePeaks.gflops(a100, precision: .fp64))
        #expect(small.basis.contains("sm_86") && small.basis.contains("by name"))
        #expect(big.basis.contains("sm_80") && big.basis.contains("by name"))
        #expect(abs(small.value - 20 * 1.5 * 2 * 2) < 1e-9)      // GA10x: fp64 at 2 lanes per SM
        #expect(abs(big.value - 108 * 1.41 * 32 * 2) < 1e-6)
        #expect(DevicePeaks.gflops(gpu("NVIDIA Corporation", "NVIDIA Mystery X1", units: 10, mhz: 1000), precision: .fp32) == nil)
    }

    @Test func p100V100A30AndTitanVFP64() throws {
        let cases: [(String, Int, Int, Int, Int, Double)] = [
            ("Tesla P100-PCIE-16GB", 6, 0, 56, 1329, 4_763), ("Tesla V100-SXM2-32GB", 7, 0, 80, 1530, 7_834),
            ("NVIDIA A30", 8, 0, 56, 1440, 5_161), ("NVIDIA TITAN V", 7, 0, 80, 1455, 7_450),
        ]
        for (name, major, minor, sms, mhz, expected) in cases {
            let peak = try #require(DevicePeaks.gflops(gpu("NVIDIA Corporation", name, units: sms, mhz: mhz, nv(major, minor)), precision: .fp64))
            #expect(abs(peak.value - expected) / expected < 0.002, "\(name): \(peak.value)")
        }
    }

    @Test func amdCDNAPackedFP32AndFullRateFP64() throws {
        let mi300x = gpu("Advanced Micro Devices, Inc.", "gfx942:sramecc+:xnack-", units: 304, mhz: 2100, memoryGB: 192,
                         VendorAttributes(amdGfxIPMajor: 9, amdGfxIPMinor: 4, amdSIMDPerComputeUnit: 4, amdSIMDWidth: 16,
                                          amdBoardName: "AMD Instinct MI300X"))
        #expect(abs(try #require(DevicePeaks.gflops(mi300x, precision: .fp32)).value - 163_430) < 10)
        #expect(abs(try #require(DevicePeaks.gflops(mi300x, precision: .fp64)).value - 81_715) < 10)
        #expect(try DevicePeaks.bandwidth(mi300x).get().value == 5300)
        // ROCm in WGP mode reports an RX 6900 XT's 80 CUs as 40.
        let rdna2 = gpu("Advanced Micro Devices, Inc.", "gfx1030", units: 40, mhz: 2250,
                        VendorAttributes(amdGfxIPMajor: 10, amdGfxIPMinor: 3, amdSIMDPerComputeUnit: 2, amdSIMDWidth: 32))
        let rdna2Peak = try #require(DevicePeaks.gflops(rdna2, precision: .fp32))
        #expect(abs(rdna2Peak.value - 80 * 2.25 * 64 * 2) < 1e-6)
        #expect(abs(try #require(DevicePeaks.gflops(rdna2, precision: .fp64)).value - rdna2Peak.value / 16) < 1e-6)
    }

    @Test func unknownBandwidthSaysWhy() {
        let unknown = gpu("NVIDIA Corporation", "NVIDIA Something", units: 7, mhz: 1000, nv(8, 6))
        guard case .failure(let why) = DevicePeaks.bandwidth(unknown) else { Issue.record("expected no ceiling"); return }
        #expect(why.reason.hasPrefix("unknown"))
    }

    @Test func zen4CountsTwoHalvesAndPhysicalCores() throws {
        let zen4 = CPUIdentity(vendor: "AuthenticAMD", family: 0x19, model: 0x11)
        let units = try #require(CPUPeak.vectorUnits(zen4, features: ["avx2", "fma", "avx512f"]))
        #expect(units.flopsPerCycle(.fp32) == 32)
        #expect(units.flopsPerCycle(.fp64) == 16)
        let peak = CPUPeak.gflops(units, precision: .fp32, cores: 2, clock: CPUClockReading(mhz: 3650, source: "measured"))
        #expect(abs(peak.value - 233.6) < 1e-9)
        // Zen 3 (no AVX-512) and Zen 5 (full 512-bit) differ.
        #expect(try #require(CPUPeak.vectorUnits(CPUIdentity(vendor: "AuthenticAMD", family: 0x1A, model: 0x44),
                                                 features: ["avx512f"])).flopsPerCycle(.fp32) == 64)
        #expect(CPUPeak.vectorUnits(CPUIdentity(vendor: "AuthenticAMD", family: 0x10), features: []) == nil)
    }

    @Test func smtSiblingsDoNotDoubleThePeak() throws {
        var host = HostInfo.current()
        host.cpuIdentity = CPUIdentity(vendor: "GenuineIntel", family: 6, model: 0x55)
        host.features = ["avx2", "fma", "avx512f"]
        host.logicalCores = 8
        host.physicalCores = 4
        let all = try #require(CPUPeak.host(host, precision: .fp32))
        let half = try #require(CPUPeak.host(host, precision: .fp32, threads: 4))
        #expect(all.basis.hasPrefix("4 physical cores"))
        #expect(abs(half.value * 2 - all.value) < 1e-6)
    }

    @Test func procCpuinfoIdentityAndCores() {
        let text = """
        processor\t: 0
        vendor_id\t: AuthenticAMD
        cpu family\t: 25
        model\t\t: 17
        physical id\t: 0
        core id\t\t: 0

        processor\t: 1
        vendor_id\t: AuthenticAMD
        cpu family\t: 25
        model\t\t: 17
        physical id\t: 0
        core id\t\t: 0
        """
        #expect(CPUIdentity(procCpuinfo: text) == CPUIdentity(vendor: "AuthenticAMD", family: 25, model: 17))
        #expect(HostInfo.physicalCores(fromProcCpuinfo: text) == 1)
    }

    @Test func measuredClockIsPlausible() throws {
        #if arch(x86_64) || arch(arm64)
        let mhz = try #require(CPUClockMeter.measure(trials: 20))
        #expect(mhz > 300 && mhz < 7000)
        #endif
    }
}

/// A timing the host clock contradicts is not a figure.
@Suite struct SuspectTimingTests {
    @Test func hostClockGapGivesSuspect() {
        var m = Measurement(device: "x", suite: .stream, kernel: "triad", precision: .fp32, size: ["n": 1], unit: .gbps)
        // Ten 2 ms runs by the events, 3 ms each on the host clock: a 50% gap in every run.
        let samples = SampleSet(seconds: Array(repeating: 0.002, count: 10), batchHostSeconds: 0.030,
                                hostSeconds: Array(repeating: 0.003, count: 10))
        m.record(samples, workPerRun: 1e6, verification: .passed, peak: nil)
        #expect(m.status == .suspect)
        #expect(m.status.countsAsFailure)
        #expect(m.reason?.contains("host clock") == true)
    }

    @Test func agreeingClocksStayOK() {
        var m = Measurement(device: "x", suite: .stream, kernel: "triad", precision: .fp32, size: ["n": 1], unit: .gbps)
        // Two runs the scheduler delayed do not make the batch suspect.
        let host = [0.0021, 0.0021, 0.009, 0.0021, 0.0021, 0.0021, 0.012, 0.0021, 0.0021, 0.0021]
        let samples = SampleSet(seconds: Array(repeating: 0.002, count: 10), batchHostSeconds: host.reduce(0, +),
                                hostSeconds: host)
        m.record(samples, workPerRun: 1e6, verification: .passed, peak: nil)
        #expect(m.status == .ok)
    }
}
