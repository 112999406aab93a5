// Suanli matrix-core peak for AMD Instinct GPUs: independent chains of MFMA (16 x 16 blocks).
// Contract: Kernels/README.md, "Tensor and matrix engines".
//
// Element type: MF_F16, MF_BF16, MF_XF32, MF_I8 or MF_FP8 (as in gemm_mfma_amd.cl).
// Arguments: out (one uint per work-item), iters, base, and two 32-bit words: `one` packs the
// element type's +1 in every lane of the word, `minus_one` packs -1 (run-time values: nothing
// folds). Each iteration does, on each of NCHAINS accumulators, 8 instructions: D += A*B,
// D += A*(-B) three times, then D += A*B twice. With all-one operands each instruction adds +K or
// -K to every accumulator element, so each iteration adds exactly 2K: every partial sum is an
// integer, exact in fp32 and int32 (the host bounds iters and base so that |value| <= 2^22), and
// the result depends on the iteration count and on every instruction. Chain c starts at
// base + (gid % 64) + c in every element, and
//   out[gid] == 4 * (NCHAINS * (base + gid % 64) + NCHAINS * (NCHAINS - 1) / 2 + NCHAINS * 2K * iters)
// as a uint (each element converted to int, summed modulo 2^32).
// Work per MFMA and wavefront: 2 * 16 * 16 * K, K = 16 (fp16, bf16; int8 on gfx90a), 8 (xf32),
// 32 (int8 and fp8 on gfx940+).

#if defined(__gfx940__) || defined(__gfx941__) || defined(__gfx942__) || defined(__gfx950__) || defined(SUANLI_MFMA_GFX94X)
#define SL_GFX94X 1
#endif
#if defined(MF_F16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#elif defined(MF_BF16) || defined(MF_XF32) || defined(MF_I8) || defined(MF_FP8)
#else
#error "define one of MF_F16, MF_BF16, MF_XF32, MF_I8, MF_FP8"
#endif
#if defined(MF_I8) && !defined(SL_GFX94X)
#define LW 1
typedef uint lane_t;
#else
#define LW 2
typedef uint2 lane_t;
#endif
#ifndef NCHAINS
#define NCHAINS 8
#endif

#if defined(MF_I8)
typedef int4 acc_t;
#else
typedef float4 acc_t;
#endif

#ifdef SUANLI_EMULATE_MFMA
// Tests prepend an emulation of MFMA(acc, a, b) and SL_SUBGROUP (sub-group shuffles).
#else
#define SL_SUBGROUP
#if defined(MF_F16)
#define MFMA(d, a, b) d = __builtin_amdgcn_mfma_f32_16x16x16f16(as_half4(a), as_half4(b), d, 0, 0, 0)
#elif defined(MF_BF16)
#define MFMA(d, a, b) d = __builtin_amdgcn_mfma_f32_16x16x16bf16_1k(as_short4(a), as_short4(b), d, 0, 0, 0)
#elif defined(MF_XF32)
#define MFMA(d, a, b) d = __builtin_amdgcn_mfma_f32_16x16x8_xf32(as_float2(a), as_float2(b), d, 0, 0, 0)
#elif defined(MF_FP8)
#define MFMA(d, a, b) d = __builtin_amdgcn_mfma_f32_16x16x32_fp8_fp8(as_long(a), as_long(b), d, 0, 0, 0)
#elif defined(MF_I8) && defined(SL_GFX94X)
#define MFMA(d, a, b) d = __builtin_amdgcn_mfma_i32_16x16x32_i8(as_long(a), as_long(b), d, 0, 0, 0)
#elif defined(MF_I8)
#define MFMA(d, a, b) d = __builtin_amdgcn_mfma_i32_16x16x16i8((int)(a), (int)(b), d, 0, 0, 0)
#endif
#endif

#if defined(MF_I8)
#define SL_AS_UINT4(v) as_uint4(v)
#else
#define SL_AS_UINT4(v) as_uint4(convert_int4(v))
#endif
// One step on every chain: D += A * b.
#define STEP(dc, b) MFMA(dc, a, b)

__kernel SL_SUBGROUP
void peak_mfma(__global uint *out, const int iters, const int base, const uint one, const uint minus_one)
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
        const uint4 v = SL_AS_UINT4(d[c]);
        sum += v.s0 + v.s1 + v.s2 + v.s3;
    }
    out[g] = sum;
}
