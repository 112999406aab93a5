import SuanliSchema
import OpenCLKit

/// What choosing a GEMM or peak kernel needs to know about an OpenCL device, as plain values
/// (tests build them to check the choice for devices this machine does not have).
public struct EngineCapabilities: Sendable, Equatable {
    public enum Vendor: String, Sendable { case nvidia, amd, intel, other }
    public var vendor: Vendor
    public var type: DeviceType
    /// NVIDIA compute capability as major·10 + minor (80 for sm_80), from
    /// `cl_nv_device_attribute_query`.
    public var nvidiaSM: Int?
    /// AMD architecture name such as `gfx942`: ROCm's device name, or the gfx IP attributes.
    public var amdGfx: String?
    public var extensions: Set<String>
    /// Sub-group sizes the device supports (`CL_DEVICE_SUB_GROUP_SIZES_INTEL`).
    public var subGroupSizes: [Int]
    /// OpenCL C major version the compiler accepts (2 or 3 unlock `dot` on char4).
    public var openCLCMajor: Int

    public init(vendor: Vendor, type: DeviceType, nvidiaSM: Int? = nil, amdGfx: String? = nil,
                extensions: Set<String> = [], subGroupSizes: [Int] = [], openCLCMajor: Int = 1) {
        self.vendor = vendor
        self.type = type
        self.nvidiaSM = nvidiaSM
        self.amdGfx = amdGfx
        self.extensions = extensions
        self.subGroupSizes = subGroupSizes
        self.openCLCMajor = openCLCMajor
    }

    public init(_ info: DeviceInfo) {
        let facts = ComputeDeviceFacts(info)
        let vendor: Vendor = facts.isNVIDIA ? .nvidia : facts.isAMD ? .amd : facts.isIntel ? .intel : .other
        var sm: Int?
        if let major = info.vendorAttributes?.nvComputeCapabilityMajor, let minor = info.vendorAttributes?.nvComputeCapabilityMinor {
            sm = major * 10 + minor
        }
        let gfx = vendor == .amd ? Self.amdArchitecture(name: info.name, attributes: info.vendorAttributes) : nil
        // "OpenCL 3.0 …" (the device's version bounds the OpenCL C it compiles).
        let version = info.deviceVersion.split(separator: " ").dropFirst().first.flatMap { Int($0.prefix(while: \.isNumber)) } ?? 1
        self.init(vendor: vendor, type: info.type, nvidiaSM: sm, amdGfx: gfx, extensions: Set(info.extensions),
                  subGroupSizes: info.vendorAttributes?.intelSubGroupSizes ?? [], openCLCMajor: version)
    }

    /// The gfx target (`gfx90a`) from the ISA name AMD's drivers give as the device name
    /// (`gfx90a:sramecc+:xnack-`). The gfx IP attributes cannot replace it: the minor attribute is
    /// the ISA's minor digit (0 for gfx908 and gfx90a alike, 4 for gfx942), not 10 or 42.
    static func amdArchitecture(name: String, attributes: VendorAttributes?) -> String? {
        amdTarget(fromName: name)
    }

    /// `gfx942` from "gfx942:sramecc+:xnack-" (or "gfx942"); nil for other names.
    static func amdTarget(fromName name: String) -> String? {
        let head = name.lowercased().split(separator: ":").first.map { String($0).filter { !$0.isWhitespace } } ?? ""
        guard head.hasPrefix("gfx"), head.count >= 6, head.dropFirst(3).allSatisfy({ $0.isHexDigit }) else { return nil }
        return head
    }

    var hasIntegerDotProduct: Bool { extensions.contains("cl_khr_integer_dot_product") }
    /// bf16 conversions or arithmetic in the vector units (Intel's extensions).
    var hasBF16Conversions: Bool {
        extensions.contains("cl_intel_bfloat16_conversions") || extensions.contains("cl_intel_bfloat16")
    }
    /// The `__bf16` arithmetic type (Intel's `cl_intel_bfloat16`).
    var hasBF16Arithmetic: Bool { extensions.contains("cl_intel_bfloat16") }
    var hasDPAS: Bool { extensions.contains("cl_intel_subgroup_matrix_multiply_accumulate") }
}

