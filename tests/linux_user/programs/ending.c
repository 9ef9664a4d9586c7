/* Ways to end: exit(N), a signal raised on ourselves, SIGPIPE from a pipe with no reader. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    printf("ending by %s %s\n", argv[1], argv[2]);
    fflush(stdout);
    if (!strcmp(argv[1], "exit")) exit(atoi(argv[2]));
    if (!strcmp(argv[1], "raise")) raise(atoi(argv[2]));
    if (!strcmp(argv[1], "sigpipe")) {
        int p[2];
        pipe(p);
        close(p[0]);
        write(p[1], "x", 1);
    }
    if (!strcmp(argv[1], "ignored")) {
        signal(SIGUSR1, SIG_IGN);
        raise(SIGUSR1);
        puts("still alive");
    }
    return 42;
}
