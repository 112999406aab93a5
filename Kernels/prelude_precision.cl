// Prelude joined in front of gemm.cl, stream.cl and peak.cl (Kernels/preludes.json): the
// precision defines those kernels share.
//
// REAL = storage type, ACC = arithmetic type (default REAL). USE_FP64 enables cl_khr_fp64,
// USE_FP16 cl_khr_fp16 (half arithmetic; half storage alone goes through vload_half and
// vstore_half and needs no extension). SL_CAT pastes after expansion; REAL_IS_HALF is 1
// exactly when REAL expands to the token `half`.

#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#ifdef USE_FP16
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#endif

#ifndef REAL
#define REAL float
#endif
#ifndef ACC
#define ACC REAL
#endif

#define SL_CAT_(a, b) a##b
#define SL_CAT(a, b) SL_CAT_(a, b)
#define SL_ISHALF_half 1
#define SL_ISHALF_float 0
#define SL_ISHALF_double 0
#define REAL_IS_HALF SL_CAT(SL_ISHALF_, REAL)

// SL_VEC(T, W): the W-wide vector of scalar type T (T itself for W = 1); ACCV and REALV are
// the VW-wide ACC and REAL of the kernels that define VW (expanded where they are used).
#define SL_VEC_1(T) T
#define SL_VEC_2(T) SL_CAT(T, 2)
#define SL_VEC_4(T) SL_CAT(T, 4)
#define SL_VEC_8(T) SL_CAT(T, 8)
#define SL_VEC_16(T) SL_CAT(T, 16)
#define SL_VEC(T, W) SL_CAT(SL_VEC_, W)(T)
#define ACCV SL_VEC(ACC, VW)
#define REALV SL_VEC(REAL, VW)
