import OpenCLKit
import Testing
@testable import SuanliCore

/// Which kernel runs each precision, decided from what a device is (devices this machine does
/// not have are described by their capabilities).
@Suite struct EngineSelectionTests {
    static let h100 = EngineCapabilities(vendor: .nvidia, type: .gpu, nvidiaSM: 90, extensions: ["cl_nv_device_attribute_query"])
    static let a100 = EngineCapabilities(vendor: .nvidia, type: .gpu, nvidiaSM: 80)
    static let t4 = EngineCapabilities(vendor: .nvidia, type: .gpu, nvidiaSM: 75, extensions: ["cl_khr_integer_dot_product"])
    static let mi300x = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx942")
    static let mi250x = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx90a")
    static let mi355x = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx950")
    static let rx7900 = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx1100")
    static let arcA770 = EngineCapabilities(vendor: .intel, type: .gpu,
                                            extensions: ["cl_intel_subgroup_matrix_multiply_accumulate", "cl_khr_integer_dot_product"],
                                            subGroupSizes: [8, 16, 32], openCLCMajor: 3)
    static let max1550 = EngineCapabilities(vendor: .intel, type: .gpu, extensions: ["cl_intel_subgroup_matrix_multiply_accumulate"],
                                            subGroupSizes: [16, 32], openCLCMajor: 3)
    static let intelCPU = EngineCapabilities(vendor: .intel, type: .cpu,
                                             extensions: ["cl_intel_bfloat16", "cl_khr_integer_dot_product", "cl_khr_fp16"],
                                             subGroupSizes: [4, 8, 16, 32, 64], openCLCMajor: 3)
    static let pocl = EngineCapabilities(vendor: .other, type: .cpu, extensions: ["cl_khr_fp64"], openCLCMajor: 3)

    func kernel(_ choice: EngineChoice) -> EngineKernel? {
        if case .kernel(let k) = choice { return k }
        return nil
    }

    func reason(_ choice: EngineChoice) -> String? {
        if case .unsupported(let r) = choice { return r }
        return nil
    }

    @Test func hopperRunsEveryTypeOnTensorCores() throws {
        let expected: [Precision: String] = [.mixed: "TC_F16", .fp16: "TC_F16ACC", .bf16: "TC_BF16", .tf32: "TC_TF32",
                                             .int8: "TC_S8", .fp8: "TC_E4M3"]
        for (precision, define) in expected {
            for choice in [EngineSelection.gemm(precision, on: Self.h100), EngineSelection.peak(precision, on: Self.h100)] {
                let k = try #require(kernel(choice), "\(precision)")
                #expect(k.engine == .tensor && k.family == .nvidiaMMA && k.typeDefine == define)
            }
        }
        #expect(EngineSelection.gemm(.fp32, on: Self.h100) == .classic)
        #expect(EngineSelection.gemm(.fp64, on: Self.h100) == .classic)
        #expect(kernel(EngineSelection.gemm(.fp8, on: Self.h100))?.fp8 == .ocp)
        #expect(kernel(EngineSelection.gemm(.fp16, on: Self.h100))?.accumulator == "fp16")
    }

    @Test func ampereHasNoFP8AndTuringFallsBack() throws {
        #expect(kernel(EngineSelection.gemm(.bf16, on: Self.a100))?.engine == .tensor)
        #expect(reason(EngineSelection.gemm(.fp8, on: Self.a100))?.contains("sm_89") == true)
        // Turing: no bf16 mma in this kernel family; mixed falls back to the CUDA cores;
        // int8 to dp4a through cl_khr_integer_dot_product.
        #expect(EngineSelection.gemm(.mixed, on: Self.t4) == .classic)
        #expect(reason(EngineSelection.gemm(.bf16, on: Self.t4)) != nil)
        let int8 = try #require(kernel(EngineSelection.gemm(.int8, on: Self.t4)))
        #expect(int8.engine == .vector && int8.family == .packedVector)
        #expect(reason(EngineSelection.gemm(.tf32, on: Self.t4)) != nil)
    }

