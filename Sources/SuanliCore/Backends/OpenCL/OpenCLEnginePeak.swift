import SuanliSchema
import OpenCLKit

/// The peak of a tensor, matrix or packed-vector engine: independent chains of the engine's
/// instruction (`peak_mma_nv.cl`, `peak_mfma_amd.cl`, `peak_wmma_amd.cl`, `peak_dpas_intel.cl`,
/// `peak_packed.cl`). Every iteration adds an exact amount to every chain, so each work-item's
/// output has a closed form in the iteration count that every instruction contributes to
/// (``EnginePeakCount``): a run with another count, or with a step dropped, fails verification.
final class OpenCLEnginePeakRunner: PeakRunner {
    let backend: OpenCLBackend
    let kernel: EngineKernel
    let widths = [1]
    let chains = 8
    let count: EnginePeakCount
    private(set) var items: Int
    let local: Int
    private var output: Buffer
    let clKernel: Kernel
    let targetSeconds: Double
    private var iterations: Int?
    /// Runs so far; the start value `base` alternates with it, so a run that writes nothing
    /// leaves the previous run's output, which does not match.
    private var runs = 0
    /// The base and iteration count of the last launch (what `verify` checks against).
    private var lastLaunch: (base: Int, iterations: Int)?
    /// Test hook: the kernel is launched with this many fewer iterations than counted (a planted fault).
    var iterationsDropped = 0
    private(set) var parameters: [String: String]

    init(backend: OpenCLBackend, kernel: EngineKernel, quick: Bool) throws {
        self.backend = backend
        self.kernel = kernel
        count = EnginePeakCount(kernel: kernel, chains: chains)
        local = kernel.peakLocalSize
        let emulated = backend.emulation != nil && kernel.family.emulationDefine != nil
        let perUnit = emulated ? 1 : (backend.info.type == .gpu ? 2048 : 64)
        let wanted = max(1, backend.info.computeUnits) * perUnit
        items = (wanted + local - 1) / local * local
        targetSeconds = quick || emulated ? 0.005 : 0.03
        // An fp8 mma build on a driver with too old a PTX ISA fails naming it (engineProgram).
        let program = try backend.engineProgram(kernel.family.peakFile, kernel: kernel, options: "-DNCHAINS=\(chains)")
        clKernel = try program.kernel(named: kernel.family.peakKernel)
        output = try backend.buffer(bytes: items * 4)
        var parameters = ["engine": kernel.engine.rawValue, "kernel": kernel.family.peakFile, "element_type": kernel.typeDefine,
                          "accumulator": kernel.accumulator, "NCHAINS": "\(chains)", "local": "\(local)"]
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

    private func launch(iterations: Int, base: Int) throws -> Double {
        let launched = max(0, iterations - iterationsDropped)
        try clKernel.setArguments(.buffer(output), .int(launched), .int(base))
        if kernel.family == .packedVector {
            try clKernel.setArguments(from: 3, .value(Float(-1)), .value(Float(1)))
        } else {
            let words = kernel.peakWords()
            try clKernel.setArguments(from: 3, .value(words.one), .value(words.minusOne))
        }
        lastLaunch = (base, iterations)
        return try backend.timed(clKernel, global: [items], local: [local])
    }

    /// Grows the loop until one launch takes `targetSeconds`; at the most iterations the exact
    /// range allows, the work-items double instead (up to 2^24, or what one buffer may hold).
    private func plan() throws {
        let itemLimit = max(items, min(1 << 24, backend.maxAllocationBytes / 4) / local * local)
        var count = 1
        var seconds = try launch(iterations: count, base: self.count.base(run: 0))
        while seconds < targetSeconds {
            if count < self.count.maxIterations {
                count = min(self.count.maxIterations,
                            count * (seconds > 0 ? max(2, min(16, Int(targetSeconds / seconds) + 1)) : 16))
            } else if items * 2 <= itemLimit {
                items *= 2
                output = try backend.buffer(bytes: items * 4)
            } else {
                break
            }
            seconds = try launch(iterations: count, base: self.count.base(run: 0))
        }
        iterations = count
        parameters["work_items"] = "\(items)"
        parameters["iterations"] = "\(count)"
        // Poison: each element's bitwise complement of what the next run must write.
        let next = self.count.base(run: runs)
        let poison = (0..<items).map { ~self.count.expected($0, iterations: count, base: next) }
        try poison.withUnsafeBytes { _ = try output.write($0, queue: backend.queue) }
        lastLaunch = nil
    }

    func run(width: Int) throws -> (seconds: Double, flops: Double) {
        if iterations == nil { try plan() }
        let count = iterations!
        let seconds = try launch(iterations: count, base: self.count.base(run: runs))
        runs += 1
        // 8 instructions (or vector steps) per chain and iteration.
        let operations = Double(items) * Double(count) * 8 * Double(chains) * kernel.peakOperationsPerItemAndStep
        return (seconds, operations)
    }

    /// Every work-item's output of the last timed run against the closed form for its count.
    func verify(width: Int) throws -> VerificationResult {
        guard let last = lastLaunch else { return .failed("\(kernelName(width: width)): verified before any run") }
        let values = try output.read(count: items, as: UInt32.self, queue: backend.queue)
        return count.check(values, iterations: last.iterations, base: last.base,
                           label: "\(kernelName(width: width)) \(kernel.precision.rawValue)")
    }
}

/// The closed form of the engine peak kernels' output: chain c of work-item g starts at
/// base + (g % 64) + c in each of its `valuesPerChain` accumulator elements and gains exactly
/// `growth` per iteration (2K for the tensor/matrix kernels: six of the eight instructions
/// cancel in pairs and two add K each; 1 for the packed-vector chains). `base` and the iteration
/// count are bounded so that every intermediate value is an integer the accumulator holds
/// exactly and the per-item sum never wraps: a different count gives a different output.
struct EnginePeakCount: Sendable, Equatable {
    var chains: Int
    /// Accumulator elements per work-item and chain.
    var valuesPerChain: Int
    /// What every element gains per iteration.
    var growth: Int
    /// Largest magnitude an element may take: 2^11 (fp16 accumulators), 2^22 (fp32, int32),
    /// 255 (bf16 chains, whose 1 − x step reaches 256) or 127 (int8 chains).
    var valueLimit: Int

