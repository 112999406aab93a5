// Suanli matrix-engine peak for Intel GPUs (XMX): independent chains of sub-group DPAS.
// Contract: Kernels/README.md, "Tensor and matrix engines".
//
// Element type: DP_F16, DP_BF16 or DP_I8 (as in gemm_dpas_intel.cl); SG = 8 or 16.
// Arguments: out (one uint per work-item), iters, base, and two 32-bit words: `one` packs the
// element type's +1 in every lane of the word, `minus_one` packs -1 (run-time values: nothing
// folds). Each iteration does, on each of NCHAINS accumulators, 8 instructions: D += A*B,
// D += A*(-B) three times, then D += A*B twice. With all-one operands each instruction adds +K or
// -K to every accumulator element, so each iteration adds exactly 2K: every partial sum is an
// integer, exact in fp32 and int32 (the host bounds iters and base so that |value| <= 2^22), and
// the result depends on the iteration count and on every instruction. Chain c starts at
// base + (gid % 64) + c in every element, and
//   out[gid] == 8 * (NCHAINS * (base + gid % 64) + NCHAINS * (NCHAINS - 1) / 2 + NCHAINS * 2K * iters)
// as a uint (each of the 8 accumulator rows converted to int, summed modulo 2^32).
// Work per DPAS and sub-group: 2 * 8 * SG * K, K = 16 (fp16, bf16) or 32 (int8).

#if defined(DP_F16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define DPAS intel_sub_group_f16_f16_matrix_mad_k16
#elif defined(DP_BF16)
#define DPAS intel_sub_group_bf16_bf16_matrix_mad_k16
#elif defined(DP_I8)
#define DPAS intel_sub_group_i8_i8_matrix_mad_k32
#else
#error "define one of DP_F16, DP_BF16, DP_I8"
#endif
#ifndef SG
#define SG 8
#endif
#ifndef NCHAINS
#define NCHAINS 8
#endif
#if defined(DP_I8)
typedef int8 acc_t;
#else
typedef float8 acc_t;
#endif

#if defined(DP_I8)
#define SL_AS_UINT8(v) as_uint8(v)
#else
#define SL_AS_UINT8(v) as_uint8(convert_int8(v))
#endif
// One step on every chain: D += A * b.
#define STEP(dc, b) dc = DPAS(a, b, dc)

__kernel __attribute__((intel_reqd_sub_group_size(SG)))
void peak_dpas(__global uint *out, const int iters, const int base, const uint one, const uint minus_one)
{
    const int g = get_global_id(0);
    const int s = base + g % 64;
#if SG == 8
    const int8 a = (int8)((int)one);
#else
    const short8 a = (short8)((short)one);
#endif
    const int8 bp = (int8)((int)one), bn = (int8)((int)minus_one);
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
