import SuanliSchema

/// The suites, written once against ``BenchmarkBackend``.
public enum Suites {
    /// GEMM: a verification run with β ≠ 0 (checks α·A·B + β·C₀), then timed runs with β = 0
    /// on a NaN-poisoned C, and the last timed output verified again.
    public static func gemm(_ backend: any BenchmarkBackend, precision: Precision, shape: GEMMShape,
                            policy: SamplingPolicy, retune: Bool) -> Measurement {
        let device = backend.descriptor.id
        let unit = precision.computeUnit
        var measurement = Measurement(device: device, suite: .gemm, kernel: "gemm", precision: precision,
                                      size: shape.size, unit: unit)
        measurement.timing = backend.timingMethod
        if let reason = backend.skipReason(for: precision, suite: .gemm) {
            return .skipped(device: device, suite: .gemm, kernel: "gemm", precision: precision, size: shape.size,
                            unit: unit, reason: reason)
        }
        return measurement.measuring { measurement in
            let (mk, kn, mn) = shape.elementCounts
            guard mk < Int.max / 64, kn < Int.max / 64, mn < Int.max / 64 else {
                throw BenchmarkError("GEMM \(shape) is too large to address")
            }
            let total = mk + kn + mn
            let elementBytes = precision.elementBytes, outputBytes = precision.outputElementBytes
            let deviceBytes = (mk + kn) * elementBytes + mn * outputBytes
            // Host: A, B, C₀ and the downloaded C as Double, plus the device-type copies.
            try MemoryBudget.check(backend, deviceBytes: deviceBytes,
                                   largestAllocation: max(mk * elementBytes, kn * elementBytes, mn * outputBytes),
                                   hostBytes: (total + mn) * 8 + deviceBytes,
                                   what: "GEMM \(shape) in \(precision.rawValue)")
            let problem = GEMMProblem(m: shape.m, n: shape.n, k: shape.k, precision: precision)
            let runner = try backend.makeGEMM(precision: precision, shape: shape, retune: retune)
            measurement.parameters = runner.parameters
            // C holds C₀ for the β ≠ 0 check (an unwritten element keeps C₀, which is wrong too);
            // the β = 0 runs start from a poisoned C.
            try runner.upload(problem)
            _ = try runner.run(beta: problem.beta)
            let first = problem.verify(try runner.downloadOutput(), includeBeta: true, rounding: runner.accumulatorRounding)
            guard first.passed else {
                measurement.record(samples: [], verification: first)
                return
            }
            try runner.poisonOutput()
            let samples = try collectSamples(policy) { try runner.run(beta: 0) }
            backend.readClockAfterBatch()
            let last = problem.verify(try runner.downloadOutput(), includeBeta: false, rounding: runner.accumulatorRounding)
            measurement.record(samples, workPerRun: problem.flops, verification: last, peak: backend.peakGFLOPS(precision))
        }
    }

