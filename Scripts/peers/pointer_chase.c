/* Peer of Suanli's memlat suite: a plain C pointer chase, one chain.
 * Each 64-byte line's first word holds the address of the next line of a random cyclic
 * permutation of the working set's lines (one cycle through all of them), so every load waits for
 * the one before. Memory is asked for in transparent huge pages, as Suanli's native CPU path.
 * Runs of about RUN_SECONDS (0.5 ms, as Suanli on the CPU) continue from where the last stopped;
 * the walk is checked to end where the permutation says. For each working set from 4 KiB to
 * MAX_BYTES (sqrt(2) steps, Suanli's sizes) prints one JSON line: {"bytes": N, "ns": median ns per
 * load, ...}.
 * Build: gcc -O2 -o pointer_chase pointer_chase.c -lm
 * Usage: ./pointer_chase [MAX_BYTES] [SECONDS] [RUN_SECONDS]
 */
#include "sweep_common.h"

static void *walk(void *p, long steps) {
    void **q = p;
    for (long i = 0; i < steps; i++) q = (void **)*q;
    return q;
}

int main(int argc, char **argv) {
    size_t max_bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : (256UL << 20);
    double seconds = argc > 2 ? atof(argv[2]) : 0.5;
    double run_seconds = argc > 3 ? atof(argv[3]) : 0.0005;  /* one timed run, as Suanli on the CPU */
    size_t mapped;
    void *base;
    char *memory = huge_alloc(max_bytes, &mapped, &base);
    if (!memory) { fprintf(stderr, "pointer_chase: cannot map %zu bytes\n", max_bytes); return 1; }
    size_t max_lines = max_bytes / 64;
    uint32_t *order = malloc(max_lines * sizeof *order);
    double *samples = malloc(100000 * sizeof *samples);
    if (!order || !samples) { fprintf(stderr, "pointer_chase: out of memory\n"); return 1; }
    for (int k = 0; sweep_size(k) <= max_bytes; k++) {
        size_t bytes = sweep_size(k), lines = bytes / 64;
        uint64_t rng = 0x5EED ^ bytes;
        for (size_t i = 0; i < lines; i++) order[i] = (uint32_t)i;
        for (size_t i = lines - 1; i > 0; i--) {           /* Fisher-Yates: a random visiting order */
            size_t j = splitmix(&rng) % (i + 1);
            uint32_t t = order[i]; order[i] = order[j]; order[j] = t;
        }
        for (size_t i = 0; i < lines; i++)                 /* ... closed into one cycle */
            *(void **)(memory + (size_t)order[i] * 64) = memory + (size_t)order[(i + 1) % lines] * 64;
        size_t position = 0;
        void *p = memory + (size_t)order[0] * 64;
        p = walk(p, (long)lines);                          /* one lap: the caches hold what they can */
        long steps = 1024;
        for (;;) {                                         /* until the fastest of three runs lasts RUN_SECONDS */
            double fastest = 1e30;
            for (int r = 0; r < 3; r++) {
                double t0 = now_seconds();
                p = walk(p, steps);
                position = (position + (size_t)steps) % lines;
                double t = now_seconds() - t0;
                if (t < fastest) fastest = t;
            }
            if (fastest >= run_seconds || steps >= (1L << 40)) break;
            steps *= 2;
        }
        int runs = 0;
        double start = now_seconds();
        while (runs < 100000 && (runs < 10 || now_seconds() - start < seconds)) {
            double t0 = now_seconds();
            p = walk(p, steps);
            samples[runs++] = (now_seconds() - t0) / (double)steps * 1e9;
            position = (position + (size_t)steps) % lines;
        }
        if (p != memory + (size_t)order[position] * 64) {
            fprintf(stderr, "pointer_chase: the walk over %zu bytes ended at the wrong line\n", bytes);
            return 2;
        }
        printf("{\"name\": \"c-pointer-chase\", \"bytes\": %zu, \"ns\": %.3f, \"min_ns\": %.3f, \"runs\": %d, "
               "\"loads_per_run\": %ld, \"huge_pages\": \"%s\"}\n",
               bytes, median(samples, runs), samples[0], runs, steps, huge_pages_word(huge_backed(memory, max_bytes), max_bytes));
        fflush(stdout);
    }
    munmap(base, mapped);
    return 0;
}
