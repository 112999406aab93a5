import SuanliSchema
import OpenCLKit

/// The roofline sweep (`Kernels/roofline.cl`), one build per intensity.
///
/// Each work-item advances CHAINS vectors of VW elements together (independent chains hide the
/// FMA latency, so the top of the curve can reach the compute ceiling). Which layout runs fastest
/// depends on the driver (PoCL runs explicit 16-wide vectors well; Intel's runtime vectorises
/// scalar work-items itself), so the runner times each candidate once at the highest intensity
/// and keeps the fastest for the whole sweep. Elements and bytes per element do not change.
final class OpenCLRooflineRunner: RooflineRunner {
    let backend: OpenCLBackend
    let length: Int
    let input: Buffer, output: Buffer
    let steps = [2, 4, 8, 16, 32, 64, 128, 256, 512]
    private(set) var parameters: [String: String] = [:]
    /// Candidate layouts (vector width, vectors per work-item).
    static let cpuLayouts = [(vw: 16, chains: 4), (vw: 8, chains: 8), (vw: 1, chains: 8)]
    static let gpuLayouts = [(vw: 1, chains: 4), (vw: 4, chains: 2)]
    private(set) var layout: (vw: Int, chains: Int) = (1, 1)
    let local: Int?
    private let inputs: [Float]
    /// One build per intensity, made on first use and kept for the repeated launches.
    private var kernels: [Int: Kernel] = [:]
    private var lastIterations: Int?
    /// Test hook: the kernel is built with this many fewer steps than asked (a planted fault).
    var stepsDropped = 0

    init(backend: OpenCLBackend, length: Int) throws {
        self.backend = backend
        self.length = length
        let gpu = backend.info.type == .gpu
        local = gpu ? 256 : nil
        input = try backend.buffer(bytes: length * 4)
        output = try backend.buffer(bytes: length * 4)
        let values = RooflineCheck.inputs(count: length)
        inputs = values
        try values.withUnsafeBytes { _ = try input.write($0, queue: backend.queue) }
        // Pick the layout: one warm-up and one timed launch of each at the highest intensity.
        let candidates = gpu ? Self.gpuLayouts : Self.cpuLayouts
        let top = steps.last!
        var best: (layout: (vw: Int, chains: Int), seconds: Double)?
        var tried: [String] = []
        for candidate in candidates {
            let kernel = try build(iterations: top, layout: candidate)
            _ = try launch(kernel, layout: candidate)
            let seconds = try launch(kernel, layout: candidate)
            tried.append("\(candidate.vw)x\(candidate.chains): \(formatted(Double(2 * top * length) / seconds / 1e9, decimals: 1))")
            if seconds < best?.seconds ?? .infinity { best = (candidate, seconds) }
        }
        layout = best!.layout
        backend.log("roofline layouts (VW x CHAINS: GFLOP/s at \(2 * top) FLOP/element): " + tried.joined(separator: ", "))
        parameters = ["VW": "\(layout.vw)", "CHAINS": "\(layout.chains)", "local": local.map(String.init) ?? "driver",
                      "a": "1", "b": "2^-e with steps·b ≤ 1/2"]
        try poison()
    }

    private func build(iterations: Int, layout: (vw: Int, chains: Int)) throws -> Kernel {
        let options = "-DITERS=\(max(0, iterations - stepsDropped)) -DVW=\(layout.vw) -DCHAINS=\(layout.chains)"
        let kernel = try backend.program("roofline.cl", options: options).kernel(named: "roofline")
        try kernel.setArguments(.buffer(input), .buffer(output), .value(RooflineCheck.multiplier),
                                .value(RooflineCheck.addend(iterations: iterations)), .value(UInt64(length)))
        return kernel
    }

    /// Global size: one work-item per CHAINS vectors (the last partial vector included), in whole groups.
    private func launch(_ kernel: Kernel, layout: (vw: Int, chains: Int)) throws -> Double {
        let vectors = (length + layout.vw - 1) / layout.vw
        let group = local ?? 1
        let items = (vectors + layout.chains * group - 1) / (layout.chains * group) * group
        return try backend.timed(kernel, global: [max(items, group)], local: local.map { [$0] })
    }

    private func poison() throws {
        try [Float](repeating: .nan, count: length).withUnsafeBytes { _ = try output.write($0, queue: backend.queue) }
    }

    func run(iterations: Int) throws -> Double {
        if lastIterations != iterations { try poison() }
        lastIterations = iterations
        return try launch(try kernel(iterations), layout: layout)
    }

    private func kernel(_ iterations: Int) throws -> Kernel {
        if let kernel = kernels[iterations] { return kernel }
        let kernel = try build(iterations: iterations, layout: layout)
        kernels[iterations] = kernel
        return kernel
    }

    /// Checks every element of the last run's output against in + steps·b.
    func verify() throws -> VerificationResult {
        guard let iterations = lastIterations else { return .failed("roofline: verified before any run") }
        let got = try output.read(count: length, as: Float.self, queue: backend.queue)
        let mismatch = inputs.withUnsafeBufferPointer { i in
            got.withUnsafeBufferPointer { o in RooflineCheck.firstMismatch(input: i, output: o, iterations: iterations) }
        }
        guard let index = mismatch else { return .passed }
        return RooflineCheck.failure(index, got: got[index], input: inputs[index], iterations: iterations)
    }
}
