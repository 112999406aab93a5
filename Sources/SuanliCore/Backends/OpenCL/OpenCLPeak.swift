import SuanliSchema
import OpenCLKit

/// FMA peak kernels (`Kernels/peak.cl`) at widths 1…16, each with the chain count
/// (4, 8 or 16 independent chains per work-item) that runs fastest on the device.
///
/// The kernels add exactly 1 per FMA (a = b = 1) to small integers, and write per work-item
/// the sum of their chains as a uint: a closed form in the iteration count that every FMA
/// contributes to. The output of the last timed run is checked element by element.
final class OpenCLPeakRunner: PeakRunner {
    let backend: OpenCLBackend
    let precision: Precision
    let widths = [1, 2, 4, 8, 16]
    static let chainCounts = [4, 8, 16]
    let targetSeconds: Double
    /// Largest value a lane may reach: integers are exact below 2^11 in half, 2^24 in float.
    let valueLimit: Int
    private(set) var items: Int
    private var output: Buffer
    /// Per width: the chosen chain count, its kernel and its iteration count.
    private var plans: [Int: (chains: Int, kernel: Kernel, iterations: Int)] = [:]
    private var kernels: [Int: [Int: Kernel]] = [:]
    private var lastWidth: Int?
    /// Test hook: the kernel is launched with this many fewer iterations than counted (a planted fault).
    var iterationsDropped = 0
    private(set) var parameters: [String: String] = [:]

    init(backend: OpenCLBackend, precision: Precision, quick: Bool) throws {
        self.backend = backend
        self.precision = precision
        let gpu = backend.info.type == .gpu
        items = max(1, backend.info.computeUnits) * (gpu ? 2048 : 64)
        targetSeconds = quick ? 0.005 : 0.03
        valueLimit = precision == .fp16 ? 1 << 11 : 1 << 24
        guard let real = OpenCLBackend.vectorPeakDefines(precision) else {
            throw BenchmarkError("peak.cl has no \(precision.rawValue) kernel (the engine kernels run it)")
        }
        for chains in Self.chainCounts {
            let program = try backend.program("peak.cl", options: real + " -DNCHAINS=\(chains)")
            for width in widths { kernels[chains, default: [:]][width] = try program.kernel(named: "peak_fma_\(width)") }
        }
        output = try backend.buffer(bytes: items * 4)
        for width in widths { try plan(width: width) }
        parameters = ["work_items": "\(items)", "a": "1", "b": "1"]
        for width in widths {
            parameters["NCHAINS_w\(width)"] = "\(plans[width]!.chains)"
            parameters["iterations_w\(width)"] = "\(plans[width]!.iterations)"
        }
    }

    /// Most iterations a chain count allows: every lane stays below `valueLimit`.
    func maxIterations(chains: Int) -> Int { max(1, (valueLimit - 64 - chains) / 8) }

    /// The closed form of out[g] after `iterations` (mod 2^32).
    func expected(_ g: Int, width: Int, chains: Int, iterations: Int) -> UInt32 {
        let perChain = chains * (g % 64) + chains * (chains - 1) / 2 + chains * 8 * iterations
        return UInt32(truncatingIfNeeded: width * perChain)
    }

    private func launch(_ kernel: Kernel, iterations: Int) throws -> Double {
        try kernel.setArguments(.buffer(output), .int(max(0, iterations - iterationsDropped)), .value(Float(1)), .value(Float(1)))
        return try backend.timed(kernel, global: [items], local: nil)
    }

    /// Grows the loop until one launch takes `targetSeconds` (or the exact-integer limit is reached,
    /// after which the work-items double), then keeps the chain count with the highest rate.
    private func plan(width: Int) throws {
        var best: (chains: Int, kernel: Kernel, iterations: Int, rate: Double)?
        for chains in Self.chainCounts {
            let kernel = kernels[chains]![width]!
            let limit = maxIterations(chains: chains)
            var count = min(16, limit)
            var seconds = try launch(kernel, iterations: count)
            while seconds < targetSeconds {
                if count < limit {
                    count = min(limit, count * (seconds > 0 ? max(2, min(16, Int(targetSeconds / seconds) + 1)) : 16))
                } else if items < 1 << 24 {
                    items *= 2
                    output = try backend.buffer(bytes: items * 4)
                } else {
                    break
                }
                seconds = try launch(kernel, iterations: count)
            }
            seconds = min(seconds, try launch(kernel, iterations: count))
            let rate = Double(items) * Double(count) * 16 * Double(chains * width) / seconds
            if rate > best?.rate ?? 0 { best = (chains, kernel, count, rate) }
        }
        plans[width] = (best!.chains, best!.kernel, best!.iterations)
    }

    func run(width: Int) throws -> (seconds: Double, flops: Double) {
        let plan = plans[width]!
        if lastWidth != width {
            // Poison: each element's bitwise complement of its expected value.
            let poison = (0..<items).map { ~expected($0, width: width, chains: plan.chains, iterations: plan.iterations) }
            try poison.withUnsafeBytes { _ = try output.write($0, queue: backend.queue) }
            lastWidth = width
        }
        let seconds = try launch(plan.kernel, iterations: plan.iterations)
        let flops = Double(items) * Double(plan.iterations) * 16 * Double(plan.chains) * Double(width)
        return (seconds, flops)
    }

    /// Checks every work-item's output of the last run against the closed form.
    func verify(width: Int) throws -> VerificationResult {
        guard lastWidth == width, let plan = plans[width] else { return .failed("peak width \(width): verified before any run") }
        let values = try output.read(count: items, as: UInt32.self, queue: backend.queue)
        for g in 0..<items {
            let want = expected(g, width: width, chains: plan.chains, iterations: plan.iterations)
            if values[g] != want {
                return .failed("peak width \(width), \(plan.chains) chains, \(plan.iterations) iterations: out[\(g)] = \(values[g]), expected \(want)")
            }
        }
        return .passed
    }
}
