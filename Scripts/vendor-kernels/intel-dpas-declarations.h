// Offline checks only (Scripts/check-vendor-kernels.sh): the DPAS built-ins of
// cl_intel_subgroup_matrix_multiply_accumulate, declared as its specification lists them, so
// clang's spir64 front end can type-check Kernels/gemm_dpas_intel.cl and peak_dpas_intel.cl.
// Intel's GPU compiler declares them itself; this is not a substitute for it.
#define OV __attribute__((overloadable))
#if SG == 8
float8 OV intel_sub_group_bf16_bf16_matrix_mad_k16(int8 a, int8 b, float8 acc);
float8 OV intel_sub_group_f16_f16_matrix_mad_k16(int8 a, int8 b, float8 acc);
int8 OV intel_sub_group_i8_i8_matrix_mad_k32(int8 a, int8 b, int8 acc);
#else
float8 OV intel_sub_group_bf16_bf16_matrix_mad_k16(short8 a, int8 b, float8 acc);
float8 OV intel_sub_group_f16_f16_matrix_mad_k16(short8 a, int8 b, float8 acc);
int8 OV intel_sub_group_i8_i8_matrix_mad_k32(short8 a, int8 b, int8 acc);
#endif
#undef OV
