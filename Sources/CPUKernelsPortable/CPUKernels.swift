// Native CPU kernels. This file is compiled twice: in CPUKernelsPortable (baseline
// target CPU) and, through a symlink, in CPUKernelsAVX2 (-target-cpu haswell).
// Only Variant.swift differs between the two modules.

import Dispatch

/// Native CPU kernels: SGEMM/DGEMM, BabelStream-style stream kernels and an FMA
/// peak probe. All entry points take a `threads` count and use
/// `DispatchQueue.concurrentPerform` to spread the work over that many workers.
public enum CPUKernels {}

/// A raw pointer that may cross into `concurrentPerform` workers. Each worker
/// touches a disjoint range (or only reads), which is what makes this sound.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let p: UnsafeMutablePointer<T>
    @inlinable init(_ p: UnsafeMutablePointer<T>) { self.p = p }
    @inlinable init(_ p: UnsafePointer<T>) { self.p = UnsafeMutablePointer(mutating: p) }
}

/// Runs `body(t)` for t in 0..<threads, concurrently when threads > 1.
@inline(__always)
func parallelFor(_ threads: Int, _ body: @Sendable (Int) -> Void) {
    if threads <= 1 {
        body(0)
    } else {
        DispatchQueue.concurrentPerform(iterations: threads, execute: body)
    }
}

/// Splits 0..<count into `parts` contiguous chunks whose boundaries are multiples
/// of `granule` (except the final end), and returns chunk `index`.
@inline(__always)
func chunk(_ index: Int, of parts: Int, count: Int, granule: Int) -> Range<Int> {
    let units = (count + granule - 1) / granule
    let lo = min(count, (units * index / parts) * granule)
    let hi = index == parts - 1 ? count : min(count, (units * (index + 1) / parts) * granule)
    return lo..<max(lo, hi)
}

// LLVM's prefetch intrinsic, reached through its symbol name (Swift has no
// prefetch API). Arguments: address, rw (0 read, 1 write), locality (0...3),
// cache type (1 = data). Lowers to prefetcht0 / prfm; no effect on results.
@_silgen_name("llvm.prefetch.p0")
func _llvmPrefetch(_ p: UnsafeRawPointer, _ rw: Int32, _ locality: Int32, _ type: Int32)

/// Hints the cache line holding `p` into L1 for writing.
@inline(__always)
func prefetchForWrite<T>(_ p: UnsafePointer<T>) {
    _llvmPrefetch(UnsafeRawPointer(p), 1, 3, 1)
}
