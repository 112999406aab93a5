#ifndef SUANLI_CPU_CLOCK_H
#define SUANLI_CPU_CLOCK_H
#include <stdint.h>

/// Runs `blocks` blocks of SUANLI_ADDS_PER_BLOCK dependent integer additions (one cycle each on
/// every x86-64 and arm64 core) and returns the final value so the work cannot be removed.
/// Returns 0 without work where no assembly is written for the architecture.
uint64_t suanli_dependent_adds(uint64_t blocks);

/// Additions per block of suanli_dependent_adds (0 where unsupported).
int suanli_adds_per_block(void);

#endif
