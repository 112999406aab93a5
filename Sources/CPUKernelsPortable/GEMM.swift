// SGEMM / DGEMM: row-major C = alpha*A*B + beta*C.
//
// BLIS-style structure:
//   for jc in N step NC            (B panel of NC columns, shared by all threads, L3)
//     for pc in K step KC          (rank-KC update)
//       pack B[pc..<pc+KC, jc..<jc+NC] into NR-wide micro-panels (threads split the panels)
//       each thread, on its own rectangle of rows x micro-panels:
//         for ic in its rows step MC   (A block MC x KC packed per thread, L2)
//           pack A into MR-tall micro-panels
//           for jr in its micro-panels (B micro-panel KC x NR, L1)
//             for ir in A micro-panels: MR x NR register-blocked micro-kernel
// Edges are handled by zero padding in the packed panels and a masked write-back.

import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Cache-blocking parameters (elements). MC is rounded to a multiple of MR and
/// NC to a multiple of NR by the driver.
public struct GemmBlocking: Sendable, Equatable {
    public var mc: Int
    public var kc: Int
    public var nc: Int
    public init(mc: Int, kc: Int, nc: Int) {
        self.mc = max(1, mc); self.kc = max(1, kc); self.nc = max(1, nc)
    }
    /// fp32 defaults (6x16 micro-tile), tuned on Zen 4 (32 KiB L1d, 1 MiB L2).
    public static let sgemmDefault = GemmBlocking(mc: 96, kc: 512, nc: 4080)
    /// fp32 defaults for the 6x32 micro-tile (512-bit vectors): KC halved so a KC x 32 packed
    /// B micro-panel still fits a 32 KiB L1d.
    public static let sgemmWideDefault = GemmBlocking(mc: 96, kc: 256, nc: 4096)
    /// fp64 defaults (6x8 micro-tile).
    public static let dgemmDefault = GemmBlocking(mc: 96, kc: 256, nc: 4080)
}

/// The fp32 register-blocked micro-kernels. Both are compiled in every variant (so the wide
/// one is tested on any machine); the AVX-512 build (SUANLI_AVX512) uses the wide one by
/// default, where a SIMD16<Float> is one zmm register. Every C element is the same fused or
/// unfused chain over k within a KC block in both, so with equal KC they give equal results.
public enum SgemmMicroKernel: String, Sendable, CaseIterable {
    /// 6 rows x 16 columns: 12 accumulators of SIMD8<Float> (ymm with AVX2).
    case narrow6x16 = "6x16"
    /// 6 rows x 32 columns: 12 accumulators of SIMD16<Float> (zmm with AVX-512).
    case wide6x32 = "6x32"

    /// This module's default.
    public static var `default`: SgemmMicroKernel {
        #if SUANLI_AVX512
        return .wide6x32
        #else
        return .narrow6x16
        #endif
    }

    public var tile: (mr: Int, nr: Int) {
        switch self {
        case .narrow6x16: (mr: 6, nr: 16)
        case .wide6x32: (mr: 6, nr: 32)
        }
    }

    public var defaultBlocking: GemmBlocking {
        switch self {
        case .narrow6x16: .sgemmDefault
        case .wide6x32: .sgemmWideDefault
        }
    }
}

extension CPUKernels {
    /// Micro-tile of this module's default fp32 kernel (rows x columns).
    public static let sgemmMicroTile = SgemmMicroKernel.default.tile
    /// Micro-tile of the fp64 kernel (rows x columns).
    public static let dgemmMicroTile = (mr: 6, nr: 8)

    /// Single-precision row-major GEMM: C[m x n] = alpha * A[m x k] * B[k x n] + beta * C.
    /// `lda`, `ldb`, `ldc` are row strides in elements. When `beta == 0`, C is not read.
    /// `blocking` nil: the micro-kernel's default blocking.
    public static func sgemm(
        m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int = 1,
        blocking: GemmBlocking? = nil,
        microKernel: SgemmMicroKernel = .default
    ) {
        let blocking = blocking ?? microKernel.defaultBlocking
        switch microKernel {
        case .narrow6x16:
            gemmDriver(SgemmSpec.self, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c, ldc: ldc, threads: threads, blocking: blocking)
        case .wide6x32:
            gemmDriver(SgemmWideSpec.self, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c, ldc: ldc, threads: threads, blocking: blocking)
        }
    }

