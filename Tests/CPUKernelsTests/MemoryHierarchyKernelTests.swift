import CPUKernelsAVX2
import CPUKernelsAVX512
import CPUKernelsPortable
import Testing

// The cache-read and pointer-chase kernels, both variants: checksums against a scalar sum of
// each thread's slice (odd counts: vector tails and slice edges), and chases that must stop
// exactly where a scalar walk of the same cycle stops.

extension Variant {
    func cacheRead(_ data: UnsafePointer<UInt32>, count: Int, repetitions: Int, threads: Int,
                   checksums: UnsafeMutablePointer<UInt32>) {
        switch self {
        case .portable:
            CPUKernelsPortable.CPUKernels.cacheRead(data, count: count, repetitions: repetitions, threads: threads, checksums: checksums)
        case .avx2:
            CPUKernelsAVX2.CPUKernels.cacheRead(data, count: count, repetitions: repetitions, threads: threads, checksums: checksums)
        case .avx512:
            CPUKernelsAVX512.CPUKernels.cacheRead(data, count: count, repetitions: repetitions, threads: threads, checksums: checksums)
        }
    }

    func pointerChase(starts: UnsafePointer<UnsafeRawPointer>, ends: UnsafeMutablePointer<UnsafeRawPointer?>, chains: Int, steps: Int) {
        switch self {
        case .portable: CPUKernelsPortable.CPUKernels.pointerChase(starts: starts, ends: ends, chains: chains, steps: steps)
        case .avx2: CPUKernelsAVX2.CPUKernels.pointerChase(starts: starts, ends: ends, chains: chains, steps: steps)
        case .avx512: CPUKernelsAVX512.CPUKernels.pointerChase(starts: starts, ends: ends, chains: chains, steps: steps)
        }
    }
}

@Suite struct CacheReadKernelTests {
    @Test(arguments: Variant.runnable, [1, 15, 16, 17, 63, 64, 65, 1000, 4097, 100_003])
    func checksumIsTheRepeatedSumOfEachSlice(_ variant: Variant, _ count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let data = (0..<count).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        for threads in [1, 2, 3] {
            for repetitions in [1, 3] {
                var sums = [UInt32](repeating: 0xDEAD_BEEF, count: threads)
                data.withUnsafeBufferPointer { d in
                    sums.withUnsafeMutableBufferPointer { s in
                        variant.cacheRead(d.baseAddress!, count: count, repetitions: repetitions, threads: threads,
                                          checksums: s.baseAddress!)
                    }
                }
                var covered = 0
                for t in 0..<threads {
                    let slice = CPUKernelsPortable.CPUKernels.cacheReadSlice(t, of: threads, count: count)
                    #expect(slice.lowerBound == covered, "slices must tile the working set")
                    covered = slice.upperBound
                    let expected = data[slice].reduce(UInt32(0), &+) &* UInt32(repetitions)
                    #expect(sums[t] == expected, "\(variant) count \(count) threads \(threads) reps \(repetitions) thread \(t)")
                }
                #expect(covered == count)
            }
        }
    }

    @Test(arguments: Variant.runnable)
    func slicesStartOnCacheLines(_ variant: Variant) {
        for t in 0..<4 {
            #expect(CPUKernelsPortable.CPUKernels.cacheReadSlice(t, of: 4, count: 10_000).lowerBound % 16 == 0)
        }
    }
}

@Suite struct PointerChaseKernelTests {
    @Test(arguments: Variant.runnable, [1, 2, 9, 1000])
    func chainsStopWhereAScalarWalkStops(_ variant: Variant, _ lines: Int) {
        // A random cycle over `lines` 64-byte lines; each line's first word points at the next.
        var rng = SplitMix64(seed: UInt64(lines))
        var order = Array(0..<lines)
        order.shuffle(using: &rng)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: lines * 64, alignment: 64)
        defer { memory.deallocate() }
        for i in 0..<lines {
            (memory + order[i] * 64).storeBytes(of: UnsafeRawPointer(memory + order[(i + 1) % lines] * 64), as: UnsafeRawPointer.self)
        }
        for chains in [1, 3] {
            for steps in [0, 1, 7, 8, 9, 1001] {
                let positions = (0..<chains).map { $0 * lines / chains }
                let starts = positions.map { UnsafeRawPointer(memory + order[$0] * 64) }
                var ends = [UnsafeRawPointer?](repeating: nil, count: chains)
                starts.withUnsafeBufferPointer { s in
                    ends.withUnsafeMutableBufferPointer { e in
                        variant.pointerChase(starts: s.baseAddress!, ends: e.baseAddress!, chains: chains, steps: steps)
                    }
                }
                for c in 0..<chains {
                    let expected = UnsafeRawPointer(memory + order[(positions[c] + steps) % lines] * 64)
                    #expect(ends[c] == expected, "\(variant) lines \(lines) chain \(c) steps \(steps)")
                }
            }
        }
    }
}
