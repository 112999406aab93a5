// BabelStream-style memory-bandwidth kernels (same names and semantics):
//   copy:  c[i] = a[i]
//   mul:   b[i] = scalar * c[i]
//   add:   c[i] = a[i] + b[i]
//   triad: a[i] = b[i] + scalar * c[i]
//   dot:   sum(a[i] * b[i])
// Each call splits 0..<count into `threads` contiguous chunks (boundaries on
// 64-byte multiples of elements) and runs one worker per chunk. Use `fill` with
// the same `threads` to first-touch the arrays so pages land where they are used.

import CPUKernelInterface

extension CPUKernels {
    // MARK: Float

    /// Fills p[0..<count] with `value` (parallel first-touch initialisation).
    public static func fill(_ p: UnsafeMutablePointer<Float>, value: Float, count: Int, threads: Int = 1) {
        streamFill(p, value, count, threads, SIMD16<Float>.self)
    }
    /// c[i] = a[i]
    public static func copy(a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, count: Int, threads: Int = 1) {
        streamCopy(a, c, count, threads, SIMD16<Float>.self)
    }
    /// b[i] = scalar * c[i]
    public static func mul(b: UnsafeMutablePointer<Float>, c: UnsafePointer<Float>, scalar: Float, count: Int, threads: Int = 1) {
        streamMul(b, c, scalar, count, threads, SIMD16<Float>.self)
    }
    /// c[i] = a[i] + b[i]
    public static func add(a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, count: Int, threads: Int = 1) {
        streamAdd(a, b, c, count, threads, SIMD16<Float>.self)
    }
    /// a[i] = b[i] + scalar * c[i]
    public static func triad(a: UnsafeMutablePointer<Float>, b: UnsafePointer<Float>, c: UnsafePointer<Float>, scalar: Float, count: Int, threads: Int = 1) {
        streamTriad(a, b, c, scalar, count, threads, SIMD16<Float>.self)
    }
    /// sum(a[i] * b[i]), accumulated in Float vectors per block of 4096 elements and
    /// in Double across blocks and threads.
    public static func dot(a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int, threads: Int = 1) -> Double {
        streamDot(a, b, count, threads, SIMD16<Float>.self)
    }

    // MARK: Double

    /// Fills p[0..<count] with `value` (parallel first-touch initialisation).
    public static func fill(_ p: UnsafeMutablePointer<Double>, value: Double, count: Int, threads: Int = 1) {
        streamFill(p, value, count, threads, SIMD8<Double>.self)
    }
    /// c[i] = a[i]
    public static func copy(a: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, count: Int, threads: Int = 1) {
        streamCopy(a, c, count, threads, SIMD8<Double>.self)
    }
    /// b[i] = scalar * c[i]
    public static func mul(b: UnsafeMutablePointer<Double>, c: UnsafePointer<Double>, scalar: Double, count: Int, threads: Int = 1) {
        streamMul(b, c, scalar, count, threads, SIMD8<Double>.self)
    }
    /// c[i] = a[i] + b[i]
    public static func add(a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, count: Int, threads: Int = 1) {
        streamAdd(a, b, c, count, threads, SIMD8<Double>.self)
    }
    /// a[i] = b[i] + scalar * c[i]
    public static func triad(a: UnsafeMutablePointer<Double>, b: UnsafePointer<Double>, c: UnsafePointer<Double>, scalar: Double, count: Int, threads: Int = 1) {
        streamTriad(a, b, c, scalar, count, threads, SIMD8<Double>.self)
    }
    /// sum(a[i] * b[i]), accumulated in Double.
    public static func dot(a: UnsafePointer<Double>, b: UnsafePointer<Double>, count: Int, threads: Int = 1) -> Double {
        streamDot(a, b, count, threads, SIMD8<Double>.self)
    }
}

/// The BabelStream operations, for callers that choose one at run time.

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

