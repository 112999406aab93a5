// Suanli GEMM: C = alpha * A * B + beta * C, row-major, tiled and register-blocked.
// Contract (arguments, defines, NDRange formulas): Kernels/README.md.
// OpenCL C 1.2; no vendor extensions. All tuning parameters are build defines.

// ---------------------------------------------------------------------------
// Precision. REAL = storage type of A, B, C; ACC = type of the arithmetic and
// of alpha/beta. Supported pairs: (float,float), (double,double), (half,float).
// half storage is always accessed through vload_half / vstore_half, so it does
// not need cl_khr_fp16; only USE_FP64 is needed for double. Values are converted to
// float before vstore_half (with ACC = half the call is otherwise ambiguous between the
// float and double overloads, which Intel's CPU runtime rejects).
//
// Two kernel families, chosen by the PACKED define:
//  - PACKED=0 (default): kernel `gemm`, B (and optionally A) staged in local memory.
//  - PACKED=1: kernels `gemm_pack_a`, `gemm_pack_b` and `gemm_packed`. A and B are first
//    copied into panel-major buffers (BLIS-style packing), so each work-item streams its
//    own contiguous A micro-panel and a contiguous B panel: no local memory, no barriers,
//    one base register per operand. Suited to CPU drivers (PoCL, Intel).
// ---------------------------------------------------------------------------
// REAL, ACC, USE_FP64/USE_FP16, SL_CAT and REAL_IS_HALF: prelude_precision.cl.

// ---------------------------------------------------------------------------
// Tuning parameters (defaults = a small portable configuration).
// Work-group tile MWG x NWG of C, K-step KWG, work-group NDIMC x MDIMC
// (dimension 0 runs along N), each work-item owns WPTM x WPTN elements,
// stored as WPTN/VW vectors of width VW along N.
// ---------------------------------------------------------------------------
#ifndef MWG
#define MWG 32
#endif
#ifndef NWG
#define NWG 32
#endif
#ifndef KWG
#define KWG 16
#endif
#ifndef MDIMC
#define MDIMC 8
#endif
#ifndef NDIMC
#define NDIMC 8
#endif
#ifndef VW
#define VW 1
#endif
#ifndef LOCAL_A
#define LOCAL_A 1        // 0: read A from global; 1: local tile k-major As[k][m] (GPUs);
#endif                   // 2: local tile row-major As[m][k], copied with vectors (CPUs)
#ifndef APAD
#define APAD 1           // padding of the local A tile rows (bank conflicts on GPUs)
#endif
#ifndef KUNROLL
#define KUNROLL 1        // unroll factor of the innermost k loop (divides KWG)
#endif
#ifndef PACKED
#define PACKED 0
#endif
#ifndef PACK_K
#define PACK_K 64        // packing kernels: k values per work-item
#endif

#define WPTM (MWG / MDIMC)
#define WPTN (NWG / NDIMC)
#define NVEC (WPTN / VW)           // vectors per work-item row
#define NWGV (NWG / VW)            // vectors per tile row

#if (MWG % MDIMC) != 0 || (NWG % NDIMC) != 0
#error "MWG must be a multiple of MDIMC and NWG a multiple of NDIMC"
#endif
#if (WPTN % VW) != 0
#error "NWG/NDIMC must be a multiple of VW"
#endif
#if !PACKED && LOCAL_A == 2 && (KWG % VW) != 0
#error "LOCAL_A=2 needs KWG to be a multiple of VW"
#endif
#if !PACKED && (KWG % KUNROLL) != 0
#error "KUNROLL must divide KWG"
#endif
#if VW != 1 && VW != 2 && VW != 4 && VW != 8 && VW != 16
#error "VW must be 1, 2, 4, 8 or 16"
#endif

// Vector types and memory access helpers.
// ACCV, REALV: prelude_precision.cl.
#define TO_ACC(x) SL_CAT(convert_, ACC)(x)
#define TO_ACCV(x) SL_CAT(convert_, ACCV)(x)

