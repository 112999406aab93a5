// Suanli STREAM suite (BabelStream-style): copy, mul, add, triad, dot.
// Contract (arguments, defines, NDRange formulas, byte counts): Kernels/README.md.
// OpenCL C 1.2; no vendor extensions.
//
// REAL = storage type, ACC = arithmetic type (scalar argument and dot sums).
// half storage is accessed with vload_half/vstore_half (no cl_khr_fp16 needed);
// the arithmetic is then done in ACC (float, or half with USE_FP16). Values are
// converted to float before vstore_half: with ACC = half the call would otherwise be
// ambiguous between the float and double overloads (Intel's CPU runtime rejects it).
// Lengths and indices are 64-bit (ulong / size_t): arrays of 2^32 elements and more work.

// REAL, ACC, USE_FP64/USE_FP16, SL_CAT and REAL_IS_HALF: prelude_precision.cl.

#ifndef VW
#define VW 1               // elements per vector access: 1, 2, 4, 8, 16
#endif
#ifndef ELEMS_PER_ITEM
#define ELEMS_PER_ITEM 1   // vectors per work-item (strided by the global size)
#endif
#ifndef DOT_WG
#define DOT_WG 256         // work-group size of stream_dot (power of two)
#endif

#if VW != 1 && VW != 2 && VW != 4 && VW != 8 && VW != 16
#error "VW must be 1, 2, 4, 8 or 16"
#endif
#if (DOT_WG & (DOT_WG - 1)) != 0
#error "DOT_WG must be a power of two"
#endif
#ifndef DOT_CONTIGUOUS
#define DOT_CONTIGUOUS 0
#endif
#ifndef STREAM_CONTIGUOUS
#define STREAM_CONTIGUOUS 0  // copy/mul/add/triad: one contiguous slice per work-item (CPUs)
#endif
#ifndef STREAM_NT
#define STREAM_NT 0          // copy/mul/add/triad: non-temporal (streaming) stores
#endif
#ifndef DOT_ACCS
#define DOT_ACCS 1         // independent partial sums per work-item: 1, 2 or 4
#endif
#if DOT_ACCS != 1 && DOT_ACCS != 2 && DOT_ACCS != 4
#error "DOT_ACCS must be 1, 2 or 4"
#endif

// ACCV, REALV: prelude_precision.cl.
#define ACC4 SL_CAT(ACC, 4)
#define ACC8 SL_CAT(ACC, 8)
#define FLOATV SL_CAT(float, VW)

// Scalar (element i) and vector (vector v = elements v*VW .. v*VW+VW-1) access.
#if REAL_IS_HALF
#define LD1(p, i) SL_CAT(convert_, ACC)(vload_half((i), (p)))
#define ST1(x, p, i) vstore_half(convert_float(x), (i), (p))
#if VW == 1
#define LDV(p, v) LD1(p, v)
#define STV(x, p, v) ST1(x, p, v)
#else
#define LDV(p, v) SL_CAT(convert_, ACCV)(SL_CAT(vload_half, VW)((v), (p)))
#define STV(x, p, v) SL_CAT(vstore_half, VW)(SL_CAT(convert_, FLOATV)(x), (v), (p))
#endif
#else
#define LD1(p, i) SL_CAT(convert_, ACC)((p)[i])
#define ST1(x, p, i) ((p)[i] = SL_CAT(convert_, REAL)(x))
#if VW == 1
#define LDV(p, v) LD1(p, v)
#define STV(x, p, v) ST1(x, p, v)
#else
#define LDV(p, v) SL_CAT(convert_, ACCV)(SL_CAT(vload, VW)((v), (p)))
#define STV(x, p, v) SL_CAT(vstore, VW)(SL_CAT(convert_, REALV)(x), (v), (p))
#endif
#endif

// STREAM_NT: the outputs are stored with clang's __builtin_nontemporal_store (PoCL, Intel and
// other clang-based compilers), which CPUs turn into streaming stores: the line is written
// without being read first, so the write-allocate read (a third more traffic for triad) goes.
// The vector cast needs VW * sizeof(REAL) alignment: buffers are aligned to
// CL_DEVICE_MEM_BASE_ADDR_ALIGN (at least the largest type, 128 bytes) and vectors start at
// multiples of VW elements. half storage keeps vstore_half.
#if STREAM_NT && !REAL_IS_HALF
#undef STV
#define STV(x, p, v) __builtin_nontemporal_store(SL_CAT(convert_, REALV)(x), (__global REALV *)(p) + (v))
#endif

