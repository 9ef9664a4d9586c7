/* printf, argv and the environment: the first program every emulator must run. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("Hello from ARM, argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("JITEMU_TEST_VAR");
    printf("JITEMU_TEST_VAR=%s\n", v ? v : "(unset)");
    return argc > 2 ? 7 : 0;
}
