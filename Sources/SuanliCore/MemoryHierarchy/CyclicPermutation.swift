import SuanliSchema

/// A random cyclic permutation of 0..<count: one cycle through every element, so a pointer
/// chase that follows it visits each element once per lap in an order no prefetcher predicts.
///
/// It is kept as the visiting order: a uniformly random ordering of the elements, closed into
/// a cycle (the element after `order[i]` is `order[(i + 1) % count]`). Every cyclic
/// permutation arises from exactly `count` orderings (its rotations), so the cycle is uniform.
public struct CyclicPermutation: Sendable {
    /// The element visited at each position of the cycle.
    public let order: [UInt32]

    public init(count: Int, seed: UInt64) {
        precondition(count >= 1 && count <= Int(UInt32.max), "a cyclic permutation needs 1...2^32-1 elements")
        var rng = SeededGenerator(seed: seed)
        var order = (0..<UInt32(count)).map { $0 }
        order.shuffle(using: &rng)
        self.order = order
    }

    public var count: Int { order.count }

    /// The successor table: `successors[e]` is the element after `e`.
    public func successors() -> [UInt32] {
        var next = [UInt32](repeating: 0, count: count)
        for i in 0..<count { next[Int(order[i])] = order[i + 1 == count ? 0 : i + 1] }
        return next
    }

    /// The element at `position` of the cycle (taken modulo the length).
    public func element(atPosition position: Int) -> Int { Int(order[position % count]) }

    /// Where `chains` chains start so they are spread evenly along the cycle: positions.
    public func chainStartPositions(_ chains: Int) -> [Int] {
        (0..<chains).map { $0 * count / chains }
    }
}
