/* Shared by the C peers of Suanli's cache and memlat suites: the working-set sizes (4 KiB to a
 * maximum in steps of sqrt(2), each rounded to a 64-byte line, as Suanli), memory asked for in
 * transparent huge pages (as Suanli's native CPU path), a monotonic clock and a median. */
#ifndef SWEEP_COMMON_H
#define SWEEP_COMMON_H
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define HUGE_PAGE (2UL << 20)

/* Grid point k: 4096 * 2^(k/2), rounded to a whole 64-byte line. */
static size_t sweep_size(int k) {
    double exact = 4096.0 * (double)(1UL << (k / 2)) * (k % 2 ? sqrt(2.0) : 1.0);
    return (size_t)llround(exact / 64.0) * 64;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof(double), compare_doubles);
    return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

/* 2 MiB-aligned memory with MADV_HUGEPAGE, every page touched. */
static void *huge_alloc(size_t bytes, size_t *mapped_out, void **base_out) {
    size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    size_t mapped = rounded + HUGE_PAGE;
    char *base = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    char *aligned = (char *)(((uintptr_t)base + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
    madvise(aligned, rounded, MADV_HUGEPAGE);
    memset(aligned, 0, rounded);
    *mapped_out = mapped;
    *base_out = base;
    return aligned;
}

/* Bytes of [start, start + bytes) backed by huge pages (AnonHugePages in /proc/self/smaps). */
static size_t huge_backed(void *start, size_t bytes) {
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return 0;
    char line[512];
    uintptr_t lo = (uintptr_t)start, hi = lo + bytes;
    int inside = 0;
    size_t total = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b, kib;
        if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) inside = a < hi && b > lo;
        else if (inside && sscanf(line, "AnonHugePages: %lu kB", &kib) == 1) total += kib * 1024;
    }
    fclose(f);
    return total;
}

static const char *huge_pages_word(size_t backed, size_t bytes) {
    size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    return backed >= rounded ? "yes" : backed > 0 ? "partly" : "no";
}

/* SplitMix64, for reproducible random data and permutations. */
static uint64_t splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
#endif
