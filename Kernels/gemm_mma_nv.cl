// Suanli tensor-core GEMM for NVIDIA GPUs: warp-level mma.sync through inline PTX.
// Contract (arguments, layout, defines, NDRange): Kernels/README.md, "Tensor and matrix engines".
//
// C = alpha * A * B + beta * C. A is M x K row-major; B is given transposed, N x K row-major
// (k contiguous, the layout tensor cores read); C is M x N row-major. M, N and K are multiples of
// the tile sizes (the host pads with zeros). A and B are passed as 32-bit words of packed
// elements: 2 per word for fp16/bf16, 1 for tf32, 4 for int8/fp8.
//
// Element type (one of):
//   TC_F16     fp16 in, fp32 accumulate, C stored as fp16   m16n8k16  (sm_80+)
//   TC_F16ACC  fp16 in, fp16 accumulate, C stored as fp16   m16n8k16  (sm_80+)
//   TC_BF16    bf16 in, fp32 accumulate, C fp32             m16n8k16  (sm_80+)
//   TC_TF32    tf32 in, fp32 accumulate, C fp32             m16n8k8   (sm_80+)
//   TC_S8      int8 in, int32 accumulate, C int32           m16n8k32  (sm_80+)
//   TC_E4M3    fp8 e4m3 in, fp32 accumulate, C fp32         m16n8k32  (sm_89+)
// Every shape reads 32 bytes of K per mma: A fragments are 4 words, B fragments 2 words, and
// the fragment layouts in words are the same for all types, so one kernel serves them all.
//
// SUANLI_EMULATE_TC (tests only): the test suite prepends an emulation of ldmatrix and mma built
// on sub-group shuffles, so the kernel's indexing runs and verifies on a CPU OpenCL device.

#if defined(TC_F16) || defined(TC_F16ACC)
#define EPW 2
#elif defined(TC_BF16)
#define EPW 2
#elif defined(TC_TF32)
#define EPW 1
#elif defined(TC_S8) || defined(TC_E4M3)
#define EPW 4
#else
#error "define one of TC_F16, TC_F16ACC, TC_BF16, TC_TF32, TC_S8, TC_E4M3"
#endif

#ifndef MWG
#define MWG 128          // C tile rows per work-group
#endif
#ifndef NWG
#define NWG 128          // C tile columns per work-group
#endif
#ifndef WARPS_M
#define WARPS_M 2        // warps along M
#endif
#ifndef WARPS_N
#define WARPS_N 4        // warps along N
#endif
#ifndef KWW
#define KWW 16           // K words staged per step (a multiple of 8: one mma reads 8 words)
#endif

#define THREADS (32 * WARPS_M * WARPS_N)
#define WTM (MWG / WARPS_M)       // warp tile rows
#define WTN (NWG / WARPS_N)       // warp tile columns
#define MI (WTM / 16)             // m16 blocks per warp
#define NI (WTN / 8)              // n8 blocks per warp

#if (WTM % 16) != 0 || (WTN % 16) != 0
#error "each warp tile must be a multiple of 16 x 16"
#endif
#if (KWW % 8) != 0
#error "KWW must be a multiple of 8"
#endif
#if !SL_TILES_SPLIT_EVENLY
#error "the staged tiles must split evenly into 16-byte chunks per thread"
#endif

// ---------------------------------------------------------------------------
// Accumulators and the output type.
// ---------------------------------------------------------------------------
#if defined(TC_F16ACC)
#define ACC_REGS 2
typedef uint acc_t;               // two fp16 per register
#elif defined(TC_S8)
#define ACC_REGS 4
typedef int acc_t;
#else
#define ACC_REGS 4
typedef float acc_t;
#endif

#if defined(TC_S8)
typedef int scalar_t;             // alpha, beta
typedef int out_t;
#elif defined(TC_F16) || defined(TC_F16ACC)
typedef float scalar_t;
typedef ushort out_t;             // fp16 bits
#else
typedef float scalar_t;
typedef float out_t;
#endif

