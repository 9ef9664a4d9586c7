/* File system calls in a scratch directory (argv[1]): open/read/write/lseek/stat/mmap/rename/pipes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void check(const char *what, long r) { printf("%s: %s\n", what, r < 0 ? "error" : "ok"); }

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) return 2;
    int fd = open("data.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
    check("open", fd);
    const char msg[] = "The quick brown fox jumps over the lazy dog\n";
    printf("write=%zd\n", write(fd, msg, sizeof msg - 1));
    printf("lseek=%ld\n", (long)lseek(fd, 4, SEEK_SET));
    char buf[64] = {0};
    printf("read=%zd [%.5s]\n", read(fd, buf, 5), buf);
    struct stat st;
    check("fstat", fstat(fd, &st));
    printf("size=%lld mode=%o regular=%d\n", (long long)st.st_size, st.st_mode & 0777, S_ISREG(st.st_mode));
    char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap: %.19s\n", m == MAP_FAILED ? "failed" : m);
    munmap(m, 4096);
    close(fd);
    check("rename", rename("data.txt", "moved.txt"));
    printf("stat old=%d new=%d\n", stat("data.txt", &st), stat("moved.txt", &st));
    check("mkdir", mkdir("sub", 0755));
    printf("O_DIRECTORY on dir=%d on file=%d\n", open("sub", O_RDONLY | O_DIRECTORY) >= 0,
           open("moved.txt", O_RDONLY | O_DIRECTORY) >= 0);
    check("rmdir", rmdir("sub"));
    check("unlink", unlink("moved.txt"));
    printf("access after unlink=%d\n", access("moved.txt", F_OK));
    int p[2];
    check("pipe", pipe(p));
    write(p[1], "through a pipe\n", 15);
    int n = read(p[0], buf, sizeof buf);
    fwrite(buf, 1, n, stdout);
    char exe[256];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = 0;
    printf("exe ends with files.: %d\n", strstr(exe, "/files.") != NULL);
    char cwd[256];
    printf("cwd matches: %d\n", getcwd(cwd, sizeof cwd) && strcmp(cwd, argv[1]) == 0);
    return 0;
}
