/* Executes a permanently undefined instruction: must die by SIGILL. */
#include <stdio.h>

int main(void) {
    printf("about to execute udf\n");
    fflush(stdout);
#ifdef __thumb__
    __asm__ volatile(".inst.n 0xde00");
#else
    __asm__ volatile(".inst 0xe7f000f0");
#endif
    return 0;
}
