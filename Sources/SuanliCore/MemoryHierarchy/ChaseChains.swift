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