/// How fp8 e4m3 values are encoded: OCP's e4m3fn (exponent bias 7; NVIDIA, AMD gfx950) or
/// AMD's e4m3fnuz (bias 8, no negative zero; gfx940–gfx942).
public enum FP8Encoding: String, Sendable, Codable {
    case ocp, fnuz
}

/// The kernel families that take packed inputs with B stored N × K (Kernels/README.md).
public enum EngineKernelFamily: String, Sendable, CaseIterable {
    /// NVIDIA tensor cores: `gemm_mma_nv.cl`, `peak_mma_nv.cl`.
    case nvidiaMMA = "mma"
    /// AMD CDNA matrix cores: `gemm_mfma_amd.cl`, `peak_mfma_amd.cl`.
    case amdMFMA = "mfma"
    /// AMD RDNA3 matrix cores (wave32 WMMA): `gemm_wmma_amd.cl`, `peak_wmma_amd.cl`.
    case amdWMMA = "wmma"
    /// Intel XMX: `gemm_dpas_intel.cl`, `peak_dpas_intel.cl`.
    case intelDPAS = "dpas"
    /// Vector units with bf16 or int8 support: `gemm_packed.cl`, `peak_packed.cl`.
    case packedVector = "packed"

    public var gemmFile: String {
        switch self {
        case .nvidiaMMA: "gemm_mma_nv.cl"
        case .amdMFMA: "gemm_mfma_amd.cl"
        case .amdWMMA: "gemm_wmma_amd.cl"
        case .intelDPAS: "gemm_dpas_intel.cl"
        case .packedVector: "gemm_packed.cl"
        }
    }

    public var peakFile: String {
        switch self {
        case .nvidiaMMA: "peak_mma_nv.cl"
        case .amdMFMA: "peak_mfma_amd.cl"
        case .amdWMMA: "peak_wmma_amd.cl"
        case .intelDPAS: "peak_dpas_intel.cl"
        case .packedVector: "peak_packed.cl"
        }
    }

    public var gemmKernel: String { "gemm_" + rawValue }
    public var peakKernel: String { "peak_" + rawValue }

    /// The define that switches on a test's emulation of the family's instructions.
    var emulationDefine: String? {
        switch self {
        case .nvidiaMMA: "SUANLI_EMULATE_TC"
        case .amdMFMA: "SUANLI_EMULATE_MFMA"
        case .amdWMMA: "SUANLI_EMULATE_WMMA"
        case .intelDPAS: "SUANLI_EMULATE_DPAS"
        case .packedVector: nil
        }
    }
}

/// One engine kernel for one precision on one device.
public struct EngineKernel: Sendable, Equatable {
    public var family: EngineKernelFamily
    public var engine: ComputeEngine
    public var precision: Precision
    /// The element-type define (`TC_BF16`, `MF_I8`, …).
    public var typeDefine: String
    /// Further build options (`-DSG=16`, `-cl-std=CL3.0`).
    public var options: [String]
    /// fp8 encoding of the inputs; nil for other types.
    public var fp8: FP8Encoding?
    /// The accumulator type, for the record (`fp32`, `fp16`, `int32`).
    public var accumulator: String
    /// Sub-group size of Intel DPAS (8 or 16); 0 otherwise.
    public var subGroupSize: Int = 0
    /// Elements of K one instruction consumes (fp16/bf16 16, tf32 8, int8/fp8 32; gfx90a int8 16).
    public var instructionK: Int

    public var buildOptions: String { (["-D" + typeDefine] + options).joined(separator: " ") }

    /// Packed elements per 32-bit word.
    public var elementsPerWord: Int { 4 / precision.elementBytes }

