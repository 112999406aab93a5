/// One level of the memory hierarchy as a bench run found it: a plateau of the `cache`
/// bandwidth curve and of the `memlat` latency curve, set against what the device or
/// `/sys/devices/system/cpu/cpu0/cache` reports. Stored in a result's `hierarchy`.
@SnakeCaseCodingKeys
public struct HierarchyLevel: Codable, Sendable, Equatable {
    public var device: String
    /// `L1`, `L2`, … in the order found, and `DRAM` for the level beyond every cache.
    public var level: String
    /// The capacity found, as one core (one chain, one work-group) sees it: where the latency
    /// plateau ends, else where the bandwidth plateau ends divided by the cache instances the
    /// bandwidth run spread over. nil for DRAM.
    public var bytes: Int?
    /// The bandwidth plateau's median (all cores or work-groups reading).
    public var bandwidthGBs: Double?
    /// The latency plateau's median (one chain).
    public var latencyNs: Double?
    /// The size the device or the kernel reports for this level (per instance), when it reports one.
    public var reportedBytes: Int?
    /// Where each curve's plateau begins and ends, in the sweep's working-set bytes.
    public var bandwidthFromBytes: Int?
    public var bandwidthThroughBytes: Int?
    public var latencyFromBytes: Int?
    public var latencyThroughBytes: Int?
    /// Set when the level found and the level reported disagree (more than 2× apart, or one is missing).
    public var note: String?

    public init(device: String, level: String) {
        self.device = device
        self.level = level
    }
}
