// Suanli vector-engine peak for low-precision types: bf16 arithmetic chains (PK_BF16, where the
// compiler has bf16 arithmetic: Intel's cl_intel_bfloat16) and int8 dot-product chains (PK_I8,
// cl_khr_integer_dot_product).
// Contract: Kernels/README.md, "Tensor and matrix engines". Arguments: out (one uint per
// work-item), iters, base, a (must be -1.0f), b (must be 1.0f); all run-time values.
//
// PK_BF16: x = x * a + b in bf16, 8 dependent steps per iteration on each of NCHAINS chains, the
//   last with b2 = b + b: seven steps map x to 1 - x and the eighth to -(1 - x) + 2 = x + 1, so
//   each iteration adds exactly 1 (bf16 holds every integer up to 256; the host keeps
//   |x| <= 255). 2 operations per step.
// PK_I8: x = dot(as_char4(x), w) + z with w = ((char)a, 0, 0, 0), z = 0 made at run time (from
//   b - 1) and z2 = (int)b = 1 on the eighth step: seven steps map x to -x and the eighth to x + 1,
//   exactly while |x| <= 127 (the host keeps it there). 8 operations per step (4 multiplies,
//   4 adds).
// Chain c starts at base + (gid % 64) + c, so after `iters` iterations
//   out[gid] == NCHAINS * (base + gid % 64) + NCHAINS * (NCHAINS - 1) / 2 + NCHAINS * iters
// as a uint (the chains' values summed as int, modulo 2^32): it depends on the iteration count
// and on every step.

#ifndef NCHAINS
#define NCHAINS 8
#endif
#if NCHAINS < 1 || NCHAINS > 16
#error "NCHAINS must be in 1..16"
#endif

#if defined(PK_BF16)
__kernel void peak_packed(__global uint *out, const int iters, const int base, const float a, const float b)
{
    const int g = get_global_id(0);
    const __bf16 va = (__bf16)a, vb = (__bf16)b, vb2 = (__bf16)(b + b);
    __bf16 x[NCHAINS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) x[c] = (__bf16)(float)(base + g % 64 + c);
    for (int it = 0; it < iters; ++it) {
        #pragma unroll
        for (int k = 0; k < 7; ++k)
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c) x[c] = x[c] * va + vb;
        #pragma unroll
        for (int c = 0; c < NCHAINS; ++c) x[c] = x[c] * va + vb2;
    }
    int r = 0;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) r += (int)(float)x[c];
    out[g] = (uint)r;
}
#elif defined(PK_I8)
#if defined(__opencl_c_integer_dot_product_input_4x8bit)
#define SL_DOT(x, w, z) (dot(as_char4(x), w) + (z))
#else
#define SL_DOT(x, w, z) ((z) + as_char4(x).s0 * (w).s0 + as_char4(x).s1 * (w).s1 \
                             + as_char4(x).s2 * (w).s2 + as_char4(x).s3 * (w).s3)
#endif
__kernel void peak_packed(__global uint *out, const int iters, const int base, const float a, const float b)
{
    const int g = get_global_id(0);
    const char zero = (char)(b - 1.0f);
    const char4 w = (char4)((char)a, zero, zero, zero);
    const int z = (int)zero, z2 = (int)b;
    int x[NCHAINS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) x[c] = base + g % 64 + c;
    for (int it = 0; it < iters; ++it) {
        #pragma unroll
        for (int k = 0; k < 7; ++k)
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c) x[c] = SL_DOT(x[c], w, z);
        #pragma unroll
        for (int c = 0; c < NCHAINS; ++c) x[c] = SL_DOT(x[c], w, z2);
    }
    int r = 0;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) r += x[c];
    out[g] = (uint)r;
}
#else
#error "define PK_BF16 or PK_I8"
#endif
