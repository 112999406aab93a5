// Suanli vector-engine GEMM for packed low-precision inputs: bf16 (fp32 accumulate) and int8
// (int32 accumulate), for devices whose vector units handle these types (Intel's
// cl_intel_bfloat16*, cl_khr_integer_dot_product) and as the fallback where no tensor or
// matrix engine takes them.
// Contract: Kernels/README.md, "Tensor and matrix engines" (same arguments and layout as the
// engine kernels: A is M x K row-major, B is N x K, both as 32-bit words of packed elements; C is
// M x N; M, N, K are tile multiples, the host pads).
//
//   PK_BF16  two bf16 per word; each is widened exactly (a shift) and multiplied-added in fp32
//   PK_I8    four int8 per word; dot products of char4 (cl_khr_integer_dot_product's dot where
//            the compiler offers it), accumulated in int32
//
// Work-group NDIMC x MDIMC (dimension 0 along N); each work-item owns a (MWG/MDIMC) x (NWG/NDIMC)
// block of C, rows ly + i*MDIMC and columns lx + j*NDIMC. KWW words of K are staged in local
// memory per step, k-major (As[w][m], Bs[w][n]), so neighbouring work-items read neighbouring
// words (a CPU compiler vectorises across them; a GPU reads without bank conflicts).

#if defined(PK_BF16)
#define EPW 2
typedef float acc_t;
typedef float scalar_t;
typedef float out_t;
#elif defined(PK_I8)
#define EPW 4
typedef int acc_t;
typedef int scalar_t;
typedef int out_t;
#else
#error "define PK_BF16 or PK_I8"
#endif

#ifndef MWG
#define MWG 32
#endif
#ifndef NWG
#define NWG 64
#endif
#ifndef MDIMC
#define MDIMC 4
#endif
#ifndef NDIMC
#define NDIMC 16
#endif
#ifndef KWW
#define KWW 16
#endif
#ifndef MANUAL_DOT
#define MANUAL_DOT 0     // int8: 1 spells the 4-element dot out instead of calling dot() (faster on some CPUs)
#endif
#define WPTM (MWG / MDIMC)
#define WPTN (NWG / NDIMC)
#define LDM MWG
#define LDN NWG

#if (MWG % MDIMC) != 0 || (NWG % NDIMC) != 0
#error "MWG must be a multiple of MDIMC and NWG a multiple of NDIMC"
#endif

// bf16: a word's two elements as floats (exact: a bf16 is the high half of an fp32).
// int8: acc + the dot product of the four elements packed in words a and b.
#if defined(PK_BF16)
static inline float2 sl_widen(uint w) { return (float2)(as_float(w << 16), as_float(w & 0xffff0000u)); }
#elif defined(__opencl_c_integer_dot_product_input_4x8bit) && !MANUAL_DOT
static inline int sl_dot_word(uint a, uint b, int acc) { return acc + dot(as_char4(a), as_char4(b)); }
#else
static inline int sl_dot_word(uint a, uint b, int acc) {
    const char4 x = as_char4(a), y = as_char4(b);
    return acc + x.s0 * y.s0 + x.s1 * y.s1 + x.s2 * y.s2 + x.s3 * y.s3;
}
#endif

__kernel __attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
void gemm_packed(const int M, const int N, const int K,
                 const scalar_t alpha,
                 __global const uint *restrict A,
                 __global const uint *restrict B,
                 const scalar_t beta,
                 __global out_t *C)
{
    __local uint As[KWW * LDM];
    __local uint Bs[KWW * LDN];
    const int lx = get_local_id(0), ly = get_local_id(1);
    const int tid = ly * NDIMC + lx;
    const int m0 = get_group_id(1) * MWG, n0 = get_group_id(0) * NWG;
    const int kw = K / EPW;

    acc_t acc[WPTM][WPTN];
    for (int i = 0; i < WPTM; ++i)
        for (int j = 0; j < WPTN; ++j) acc[i][j] = 0;

    for (int k0 = 0; k0 < kw; k0 += KWW) {
        for (int idx = tid; idx < MWG * KWW; idx += MDIMC * NDIMC) {
            const int r = idx / KWW, w = idx % KWW;
            As[w * LDM + r] = A[(size_t)(m0 + r) * kw + k0 + w];
        }
        for (int idx = tid; idx < NWG * KWW; idx += MDIMC * NDIMC) {
            const int r = idx / KWW, w = idx % KWW;
            Bs[w * LDN + r] = B[(size_t)(n0 + r) * kw + k0 + w];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int w = 0; w < KWW; ++w) {
#if defined(PK_BF16)
            // Widen each word once: (low, high) bf16 as two floats.
            float2 a[WPTM], b[WPTN];
            for (int i = 0; i < WPTM; ++i) a[i] = sl_widen(As[w * LDM + ly + i * MDIMC]);
            for (int j = 0; j < WPTN; ++j) b[j] = sl_widen(Bs[w * LDN + lx + j * NDIMC]);
            for (int i = 0; i < WPTM; ++i)
                for (int j = 0; j < WPTN; ++j) acc[i][j] = fma(a[i].y, b[j].y, fma(a[i].x, b[j].x, acc[i][j]));
#else
            uint a[WPTM], b[WPTN];
            for (int i = 0; i < WPTM; ++i) a[i] = As[w * LDM + ly + i * MDIMC];
            for (int j = 0; j < WPTN; ++j) b[j] = Bs[w * LDN + lx + j * NDIMC];
            for (int i = 0; i < WPTM; ++i)
                for (int j = 0; j < WPTN; ++j) acc[i][j] = sl_dot_word(a[i], b[j], acc[i][j]);
#endif
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    const bool read_c = beta != 0;
    for (int i = 0; i < WPTM; ++i) {
        for (int j = 0; j < WPTN; ++j) {
            __global out_t *c = C + (size_t)(m0 + ly + i * MDIMC) * N + n0 + lx + j * NDIMC;
            scalar_t r = alpha * acc[i][j];
            if (read_c) r += beta * *c;
            *c = r;
        }
    }
}