    /// Double-precision row-major GEMM: C[m x n] = alpha * A[m x k] * B[k x n] + beta * C.
    /// `lda`, `ldb`, `ldc` are row strides in elements. When `beta == 0`, C is not read.
    public static func dgemm(
        m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int,
        threads: Int = 1,
        blocking: GemmBlocking = .dgemmDefault
    ) {
        gemmDriver(DgemmSpec.self, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc, threads: threads, blocking: blocking)
    }
}

// MARK: - Micro-kernel specifications

protocol GemmSpec: SendableMetatype {
    associatedtype Scalar: BinaryFloatingPoint & Sendable & SendableMetatype
    static var mr: Int { get }
    static var nr: Int { get }
    /// acc = A_panel(MR x kc) * B_panel(kc x NR); then full-tile write-back to C when
    /// `full`, otherwise the MR x NR accumulators go to `scratch` (row-major, NR wide).
    static func microKernel(
        kc: Int, a: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int,
        alpha: Scalar, beta: Scalar, betaIsZero: Bool,
        full: Bool, scratch: UnsafeMutablePointer<Scalar>)
}

@inline(__always)
func loadV<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ type: V.Type) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always)
func storeV<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

@inline(__always)
func writeRow<V: SIMD>(_ x0: V, _ x1: V, _ p: UnsafeMutablePointer<V.Scalar>, alpha: V, beta: V, betaIsZero: Bool)
where V.Scalar: BinaryFloatingPoint {
    let w = V.scalarCount
    if betaIsZero {
        storeV(alpha * x0, p)
        storeV(alpha * x1, p + w)
    } else {
        storeV(alpha * x0 + beta * loadV(p, V.self), p)
        storeV(alpha * x1 + beta * loadV(p + w, V.self), p + w)
    }
}

/// SIMD vectors the micro-kernels run on, with this build's multiply-add (``madd``: fused in the
/// FMA builds, a multiply and an add in the portable x86-64 build).
protocol KernelVector: SIMD where Scalar: BinaryFloatingPoint {
    static func multiplyAdd(_ acc: Self, _ a: Self, _ b: Self) -> Self
}

extension SIMD8: KernelVector where Scalar == Float {
    @inline(__always) static func multiplyAdd(_ acc: Self, _ a: Self, _ b: Self) -> Self { madd(acc, a, b) }
}

extension SIMD16: KernelVector where Scalar == Float {
    @inline(__always) static func multiplyAdd(_ acc: Self, _ a: Self, _ b: Self) -> Self { madd(acc, a, b) }
}

extension SIMD4: KernelVector where Scalar == Double {
    @inline(__always) static func multiplyAdd(_ acc: Self, _ a: Self, _ b: Self) -> Self { madd(acc, a, b) }
}