#if REAL_IS_HALF
#define LD1(p, i) TO_ACC(vload_half((i), (p)))
#define ST1(v, p, i) vstore_half(convert_float(v), (i), (p))
#if VW == 1
#define LDV(p, i) TO_ACC(vload_half((i), (p)))
#define STV(v, p, i) vstore_half(convert_float(v), (i), (p))
#else
#define LDV(p, i) TO_ACCV(SL_CAT(vload_half, VW)(0, (p) + (i)))
#define STV(v, p, i) SL_CAT(vstore_half, VW)(SL_CAT(convert_float, VW)(v), 0, (p) + (i))
#endif
#else
#define LD1(p, i) TO_ACC((p)[i])
#define ST1(v, p, i) ((p)[i] = SL_CAT(convert_, REAL)(v))
#if VW == 1
#define LDV(p, i) TO_ACC((p)[i])
#define STV(v, p, i) ((p)[i] = SL_CAT(convert_, REAL)(v))
#else
#define LDV(p, i) TO_ACCV(SL_CAT(vload, VW)(0, (p) + (i)))
#define STV(v, p, i) SL_CAT(vstore, VW)(SL_CAT(convert_, REALV)(v), 0, (p) + (i))
#endif
#endif

#ifndef MAD
#define MAD(a, b, c) fma((a), (b), (c))
#endif

// Lane l (0..VW-1) of a vector value.
#if VW == 1
#define LANE(v, l) (v)
#define SETLANE(v, l, x) ((v) = (x))
#else
#define LANE(v, l) (((ACC *)&(v))[l])
#define SETLANE(v, l, x) (((ACC *)&(v))[l] = (x))
#endif

#if !PACKED
// One k step of the register-blocked update.
#if LOCAL_A == 1
#define A_AT(i, k) As[(k) * (MWG + APAD) + (i) * MDIMC + tidm]
#elif LOCAL_A == 2
#define A_AT(i, k) As[((i) * MDIMC + tidm) * (KWG + APAD) + (k)]
#else
#define A_AT(i, k) LD1(arow[i], kt + (k))
#endif

#define KSTEP(k)                                                       \
    {                                                                  \
        ACCV bv[NVEC];                                                 \
        _Pragma("unroll") for (int j = 0; j < NVEC; ++j)               \
            bv[j] = Bs[(k) * NWGV + j * NDIMC + tidn];                 \
        _Pragma("unroll") for (int i = 0; i < WPTM; ++i) {             \
            const ACCV av = (ACCV)(A_AT(i, k));                        \
            _Pragma("unroll") for (int j = 0; j < NVEC; ++j)           \
                acc[i][j] = MAD(av, bv[j], acc[i][j]);                 \
        }                                                              \
    }

