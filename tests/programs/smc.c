/* Self-modifying code: writes machine code into an executable buffer, runs it, rewrites it and runs the
   new code, in a hot loop (so the old code is compiled by then).  With CLEAR_CACHE the program calls
   __builtin___clear_cache (the cacheflush syscall) as real ARM hardware requires.  An argument offsets
   the immediates, so two runs put different code at the same address. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef unsigned (*fn_t)(unsigned);

static void emit(uint32_t *code, unsigned k) {
    code[0] = 0xe2800000u | (k & 0xff);  /* add r0, r0, #k */
    code[1] = 0xe12fff1eu;               /* bx lr */
#ifdef CLEAR_CACHE
    __builtin___clear_cache((char *)code, (char *)(code + 2));
#endif
}

int main(int argc, char **argv) {
    unsigned base = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
    uint32_t *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) return 1;
    unsigned total = 0;
    for (unsigned k = 1; k <= 5; k++) {
        emit(code, base + k);
        fn_t f = (fn_t)(uintptr_t)code;  /* A32 code: bit 0 clear */
        for (int i = 0; i < 1000; i++) total = f(total);
        printf("k=%u total=%u\n", k, total);
    }
    return 0;
}
