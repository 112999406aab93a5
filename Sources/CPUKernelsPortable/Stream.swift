// BabelStream-style memory-bandwidth kernels (same names and semantics):
//   copy:  c[i] = a[i]
//   mul:   b[i] = scalar * c[i]
//   add:   c[i] = a[i] + b[i]
//   triad: a[i] = b[i] + scalar * c[i]
//   dot:   sum(a[i] * b[i])
// Each call splits 0..<count into `threads` contiguous chunks (boundaries on
// 64-byte multiples of elements) and runs one worker per chunk.

import CPUKernelInterface

extension CPUKernels {
    /// Runs `operation` on BabelStream's arrays (a, b, c in their usual roles); returns the sum for `.dot`.
    public static func stream(_ operation: StreamOperation, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
                              c: UnsafeMutablePointer<Float>, scalar: Float, count: Int, threads: Int = 1) -> Double? {
        streamOperation(operation, a, b, c, scalar, count, threads, SIMD16<Float>.self)
    }

    /// Runs `operation` on BabelStream's arrays (a, b, c in their usual roles); returns the sum for `.dot`.
    public static func stream(_ operation: StreamOperation, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>,
                              c: UnsafeMutablePointer<Double>, scalar: Double, count: Int, threads: Int = 1) -> Double? {
        streamOperation(operation, a, b, c, scalar, count, threads, SIMD8<Double>.self)
    }
}

@inline(__always)
func streamOperation<V: SIMD & SendableMetatype>(
    _ operation: StreamOperation, _ a: UnsafeMutablePointer<V.Scalar>, _ b: UnsafeMutablePointer<V.Scalar>,
    _ c: UnsafeMutablePointer<V.Scalar>, _ scalar: V.Scalar, _ count: Int, _ threads: Int, _ vector: V.Type
) -> Double? where V.Scalar: BinaryFloatingPoint & Sendable & SendableMetatype {
    switch operation {
    case .copy: streamCopy(a, c, count, threads, vector)
    case .mul: streamMul(b, c, scalar, count, threads, vector)
    case .add: streamAdd(a, b, c, count, threads, vector)
    case .triad: streamTriad(a, b, c, scalar, count, threads, vector)
    case .dot: return streamDot(a, b, count, threads, vector)
    }
    return nil
}

// MARK: - Implementations (specialised per vector type at the call sites above)

@inline(__always)
func streamChunk(_ t: Int, _ threads: Int, _ count: Int, _ elemSize: Int) -> Range<Int> {
    chunk(t, of: threads, count: count, granule: max(1, 64 / elemSize))
}

/// Splits `count` elements over `threads` workers (chunks on 64-byte boundaries) and, within each
/// chunk, runs `vector` at every full SIMD step and `scalar` on the elements left at its end.
@inline(__always)
func streamElementwise<V: SIMD & SendableMetatype>(
    _ count: Int, _ threads: Int, _: V.Type, vector: @Sendable (Int) -> Void, scalar: @Sendable (Int) -> Void
) where V.Scalar: Sendable & SendableMetatype {
    if count <= 0 { return }
    let threads = max(1, min(threads, count))
    parallelFor(threads) { t in
        let r = streamChunk(t, threads, count, MemoryLayout<V.Scalar>.stride)
        let w = V.scalarCount
        var i = r.lowerBound
        while i + w <= r.upperBound { vector(i); i += w }
        while i < r.upperBound { scalar(i); i += 1 }
    }
}

@inline(__always)
func streamCopy<V: SIMD & SendableMetatype>(_ a: UnsafePointer<V.Scalar>, _ c: UnsafeMutablePointer<V.Scalar>, _ count: Int, _ threads: Int, _: V.Type) where V.Scalar: Sendable & SendableMetatype {
    let sa = SendablePointer(a), sc = SendablePointer(c)
    streamElementwise(count, threads, V.self, vector: { i in storeV(loadV(sa.p + i, V.self), sc.p + i) },
                      scalar: { i in sc.p[i] = sa.p[i] })
}

