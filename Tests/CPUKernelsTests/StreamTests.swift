import CPUKernelInterface
import CPUKernelsAVX2
import CPUKernelsAVX512
import CPUKernelsPortable
import Testing

// Stream kernels (BabelStream semantics), both variants, Float and Double, odd
// lengths (vector tails, chunk edges) and 1-3 threads. Outputs are poisoned with NaN
// first and checked element by element against the same expression in scalar Swift.
// A sentinel just past the end of every output must survive.

let streamCounts = [1, 7, 15, 16, 17, 63, 65, 1000, 4097, 100_003]

protocol StreamScalar: BinaryFloatingPoint where RawSignificand: FixedWidthInteger {
    static func run(_ v: Variant, _ op: String, a: UnsafeMutablePointer<Self>, b: UnsafeMutablePointer<Self>,
                    c: UnsafeMutablePointer<Self>, scalar: Self, count: Int, threads: Int) -> Double
}

/// Each build's kernels through the interface the benchmark calls (`CPUKernelSet`).
extension Float: StreamScalar {
    static func run(_ v: Variant, _ op: String, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
                    c: UnsafeMutablePointer<Float>, scalar: Float, count: Int, threads: Int) -> Double {
        v.kernels.stream(StreamOperation(rawValue: op)!, a: a, b: b, c: c, scalar: scalar, count: count, threads: threads) ?? .nan
    }
}

extension Double: StreamScalar {
    static func run(_ v: Variant, _ op: String, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>,
                    c: UnsafeMutablePointer<Double>, scalar: Double, count: Int, threads: Int) -> Double {
        v.kernels.stream(StreamOperation(rawValue: op)!, a: a, b: b, c: c, scalar: scalar, count: count, threads: threads) ?? .nan
    }
}

func checkStream<T: StreamScalar>(_ type: T.Type, _ v: Variant, op: String, count n: Int, threads: Int) -> String? {
    let scalar = T(0.4)
    let sentinel = T(-777.25)
    let a0: [T] = randomNonZero(n, seed: UInt64(n) &* 31 &+ 1)
    let b0: [T] = randomNonZero(n, seed: UInt64(n) &* 31 &+ 2)
    let c0: [T] = randomNonZero(n, seed: UInt64(n) &* 31 &+ 3)
    let a = UnsafeMutablePointer<T>.allocate(capacity: n + 1), b = UnsafeMutablePointer<T>.allocate(capacity: n + 1),
        c = UnsafeMutablePointer<T>.allocate(capacity: n + 1)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    for i in 0..<n { a[i] = a0[i]; b[i] = b0[i]; c[i] = c0[i] }
    a[n] = sentinel; b[n] = sentinel; c[n] = sentinel
    // Poison the output array.
    switch op {
    case "copy", "add": for i in 0..<n { c[i] = .nan }
    case "mul": for i in 0..<n { b[i] = .nan }
    case "triad": for i in 0..<n { a[i] = .nan }
    default: break
    }
    let result = T.run(v, op, a: a, b: b, c: c, scalar: scalar, count: n, threads: threads)
    if a[n] != sentinel || b[n] != sentinel || c[n] != sentinel { return "\(op) n=\(n): wrote past the end" }
    for i in 0..<n {
        let ok: Bool
        switch op {
        case "copy": ok = c[i] == a0[i] && a[i] == a0[i]
        case "mul": ok = b[i] == scalar * c0[i] && c[i] == c0[i]
        case "add": ok = c[i] == a0[i] + b0[i]
        case "triad": ok = a[i] == b0[i] + scalar * c0[i] && b[i] == b0[i] && c[i] == c0[i]
        default: ok = true
        }
        if !ok { return "\(op) n=\(n) threads=\(threads): mismatch at \(i)" }
    }
    if op == "dot" {
        var ref = 0.0, refAbs = 0.0
        for i in 0..<n { let x = Double(a0[i]) * Double(b0[i]); ref += x; refAbs += abs(x) }
        let tol = 2.0 * Double(min(n, 4096) + 16) * Double(T.ulpOfOne) * refAbs
        if !(abs(result - ref) <= tol) { return "dot n=\(n) threads=\(threads): \(result) vs \(ref)" }
    }
    return nil
}

@Test("stream kernels, Float", arguments: Variant.runnable, StreamOperation.allCases.map(\.rawValue))
func streamFloat(variant: Variant, op: String) {
    for n in streamCounts {
        for threads in [1, 2, 3] {
            let failure = checkStream(Float.self, variant, op: op, count: n, threads: threads)
            #expect(failure == nil, "\(variant): \(failure ?? "")")
        }
    }
}

@Test("stream kernels, Double", arguments: Variant.runnable, StreamOperation.allCases.map(\.rawValue))
func streamDouble(variant: Variant, op: String) {
    for n in streamCounts {
        for threads in [1, 2, 3] {
            let failure = checkStream(Double.self, variant, op: op, count: n, threads: threads)
            #expect(failure == nil, "\(variant): \(failure ?? "")")
        }
    }
}

@Test("dot of known vectors", arguments: Variant.runnable)
func dotKnown(variant: Variant) {
    // sum_{i=1..n} i * 0.5 = n(n+1)/4, exact in Double for this n.
    let n = 10_001
    let a = UnsafeMutablePointer<Double>.allocate(capacity: n), b = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { a.deallocate(); b.deallocate() }
    for i in 0..<n { a[i] = Double(i + 1); b[i] = 0.5 }
    let got = Double.run(variant, "dot", a: a, b: b, c: a, scalar: 0, count: n, threads: 2)
    #expect(got == Double(n) * Double(n + 1) / 4)
}

@Test("count 0 is a no-op", arguments: Variant.runnable)
func streamEmpty(variant: Variant) {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    defer { p.deallocate() }
    p[0] = 3
    #expect(Float.run(variant, "dot", a: p, b: p, c: p, scalar: 1, count: 0, threads: 2) == 0)
    _ = Float.run(variant, "triad", a: p, b: p, c: p, scalar: 1, count: 0, threads: 2)
    #expect(p[0] == 3)
}
