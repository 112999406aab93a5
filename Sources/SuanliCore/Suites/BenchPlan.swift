import SuanliSchema

/// One unit of work in a bench run: a suite on a backend at one precision and size.
public struct BenchStep: Sendable {
    public var suite: Suite
    public var precision: Precision?
    public var shape: GEMMShape?
    public var label: String
}

/// What `suanli bench` should run.
public struct BenchPlan: Sendable {
    public var suites: [Suite]
    public var precisions: [Precision]
    /// GEMM shapes; nil means the backend's defaults.
    public var shapes: [GEMMShape]?
    /// Stream array length; nil means the backend's default.
    public var streamLength: Int?
    public var quick: Bool
    public var retune: Bool
    /// Largest working set of the `cache` and `memlat` sweeps; nil means the backend's default
    /// (8× the last-level cache, at least 256 MiB).
    public var maxWorkingSet: Int?
    /// GEMM over the grid of `sweepShapes` (`bench --suite gemm --sweep`): the efficiency curve that
    /// `suanli size step --calibrate` interpolates. Replaces `shapes` for the gemm suite.
    public var gemmSweep: Bool

    public init(suites: [Suite], precisions: [Precision], shapes: [GEMMShape]?, streamLength: Int?, quick: Bool, retune: Bool,
                gemmSweep: Bool = false, maxWorkingSet: Int? = nil) {
        self.maxWorkingSet = maxWorkingSet
        self.suites = suites
        self.precisions = precisions
        self.shapes = shapes
        self.streamLength = streamLength
        self.quick = quick
        self.retune = retune
        self.gemmSweep = gemmSweep
    }

    /// Sizes of each GEMM dimension in a sweep: powers of four from 256 to 16384 (to 4096 with --quick).
    public static func sweepSizes(quick: Bool) -> [Int] { quick ? [256, 1024, 4096] : [256, 1024, 4096, 16384] }

    /// Every (M, N, K) of the sweep grid, smallest first.
    public static func sweepShapes(quick: Bool) -> [GEMMShape] {
        let sizes = sweepSizes(quick: quick)
        var grid: [GEMMShape] = []
        for m in sizes {
            for n in sizes {
                for k in sizes { grid.append(GEMMShape(m: m, n: n, k: k)) }
            }
        }
        func work(_ s: GEMMShape) -> Int { s.m * s.n * s.k }
        return grid.sorted { work($0) != work($1) ? work($0) < work($1) : ($0.m, $0.n) < ($1.m, $1.n) }
    }

    public var policy: SamplingPolicy { quick ? .quick : .standard }

    /// The steps for `backend`, in order.
    public func steps(for backend: any DeviceProfile) -> [BenchStep] {
        var steps: [BenchStep] = []
        for suite in suites {
            switch suite {
            case .gemm:
                for precision in precisions {
                    let grid = gemmSweep ? BenchPlan.sweepShapes(quick: quick) : nil
                    for shape in grid ?? shapes ?? backend.defaultGEMMShapes(quick: quick) {
                        steps.append(BenchStep(suite: .gemm, precision: precision, shape: shape,
                                               label: "gemm \(precision.rawValue) \(shape)"))
                    }
                }
            case .stream:
                // Stream in fp32 and fp64 (the other types are GEMM and peak matters).
                for precision in precisions where precision == .fp32 || precision == .fp64 {
                    steps.append(BenchStep(suite: suite, precision: precision, shape: nil, label: "stream \(precision.rawValue)"))
                }
            case .peak:
                // fp32, fp64 and the engine types (bf16, int8, tf32, fp8: measured or skipped with the
                // reason); fp16 and mixed where a tensor or matrix engine runs them.
                for precision in precisions {
                    let include = switch precision {
                    case .fp32, .fp64, .bf16, .int8, .tf32, .fp8: true
                    case .fp16, .mixed: backend.engine(for: precision, suite: .peak).map { $0 != .vector } ?? false
                    }
                    if include {
                        steps.append(BenchStep(suite: suite, precision: precision, shape: nil, label: "peak \(precision.rawValue)"))
                    }
                }
            case .transfer, .latency:
                steps.append(BenchStep(suite: suite, precision: nil, shape: nil, label: suite.rawValue))
            case .roofline:
                steps.append(BenchStep(suite: suite, precision: .fp32, shape: nil, label: "roofline fp32"))
            case .cache, .memlat:
                steps.append(BenchStep(suite: suite, precision: nil, shape: nil, label: "\(suite.rawValue) sweep"))
            case .allreduce:
                // Collective: a cluster run hands it to ClusterBench; a single machine records a skip.
                steps.append(BenchStep(suite: suite, precision: .fp32, shape: nil, label: "allreduce"))
            }
        }
        return steps
    }

    /// Runs one step. Errors become failed measurements; nothing here throws.
    public func run(_ step: BenchStep, on backend: any BenchmarkBackend) -> [Measurement] {
        let id = backend.descriptor.id
        switch step.suite {
        case .gemm:
            var measurement = Suites.gemm(backend, precision: step.precision!, shape: step.shape!, policy: policy, retune: retune)
            if gemmSweep { measurement.parameters = (measurement.parameters ?? [:]).merging(["sweep": "grid"]) { $1 } }
            return [measurement]
        case .stream:
            let length = streamLength ?? backend.defaultStreamLength(step.precision!, quick: quick)
            return Suites.stream(backend, precision: step.precision!, length: length, policy: policy)
        case .peak:
            return Suites.peak(backend, precision: step.precision!, policy: policy, quick: quick)
        case .transfer:
            return Suites.transfer(backend, policy: policy, quick: quick)
        case .roofline:
            let length = streamLength ?? backend.defaultStreamLength(.fp32, quick: quick)
            return Suites.roofline(backend, length: length, policy: policy)
        case .allreduce:
            return [.skipped(device: id, suite: .allreduce, kernel: "allreduce", precision: .fp32, unit: .gbps,
                             reason: "the all-reduce suite runs across MPI ranks: suanli bench --mpi under mpirun or srun")]
        case .latency:
            return Suites.latency(backend, policy: policy, quick: quick)
        case .cache:
            return Suites.cache(backend, sizes: workingSets(for: backend), policy: policy, quick: quick)
        case .memlat:
            return Suites.memlat(backend, sizes: workingSets(for: backend), policy: policy, quick: quick)
        }
    }

    /// The working sets of the `cache` and `memlat` sweeps on `backend`.
    public func workingSets(for backend: any DeviceProfile) -> [Int] {
        WorkingSetSweep.sizes(through: maxWorkingSet ?? backend.memorySweepLargest(quick: quick))
    }
}