    @Test func amdMatrixCoresByArchitecture() throws {
        for precision in [Precision.mixed, .fp16, .bf16, .int8, .tf32, .fp8] {
            let k = try #require(kernel(EngineSelection.gemm(precision, on: Self.mi300x)), "\(precision)")
            #expect(k.engine == .matrix && k.family == .amdMFMA)
        }
        #expect(kernel(EngineSelection.gemm(.fp8, on: Self.mi300x))?.fp8 == .fnuz)
        #expect(kernel(EngineSelection.gemm(.int8, on: Self.mi300x))?.instructionK == 32)
        #expect(kernel(EngineSelection.gemm(.int8, on: Self.mi250x))?.instructionK == 16)
        #expect(reason(EngineSelection.gemm(.fp8, on: Self.mi250x)) != nil)
        #expect(reason(EngineSelection.gemm(.tf32, on: Self.mi250x)) != nil)
        #expect(kernel(EngineSelection.gemm(.fp8, on: Self.mi355x))?.fp8 == .ocp)
        #expect(reason(EngineSelection.gemm(.tf32, on: Self.mi355x)) != nil)
        // RDNA3: wave32 WMMA for fp16, bf16 and int8; no tf32 or fp8.
        for precision in [Precision.mixed, .fp16, .bf16, .int8] {
            let k = try #require(kernel(EngineSelection.gemm(precision, on: Self.rx7900)), "\(precision)")
            #expect(k.family == .amdWMMA && k.engine == .matrix && k.instructionK == 16)
        }
        #expect(reason(EngineSelection.gemm(.tf32, on: Self.rx7900)) != nil)
        #expect(reason(EngineSelection.gemm(.fp8, on: Self.rx7900)) != nil)
        // An older Radeon: no matrix cores, half precision on the vector units, bf16 skipped.
        let rdna2 = EngineCapabilities(vendor: .amd, type: .gpu, amdGfx: "gfx1030")
        #expect(EngineSelection.gemm(.mixed, on: rdna2) == .classic)
        #expect(reason(EngineSelection.gemm(.bf16, on: rdna2)) != nil)
    }

    @Test func intelXMXAtTheSmallestSubGroupSize() throws {
        let arc = try #require(kernel(EngineSelection.gemm(.bf16, on: Self.arcA770)))
        #expect(arc.engine == .matrix && arc.family == .intelDPAS && arc.subGroupSize == 8 && arc.options.contains("-DSG=8"))
        let pvc = try #require(kernel(EngineSelection.gemm(.int8, on: Self.max1550)))
        #expect(pvc.subGroupSize == 16 && pvc.instructionK == 32)
        #expect(reason(EngineSelection.gemm(.tf32, on: Self.max1550)) != nil)
        #expect(reason(EngineSelection.gemm(.fp8, on: Self.arcA770)) != nil)
    }

    @Test func cpuRuntimesByExtension() throws {
        for choice in [EngineSelection.gemm(.bf16, on: Self.intelCPU), EngineSelection.peak(.bf16, on: Self.intelCPU),
                       EngineSelection.gemm(.int8, on: Self.intelCPU), EngineSelection.peak(.int8, on: Self.intelCPU)] {
            let k = try #require(kernel(choice))
            #expect(k.engine == .vector && k.family == .packedVector && k.options == ["-cl-std=CL3.0"])
        }
        #expect(EngineSelection.gemm(.mixed, on: Self.intelCPU) == .classic)
        for precision in [Precision.bf16, .int8, .tf32, .fp8] {
            #expect(reason(EngineSelection.gemm(precision, on: Self.pocl)) != nil, "\(precision)")
            #expect(reason(EngineSelection.peak(precision, on: Self.pocl)) != nil, "\(precision)")
        }
        // bf16 conversions alone run the GEMM; the peak needs bf16 arithmetic.
        let conversions = EngineCapabilities(vendor: .intel, type: .gpu, extensions: ["cl_intel_bfloat16_conversions"])
        #expect(kernel(EngineSelection.gemm(.bf16, on: conversions)) != nil)
        #expect(reason(EngineSelection.peak(.bf16, on: conversions))?.contains("arithmetic") == true)
    }

    /// Pascal to Turing have int8 dot products; when the driver lacks cl_khr_integer_dot_product
    /// the skip reason says the kernel is missing, not the capability.
    @Test func int8SkipOnPascalToTuringBlamesSuanliNotTheDevice() throws {
        for sm in [61, 70, 75] {
            let device = EngineCapabilities(vendor: .nvidia, type: .gpu, nvidiaSM: sm, extensions: ["cl_nv_device_attribute_query"])
            let why = try #require(reason(EngineSelection.gemm(.int8, on: device)))
            #expect(why.hasPrefix("Suanli has no int8 kernel"), "\(why)")
            #expect(!why.contains("no int8 support"))
        }
        let other = EngineCapabilities(vendor: .other, type: .cpu)
        #expect(reason(EngineSelection.gemm(.int8, on: other))?.contains("no int8 support") == true)
    }

