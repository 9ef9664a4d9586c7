/* Hot calls back and forth between A32 and Thumb-2 functions (BLX, BX LR, POP {pc} across modes). */
#include <stdio.h>

__attribute__((target("arm"), noinline)) unsigned arm_step(unsigned x, unsigned i) {
    return (x * 2654435761u) ^ (i >> 3);
}

__attribute__((target("thumb"), noinline)) unsigned thumb_step(unsigned x, unsigned i) {
    return arm_step(x + i, i) + (x >> 7);
}

__attribute__((target("arm"), noinline)) unsigned arm_loop(int n) {
    unsigned x = 1;
    for (int i = 0; i < n; i++)
        x = thumb_step(x, (unsigned)i);
    return x;
}

int main(void) {
    printf("interwork %u\n", arm_loop(200000));
    return 0;
}
