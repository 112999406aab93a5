import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif

/// Host memory for the memory-hierarchy sweeps, asked for in transparent huge pages
/// (`madvise(MADV_HUGEPAGE)` on a 2 MiB-aligned mapping) so that a DRAM latency figure is not
/// mostly TLB misses. Whether the kernel gave huge pages is read back from `/proc/self/smaps`
/// and recorded with every measurement made in it.
final class LargePageBuffer {
    static let hugePageBytes = 2 << 20
    let base: UnsafeMutableRawPointer
    let mappedBytes: Int
    /// 2 MiB-aligned start of the usable bytes.
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// Whether `madvise(MADV_HUGEPAGE)` was accepted.
    let advised: Bool

    init(bytes: Int) throws {
        let huge = Self.hugePageBytes
        let rounded = (max(bytes, 1) + huge - 1) / huge * huge
        mappedBytes = rounded + huge
        guard let mapped = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapped != MAP_FAILED else {
            throw BenchmarkError("cannot map \(bytes) bytes of memory (errno \(errno))")
        }
        base = mapped
        let address = Int(bitPattern: mapped)
        pointer = UnsafeMutableRawPointer(bitPattern: (address + huge - 1) / huge * huge)!
        byteCount = rounded
        advised = madvise(pointer, rounded, MADV_HUGEPAGE) == 0
        // Touch every page now, so the pages (huge or not) exist before anything is timed.
        memset(pointer, 0, rounded)
    }

    deinit { munmap(base, mappedBytes) }

    /// Reads a /proc file to its end (they report a size of 0, and can be long).
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sums `AnonHugePages` over the mappings of `smaps` that overlap [from, to); nil when no
    /// mapping does (the range is not this process's memory).
    static func anonHugePages(inSmaps smaps: String, from: UInt, to: UInt) -> Int? {
        var total = 0
        var inside = false, found = false
        for line in smaps.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
               let start = UInt(line[..<dash], radix: 16), let end = UInt(line[line.index(after: dash)..<space], radix: 16) {
                inside = start < to && end > from
                found = found || inside
            } else if inside, line.hasPrefix("AnonHugePages:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kib = Int(fields[1]) { total += kib * 1024 }
            }
        }
        return found ? total : nil
    }

    /// The system's transparent-huge-page mode: `always`, `madvise` or `never` (nil when unknown).
    static func transparentHugePageMode() -> String? {
        guard let text = HostInfo.readText("/sys/kernel/mm/transparent_hugepage/enabled"),
              let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close else { return nil }
        return String(text[text.index(after: open)..<close])
    }

    /// Parameters recorded with each measurement: `huge_pages` (`yes`, `partly`, `no` or
    /// `unknown`), the bytes backed by huge pages, and the system's mode.
    func hugePageParameters() -> [String: String] {
        Self.hugePageParameters(address: UnsafeRawPointer(pointer), bytes: byteCount)
    }

    /// The same for any host memory of this process (e.g. an OpenCL CPU device's buffer, found by
    /// mapping it): the huge pages among the 2 MiB pages of [address, address + bytes).
    static func hugePageParameters(address: UnsafeRawPointer, bytes: Int) -> [String: String] {
        var parameters = ["thp_mode": transparentHugePageMode() ?? "unknown"]
        let start = UInt(bitPattern: address)
        guard let smaps = readProcFile("/proc/self/smaps"), bytes > 0,
              let inMappings = anonHugePages(inSmaps: smaps, from: start, to: start + UInt(bytes)) else {
            parameters["huge_pages"] = "unknown"
            return parameters
        }
        // Only whole huge pages inside the range can be huge; a mapping's count is clipped to the range.
        let backed = min(inMappings, bytes)
        let whole = (Int(start + UInt(bytes)) / hugePageBytes - (Int(start) + hugePageBytes - 1) / hugePageBytes) * hugePageBytes
        parameters["huge_page_bytes"] = "\(backed)"
        parameters["huge_pages"] = backed > 0 && backed >= whole ? "yes" : backed > 0 ? "partly" : "no"
        return parameters
    }
}