    /// Stream: for each kernel, fresh random arrays, the output poisoned, one checked run,
    /// timed runs (each kernel is idempotent), and the last output checked again.
    public static func stream(_ backend: any BenchmarkBackend, precision: Precision, length: Int,
                              policy: SamplingPolicy) -> [Measurement] {
        let device = backend.descriptor.id
        let size = ["n": length]
        if let reason = backend.skipReason(for: precision, suite: .stream) {
            return StreamKernel.allCases.map {
                .skipped(device: device, suite: .stream, kernel: $0.rawValue, precision: precision, size: size,
                         unit: .gbps, reason: reason)
            }
        }
        let runner: any StreamRunner
        do {
            guard length < Int.max / 64 else { throw BenchmarkError("a stream length of \(length) is too large to address") }
            // Host: a, b, c and one downloaded array as Double.
            try MemoryBudget.check(backend, deviceBytes: 3 * length * precision.elementBytes,
                                   largestAllocation: length * precision.elementBytes, hostBytes: 6 * length * 8,
                                   what: "stream arrays of \(length) \(precision.rawValue) elements")
        } catch {
            return StreamKernel.allCases.map {
                .failed(device: device, suite: .stream, kernel: $0.rawValue, precision: precision, size: size,
                        unit: .gbps, reason: "\(error)")
            }
        }
        let a = randomValues(count: length, precision: precision, seed: 11)
        let b = randomValues(count: length, precision: precision, seed: 12)
        let c = randomValues(count: length, precision: precision, seed: 13)
        let scalar = precision.round(0.4)
        do {
            runner = try backend.makeStream(precision: precision, length: length)
        } catch {
            return StreamKernel.allCases.map {
                .failed(device: device, suite: .stream, kernel: $0.rawValue, precision: precision, size: size,
                        unit: .gbps, reason: "\(error)")
            }
        }
        return StreamKernel.allCases.map { kernel in
            var measurement = Measurement(device: device, suite: .stream, kernel: kernel.rawValue, precision: precision,
                                          size: size, unit: .gbps)
            measurement.timing = backend.timingMethod
            measurement.parameters = runner.parameters
            return measurement.measuring { measurement in
                try runner.upload(a: a, b: b, c: c)
                try runner.poisonOutput(of: kernel)
                let (_, firstDot) = try runner.run(kernel, scalar: scalar)
                let output = kernel == .dot ? a : try runner.downloadOutput(of: kernel)
                let first = verifyStream(kernel, precision: precision, a: a, b: b, c: c, scalar: scalar,
                                         output: output, dot: firstDot)
                guard first.passed else {
                    measurement.record(samples: [], verification: first)
                    return
                }
                var lastDot: Double?
                let samples = try collectSamples(policy) {
                    let (seconds, dot) = try runner.run(kernel, scalar: scalar)
                    lastDot = dot
                    return seconds
                }
                let lastOutput = kernel == .dot ? a : try runner.downloadOutput(of: kernel)
                var last = verifyStream(kernel, precision: precision, a: a, b: b, c: c, scalar: scalar,
                                        output: lastOutput, dot: lastDot)
                if kernel == .dot, last.passed {
                    // The random pass's tolerance cannot see a zero or halved fp16 dot at large n: an exact pass.
                    let pass = StreamDotExactPass(length: length)
                    let exact = pass.inputs(b: b)
                    try runner.upload(a: exact.a, b: exact.b, c: c)
                    let (_, dot) = try runner.run(.dot, scalar: scalar)
                    last = pass.check(dot)
                }
                let bytes = Double(kernel.arraysMoved * length * precision.elementBytes)
                measurement.record(samples, workPerRun: bytes, verification: last, peak: backend.peakBandwidthGBs())
                if measurement.theoreticalPeak == nil {
                    measurement.peakBasis = "unknown: no vendor query or catalog entry gives this device's memory bandwidth"
                }
            }
        }
    }

    /// Peak: each vector width measured and verified, plus the best as kernel `fma-best`.
    public static func peak(_ backend: any BenchmarkBackend, precision: Precision, policy: SamplingPolicy,
                            quick: Bool) -> [Measurement] {
        let device = backend.descriptor.id
        let unit = precision.computeUnit
        // Rows without a runner: "fma" for the vector precisions, "peak" for the engine types.
        let label = [.fp32, .fp64, .fp16, .mixed].contains(precision) ? "fma" : "peak"
        if let reason = backend.skipReason(for: precision, suite: .peak) {
            return [.skipped(device: device, suite: .peak, kernel: label, precision: precision, unit: unit, reason: reason)]
        }
        let runner: any PeakRunner
        do { runner = try backend.makePeak(precision: precision, quick: quick) } catch {
            return [.failed(device: device, suite: .peak, kernel: label, precision: precision, unit: unit,
                            reason: failureSummary(error))]
        }
        var results: [Measurement] = runner.widths.map { width in
            var m = Measurement(device: device, suite: .peak, kernel: runner.kernelName(width: width), precision: precision,
                                size: ["width": width], unit: unit)
            m.timing = backend.timingMethod
            m.parameters = runner.parameters
            return m.measuring { m in
                var flops = 0.0
                let samples = try collectSamples(policy) {
                    let run = try runner.run(width: width)
                    flops = run.flops
                    return run.seconds
                }
                backend.readClockAfterBatch()
                m.record(samples, workPerRun: flops, verification: try runner.verify(width: width),
                         peak: backend.peakGFLOPS(precision))
            }
        }
        // The best width as `fma-best` (the vector FMA kernels; an engine peak has one kernel).
        if runner.widths.allSatisfy({ runner.kernelName(width: $0).hasPrefix("fma-w") }),
           let best = results.filter({ $0.status == .ok }).max(by: { ($0.median ?? 0) < ($1.median ?? 0) }) {
            var copy = best
            copy.kernel = "fma-best"
            results.append(copy)
        }
        return results
    }

