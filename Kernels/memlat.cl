// Suanli pointer-chase latency: each work-item follows its own chain through a random
// cyclic permutation, one dependent load after another.
//
// next[p] holds the index (in uints) of the element after p; elements sit one cache line
// apart, so each load touches a new line. Chain c starts at starts[c] and, after `steps`
// loads, writes where it stopped to ends[c]; the host knows from the permutation where
// that must be. The host swaps starts and ends between launches so the walk goes on
// through the whole cycle instead of rereading its first lines.
// Launch: 1-D, one work-item per chain (global 1 for the single-chain figure).
__kernel void chase(__global const uint *restrict next, __global const uint *restrict starts,
                    __global uint *restrict ends, const uint steps)
{
    const uint id = get_global_id(0);
    uint p = starts[id];
    for (uint s = 0; s < steps; ++s)
        p = next[p];
    ends[id] = p;
}
