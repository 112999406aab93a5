import OpenCLKit

/// The roofline sweep (`Kernels/roofline.cl`), one build per intensity.
final class OpenCLRooflineRunner: RooflineRunner {
    let backend: OpenCLBackend
    let length: Int
    let input: Buffer, output: Buffer
    let steps = [2, 4, 8, 16, 32, 64, 128, 256, 512]
    let parameters: [String: String] = ["local": "driver"]
    private let reference: [UInt8]
    /// One build per intensity, made on first use and kept for the repeated launches.
    private var kernels: [Int: Kernel] = [:]

    init(backend: OpenCLBackend, length: Int) throws {
        self.backend = backend
        self.length = length
        input = try backend.buffer(bytes: length * 4)
        output = try backend.buffer(bytes: length * 4)
        reference = HostArray.bytes(rooflineInputs(count: length), .fp32)
        try backend.write(input, reference)
        try backend.write(output, HostArray.poison(count: length, .fp32))
    }

    func run(iterations: Int) throws -> Double {
        try backend.timed(try kernel(iterations), global: [length], local: nil)
    }

    private func kernel(_ iterations: Int) throws -> Kernel {
        if let kernel = kernels[iterations] { return kernel }
        let kernel = try backend.program("roofline.cl", options: "-DITERS=\(iterations)").kernel(named: "roofline")
        try kernel.setArgument(0, input)
        try kernel.setArgument(1, output)
        try kernel.setArgument(2, Float(-1))
        try kernel.setArgument(3, Float(1))
        try kernel.setArgument(4, UInt32(length))
        kernels[iterations] = kernel
        return kernel
    }

    func verify() throws -> VerificationResult {
        let got = try backend.read(output, count: length * 4)
        try backend.write(output, HostArray.poison(count: length, .fp32))
        guard got != reference else { return .passed }
        let index = zip(got, reference).enumerated().first { $0.element.0 != $0.element.1 }.map { $0.offset / 4 } ?? 0
        return .failed("roofline: out[\(index)] differs from in[\(index)] (wrong or unwritten element)")
    }
}
