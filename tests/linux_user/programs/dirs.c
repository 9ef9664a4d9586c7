/* Directories, links, metadata, sizes and locks in a scratch directory (argv[1]): readdir (getdents64),
 * the old getdents, link/symlink/readlink, renameat2, chmod/utimensat, truncate, pread/pwrite, preadv,
 * sendfile, copy_file_range, fallocate, statfs, mknod, fcntl and OFD locks, flock, memfd. */
#define _GNU_SOURCE
#include "check.h"
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>


static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < 64) {
        char *s = malloc(300);
        snprintf(s, 300, "%s(%d)", e->d_name, e->d_type);
        names[n++] = s;
    }
    qsort(names, n, sizeof *names, by_name);
    printf("%s:", dir);
    for (int i = 0; i < n; i++) printf(" %s", names[i]), free(names[i]);
    printf("\n");
    if (d) closedir(d);
}

/* The old getdents: struct linux_dirent with the type in the last byte of the record. */
static void old_getdents(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    char buf[4096];
    int n = syscall(SYS_getdents, fd, buf, sizeof buf), count = 0, sum = 0;
    for (int pos = 0; pos < n;) {
        unsigned short reclen = *(unsigned short *)(buf + pos + 8);
        const char *name = buf + pos + 10;
        sum += strlen(name) + buf[pos + reclen - 1];
        count++;
        pos += reclen;
    }
    printf("getdents: %d entries, checksum %d, again %ld\n", count, sum, syscall(SYS_getdents, fd, buf, sizeof buf));
    close(fd);
}

