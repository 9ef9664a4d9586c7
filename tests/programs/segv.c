/* Writes through a bad pointer: must die by SIGSEGV with qemu's message. */
#include <stdio.h>

int main(void) {
    volatile int *p = (int *)0x10;
    printf("about to crash\n");
    fflush(stdout);
    *p = 1;
    return 0;
}
