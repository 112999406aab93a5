import SuanliSchema
import CPUKernelsPortable
import Dispatch

/// The roofline sweep on the host CPU, all cores.
final class CPURooflineRunner: RooflineRunner {
    let backend: CPUBackend
    let input: HostBuffer<Float>, output: HostBuffer<Float>
    let steps = [2, 4, 8, 16, 32, 64, 128, 256, 512]
    var parameters: [String: String] { backend.parameters }
    /// Steps per element of the last run (what `verify` checks against).
    private var lastIterations: Int?
    /// Test hook: the kernel is run with this many fewer steps than asked (a planted fault).
    var stepsDropped = 0

    init(backend: CPUBackend, length: Int) {
        self.backend = backend
        input = HostBuffer(count: length)
        output = HostBuffer(count: length)
        // First touch in parallel, split as the kernel splits the work.
        let values = RooflineCheck.inputs(count: length)
        let parts = Swift.max(1, Swift.min(backend.threads, length / 4096))
        let destination = UnsafeMutableSendablePointer(input.pointer), poisoned = UnsafeMutableSendablePointer(output.pointer)
        values.withUnsafeBufferPointer { source in
            let source = UnsafeSendableBufferPointer(source)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for i in contiguousPart(part, of: parts, count: length) {
                    destination.value[i] = source.value[i]
                    poisoned.value[i] = .nan
                }
            }
        }
    }

    func run(iterations: Int) throws -> Double {
        if lastIterations != iterations { output.poison() }
        lastIterations = iterations
        let start = monotonicSeconds()
        backend.variant.roofline(input: input.pointer, output: output.pointer, count: input.count,
                                 iterations: max(0, iterations - stepsDropped), a: RooflineCheck.multiplier,
                                 b: RooflineCheck.addend(iterations: iterations), threads: backend.threads)
        return monotonicSeconds() - start
    }

    /// Checks every element of the last run's output against in + steps·b.
    func verify() throws -> VerificationResult {
        guard let iterations = lastIterations else { return .failed("roofline: verified before any run") }
        let mismatch = RooflineCheck.firstMismatch(input: UnsafeBufferPointer(start: input.pointer, count: input.count),
                                                   output: UnsafeBufferPointer(start: output.pointer, count: output.count),
                                                   iterations: iterations)
        guard let i = mismatch else { return .passed }
        return RooflineCheck.failure(i, got: output.pointer[i], input: input.pointer[i], iterations: iterations)
    }
}
