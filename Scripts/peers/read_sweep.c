/* Peer of Suanli's cache suite: a plain C read sweep on all cores (OpenMP).
 * Every thread rereads its own slice of the working set (slices on 64-byte lines, split as
 * Suanli splits them) and sums it with wrapping 32-bit adds into 32 independent lanes, which
 * gcc -O3 vectorises; the sums are checked against the data. Memory is asked for in huge pages.
 * Runs of about RUN_SECONDS (0.5 ms, as Suanli on the CPU); for each working set from 4 KiB to
 * MAX_BYTES (Suanli's sizes) prints one JSON line: {"bytes": N, "gbs": median GB/s, ...}.
 * Build: gcc -O3 -march=native -fopenmp -o read_sweep read_sweep.c -lm
 * Usage: ./read_sweep [MAX_BYTES] [SECONDS] [RUN_SECONDS]
 */
#include <omp.h>
#include "sweep_common.h"

/* Thread t of n: elements [lo, hi) of count, boundaries on 16-element (64-byte) lines. */
static void slice(int t, int n, size_t count, size_t *lo, size_t *hi) {
    size_t units = (count + 15) / 16;
    *lo = units * (size_t)t / (size_t)n * 16;
    if (*lo > count) *lo = count;
    *hi = t == n - 1 ? count : units * (size_t)(t + 1) / (size_t)n * 16;
    if (*hi > count) *hi = count;
}

static uint32_t sum_slice(const uint32_t *restrict p, size_t count, long reps) {
    uint32_t lanes[32] = {0};
    uint32_t tail = 0;
    size_t bulk = count / 32 * 32;
    for (long r = 0; r < reps; r++) {
        for (size_t i = 0; i < bulk; i += 32)
            for (int k = 0; k < 32; k++) lanes[k] += p[i + k];
        for (size_t i = bulk; i < count; i++) tail += p[i];
    }
    uint32_t total = tail;
    for (int k = 0; k < 32; k++) total += lanes[k];
    return total;
}

int main(int argc, char **argv) {
    size_t max_bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : (256UL << 20);
    double seconds = argc > 2 ? atof(argv[2]) : 0.5;
    double run_seconds = argc > 3 ? atof(argv[3]) : 0.0005;  /* one timed run, as Suanli on the CPU */
    size_t mapped;
    void *base;
    uint32_t *data = huge_alloc(max_bytes, &mapped, &base);
    if (!data) { fprintf(stderr, "read_sweep: cannot map %zu bytes\n", max_bytes); return 1; }
    uint64_t rng = 0xCAC4E;
    for (size_t i = 0; i < max_bytes / 4; i++) data[i] = (uint32_t)splitmix(&rng);
    int threads = omp_get_max_threads();
    uint32_t *sums = calloc((size_t)threads * 16, sizeof *sums);
    uint32_t *expect = calloc((size_t)threads, sizeof *expect);
    double *samples = malloc(100000 * sizeof *samples);
    for (int k = 0; sweep_size(k) <= max_bytes; k++) {
        size_t bytes = sweep_size(k), count = bytes / 4;
        for (int t = 0; t < threads; t++) {
            size_t lo, hi;
            slice(t, threads, count, &lo, &hi);
            expect[t] = 0;
            for (size_t i = lo; i < hi; i++) expect[t] += data[i];
        }
        long reps = 1;
        double elapsed = 0, fastest = 1e30;
        int runs = -3;                                  /* < 0: calibrating, three runs per repetition count */
        double start = 0;
        for (;;) {
            double t0 = now_seconds();
#pragma omp parallel num_threads(threads)
            {
                int t = omp_get_thread_num();
                size_t lo, hi;
                slice(t, threads, count, &lo, &hi);
                sums[t * 16] = sum_slice(data + lo, hi - lo, reps);
            }
            elapsed = now_seconds() - t0;
            if (runs < 0) {                             /* until the fastest of three runs lasts RUN_SECONDS */
                if (elapsed < fastest) fastest = elapsed;
                if (++runs < 0) continue;
                if (fastest >= run_seconds || reps >= (1L << 40)) { start = now_seconds(); continue; }
                reps *= 2;
                runs = -3;
                fastest = 1e30;
                continue;
            }
            samples[runs++] = (double)bytes * (double)reps / elapsed / 1e9;
            if (runs >= 100000 || (runs >= 10 && now_seconds() - start >= seconds)) break;
        }
        for (int t = 0; t < threads; t++) {
            if (sums[t * 16] != expect[t] * (uint32_t)reps) {
                fprintf(stderr, "read_sweep: thread %d's sum over %zu bytes is wrong\n", t, bytes);
                return 2;
            }
        }
        printf("{\"name\": \"c-openmp-read-sweep\", \"bytes\": %zu, \"gbs\": %.2f, \"runs\": %d, \"repetitions\": %ld, "
               "\"threads\": %d, \"huge_pages\": \"%s\"}\n",
               bytes, median(samples, runs), runs, reps, threads, huge_pages_word(huge_backed(data, max_bytes), max_bytes));
        fflush(stdout);
    }
    munmap(base, mapped);
    return 0;
}
