// Suanli matrix-core peak for AMD RDNA3 GPUs (gfx11): independent chains of wave32 WMMA.
// Contract: Kernels/README.md, "Tensor and matrix engines".
//
// Element type: WM_F16, WM_BF16 or WM_I8 (as in gemm_wmma_amd.cl).
// Arguments: out (one uint per work-item), iters, base, and two 32-bit words: `one` packs the
// element type's +1 in every lane of the word, `minus_one` packs -1 (run-time values: nothing
// folds). Each iteration does, on each of NCHAINS accumulators, 8 instructions: D += A*B,
// D += A*(-B) three times, then D += A*B twice. With all-one operands each instruction adds +K or
// -K to every accumulator element, so each iteration adds exactly 2K: every partial sum is an
// integer, exact in fp32 and int32 (the host bounds iters and base so that |value| <= 2^22), and
// the result depends on the iteration count and on every instruction. Chain c starts at
// base + (gid % 64) + c in every element, and
//   out[gid] == 8 * (NCHAINS * (base + gid % 64) + NCHAINS * (NCHAINS - 1) / 2 + NCHAINS * 2K * iters)
// as a uint (each of the lane's 8 elements converted to int, summed modulo 2^32), K = 16.
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

#if defined(WM_I8)
#define SL_AS_UINT8(v) as_uint8(v)
#else
#define SL_AS_UINT8(v) as_uint8(convert_int8(v))
#endif
// One step on every chain: D += A * b.
#define STEP(dc, b) WMMA(dc, a, b)

__kernel SL_SUBGROUP
void peak_wmma(__global uint *out, const int iters, const int base, const uint one, const uint minus_one)
{
    const int g = get_global_id(0);
    const int s = base + g % 64;
    const lane_t a = (lane_t)(one), bp = (lane_t)(one), bn = (lane_t)(minus_one);
    acc_t d[NCHAINS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) d[c] = (acc_t)(s + c);
    SL_PEAK_ITERATIONS   // eight steps per iteration on every chain (prelude_peak.cl)
    uint sum = 0;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) {
        const uint8 v = SL_AS_UINT8(d[c]);
        sum += v.s0 + v.s1 + v.s2 + v.s3 + v.s4 + v.s5 + v.s6 + v.s7;
    }
    out[g] = sum;
}