#ifdef SUANLI_EMULATE_TC
// Tests prepend an emulation of MMA, LDSM_X4, SL_LANE, SL_SUBGROUP, sl_h2f and sl_f2h.
#else
// ---------------------------------------------------------------------------
// NVIDIA: inline PTX.
// ---------------------------------------------------------------------------
#define SL_SUBGROUP
#define SL_LANE ((int)(get_local_id(0) & 31))

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
    __asm__("mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16 {%0,%1}, {%2,%3,%4,%5}, {%6,%7}, {%0,%1};" \
            : "+r"((d)[0]), "+r"((d)[1])                                                      \
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
    __asm__(MMA_OP " {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"                   \
            : ACC_CONSTRAINT((d)[0]), ACC_CONSTRAINT((d)[1]), ACC_CONSTRAINT((d)[2]), ACC_CONSTRAINT((d)[3]) \
            : "r"((a)[0]), "r"((a)[1]), "r"((a)[2]), "r"((a)[3]), "r"((b)[0]), "r"((b)[1]))
#endif

// ldmatrix reads shared memory: volatile with a memory clobber, so it never moves across a barrier.
#define LDSM_X4(r, base, offset)                                                              \
    __asm__ volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"          \
                     : "=r"((r)[0]), "=r"((r)[1]), "=r"((r)[2]), "=r"((r)[3])                 \
                     : "r"((uint)(size_t)((base) + (offset)))                                 \
                     : "memory")
#endif

// C = alpha * acc + beta * C for two adjacent elements (beta == 0: C is not read).
static inline void sl_store2(__global out_t *c, const scalar_t alpha, const scalar_t beta, scalar_t x0, scalar_t x1) {
#if defined(TC_F16) || defined(TC_F16ACC)
    float r0 = alpha * x0, r1 = alpha * x1;
    if (beta != 0) { r0 += beta * sl_h2f(c[0]); r1 += beta * sl_h2f(c[1]); }
    *(__global uint *)c = (uint)sl_f2h(r0) | ((uint)sl_f2h(r1) << 16);
#else
    scalar_t r0 = alpha * x0, r1 = alpha * x1;
    if (beta != 0) { r0 += beta * c[0]; r1 += beta * c[1]; }
#if defined(TC_S8)
    *(__global int2 *)c = (int2)(r0, r1);
#else
    *(__global float2 *)c = (float2)(r0, r1);
#endif
#endif
}

__kernel __attribute__((reqd_work_group_size(THREADS, 1, 1))) SL_SUBGROUP
void gemm_mma(const int M, const int N, const int K,
              const scalar_t alpha,
              __global const uint *restrict A,
              __global const uint *restrict B,
              const scalar_t beta,
              __global out_t *C)
{
    SL_TILE_STAGES;   // As4, Bs4 and their word pointers As, Bs (prelude_tiles.cl)

    const int tid = get_local_id(0);
    const int lane = SL_LANE;
    const int warp = tid / 32;
    const int wm = warp / WARPS_N, wn = warp % WARPS_N;
    const int m0 = get_group_id(1) * MWG, n0 = get_group_id(0) * NWG;
    SL_TILE_OPERANDS;   // kw, kw4, tiles, Ag, Bg, ra, rb (prelude_tiles.cl)

    acc_t acc[MI][NI][ACC_REGS];
    #pragma unroll
    for (int i = 0; i < MI; ++i)
        #pragma unroll
        for (int j = 0; j < NI; ++j)
            #pragma unroll
            for (int r = 0; r < ACC_REGS; ++r) acc[i][j][r] = 0;

    // ldmatrix lane roles: A matrices (rows 0-7, words 0-3), (rows 8-15, 0-3), (0-7, 4-7), (8-15, 4-7);
    // B matrices (n 0-7, words 0-3), (n 0-7, 4-7), (n 8-15, 0-3), (n 8-15, 4-7).
    const int a_row = wm * WTM + (lane & 7) + ((lane >> 3) & 1) * 8;
    const int a_word = (lane >> 4) * 4;
    const int b_row = wn * WTN + (lane & 7) + (lane >> 4) * 8;
    const int b_word = ((lane >> 3) & 1) * 4;

    SL_TILE_LOOP_BEGIN   // K step t in stage cur (prelude_tiles.cl)
        __local const uint *as = As + cur * MWG * LDW;
        __local const uint *bs = Bs + cur * NWG * LDW;
        #pragma unroll
        for (int ks = 0; ks < KWW / 8; ++ks) {
            uint af[MI][4], bf[NI][2];
            #pragma unroll
            for (int i = 0; i < MI; ++i)
                LDSM_X4(af[i], as, (a_row + i * 16) * LDW + ks * 8 + a_word);
            #pragma unroll
            for (int j = 0; j < NI / 2; ++j) {
                uint q[4];
                LDSM_X4(q, bs, (b_row + j * 16) * LDW + ks * 8 + b_word);
                bf[2 * j][0] = q[0]; bf[2 * j][1] = q[1];
                bf[2 * j + 1][0] = q[2]; bf[2 * j + 1][1] = q[3];
            }
            #pragma unroll
            for (int i = 0; i < MI; ++i)
                #pragma unroll
                for (int j = 0; j < NI; ++j) MMA(acc[i][j], af[i], bf[j]);
        }
    SL_TILE_LOOP_END

    // Accumulator fragment: registers 0,1 at (row g, columns 2*t4, 2*t4+1), 2,3 at row g + 8.
    const int g = lane >> 2, t4 = lane & 3;
    #pragma unroll
    for (int i = 0; i < MI; ++i) {
        #pragma unroll
        for (int j = 0; j < NI; ++j) {
            const int row = m0 + wm * WTM + i * 16 + g;
            const int col = n0 + wn * WTN + j * 8 + t4 * 2;
            __global out_t *c0 = C + (size_t)row * N + col;
            __global out_t *c1 = c0 + (size_t)8 * N;
#if defined(TC_F16ACC)
            sl_store2(c0, alpha, beta, sl_h2f((ushort)acc[i][j][0]), sl_h2f((ushort)(acc[i][j][0] >> 16)));
            sl_store2(c1, alpha, beta, sl_h2f((ushort)acc[i][j][1]), sl_h2f((ushort)(acc[i][j][1] >> 16)));
#else
            sl_store2(c0, alpha, beta, acc[i][j][0], acc[i][j][1]);
            sl_store2(c1, alpha, beta, acc[i][j][2], acc[i][j][3]);
#endif
        }
    }
}
