import struct Foundation.Data
import class Foundation.JSONDecoder
import class Foundation.JSONEncoder
import Testing
@testable import SuanliCore

/// Step alignment of cluster runs without MPI: the overlap of step windows, the suspect flag, the
/// agreed step list and the clock offsets, on synthetic data. The MPI run itself is in CLITests.
@Suite struct ClusterAlignmentTests {
    func w(_ start: Double, _ end: Double, _ step: String = "s") -> StepWindow { StepWindow(step: step, start: start, end: end) }

    @Test func overlapIsCommonTimeOverSpan() throws {
        #expect(StepAlignment.overlap([]) == nil)
        #expect(StepAlignment.overlap([w(3, 5)]) == 1)
        #expect(StepAlignment.overlap([w(0, 10), w(0, 10)]) == 1)
        // Common 2…10 (8 s) over 0…12 (12 s).
        #expect(abs(try #require(StepAlignment.overlap([w(0, 10), w(2, 12)])) - 8.0 / 12) < 1e-12)
        // One window inside another: the shorter over the longer.
        #expect(abs(try #require(StepAlignment.overlap([w(0, 10), w(0, 4), w(1, 10)])) - 0.3) < 1e-12)
        // Disjoint or merely touching: nothing in common.
        #expect(StepAlignment.overlap([w(0, 1), w(2, 3)]) == 0)
        #expect(StepAlignment.overlap([w(0, 1), w(1, 2)]) == 0)
        // Zero-length windows at one instant.
        #expect(StepAlignment.overlap([w(4, 4), w(4, 4)]) == 1)
        // Order does not matter.
        #expect(StepAlignment.overlap([w(2, 12), w(0, 10)]) == StepAlignment.overlap([w(0, 10), w(2, 12)]))
    }

    @Test func suspectBelowNinetyPercentAndNotAtIt() throws {
        #expect(StepAlignment.suspectBelow == 0.9)
        // Exactly 90%: 0…9 inside 0…10 (9/10 rounds to the same double as the literal 0.9).
        let boundary = try #require(StepAlignment.overlap([w(0, 10), w(0, 9)]))
        #expect(boundary == 0.9)
        #expect(!StepAlignment.isSuspect(overlap: boundary))
        let below = try #require(StepAlignment.overlap([w(0, 10), w(0, 8.99)]))
        #expect(StepAlignment.isSuspect(overlap: below))
        #expect(!StepAlignment.isSuspect(overlap: 1))
        #expect(StepAlignment.isSuspect(overlap: 0))
    }

    func report(rank: Int, host: String, steps: [StepWindow], values: [(String, String, Double)]) -> RankReport {
        var info = HostInfo.current()
        info.hostname = host
        var measurements: [Measurement] = []
        var labels: [String] = []
        for (label, kernel, value) in values {
            var m = Measurement(device: "r\(rank):cpu", suite: .stream, kernel: kernel, precision: .fp32, size: ["n": 1000], unit: .gbps)
            m.record(samples: [value, value, value], verification: .passed)
            measurements.append(m)
            labels.append(label)
        }
        return RankReport(info: RankInfo(rank: rank, localRank: rank, host: info, devices: [], steps: steps),
                          measurements: measurements, measurementSteps: labels)
    }

    @Test func aggregateMarksTotalsOfPoorlyOverlappingStepsSuspect() throws {
        // Step "a": ranks together 0…10 and 0…9.5 (95%); step "b": 10…20 and 10…12 (20%).
        let reports = [
            report(rank: 0, host: "n0", steps: [w(0, 10, "a"), w(10, 20, "b")], values: [("a", "copy", 10), ("b", "triad", 20)]),
            report(rank: 1, host: "n1", steps: [w(0, 9.5, "a"), w(10, 12, "b")], values: [("a", "copy", 11), ("b", "triad", 21)]),
        ]
        let aggregate = ClusterBench.aggregate(reports)
        let copy = try #require(aggregate.first { $0.kernel == "copy" })
        let triad = try #require(aggregate.first { $0.kernel == "triad" })
        #expect(copy.total == 21 && triad.total == 41)
        #expect(copy.step == "a" && triad.step == "b")
        #expect(abs(try #require(copy.overlap) - 0.95) < 1e-12)
        #expect(copy.suspect == false)
        #expect(abs(try #require(triad.overlap) - 0.2) < 1e-12)
        #expect(triad.suspect == true)
        #expect(triad.overlapThreshold == 0.9)

        // A rank without windows (an older rank report): no overlap claimed, nothing marked.
        var old = reports
        old[1].info.steps = nil
        let unknown = try #require(ClusterBench.aggregate(old).first { $0.kernel == "triad" })
        #expect(unknown.overlap == nil && unknown.suspect == nil && unknown.total == 41)
    }