    init(chains: Int, valuesPerChain: Int, growth: Int, valueLimit: Int) {
        self.chains = chains
        self.valuesPerChain = valuesPerChain
        self.growth = growth
        self.valueLimit = valueLimit
    }

    init(kernel: EngineKernel, chains: Int) {
        switch kernel.family {
        case .packedVector:
            self.init(chains: chains, valuesPerChain: 1, growth: 1, valueLimit: kernel.precision == .int8 ? 127 : 255)
        case .nvidiaMMA, .amdMFMA, .amdWMMA, .intelDPAS:
            self.init(chains: chains, valuesPerChain: kernel.peakValuesPerChain, growth: 2 * kernel.instructionK,
                      valueLimit: kernel.accumulator == "fp16" ? 1 << 11 : 1 << 22)
        }
    }

    /// The start offset of run `run`: the lowest value allowed, one higher on odd runs.
    func base(run: Int) -> Int { -valueLimit + run % 2 }

    /// Most iterations with every value within ±valueLimit, for either base.
    var maxIterations: Int { max(1, (2 * valueLimit - 1 - 63 - (chains - 1)) / growth) }

    /// out[g] after `iterations` from `base`, modulo 2^32.
    func expected(_ g: Int, iterations: Int, base: Int) -> UInt32 {
        let perChain = chains * (base + g % 64) + chains * (chains - 1) / 2 + chains * growth * iterations
        return UInt32(truncatingIfNeeded: valuesPerChain * perChain)
    }

    /// The first element that differs from the closed form, as a failure; else passed.
    func check(_ values: [UInt32], iterations: Int, base: Int, label: String) -> VerificationResult {
        for (g, value) in values.enumerated() {
            let want = expected(g, iterations: iterations, base: base)
            if value != want {
                                return .failed("\(label), \(iterations) iterations: out[\(g)] = \(Int32(bitPattern: value)), expected \(Int32(bitPattern: want))"
                    + (value == ~want ? " (the poisoned value survived: not written)" : ""))
            }
        }
        return .passed
    }
}
