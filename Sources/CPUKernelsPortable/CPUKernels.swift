/// Native CPU kernels (portable build). The AVX2 module symlinks these sources.
public enum CPUKernels {}
