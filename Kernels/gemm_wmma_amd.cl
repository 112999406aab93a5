// Suanli matrix-core GEMM for AMD RDNA3 GPUs (gfx11): wave32 WMMA through clang's
// __builtin_amdgcn_wmma_*_w32 builtins.
// Contract (arguments, layout, defines, NDRange): Kernels/README.md, "Tensor and matrix engines".
//
// Same layout and arguments as gemm_mfma_amd.cl: A is M x K row-major, B is given as N x K
// (k contiguous), C is M x N row-major; M, N, K are tile multiples (the host pads); A and B are
// 32-bit words of packed elements.
//
// Element type (one of):
//   WM_F16   fp16 in, fp32 accumulate, C stored as fp16   v_wmma_f32_16x16x16_f16
//   WM_BF16  bf16 in, fp32 accumulate, C fp32             v_wmma_f32_16x16x16_bf16
//   WM_I8    int8 in, int32 accumulate, C int32           v_wmma_i32_16x16x16_iu8 (signed)
// Operand layout of one 16 x 16 x 16 block in a wave of 32 (RDNA3 ISA, "Wave Matrix Multiply
// Accumulate"): lane l holds all 16 K elements of row l % 16 of A and of column l % 16 of B (lanes
// 16-31 repeat lanes 0-15); it receives D rows 2e + l / 16, e = 0..7, of column l % 16.
//
// SUANLI_EMULATE_WMMA (tests only): the test suite prepends an emulation of WMMA built on sub-group
// shuffles (sub-group size 32), so the indexing runs on a CPU OpenCL device.

#if defined(WM_F16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define EPW 2
#elif defined(WM_BF16)
#define EPW 2
#elif defined(WM_I8)
#define EPW 4
#else
#error "define one of WM_F16, WM_BF16, WM_I8"
#endif
#define KSW (16 / EPW)            // K words of one instruction: 8 (16-bit types) or 4 (int8)

#ifndef MWG
#define MWG 64
#endif
#ifndef NWG
#define NWG 64
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

#define THREADS (32 * WAVES_M * WAVES_N)
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

#if defined(WM_I8)
typedef int8 acc_t;
typedef int scalar_t;
typedef int out_t;
typedef uint4 lane_t;             // 16 int8
#else
typedef float8 acc_t;
typedef float scalar_t;
typedef uint8 lane_t;             // 16 fp16 or bf16
#if defined(WM_F16)
typedef ushort out_t;
#else
typedef float out_t;
#endif
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

static inline void sl_store(__global out_t *c, const scalar_t alpha, const scalar_t beta, const scalar_t x) {
#if defined(WM_F16)
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
void gemm_wmma(const int M, const int N, const int K,
               const scalar_t alpha,
               __global const uint *restrict A,
               __global const uint *restrict B,
               const scalar_t beta,
               __global out_t *C)
{
    SL_TILE_STAGES;   // As4, Bs4 and their word pointers As, Bs (prelude_tiles.cl)

    const int tid = get_local_id(0);
    const int lane = tid % 32, wave = tid / 32;
    const int wm = wave / WAVES_N, wn = wave % WAVES_N;
    const int r = lane % 16, half_wave = lane / 16;
    const int m0 = get_group_id(1) * MWG, n0 = get_group_id(0) * NWG;
    SL_TILE_OPERANDS;   // kw, kw4, tiles, Ag, Bg, ra, rb (prelude_tiles.cl)

    acc_t acc[MI][NI];
    #pragma unroll
    for (int i = 0; i < MI; ++i)
        #pragma unroll
        for (int j = 0; j < NI; ++j) acc[i][j] = (acc_t)(0);

    SL_TILE_LOOP_BEGIN   // K step t in stage cur (prelude_tiles.cl)
        // Row r of the wave's A blocks and column r of its B blocks; 16-byte aligned (LDW % 4 == 0).
        __local const uint4 *as = (__local const uint4 *)(As + cur * MWG * LDW + (wm * WTM + r) * LDW);
        __local const uint4 *bs = (__local const uint4 *)(Bs + cur * NWG * LDW + (wn * WTN + r) * LDW);
        #pragma unroll
        for (int ks = 0; ks < KWW / KSW; ++ks) {
            lane_t af[MI], bf[NI];
            #pragma unroll
            for (int i = 0; i < MI; ++i) {
                __local const uint4 *p = as + (i * 16 * LDW + ks * KSW) / 4;
#if KSW == 8
                af[i] = (uint8)(p[0], p[1]);
#else
                af[i] = p[0];
#endif
            }
            #pragma unroll
            for (int j = 0; j < NI; ++j) {
                __local const uint4 *p = bs + (j * 16 * LDW + ks * KSW) / 4;
#if KSW == 8
                bf[j] = (uint8)(p[0], p[1]);
#else
                bf[j] = p[0];
#endif
            }
            #pragma unroll
            for (int i = 0; i < MI; ++i)
                #pragma unroll
                for (int j = 0; j < NI; ++j) WMMA(acc[i][j], af[i], bf[j]);
        }
    SL_TILE_LOOP_END

    #pragma unroll
    for (int i = 0; i < MI; ++i) {
        #pragma unroll
        for (int j = 0; j < NI; ++j) {
            const int col = n0 + wn * WTN + j * 16 + r;
            __global out_t *c = C + (size_t)(m0 + wm * WTM + i * 16 + half_wave) * N + col;
            sl_store(c, alpha, beta, acc[i][j].s0);
            sl_store(c + 2 * N, alpha, beta, acc[i][j].s1);
            sl_store(c + 4 * N, alpha, beta, acc[i][j].s2);
            sl_store(c + 6 * N, alpha, beta, acc[i][j].s3);
            sl_store(c + 8 * N, alpha, beta, acc[i][j].s4);
            sl_store(c + 10 * N, alpha, beta, acc[i][j].s5);
            sl_store(c + 12 * N, alpha, beta, acc[i][j].s6);
            sl_store(c + 14 * N, alpha, beta, acc[i][j].s7);
        }
    }
}
