/// The benchmark suites.
public enum Suite: String, Codable, Sendable, CaseIterable {
    case gemm, stream, peak, transfer, latency, roofline
    /// Read bandwidth over working sets from 4 KiB to beyond the last-level cache.
    case cache
    /// Pointer-chase latency over the same working sets.
    case memlat
    /// MPI all-reduce across the ranks of a cluster run (`suanli bench --mpi`).
    case allreduce

    /// The unit of the suite's headline figures.
    public var unit: Unit {
        switch self {
        case .gemm, .peak, .roofline: .gflops
        case .stream, .transfer, .allreduce, .cache: .gbps
        case .latency: .microseconds
        case .memlat: .nanoseconds
        }
    }
}

/// Arithmetic precision of a measurement. `mixed` is fp16 inputs with fp32 accumulation; `bf16`,
/// `tf32` and `fp8` (e4m3) are inputs with fp32 accumulation and an fp32 result; `int8` is int8
/// inputs with int32 accumulation and an int32 result. The last four are GEMM and peak
/// precisions, run on tensor or matrix engines where the device has them.
public enum Precision: String, Codable, Sendable, CaseIterable {
    case fp32, fp64, fp16, mixed, bf16, int8, tf32, fp8

    /// Bytes per stored input element (A and B of a GEMM; every array of a stream kernel).
    public var elementBytes: Int { traits.input.bytes }

    /// Bytes per element of a GEMM's C: the inputs' type for fp32, fp64, fp16 and mixed; the
    /// 32-bit accumulator type for bf16, tf32, fp8 and int8.
    public var outputElementBytes: Int { traits.output.bytes }

    /// Integer arithmetic: operations, not floating-point operations, per second.
    public var isInteger: Bool { traits.input.isInteger }

    /// The unit of GEMM and peak rates at this precision: GOP/s for int8, GFLOP/s otherwise.
    public var computeUnit: Unit { isInteger ? .gops : .gflops }

    /// Precisions whose GEMM and peak run on a tensor or matrix engine where the device has one.
    public var usesMatrixEngines: Bool { self != .fp32 && self != .fp64 }
}

/// The hardware that ran a GEMM or peak kernel: `tensor` (NVIDIA tensor cores, mma.sync),
/// `matrix` (AMD matrix cores, Intel XMX), or `vector` (the SIMD lanes: CUDA cores, stream
/// processors, CPU vector units). Recorded in each measurement's `parameters.engine`.
public enum ComputeEngine: String, Codable, Sendable, CaseIterable {
    case tensor, matrix, vector
}

/// What the figures mean.
public enum Unit: String, Codable, Sendable {
    case gflops = "GFLOP/s"
    /// Integer operations (int8 GEMM and peak).
    case gops = "GOP/s"
    case gbps = "GB/s"
    case microseconds = "us"
    case nanoseconds = "ns"

    /// Rates: up is good. Times: down is good.
    public var higherIsBetter: Bool { self != .microseconds && self != .nanoseconds }
}

/// The outcome of one measurement.
public enum MeasurementStatus: String, Codable, Sendable {
    /// Verified, plausible figure.
    case ok
    /// The output was wrong, or the run failed or hung: no figure.
    case failed
    /// Not run on this device (with a reason): e.g. fp16 where it does not compile.
    case skipped
    /// Verified but above the device's theoretical peak: not reported as a result.
    case implausible
    /// Verified, but the host clock over the timed batch disagrees with the per-run times by
    /// more than 5%: the timing cannot be trusted, so it is not reported as a result.
    case suspect

    /// Whether the run must exit non-zero because of it (failed, suspect or implausible: a figure
    /// above the device's ceiling means the kernel, the timer or the peak is wrong).
    public var countsAsFailure: Bool { self == .failed || self == .suspect || self == .implausible }
}

/// One benchmark figure with its samples, statistics and verification.
@SnakeCaseCodingKeys
public struct Measurement: Codable, Sendable {
    public var device: String
    public var suite: Suite
    public var kernel: String
    public var precision: Precision?
    /// Problem size, e.g. `{"m": 2048, "n": 2048, "k": 2048}` or `{"n": 33554432}` or `{"bytes": …}`.
    public var size: [String: Int]
    public var unit: Unit
    public var higherIsBetter: Bool
    public var median: Double?
    public var min: Double?
    public var max: Double?
    public var p10: Double?
    public var p90: Double?
    public var cv: Double?
    /// Every sample, in `unit`, in the order measured (with `--repeat`, one repeat after another).
    public var samples: [Double]
    /// `bench --repeat R`: the median of each repeat's samples, in order (R values). Absent for a
    /// single run, which counts as one repeat.
    public var repeatMedians: [Double]?
    /// `bench --repeat R`: how many of `samples` each repeat took, in order.
    public var repeatSampleCounts: [Int]?
    public var verified: Bool
    public var status: MeasurementStatus
    /// Why it failed, was skipped or is implausible; verification details.
    public var reason: String?
    /// How the time was taken: `opencl-events` or `host-clock`.
    public var timing: String?
    /// Theoretical peak in `unit` for this device and precision, where it could be derived.
    public var theoreticalPeak: Double?
    public var fractionOfPeak: Double?
    /// Where the peak came from.
    public var peakBasis: String?
    /// Kernel parameters (the tuned GEMM configuration, vector width, …).
    public var parameters: [String: String]?
    /// Host clock over the whole timed batch disagreed with the per-run times by more than 5%.
    public var hostClockDisagreement: Double?
    /// Set when the run was compared with a baseline (`suanli bench --baseline`): the thresholds
    /// used and the verdict.
    public var comparison: ComparisonRecord?
    /// The MPI rank that measured it, in a cluster run.
    public var rank: Int?
    /// Energy, power, clocks and temperature over the timed runs, when a sensor is attached.
    public var energy: EnergyRecord?

    public init(device: String, suite: Suite, kernel: String, precision: Precision?, size: [String: Int], unit: Unit) {
        self.device = device
        self.suite = suite
        self.kernel = kernel
        self.precision = precision
        self.size = size
        self.unit = unit
        self.higherIsBetter = unit.higherIsBetter
        self.samples = []
        self.verified = false
        self.status = .failed
    }

    /// A measurement that did not run (`.skipped`) or gave no figure (`.failed`), and why.
    public static func notMeasured(_ status: MeasurementStatus, device: String, suite: Suite, kernel: String, precision: Precision?,
                                   size: [String: Int] = [:], unit: Unit, reason: String) -> Measurement {
        var m = Measurement(device: device, suite: suite, kernel: kernel, precision: precision, size: size, unit: unit)
        m.status = status
        m.reason = reason
        return m
    }

    public static func skipped(device: String, suite: Suite, kernel: String, precision: Precision?,
                               size: [String: Int] = [:], unit: Unit, reason: String) -> Measurement {
        notMeasured(.skipped, device: device, suite: suite, kernel: kernel, precision: precision, size: size, unit: unit, reason: reason)
    }

    public static func failed(device: String, suite: Suite, kernel: String, precision: Precision?,
                              size: [String: Int] = [:], unit: Unit, reason: String) -> Measurement {
        notMeasured(.failed, device: device, suite: suite, kernel: kernel, precision: precision, size: size, unit: unit, reason: reason)
    }
}