// Loop over this work-item's vectors; OP_V(v) handles full vector v, OP_1(i)
// handles element i of a partial last vector (only when n % VW != 0).
// Work-group w owns vectors [w*L*EPI, (w+1)*L*EPI) (L = local size); inside it,
// work-item l takes vectors w*L*EPI + e*L + l, e = 0..EPI-1 (coalesced on GPUs,
// one contiguous block per group on CPUs).
// STREAM_CONTIGUOUS (CPUs): work-item g of the G launched owns vectors
// [g*chunk, min((g+1)*chunk, n/VW)), chunk = ceil((n/VW)/G), and walks them in order; the last
// work-item also does the tail elements. Each core then streams through whole pages, and its
// streaming stores fill whole cache lines in order.
#if STREAM_CONTIGUOUS
#define FOR_ITEMS(OP_V, OP_1)                                                   \
    const ulong nv = n / VW;                                                    \
    const ulong items = get_global_size(0), id = get_global_id(0);              \
    const ulong chunk = (nv + items - 1) / items;                               \
    const ulong first = min(id * chunk, nv), last = min(first + chunk, nv);     \
    for (ulong v = first; v < last; ++v) { OP_V(v); }                           \
    if (VW > 1 && id == items - 1) {                                            \
        for (ulong i = nv * VW; i < n; ++i) { OP_1(i); }                        \
    }
#else
#define FOR_ITEMS(OP_V, OP_1)                                                   \
    const ulong L = get_local_size(0);                                          \
    const ulong base = (ulong)get_group_id(0) * L * ELEMS_PER_ITEM + get_local_id(0); \
    const ulong nv = n / VW;                                                    \
    _Pragma("unroll") for (uint e = 0; e < ELEMS_PER_ITEM; ++e) {               \
        const ulong v = base + e * L;                                           \
        if (v < nv) {                                                           \
            OP_V(v);                                                            \
        } else if (VW > 1 && v == nv) {                                         \
            for (ulong i = nv * VW; i < n; ++i) { OP_1(i); }                    \
        }                                                                       \
    }
#endif

// c = a
#define COPY_V(v) STV(LDV(a, v), c, v)
#define COPY_1(i) ST1(LD1(a, i), c, i)
__kernel void stream_copy(__global const REAL *restrict a, __global REAL *restrict c, const ulong n)
{
    FOR_ITEMS(COPY_V, COPY_1)
}

// b = scalar * c
#define MUL_V(v) STV(scalar * LDV(c, v), b, v)
#define MUL_1(i) ST1(scalar * LD1(c, i), b, i)
__kernel void stream_mul(__global REAL *restrict b, __global const REAL *restrict c,
                         const ACC scalar, const ulong n)
{
    FOR_ITEMS(MUL_V, MUL_1)
}

// c = a + b
#define ADD_V(v) STV(LDV(a, v) + LDV(b, v), c, v)
#define ADD_1(i) ST1(LD1(a, i) + LD1(b, i), c, i)
__kernel void stream_add(__global const REAL *restrict a, __global const REAL *restrict b,
                         __global REAL *restrict c, const ulong n)
{
    FOR_ITEMS(ADD_V, ADD_1)
}

// a = b + scalar * c
#define TRIAD_V(v) STV(LDV(b, v) + scalar * LDV(c, v), a, v)
#define TRIAD_1(i) ST1(LD1(b, i) + scalar * LD1(c, i), a, i)
__kernel void stream_triad(__global REAL *restrict a, __global const REAL *restrict b,
                           __global const REAL *restrict c, const ACC scalar, const ulong n)
{
    FOR_ITEMS(TRIAD_V, TRIAD_1)
}

