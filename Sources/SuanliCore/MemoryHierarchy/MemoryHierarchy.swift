import SuanliSchema

/// A cache level the device reports: its size per instance and how many cores share an instance.
public struct ReportedCache: Sendable, Equatable {
    public var level: Int
    public var bytes: Int
    /// Logical CPUs sharing one instance (1 for a private cache); nil when unknown.
    public var sharedBy: Int?
    public var source: String
}

/// Detects the levels of the memory hierarchy from a run's `cache` and `memlat` curves.
public enum MemoryHierarchy {
    /// Levels found and set against the reported caches differ by more than this factor: say so.
    public static let disagreementFactor = 2.0

    /// The levels of every device of `measurements` that has a `cache` or `memlat` curve.
    public static func detect(devices: [DeviceDescriptor], measurements: [Measurement]) -> [HierarchyLevel] {
        devices.flatMap { device in
            detect(device: device.id, reported: reportedCaches(device),
                   measurements: measurements.filter { $0.device == device.id }, computeUnits: device.computeUnits)
        }
    }

    /// What a device reports: the CPU's data and unified caches from sysfs (one entry per level),
    /// an OpenCL device's global memory cache (its last level, shared by all compute units).
    public static func reportedCaches(_ device: DeviceDescriptor) -> [ReportedCache] {
        if let caches = device.caches {
            var byLevel: [Int: ReportedCache] = [:]
            for cache in caches where cache.type != "Instruction" {
                byLevel[cache.level] = ReportedCache(level: cache.level, bytes: cache.sizeBytes, sharedBy: cache.sharedByCPUs,
                                                     source: "/sys/devices/system/cpu/cpu0/cache")
            }
            return byLevel.keys.sorted().map { byLevel[$0]! }
        }
        if let info = device.opencl, info.globalCacheBytes > 0 {
            // One cache shared by every compute unit.
            return [ReportedCache(level: 0, bytes: info.globalCacheBytes, sharedBy: max(1, info.computeUnits),
                                  source: "CL_DEVICE_GLOBAL_MEM_CACHE_SIZE")]
        }
        return []
    }

