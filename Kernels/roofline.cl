// Suanli roofline sweep (mixbench's idea): one kernel, arithmetic intensity set by
// ITERS. Every element is loaded once, put through ITERS dependent multiply-adds
// x = fma(x, a, b), and stored once: 2*ITERS FLOPs per 8 bytes moved (fp32 in and out).
// Contract (arguments, NDRange, verification): Kernels/README.md.
//
// Each work-item owns CHAINS vectors of VW elements and advances them together, so
// CHAINS*VW independent chains hide the FMA latency and the curve can reach the
// compute ceiling; the element count and the bytes moved do not change.
// ITERS, VW and CHAINS are build defines (the loops unroll; a and b stay runtime values
// the compiler cannot see). OpenCL C 1.2; no vendor extensions.
#ifndef ITERS
#define ITERS 8
#endif
#ifndef VW
#define VW 1               // elements per vector: 1, 2, 4, 8, 16
#endif
#ifndef CHAINS
#define CHAINS 1           // vectors per work-item (independent chains)
#endif
#if VW != 1 && VW != 2 && VW != 4 && VW != 8 && VW != 16
#error "VW must be 1, 2, 4, 8 or 16"
#endif
#if CHAINS < 1 || CHAINS > 16
#error "CHAINS must be in 1..16"
#endif

#define SL_CAT_(a, b) a##b
#define SL_CAT(a, b) SL_CAT_(a, b)
#if VW == 1
#define FLOATV float
#define LDV(p, v) ((p)[v])
#define STV(x, p, v) ((p)[v] = (x))
#else
#define FLOATV SL_CAT(float, VW)
#define LDV(p, v) SL_CAT(vload, VW)((v), (p))
#define STV(x, p, v) SL_CAT(vstore, VW)((x), (v), (p))
#endif

// Work-group w owns vectors [w*L*CHAINS, (w+1)*L*CHAINS) (L = local size); inside it,
// work-item l takes vectors w*L*CHAINS + e*L + l, e = 0..CHAINS-1 (coalesced on GPUs,
// one contiguous block per group on CPUs). The work-item that would own vector n/VW
// does the last n % VW elements one by one.
__kernel void roofline(__global const float *restrict in, __global float *restrict out,
                       const float a, const float b, const ulong n)
{
    const ulong L = get_local_size(0);
    const ulong base = (ulong)get_group_id(0) * L * CHAINS + get_local_id(0);
    const ulong nv = n / VW;
    const FLOATV va = (FLOATV)(a), vb = (FLOATV)(b);
    if (base + (CHAINS - 1) * L < nv) {
        FLOATV x[CHAINS];
#pragma unroll
        for (int e = 0; e < CHAINS; ++e) x[e] = LDV(in, base + e * L);
#pragma unroll 8
        for (int k = 0; k < ITERS; ++k) {
#pragma unroll
            for (int e = 0; e < CHAINS; ++e) x[e] = fma(x[e], va, vb);
        }
#pragma unroll
        for (int e = 0; e < CHAINS; ++e) STV(x[e], out, base + e * L);
        return;
    }
    for (int e = 0; e < CHAINS; ++e) {
        const ulong v = base + e * L;
        if (v < nv) {
            FLOATV x = LDV(in, v);
            for (int k = 0; k < ITERS; ++k) x = fma(x, va, vb);
            STV(x, out, v);
        } else if (v == nv) {
            for (ulong i = nv * VW; i < n; ++i) {
                float x = in[i];
                for (int k = 0; k < ITERS; ++k) x = fma(x, a, b);
                out[i] = x;
            }
        }
    }
}