/// The register-blocked micro-kernel of every spec: MR = 6 rows × NR = 2 vectors of `V`, so 12
/// accumulators, 2 B vectors and 1 broadcast live in 15 registers (of AVX2's 16 and AVX-512's
/// 32). acc = A_panel(6 × kc) · B_panel(kc × 2w); then the tile is written to C when `full`,
/// else to `scratch` (row-major, 2w wide). Specialised per `V` (inlined into each spec).
@inline(__always)
func microKernel6x2<V: KernelVector>(
    _ type: V.Type, kc: Int, a: UnsafePointer<V.Scalar>, b: UnsafePointer<V.Scalar>,
    c: UnsafeMutablePointer<V.Scalar>, ldc: Int,
    alpha: V.Scalar, beta: V.Scalar, betaIsZero: Bool,
    full: Bool, scratch: UnsafeMutablePointer<V.Scalar>
) {
    let w = V.scalarCount
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    if full {
        // Pull the C tile towards L1 while the k loop runs: each 64-byte line of a row of 2w
        // elements, and its last element (a row need not start on a line).
        let lineElements = 64 / MemoryLayout<V.Scalar>.stride
        var pc = UnsafePointer(c)
        for _ in 0..<6 {
            var e = 0
            while e < 2 * w { prefetchForWrite(pc + e); e += lineElements }
            prefetchForWrite(pc + 2 * w - 1)
            pc += ldc
        }
    }
    var pa = a, pb = b
    var kk = kc
    while kk > 0 {
        let b0 = loadV(pb, V.self), b1 = loadV(pb + w, V.self)
        var x = V(repeating: pa[0]); c00 = V.multiplyAdd(c00, x, b0); c01 = V.multiplyAdd(c01, x, b1)
        x = V(repeating: pa[1]); c10 = V.multiplyAdd(c10, x, b0); c11 = V.multiplyAdd(c11, x, b1)
        x = V(repeating: pa[2]); c20 = V.multiplyAdd(c20, x, b0); c21 = V.multiplyAdd(c21, x, b1)
        x = V(repeating: pa[3]); c30 = V.multiplyAdd(c30, x, b0); c31 = V.multiplyAdd(c31, x, b1)
        x = V(repeating: pa[4]); c40 = V.multiplyAdd(c40, x, b0); c41 = V.multiplyAdd(c41, x, b1)
        x = V(repeating: pa[5]); c50 = V.multiplyAdd(c50, x, b0); c51 = V.multiplyAdd(c51, x, b1)
        pa += 6; pb += 2 * w; kk -= 1
    }
    if full {
        let av = V(repeating: alpha), bv = V(repeating: beta)
        writeRow(c00, c01, c, alpha: av, beta: bv, betaIsZero: betaIsZero)
        writeRow(c10, c11, c + ldc, alpha: av, beta: bv, betaIsZero: betaIsZero)
        writeRow(c20, c21, c + 2 * ldc, alpha: av, beta: bv, betaIsZero: betaIsZero)
        writeRow(c30, c31, c + 3 * ldc, alpha: av, beta: bv, betaIsZero: betaIsZero)
        writeRow(c40, c41, c + 4 * ldc, alpha: av, beta: bv, betaIsZero: betaIsZero)
        writeRow(c50, c51, c + 5 * ldc, alpha: av, beta: bv, betaIsZero: betaIsZero)
    } else {
        storeV(c00, scratch); storeV(c01, scratch + w)
        storeV(c10, scratch + 2 * w); storeV(c11, scratch + 3 * w)
        storeV(c20, scratch + 4 * w); storeV(c21, scratch + 5 * w)
        storeV(c30, scratch + 6 * w); storeV(c31, scratch + 7 * w)
        storeV(c40, scratch + 8 * w); storeV(c41, scratch + 9 * w)
        storeV(c50, scratch + 10 * w); storeV(c51, scratch + 11 * w)
    }
}

/// A micro-kernel specification of MR = 6 rows × NR = 2 vectors of `V` (``microKernel6x2``).
enum Spec6x2<V: KernelVector>: GemmSpec where V.Scalar: Sendable & SendableMetatype {
    typealias Scalar = V.Scalar
    static var mr: Int { 6 }
    static var nr: Int { 2 * V.scalarCount }

    @inline(__always)
    static func microKernel(
        kc: Int, a: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int,
        alpha: Scalar, beta: Scalar, betaIsZero: Bool,
        full: Bool, scratch: UnsafeMutablePointer<Scalar>
    ) {
        microKernel6x2(V.self, kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta,
                       betaIsZero: betaIsZero, full: full, scratch: scratch)
    }
}

/// 6 × 16 fp32 on SIMD8<Float>: one ymm register per vector with AVX2, two xmm elsewhere.
typealias SgemmSpec = Spec6x2<SIMD8<Float>>
/// 6 × 32 fp32 on SIMD16<Float>: one zmm register per vector with AVX-512 (2 B vectors, 1
/// broadcast and 12 accumulators of the 32 registers); two ymm/four xmm elsewhere.
typealias SgemmWideSpec = Spec6x2<SIMD16<Float>>
/// 6 × 8 fp64 on SIMD4<Double>: one ymm register per vector with AVX2.
typealias DgemmSpec = Spec6x2<SIMD4<Double>>

// MARK: - Packing

