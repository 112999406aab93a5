/* Peer stream triad: a[i] = b[i] + s * c[i], float32, OpenMP.
 * Build: gcc -O3 -march=native -fopenmp triad.c -o triad
 * Usage: ./triad [n_elements] [repeats]   (default n = 2^25 floats per array)
 * Bytes per iteration: 3 arrays * n * 4 bytes (read b, read c, write a): the write-allocate
 * read of a (a plain store reads its line first) is not counted, as in Suanli's stream suite.
 * -DSTREAMING_STORES (needs AVX): a is written with non-temporal stores (_mm256_stream_ps),
 * which skip that read; the JSON name is then "c-openmp-triad-nt". Suanli's OpenCL stream
 * kernels use streaming stores on CPU devices, so this is the like-for-like peer for them.
 * Prints one JSON line: {"name": ..., "median": GB/s, "unit": "GB/s", ...}
 */
#ifdef STREAMING_STORES
#include <immintrin.h>
#define PEER_NAME "c-openmp-triad-nt"
#else
#define PEER_NAME "c-openmp-triad"
#endif
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

/* One triad pass; a is 64-byte aligned, so each thread's 8-float blocks are aligned. */
static void triad(float *a, const float *b, const float *c, float scalar, long n) {
#ifdef STREAMING_STORES
    const long blocks = n / 8;
    const __m256 s = _mm256_set1_ps(scalar);
#pragma omp parallel for schedule(static)
    for (long k = 0; k < blocks; k++)
        _mm256_stream_ps(a + 8 * k, _mm256_add_ps(_mm256_loadu_ps(b + 8 * k), _mm256_mul_ps(s, _mm256_loadu_ps(c + 8 * k))));
    for (long i = 8 * blocks; i < n; i++) a[i] = b[i] + scalar * c[i];
    _mm_sfence();
#else
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) a[i] = b[i] + scalar * c[i];
#endif
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : (1L << 25);
    int repeats = argc > 2 ? atoi(argv[2]) : 20;
    if (n < 1 || repeats < 1) { fprintf(stderr, "bad arguments\n"); return 1; }
    float *a = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    float *b = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    float *c = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    if (!a || !b || !c) { fprintf(stderr, "allocation failed\n"); return 1; }
    const float scalar = 0.4f;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) { a[i] = 0.1f; b[i] = 0.2f; c[i] = 0.0f + (float)(i & 7); }
    double *rates = malloc(sizeof(double) * repeats);
    triad(a, b, c, scalar, n); /* warm-up */
    for (int r = 0; r < repeats; r++) {
        double t0 = omp_get_wtime();
        triad(a, b, c, scalar, n);
        double t1 = omp_get_wtime();
        rates[r] = 3.0 * (double)n * sizeof(float) / (t1 - t0) / 1e9;
    }
    /* checksum so the loop cannot be removed */
    double sum = 0;
    for (long i = 0; i < n; i += 4097) sum += a[i];
    qsort(rates, repeats, sizeof(double), cmp_double);
    double median = repeats % 2 ? rates[repeats / 2] : 0.5 * (rates[repeats / 2 - 1] + rates[repeats / 2]);
    printf("{\"name\": \"" PEER_NAME "\", \"median\": %.2f, \"best\": %.2f, \"unit\": \"GB/s\", "
           "\"n\": %ld, \"threads\": %d, \"repeats\": %d, \"checksum\": %.6g}\n",
           median, rates[repeats - 1], n, omp_get_max_threads(), repeats, sum);
    free(a); free(b); free(c); free(rates);
    return 0;
}
