/// Collective communication time: latency + bytes × algorithm factor / (bandwidth × efficiency).
public enum Collective: String, Sendable, CaseIterable {
    case allReduce = "all-reduce"
    case reduceScatter = "reduce-scatter"
    case allGather = "all-gather"
    /// One message to a neighbour (pipeline activations).
    case pointToPoint = "point-to-point"

    /// Bytes each rank sends per byte of the message with a ring over `ranks` ranks:
    /// all-reduce 2(n−1)/n, reduce-scatter and all-gather (n−1)/n, point-to-point 1.
    public func algorithmFactor(ranks n: Int) -> Double {
        let n = Double(n)
        switch self {
        case .allReduce: return 2 * (n - 1) / n
        case .reduceScatter, .allGather: return (n - 1) / n
        case .pointToPoint: return 1
        }
    }

    /// Ring steps, each paying the link's hop latency: 2(n−1) for all-reduce, n−1 for the halves, 1.
    public func steps(ranks n: Int) -> Int {
        switch self {
        case .allReduce: return 2 * (n - 1)
        case .reduceScatter, .allGather: return n - 1
        case .pointToPoint: return 1
        }
    }

    /// Seconds to run on `ranks` ranks over `link` for a message of `bytes` (the full buffer each rank
    /// holds for all-reduce and reduce-scatter input, or gathers for all-gather). A measured bus
    /// bandwidth curve replaces the line-rate model: nccl-tests define busbw so that
    /// time = bytes × factor / busbw for each of these collectives.
    public func seconds(bytes: Double, ranks: Int, link: Link) -> Double {
        guard bytes > 0 else { return 0 }
        if self != .pointToPoint && ranks <= 1 { return 0 }
        let factor = algorithmFactor(ranks: max(ranks, 2))
        if let curve = link.measured, !curve.points.isEmpty, !(link.measuredIsAllReduceOnly && self == .pointToPoint) {
            var busbw = curve.busBytesPerSecond(at: bytes)
            if link.measuredIsAllReduceOnly && self != .allReduce {
                busbw = min(busbw, link.bytesPerSecond * link.efficiency)
            }
            return bytes * factor / busbw
        }
        let latency = link.baseLatency + Double(steps(ranks: max(ranks, 2))) * link.hopLatency
        return latency + bytes * factor / (link.bytesPerSecond * link.efficiency)
    }
}
