#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SuanliCore

@Suite struct CyclicPermutationTests {
    /// Following the successors from any element visits every element exactly once and comes
    /// back to it after exactly `count` loads: one cycle, no shorter loop.
    @Test(arguments: [1, 2, 3, 64, 1000, 65_537])
    func isOneCycleThroughEveryElement(_ count: Int) {
        let permutation = CyclicPermutation(count: count, seed: 42)
        let next = permutation.successors()
        var seen = [Bool](repeating: false, count: count)
        var element = 0
        for step in 0..<count {
            #expect(!seen[element], "element \(element) visited twice, at step \(step)")
            seen[element] = true
            element = Int(next[element])
        }
        #expect(element == 0)
        #expect(seen.allSatisfy { $0 })
    }

    @Test func isNotTheIdentityOrderAndDependsOnTheSeed() {
        let a = CyclicPermutation(count: 4096, seed: 1), b = CyclicPermutation(count: 4096, seed: 2)
        #expect(a.order != b.order)
        // A walk in address order would let the prefetcher hide the latency.
        let next = a.successors()
        let sequential = (0..<4096).filter { next[$0] == UInt32(($0 + 1) % 4096) }.count
        #expect(sequential < 16)
    }

    @Test func chainsStopWhereThePermutationSays() {
        let permutation = CyclicPermutation(count: 97, seed: 7)
        let next = permutation.successors()
        var chains = ChaseChains(permutation: permutation, chains: 3)
        var walkers = chains.elements
        for loads in [5, 97, 1000, 1] {
            for _ in 0..<loads { walkers = walkers.map { Int(next[$0]) } }
            chains.advance(by: loads)
            #expect(chains.check(ends: walkers) == .passed)
        }
        // One load short, one chain wrong, or an end outside the working set: each fails.
        var short = walkers
        short[1] = permutation.order.firstIndex(of: UInt32(short[1])).map { permutation.element(atPosition: $0 + 96) }!
        #expect(!chains.check(ends: short).passed)
        #expect(!chains.check(ends: [walkers[0], nil, walkers[2]]).passed)
        #expect(!chains.check(ends: Array(walkers.prefix(2))).passed)
    }
}

@Suite struct WorkingSetSweepTests {
    @Test func stepsOfRootTwoFromFourKiBInWholeLines() {
        let sizes = WorkingSetSweep.sizes(through: 256 << 20)
        #expect(sizes.first == 4096)
        #expect(sizes.last == 256 << 20)
        #expect(sizes.count == 33)
        for (a, b) in zip(sizes, sizes.dropFirst()) {
            #expect(abs(Double(b) / Double(a) - 2.0.squareRoot()) < 0.02, "\(a) → \(b)")
        }
        #expect(sizes.allSatisfy { $0 % 64 == 0 })
    }

    @Test func defaultReachesEightTimesTheLastLevelCacheAndAtLeast256MiB() {
        #expect(WorkingSetSweep.defaultLargest(lastLevelCacheBytes: 32 << 20) == 256 << 20)
        #expect(WorkingSetSweep.defaultLargest(lastLevelCacheBytes: 4 << 20) == 256 << 20)
        let big = WorkingSetSweep.defaultLargest(lastLevelCacheBytes: 50 << 20)
        #expect(big >= 400 << 20 && big < 400 << 20 * 3 / 2)
    }

    @Test func parsesByteCounts() {
        #expect(WorkingSetSweep.parseBytes("64K") == 65536)
        #expect(WorkingSetSweep.parseBytes("256MiB") == 256 << 20)
        #expect(WorkingSetSweep.parseBytes("1g") == 1 << 30)
        #expect(WorkingSetSweep.parseBytes("4096") == 4096)
        #expect(WorkingSetSweep.parseBytes("0") == nil)
        #expect(WorkingSetSweep.parseBytes("lots") == nil)
        #expect(WorkingSetSweep.parseBytes("-4K") == nil)
    }
}

/// Synthetic curves over the sweep's sizes: plateaus where the levels are, ramps between them.
enum SyntheticCurve {
    static let sizes = WorkingSetSweep.sizes(through: 256 << 20)

    /// `levels`: (capacity, value) from the smallest; beyond the last capacity, `memory`. Between
    /// a level's capacity and twice it the value moves geometrically to the next level's.
    static func values(_ levels: [(Int, Double)], memory: Double, noise: Double = 0, seed: UInt64 = 9) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        let all = levels + [(Int.max, memory)]
        return sizes.map { size in
            var value = memory
            for (i, level) in all.enumerated() where size <= level.0 || i == all.count - 1 {
                if i > 0, size < 2 * all[i - 1].0 {
                    let t = log2(Double(size) / Double(all[i - 1].0))
                    value = all[i - 1].1 * pow(level.1 / all[i - 1].1, t)
                } else {
                    value = level.1
                }
                break
            }
            return value * (1 + Double.random(in: -noise...noise, using: &rng))
        }
    }
}

