// Suanli roofline sweep (mixbench's idea): one kernel, arithmetic intensity set by
// ITERS. Each work-item loads one float, applies ITERS dependent multiply-adds
// x = x*a + b, and stores it: 2*ITERS FLOPs per 8 bytes moved.
// With a = -1, b = 1, ITERS even and inputs in [0.5, 1] (1 - x exact there),
// out[i] == in[i] bit for bit (host verifies).
// ITERS is a build define so the loop is fully unrolled and the compiler cannot
// see a and b. Launch: 1-D, global = n, local = driver's choice.
#ifndef ITERS
#define ITERS 8
#endif

__kernel void roofline(__global const float *restrict in, __global float *restrict out,
                       const float a, const float b, const uint n)
{
    const uint i = get_global_id(0);
    if (i >= n) return;
    float x = in[i];
#pragma unroll
    for (int k = 0; k < ITERS; ++k)
        x = fma(x, a, b);
    out[i] = x;
}
