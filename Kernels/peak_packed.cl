// Suanli vector-engine peak for low-precision types: bf16 arithmetic chains (PK_BF16, where the
// compiler has bf16 arithmetic: Intel's cl_intel_bfloat16) and int8 dot-product chains (PK_I8,
// cl_khr_integer_dot_product).
// Contract: Kernels/README.md, "Tensor and matrix engines"; arguments as in peak.cl:
// out (one float per work-item), iters, a (must be -1.0f), b (must be 1.0f).
//
// PK_BF16: x = x * a + b in bf16, 8 dependent steps per iteration on each of NCHAINS chains;
//   two steps map x back to x exactly for the small integers used (bf16 holds integers up to
//   256 exactly). 2 operations per step.
// PK_I8: x = dot(as_char4(x), w) + z with w = ((char)a, 0, 0, 0) and z = 0 made at run time
//   (from b - 1), 8 dependent steps per iteration on each chain: for 0 <= x <= 127 one step
//   gives -x and the next gives x back, exactly. 8 operations per step (4 multiplies, 4 adds).
// Chain c starts at (gid % 64) + c, so out[gid] == NCHAINS * (gid % 64) + NCHAINS*(NCHAINS-1)/2.

#ifndef NCHAINS
#define NCHAINS 8
#endif
#if NCHAINS < 1 || NCHAINS > 16
#error "NCHAINS must be in 1..16"
#endif

#if defined(PK_BF16)
__kernel void peak_packed(__global float *out, const int iters, const float a, const float b)
{
    const int g = get_global_id(0);
    const __bf16 va = (__bf16)a, vb = (__bf16)b;
    __bf16 x[NCHAINS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) x[c] = (__bf16)(float)(g % 64 + c);
    for (int it = 0; it < iters; ++it) {
        #pragma unroll
        for (int k = 0; k < 8; ++k)
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c) x[c] = x[c] * va + vb;
    }
    float r = 0.0f;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) r += (float)x[c];
    out[g] = r;
}
#elif defined(PK_I8)
__kernel void peak_packed(__global float *out, const int iters, const float a, const float b)
{
    const int g = get_global_id(0);
    const char zero = (char)(b - 1.0f);
    const char4 w = (char4)((char)a, zero, zero, zero);
    const int z = (int)zero;
    int x[NCHAINS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) x[c] = g % 64 + c;
    for (int it = 0; it < iters; ++it) {
        #pragma unroll
        for (int k = 0; k < 8; ++k)
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c)
#if defined(__opencl_c_integer_dot_product_input_4x8bit)
                x[c] = dot(as_char4(x[c]), w) + z;
#else
                x[c] = z + as_char4(x[c]).s0 * w.s0 + as_char4(x[c]).s1 * w.s1
                         + as_char4(x[c]).s2 * w.s2 + as_char4(x[c]).s3 * w.s3;
#endif
    }
    float r = 0.0f;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) r += (float)x[c];
    out[g] = r;
}
#else
#error "define PK_BF16 or PK_I8"
#endif
