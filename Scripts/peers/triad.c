/* Peer stream triad: a[i] = b[i] + s * c[i], float32, OpenMP.
 * Build: gcc -O3 -march=native -fopenmp triad.c -o triad
 * Usage: ./triad [n_elements] [repeats]   (default n = 2^25 floats per array)
 * Bytes per iteration: 3 arrays * n * 4 bytes (read b, read c, write a).
 * Prints one JSON line: {"name": ..., "median": GB/s, "unit": "GB/s", ...}
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

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
    /* warm-up */
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) a[i] = b[i] + scalar * c[i];
    for (int r = 0; r < repeats; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) a[i] = b[i] + scalar * c[i];
        double t1 = omp_get_wtime();
        rates[r] = 3.0 * (double)n * sizeof(float) / (t1 - t0) / 1e9;
    }
    /* checksum so the loop cannot be removed */
    double sum = 0;
    for (long i = 0; i < n; i += 4097) sum += a[i];
    qsort(rates, repeats, sizeof(double), cmp_double);
    double median = repeats % 2 ? rates[repeats / 2] : 0.5 * (rates[repeats / 2 - 1] + rates[repeats / 2]);
    printf("{\"name\": \"c-openmp-triad\", \"median\": %.2f, \"best\": %.2f, \"unit\": \"GB/s\", "
           "\"n\": %ld, \"threads\": %d, \"repeats\": %d, \"checksum\": %.6g}\n",
           median, rates[repeats - 1], n, omp_get_max_threads(), repeats, sum);
    free(a); free(b); free(c); free(rates);
    return 0;
}