    /// The host clock against the per-run times, when runs are long enough (median ≥ 2 ms) for
    /// launch overhead not to matter. Per run, the host sees launch + execution + completion; the
    /// gap is the lower decile over runs of |host − measured| / measured. Runs the scheduler delayed
    /// (a loaded machine) only raise the upper part of that distribution, while a timer that
    /// misreports every run raises all of it. Returns the gap if it exceeds 5%.
    /// (Host-clock timing compares the clock with itself and never disagrees.)
    static func hostClockDisagreement(_ samples: SampleSet) -> Double? {
        let runs = samples.seconds.count
        guard runs > 0 else { return nil }
        let sorted = samples.seconds.sorted()
        guard sorted[runs / 2] >= 2e-3 else { return nil }
        let gap: Double
        if samples.hostSeconds.count == runs {
            let gaps = zip(samples.hostSeconds, samples.seconds).map { abs($0 - $1) / $1 }.sorted()
            gap = gaps[(runs - 1) / 10]
        } else {
            let total = samples.seconds.reduce(0, +)
            gap = abs(samples.batchHostSeconds - total) / total
        }
        return gap > 0.05 ? gap : nil
    }

    /// Roofline: the same kernel at rising arithmetic intensity, each step verified, giving the
    /// measured curve between the bandwidth and compute ceilings.
    public static func roofline(_ backend: any BenchmarkBackend, length: Int, policy: SamplingPolicy) -> [Measurement] {
        let device = backend.descriptor.id
        let runner: any RooflineRunner
        do {
            guard length < Int.max / 64 else { throw BenchmarkError("a roofline length of \(length) is too large to address") }
            try MemoryBudget.check(backend, deviceBytes: 2 * length * 4, largestAllocation: length * 4, hostBytes: 2 * length * 8,
                                   what: "roofline arrays of \(length) fp32 elements")
            runner = try backend.makeRoofline(length: length)
        } catch {
            return [.failed(device: device, suite: .roofline, kernel: "roofline", precision: .fp32, unit: .gflops, reason: "\(error)")]
        }
        return runner.steps.map { steps in
            let flopsPerElement = 2 * steps
            var m = Measurement(device: device, suite: .roofline, kernel: "roofline-f\(flopsPerElement)", precision: .fp32,
                                size: ["n": length, "flops_per_element": flopsPerElement], unit: .gflops)
            m.timing = backend.timingMethod
            m.parameters = runner.parameters
            return m.measuring { m in
                let samples = try collectSamples(policy) { try runner.run(iterations: steps) }
                backend.readClockAfterBatch()
                m.record(samples, workPerRun: Double(flopsPerElement) * Double(length), verification: try runner.verify(),
                         peak: backend.peakGFLOPS(.fp32))
            }
        }
    }
}