@inline(__always)
func streamMul<V: SIMD & SendableMetatype>(_ b: UnsafeMutablePointer<V.Scalar>, _ c: UnsafePointer<V.Scalar>, _ scalar: V.Scalar, _ count: Int, _ threads: Int, _: V.Type)
where V.Scalar: FloatingPoint & Sendable & SendableMetatype {
    let sb = SendablePointer(b), sc = SendablePointer(c)
    streamElementwise(count, threads, V.self, vector: { i in storeV(V(repeating: scalar) * loadV(sc.p + i, V.self), sb.p + i) },
                      scalar: { i in sb.p[i] = scalar * sc.p[i] })
}

@inline(__always)
func streamAdd<V: SIMD & SendableMetatype>(_ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ c: UnsafeMutablePointer<V.Scalar>, _ count: Int, _ threads: Int, _: V.Type)
where V.Scalar: FloatingPoint & Sendable & SendableMetatype {
    let sa = SendablePointer(a), sb = SendablePointer(b), sc = SendablePointer(c)
    streamElementwise(count, threads, V.self, vector: { i in storeV(loadV(sa.p + i, V.self) + loadV(sb.p + i, V.self), sc.p + i) },
                      scalar: { i in sc.p[i] = sa.p[i] + sb.p[i] })
}

/// b + s*c, computed as a separate multiply and add (BabelStream/C semantics without
/// contraction), so results are identical across variants.
@inline(__always)
func streamTriad<V: SIMD & SendableMetatype>(_ a: UnsafeMutablePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ c: UnsafePointer<V.Scalar>, _ scalar: V.Scalar, _ count: Int, _ threads: Int, _: V.Type)
where V.Scalar: FloatingPoint & Sendable & SendableMetatype {
    let sa = SendablePointer(a), sb = SendablePointer(b), sc = SendablePointer(c)
    streamElementwise(count, threads, V.self, vector: { i in storeV(loadV(sb.p + i, V.self) + V(repeating: scalar) * loadV(sc.p + i, V.self), sa.p + i) },
                      scalar: { i in sa.p[i] = sb.p[i] + scalar * sc.p[i] })
}

/// Per-thread partial sums land in a small buffer (one slot per worker, 64 bytes apart).
@inline(__always)
func streamDot<V: SIMD & SendableMetatype>(_ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ count: Int, _ threads: Int, _: V.Type) -> Double
where V.Scalar: BinaryFloatingPoint & Sendable & SendableMetatype {
    if count <= 0 { return 0 }
    let threads = max(1, min(threads, count))
    let partials = UnsafeMutablePointer<Double>.allocate(capacity: threads * 8)
    defer { partials.deallocate() }
    let sa = SendablePointer(a), sb = SendablePointer(b), sp = SendablePointer(partials)
    parallelFor(threads) { t in
        let r = streamChunk(t, threads, count, MemoryLayout<V.Scalar>.stride)
        let w = V.scalarCount
        let block = 4096
        var total = 0.0
        var i = r.lowerBound
        while i < r.upperBound {
            let end = min(r.upperBound, i + block)
            var s0 = V(), s1 = V()
            while i + 2 * w <= end {
                s0 = s0 + loadV(sa.p + i, V.self) * loadV(sb.p + i, V.self)
                s1 = s1 + loadV(sa.p + i + w, V.self) * loadV(sb.p + i + w, V.self)
                i += 2 * w
            }
            var tail: V.Scalar = 0
            while i < end { tail += sa.p[i] * sb.p[i]; i += 1 }
            total += Double((s0 + s1).sum()) + Double(tail)
        }
        sp.p[t * 8] = total
    }
    var sum = 0.0
    for t in 0..<threads { sum += partials[t * 8] }
    return sum
}