__kernel __attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
void gemm(const int M, const int N, const int K,
          const ACC alpha,
          __global const REAL *restrict A, const int lda,
          __global const REAL *restrict B, const int ldb,
          const ACC beta,
          __global REAL *C, const int ldc)
{
    const int tidn = get_local_id(0);
    const int tidm = get_local_id(1);
    const int tid = tidm * NDIMC + tidn;
    const int n0 = get_group_id(0) * NWG;
    const int m0 = get_group_id(1) * MWG;

#ifdef EXACT_TILES
    const bool full_mn = true;
#else
    const bool full_mn = (m0 + MWG <= M) && (n0 + NWG <= N);
#endif

    __local ACCV Bs[KWG * NWGV];
#if LOCAL_A == 1
    __local ACC As[KWG * (MWG + APAD)];
#elif LOCAL_A == 2
    __local ACC As[MWG * (KWG + APAD)];
#else
    // Row pointers; rows past M are clamped (their results are never stored).
    __global const REAL *arow[WPTM];
    _Pragma("unroll") for (int i = 0; i < WPTM; ++i)
        arow[i] = A + (size_t)min(m0 + i * MDIMC + tidm, M - 1) * lda;
#endif

    ACCV acc[WPTM][NVEC];
    _Pragma("unroll") for (int i = 0; i < WPTM; ++i)
        _Pragma("unroll") for (int j = 0; j < NVEC; ++j)
            acc[i][j] = (ACCV)(0);

    for (int kt = 0; kt < K; kt += KWG) {
#ifdef EXACT_TILES
        const bool full = true;
#else
        const bool full = full_mn && (kt + KWG <= K);
#endif
        // ---- stage B[kt:kt+KWG, n0:n0+NWG] (zero-filled outside the matrix)
        if (full) {
            for (int idx = tid; idx < KWG * NWGV; idx += MDIMC * NDIMC) {
                const int kk = idx / NWGV, jj = idx % NWGV;
                Bs[idx] = LDV(B + (size_t)(kt + kk) * ldb + n0, jj * VW);
            }
        } else {
            for (int idx = tid; idx < KWG * NWGV; idx += MDIMC * NDIMC) {
                const int kk = idx / NWGV, jj = idx % NWGV;
                const int k = kt + kk, n = n0 + jj * VW;
                ACCV v = (ACCV)(0);
                if (k < K) {
                    __global const REAL *bp = B + (size_t)k * ldb;
                    if (n + VW <= N) {
                        v = LDV(bp, n);
                    } else {
                        for (int l = 0; l < VW; ++l)
                            if (n + l < N) SETLANE(v, l, LD1(bp, n + l));
                    }
                }
                Bs[idx] = v;
            }
        }
#if LOCAL_A == 2
        // ---- stage A[m0:m0+MWG, kt:kt+KWG] row-major: As[m][k], VW-wide copies
        if (full) {
            for (int idx = tid; idx < MWG * (KWG / VW); idx += MDIMC * NDIMC) {
                const int mm = idx / (KWG / VW), kv = idx % (KWG / VW);
                const ACCV v = LDV(A + (size_t)(m0 + mm) * lda + kt, kv * VW);
#if VW == 1
                As[mm * (KWG + APAD) + kv] = v;
#else
                SL_CAT(vstore, VW)(v, 0, As + mm * (KWG + APAD) + kv * VW);
#endif
            }
        } else {
            for (int idx = tid; idx < MWG * KWG; idx += MDIMC * NDIMC) {
                const int mm = idx / KWG, kk = idx % KWG;
                const int m = m0 + mm, k = kt + kk;
                As[mm * (KWG + APAD) + kk] =
                    (m < M && k < K) ? LD1(A + (size_t)m * lda, k) : (ACC)(0);
            }
        }
#elif LOCAL_A == 1
        // ---- stage A[m0:m0+MWG, kt:kt+KWG] transposed: As[k][m]
        if (full) {
            for (int idx = tid; idx < MWG * KWG; idx += MDIMC * NDIMC) {
                const int mm = idx / KWG, kk = idx % KWG;
                As[kk * (MWG + APAD) + mm] = LD1(A + (size_t)(m0 + mm) * lda, kt + kk);
            }
        } else {
            for (int idx = tid; idx < MWG * KWG; idx += MDIMC * NDIMC) {
                const int mm = idx / KWG, kk = idx % KWG;
                const int m = m0 + mm, k = kt + kk;
                As[kk * (MWG + APAD) + mm] =
                    (m < M && k < K) ? LD1(A + (size_t)m * lda, k) : (ACC)(0);
            }
        }
#endif
        barrier(CLK_LOCAL_MEM_FENCE);

#if LOCAL_A
        // Zero-filled tiles: the full KWG loop is always valid.
        for (int k = 0; k < KWG; k += KUNROLL) {
            _Pragma("unroll") for (int u = 0; u < KUNROLL; ++u) KSTEP(k + u)
        }
#else
        if (kt + KWG <= K) {
            for (int k = 0; k < KWG; k += KUNROLL) {
                _Pragma("unroll") for (int u = 0; u < KUNROLL; ++u) KSTEP(k + u)
            }
        } else {
            const int kr = K - kt;
            for (int k = 0; k < kr; ++k) KSTEP(k)
        }
#endif
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    // ---- write back: C = alpha*acc + beta*C (C is not read when beta == 0)
    const bool read_c = (beta != (ACC)(0));
    _Pragma("unroll") for (int i = 0; i < WPTM; ++i) {
        const int m = m0 + i * MDIMC + tidm;
        __global REAL *crow = C + (size_t)m * ldc;
        _Pragma("unroll") for (int j = 0; j < NVEC; ++j) {
            const int n = n0 + (j * NDIMC + tidn) * VW;
            ACCV r = alpha * acc[i][j];
            if (full_mn) {
                if (read_c) r = MAD((ACCV)(beta), LDV(crow, n), r);
                STV(r, crow, n);
            } else if (m < M) {
                for (int l = 0; l < VW; ++l) {
                    if (n + l < N) {
                        ACC x = LANE(r, l);
                        if (read_c) x = MAD(beta, LD1(crow, n + l), x);
                        ST1(x, crow, n + l);
                    }
                }
            }
        }
    }
}
#endif // !PACKED

#if PACKED
// ---------------------------------------------------------------------------
// Packed GEMM. K is padded with zeros to Kp = roundup(K, KUNROLL); M to a multiple
// of MWG and N to a multiple of NWG (the padding is zero and never stored).
//   Ap (ACC): micro-panel p = m / WPTM holds rows p*WPTM .. p*WPTM+WPTM-1,
//             element (m, k) at Ap[(p*Kp + k)*WPTM + m % WPTM]
//   Bp (ACC): panel q = n / NWG holds columns q*NWG .. q*NWG+NWG-1,
//             element (k, n) at Bp[(q*Kp + k)*NWG + n % NWG]
// Work-item (tidn, tidm) of group (bn, bm) computes rows m0 + tidm*WPTM + i (contiguous)
// and columns n0 + (j*NDIMC + tidn)*VW + l, i.e. micro-panel bm*MDIMC + tidm of Ap.
// ---------------------------------------------------------------------------
#define KPAD(K) (((K) + KUNROLL - 1) / KUNROLL * KUNROLL)

// NDRange 2-D, any local size: global = (ceil(Kp / PACK_K), ceil(M / MWG) * MDIMC).
__kernel void gemm_pack_a(const int M, const int K, __global const REAL *restrict A, const int lda,
                          __global ACC *restrict Ap)
{
    const int Kp = KPAD(K);
    const int k0 = get_global_id(0) * PACK_K;
    const int p = get_global_id(1);
    if (k0 >= Kp) return;
    const int k1 = min(k0 + PACK_K, Kp);
    __global ACC *dst = Ap + (size_t)p * Kp * WPTM;
    for (int r = 0; r < WPTM; ++r) {
        const int m = p * WPTM + r;
        __global const REAL *row = A + (size_t)min(m, M - 1) * lda;
        if (m < M && k1 <= K) {
            for (int k = k0; k < k1; ++k) dst[(size_t)k * WPTM + r] = LD1(row, k);
        } else {
            for (int k = k0; k < k1; ++k)
                dst[(size_t)k * WPTM + r] = (m < M && k < K) ? LD1(row, k) : (ACC)(0);
        }
    }
}

// NDRange 2-D, any local size: global = (ceil(Kp / PACK_K), ceil(N / NWG)).
__kernel void gemm_pack_b(const int K, const int N, __global const REAL *restrict B, const int ldb,
                          __global ACC *restrict Bp)
{
    const int Kp = KPAD(K);
    const int k0 = get_global_id(0) * PACK_K;
    const int q = get_global_id(1);
    if (k0 >= Kp) return;
    const int k1 = min(k0 + PACK_K, Kp);
    const int n0 = q * NWG;
    __global ACC *dst = Bp + (size_t)q * Kp * NWG;
    for (int k = k0; k < k1; ++k) {
        __global ACC *drow = dst + (size_t)k * NWG;
        __global const REAL *srow = B + (size_t)min(k, K - 1) * ldb + n0;
        if (k < K && n0 + NWG <= N) {
            for (int c = 0; c < NWG; c += VW) {
#if VW == 1
                drow[c] = LDV(srow, c);
#else
                SL_CAT(vstore, VW)(LDV(srow, c), 0, drow + c);
#endif
            }
        } else {
            for (int c = 0; c < NWG; ++c)
                drow[c] = (k < K && n0 + c < N) ? LD1(srow, c) : (ACC)(0);
        }
    }
}

#if VW == 1
#define LDP(p) (*(p))
#else
#define LDP(p) SL_CAT(vload, VW)(0, (p))
#endif

// C = alpha*A*B + beta*C from the packed operands (C is not read when beta == 0).
// NDRange as `gemm`: local = (NDIMC, MDIMC), global = (ceil(N/NWG)*NDIMC, ceil(M/MWG)*MDIMC).
__kernel __attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
void gemm_packed(const int M, const int N, const int K, const ACC alpha,
                 __global const ACC *restrict Ap, __global const ACC *restrict Bp,
                 const ACC beta, __global REAL *C, const int ldc)
{
    const int Kp = KPAD(K);
    const int tidn = get_local_id(0);
    const int tidm = get_local_id(1);
    const int n0 = get_group_id(0) * NWG;
    const int m0 = get_group_id(1) * MWG;
    __global const ACC *ap = Ap + (size_t)(get_group_id(1) * MDIMC + tidm) * Kp * WPTM;
    __global const ACC *bp = Bp + (size_t)get_group_id(0) * Kp * NWG + tidn * VW;

    ACCV acc[WPTM][NVEC];
    _Pragma("unroll") for (int i = 0; i < WPTM; ++i)
        _Pragma("unroll") for (int j = 0; j < NVEC; ++j)
            acc[i][j] = (ACCV)(0);

    for (int k = 0; k < Kp; k += KUNROLL) {
        _Pragma("unroll") for (int u = 0; u < KUNROLL; ++u) {
            __global const ACC *brow = bp + (size_t)(k + u) * NWG;
            __global const ACC *arow = ap + (size_t)(k + u) * WPTM;
            ACCV bv[NVEC];
            _Pragma("unroll") for (int j = 0; j < NVEC; ++j)
                bv[j] = LDP(brow + j * NDIMC * VW);
            _Pragma("unroll") for (int i = 0; i < WPTM; ++i) {
                const ACCV av = (ACCV)(arow[i]);
                _Pragma("unroll") for (int j = 0; j < NVEC; ++j)
                    acc[i][j] = MAD(av, bv[j], acc[i][j]);
            }
        }
    }

#ifdef EXACT_TILES
    const bool full_mn = true;
#else
    const bool full_mn = (m0 + MWG <= M) && (n0 + NWG <= N);
#endif
    const bool read_c = (beta != (ACC)(0));
    _Pragma("unroll") for (int i = 0; i < WPTM; ++i) {
        const int m = m0 + tidm * WPTM + i;
        __global REAL *crow = C + (size_t)m * ldc;
        _Pragma("unroll") for (int j = 0; j < NVEC; ++j) {
            const int n = n0 + (j * NDIMC + tidn) * VW;
            ACCV r = alpha * acc[i][j];
            if (full_mn) {
                if (read_c) r = MAD((ACCV)(beta), LDV(crow, n), r);
                STV(r, crow, n);
            } else if (m < M) {
                for (int l = 0; l < VW; ++l) {
                    if (n + l < N) {
                        ACC x = LANE(r, l);
                        if (read_c) x = MAD(beta, LD1(crow, n + l), x);
                        ST1(x, crow, n + l);
                    }
                }
            }
        }
    }
}
#endif // PACKED
