// Suanli matrix-core peak for AMD RDNA3 GPUs (gfx11): independent chains of wave32 WMMA.
// Contract: Kernels/README.md, "Tensor and matrix engines".
//
// Element type: WM_F16, WM_BF16 or WM_I8 (as in gemm_wmma_amd.cl). Arguments: out (one float per
// work-item), iters, and two 32-bit words: `one` packs the type's +1 in every element of the word,
// `minus_one` packs -1 (run-time values). Each iteration does, on each of NCHAINS accumulators,
// D += A*B then D += A*(-B) four times (8 WMMA); with all-one operands every partial sum is a small
// integer, exact in fp32 and int32, and each of the lane's 8 accumulator elements returns to its
// start value (gid % 64) + c, so
//   out[gid] == 8 * (NCHAINS * (gid % 64) + NCHAINS * (NCHAINS - 1) / 2)   exactly.
// Work per WMMA and wave of 32: 2 * 16 * 16 * 16.

#if defined(WM_F16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#elif defined(WM_BF16) || defined(WM_I8)
#else
#error "define one of WM_F16, WM_BF16, WM_I8"
#endif
#ifndef NCHAINS
#define NCHAINS 8
#endif
#if defined(WM_I8)
typedef int8 acc_t;
typedef uint4 lane_t;
#else
typedef float8 acc_t;
typedef uint8 lane_t;
#endif

#ifdef SUANLI_EMULATE_WMMA
// Tests prepend an emulation of WMMA(acc, a, b) and SL_SUBGROUP (sub-group shuffles).
#else
#define SL_SUBGROUP
#if defined(WM_F16)
#define WMMA(d, a, b) d = __builtin_amdgcn_wmma_f32_16x16x16_f16_w32(as_half16(a), as_half16(b), d)
#elif defined(WM_BF16)
#define WMMA(d, a, b) d = __builtin_amdgcn_wmma_f32_16x16x16_bf16_w32(as_short16(a), as_short16(b), d)
#else
#define WMMA(d, a, b) d = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32(true, as_int4(a), true, as_int4(b), d, false)
#endif
#endif

__kernel SL_SUBGROUP
void peak_wmma(__global float *out, const int iters, const uint one, const uint minus_one)
{
    const int g = get_global_id(0);
    const int s = g % 64;
    const lane_t a = (lane_t)(one), bp = (lane_t)(one), bn = (lane_t)(minus_one);
    acc_t d[NCHAINS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) d[c] = (acc_t)(s + c);
    for (int it = 0; it < iters; ++it) {
        #pragma unroll
        for (int k = 0; k < 4; ++k) {
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c) WMMA(d[c], a, bp);
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c) WMMA(d[c], a, bn);
        }
    }
    float sum = 0.0f;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c)
        sum += (float)d[c].s0 + (float)d[c].s1 + (float)d[c].s2 + (float)d[c].s3
             + (float)d[c].s4 + (float)d[c].s5 + (float)d[c].s6 + (float)d[c].s7;
    out[g] = sum;
}
