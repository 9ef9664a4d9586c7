/* Heap and mappings: brk growth through malloc, big mmap'd blocks, realloc (mremap), mprotect. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned sum(const unsigned char *p, size_t n, size_t stride) {
    unsigned s = 0;
    for (size_t i = 0; i < n; i += stride) s = s * 31 + p[i];
    return s;
}

int main(void) {
    char *small[200];
    for (int i = 0; i < 200; i++) {
        small[i] = malloc(100 + i * 13);
        memset(small[i], i, 100 + i * 13);
    }
    unsigned s = 0;
    for (int i = 0; i < 200; i++) s += sum((unsigned char *)small[i], 100 + i * 13, 1);
    printf("small blocks: %u\n", s);
    for (int i = 0; i < 200; i += 2) free(small[i]);

    size_t big = 3 << 20;
    unsigned char *b = malloc(big);
    for (size_t i = 0; i < big; i += 4096) b[i] = (unsigned char)(i >> 12);
    printf("big block: %u\n", sum(b, big, 509));
    b = realloc(b, 2 * big);
    memset(b + big, 7, big);
    printf("realloc'd: %u\n", sum(b, 2 * big, 509));
    free(b);

    unsigned char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    m[4096] = 2;
    printf("mprotect: %d\n", mprotect(m, 4096, PROT_READ));
    printf("read back: %d %d\n", m[0], m[4096]);
    printf("munmap: %d\n", munmap(m, 8192));
    void *top = sbrk(0);
    printf("sbrk grows: %d\n", sbrk(65536) == top && sbrk(0) == (char *)top + 65536);
    return 0;
}
