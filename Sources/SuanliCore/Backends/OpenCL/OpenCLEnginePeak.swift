import OpenCLKit

/// The peak of a tensor, matrix or packed-vector engine: independent chains of the engine's
/// instruction (`peak_mma_nv.cl`, `peak_mfma_amd.cl`, `peak_dpas_intel.cl`, `peak_packed.cl`),
/// each returning exactly to its start value, so every work-item's output has a closed form.
final class OpenCLEnginePeakRunner: PeakRunner {
    let backend: OpenCLBackend
    let kernel: EngineKernel
    let widths = [1]
    let chains = 8
    let items: Int
    let local: Int
    let output: Buffer
    let clKernel: Kernel
    let targetSeconds: Double
    private var iterations: Int?
    let parameters: [String: String]

    init(backend: OpenCLBackend, kernel: EngineKernel, quick: Bool) throws {
        self.backend = backend
        self.kernel = kernel
        local = kernel.peakLocalSize
        let emulated = backend.emulation != nil && kernel.family.emulationDefine != nil
        let perUnit = emulated ? 1 : (backend.info.type == .gpu ? 2048 : 64)
        let wanted = max(1, backend.info.computeUnits) * perUnit
        items = (wanted + local - 1) / local * local
        targetSeconds = quick || emulated ? 0.005 : 0.03
        let program = try backend.engineProgram(kernel.family.peakFile, kernel: kernel, options: "-DNCHAINS=\(chains)")
        clKernel = try program.kernel(named: kernel.family.peakKernel)
        output = try backend.buffer(bytes: items * 4)
        var parameters = ["engine": kernel.engine.rawValue, "kernel": kernel.family.peakFile, "element_type": kernel.typeDefine,
                          "accumulator": kernel.accumulator, "NCHAINS": "\(chains)", "work_items": "\(items)",
                          "local": "\(local)"]
        if kernel.subGroupSize > 0 { parameters["sub_group_size"] = String(kernel.subGroupSize) }
        if emulated { parameters["emulated"] = "1" }
        self.parameters = parameters
    }

    func kernelName(width: Int) -> String {
        switch kernel.family {
        case .nvidiaMMA: "mma"
        case .amdMFMA: "mfma"
        case .amdWMMA: "wmma"
        case .intelDPAS: "dpas"
        case .packedVector: kernel.precision == .int8 ? "dot4" : "fma-bf16"
        }
    }

    private func launch(iterations: Int) throws -> Double {
        try clKernel.setArgument(0, output)
        try clKernel.setArgument(1, Int32(iterations))
        if kernel.family == .packedVector {
            try clKernel.setArgument(2, Float(-1))
            try clKernel.setArgument(3, Float(1))
        } else {
            let words = kernel.peakWords()
            try clKernel.setArgument(2, words.one)
            try clKernel.setArgument(3, words.minusOne)
        }
        return try backend.timed(clKernel, global: [items], local: [local])
    }

    func run(width: Int) throws -> (seconds: Double, flops: Double) {
        if iterations == nil {
            // Grow the loop until one launch takes long enough to dwarf launch overhead.
            var count = 1
            while count < 1 << 22 {
                let seconds = try launch(iterations: count)
                if seconds >= targetSeconds { break }
                count *= seconds > 0 ? max(2, min(16, Int(targetSeconds / seconds) + 1)) : 16
            }
            iterations = count
            try backend.write(output, HostArray.poison(count: items, .fp32))
        }
        let count = iterations!
        let seconds = try launch(iterations: count)
        // 8 instructions (or vector steps) per chain and iteration.
        let operations = Double(items) * Double(count) * 8 * Double(chains) * kernel.peakOperationsPerItemAndStep
        return (seconds, operations)
    }

    func verify(width: Int) throws -> VerificationResult {
        let values = HostArray.values(try backend.read(output, count: items * 4), .fp32)
        let perChain = Double(kernel.peakValuesPerChain)
        for g in 0..<items {
            let expected = perChain * Double(chains * (g % 64) + chains * (chains - 1) / 2)
            if values[g] != expected {
                return .failed("\(kernelName(width: width)) \(kernel.precision.rawValue): out[\(g)] = \(values[g]), expected \(expected)"
                    + (values[g].isNaN ? " (the poisoned value survived: not written)" : ""))
            }
        }
        return .passed
    }
}