/* Times only when the test set them (others are "now", different in each run). */
static void show_stat(const char *path) {
    struct stat st;
    if (lstat(path, &st) < 0) {
        printf("lstat %s: %s\n", path, strerrorname_np(errno));
        return;
    }
    printf("%s: mode=%o nlink=%u size=%lld", path, st.st_mode, (unsigned)st.st_nlink, (long long)st.st_size);
    if (st.st_mtim.tv_sec < 1500000000)
        printf(" atime=%lld.%09ld mtime=%lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) return 2;
    umask(022);
    check("mkdir", mkdir("d", 0755));
    int fd = open("d/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check("write", write(fd, "0123456789abcdefghij", 20));
    check("link", link("d/a.txt", "d/hard"));
    check("symlink", symlink("a.txt", "d/soft"));
    check("symlinkat", symlinkat("/nonexistent/target", AT_FDCWD, "d/dangling"));
    char target[64] = {0};
    check("readlink", readlink("d/soft", target, sizeof target));
    printf("target=%s\n", target);
    check("mkfifo", mkfifo("d/fifo", 0600));
    check("mknod", mknod("d/node", S_IFREG | 0640, 0));
    check("mkdir sub", mkdir("d/sub", 0700));
    list("d");
    old_getdents("d");
    show_stat("d/hard");

    /* sizes, positioned I/O */
    check("ftruncate", ftruncate(fd, 10));
    check("truncate (64-bit)", truncate("d/hard", 5000000000LL));
    show_stat("d/a.txt");
    check("truncate (32-bit call)", syscall(SYS_truncate, "d/a.txt", 12));
    char buf[64] = {0};
    check("pwrite", pwrite(fd, "XY", 2, 3));
    check("pread", pread(fd, buf, 8, 1));
    printf("pread got %.8s, offset now %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
    char a[4] = {0}, b[5] = {0};
    struct iovec iov[2] = {{a, 3}, {b, 4}};
    check("preadv", preadv(fd, iov, 2, 2));
    printf("preadv got [%s][%s]\n", a, b);
    struct iovec wv[2] = {{"pq", 2}, {"rst", 3}};
    check("pwritev", pwritev(fd, wv, 2, 7));
    check("fallocate", fallocate(fd, 0, 0, 8192));
    check("posix_fadvise", posix_fadvise(fd, 0, 100, POSIX_FADV_SEQUENTIAL));
    check("fdatasync", fdatasync(fd));
    check("sync_file_range", sync_file_range(fd, 4096, 5000000000LL, SYNC_FILE_RANGE_WRITE));
    check("sync_file_range bad flags", sync_file_range(fd, 0, 0, 0x100));
    show_stat("d/a.txt");

    /* copying */
    int out = open("d/copy", O_CREAT | O_RDWR, 0600);
    off_t off = 2;
    check("sendfile", sendfile(out, fd, &off, 6));
    printf("sendfile offset now %lld\n", (long long)off);
    loff_t in_off = 0, out_off = 6;
    check("copy_file_range", copy_file_range(fd, &in_off, out, &out_off, 4, 0));
    printf("copy_file_range offsets %lld %lld\n", (long long)in_off, (long long)out_off);
    memset(buf, 0, sizeof buf);
    check("pread copy", pread(out, buf, 32, 0));
    printf("copy=%s\n", buf);

    /* metadata */
    check("chmod", chmod("d/copy", 0751));
    check("fchmod", fchmod(out, 0640));
    check("fchmodat", fchmodat(AT_FDCWD, "d/sub", 0711, 0));
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 5}};
    check("utimensat", utimensat(AT_FDCWD, "d/copy", ts, 0));
    show_stat("d/copy");
    struct timespec omit[2] = {{0, UTIME_OMIT}, {42, 0}};
    check("futimens", futimens(out, omit));
    show_stat("d/copy");
    struct timeval tv[2] = {{7, 8}, {9, 10}};
    check("utimes", utimes("d/copy", tv));
    show_stat("d/copy");
    check("utimensat nofollow", utimensat(AT_FDCWD, "d/soft", ts, AT_SYMLINK_NOFOLLOW));
    check("chown to self", chown("d/copy", getuid(), -1));
    check("lchown", lchown("d/soft", -1, getgid()));
    struct statfs sf;
    check("statfs", statfs("d", &sf));
    struct statfs sf2;
    check("fstatfs", fstatfs(fd, &sf2));
    printf("statfs same type=%d bsize>0=%d namelen=%ld\n", sf.f_type == sf2.f_type, sf.f_bsize > 0, (long)sf.f_namelen);

    /* renames */
    check("renameat2 noreplace", renameat2(AT_FDCWD, "d/copy", AT_FDCWD, "d/hard", RENAME_NOREPLACE));
    check("renameat2 exchange", renameat2(AT_FDCWD, "d/copy", AT_FDCWD, "d/sub", RENAME_EXCHANGE));
    show_stat("d/copy");
    check("rename", rename("d/sub", "d/file2"));
    list("d");

    /* locks */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    check("F_SETLK", fcntl(fd, F_SETLK, &fl));
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    check("F_GETLK", fcntl(fd, F_GETLK, &q));
    printf("own lock: type=%d\n", q.l_type);
    int fd2 = open("d/a.txt", O_RDWR);
    struct flock ofd = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50};
    check("F_OFD_SETLK", fcntl(fd, F_OFD_SETLK, &ofd));
    struct flock q2 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    check("F_OFD_GETLK", fcntl(fd2, F_OFD_GETLK, &q2));
    printf("conflict: type=%d start=%lld len=%lld pid=%d\n", q2.l_type, (long long)q2.l_start, (long long)q2.l_len,
           q2.l_pid == getpid() ? 1 : q2.l_pid);
    struct flock w = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 120, .l_len = 1};
    check("F_OFD_SETLK conflicting", fcntl(fd2, F_OFD_SETLK, &w));
    check("flock", flock(fd, LOCK_EX));
    check("flock other", flock(fd2, LOCK_EX | LOCK_NB));
    check("flock unlock", flock(fd, LOCK_UN));
    check("flock other again", flock(fd2, LOCK_SH | LOCK_NB));
    check("F_GETFD", fcntl(fd, F_GETFD));
    check("F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC));
    check("F_GETFD again", fcntl(fd, F_GETFD));
    check("F_GETFL", fcntl(fd2, F_GETFL));

    /* memfd */
    int m = memfd_create("scratch", MFD_CLOEXEC);
    check("memfd write", write(m, "in memory", 9));
    char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, m, 0);
    printf("memfd mapped: %.9s\n", p == MAP_FAILED ? "failed" : p);
    check("F_GETFD memfd", fcntl(m, F_GETFD));
    check("sync", (sync(), 0));
    check("syncfs", syncfs(fd));
    check("close_range", close_range(fd2, fd2, 0));
    check("close closed", close(fd2));

    /* creat, extended attributes (the scratch directory's file system may not support them: same answer) */
    int cr = creat("d/created", 0640);
    check("creat", cr >= 0);
    check("creat F_GETFL", fcntl(cr, F_GETFL) & O_ACCMODE);
    int xr = setxattr("d/created", "user.jitemu", "value", 5, 0);
    check("setxattr", xr);
    if (xr == 0) {
        check("getxattr size", getxattr("d/created", "user.jitemu", NULL, 0));
        char xv[16] = {0};
        check("getxattr", getxattr("d/created", "user.jitemu", xv, sizeof xv));
        printf("  value=%s\n", xv);
        check("getxattr too small", getxattr("d/created", "user.jitemu", xv, 2));
        char names[64];
        check("listxattr", listxattr("d/created", names, sizeof names));
        check("fsetxattr create existing", fsetxattr(cr, "user.jitemu", "v", 1, XATTR_CREATE));
        check("removexattr", removexattr("d/created", "user.jitemu"));
    }
    check("getxattr missing", getxattr("d/created", "user.none", NULL, 0));
    check("lgetxattr on a symlink", lgetxattr("d/soft", "user.none", NULL, 0));

    /* errors */
    check("link exists", link("d/a.txt", "d/hard"));
    check("symlink exists", symlink("x", "d/soft"));
    check("readlink not link", readlink("d/a.txt", target, sizeof target));
    check("chmod missing", chmod("d/missing", 0644));
    check("truncate dir", truncate("d", 0));
    check("ftruncate negative", ftruncate(fd, -1));
    check("pread bad fd", pread(99, buf, 1, 0));
    check("pread negative", pread(fd, buf, 1, -5));
    check("utimensat bad nsec", utimensat(AT_FDCWD, "d/a.txt", (struct timespec[2]){{0, 2000000000}, {0, 0}}, 0));
    check("rmdir not empty", rmdir("d"));
    return 0;
}