// partial[group] = sum of a[i] * b[i] over this group's contiguous chunk.
// Launch: local size = DOT_WG, global size = DOT_WG * groups (any groups >= 1);
// the host adds the `groups` partial sums (one ACC each).
// Group w owns vectors [w*chunk, min((w+1)*chunk, n/VW)), chunk = ceil((n/VW)/groups).
// DOT_CONTIGUOUS = 0 (GPUs): its work-items stride through the chunk by DOT_WG (coalesced).
// DOT_CONTIGUOUS = 1 (CPUs): each work-item takes one contiguous slice of the chunk, so
// every work-item streams through consecutive memory (a stride of DOT_WG vectors would
// start a new page at every step and defeat the hardware prefetchers).
// Each work-item keeps DOT_ACCS independent partial sums (hides the add latency; with
// DOT_CONTIGUOUS each sum reads its own run of the slice, so DOT_ACCS streams are in flight).
// Group 0 also adds the tail elements n - n%VW .. n-1.
__kernel __attribute__((reqd_work_group_size(DOT_WG, 1, 1)))
void stream_dot(__global const REAL *restrict a, __global const REAL *restrict b,
                __global ACC *restrict partial, const ulong n)
{
    __local ACC scratch[DOT_WG];
    const size_t g = get_global_id(0);
    const uint lid = get_local_id(0);
    const ulong nv = n / VW;
    const ulong groups = get_num_groups(0);
    const ulong chunk = (nv + groups - 1) / groups;
    const ulong start = min((ulong)get_group_id(0) * chunk, nv);
    const ulong end = min(start + chunk, nv);
    ACCV s0 = (ACCV)(0);
#if DOT_ACCS > 1
    ACCV s1 = (ACCV)(0);
#endif
#if DOT_ACCS > 2
    ACCV s2 = (ACCV)(0), s3 = (ACCV)(0);
#endif
#if DOT_CONTIGUOUS
    // This work-item's slice [first, last), cut into DOT_ACCS equal runs read side by side
    // (more streams in flight per core); the remainder goes to the first sum.
    const ulong slice = (end - start + DOT_WG - 1) / DOT_WG;
    const ulong first = min(start + lid * slice, end);
    const ulong last = min(first + slice, end);
    const ulong run = (last - first) / DOT_ACCS;
    for (ulong t = 0; t < run; ++t) {
        const ulong v = first + t;
        s0 += LDV(a, v) * LDV(b, v);
#if DOT_ACCS > 1
        s1 += LDV(a, v + run) * LDV(b, v + run);
#endif
#if DOT_ACCS > 2
        s2 += LDV(a, v + 2 * run) * LDV(b, v + 2 * run);
        s3 += LDV(a, v + 3 * run) * LDV(b, v + 3 * run);
#endif
    }
    for (ulong v = first + DOT_ACCS * run; v < last; ++v)
        s0 += LDV(a, v) * LDV(b, v);
#else
    // Work-items interleave through the chunk by DOT_WG vectors; the sums take turns.
    ulong v = start + lid;
#if DOT_ACCS > 1
    for (; v + (DOT_ACCS - 1) * DOT_WG < end; v += DOT_ACCS * DOT_WG) {
        s0 += LDV(a, v) * LDV(b, v);
        s1 += LDV(a, v + DOT_WG) * LDV(b, v + DOT_WG);
#if DOT_ACCS > 2
        s2 += LDV(a, v + 2 * DOT_WG) * LDV(b, v + 2 * DOT_WG);
        s3 += LDV(a, v + 3 * DOT_WG) * LDV(b, v + 3 * DOT_WG);
#endif
    }
#endif
    for (; v < end; v += DOT_WG)
        s0 += LDV(a, v) * LDV(b, v);
#endif
#if DOT_ACCS == 1
    const ACCV s = s0;
#elif DOT_ACCS == 2
    const ACCV s = s0 + s1;
#else
    const ACCV s = (s0 + s1) + (s2 + s3);
#endif
#if VW == 1
    ACC t = s;
#elif VW == 2
    ACC t = s.s0 + s.s1;
#elif VW == 4
    ACC t = (s.s0 + s.s1) + (s.s2 + s.s3);
#elif VW == 8
    const ACC4 h = s.lo + s.hi;
    ACC t = (h.s0 + h.s1) + (h.s2 + h.s3);
#else
    const ACC8 h8 = s.lo + s.hi;
    const ACC4 h = h8.lo + h8.hi;
    ACC t = (h.s0 + h.s1) + (h.s2 + h.s3);
#endif
    if (VW > 1 && g == 0)
        for (ulong i = nv * VW; i < n; ++i) t += LD1(a, i) * LD1(b, i);

    scratch[lid] = t;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint off = DOT_WG / 2; off > 0; off >>= 1) {
        if (lid < off) scratch[lid] += scratch[lid + off];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partial[get_group_id(0)] = scratch[0];
}