    @Test func oldAggregateAndRankRecordsStillRead() throws {
        let json = """
        {"suite":"stream","kernel":"triad","precision":"fp32","size":{"n":1000},"unit":"GB/s","ranks":2,"total":41,
         "per_node":{"n0":20,"n1":21},"median":20.5,"slowest":{"rank":0,"host":"n0","value":20},
         "fastest":{"rank":1,"host":"n1","value":21},"stragglers":[],"straggler_threshold":0.1}
        """
        let record = try JSONDecoder().decode(AggregateRecord.self, from: Data(json.utf8))
        #expect(record.total == 41 && record.suspect == nil && record.overlap == nil && record.step == nil)
        // New fields round-trip under their documented names.
        var marked = record
        marked.step = "stream fp32"; marked.overlap = 0.5; marked.suspect = true; marked.overlapThreshold = 0.9
        let encoded = String(decoding: try JSONEncoder().encode(marked), as: UTF8.self)
        #expect(encoded.contains("\"suspect\":true") && encoded.contains("\"overlap_threshold\":0.9"))
        let back = try JSONDecoder().decode(AggregateRecord.self, from: try JSONEncoder().encode(marked))
        #expect(back.suspect == true && back.overlap == 0.5 && back.step == "stream fp32")

        var rank = RankInfo(rank: 1, localRank: 0, host: HostInfo.current(), devices: [])
        let plain = try JSONDecoder().decode(RankInfo.self, from: try JSONEncoder().encode(rank))
        #expect(plain.steps == nil && plain.clockOffset == nil)
        rank.steps = [w(0.5, 1.5, "stream fp32")]
        rank.clockOffset = 0.25
        rank.clockUncertainty = 1e-6
        let text = String(decoding: try JSONEncoder().encode(rank), as: UTF8.self)
        #expect(text.contains("\"clock_offset\"") && text.contains("\"clock_uncertainty\""))
        let full = try JSONDecoder().decode(RankInfo.self, from: Data(text.utf8))
        #expect(full.steps == [w(0.5, 1.5, "stream fp32")] && full.clockOffset == 0.25)
    }

    @Test func stepListIsTheUnionInRankZeroOrder() {
        #expect(StepAlignment.schedule([["a", "b", "c"], ["a", "c"], ["a", "x", "b", "c", "y"]]) == ["a", "b", "c", "x", "y"])
        #expect(StepAlignment.schedule([[], ["p"]]) == ["p"])
        #expect(StepAlignment.schedule([]) == [])
        #expect(StepAlignment.uniqueLabels(["g", "s", "g", "g"]) == ["g", "s", "g #2", "g #3"])
    }

    @Test func clockOffsetsComeFromTheShortestRound() throws {
        // Rank 1's clock runs 100 s ahead of rank 0's, rank 2's 5 s behind. The slow round (a
        // stopped process) reads 0.4 s late and must not be used.
        let rounds = [
            ClockSync.Round(before: 10.0, after: 10.5, readings: [10.0, 110.45, 5.45]),
            ClockSync.Round(before: 20.0, after: 20.002, readings: [20.0, 120.0012, 15.0008]),
            ClockSync.Round(before: 30.0, after: 30.01, readings: [30.0, 130.005, 25.005]),
        ]
        let sync = try #require(ClockSync(rounds: rounds))
        #expect(abs(sync.uncertainty - 0.001) < 1e-9)
        #expect(abs(sync.reference - 20.001) < 1e-9)
        #expect(sync.offsets[0] == 0)
        #expect(abs(sync.offsets[1] - 100.0002) < 1e-9)
        #expect(abs(sync.offsets[2] - -5.0002) < 1e-9)
        #expect(ClockSync(rounds: []) == nil)

        // On the common clock (rank 0's, zero at the reference): a reading of rank 1 maps back by its offset.
        #expect(abs(sync.common(125.0002, rank: 1, later: nil, zero: sync.reference) - (25 - 20.001)) < 1e-9)
        // With a later synchronisation the offset is interpolated: rank 1 drifts 10 ms in 20 s, so
        // half way (rank 0's 30.001) its offset is 100.0052 s.
        let later = ClockSync(offsets: [0, 100.0102, -5.0002], uncertainty: 0.001, reference: 40.001)
        #expect(abs(sync.common(30.001 + 100.0052, rank: 1, later: later, zero: 0) - 30.001) < 1e-5)
        #expect(abs(sync.common(30.001 + 100.0002, rank: 1, later: nil, zero: 0) - 30.001) < 1e-9)
    }
}