    /// Operations per work-item for one instruction of the peak kernel: a warp's mma
    /// (2·16·8·K over 32 lanes), a wavefront's 16×16 MFMA (2·16·16·K over 64 lanes), a wave32's
    /// WMMA (2·16·16·K over 32 lanes) and a sub-group's DPAS (2·8·SG·K over SG lanes); for the
    /// vector kernels one step: 2 (bf16 multiply and add) or 8 (int8 4-element dot with accumulate).
    public var peakOperationsPerItemAndStep: Double {
        switch family {
        case .nvidiaMMA, .amdMFMA: Double(8 * instructionK)
        case .amdWMMA, .intelDPAS: Double(16 * instructionK)
        case .packedVector: precision == .int8 ? 8 : 2
        }
    }

    /// Accumulator elements each work-item holds per chain in the peak kernel: its closed form
    /// is this × (NCHAINS·(gid % 64) + NCHAINS·(NCHAINS − 1)/2).
    public var peakValuesPerChain: Int {
        switch family {
        case .nvidiaMMA, .amdMFMA: 4
        case .amdWMMA, .intelDPAS: 8
        case .packedVector: 1
        }
    }

    /// Work-group size of the peak kernel (a multiple of the warp, wavefront or sub-group).
    public var peakLocalSize: Int {
        switch family {
        case .nvidiaMMA, .amdMFMA, .amdWMMA: 256
        case .intelDPAS: 8 * subGroupSize
        case .packedVector: 64
        }
    }

    /// How the accumulator rounds, for the acceptance test (``AccumulatorRounding``).
    public var rounding: AccumulatorRounding { engine == .vector ? .nearest : .directed }

    /// The 32-bit word the peak kernels take as "+1" (`one`) and "−1" (`minus_one`): every
    /// element of the word set to that value in the input type.
    public func peakWords() -> (one: UInt32, minusOne: UInt32) {
        let format = precision.traits.input
        let one = format.bits(1, fp8: fp8 ?? .ocp), minus = format.bits(-1, fp8: fp8 ?? .ocp)
        var a: UInt32 = 0, b: UInt32 = 0
        let width = UInt32(precision.elementBytes * 8)
        for e in 0..<UInt32(elementsPerWord) {
            a |= one << (e * width)
            b |= minus << (e * width)
        }
        return (a, b)
    }
}

/// What runs a precision on a device.
public enum EngineChoice: Sendable, Equatable {
    /// `gemm.cl` / `peak.cl` on the vector units (fp32, fp64, and fp16/mixed without a matrix engine).
    case classic
    /// A tensor, matrix or packed-vector kernel.
    case kernel(EngineKernel)
    /// The device lacks the type: skipped with this reason.
    case unsupported(String)

    public var engine: ComputeEngine? {
        switch self {
        case .classic: .vector
        case .kernel(let k): k.engine
        case .unsupported: nil
        }
    }
}

/// Chooses the kernel for a precision from what the device is: tensor cores (NVIDIA sm_80+,
/// fp8 from sm_89), matrix cores (AMD gfx908/gfx90a/gfx940+ MFMA, RDNA3 gfx11 WMMA), XMX (Intel GPUs with
/// `cl_intel_subgroup_matrix_multiply_accumulate`), vector units with bf16 or int8 support, or
/// the classic kernels. A device that has none of them for a type skips it, with the reason.
public enum EngineSelection {
    public static func gemm(_ precision: Precision, on device: EngineCapabilities) -> EngineChoice {
        choose(precision, on: device, peak: false)
    }

    public static func peak(_ precision: Precision, on device: EngineCapabilities) -> EngineChoice {
        choose(precision, on: device, peak: true)
    }

