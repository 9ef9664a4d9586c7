/* A hot loop that walks off the end of a mapping: the fault happens inside compiled code. */
#include <stdio.h>
#include <sys/mman.h>

int main(void) {
    volatile unsigned char *p = mmap(0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap((void *)(p + 4 * 4096), 4 * 4096);
    unsigned sum = 0;
    for (int round = 0; round < 50; round++)
        for (int i = 0; i < 4 * 4096; i++) sum += p[i] + (unsigned)i;
    printf("sum=%u\n", sum);
    fflush(stdout);
    for (int i = 0;; i++) p[i] = (unsigned char)i;  /* faults at p + 16384 */
}
