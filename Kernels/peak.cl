// Suanli FMA peak: independent FMA chains at vector widths 1, 2, 4, 8, 16.
// Contract (arguments, FLOP formula, verification): Kernels/README.md.
// OpenCL C 1.2. REAL is the arithmetic type (float, double or half); half
// arithmetic needs USE_FP16 (cl_khr_fp16) and double needs USE_FP64.

// REAL, USE_FP64/USE_FP16 and SL_CAT: prelude_precision.cl.

#ifndef NCHAINS
#define NCHAINS 8          // independent chains per work-item (1..16)
#endif
#if NCHAINS < 1 || NCHAINS > 16
#error "NCHAINS must be in 1..16"
#endif

// Horizontal sums of the chains' values as uint (wrapping, so exact modulo 2^32).
#define USUM1(v) convert_uint(v)
#define USUM2(v) (convert_uint((v).s0) + convert_uint((v).s1))
#define USUM4(v) (USUM2((v).lo) + USUM2((v).hi))
#define USUM8(v) (USUM4((v).lo) + USUM4((v).hi))
#define USUM16(v) (USUM8((v).lo) + USUM8((v).hi))

// Chain c of work-item g starts at (g % 64) + c in every lane. The host passes a = 1
// and b = 1 (runtime values: nothing folds), so every FMA adds exactly 1 while the
// values stay integers the type holds exactly (below 2^11 for half, 2^24 for float):
// after the loop each lane holds start + 8*iters, and
// out[g] = W * (NCHAINS*(g % 64) + NCHAINS*(NCHAINS-1)/2 + NCHAINS*8*iters) (mod 2^32).
// A skipped FMA or a shortened loop changes it.
#define PEAK_KERNEL(W, VT)                                                    \
__kernel void peak_fma_##W(__global uint *out, const int iters,               \
                           const float a, const float b)                      \
{                                                                             \
    const VT va = (VT)((REAL)a), vb = (VT)((REAL)b);                          \
    const int g = get_global_id(0);                                           \
    const REAL s = (REAL)(g % 64);                                            \
    VT x[NCHAINS];                                                            \
    _Pragma("unroll") for (int c = 0; c < NCHAINS; ++c) x[c] = (VT)(s + (REAL)c); \
    for (int it = 0; it < iters; ++it) {                                      \
        /* one iteration = 8 dependent FMAs on each chain, chains interleaved */ \
        _Pragma("unroll") for (int k = 0; k < 8; ++k)                         \
            _Pragma("unroll") for (int c = 0; c < NCHAINS; ++c)               \
                x[c] = fma(x[c], va, vb);                                     \
    }                                                                         \
    uint r = 0;                                                               \
    _Pragma("unroll") for (int c = 0; c < NCHAINS; ++c) r += USUM##W(x[c]);   \
    out[g] = r;                                                               \
}

PEAK_KERNEL(1, REAL)
PEAK_KERNEL(2, SL_CAT(REAL, 2))
PEAK_KERNEL(4, SL_CAT(REAL, 4))
PEAK_KERNEL(8, SL_CAT(REAL, 8))
PEAK_KERNEL(16, SL_CAT(REAL, 16))
