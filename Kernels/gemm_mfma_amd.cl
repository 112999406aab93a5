// Suanli matrix-core GEMM for AMD Instinct GPUs (CDNA2 gfx90a, CDNA3 gfx940-gfx942):
// wavefront-level MFMA through clang's __builtin_amdgcn_mfma_* builtins.
// Contract (arguments, layout, defines, NDRange): Kernels/README.md, "Tensor and matrix engines".
//
// Same layout and arguments as gemm_mma_nv.cl: A is M x K row-major, B is given as N x K
// (k contiguous), C is M x N row-major; M, N, K are tile multiples (the host pads); A and B are
// 32-bit words of packed elements.
//
// Element type (one of):
//   MF_F16   fp16 in, fp32 accumulate, C stored as fp16   v_mfma_f32_16x16x16f16     (gfx908+)
//   MF_BF16  bf16 in, fp32 accumulate, C fp32             v_mfma_f32_16x16x16bf16_1k (gfx90a+)
//   MF_XF32  tf32 in, fp32 accumulate, C fp32             v_mfma_f32_16x16x8_xf32    (gfx940-gfx942)
//   MF_I8    int8 in, int32 accumulate, C int32           v_mfma_i32_16x16x32_i8 (gfx940+), _16x16x16i8 (gfx90a)
//   MF_FP8   fp8 in, fp32 accumulate, C fp32              v_mfma_f32_16x16x32_fp8_fp8 (gfx940+; FNUZ e4m3 on gfx94x)
// Operand layout of the 16 x 16 blocks (64 lanes, lane l = 16 * q + r): lane l holds row r of A
// and column r of B at K positions [q * KL, (q + 1) * KL) (KL elements, 8 or 4 bytes); it
// receives D rows 4q .. 4q+3 of column r.
//
// SUANLI_EMULATE_MFMA (tests only): the test suite prepends an emulation of MFMA built on
// sub-group shuffles (sub-group size 64), so the indexing runs on a CPU OpenCL device.

#if defined(__gfx940__) || defined(__gfx941__) || defined(__gfx942__) || defined(__gfx950__) || defined(SUANLI_MFMA_GFX94X)
#define SL_GFX94X 1
#endif

#if defined(MF_F16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define EPW 2
#elif defined(MF_BF16)
#define EPW 2
#elif defined(MF_XF32)
#define EPW 1
#elif defined(MF_I8) || defined(MF_FP8)
#define EPW 4
#else
#error "define one of MF_F16, MF_BF16, MF_XF32, MF_I8, MF_FP8"
#endif

// K words per MFMA step and per lane.
#if defined(MF_I8) && !defined(SL_GFX94X)
#define KSW 4
#else
#define KSW 8
#endif
#define LW (KSW / 4)

#ifndef MWG
#define MWG 128
#endif
#ifndef NWG
#define NWG 128
#endif
#ifndef WAVES_M
#define WAVES_M 2
#endif
#ifndef WAVES_N
#define WAVES_N 2
#endif
#ifndef KWW
#define KWW 16           // K words staged per step (a multiple of 8)
#endif

#define THREADS (64 * WAVES_M * WAVES_N)
#define WTM (MWG / WAVES_M)
#define WTN (NWG / WAVES_N)
#define MI (WTM / 16)
#define NI (WTN / 16)

#if (WTM % 16) != 0 || (WTN % 16) != 0
#error "each wave tile must be a multiple of 16 x 16"
#endif
#if (KWW % 8) != 0
#error "KWW must be a multiple of 8"
#endif
#if !SL_TILES_SPLIT_EVENLY
#error "the staged tiles must split evenly into 16-byte chunks per thread"
#endif

#if defined(MF_I8)
typedef int4 acc_t;
typedef int scalar_t;
typedef int out_t;
#elif defined(MF_F16)
typedef float4 acc_t;
typedef float scalar_t;
typedef ushort out_t;            // fp16 bits
#else
typedef float4 acc_t;
typedef float scalar_t;
typedef float out_t;
#endif

#ifdef SUANLI_EMULATE_MFMA
// Tests prepend an emulation of MFMA(acc, a, b) and SL_SUBGROUP (sub-group shuffles).
#else
#define SL_SUBGROUP
// a, b: this lane's LW words.
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

#if LW == 2
typedef uint2 lane_t;
#define LOAD_LANE(p, i) (*(__local const uint2 *)((p) + (i)))
#else
typedef uint lane_t;
#define LOAD_LANE(p, i) ((p)[i])
#endif

static inline void sl_store(__global out_t *c, const scalar_t alpha, const scalar_t beta, const scalar_t x) {
#if defined(MF_F16)
    float r = alpha * x;
    if (beta != 0) r += beta * vload_half(0, (__global const half *)c);
    vstore_half_rte(r, 0, (__global half *)c);
#else
    scalar_t r = alpha * x;
    if (beta != 0) r += beta * *c;
    *c = r;
#endif
}

__kernel __attribute__((reqd_work_group_size(THREADS, 1, 1))) SL_SUBGROUP
void gemm_mfma(const int M, const int N, const int K,
               const scalar_t alpha,
               __global const uint *restrict A,
               __global const uint *restrict B,
               const scalar_t beta,
               __global out_t *C)
{
    SL_TILE_STAGES;   // As4, Bs4 and their word pointers As, Bs (prelude_tiles.cl)

    const int tid = get_local_id(0);
    const int lane = tid % 64, wave = tid / 64;
    const int wm = wave / WAVES_N, wn = wave % WAVES_N;
    const int r = lane % 16, q = lane / 16;
    const int m0 = get_group_id(1) * MWG, n0 = get_group_id(0) * NWG;
    SL_TILE_OPERANDS;   // kw, kw4, tiles, Ag, Bg, ra, rb (prelude_tiles.cl)

    acc_t acc[MI][NI];
    #pragma unroll
    for (int i = 0; i < MI; ++i)
        #pragma unroll
        for (int j = 0; j < NI; ++j) acc[i][j] = (acc_t)(0);

    SL_TILE_LOOP_BEGIN   // K step t in stage cur (prelude_tiles.cl)
        __local const uint *as = As + cur * MWG * LDW + (wm * WTM + r) * LDW + q * LW;
        __local const uint *bs = Bs + cur * NWG * LDW + (wn * WTN + r) * LDW + q * LW;
        #pragma unroll
        for (int ks = 0; ks < KWW / KSW; ++ks) {
            lane_t af[MI], bf[NI];
            #pragma unroll
            for (int i = 0; i < MI; ++i) af[i] = LOAD_LANE(as, i * 16 * LDW + ks * KSW);
            #pragma unroll
            for (int j = 0; j < NI; ++j) bf[j] = LOAD_LANE(bs, j * 16 * LDW + ks * KSW);
            #pragma unroll
            for (int i = 0; i < MI; ++i)
                #pragma unroll
                for (int j = 0; j < NI; ++j) MFMA(acc[i][j], af[i], bf[j]);
        }
    SL_TILE_LOOP_END

    #pragma unroll
    for (int i = 0; i < MI; ++i) {
        #pragma unroll
        for (int j = 0; j < NI; ++j) {
            const int row = m0 + wm * WTM + i * 16 + 4 * q;
            const int col = n0 + wn * WTN + j * 16 + r;
            __global out_t *c = C + (size_t)row * N + col;
            sl_store(c, alpha, beta, acc[i][j].s0);
            sl_store(c + N, alpha, beta, acc[i][j].s1);
            sl_store(c + 2 * N, alpha, beta, acc[i][j].s2);
            sl_store(c + 3 * N, alpha, beta, acc[i][j].s3);
        }
    }
}
