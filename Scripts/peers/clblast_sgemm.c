/* Peer benchmark for Suanli: CLBlast SGEMM (row-major, C = A*B) on an OpenCL device.
 *
 * Build: gcc -O2 -o Scripts/peers/bin/clblast_sgemm Scripts/peers/clblast_sgemm.c -lclblast -lOpenCL
 * Usage: clblast_sgemm M N K [repeats=5] [platform=0] [device=0]
 * Output: one JSON line {"name":"clblast-sgemm","m":..,"n":..,"k":..,"median_gflops":..,...}
 * Timing: clock_gettime around one CLBlastSgemm call + clFinish (queue drained before),
 * after one untimed warm-up call (which also triggers CLBlast's kernel compilation).
 * The event CLBlast returns covers only its last kernel (it may run pad/transpose
 * helper kernels first), so event timing would overstate its speed; wall time is used.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define CHECK_CL(call)                                                          \
    do {                                                                        \
        cl_int e_ = (call);                                                     \
        if (e_ != CL_SUCCESS) {                                                 \
            fprintf(stderr, "%s:%d: %s failed: %d\n", __FILE__, __LINE__, #call, e_); \
            exit(1);                                                            \
        }                                                                       \
    } while (0)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s M N K [repeats] [platform] [device]\n", argv[0]);
        return 2;
    }
    const size_t m = strtoul(argv[1], NULL, 10), n = strtoul(argv[2], NULL, 10),
                 k = strtoul(argv[3], NULL, 10);
    const int reps = argc > 4 ? atoi(argv[4]) : 5;
    const int pidx = argc > 5 ? atoi(argv[5]) : 0, didx = argc > 6 ? atoi(argv[6]) : 0;
    if (m == 0 || n == 0 || k == 0 || reps < 1) { fprintf(stderr, "bad arguments\n"); return 2; }

    cl_uint np = 0, nd = 0;
    CHECK_CL(clGetPlatformIDs(0, NULL, &np));
    if ((cl_uint)pidx >= np) { fprintf(stderr, "no platform %d\n", pidx); return 1; }
    cl_platform_id *plats = malloc(np * sizeof *plats);
    CHECK_CL(clGetPlatformIDs(np, plats, NULL));
    CHECK_CL(clGetDeviceIDs(plats[pidx], CL_DEVICE_TYPE_ALL, 0, NULL, &nd));
    if ((cl_uint)didx >= nd) { fprintf(stderr, "no device %d\n", didx); return 1; }
    cl_device_id *devs = malloc(nd * sizeof *devs);
    CHECK_CL(clGetDeviceIDs(plats[pidx], CL_DEVICE_TYPE_ALL, nd, devs, NULL));
    cl_device_id dev = devs[didx];
    char devname[256] = {0};
    clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof devname - 1, devname, NULL);

    cl_int err;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    CHECK_CL(err);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, CL_QUEUE_PROFILING_ENABLE, &err);
    CHECK_CL(err);

    float *ha = malloc(m * k * sizeof(float)), *hb = malloc(k * n * sizeof(float)),
          *hc = malloc(m * n * sizeof(float));
    srand(1);
    for (size_t i = 0; i < m * k; i++) ha[i] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < k * n; i++) hb[i] = (float)rand() / RAND_MAX - 0.5f;
    memset(hc, 0, m * n * sizeof(float));
    cl_mem da = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, m * k * sizeof(float), ha, &err); CHECK_CL(err);
    cl_mem db = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, k * n * sizeof(float), hb, &err); CHECK_CL(err);
    cl_mem dc = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, m * n * sizeof(float), hc, &err); CHECK_CL(err);

    double *gf = malloc(reps * sizeof(double));
    for (int r = -1; r < reps; r++) {
        cl_event ev = NULL;
        CHECK_CL(clFinish(q));
        double t0 = now_s();
        CLBlastStatusCode st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo,
                                            m, n, k, 1.0f, da, 0, k, db, 0, n, 0.0f, dc, 0, n, &q, &ev);
        if (st != CLBlastSuccess) { fprintf(stderr, "CLBlastSgemm failed: %d\n", (int)st); return 1; }
        CHECK_CL(clWaitForEvents(1, &ev));
        CHECK_CL(clFinish(q));
        double t1 = now_s();
        clReleaseEvent(ev);
        if (r >= 0) gf[r] = 2.0 * m * n * k / (t1 - t0) / 1e9;
    }
    /* Spot-check one element so a broken run is not reported as a result. */
    float c00 = 0;
    CHECK_CL(clEnqueueReadBuffer(q, dc, CL_TRUE, 0, sizeof c00, &c00, 0, NULL, NULL));
    double ref = 0;
    for (size_t p = 0; p < k; p++) ref += (double)ha[p] * hb[p * n];
    int ok = (c00 - ref) * (c00 - ref) <= 1e-6 * (1.0 + ref * ref) * (double)k;

    qsort(gf, reps, sizeof(double), cmp_double);
    double med = reps % 2 ? gf[reps / 2] : 0.5 * (gf[reps / 2 - 1] + gf[reps / 2]);
    printf("{\"name\":\"clblast-sgemm\",\"m\":%zu,\"n\":%zu,\"k\":%zu,\"median_gflops\":%.2f,"
           "\"repeats\":%d,\"verified\":%s,\"device\":\"%s\"}\n",
           m, n, k, med, reps, ok ? "true" : "false", devname);

    clReleaseMemObject(da); clReleaseMemObject(db); clReleaseMemObject(dc);
    clReleaseCommandQueue(q); clReleaseContext(ctx);
    free(ha); free(hb); free(hc); free(gf); free(plats); free(devs);
    return ok ? 0 : 1;
}
