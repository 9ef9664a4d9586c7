/* Process attributes and terminals: times, getrusage, priorities, scheduling, ids and groups, prctl,
 * personality, memory locking and residency, and a pseudo-terminal's ioctls (termios, window size). */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <termios.h>
#include <unistd.h>

static void terminal(void) {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        printf("posix_openpt: %s\n", strerrorname_np(errno));
        return;
    }
    check("grantpt", grantpt(m));
    check("unlockpt", unlockpt(m));
    char *name = ptsname(m);
    printf("ptsname is /dev/pts/N: %d\n", name && strncmp(name, "/dev/pts/", 9) == 0);
    int s = open(name, O_RDWR | O_NOCTTY);
    check("open slave", s >= 0);
    check("isatty slave", isatty(s));
    check("isatty master", isatty(m));
    struct termios t;
    check("tcgetattr", tcgetattr(s, &t));
    printf("  icanon=%d echo=%d\n", (t.c_lflag & ICANON) != 0, (t.c_lflag & ECHO) != 0);
    cfmakeraw(&t);
    check("tcsetattr", tcsetattr(s, TCSANOW, &t));
    struct termios back;
    tcgetattr(s, &back);
    printf("  raw: icanon=%d echo=%d vmin=%d\n", (back.c_lflag & ICANON) != 0, (back.c_lflag & ECHO) != 0, back.c_cc[VMIN]);
    struct winsize ws = {.ws_row = 33, .ws_col = 120}, got = {0};
    check("TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws));
    check("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &got));
    printf("  %dx%d\n", got.ws_col, got.ws_row);
    write(m, "typed\n", 6);
    struct pollfd pf = {s, POLLIN, 0};
    check("poll slave", poll(&pf, 1, 5000));
    int avail = -1;
    check("FIONREAD", ioctl(s, FIONREAD, &avail));
    printf("  avail=%d\n", avail);
    check("tcflush", tcflush(s, TCIFLUSH));
    check("tcdrain", tcdrain(s));
    check("TIOCGPGRP no ctty", tcgetpgrp(s));
    check("TIOCOUTQ", ioctl(s, TIOCOUTQ, &avail));
    close(s);
    close(m);
}

int main(int argc, char **argv) {
    struct tms t;
    clock_t c = times(&t);
    printf("times: %d\n", c != (clock_t)-1 && t.tms_utime >= 0);
    struct rusage ru;
    check("getrusage", getrusage(RUSAGE_SELF, &ru));
    printf("  maxrss>0=%d\n", ru.ru_maxrss > 0);
    check("getrusage bad", getrusage(5, &ru));
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    printf("getpriority: %d errno=%d\n", prio, errno);
    check("setpriority same", setpriority(PRIO_PROCESS, 0, prio));
    check("sched_getscheduler", sched_getscheduler(0));
    check("sched_get_priority_max FIFO", sched_get_priority_max(SCHED_FIFO));
    check("sched_get_priority_min RR", sched_get_priority_min(SCHED_RR));
    check("sched_get_priority_max bad", sched_get_priority_max(99));
    struct sched_param sp = {.sched_priority = 7};
    check("sched_getparam", sched_getparam(0, &sp));
    printf("  priority=%d\n", sp.sched_priority);
    check("sched_setscheduler other", sched_setscheduler(0, SCHED_OTHER, &sp));
    check("sched_setscheduler FIFO priority 0", sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){.sched_priority = 0}));
    struct timespec ts;
    check("sched_rr_get_interval", sched_rr_get_interval(0, &ts));
    cpu_set_t set;
    check("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    check("sched_setaffinity", sched_setaffinity(0, sizeof set, &set));
    unsigned cpu = 999, node = 999;
    check("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("  cpu in set=%d node=%u\n", CPU_ISSET(cpu, &set), node);

    gid_t groups[256];
    int n = getgroups(256, groups);
    printf("getgroups: count matches=%d\n", n == getgroups(0, NULL));
    if (n > 1) check("getgroups too small", getgroups(n - 1, groups));
    uid_t r, e, s;
    check("getresuid", getresuid(&r, &e, &s));
    printf("  consistent=%d\n", r == getuid() && e == geteuid());
    gid_t rg, eg, sg;
    check("getresgid", getresgid(&rg, &eg, &sg));
    printf("  consistent=%d\n", rg == getgid() && eg == getegid());
    check("setresuid unchanged", setresuid(-1, -1, -1));
    check("setuid self", setuid(getuid()));
    check("setgid self", setgid(getgid()));
    check("setreuid unchanged", setreuid(-1, -1));
    check("setfsuid", syscall(SYS_setfsuid32, -1) == (long)geteuid());
    check("16-bit getuid", syscall(SYS_getuid) == (getuid() > 65535 ? 65534 : (long)getuid()));

    check("PR_SET_NAME", prctl(PR_SET_NAME, "renamed-guest-process"));
    char name[32] = {0};
    check("PR_GET_NAME", prctl(PR_GET_NAME, name));
    printf("  name=%s\n", name);
    int sig = -1;
    check("PR_SET_PDEATHSIG", prctl(PR_SET_PDEATHSIG, 10));
    check("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig));
    printf("  sig=%d\n", sig);
    check("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    check("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    check("personality query", personality(0xffffffff));
    struct {
        unsigned version;
        int pid;
    } caphdr = {0x20080522, 0};  /* _LINUX_CAPABILITY_VERSION_3 */
    unsigned capdata[6] = {0};
    check("capget", syscall(SYS_capget, &caphdr, capdata));
    printf("  permitted includes effective: %d\n", (capdata[1] & capdata[0]) == capdata[0]);
    caphdr.version = 1;
    check("capget bad version", syscall(SYS_capget, &caphdr, NULL));
    printf("  version now %#x\n", caphdr.version);

    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mlock", mlock(p + 10, 5000));
    check("munlock", munlock(p, 4096));
    check("mlockall", mlockall(MCL_CURRENT));
    check("munlockall", munlockall());
    unsigned char vec[3];
    check("mincore", mincore(p, 3 * 4096, vec));
    check("mincore unaligned", mincore(p + 1, 4096, vec));
    check("msync", msync(p, 4096, MS_SYNC));
    check("msync bad flags", msync(p, 4096, MS_SYNC | MS_ASYNC));
    munmap(p + 4096, 4096);
    check("mincore hole", mincore(p, 3 * 4096, vec));

    int fds[2];
    pipe(fds);
    write(fds[1], "abc", 3);
    int avail = 0;
    check("FIONREAD pipe", ioctl(fds[0], FIONREAD, &avail));
    printf("  avail=%d\n", avail);
    int on = 1;
    check("FIONBIO", ioctl(fds[0], FIONBIO, &on));
    check("  nonblocking", (fcntl(fds[0], F_GETFL) & O_NONBLOCK) != 0);
    check("FIOCLEX", ioctl(fds[0], FIOCLEX));
    check("  cloexec", fcntl(fds[0], F_GETFD));
    check("TCGETS pipe", ioctl(fds[0], TCGETS, &(struct termios){0}));
    terminal();
    return 0;
}
