import SuanliSchema
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeping the ranks of a cluster run in step, and judging afterwards how well they were.
///
/// Every rank runs the same agreed list of steps and waits at a barrier before each, so no rank
/// starts a step before every rank has finished the previous one. Each rank records when it ran
/// each step; the windows go on a common clock (rank 0's, measured by `ClockSync`), and a total
/// over ranks whose windows overlap by less than `suspectBelow` is marked suspect.
public enum StepAlignment {
    /// A total whose ranks' windows overlap by less than this is `suspect`.
    public static let suspectBelow = 0.9

    /// The overlap of `windows`: the time during which every window was open (latest start to
    /// earliest end, zero when some two are disjoint) over the time during which any was (earliest
    /// start to latest end). 1 for a single window or windows of zero length at one instant; nil
    /// for no window.
    public static func overlap(_ windows: [StepWindow]) -> Double? {
        guard let first = windows.first else { return nil }
        var latestStart = first.start, earliestEnd = first.end
        var earliestStart = first.start, latestEnd = first.end
        for w in windows.dropFirst() {
            latestStart = max(latestStart, w.start)
            earliestEnd = min(earliestEnd, w.end)
            earliestStart = min(earliestStart, w.start)
            latestEnd = max(latestEnd, w.end)
        }
        let span = latestEnd - earliestStart
        guard span > 0 else { return 1 }
        return min(1, max(0, earliestEnd - latestStart) / span)
    }

    /// Suspect when the overlap is strictly under the threshold (exactly 90% is not suspect).
    public static func isSuspect(overlap: Double, threshold: Double = suspectBelow) -> Bool { overlap < threshold }

    /// Labels unique within one rank's list: a repeated label gets ` #2`, ` #3`, ….
    public static func uniqueLabels(_ labels: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return labels.map { label in
            seen[label, default: 0] += 1
            let n = seen[label]!
            return n == 1 ? label : "\(label) #\(n)"
        }
    }

    /// The job's step list from every rank's own: rank 0's steps in its order, then each step that
    /// only other ranks have, in the order the first of them lists it. A rank waits at the barrier of
    /// a step it does not have, so ranks whose devices give different steps cannot deadlock.
    public static func schedule(_ perRank: [[String]]) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        for labels in perRank {
            for label in labels where seen.insert(label).inserted { result.append(label) }
        }
        return result
    }
}

/// The offset of every rank's clock to rank 0's, measured with collectives (rank 0's view).
///
/// Each round: a barrier; rank 0 reads its clock (t1) and broadcasts; every other rank reads its
/// own clock as soon as the broadcast arrives; rank 0 gathers those readings and reads its clock
/// again (t2). Each reading happened between t1 and t2 on rank 0's clock, so the midpoint is off by
/// at most (t2 − t1)/2. The round with the shortest round trip is kept.
@MemberwiseInit
public struct ClockSync: Sendable, Equatable {
    /// Rank r's clock minus rank 0's, seconds.
    public var offsets: [Double]
    /// Half the kept round trip: the largest error of each offset.
    public var uncertainty: Double
    /// Rank 0's clock at the middle of the kept round.
    public var reference: Double

    /// One round as rank 0 saw it: its clock before and after, and every rank's reading (rank 0's own is ignored).
    @MemberwiseInit
    public struct Round: Sendable {
        public var before: Double
        public var after: Double
        public var readings: [Double]
    }

    /// The estimate from the round with the shortest round trip; nil without rounds.
    public init?(rounds: [Round]) {
        guard let best = rounds.min(by: { $0.after - $0.before < $1.after - $1.before }) else { return nil }
        let middle = (best.before + best.after) / 2
        offsets = best.readings.enumerated().map { $0.offset == 0 ? 0 : $0.element - middle }
        uncertainty = (best.after - best.before) / 2
        reference = middle
    }

    /// Runs `rounds` synchronisation rounds across the job. Collective: every rank must call it.
    /// The result on rank 0, nil on the others.
    public static func measure(_ mpi: MPI, rounds: Int = 8, clock: () -> Double = monotonicSeconds) throws -> ClockSync? {
        var measured: [Round] = []
        for _ in 0..<max(1, rounds) {
            mpi.barrier()
            let before = mpi.rank == 0 ? clock() : 0
            _ = try mpi.broadcastBytes([1])
            let reading = mpi.rank == 0 ? before : clock()
            let readings = try mpi.gatherDoubles(reading)
            if let readings { measured.append(Round(before: before, after: clock(), readings: readings)) }
        }
        return mpi.rank == 0 ? ClockSync(rounds: measured) : nil
    }

    /// A time read on rank `rank`'s clock, on the common clock: rank 0's clock minus `zero`. Between
    /// two synchronisations (`self` at the start, `later` at the end) the offset is interpolated
    /// linearly, which takes out a steady drift of the clocks.
    public func common(_ time: Double, rank: Int, later: ClockSync?, zero: Double) -> Double {
        let offset = offsets[rank]
        guard let later, later.offsets.count == offsets.count, later.reference > reference else { return time - offset - zero }
        let fraction = min(1, max(0, (time - offset - reference) / (later.reference - reference)))
        return time - (offset + fraction * (later.offsets[rank] - offset)) - zero
    }
}
