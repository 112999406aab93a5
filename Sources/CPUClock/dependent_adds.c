// A chain of dependent one-cycle integer additions: timed, it gives the core's running clock
// (a virtual machine's /proc/cpuinfo MHz can be far from it). Written in assembly so that no
// compiler can fold the chain into a multiplication.
#include "CPUClock.h"

#define ADDS_PER_BLOCK 64

#if defined(__x86_64__)
#define ADD1 "add $1, %0\n\t"
#elif defined(__aarch64__)
#define ADD1 "add %0, %0, #1\n\t"
#endif

#ifdef ADD1
#define ADD8 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1
#define ADD64 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8

uint64_t suanli_dependent_adds(uint64_t blocks) {
    uint64_t x = 0;
    for (uint64_t i = 0; i < blocks; ++i) {
        __asm__ volatile(ADD64 : "+r"(x));
    }
    return x;
}

int suanli_adds_per_block(void) { return ADDS_PER_BLOCK; }
#else
uint64_t suanli_dependent_adds(uint64_t blocks) { (void)blocks; return 0; }
int suanli_adds_per_block(void) { return 0; }
#endif
