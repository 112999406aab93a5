import SuanliSchema

/// The arithmetic of training runs, as pure functions on plain numbers.
/// Units: FLOPs, FLOP/s, seconds, bytes, bytes/s unless a name says otherwise.
public enum TrainingModel {
    /// 1 PF-day = 1e15 FLOP/s for 86,400 s.
    public static let flopsPerPFDay = 8.64e19
    public static let secondsPerDay = 86_400.0

    /// The shape of a transformer for the attention term (PaLM appendix B).
    @MemberwiseInit
    public struct AttentionShape: Sendable, Equatable {
        public var layers: Double
        /// Model width; equals heads × head dimension.
        public var hidden: Double
        public var sequenceLength: Double
    }

    /// Training FLOPs per token: 6·N (Kaplan et al. 2020), plus 12·L·H·Q·T for attention
    /// when a shape is given (PaLM appendix B, with H·Q = hidden). Activation recomputation
    /// repeats the forward pass, 8/6 of the work (Megatron-LM §5.1: 8·N·D).
    public static func flopsPerToken(
        activeParams: Double, attention: AttentionShape? = nil, recompute: Bool = false
    ) -> Double {
        var perToken = 6 * activeParams
        if let a = attention {
            perToken += 12 * a.layers * a.hidden * a.sequenceLength
        }
        return recompute ? perToken * 8 / 6 : perToken
    }

    /// Total training FLOPs for `tokens` tokens.
    public static func totalFLOPs(
        activeParams: Double, tokens: Double, attention: AttentionShape? = nil, recompute: Bool = false
    ) -> Double {
        flopsPerToken(activeParams: activeParams, attention: attention, recompute: recompute) * tokens
    }

    /// Data-parallel training: the gradients are ring-all-reduced once per step.
    @MemberwiseInit
    public struct DataParallel: Sendable, Equatable {
        /// Bytes of gradients all-reduced per step (parameters × bytes per gradient).
        public var gradientBytes: Double
        /// All-reduce bus bandwidth per device, bytes/s (nccl-tests' busbw).
        public var busBytesPerSecond: Double
        /// Training steps in the run (tokens / global batch tokens).
        public var steps: Double
        /// Fraction of the all-reduce hidden behind compute, 0...1.
        public var overlap: Double

        /// Ring all-reduce time: 2(n−1)/n × bytes / busbw.
        public func allReduceSeconds(devices n: Double) -> Double {
            n <= 1 ? 0 : 2 * (n - 1) / n * gradientBytes / busBytesPerSecond
        }
    }

    /// How time is lost to communication.
    public enum Losses: Sendable, Equatable {
        case none
        /// A fixed fraction of time lost; devices = ideal / (1 − loss).
        case fraction(Double)
        case dataParallel(DataParallel)
    }

    /// One step of a data-parallel run at `devices` devices.
    public struct StepTimes: Sendable, Equatable {
        public var computeSeconds: Double
        public var allReduceSeconds: Double
        /// Communication not hidden behind compute.
        public var exposedSeconds: Double
        public var stepSeconds: Double { computeSeconds + exposedSeconds }
    }

    public static func stepTimes(
        _ dp: DataParallel, totalFLOPs: Double, flopsPerSecondPerDevice rate: Double, devices n: Double
    ) -> StepTimes {
        let compute = totalFLOPs / dp.steps / (n * rate)
        let comm = dp.allReduceSeconds(devices: n)
        let hidden = min(dp.overlap * comm, compute)
        return StepTimes(computeSeconds: compute, allReduceSeconds: comm, exposedSeconds: comm - hidden)
    }

    /// The answer to "how many devices for how long".
    public struct Solution: Sendable, Equatable {
        /// Devices, possibly fractional when solved for.
        public var devices: Double
        public var days: Double
        /// Fraction of device time spent computing (1 − share lost to communication).
        public var efficiency: Double
        /// Per-step times when the data-parallel model was used.
        public var step: StepTimes?

        /// Whole devices to buy: the ceiling of `devices` (tolerating rounding noise).
        public var wholeDevices: Double {
            let nearest = devices.rounded()
            return abs(devices - nearest) <= 1e-9 * max(1, nearest) ? nearest : devices.rounded(.up)
        }

        /// Device-hours of occupancy, communication waits included.
        public var deviceHours: Double { devices * days * 24 }
    }

    /// Days for `devices` devices.
    public static func days(
        totalFLOPs: Double, flopsPerSecondPerDevice rate: Double, devices n: Double, losses: Losses
    ) -> Solution {
        switch losses {
        case .none:
            return Solution(devices: n, days: totalFLOPs / (n * rate) / secondsPerDay, efficiency: 1)
        case .fraction(let loss):
            return Solution(
                devices: n, days: totalFLOPs / (n * rate) / (1 - loss) / secondsPerDay, efficiency: 1 - loss)
        case .dataParallel(let dp):
            let step = stepTimes(dp, totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: n)
            return Solution(
                devices: n, days: dp.steps * step.stepSeconds / secondsPerDay,
                efficiency: step.computeSeconds / step.stepSeconds, step: step)
        }
    }

    /// Devices (fractional) to finish in `days` days. Throws when communication makes
    /// the target unreachable at any device count.
    public static func devices(
        totalFLOPs: Double, flopsPerSecondPerDevice rate: Double, days target: Double, losses: Losses
    ) throws -> Solution {
        let ideal = totalFLOPs / (rate * target * secondsPerDay)
        switch losses {
        case .none:
            return Solution(devices: ideal, days: target, efficiency: 1)
        case .fraction(let loss):
            return Solution(devices: ideal / (1 - loss), days: target, efficiency: 1 - loss)
        case .dataParallel:
            // One device (or less) never communicates.
            if ideal <= 1 {
                return days(totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: ideal, losses: losses)
                    .with(days: target)
            }
            func daysAt(_ n: Double) -> Double {
                days(totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: n, losses: losses).days
            }
            // Scan doublings from the ideal count for the first that meets the target,
            // then bisect. Step time = compute/n + exposed comm, which is monotone in
            // the region where adding devices still helps.
            var low = ideal
            var high = ideal
            var best = daysAt(ideal)
            var found = best <= target
            var doublings = 0
            while !found && doublings < 60 {
                low = high
                high *= 2
                doublings += 1
                let d = daysAt(high)
                best = min(best, d)
                found = d <= target
            }
            guard found else {
                throw SizingError.usage(
                    "--days \(Format.number(target)) cannot be reached: with the gradient all-reduce the run takes at least \(Format.number(best)) days at any device count; raise --days, --bus-gbps, --overlap or --global-batch-tokens"
                )
            }
            if high != ideal {
                for _ in 0..<200 {
                    let mid = (low + high) / 2
                    if daysAt(mid) <= target { high = mid } else { low = mid }
                    if high - low <= 1e-9 * high { break }
                }
            }
            return days(totalFLOPs: totalFLOPs, flopsPerSecondPerDevice: rate, devices: high, losses: losses)
        }
    }

    /// Bytes of model state (weights, gradients, optimizer) to hold.
    public static func modelStateBytes(params: Double, bytesPerParam: Double) -> Double {
        params * bytesPerParam
    }

    /// The fewest devices that hold `bytes` when fully sharded (ZeRO stage 3).
    public static func minDevices(forBytes bytes: Double, memoryBytesPerDevice: Double) -> Double {
        (bytes / memoryBytesPerDevice).rounded(.up)
    }
}

extension TrainingModel.Solution {
    func with(days: Double) -> Self {
        var copy = self
        copy.days = days
        return copy
    }
}
