/* execveat: by descriptor (AT_EMPTY_PATH), relative to a directory descriptor, AT_SYMLINK_NOFOLLOW, and
   its errors.  Compiled for ARM and for the host, so that the host kernel is the reference (qemu-arm 7.2
   has no execveat).  Usage: execveat DIR, where DIR holds a copy of this program named "prog" and a
   symlink "link" to it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char *child_env[] = {"EXECVEAT=yes", NULL};

static void try(const char *what, int dirfd, const char *path, int flags) {
    char *argv[] = {"renamed", "child", (char *)what, NULL};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        syscall(SYS_execveat, dirfd, path, argv, child_env, flags);
        printf("%s: failed with %s\n", what, strerrorname_np(errno));
        fflush(stdout);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 2 && strcmp(argv[1], "child") == 0) {
        printf("%s: child argv0=%s env=%s\n", argv[2], argv[0], getenv("EXECVEAT"));
        return 3;
    }
    int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
    int prog = openat(dir, "prog", O_RDONLY);
    int opath = openat(dir, "prog", O_PATH);
    try("by fd", prog, "", AT_EMPTY_PATH);
    try("by O_PATH fd", opath, "", AT_EMPTY_PATH);
    try("relative to dir", dir, "prog", 0);
    try("absolute ignores dirfd", -1, "/proc/self/exe", 0);
    try("symlink", dir, "link", 0);
    try("symlink nofollow", dir, "link", AT_SYMLINK_NOFOLLOW);
    try("empty without flag", prog, "", 0);
    try("bad flags", prog, "", 0x8000);
    try("bad flags with a name", dir, "prog", 0x8000);
    try("missing", dir, "missing", 0);
    try("bad fd", 999, "prog", 0);
    return 0;
}
