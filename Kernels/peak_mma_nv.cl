// Suanli tensor-core peak for NVIDIA GPUs: independent chains of mma.sync, inline PTX.
// Contract: Kernels/README.md, "Tensor and matrix engines".
//
// Element type: TC_F16, TC_F16ACC, TC_BF16, TC_TF32, TC_S8 or TC_E4M3 (as in gemm_mma_nv.cl).
// Arguments: out (one uint per work-item), iters, base, and two 32-bit words: `one` packs the
// element type's +1 in every lane of the word, `minus_one` packs -1. They are run-time values,
// so nothing can be folded. Each iteration does, on each of NCHAINS accumulators, 8 mma:
// D += A*B, D += A*(-B) three times, then D += A*B twice. With A and B all ones each mma adds
// +K or -K to every accumulator element, so each iteration adds exactly 2K: every partial sum
// is an integer the accumulator holds exactly (the host bounds iters and base so that
// |value| <= 2^11 for fp16 and 2^22 otherwise), and the result depends on the iteration count
// and on every mma. Chain c starts at base + (gid % 64) + c in every accumulator element, and
//   out[gid] == 4 * (NCHAINS * (base + gid % 64) + NCHAINS * (NCHAINS - 1) / 2 + NCHAINS * 2K * iters)
// as a uint (each element converted to int, summed modulo 2^32).
// Work per mma and warp: 2 * 16 * 8 * K operations, K = 16 (fp16, bf16), 8 (tf32), 32 (int8, fp8).

#if defined(TC_F16) || defined(TC_F16ACC) || defined(TC_BF16) || defined(TC_TF32) || defined(TC_S8) || defined(TC_E4M3)
#else
#error "define one of TC_F16, TC_F16ACC, TC_BF16, TC_TF32, TC_S8, TC_E4M3"
#endif
#ifndef NCHAINS
#define NCHAINS 8
#endif

#ifdef SUANLI_EMULATE_TC
// Tests prepend an emulation of MMA, SL_SUBGROUP, sl_h2f and sl_f2h (sub-group shuffles).
#else
#define SL_SUBGROUP
// fp16 <-> fp32 of a register's bits, before and after the loop. Inline cvt rather than
// vload_half/vstore_half: those are library calls that only NVIDIA's driver resolves, and the
// offline check (Scripts/check-vendor-kernels.sh) compiles without any OpenCL library.
static inline float sl_h2f(ushort h) {
    float x;
    __asm__("cvt.f32.f16 %0, %1;" : "=f"(x) : "h"(h));
    return x;
}
static inline ushort sl_f2h(float x) {
    ushort h;
    __asm__("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
    return h;
}
#if defined(TC_F16ACC)
#define MMA(d, a, b)                                                                          \
    __asm__ volatile("mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16 {%0,%1}, {%2,%3,%4,%5}, {%6,%7}, {%0,%1};" \
                     : "+r"((d)[0]), "+r"((d)[1])                                             \
                     : "r"((a)[0]), "r"((a)[1]), "r"((a)[2]), "r"((a)[3]), "r"((b)[0]), "r"((b)[1]))
#else
#if defined(TC_F16)
#define MMA_OP "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"
#elif defined(TC_BF16)
#define MMA_OP "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"
#elif defined(TC_TF32)
#define MMA_OP "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"
#elif defined(TC_S8)
#define MMA_OP "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32"
#elif defined(TC_E4M3)
#define MMA_OP "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32"
#endif
#if defined(TC_S8)
#define ACC_CONSTRAINT "+r"
#else
#define ACC_CONSTRAINT "+f"
#endif
#define MMA(d, a, b)                                                                          \
    __asm__ volatile(MMA_OP " {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"          \
                     : ACC_CONSTRAINT((d)[0]), ACC_CONSTRAINT((d)[1]), ACC_CONSTRAINT((d)[2]), ACC_CONSTRAINT((d)[3]) \
                     : "r"((a)[0]), "r"((a)[1]), "r"((a)[2]), "r"((a)[3]), "r"((b)[0]), "r"((b)[1]))
#endif
#endif

#if defined(TC_F16ACC)
#define ACC_REGS 2
typedef uint acc_t;
#elif defined(TC_S8)
#define ACC_REGS 4
typedef int acc_t;
#else
#define ACC_REGS 4
typedef float acc_t;
#endif

// One step on every chain: D += A * b.
#define STEP(dc, b) MMA(dc, a, b)

__kernel SL_SUBGROUP
void peak_mma(__global uint *out, const int iters, const int base, const uint one, const uint minus_one)
{
    const int g = get_global_id(0);
    const int s = base + g % 64;
    const uint a[4] = {one, one, one, one};
    const uint bp[2] = {one, one}, bn[2] = {minus_one, minus_one};
    acc_t d[NCHAINS][ACC_REGS];
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) {
#if defined(TC_F16ACC)
        const uint h = (uint)sl_f2h((float)(s + c));
        d[c][0] = d[c][1] = h | (h << 16);
#else
        #pragma unroll
        for (int r = 0; r < ACC_REGS; ++r) d[c][r] = (acc_t)(s + c);
#endif
    }
    SL_PEAK_ITERATIONS   // eight steps per iteration on every chain (prelude_peak.cl)
    uint sum = 0;
    #pragma unroll
    for (int c = 0; c < NCHAINS; ++c) {
        #pragma unroll
        for (int r = 0; r < ACC_REGS; ++r) {
#if defined(TC_F16ACC)
            sum += (uint)(int)sl_h2f((ushort)d[c][r]) + (uint)(int)sl_h2f((ushort)(d[c][r] >> 16));
#elif defined(TC_S8)
            sum += (uint)d[c][r];
#else
            sum += (uint)(int)d[c][r];
#endif
        }
    }
    out[g] = sum;
}