    /// One device: plateaus of the bandwidth curve (`cache`/`read`) and the latency curve
    /// (`memlat`/`chase`), paired in order (caches from the smallest, the level beyond the
    /// caches with its counterpart), then compared with `reported`.
    /// `computeUnits`: cores (or compute units) the bandwidth run can have spread over at most.
    public static func detect(device: String, reported: [ReportedCache], measurements: [Measurement],
                              computeUnits: Int? = nil) -> [HierarchyLevel] {
        let bandwidth = curve(measurements, suite: .cache, kernel: "read")
        let latency = curve(measurements, suite: .memlat, kernel: "chase")
        guard bandwidth.sizes.count >= 3 || latency.sizes.count >= 3 else { return [] }
        // Cores (threads on the CPU, compute units under OpenCL slices) the bandwidth run spread its
        // working set over: a private cache holds cores × its size of it.
        let slicesOrThreads = measurements.first { $0.suite == .cache && $0.status == .ok }
            .flatMap { $0.parameters?["threads"] ?? $0.parameters?["slices"] }.flatMap { Int($0) } ?? 1
        let spread = min(slicesOrThreads, computeUnits ?? slicesOrThreads)
        let largestReported = reported.map(\.bytes).max()
        func split(_ c: (sizes: [Int], values: [Double])) -> (caches: [Plateau], memory: Plateau?) {
            guard c.sizes.count >= 3 else { return ([], nil) }
            let found = PlateauDetector.plateaus(sizes: c.sizes, values: c.values)
            // The last plateau is memory when it runs to the end of a sweep that went well past
            // every reported cache (or, with none reported, to 256 MiB and beyond), or when it
            // alone runs that far past them: no cache holds 4× the largest one reported.
            guard let last = found.last else { return ([], nil) }
            let reach = c.sizes.last!
            let memory = largestReported.map { last.throughBytes >= 4 * $0 || (last.reachesEnd && reach >= 4 * $0) }
                ?? (last.reachesEnd && reach >= WorkingSetSweep.minimumLargest)
            return memory ? (Array(found.dropLast()), last) : (found, nil)
        }
        let bw = split(bandwidth)
        let lat = split(latency)
        var levels: [HierarchyLevel] = []
        var notes: [String] = []
        let cacheCount = max(bw.caches.count, lat.caches.count)
        if !bw.caches.isEmpty && !lat.caches.isEmpty && bw.caches.count != lat.caches.count {
            notes.append("the bandwidth curve shows \(bw.caches.count) cache level(s) and the latency curve \(lat.caches.count); paired in order")
        }
        for k in 0..<cacheCount {
            var level = HierarchyLevel(device: device, level: "L\(k + 1)")
            let reportedLevel: ReportedCache? = reported.first?.level == 0
                ? (k == cacheCount - 1 ? reported.first : nil)   // OpenCL: only the last level is reported
                : reported.first { $0.level == k + 1 }
            if k < bw.caches.count {
                level.bandwidthGBs = bw.caches[k].value
                level.bandwidthFromBytes = bw.caches[k].fromBytes
                level.bandwidthThroughBytes = bw.caches[k].throughBytes
            }
            if k < lat.caches.count {
                level.latencyNs = lat.caches[k].value
                level.latencyFromBytes = lat.caches[k].fromBytes
                level.latencyThroughBytes = lat.caches[k].throughBytes
                level.bytes = lat.caches[k].throughBytes
            } else if let through = level.bandwidthThroughBytes {
                level.bytes = through / spreadFactor(spread, sharedBy: reportedLevel?.sharedBy)
            }
            level.reportedBytes = reportedLevel?.bytes
            if let found = level.bytes, let told = reportedLevel?.bytes, told > 0 {
                let apart = PlateauDetector.ratio(Double(found), Double(told))
                if apart > disagreementFactor {
                    level.note = "\(level.level) found at \(WorkingSetSweep.describe(found)), \(reportedLevel!.source) reports "
                        + "\(WorkingSetSweep.describe(told)): \(formatted(apart, decimals: 1))× apart"
                }
            } else if level.bytes != nil, reportedLevel == nil, !reported.isEmpty, reported.first?.level != 0 {
                level.note = "\(level.level) found, but the device reports no level \(k + 1) cache"
            }
            levels.append(level)
        }
        if bw.memory != nil || lat.memory != nil {
            var memory = HierarchyLevel(device: device, level: "DRAM")
            memory.bandwidthGBs = bw.memory?.value
            memory.latencyNs = lat.memory?.value
            memory.bandwidthFromBytes = bw.memory?.fromBytes
            memory.bandwidthThroughBytes = bw.memory?.throughBytes
            memory.latencyFromBytes = lat.memory?.fromBytes
            memory.latencyThroughBytes = lat.memory?.throughBytes
            levels.append(memory)
        }
        // Reported caches that no plateau matched.
        let missing = reported.filter { $0.level > cacheCount }
        if !missing.isEmpty {
            notes.append("no plateau found for the reported " + missing.map { "L\($0.level) (\(WorkingSetSweep.describe($0.bytes)))" }
                .joined(separator: ", "))
        }
        if !notes.isEmpty, !levels.isEmpty {
            let last = levels.count - 1
            levels[last].note = ([levels[last].note].compactMap { $0 } + notes).joined(separator: "; ")
        }
        return levels
    }

    /// Cache instances `spread` workers cover: one per `sharedBy` logical CPUs (all of them when unknown).
    static func spreadFactor(_ spread: Int, sharedBy: Int?) -> Int {
        guard let sharedBy, sharedBy > 0 else { return max(1, spread) }
        return max(1, (spread + sharedBy - 1) / sharedBy)
    }

    /// The verified points of one curve, by working-set size.
    static func curve(_ measurements: [Measurement], suite: Suite, kernel: String) -> (sizes: [Int], values: [Double]) {
        let points = measurements.filter { $0.suite == suite && $0.kernel == kernel && $0.status == .ok }
            .compactMap { m -> (Int, Double)? in
                guard let bytes = m.size["bytes"], let median = m.median, median > 0 else { return nil }
                return (bytes, median)
            }
            .sorted { $0.0 < $1.0 }
        return (points.map(\.0), points.map(\.1))
    }
}

extension ResultDocument {
    /// A document whose memory-hierarchy levels are found in its `cache` and `memlat` curves.
    public init(runID: String, created: String, tool: ToolInfo, commandLine: [String], host: HostInfo,
                devices: [DeviceDescriptor], measurements: [Measurement], incomplete: Bool) {
        let levels = MemoryHierarchy.detect(devices: devices, measurements: measurements)
        self.init(runID: runID, created: created, tool: tool, commandLine: commandLine, host: host, devices: devices,
                  measurements: measurements, incomplete: incomplete, hierarchy: levels.isEmpty ? nil : levels)
    }

    /// The hierarchy levels of `device`: as recorded, or found now in the curves of a file written
    /// before the field existed.
    public func hierarchyLevels(of device: String) -> [HierarchyLevel] {
        if let hierarchy { return hierarchy.filter { $0.device == device } }
        guard let descriptor = devices.first(where: { $0.id == device }) else { return [] }
        return MemoryHierarchy.detect(devices: [descriptor], measurements: measurements)
    }
}
