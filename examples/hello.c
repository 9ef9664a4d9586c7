/* The bundled example guest program (examples/hello is its prebuilt static Thumb-2 binary).
   Rebuild: arm-linux-gnueabihf-gcc -static -O2 -o examples/hello examples/hello.c */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("Hello, ARM world! I am %s, running with %d argument(s).\n", argv[0], argc - 1);
    unsigned long long f = 1;
    for (int i = 1; i <= 20; i++) f *= i;
    printf("20! = %llu\n", f);
    return 0;
}
