import OpenCLKit

/// FMA peak kernels (`Kernels/peak.cl`) at widths 1…16.
final class OpenCLPeakRunner: PeakRunner {
    let backend: OpenCLBackend
    let precision: Precision
    let widths = [1, 2, 4, 8, 16]
    let chains = 8
    let items: Int
    let output: Buffer
    private var kernels: [Int: Kernel] = [:]
    private var iterations: [Int: Int] = [:]
    let targetSeconds: Double
    var parameters: [String: String] { ["NCHAINS": "\(chains)", "work_items": "\(items)"] }

    init(backend: OpenCLBackend, precision: Precision, quick: Bool) throws {
        self.backend = backend
        self.precision = precision
        let gpu = backend.info.type == .gpu
        items = backend.info.computeUnits * (gpu ? 2048 : 64)
        targetSeconds = quick ? 0.005 : 0.03
        let real = switch precision {
        case .fp32, .mixed: "-DREAL=float"
        case .fp64: "-DREAL=double -DUSE_FP64"
        case .fp16: "-DREAL=half -DUSE_FP16"
        case .bf16, .int8, .tf32, .fp8: throw BenchmarkError("peak.cl has no \(precision.rawValue) kernel (the engine kernels run it)")
        }
        let program = try backend.program("peak.cl", options: real + " -DNCHAINS=\(chains)")
        for width in widths { kernels[width] = try program.kernel(named: "peak_fma_\(width)") }
        output = try backend.buffer(bytes: items * 4)
    }

    private func launch(width: Int, iterations: Int) throws -> Double {
        let kernel = kernels[width]!
        try kernel.setArgument(0, output)
        try kernel.setArgument(1, Int32(iterations))
        try kernel.setArgument(2, Float(-1))
        try kernel.setArgument(3, Float(1))
        return try backend.timed(kernel, global: [items], local: nil)
    }

    func run(width: Int) throws -> (seconds: Double, flops: Double) {
        if iterations[width] == nil {
            // Grow the loop until one launch takes long enough to dwarf launch overhead.
            var count = 16
            while count < 1 << 22 {
                let seconds = try launch(width: width, iterations: count)
                if seconds >= targetSeconds { break }
                count *= seconds > 0 ? max(2, min(16, Int(targetSeconds / seconds) + 1)) : 16
            }
            iterations[width] = count
            try backend.write(output, HostArray.poison(count: items, .fp32))
        }
        let count = iterations[width]!
        let seconds = try launch(width: width, iterations: count)
        let flops = Double(items) * Double(count) * 8 * Double(chains) * Double(width) * 2
        return (seconds, flops)
    }

    func verify(width: Int) throws -> VerificationResult {
        let values = HostArray.values(try backend.read(output, count: items * 4), .fp32)
        for g in 0..<items {
            let expected = Double(width) * Double(chains * (g % 64) + chains * (chains - 1) / 2)
            if values[g] != expected {
                return .failed("peak width \(width): out[\(g)] = \(values[g]), expected \(expected)")
            }
        }
        return .passed
    }
}