/// Packs rows [0, mc) x cols [0, kc) of A (row stride lda) into MR-tall micro-panels:
/// panel p holds, for each k, MR consecutive values A[p*MR + i, k] (zero padded).
@inline(__always)
func packA<S: GemmSpec>(_ spec: S.Type, a: UnsafePointer<S.Scalar>, lda: Int, mc: Int, kc: Int,
                        dst: UnsafeMutablePointer<S.Scalar>) {
    let mr = S.mr
    var d = dst
    var i0 = 0
    while i0 < mc {
        let rows = min(mr, mc - i0)
        if rows == mr {
            // Row pointers for the full micro-panel.
            let r0 = a + i0 * lda
            for kk in 0..<kc {
                var src = r0 + kk
                for i in 0..<mr {
                    d[i] = src.pointee
                    src += lda
                }
                d += mr
            }
        } else {
            for kk in 0..<kc {
                for i in 0..<mr {
                    d[i] = i < rows ? a[(i0 + i) * lda + kk] : 0
                }
                d += mr
            }
        }
        i0 += mr
    }
}

/// Packs micro-panels [p0, p1) of B[kc x nc] (row stride ldb): panel p holds, for
/// each k, NR consecutive values B[k, p*NR + j] (zero padded). Panels are stored
/// at dst + p * kc * NR. B is walked row by row (contiguous reads the hardware
/// prefetcher can follow), scattering each row's NR-wide pieces to their panels.
@inline(__always)
func packB<S: GemmSpec>(_ spec: S.Type, b: UnsafePointer<S.Scalar>, ldb: Int, kc: Int, nc: Int,
                        panels: Range<Int>, dst: UnsafeMutablePointer<S.Scalar>) {
    let nr = S.nr
    if panels.isEmpty { return }
    // Full panels first; a trailing partial panel (nc not a multiple of NR) after.
    let fullEnd = min(panels.upperBound, nc / nr)
    if panels.lowerBound < fullEnd {
        var src = b + panels.lowerBound * nr
        for kk in 0..<kc {
            var d = dst + panels.lowerBound * kc * nr + kk * nr
            var s = src
            for _ in panels.lowerBound..<fullEnd {
                for j in 0..<nr { d[j] = s[j] }
                s += nr; d += kc * nr
            }
            src += ldb
        }
    }
    if fullEnd < panels.upperBound {
        let p = fullEnd
        let j0 = p * nr
        let cols = nc - j0
        var d = dst + p * kc * nr
        var src = b + j0
        for _ in 0..<kc {
            for j in 0..<nr { d[j] = j < cols ? src[j] : 0 }
            d += nr; src += ldb
        }
    }
}

// MARK: - Driver

@inline(__always)
func roundUp(_ x: Int, _ m: Int) -> Int { (x + m - 1) / m * m }

/// k == 0: C = beta * C (no product); beta == 0 writes zeros without reading C.
@inline(__always)
func gemmScaleOnly<S: GemmSpec>(
    _ spec: S.Type, m: Int, n: Int, beta: S.Scalar, c: UnsafeMutablePointer<S.Scalar>, ldc: Int
) {
    for i in 0..<m {
        let row = c + i * ldc
        for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
    }
}

/// Thread grid: tm row groups x tn column groups. Prefer splitting rows (each
/// thread packs only its own A); split columns when M is too small.
@inline(__always)
func gemmThreadGrid(threads: Int, mPanels mPanelsTotal: Int) -> (tm: Int, tn: Int) {
    var tmSearch = threads
    while tmSearch > 1 && (threads % tmSearch != 0 || mPanelsTotal < 2 * tmSearch) { tmSearch -= 1 }
    if tmSearch == 1 && mPanelsTotal >= threads { tmSearch = threads }
    return (tmSearch, threads / tmSearch)
}

