import SuanliSchema

/// Where the chains of a pointer chase stand on their cycle, and the check that they stopped
/// where the permutation says: a chain at position p that takes k loads must stop at the element
/// at position p + k. Runs continue from where the last one stopped (so a run shorter than the
/// cycle still goes through every line instead of rereading its first ones), so checking where
/// the chains stand after a batch of runs checks every run of it.
struct ChaseChains {
    let permutation: CyclicPermutation
    /// Positions on the cycle where the chains must stand after every load so far.
    private(set) var positions: [Int]
    /// Loads per chain since the chains were laid out.
    private(set) var loadsSoFar = 0

    /// `chains` chains spread evenly along the cycle.
    init(permutation: CyclicPermutation, chains: Int) {
        self.permutation = permutation
        positions = permutation.chainStartPositions(max(1, chains))
    }

    /// The elements the chains stand at now.
    var elements: [Int] { positions.map(permutation.element(atPosition:)) }

    /// Every chain has taken `loads` more loads.
    mutating func advance(by loads: Int) {
        positions = positions.map { ($0 + loads % permutation.count) % permutation.count }
        loadsSoFar += loads
    }

    /// Checks where the chains stopped (nil: somewhere outside the working set) against where the
    /// permutation says they must stand.
    func check(ends: [Int?]) -> VerificationResult {
        let expected = elements
        guard ends.count == expected.count else {
            return .failed("pointer chase: \(ends.count) chain ends for \(expected.count) chains")
        }
        for (chain, (got, want)) in zip(ends, expected).enumerated() where got != want {
            return .failed("pointer chase: chain \(chain) stopped at "
                + (got.map { "element \($0)" } ?? "an address outside the working set")
                + " after \(loadsSoFar) loads; the permutation says element \(want)")
        }
        return .passed
    }
}

/// A pointer-chase runner's state between runs: the chains, which of its two slot arrays holds
/// their starts (the other receives their ends, and the two swap after each run), and the loads
/// per chain of one run. Written once for the native CPU and OpenCL runners, which differ only in
/// how they launch a run and read the ends.
struct ChaseRuns {
    /// One launch: chains start at slot array `from`, end in `to`, each taking `loads` loads; returns seconds.
    typealias Launch = (_ from: Int, _ to: Int, _ chains: Int, _ loads: Int) throws -> Double

    private(set) var chains: ChaseChains?
    /// The slot array that holds the chains' starts now (after a run: their ends).
    private(set) var current = 0
    private(set) var loads = 1

    /// The slot array the next run writes its ends to.
    var other: Int { 1 - current }

    /// Lays new chains (the caller has written their starts into slot array `current`), walks one
    /// lap of `lines` loads so every line reaches the nearest cache that holds it, then doubles the
    /// loads per run until one run lasts about `targetSeconds`.
    mutating func prepare(_ state: ChaseChains, lines: Int, limit: Int, targetSeconds: Double, launch: Launch) throws {
        chains = state
        loads = lines
        _ = try run(launch)
        loads = try calibrateWork(start: 1024, limit: limit, targetSeconds: targetSeconds) { work in
            loads = work
            return try run(launch).seconds
        }
    }

    /// One timed run from where the chains stand; then the slot arrays swap and the chains advance.
    mutating func run(_ launch: Launch) throws -> (seconds: Double, loads: Int) {
        guard var state = chains else { throw BenchmarkError("pointer chase: prepare first") }
        let seconds = try launch(current, 1 - current, state.positions.count, loads)
        current = 1 - current
        state.advance(by: loads)
        chains = state
        return (seconds, loads)
    }
}
