// Cache-bandwidth sweep on the CPU: every worker rereads its own slice of a working set
// `repetitions` times and sums what it read with wrapping 32-bit integer adds. The sum is a
// checksum the caller recomputes exactly, and it keeps the loads from being optimised away.
//
// Slices: 0..<count split into `threads` contiguous chunks whose boundaries fall on 64-byte
// lines (the same split as the stream kernels). With one worker per core, each core's slice
// is count / threads elements, so a private cache shows its plateau up to threads × its size.

extension CPUKernels {
    /// Worker t sums its slice of data[0..<count] `repetitions` times into `checksums[t]`.
    /// `checksums` must hold `threads` values.
    public static func cacheRead(_ data: UnsafePointer<UInt32>, count: Int, repetitions: Int, threads: Int,
                                 checksums: UnsafeMutablePointer<UInt32>) {
        let threads = max(1, threads)
        let source = SendablePointer(data), sums = SendablePointer(checksums)
        parallelFor(threads) { t in
            let range = cacheReadSlice(t, of: threads, count: count)
            sums.p[t] = cacheReadSum(source.p + range.lowerBound, count: range.count, repetitions: repetitions)
        }
    }

    /// The elements worker `index` of `threads` reads (for callers that recompute checksums).
    public static func cacheReadSlice(_ index: Int, of threads: Int, count: Int) -> Range<Int> {
        chunk(index, of: max(1, threads), count: count, granule: 16)
    }
}

/// One worker's loop: four independent 16-lane sums (four 64-byte lines per step) so the
/// loads never wait on a single add chain; the AVX2 build turns each into two ymm adds.
@inline(__always)
func cacheReadSum(_ p: UnsafeMutablePointer<UInt32>, count: Int, repetitions: Int) -> UInt32 {
    typealias V = SIMD16<UInt32>
    var a0 = V(), a1 = V(), a2 = V(), a3 = V()
    var tail: UInt32 = 0
    let bulk = count / 64 * 64
    let raw = UnsafeRawPointer(p)
    for _ in 0..<repetitions {
        var offset = 0
        let end = bulk * 4
        while offset < end {
            a0 &+= raw.loadUnaligned(fromByteOffset: offset, as: V.self)
            a1 &+= raw.loadUnaligned(fromByteOffset: offset + 64, as: V.self)
            a2 &+= raw.loadUnaligned(fromByteOffset: offset + 128, as: V.self)
            a3 &+= raw.loadUnaligned(fromByteOffset: offset + 192, as: V.self)
            offset += 256
        }
        var i = bulk
        while i < count { tail &+= p[i]; i += 1 }
    }
    return ((a0 &+ a1) &+ (a2 &+ a3)).wrappedSum() &+ tail
}