@inline(__always)
func gemmDriver<S: GemmSpec>(
    _ spec: S.Type,
    m: Int, n: Int, k: Int, alpha: S.Scalar,
    a: UnsafePointer<S.Scalar>, lda: Int,
    b: UnsafePointer<S.Scalar>, ldb: Int,
    beta: S.Scalar,
    c: UnsafeMutablePointer<S.Scalar>, ldc: Int,
    threads: Int, blocking: GemmBlocking
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension")
    precondition(lda >= max(1, k) && ldb >= max(1, n) && ldc >= max(1, n), "gemm: leading dimension too small")
    if m == 0 || n == 0 { return }
    let mr = S.mr, nr = S.nr
    typealias T = S.Scalar
    if k == 0 {
        gemmScaleOnly(S.self, m: m, n: n, beta: beta, c: c, ldc: ldc)
        return
    }

    let threads = max(1, threads)
    let MC = max(mr, roundUp(min(blocking.mc, roundUp(m, mr)), mr))
    let KC = min(blocking.kc, k)
    let NC = max(nr, roundUp(min(blocking.nc, roundUp(n, nr)), nr))

    let mPanelsTotal = (m + mr - 1) / mr
    let (tm, tn) = gemmThreadGrid(threads: threads, mPanels: mPanelsTotal)
    let workers = tm * tn
    // Row units for the dynamic split: at least one per MC rows, a multiple of the
    // worker count (equal shares on an idle machine), at most one per micro-panel.
    let rowUnits = min(mPanelsTotal, roundUp(max(1, (m + MC - 1) / MC), workers))

    // Buffers: one shared packed B panel; per worker packed A block and scratch tile.
    let align = 64
    let bElems = KC * NC
    let aElems = KC * MC
    let stride = MemoryLayout<T>.stride
    let bBuf = UnsafeMutableRawPointer.allocate(byteCount: bElems * stride, alignment: align)
    let aBytes = roundUp(aElems * stride, align)
    let sBytes = roundUp(mr * nr * stride, align)
    let aBuf = UnsafeMutableRawPointer.allocate(byteCount: workers * (aBytes + sBytes), alignment: align)
    defer { bBuf.deallocate(); aBuf.deallocate() }
    let bPacked = SendablePointer(bBuf.bindMemory(to: T.self, capacity: bElems))
    let work = SendablePointer(aBuf.bindMemory(to: UInt8.self, capacity: workers * (aBytes + sBytes)))
    let pa = SendablePointer(a), pb = SendablePointer(b), pc = SendablePointer(c)
    // Per-panel "packed for generation g" flags (one generation per rank-kc update).
    let maxPanels = NC / nr
    let readyBuf = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: maxPanels)
    for i in 0..<maxPanels { (readyBuf + i).initialize(to: Atomic<Int>(0)) }
    defer { readyBuf.deinitialize(count: maxPanels); readyBuf.deallocate() }
    let ready = PanelFlags(p: readyBuf)
    var generation = 0

    var jc = 0
    while jc < n {
        let nc = min(NC, n - jc)
        let nPanels = (nc + nr - 1) / nr
        var p0 = 0
        while p0 < k {
            let kc = min(KC, k - p0)
            let first = p0 == 0
            let betaEff: T = first ? beta : 1
            let betaIsZero = first && beta == 0
            let jcNow = jc, p0Now = p0

            // One parallel region per rank-kc update:
            // 1. Pack B[p0..<p0+kc, jc..<jc+nc]: workers claim groups of micro-panels from a
            //    shared counter and publish each packed panel with the step's generation.
            // 2. Compute. Row split: workers pull row units from a shared counter, so a
            //    worker slowed by other load does not hold the others back. Column split
            //    (small M): a fixed grid. Before its first use of a panel a worker waits
            //    for that panel's flag; every panel is claimed by a running worker before
            //    anyone starts computing, so the wait always ends (even if the region's
            //    iterations happen to run one after another on a single thread).
            generation += 1
            let gen = generation
            let nextPanel = Atomic<Int>(0)
            let panelsPerClaim = max(1, nPanels / (workers * 8))
            let counter = Atomic<Int>(0)
            parallelFor(workers) { t in
                while true {
                    let p = nextPanel.wrappingAdd(panelsPerClaim, ordering: .relaxed).oldValue
                    if p >= nPanels { break }
                    let claim = p..<min(nPanels, p + panelsPerClaim)
                    packB(S.self, b: UnsafePointer(pb.p) + p0Now * ldb + jcNow, ldb: ldb, kc: kc, nc: nc,
                          panels: claim, dst: bPacked.p)
                    for q in claim { ready.p[q].store(gen, ordering: .releasing) }
                }
                let base = work.p + t * (aBytes + sBytes)
                let aPacked = UnsafeMutableRawPointer(base).bindMemory(to: T.self, capacity: aElems)
                let scratch = UnsafeMutableRawPointer(base + aBytes).bindMemory(to: T.self, capacity: mr * nr)
                let ctx = GemmBlockContext<T>(
                    a: UnsafePointer(pa.p) + p0Now, lda: lda, bPacked: UnsafePointer(bPacked.p),
                    c: pc.p + jcNow, ldc: ldc, kc: kc, nc: nc, MC: MC,
                    alpha: alpha, beta: betaEff, betaIsZero: betaIsZero, aPacked: aPacked, scratch: scratch,
                    ready: ready.p, generation: gen)
                if tn == 1 {
                    while true {
                        let u = counter.wrappingAdd(1, ordering: .relaxed).oldValue
                        if u >= rowUnits { break }
                        gemmBlock(S.self, ctx, rows: chunk(u, of: rowUnits, count: m, granule: mr), panels: 0..<nPanels)
                    }
                } else {
                    let ti = t / tn, tj = t % tn
                    let rows = chunk(ti, of: tm, count: m, granule: mr)
                    let cols = chunk(tj, of: tn, count: nPanels, granule: 1)
                    if rows.isEmpty || cols.isEmpty { return }
                    gemmBlock(S.self, ctx, rows: rows, panels: cols)
                }
            }
            p0 += kc
        }
        jc += nc
    }
}

