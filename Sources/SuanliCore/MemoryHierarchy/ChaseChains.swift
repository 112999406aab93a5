/// Where the chains of a pointer chase stand on their cycle, and the check that each run
/// stopped where the permutation says: a chain at position p that takes k loads must stop at
/// the element at position p + k. Runs continue from where the last one stopped, so a walk
/// shorter than the cycle still goes through every line instead of rereading its first ones.
struct ChaseChains {
    let permutation: CyclicPermutation
    private(set) var positions: [Int]
    /// Failed at the first run that stopped anywhere else (and stays failed).
    private(set) var verification: VerificationResult = .passed

    /// `chains` chains spread evenly along the cycle.
    init(permutation: CyclicPermutation, chains: Int) {
        self.permutation = permutation
        positions = permutation.chainStartPositions(max(1, chains))
    }

    /// The elements the chains start the next run from.
    var startElements: [Int] { positions.map(permutation.element(atPosition:)) }

    /// The elements the chains must stop at after `loads` more loads.
    func expectedEnds(after loads: Int) -> [Int] {
        positions.map { permutation.element(atPosition: $0 + loads % permutation.count) }
    }

    /// Records a run of `loads` per chain that stopped at `ends` (nil: not an element of the
    /// working set), and moves the chains on.
    mutating func record(loads: Int, ends: [Int?]) {
        let expected = expectedEnds(after: loads)
        if verification.passed {
            for (chain, (got, want)) in zip(ends, expected).enumerated() where got != want {
                verification = .failed("pointer chase: chain \(chain) stopped at "
                    + (got.map { "element \($0)" } ?? "an address outside the working set")
                    + " after \(loads) loads; the permutation says element \(want)")
                break
            }
            if ends.count != expected.count {
                verification = .failed("pointer chase: \(ends.count) chain ends for \(expected.count) chains")
            }
        }
        positions = positions.map { ($0 + loads) % permutation.count }
    }
}