@Suite struct PlateauDetectionTests {
    @Test func findsEachLevelOfAStepCurveWhereItEnds() {
        let values = SyntheticCurve.values([(32 << 10, 400), (1 << 20, 150), (32 << 20, 60)], memory: 20, noise: 0.05)
        let found = PlateauDetector.plateaus(sizes: SyntheticCurve.sizes, values: values)
        #expect(found.count == 4, "\(found)")
        guard found.count == 4 else { return }
        #expect(found.map(\.throughBytes).prefix(3) == [32 << 10, 1 << 20, 32 << 20])
        for (plateau, expected) in zip(found, [400.0, 150, 60, 20]) {
            #expect(abs(plateau.value / expected - 1) < 0.06, "\(plateau.value) vs \(expected)")
        }
        #expect(found.last!.reachesEnd)
        #expect(!found[0].reachesEnd)
    }

    @Test func anOutlierDoesNotSplitALevel() {
        var values = SyntheticCurve.values([(1 << 20, 100)], memory: 10)
        values[4] = 35    // one preempted run
        let found = PlateauDetector.plateaus(sizes: SyntheticCurve.sizes, values: values)
        #expect(found.count == 2, "\(found)")
        #expect(found.first?.throughBytes == 1 << 20)
        #expect(found.first.map { abs($0.value - 100) < 1 } == true)
    }

    @Test func aSteadyRampHasNoPlateau() {
        let values = SyntheticCurve.sizes.map { 1e9 / Double($0) }
        #expect(PlateauDetector.plateaus(sizes: SyntheticCurve.sizes, values: values).isEmpty)
    }

    @Test func latencyStepsUpAsWell() {
        let values = SyntheticCurve.values([(32 << 10, 1.2), (1 << 20, 3.8), (32 << 20, 12)], memory: 95, noise: 0.08)
        let found = PlateauDetector.plateaus(sizes: SyntheticCurve.sizes, values: values)
        #expect(found.map(\.throughBytes).dropLast() == [32 << 10, 1 << 20, 32 << 20], "\(found)")
    }
}

@Suite struct MemoryHierarchyTests {
    static let reported = [
        ReportedCache(level: 1, bytes: 32 << 10, sharedBy: 1, source: "sysfs"),
        ReportedCache(level: 2, bytes: 1 << 20, sharedBy: 1, source: "sysfs"),
        ReportedCache(level: 3, bytes: 32 << 20, sharedBy: 2, source: "sysfs"),
    ]

    /// A `cache` curve from two threads (private caches end at twice their size) and a `memlat` curve.
    static func measurements(bandwidth: [(Int, Double)], latency: [(Int, Double)], threads: Int = 2) -> [Measurement] {
        let bw = SyntheticCurve.values(bandwidth, memory: 25, noise: 0.04)
        let lat = SyntheticCurve.values(latency, memory: 90, noise: 0.04, seed: 3)
        return zip(SyntheticCurve.sizes, zip(bw, lat)).flatMap { size, values in
            var read = Measurement(device: "cpu", suite: .cache, kernel: "read", precision: nil, size: ["bytes": size], unit: .gbps)
            read.record(samples: [values.0], verification: .passed)
            read.parameters = ["threads": "\(threads)"]
            var chase = Measurement(device: "cpu", suite: .memlat, kernel: "chase", precision: nil, size: ["bytes": size],
                                    unit: .nanoseconds)
            chase.record(samples: [values.1], verification: .passed)
            return [read, chase]
        }
    }

    @Test func levelsFoundAgreeWithTheReportedCaches() {
        let ms = Self.measurements(bandwidth: [(64 << 10, 420), (2 << 20, 160), (32 << 20, 70)],
                                   latency: [(32 << 10, 1.2), (1 << 20, 3.5), (32 << 20, 11)])
        let levels = MemoryHierarchy.detect(device: "cpu", reported: Self.reported, measurements: ms)
        #expect(levels.map(\.level) == ["L1", "L2", "L3", "DRAM"])
        guard levels.count == 4 else { return }
        #expect(levels[0].bytes == 32 << 10)
        #expect(levels[0].bandwidthThroughBytes == 64 << 10)
        #expect(levels[1].reportedBytes == 1 << 20)
        #expect(levels.allSatisfy { $0.note == nil }, "\(levels.compactMap(\.note))")
        #expect(abs(levels[3].latencyNs! / 90 - 1) < 0.05)
        #expect(abs(levels[0].bandwidthGBs! / 420 - 1) < 0.05)
        #expect(levels[3].bytes == nil)
    }

