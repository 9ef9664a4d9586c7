/* Integer division: built for the Cortex-A15 it is one SDIV/UDIV, which a Cortex-A9 does not have. */
#include <stdio.h>

int main(int argc, char **argv) {
    volatile int n = 1000 + argc, d = argc + 6;
    volatile unsigned un = 4000000000u + argc, ud = argc + 2;
    (void)argv;
    printf("%d %u\n", n / d, un / ud);
    return 0;
}
