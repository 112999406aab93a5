// Prelude joined in front of the tensor and matrix-engine GEMMs that stage both tiles through
// local memory (gemm_mma_nv.cl, gemm_mfma_amd.cl, gemm_wmma_amd.cl; Kernels/preludes.json).
//
// A and B are rows of 32-bit words, k contiguous (A: M x K, B: N x K). One step stages KWW words
// of K of an MWG-row A tile and an NWG-row B tile, in 16-byte chunks: chunk c of a tile is row
// c / (KWW/4), 16-byte column c % (KWW/4); work-item tid of the THREADS moves chunks tid,
// tid + THREADS, ... The local rows are LDW = KWW + 4 words (the padding spreads rows over the
// banks); two stages (double buffering), As4/Bs4 holding `2 * rows * LDW / 4` uint4 each.
//
// The kernel defines MWG, NWG, KWW and THREADS, and in its body tid, kw4 (words per global row
// / 4), Ag and Bg (uint4 pointers to the work-group's first A and B rows), ra[CHUNKS_A] and
// rb[CHUNKS_B] (the chunks in flight) and the local arrays As4, Bs4. LOAD_TILE(t) reads K step t
// into ra/rb; STORE_TILE(s) writes them to stage s. The kernel checks that the chunks split
// evenly (SL_TILES_SPLIT_EVENLY).

#define LDW (KWW + 4)
#define CHUNKS_A (MWG * KWW / 4 / THREADS)
#define CHUNKS_B (NWG * KWW / 4 / THREADS)
#define SL_TILES_SPLIT_EVENLY ((MWG * KWW / 4) % THREADS == 0 && (NWG * KWW / 4) % THREADS == 0)

#define SL_CHUNK_LOOP(CHUNKS, BODY)                                                           \
    _Pragma("unroll")                                                                         \
    for (int i = 0; i < CHUNKS; ++i) {                                                        \
        const int c = tid + i * THREADS;                                                      \
        BODY;                                                                                 \
    }
#define LOAD_TILE(t)                                                                          \
    SL_CHUNK_LOOP(CHUNKS_A, ra[i] = Ag[(size_t)(c / (KWW / 4)) * kw4 + (t) * (KWW / 4) + c % (KWW / 4)]) \
    SL_CHUNK_LOOP(CHUNKS_B, rb[i] = Bg[(size_t)(c / (KWW / 4)) * kw4 + (t) * (KWW / 4) + c % (KWW / 4)])
#define STORE_TILE(s)                                                                         \
    SL_CHUNK_LOOP(CHUNKS_A, As4[((s) * MWG * LDW + (c / (KWW / 4)) * LDW) / 4 + c % (KWW / 4)] = ra[i]) \
    SL_CHUNK_LOOP(CHUNKS_B, Bs4[((s) * NWG * LDW + (c / (KWW / 4)) * LDW) / 4 + c % (KWW / 4)] = rb[i])

// The two stages of both tiles (uint4 storage keeps every 16-byte row chunk aligned), with
// word pointers As and Bs to them.
#define SL_TILE_STAGES                                                                        \
    __local uint4 As4[2 * MWG * LDW / 4];                                                     \
    __local uint4 Bs4[2 * NWG * LDW / 4];                                                     \
    __local uint *As = (__local uint *)As4;                                                   \
    __local uint *Bs = (__local uint *)Bs4

// The work-group's operands (needs A, B, K, EPW = elements per word, m0 and n0 = its first row
// of A and of B): kw words per row, kw4 chunks per row, tiles K steps, Ag and Bg, ra and rb.
#define SL_TILE_OPERANDS                                                                      \
    const int kw = K / EPW;                                                                   \
    const int kw4 = kw / 4;                                                                   \
    const int tiles = kw / KWW;                                                               \
    __global const uint4 *Ag = (__global const uint4 *)(A + (size_t)m0 * kw);                 \
    __global const uint4 *Bg = (__global const uint4 *)(B + (size_t)n0 * kw);                 \
    uint4 ra[CHUNKS_A], rb[CHUNKS_B]

// The double-buffered K loop: between SL_TILE_LOOP_BEGIN and SL_TILE_LOOP_END, K step t sits in
// stage `cur` (As + cur * MWG * LDW, Bs + cur * NWG * LDW) while step t + 1 is read from global
// memory into registers; it is stored to the other stage after the body, then one barrier.
#define SL_TILE_LOOP_BEGIN                                                                    \
    LOAD_TILE(0)                                                                              \
    STORE_TILE(0)                                                                             \
    barrier(CLK_LOCAL_MEM_FENCE);                                                             \
    for (int t = 0; t < tiles; ++t) {                                                         \
        const int cur = t & 1;                                                                \
        if (t + 1 < tiles) { LOAD_TILE(t + 1) }
#define SL_TILE_LOOP_END                                                                      \
        if (t + 1 < tiles) { STORE_TILE(cur ^ 1) }                                            \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
    }
