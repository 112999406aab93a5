// Debian's opencl-headers (Khronos). No library is linked here: OpenCLKit
// loads libOpenCL.so.1 (the ICD loader) at run time with dlopen, so a machine
// without OpenCL still runs Suanli on its native CPU path.
#ifndef SUANLI_COPENCL_SHIM_H
#define SUANLI_COPENCL_SHIM_H
#define CL_TARGET_OPENCL_VERSION 300
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#include <CL/cl_icd.h>
#include <dlfcn.h>
#endif