@inline(__always)
func streamFill<V: SIMD & SendableMetatype>(_ p: UnsafeMutablePointer<V.Scalar>, _ value: V.Scalar, _ count: Int, _ threads: Int, _: V.Type) where V.Scalar: Sendable & SendableMetatype {
    let threads = max(1, min(threads, count))
    if count <= 0 { return }
    let sp = SendablePointer(p)
    parallelFor(threads) { t in
        let r = streamChunk(t, threads, count, MemoryLayout<V.Scalar>.stride)
        let w = V.scalarCount
        let v = V(repeating: value)
        var i = r.lowerBound
        while i + w <= r.upperBound { storeV(v, sp.p + i); i += w }
        while i < r.upperBound { sp.p[i] = value; i += 1 }
    }
}

@inline(__always)
func streamCopy<V: SIMD & SendableMetatype>(_ a: UnsafePointer<V.Scalar>, _ c: UnsafeMutablePointer<V.Scalar>, _ count: Int, _ threads: Int, _: V.Type) where V.Scalar: Sendable & SendableMetatype {
    let threads = max(1, min(threads, count))
    if count <= 0 { return }
    let sa = SendablePointer(a), sc = SendablePointer(c)
    parallelFor(threads) { t in
        let r = streamChunk(t, threads, count, MemoryLayout<V.Scalar>.stride)
        let w = V.scalarCount
        var i = r.lowerBound
        while i + w <= r.upperBound { storeV(loadV(sa.p + i, V.self), sc.p + i); i += w }
        while i < r.upperBound { sc.p[i] = sa.p[i]; i += 1 }
    }
}

@inline(__always)
func streamMul<V: SIMD & SendableMetatype>(_ b: UnsafeMutablePointer<V.Scalar>, _ c: UnsafePointer<V.Scalar>, _ scalar: V.Scalar, _ count: Int, _ threads: Int, _: V.Type)
where V.Scalar: FloatingPoint & Sendable & SendableMetatype {
    let threads = max(1, min(threads, count))
    if count <= 0 { return }
    let sb = SendablePointer(b), sc = SendablePointer(c)
    parallelFor(threads) { t in
        let r = streamChunk(t, threads, count, MemoryLayout<V.Scalar>.stride)
        let w = V.scalarCount
        let s = V(repeating: scalar)
        var i = r.lowerBound
        while i + w <= r.upperBound { storeV(s * loadV(sc.p + i, V.self), sb.p + i); i += w }
        while i < r.upperBound { sb.p[i] = scalar * sc.p[i]; i += 1 }
    }
}

@inline(__always)
func streamAdd<V: SIMD & SendableMetatype>(_ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ c: UnsafeMutablePointer<V.Scalar>, _ count: Int, _ threads: Int, _: V.Type)
where V.Scalar: FloatingPoint & Sendable & SendableMetatype {
    let threads = max(1, min(threads, count))
    if count <= 0 { return }
    let sa = SendablePointer(a), sb = SendablePointer(b), sc = SendablePointer(c)
    parallelFor(threads) { t in
        let r = streamChunk(t, threads, count, MemoryLayout<V.Scalar>.stride)
        let w = V.scalarCount
        var i = r.lowerBound
        while i + w <= r.upperBound { storeV(loadV(sa.p + i, V.self) + loadV(sb.p + i, V.self), sc.p + i); i += w }
        while i < r.upperBound { sc.p[i] = sa.p[i] + sb.p[i]; i += 1 }
    }
}

@inline(__always)
func streamTriad<V: SIMD & SendableMetatype>(_ a: UnsafeMutablePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ c: UnsafePointer<V.Scalar>, _ scalar: V.Scalar, _ count: Int, _ threads: Int, _: V.Type)
where V.Scalar: FloatingPoint & Sendable & SendableMetatype {
    let threads = max(1, min(threads, count))
    if count <= 0 { return }
    let sa = SendablePointer(a), sb = SendablePointer(b), sc = SendablePointer(c)
    parallelFor(threads) { t in
        let r = streamChunk(t, threads, count, MemoryLayout<V.Scalar>.stride)
        let w = V.scalarCount
        let s = V(repeating: scalar)
        var i = r.lowerBound
        // b + s*c, computed as a separate multiply and add (BabelStream/C semantics
        // without contraction), so results are identical across variants.
        while i + w <= r.upperBound { storeV(loadV(sb.p + i, V.self) + s * loadV(sc.p + i, V.self), sa.p + i); i += w }
        while i < r.upperBound { sa.p[i] = sb.p[i] + scalar * sc.p[i]; i += 1 }
    }
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
