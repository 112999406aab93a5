// Prelude joined in front of the tensor and matrix-engine peak kernels (peak_mma_nv.cl,
// peak_mfma_amd.cl, peak_wmma_amd.cl, peak_dpas_intel.cl; Kernels/preludes.json).
//
// SL_PEAK_ITERATIONS runs `iters` iterations of eight steps on each of the NCHAINS chains d[c]:
// three pairs (+b, -b), then +b twice, where STEP(dc, b) is the kernel's D += A * b with
// A = one and b = bp (one) or bn (minus one). Each iteration therefore adds exactly 2K to every
// accumulator element (K = the instruction's depth), so the result depends on the iteration
// count and on every step (Kernels/README.md, "Peak"). The kernel defines STEP and, in
// its body, iters, d, bp and bn.
#define SL_PEAK_ITERATIONS                                                                    \
    for (int it = 0; it < iters; ++it) {                                                      \
        _Pragma("unroll")                                                                     \
        for (int k = 0; k < 3; ++k) {                                                         \
            _Pragma("unroll")                                                                 \
            for (int c = 0; c < NCHAINS; ++c) STEP(d[c], bp);                                 \
            _Pragma("unroll")                                                                 \
            for (int c = 0; c < NCHAINS; ++c) STEP(d[c], bn);                                 \
        }                                                                                     \
        _Pragma("unroll")                                                                     \
        for (int c = 0; c < NCHAINS; ++c) STEP(d[c], bp);                                     \
        _Pragma("unroll")                                                                     \
        for (int c = 0; c < NCHAINS; ++c) STEP(d[c], bp);                                     \
    }
