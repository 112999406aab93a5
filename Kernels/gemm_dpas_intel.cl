// Suanli matrix-engine GEMM for Intel GPUs (XMX): sub-group matrix multiply-accumulate (DPAS)
// from cl_intel_subgroup_matrix_multiply_accumulate.
// Contract (arguments, layout, defines, NDRange): Kernels/README.md, "Tensor and matrix engines".
//
// Same layout and arguments as gemm_mma_nv.cl: A is M x K row-major, B is given as N x K
// (k contiguous), C is M x N row-major; M, N, K are tile multiples (the host pads); A and B are
// 32-bit words of packed elements.
//
// Element type (one of):
//   DP_F16   fp16 in, fp32 accumulate, C stored as fp16   intel_sub_group_f16_f16_matrix_mad_k16
//   DP_BF16  bf16 in, fp32 accumulate, C fp32             intel_sub_group_bf16_bf16_matrix_mad_k16
//   DP_I8    int8 in, int32 accumulate, C int32           intel_sub_group_i8_i8_matrix_mad_k32
// SG is the sub-group size the device requires for DPAS: 8 (Xe-HPG) or 16 (Xe-HPC, Xe2).
// Every call multiplies 8 rows x 32 bytes of K by 32 bytes of K x SG columns. In words: with
// SG = 8, work-item i supplies word i of each A row; with SG = 16, 16-bit half-word i. Work-item
// j supplies the 8 words of B column j and receives the 8 results of column j.
//
// SUANLI_EMULATE_DPAS (tests only): the test suite prepends an emulation of the DPAS built-ins
// (sub-group shuffles), so the indexing runs on a CPU OpenCL device.

#if defined(DP_F16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define EPW 2
#define DPAS intel_sub_group_f16_f16_matrix_mad_k16
#elif defined(DP_BF16)
#define EPW 2
#define DPAS intel_sub_group_bf16_bf16_matrix_mad_k16
#elif defined(DP_I8)
#define EPW 4
#define DPAS intel_sub_group_i8_i8_matrix_mad_k32
#else
#error "define one of DP_F16, DP_BF16, DP_I8"
#endif

#ifndef SG
#define SG 8
#endif
#if SG != 8 && SG != 16
#error "SG must be 8 or 16"
#endif
#ifndef MB
#define MB 4             // 8-row blocks per sub-group
#endif
#ifndef NB
#define NB 2             // SG-column blocks per sub-group
#endif
#ifndef SGS
#define SGS 4            // sub-groups per work-group, stacked along M
#endif
#ifndef KSTEPS
#define KSTEPS 4         // DPAS k-steps (8 words of K each) per B tile staged in local memory
#endif

#define TM (8 * MB)               // rows per sub-group
#define TN (SG * NB)              // columns per sub-group
#define MWG (TM * SGS)
#define NWG TN
#define KC (8 * KSTEPS)           // words of K per staged B tile (K must be a multiple: the host pads)
#define LDB (KC + 1)              // padded local row: lanes reading their own columns hit distinct banks

#if defined(DP_I8)
typedef int8 acc_t;
typedef int scalar_t;
typedef int out_t;
#define ACC_ZERO ((int8)(0))
#elif defined(DP_F16)
typedef float8 acc_t;
typedef float scalar_t;
typedef ushort out_t;
#define ACC_ZERO ((float8)(0.0f))
#else
typedef float8 acc_t;
typedef float scalar_t;
typedef float out_t;
#define ACC_ZERO ((float8)(0.0f))
#endif

#if SG == 8
typedef int8 a_t;                 // one 32-bit word per row
#else
typedef short8 a_t;               // one 16-bit half-word per row
#endif

static inline void sl_store(__global out_t *c, const scalar_t alpha, const scalar_t beta, const scalar_t x) {
#if defined(DP_F16)
    float r = alpha * x;
    if (beta != 0) r += beta * vload_half(0, (__global const half *)c);
    vstore_half_rte(r, 0, (__global half *)c);
#else
    scalar_t r = alpha * x;
    if (beta != 0) r += beta * *c;
    *c = r;
#endif
}

__kernel __attribute__((reqd_work_group_size(SG, SGS, 1))) __attribute__((intel_reqd_sub_group_size(SG)))
void gemm_dpas(const int M, const int N, const int K,
               const scalar_t alpha,
               __global const uint *restrict A,
               __global const uint *restrict B,
               const scalar_t beta,
               __global out_t *C)
{
    // The B tile (NWG columns x KC words) is shared by the SGS sub-groups: staged once per
    // work-group in local memory, read from global with consecutive work-items on consecutive
    // words. Each sub-group's A rows are its own; a row's 8 words are read by 8 (or 16) lanes at once.
    __local uint Bs[NWG * LDB];
    const int lane = get_local_id(0);
    const int tid = get_local_id(1) * SG + lane;
    const int m0 = get_group_id(1) * MWG + get_local_id(1) * TM;
    const int n0 = get_group_id(0) * NWG;
    const int kw = K / EPW;

    acc_t acc[MB][NB];
    #pragma unroll
    for (int i = 0; i < MB; ++i)
        #pragma unroll
        for (int j = 0; j < NB; ++j) acc[i][j] = ACC_ZERO;

    for (int k0 = 0; k0 < kw; k0 += KC) {
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int idx = tid; idx < NWG * KC; idx += SG * SGS) {
            const int n = idx / KC, w = idx % KC;
            Bs[n * LDB + w] = B[(size_t)(n0 + n) * kw + k0 + w];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
      #pragma unroll
      for (int ks = 0; ks < KSTEPS; ++ks) {
        const int kc = k0 + ks * 8;
        int8 b[NB];
        #pragma unroll
        for (int j = 0; j < NB; ++j)
            b[j] = as_int8(vload8(0, Bs + (j * SG + lane) * LDB + ks * 8));
        #pragma unroll
        for (int i = 0; i < MB; ++i) {
            a_t a;
#if SG == 8
            __global const int *ap = (__global const int *)A + (size_t)(m0 + i * 8) * kw + kc + lane;
            a = (int8)(ap[0], ap[kw], ap[2 * kw], ap[3 * kw], ap[4 * kw], ap[5 * kw], ap[6 * kw], ap[7 * kw]);
#else
            __global const short *ap = (__global const short *)A + ((size_t)(m0 + i * 8) * kw + kc) * 2 + lane;
            const size_t row = (size_t)kw * 2;
            a = (short8)(ap[0], ap[row], ap[2 * row], ap[3 * row], ap[4 * row], ap[5 * row], ap[6 * row], ap[7 * row]);
#endif
            #pragma unroll
            for (int j = 0; j < NB; ++j) acc[i][j] = DPAS(a, b[j], acc[i][j]);
        }
      }
    }

    #pragma unroll
    for (int i = 0; i < MB; ++i) {
        #pragma unroll
        for (int j = 0; j < NB; ++j) {
            __global out_t *c = C + (size_t)(m0 + i * 8) * N + n0 + j * SG + lane;
            sl_store(c, alpha, beta, acc[i][j].s0);
            sl_store(c + N, alpha, beta, acc[i][j].s1);
            sl_store(c + 2 * N, alpha, beta, acc[i][j].s2);
            sl_store(c + 3 * N, alpha, beta, acc[i][j].s3);
            sl_store(c + 4 * N, alpha, beta, acc[i][j].s4);
            sl_store(c + 5 * N, alpha, beta, acc[i][j].s5);
            sl_store(c + 6 * N, alpha, beta, acc[i][j].s6);
            sl_store(c + 7 * N, alpha, beta, acc[i][j].s7);
        }
    }
}
