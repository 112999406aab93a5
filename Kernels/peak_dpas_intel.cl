// Suanli matrix-engine peak for Intel GPUs (XMX): independent chains of sub-group DPAS.
// Contract: Kernels/README.md, "Tensor and matrix engines".
//
// Element type: DP_F16, DP_BF16 or DP_I8 (as in gemm_dpas_intel.cl); SG = 8 or 16.
// Arguments: out (one float per work-item), iters, and two 32-bit words: `one` packs the
// element type's +1 in every lane of the word, `minus_one` packs -1 (run-time values). Each
// iteration does, on each of NCHAINS accumulators, D += A*B then D += A*(-B) four times (8 DPAS).
// With all-one operands every partial sum is a small integer, exact in fp32 and int32, and each
// of the 8 accumulator rows returns to its start value (gid % 64) + c exactly, so
//   out[gid] == 8 * (NCHAINS * (gid % 64) + NCHAINS * (NCHAINS - 1) / 2)   exactly.
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

__kernel __attribute__((intel_reqd_sub_group_size(SG)))
void peak_dpas(__global float *out, const int iters, const uint one, const uint minus_one)
{
    const int g = get_global_id(0);
    const int s = g % 64;
#if SG == 8
    const int8 a = (int8)((int)one);
#else
    const short8 a = (short8)((short)one);
#endif
    const int8 bp = (int8)((int)one), bn = (int8)((int)minus_one);
    acc_t d[NCHAINS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) d[c] = (acc_t)(s + c);
    for (int it = 0; it < iters; ++it) {
        #pragma unroll
        for (int k = 0; k < 4; ++k) {
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c) d[c] = DPAS(a, bp, d[c]);
            #pragma unroll
            for (int c = 0; c < NCHAINS; ++c) d[c] = DPAS(a, bn, d[c]);
        }
    }
    float sum = 0.0f;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c)
        sum += (float)d[c].s0 + (float)d[c].s1 + (float)d[c].s2 + (float)d[c].s3
             + (float)d[c].s4 + (float)d[c].s5 + (float)d[c].s6 + (float)d[c].s7;
    out[g] = sum;
}