    @Test func aLevelMoreThanTwiceOffIsFlagged() {
        // The latency plateau of "L2" runs to 4 MiB, four times the reported 1 MiB.
        let ms = Self.measurements(bandwidth: [(64 << 10, 420), (8 << 20, 160), (32 << 20, 70)],
                                   latency: [(32 << 10, 1.2), (4 << 20, 3.5), (32 << 20, 11)])
        let levels = MemoryHierarchy.detect(device: "cpu", reported: Self.reported, measurements: ms)
        let l2 = levels.first { $0.level == "L2" }
        #expect(l2?.note?.contains("4.0× apart") == true, "\(levels)")
        #expect(levels.first { $0.level == "L1" }?.note == nil)
    }

    @Test func bandwidthAloneGivesPerCoreCapacityFromTheThreadsItSpreadOver() {
        let ms = Self.measurements(bandwidth: [(64 << 10, 420), (2 << 20, 160), (32 << 20, 70)], latency: [])
            .filter { $0.suite == .cache }
        let levels = MemoryHierarchy.detect(device: "cpu", reported: Self.reported, measurements: ms)
        #expect(levels.map(\.bytes) == [32 << 10, 1 << 20, 32 << 20, nil])
        #expect(levels.allSatisfy { $0.latencyNs == nil })
    }

    @Test func aReportedLevelWithoutAPlateauIsNamed() {
        let ms = Self.measurements(bandwidth: [(64 << 10, 420), (2 << 20, 160)], latency: [(32 << 10, 1.2), (1 << 20, 3.5)])
        let levels = MemoryHierarchy.detect(device: "cpu", reported: Self.reported, measurements: ms)
        #expect(levels.last?.note?.contains("no plateau found for the reported L3") == true, "\(levels)")
    }

    /// The last sizes stray (a busy machine, more TLB misses), but a plateau running to 4× beyond
    /// every reported cache cannot be a cache.
    @Test func aMemoryPlateauThatStopsShortOfTheEndIsStillMemory() {
        var ms = Self.measurements(bandwidth: [(64 << 10, 420), (2 << 20, 160), (32 << 20, 70)],
                                   latency: [(32 << 10, 1.2), (1 << 20, 3.5), (32 << 20, 11)])
        if let last = ms.lastIndex(where: { $0.suite == .memlat }) { ms[last].record(samples: [200], verification: .passed) }
        let levels = MemoryHierarchy.detect(device: "cpu", reported: Self.reported, measurements: ms)
        #expect(levels.map(\.level) == ["L1", "L2", "L3", "DRAM"], "\(levels)")
        #expect(levels.last.flatMap(\.latencyNs).map { abs($0 / 90 - 1) < 0.1 } == true)
    }

    @Test func nothingWithoutCurves() {
        #expect(MemoryHierarchy.detect(device: "cpu", reported: Self.reported, measurements: []).isEmpty)
    }

    /// The buffer's own mapping is found in the (long, size-0) /proc file, and what it reports is consistent.
    @Test func largePageBufferFindsItsMapping() throws {
        let buffer = try LargePageBuffer(bytes: 8 << 20)
        let smaps = try #require(LargePageBuffer.readProcFile("/proc/self/smaps"))
        let start = String(UInt(bitPattern: buffer.pointer), radix: 16)
        #expect(smaps.contains(start + "-") || smaps.split(separator: "\n").contains { line in
            // The mapping may begin below the aligned start (the alignment slack).
            guard let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
                  let a = UInt(line[..<dash], radix: 16), let b = UInt(line[line.index(after: dash)..<space], radix: 16) else { return false }
            return a <= UInt(bitPattern: buffer.pointer) && UInt(bitPattern: buffer.pointer) < b
        })
        let parameters = buffer.hugePageParameters()
        #expect(["yes", "partly", "no"].contains(parameters["huge_pages"]), "\(parameters)")
        let backed = try #require(parameters["huge_page_bytes"].flatMap { Int($0) })
        #expect(backed >= 0 && backed <= buffer.byteCount)
        if parameters["thp_mode"] == "never" { #expect(backed == 0) }
    }

    @Test func readsHugePagesFromSmaps() {
        let smaps = """
        7f0000000000-7f0000400000 rw-p 00000000 00:00 0
        Size:               4096 kB
        AnonHugePages:      4096 kB
        7f0000400000-7f0000600000 rw-p 00000000 00:00 0
        AnonHugePages:      2048 kB
        7f1000000000-7f1000200000 rw-p 00000000 00:00 0
        AnonHugePages:      2048 kB
        """
        #expect(LargePageBuffer.anonHugePages(inSmaps: smaps, from: 0x7f00_0000_0000, to: 0x7f00_0060_0000) == 6 << 20)
        #expect(LargePageBuffer.anonHugePages(inSmaps: smaps, from: 0x7f00_0040_0000, to: 0x7f00_0050_0000) == 2 << 20)
        #expect(LargePageBuffer.anonHugePages(inSmaps: smaps, from: 0x1000, to: 0x2000) == nil, "not this process's memory")
    }
}
