import CPUKernelsPortable

/// The roofline sweep on the host CPU, all cores.
final class CPURooflineRunner: RooflineRunner {
    let backend: CPUBackend
    let input: HostBuffer<Float>, output: HostBuffer<Float>
    let steps = [2, 4, 8, 16, 32, 64, 128, 256, 512]
    var parameters: [String: String] { backend.parameters }

    init(backend: CPUBackend, length: Int) {
        self.backend = backend
        input = HostBuffer(count: length)
        output = HostBuffer(count: length)
        input.set(rooflineInputs(count: length))
        output.poison()
    }

    func run(iterations: Int) throws -> Double {
        let start = monotonicSeconds()
        backend.variant.roofline(input: input.pointer, output: output.pointer, count: input.count,
                                 iterations: iterations, threads: backend.threads)
        return monotonicSeconds() - start
    }

    func verify() throws -> VerificationResult {
        for i in 0..<input.count where output.pointer[i] != input.pointer[i] {
            return .failed("roofline: out[\(i)] = \(output.pointer[i]), expected \(input.pointer[i])")
        }
        output.poison()
        return .passed
    }
}
