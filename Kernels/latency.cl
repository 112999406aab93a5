// Suanli launch latency: a kernel that does almost nothing. Contract: Kernels/README.md.
// Each launch writes the marker it is given, so the host can check that the launch ran.
__kernel void marker(__global uint *out, const uint value)
{
    if (get_global_id(0) == 0) out[0] = value;
}
