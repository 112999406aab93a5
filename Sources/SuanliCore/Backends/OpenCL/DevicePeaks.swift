import OpenCLKit

/// Theoretical peaks of an OpenCL device: compute units × clock × lanes × 2 (an FMA is two
/// operations). OpenCL does not report lanes per compute unit, so they come from what the
/// device is: NVIDIA's compute capability (via `cl_nv_device_attribute_query` is not loaded
/// here, so from the name), AMD GPUs 64 lanes per CU, CPU devices from the native vector width
/// with two FMA pipes per core. Clock: the reported maximum, with 30% headroom for CPU boost
/// clocks (an OpenCL CPU device reports the base clock).
enum DevicePeaks {
    static func gflops(_ info: DeviceInfo, precision: Precision) -> (value: Double, basis: String)? {
        guard info.computeUnits > 0, info.maxClockMHz > 0 else { return nil }
        let clockGHz = Double(info.maxClockMHz) / 1000
        let vendor = info.vendor.lowercased()
        let name = info.name.lowercased()
        switch info.type {
        case .gpu:
            guard let fp32Lanes = gpuFP32Lanes(vendor: vendor, name: name) else { return nil }
            let lanes: Double
            switch precision {
            case .fp32: lanes = fp32Lanes
            case .fp64: lanes = gpuFP64Lanes(vendor: vendor, name: name, fp32Lanes: fp32Lanes)
            case .fp16, .mixed: lanes = fp32Lanes * 2   // packed half2 arithmetic (no tensor cores via OpenCL)
            }
            let value = Double(info.computeUnits) * clockGHz * lanes * 2
            return (value, "\(info.computeUnits) CU × \(info.maxClockMHz) MHz × \(Int(lanes)) lanes × 2")
        case .cpu:
            let width = precision == .fp64 ? info.nativeVectorWidth.double : info.nativeVectorWidth.float
            guard width > 0 else { return nil }
            // 512-bit widths on CPUs with two 256-bit FMA pipes give the same product.
            let lanesPerCycle = Double(width) * 2
            let boost = 1.3
            let value = Double(info.computeUnits) * clockGHz * boost * lanesPerCycle * 2
            return (value, "\(info.computeUnits) cores × \(info.maxClockMHz) MHz × 1.3 boost headroom × \(width) lanes × 2 FMA pipes × 2")
        default:
            return nil
        }
    }

    static func gpuFP32Lanes(vendor: String, name: String) -> Double? {
        if vendor.contains("nvidia") {
            // FP32 lanes per SM: Volta/Ampere-A100/Hopper 64 FP32 + (Hopper doubles) …
            if name.contains("h100") || name.contains("h200") || name.contains("h800") || name.contains("gh200") { return 128 }
            if name.contains("a100") || name.contains("a800") || name.contains("a30") { return 64 }
            if name.contains("v100") { return 64 }
            if name.contains("b200") || name.contains("b100") { return 128 }
            return 128  // Ampere GA10x, Ada, Hopper, Blackwell consumer parts
        }
        if vendor.contains("advanced micro devices") || vendor.contains("amd") { return 64 }
        if vendor.contains("intel") { return 8 * 2 }
        return nil
    }

    static func gpuFP64Lanes(vendor: String, name: String, fp32Lanes: Double) -> Double {
        if vendor.contains("nvidia") {
            if name.contains("h100") || name.contains("h200") || name.contains("h800") || name.contains("b200") { return 64 }
            if name.contains("a100") || name.contains("a800") || name.contains("v100") { return 32 }
            return fp32Lanes / 64
        }
        return fp32Lanes / 2
    }
}
