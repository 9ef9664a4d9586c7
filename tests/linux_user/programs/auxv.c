/* What the process is told at start: arguments, environment, auxiliary vector, uname. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("JITEMU_AUXV_TEST");
    printf("JITEMU_AUXV_TEST=%s\n", v ? v : "(unset)");
    printf("pagesz=%lu clktck=%lu secure=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_CLKTCK), getauxval(AT_SECURE));
    printf("hwcap=%#lx hwcap2=%#lx platform=%s\n", getauxval(AT_HWCAP), getauxval(AT_HWCAP2),
           (char *)getauxval(AT_PLATFORM));
    printf("execfn=%s\n", (char *)getauxval(AT_EXECFN));
    unsigned char *r = (unsigned char *)getauxval(AT_RANDOM);
    printf("random=");
    for (int i = 0; i < 16; i++) printf("%02x", r[i]);
    printf("\n");
    struct utsname u;
    uname(&u);
    printf("machine=%s sysname=%s\n", u.machine, u.sysname);
    return 0;
}