struct GemmBlockContext<T> {
    let a: UnsafePointer<T>            // A at column p0
    let lda: Int
    let bPacked: UnsafePointer<T>
    let c: UnsafeMutablePointer<T>     // C at column jc
    let ldc: Int
    let kc: Int, nc: Int, MC: Int
    let alpha: T, beta: T, betaIsZero: Bool
    let aPacked: UnsafeMutablePointer<T>
    let scratch: UnsafeMutablePointer<T>
    let ready: UnsafeMutablePointer<Atomic<Int>>
    let generation: Int
}

/// Spins until `flag` holds `generation`; yields the CPU after a short spin so a
/// preempted packer can run (matters on machines shared with other work).
@inline(never)
func waitForPanel(_ flag: UnsafeMutablePointer<Atomic<Int>>, generation: Int) {
    var spins = 0
    while flag.pointee.load(ordering: .acquiring) != generation {
        spins += 1
        if spins > 2000 { sched_yield(); spins = 0 }
    }
}

/// Packed-panel flags shared by the workers of one GEMM call.
struct PanelFlags: @unchecked Sendable {
    let p: UnsafeMutablePointer<Atomic<Int>>
}

/// C[rows, panels] (+)= alpha * A[rows, p0..<p0+kc] * Bpacked[panels]: packs A in MC
/// row blocks and runs the micro-kernel over every (panel, A micro-panel) pair.
@inline(__always)
func gemmBlock<S: GemmSpec>(_ spec: S.Type, _ x: GemmBlockContext<S.Scalar>, rows: Range<Int>, panels: Range<Int>) {
    let mr = S.mr, nr = S.nr
    let kc = x.kc, ldc = x.ldc
    var ic = rows.lowerBound
    while ic < rows.upperBound {
        let mc = min(x.MC, rows.upperBound - ic)
        packA(S.self, a: x.a + ic * x.lda, lda: x.lda, mc: mc, kc: kc, dst: x.aPacked)
        let mPanels = (mc + mr - 1) / mr
        for jp in panels {
            if ic == rows.lowerBound {
                // First use of this panel here: wait until it is packed (it is being
                // packed by a running worker; see gemmDriver).
                waitForPanel(x.ready + jp, generation: x.generation)
            }
            let j0 = jp * nr
            let ncols = min(nr, x.nc - j0)
            let bPanel = x.bPacked + jp * kc * nr
            for ip in 0..<mPanels {
                let i0 = ip * mr
                let nrows = min(mr, mc - i0)
                let cTile = x.c + (ic + i0) * ldc + j0
                let full = nrows == mr && ncols == nr
                S.microKernel(kc: kc, a: UnsafePointer(x.aPacked + ip * kc * mr), b: bPanel,
                              c: cTile, ldc: ldc, alpha: x.alpha, beta: x.beta,
                              betaIsZero: x.betaIsZero, full: full, scratch: x.scratch)
                if !full {
                    for i in 0..<nrows {
                        let row = cTile + i * ldc
                        let acc = x.scratch + i * nr
                        for j in 0..<ncols {
                            row[j] = x.betaIsZero ? x.alpha * acc[j] : x.alpha * acc[j] + x.beta * row[j]
                        }
                    }
                }
            }
        }
        ic += mc
    }
}