    static func choose(_ precision: Precision, on device: EngineCapabilities, peak: Bool) -> EngineChoice {
        if precision == .fp32 || precision == .fp64 { return .classic }
        if let kernel = nvidia(precision, device) ?? amd(precision, device) ?? intel(precision, device) {
            return .kernel(kernel)
        }
        switch precision {
        case .fp16, .mixed:
            return .classic
        case .bf16:
            if peak {
                guard device.hasBF16Arithmetic else {
                    return .unsupported("no bf16 arithmetic: no tensor or matrix engine for bf16 and no __bf16 type (cl_intel_bfloat16)")
                }
            } else if !device.hasBF16Conversions {
                return .unsupported("no bf16 support: no tensor or matrix engine for bf16 and no bf16 extension (cl_intel_bfloat16_conversions, cl_intel_bfloat16)")
            }
            return .kernel(packed(.bf16, device))
        case .int8:
            guard device.hasIntegerDotProduct else {
                if device.vendor == .nvidia, let sm = device.nvidiaSM, (61..<80).contains(sm) {
                    // Pascal (sm_61+), Volta and Turing have int8 dot products (dp4a; Turing also
                    // int8 mma): the gap is Suanli's, not the device's.
                    return .unsupported("Suanli has no int8 kernel for sm_\(sm): the device has int8 dot products (dp4a"
                        + (sm >= 75 ? ", int8 mma" : "") + "), but Suanli's tensor-core int8 kernel needs sm_80+ and its dp4a path "
                        + "needs cl_khr_integer_dot_product, which this driver does not advertise")
                }
                return .unsupported("no int8 support: no tensor or matrix engine for int8 and no cl_khr_integer_dot_product")
            }
            return .kernel(packed(.int8, device))
        case .tf32:
            return .unsupported("tf32 is a tensor/matrix-engine format and this device has none Suanli drives for it "
                + "(NVIDIA sm_80+, AMD gfx940–gfx942)")
        case .fp8:
            return .unsupported("fp8 (e4m3) needs a tensor/matrix engine with fp8: NVIDIA sm_89+ or AMD gfx940+")
        case .fp32, .fp64:
            return .classic
        }
    }

    static func packed(_ precision: Precision, _ device: EngineCapabilities) -> EngineKernel {
        // OpenCL C 2.0+ declares dot() on char4 (cl_khr_integer_dot_product).
        let std = device.openCLCMajor >= 3 ? ["-cl-std=CL3.0"] : device.openCLCMajor == 2 ? ["-cl-std=CL2.0"] : []
        return EngineKernel(family: .packedVector, engine: .vector, precision: precision,
                            typeDefine: precision == .int8 ? "PK_I8" : "PK_BF16", options: std, fp8: nil,
                            accumulator: precision == .int8 ? "int32" : "fp32",
                            instructionK: precision == .int8 ? 4 : 2)
    }

    static func nvidia(_ precision: Precision, _ device: EngineCapabilities) -> EngineKernel? {
        guard device.vendor == .nvidia, let sm = device.nvidiaSM, sm >= 80 else { return nil }
        func mma(_ define: String, _ k: Int, acc: String = "fp32", fp8: FP8Encoding? = nil) -> EngineKernel {
            EngineKernel(family: .nvidiaMMA, engine: .tensor, precision: precision, typeDefine: define, options: [],
                         fp8: fp8, accumulator: acc, instructionK: k)
        }
        switch precision {
        case .mixed: return mma("TC_F16", 16)
        case .fp16: return mma("TC_F16ACC", 16, acc: "fp16")
        case .bf16: return mma("TC_BF16", 16)
        case .tf32: return mma("TC_TF32", 8)
        case .int8: return mma("TC_S8", 32, acc: "int32")
        case .fp8: return sm >= 89 ? mma("TC_E4M3", 32, fp8: .ocp) : nil
        case .fp32, .fp64: return nil
        }
    }

