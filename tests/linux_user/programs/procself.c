/* /proc describing the guest: /proc/self/maps (the program's own lines, a file mapping and an anonymous one
 * appearing and going away), /proc/self/exe (readlink, open, fstat), /proc/PID/..., cmdline, auxv, stat.
 * Prints only what is the same under any emulator: the image lines of maps, and checks of the rest. */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char text[1 << 16];

static int slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int n = 0, r;
    while ((r = read(fd, text + n, sizeof text - 1 - n)) > 0) n += r;
    text[n] = 0;
    close(fd);
    return n;
}

/* The maps line holding addr: its permissions, offset and file name (or the [name]), or "unmapped". */
static void describe(const char *what, const void *addr) {
    slurp("/proc/self/maps");
    unsigned long a = (unsigned long)addr;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long lo, hi, off;
        char perms[5], name[512] = "";
        if (sscanf(line, "%lx-%lx %4s %lx %*s %*s %511s", &lo, &hi, perms, &off, name) < 4) {
            printf("%s: bad line %s\n", what, line);
            return;
        }
        if (lo <= a && a < hi) {
            const char *base = strrchr(name, '/');
            printf("%s: %s offset=%lx %s\n", what, perms, off, base ? base + 1 : name);
            return;
        }
    }
    printf("%s: unmapped\n", what);
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) return 2;
    /* the program's own mappings, as the loader made them (a static program: the same addresses everywhere) */
    slurp("/proc/self/maps");
    char *exe = realpath("/proc/self/exe", NULL);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long lo, hi, off;
        char perms[5], name[512] = "";
        sscanf(line, "%lx-%lx %4s %lx %*s %*s %511s", &lo, &hi, perms, &off, name);
        if (exe && strcmp(name, exe) == 0) printf("image %08lx-%08lx %s %08lx\n", lo, hi, perms, off);
    }
    describe("main", (void *)main);
    int local;
    describe("stack", &local);

    int fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0600);
    for (int i = 0; i < 3; i++) write(fd, text, 4096);
    char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 4096);
    describe("file mapping", m);
    describe("file mapping page 2", m + 4096);
    char *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    describe("anonymous", anon);
    munmap(m, 4096);
    describe("file mapping after munmap", m);
    describe("file mapping page 2 after munmap", m + 4096);
    char *fixed = mmap(m + 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    describe("anonymous over the file", fixed);
    mprotect(anon, 4096, PROT_READ);
    describe("after mprotect", anon);

    char link[512] = {0};
    ssize_t n = readlink("/proc/self/exe", link, sizeof link);
    char *real0 = realpath(argv[0], NULL);
    printf("readlink exe = realpath(argv[0]): %d (length %d)\n", real0 && strcmp(link, real0) == 0, n == (ssize_t)strlen(real0));
    char pidexe[64];
    snprintf(pidexe, sizeof pidexe, "/proc/%d/exe", getpid());
    memset(link, 0, sizeof link);
    readlink(pidexe, link, sizeof link);
    printf("readlink /proc/PID/exe too: %d\n", strcmp(link, real0) == 0);
    int e = open("/proc/self/exe", O_RDONLY);
    char magic[4];
    read(e, magic, 4);
    struct stat st1, st2;
    fstat(e, &st1);
    stat(argv[0], &st2);
    printf("exe opens the program: %d, same size %d\n", memcmp(magic, "\177ELF", 4) == 0, st1.st_size == st2.st_size);
    struct stat lst;
    check("lstat exe", lstat("/proc/self/exe", &lst));
    printf("  a symbolic link: %d\n", S_ISLNK(lst.st_mode));

    int len = slurp("/proc/self/cmdline");
    int pos = 0, ok = 1;
    for (int i = 0; i < argc; i++) {
        ok &= strcmp(text + pos, argv[i]) == 0;
        pos += strlen(argv[i]) + 1;
    }
    printf("cmdline = argv: %d (length %d)\n", ok && pos == len, len == pos);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/auxv", getpid());
    len = slurp(path);
    unsigned long *av = (unsigned long *)text;
    int found = 0, hw = 0, end = 0;
    for (int i = 0; i + 1 < len / 4; i += 2) {
        if (av[i] == AT_PAGESZ) found = av[i + 1] == 4096;
        if (av[i] == AT_HWCAP) hw = av[i + 1] == getauxval(AT_HWCAP);
        if (av[i] == AT_NULL) end = i + 2 == len / 4;
    }
    printf("auxv: pagesz %d hwcap %d ends with AT_NULL %d\n", found, hw, end);

    slurp("/proc/self/stat");
    int pid;
    char comm[64], state;
    sscanf(text, "%d %63s %c", &pid, comm, &state);
    printf("stat: pid %d comm %s\n", pid == getpid(), comm);
    int fields = 0;
    for (char *t = strtok(text, " \n"); t; t = strtok(NULL, " \n")) fields++;
    printf("stat fields >= 44: %d\n", fields >= 44);
    int fd2 = open("/proc/self/maps", O_RDONLY);
    check("lseek maps", lseek(fd2, 0, SEEK_SET));
    check("open uptime (the host's)", open("/proc/uptime", O_RDONLY) > 0);
    return 0;
}