extension Measurement {
    /// Records timed runs that each did `workPerRun` FLOPs or bytes, as a rate in GFLOP/s or GB/s,
    /// with the host-clock check of the batch.
    mutating func record(_ samples: SampleSet, workPerRun: Double, verification: VerificationResult,
                         peak: (value: Double, basis: String)?) {
        record(samples: samples.seconds.map { workPerRun / $0 / 1e9 }, verification: verification,
               peak: peak?.value, peakBasis: peak?.basis)
        markSuspectIfClocksDisagree(samples)
    }

    /// Records the host-clock check of the batch; a gap over 5% makes a figure suspect.
    mutating func markSuspectIfClocksDisagree(_ samples: SampleSet) {
        hostClockDisagreement = Suites.hostClockDisagreement(samples)
        if let gap = hostClockDisagreement, status == .ok || status == .implausible {
            status = .suspect
            reason = "the host clock over the timed batch disagrees with the per-run times by "
                + "\(Int((gap * 100).rounded()))% (over 5%): timing not trusted"
        }
        attachEnergy(samples.energy)
    }

    /// Records the energy of the timed batch, with the efficiency of the median.
    public mutating func attachEnergy(_ record: EnergyRecord?) {
        guard var record else { return }
        record.setEfficiency(median: status == .ok ? median : nil, unit: unit)
        energy = record
    }

    /// Marks the measurement failed with the error as its reason.
    mutating func fail(_ error: any Error) {
        status = .failed
        reason = failureSummary(error)
    }

    /// Runs `body` on a copy of the measurement and returns it: an error thrown on the way makes
    /// it a failed measurement with the error's one-line reason, never a figure.
    func measuring(_ body: (inout Measurement) throws -> Void) -> Measurement {
        var measurement = self
        do { try body(&measurement) } catch { measurement.fail(error) }
        return measurement
    }
}

/// The stream dot's exact pass: `a` is zero except at `count` indices spread over the array (one
/// at random in each of `count` equal strata, and always the last element, which the kernels'
/// tail code reads), where a = b = 2⁻⁵. Every product is 0 or 2⁻¹⁰, so every partial sum, in any
/// order and any accumulator from fp16 up, is a multiple of 2⁻¹⁰ no larger than 2: exact. The dot
/// must equal count · 2⁻¹⁰ bit for bit, so a zero, a halved or a partial sum (a dropped block,
/// group or tail) fails at every length, where the random pass's fp16 tolerance cannot tell.
public struct StreamDotExactPass: Sendable {
    public static let maximumCount = 2048
    public static let value = 1.0 / 32
    public let length: Int
    /// The indices where a ≠ 0, ascending.
    public let indices: [Int]

    public init(length: Int, seed: UInt64 = 21) {
        self.length = length
        let count = Swift.min(length, Self.maximumCount)
        var rng = SeededGenerator(seed: seed)
        var indices: [Int] = []
        indices.reserveCapacity(count)
        for k in 0..<count {
            let lower = k * length / count, upper = (k + 1) * length / count
            indices.append(k == count - 1 ? length - 1 : Int.random(in: lower..<upper, using: &rng))
        }
        self.indices = indices
    }

    /// count · 2⁻¹⁰.
    public var expected: Double { Double(indices.count) * Self.value * Self.value }

    /// a (zero but at `indices`) and `b` with 2⁻⁵ at `indices`.
    public func inputs(b: [Double]) -> (a: [Double], b: [Double]) {
        var a = [Double](repeating: 0, count: length), b = b
        for i in indices {
            a[i] = Self.value
            b[i] = Self.value
        }
        return (a, b)
    }

    public func check(_ dot: Double?) -> VerificationResult {
        guard let dot else { return .failed("dot returned no value") }
        if dot == expected { return .passed }
        return .failed("dot exact pass: \(dot), expected exactly \(expected) (\(indices.count) products of 2^-10 spread over "
            + "\(length) elements\(dot == 0 ? "; the sum is zero" : dot == expected / 2 ? "; the sum is halved" : ""))")
    }
}