    static func amd(_ precision: Precision, _ device: EngineCapabilities) -> EngineKernel? {
        guard device.vendor == .amd, let gfx = device.amdGfx else { return nil }
        let cdna1 = gfx == "gfx908", cdna2 = gfx == "gfx90a"
        let cdna3 = ["gfx940", "gfx941", "gfx942"].contains(gfx), cdna4 = gfx == "gfx950"
        if gfx.hasPrefix("gfx11") {
            // RDNA3: wave32 WMMA, 16×16×16, fp16/bf16/int8.
            func wmma(_ define: String, acc: String = "fp32") -> EngineKernel {
                EngineKernel(family: .amdWMMA, engine: .matrix, precision: precision, typeDefine: define, options: [],
                             fp8: nil, accumulator: acc, instructionK: 16)
            }
            switch precision {
            case .mixed, .fp16: return wmma("WM_F16")
            case .bf16: return wmma("WM_BF16")
            case .int8: return wmma("WM_I8", acc: "int32")
            case .tf32, .fp8, .fp32, .fp64: return nil
            }
        }
        guard cdna1 || cdna2 || cdna3 || cdna4 else { return nil }
        func mfma(_ define: String, _ k: Int, acc: String = "fp32", fp8: FP8Encoding? = nil) -> EngineKernel {
            EngineKernel(family: .amdMFMA, engine: .matrix, precision: precision, typeDefine: define, options: [],
                         fp8: fp8, accumulator: acc, instructionK: k)
        }
        switch precision {
        case .mixed, .fp16: return mfma("MF_F16", 16)   // MFMA accumulates fp16 products in fp32
        case .bf16: return cdna1 ? nil : mfma("MF_BF16", 16)
        case .int8: return mfma("MF_I8", cdna3 || cdna4 ? 32 : 16, acc: "int32")
        case .tf32: return cdna3 ? mfma("MF_XF32", 8) : nil
        case .fp8: return cdna3 ? mfma("MF_FP8", 32, fp8: .fnuz) : cdna4 ? mfma("MF_FP8", 32, fp8: .ocp) : nil
        case .fp32, .fp64: return nil
        }
    }

    static func intel(_ precision: Precision, _ device: EngineCapabilities) -> EngineKernel? {
        guard device.hasDPAS, device.type == .gpu else { return nil }
        // DPAS runs at the device's smallest sub-group size: 8 (Xe-HPG) or 16 (Xe-HPC, Xe2).
        let sg = device.subGroupSizes.min() == 16 ? 16 : 8
        func dpas(_ define: String, _ k: Int, acc: String = "fp32") -> EngineKernel {
            EngineKernel(family: .intelDPAS, engine: .matrix, precision: precision, typeDefine: define,
                         options: ["-DSG=\(sg)", "-cl-std=CL3.0"], fp8: nil, accumulator: acc, subGroupSize: sg,
                         instructionK: k)
        }
        switch precision {
        case .mixed, .fp16: return dpas("DP_F16", 16)
        case .bf16: return dpas("DP_BF16", 16)
        case .int8: return dpas("DP_I8", 32, acc: "int32")
        case .tf32, .fp8, .fp32, .fp64: return nil
        }
    }
}

/// Element bit patterns of the packed input types.
enum PackedElements {
    /// fp8 e4m3 bits of `x`, which must be representable (4 significant bits, at most 240 in
    /// magnitude); OCP and FNUZ differ in the exponent bias (7 or 8).
    static func e4m3(_ x: Float, encoding: FP8Encoding) -> UInt8 {
        if x == 0 { return 0 }
        let bias = encoding == .ocp ? 7 : 8
        let sign: UInt8 = x < 0 ? 0x80 : 0
        let magnitude = abs(x)
        var exponent = Int(magnitude.exponent) + bias
        var mantissa: Int
        if exponent >= 1 {
            mantissa = Int((magnitude.significand - 1) * 8)
        } else {
            // Subnormal: magnitude = m · 2^(1 − bias − 3).
            mantissa = Int(magnitude * Float(sign: .plus, exponent: bias + 2, significand: 1))
            exponent = 0
        }
        return sign | UInt8(exponent << 3) | UInt8(mantissa & 7)
    }

    /// The value of fp8 e4m3 bits.
    static func e4m3Value(_ b: UInt8, encoding: FP8Encoding) -> Double {
        let bias = encoding == .ocp ? 7 : 8
        let exponent = Int((b >> 3) & 0xF), mantissa = Double(b & 7)
        // NaN: S.1111.111 in OCP's encoding; FNUZ's one NaN takes negative zero's bits.
        if encoding == .ocp ? b & 0x7F == 0x7F : b == 0x80 { return .nan }
        let magnitude = exponent == 0 ? mantissa / 8 * pow2(1 - bias) : (1 + mantissa / 8) * pow2(exponent - bias)
        return b & 0x80 != 0 ? -magnitude : magnitude
    }

    static func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }
}
