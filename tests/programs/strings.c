/* String and memory functions from libc (optimised assembly paths), snprintf and strtol. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char buf[256], big[4096];
    for (int i = 0; i < (int)sizeof big; i++) big[i] = (char)('a' + i % 26);
    big[sizeof big - 1] = 0;
    printf("strlen=%zu\n", strlen(big));
    memmove(big + 3, big, 1000);
    memset(big + 2000, 'Z', 100);
    printf("memcmp=%d strchr=%ld\n", memcmp(big, big + 26, 500), (long)(strchr(big, 'Z') - big));
    snprintf(buf, sizeof buf, "%s|%5d|%-5x|%08lld|%c", "fmt", 42, 255, -1234567890123ll, 'q');
    puts(buf);
    strcpy(buf, "hello, world");
    strcat(buf, " and more");
    printf("%s %zu %d\n", buf, strlen(buf), strcmp(buf, "hello"));
    printf("strtol=%ld %ld %lu\n", strtol("-12345", NULL, 10), strtol("ff", NULL, 16), strtoul("777", NULL, 8));
    char *tok = strtok(buf, " ,");
    while (tok) { printf("[%s]", tok); tok = strtok(NULL, " ,"); }
    putchar('\n');
    return 0;
}
