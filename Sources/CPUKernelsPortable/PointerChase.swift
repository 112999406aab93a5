// Pointer-chase latency on the CPU: each 8-byte word at the start of a cache line holds
// the address of the next line of a random cyclic permutation, so every load depends on
// the one before it (`mov rax, [rax]`) and the time per step is the load-to-use latency of
// whichever level holds the working set.

extension CPUKernels {
    /// Follows `steps` pointers from `start` and returns where the walk stopped.
    @inline(never)
    public static func pointerChase(from start: UnsafeRawPointer, steps: Int) -> UnsafeRawPointer {
        var p = start
        var left = steps
        while left >= 8 {
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            p = p.load(as: UnsafeRawPointer.self); p = p.load(as: UnsafeRawPointer.self)
            left -= 8
        }
        while left > 0 {
            p = p.load(as: UnsafeRawPointer.self)
            left -= 1
        }
        return p
    }

    /// One chain per worker: chain t walks `steps` pointers from `starts[t]` and stores where it
    /// stopped in `ends[t]`. Both arrays hold `chains` addresses; chains run concurrently.
    public static func pointerChase(starts: UnsafePointer<UnsafeRawPointer>, ends: UnsafeMutablePointer<UnsafeRawPointer?>,
                                    chains: Int, steps: Int) {
        let from = SendablePointer(starts), to = SendablePointer(ends)
        parallelFor(max(1, chains)) { t in
            to.p[t] = pointerChase(from: from.p[t], steps: steps)
        }
    }
}
