// Suanli cache-bandwidth sweep (gpu-benches' idea): every work-group rereads its own
// slice of a working set REPS times and sums what it read with wrapping 32-bit integer
// adds, so each work-item's result is a checksum the host recomputes exactly.
//
// Defines: VW = uint lanes per load (1, 2, 4, 8 or 16; default 4).
// Arguments: data (total_vectors vectors of VW uints), total_vectors, slices (>= 1),
//            reps (>= 1), out (one uint per work-item).
// Slice s covers vectors [total*s/slices, total*(s+1)/slices); work-group g reads slice
// g % slices, so when there are more groups than slices several groups share one.
// Work-item l of a group of L reads vectors begin+l, begin+l+L, ... of its slice: loads
// are coalesced on GPUs, and with L = 1 a work-item walks its slice front to back (CPUs).
// out[global id] = the sum of every lane it read, over all reps, mod 2^32.
#ifndef VW
#define VW 4
#endif

#if VW == 1
typedef uint vec_t;
#define HSUM(v) (v)
#elif VW == 2
typedef uint2 vec_t;
#define HSUM(v) ((v).s0 + (v).s1)
#elif VW == 4
typedef uint4 vec_t;
#define HSUM(v) ((v).s0 + (v).s1 + (v).s2 + (v).s3)
#elif VW == 8
typedef uint8 vec_t;
#define HSUM(v) ((v).s0 + (v).s1 + (v).s2 + (v).s3 + (v).s4 + (v).s5 + (v).s6 + (v).s7)
#elif VW == 16
typedef uint16 vec_t;
#define HSUM(v) ((v).s0 + (v).s1 + (v).s2 + (v).s3 + (v).s4 + (v).s5 + (v).s6 + (v).s7 \
               + (v).s8 + (v).s9 + (v).sa + (v).sb + (v).sc + (v).sd + (v).se + (v).sf)
#else
#error "VW must be 1, 2, 4, 8 or 16"
#endif

__kernel void cache_read(__global const vec_t *restrict data, const uint total_vectors, const uint slices,
                         const uint reps, __global uint *restrict out)
{
    const uint slice = get_group_id(0) % slices;
    const uint begin = (uint)(((ulong)total_vectors * slice) / slices);
    const uint end = (uint)(((ulong)total_vectors * (slice + 1)) / slices);
    const uint step = get_local_size(0);
    // Four independent sums so consecutive loads do not wait on one add chain.
    vec_t a0 = (vec_t)(0), a1 = (vec_t)(0), a2 = (vec_t)(0), a3 = (vec_t)(0);
    for (uint r = 0; r < reps; ++r) {
        uint i = begin + get_local_id(0);
        for (; i + 3 * step < end; i += 4 * step) {
            a0 += data[i];
            a1 += data[i + step];
            a2 += data[i + 2 * step];
            a3 += data[i + 3 * step];
        }
        for (; i < end; i += step)
            a0 += data[i];
    }
    const vec_t sum = (a0 + a1) + (a2 + a3);
    out[get_global_id(0)] = HSUM(sum);
}
