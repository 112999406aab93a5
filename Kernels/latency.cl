// Suanli launch latency: kernels that do nothing. Contract: Kernels/README.md.
__kernel void empty(void)
{
}

// Same, with one (unused) buffer argument, for the cost of a launch with arguments.
__kernel void empty_arg(__global int *unused)
{
}