    @Test func amdArchitectureFromNameOrAttributes() {
        #expect(EngineCapabilities.amdArchitecture(name: "gfx942:sramecc+:xnack-", attributes: nil) == "gfx942")
        #expect(EngineCapabilities.amdArchitecture(name: "gfx90a", attributes: nil) == "gfx90a")
        // CL_DEVICE_GFXIP_MINOR_AMD is the ISA minor digit (ROCm: 0 for gfx90a, 4 for gfx942); it
        // cannot name the target, and read as "gfx9" + minor it made an MI300X a "gfx904".
        let cdna2 = VendorAttributes(amdGfxIPMajor: 9, amdGfxIPMinor: 0, amdBoardName: "AMD Instinct MI250X")
        #expect(EngineCapabilities.amdArchitecture(name: "gfx90a:sramecc+:xnack-", attributes: cdna2) == "gfx90a")
        let cdna3 = VendorAttributes(amdGfxIPMajor: 9, amdGfxIPMinor: 4, amdBoardName: "AMD Instinct MI300X")
        #expect(EngineCapabilities.amdArchitecture(name: "gfx942:sramecc+:xnack-", attributes: cdna3) == "gfx942")
        #expect(EngineCapabilities.amdArchitecture(name: "Aqua Vanjaram", attributes: cdna3) == nil)
        #expect(EngineCapabilities.amdArchitecture(name: "Radeon", attributes: nil) == nil)
    }

    @Test func peakWordsPackPlusAndMinusOne() throws {
        func words(_ precision: Precision, _ device: EngineCapabilities) throws -> (UInt32, UInt32) {
            let w = try #require(kernel(EngineSelection.peak(precision, on: device))).peakWords()
            return (w.one, w.minusOne)
        }
        #expect(try words(.bf16, Self.h100) == (0x3F80_3F80, 0xBF80_BF80))
        #expect(try words(.mixed, Self.h100) == (0x3C00_3C00, 0xBC00_BC00))
        #expect(try words(.tf32, Self.h100) == (0x3F80_0000, 0xBF80_0000))
        #expect(try words(.int8, Self.h100) == (0x0101_0101, 0xFFFF_FFFF))
        #expect(try words(.fp8, Self.h100) == (0x3838_3838, 0xB8B8_B8B8))       // OCP e4m3: bias 7
        #expect(try words(.fp8, Self.mi300x) == (0x4040_4040, 0xC0C0_C0C0))     // FNUZ e4m3: bias 8
    }

    @Test func fp8EncodingsRoundTrip() {
        for encoding in [FP8Encoding.ocp, .fnuz] {
            for value in randomValues(count: 500, precision: .fp8, seed: 9) + [0.015625, -0.5, 1, 0.25] {
                let bits = PackedElements.e4m3(Float(value), encoding: encoding)
                #expect(PackedElements.e4m3Value(bits, encoding: encoding) == value, "\(encoding) \(value)")
            }
        }
        #expect(PackedElements.e4m3(448, encoding: .ocp) == 0x7E)   // OCP's largest finite value
    }

    /// The ceilings reproduce the datasheet peaks at the datasheet clock.
    @Test func enginePeaksMatchDatasheets() throws {
        func peak(_ precision: Precision, _ device: EngineCapabilities, units: Int, mhz: Int, vendor: String) throws -> Double {
            let k = try #require(kernel(EngineSelection.gemm(precision, on: device)))
            let facts = ComputeDeviceFacts(type: .gpu, vendor: vendor, name: device.amdGfx ?? "", computeUnits: units, clockMHz: mhz,
                                           memoryBytes: 80 << 30, attributes: nil)
            return try #require(EnginePeaks.gflops(facts, kernel: k, capabilities: device)).value / 1000
        }
        #expect(abs(try peak(.bf16, Self.h100, units: 132, mhz: 1830, vendor: "NVIDIA Corporation") - 989.4) < 1)
        #expect(abs(try peak(.fp8, Self.h100, units: 132, mhz: 1830, vendor: "NVIDIA Corporation") - 1978.9) < 2)
        #expect(abs(try peak(.tf32, Self.a100, units: 108, mhz: 1410, vendor: "NVIDIA Corporation") - 156) < 1)
        #expect(abs(try peak(.bf16, Self.mi300x, units: 304, mhz: 2100, vendor: "Advanced Micro Devices, Inc.") - 1307.4) < 1)
        #expect(abs(try peak(.int8, Self.mi300x, units: 304, mhz: 2100, vendor: "Advanced Micro Devices, Inc.") - 2614.9) < 1)
        // ROCm reports the 7900 XTX's 48 WGPs (96 CUs) at 2304 MHz; the specification's 2500 MHz boost is used.
        #expect(abs(try peak(.bf16, Self.rx7900, units: 48, mhz: 2304, vendor: "Advanced Micro Devices, Inc.") - 122.8) < 0.2)
    }
}
