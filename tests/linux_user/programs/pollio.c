/* Pipes and waiting for descriptors: poll, ppoll, select, pselect, epoll (event data round trip), eventfd,
 * timerfd, nonblocking pipes, dup3 and fcntl flags. */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>


int main(int argc, char **argv) {
    int a[2], b[2];
    check("pipe", pipe(a));
    check("pipe2", pipe2(b, O_NONBLOCK | O_CLOEXEC));
    check("F_GETFL nonblock", (fcntl(b[0], F_GETFL) & O_NONBLOCK) != 0);
    check("F_GETFD cloexec", fcntl(b[0], F_GETFD));
    char buf[64];
    check("read empty nonblocking", read(b[0], buf, sizeof buf));

    struct pollfd pfd[4] = {{a[0], POLLIN, 0}, {a[1], POLLOUT, 0}, {b[0], POLLIN, 0}, {-1, POLLIN, 0}};
    check("poll", poll(pfd, 4, 0));
    for (int i = 0; i < 4; i++) printf("  revents[%d]=%#x\n", i, pfd[i].revents);
    write(a[1], "abc", 3);
    check("poll after write", poll(pfd, 4, 100));
    for (int i = 0; i < 4; i++) printf("  revents[%d]=%#x\n", i, pfd[i].revents);
    struct timespec ts = {0, 1000000};
    check("ppoll", ppoll(pfd + 2, 1, &ts, NULL));
    check("ppoll NULL fds", ppoll(NULL, 0, &ts, NULL));
    check("poll timeout", poll(pfd + 2, 1, 5));

    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(a[0], &r);
    FD_SET(b[0], &r);
    FD_SET(b[1], &w);
    struct timeval tv = {1, 0};
    check("select", select(b[1] + 1, &r, &w, NULL, &tv));
    printf("  a readable=%d b readable=%d b writable=%d tv_ok=%d\n", FD_ISSET(a[0], &r), FD_ISSET(b[0], &r),
           FD_ISSET(b[1], &w), tv.tv_sec <= 1);
    FD_ZERO(&r);
    FD_SET(b[0], &r);
    struct timespec pts = {0, 2000000};
    check("pselect timeout", pselect(b[0] + 1, &r, NULL, NULL, &pts, NULL));
    printf("  b readable=%d\n", FD_ISSET(b[0], &r));
    struct timeval bad = {0, 2000000};
    check("select bad timeout", select(1, NULL, NULL, NULL, &bad));
    check("select negative n", select(-1, NULL, NULL, NULL, &tv));

    int ep = epoll_create1(EPOLL_CLOEXEC);
    check("epoll_create1", ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    check("epoll_ctl add a", epoll_ctl(ep, EPOLL_CTL_ADD, a[0], &ev));
    ev.data.u64 = 0xdeadbeefcafef00dULL;
    ev.events = EPOLLIN | EPOLLET;
    check("epoll_ctl add b", epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev));
    check("epoll_ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev));
    struct epoll_event out[4];
    memset(out, 0, sizeof out);
    int n = epoll_wait(ep, out, 4, 100);
    check("epoll_wait", n);
    for (int i = 0; i < n; i++) printf("  events=%#x data=%#llx\n", out[i].events, (unsigned long long)out[i].data.u64);
    write(b[1], "x", 1);
    n = epoll_pwait(ep, out, 4, 100, NULL);
    check("epoll_pwait", n);
    for (int i = 0; i < n; i++) printf("  events=%#x data=%#llx\n", out[i].events, (unsigned long long)out[i].data.u64);
    check("epoll_ctl del", epoll_ctl(ep, EPOLL_CTL_DEL, a[0], NULL));
    check("epoll_wait edge-triggered again", epoll_wait(ep, out, 4, 0));
    check("epoll_wait bad maxevents", epoll_wait(ep, out, 0, 0));
    check("epoll_create 0", epoll_create(0));
    check("epoll_create 1", epoll_create(1) >= 0);

    int e = eventfd(5, EFD_NONBLOCK);
    uint64_t v = 0;
    check("eventfd read", read(e, &v, 8));
    printf("  value=%llu\n", (unsigned long long)v);
    check("eventfd read empty", read(e, &v, 8));
    v = 7;
    check("eventfd write", write(e, &v, 8));
    check("eventfd F_GETFD", fcntl(e, F_GETFD));
    int es = eventfd(3, EFD_SEMAPHORE | EFD_CLOEXEC);
    read(es, &v, 8);
    printf("  semaphore read=%llu\n", (unsigned long long)v);
    check("eventfd F_GETFD cloexec", fcntl(es, F_GETFD));

    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    check("timerfd_create", t >= 0);
    struct itimerspec its = {{0, 0}, {1000, 0}}, old;
    check("timerfd_settime", timerfd_settime(t, 0, &its, &old));
    printf("  old value=%ld.%09ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);
    struct itimerspec cur;
    check("timerfd_gettime", timerfd_gettime(t, &cur));
    printf("  armed=%d\n", cur.it_value.tv_sec <= 1000 && cur.it_value.tv_sec > 0);
    struct itimerspec soon = {{0, 0}, {0, 1000000}};
    check("timerfd_settime again", timerfd_settime(t, 0, &soon, &old));
    printf("  old value was armed=%d\n", old.it_value.tv_sec <= 1000 && old.it_value.tv_sec > 0);
    check("timerfd read", read(t, &v, 8));
    printf("  expirations=%llu\n", (unsigned long long)v);
    struct itimerspec badts = {{0, 0}, {0, 1000000000}};
    check("timerfd_settime bad", timerfd_settime(t, 0, &badts, NULL));

    int in = inotify_init1(IN_NONBLOCK);
    check("inotify_init1", in >= 0);
    int wd = inotify_add_watch(in, ".", IN_CREATE | IN_DELETE);
    check("inotify_add_watch", wd >= 0);
    close(open("watched", O_CREAT | O_WRONLY, 0600));
    unlink("watched");
    char ebuf[512] __attribute__((aligned(8)));
    int got = read(in, ebuf, sizeof ebuf);
    for (int pos = 0; pos < got;) {
        struct inotify_event *ev = (struct inotify_event *)(ebuf + pos);
        printf("  event mask=%#x name=%s\n", ev->mask, ev->len ? ev->name : "");
        pos += sizeof *ev + ev->len;
    }
    check("inotify_rm_watch", inotify_rm_watch(in, wd));
    check("inotify_add_watch missing", inotify_add_watch(in, "missing", IN_CREATE));

    int s1[2], s2[2];
    pipe(s1);
    pipe(s2);
    write(s1[1], "spliced", 7);
    check("tee", tee(s1[0], s2[1], 7, 0));
    int f = open("spliced", O_CREAT | O_RDWR | O_TRUNC, 0600);
    loff_t fo = 3;
    check("splice to file", splice(s1[0], NULL, f, &fo, 7, 0));
    printf("  offset now %lld\n", (long long)fo);
    memset(buf, 0, sizeof buf);
    check("read tee copy", read(s2[0], buf, sizeof buf));
    printf("  %s\n", buf);
    check("pread spliced", pread(f, buf, 10, 3));
    check("nice 0", nice(0) >= 0);

    check("dup3", dup3(a[0], 20, O_CLOEXEC));
    check("dup3 F_GETFD", fcntl(20, F_GETFD));
    check("dup3 same", dup3(20, 20, 0));
    close(a[1]);
    struct pollfd hup = {a[0], POLLIN, 0};
    check("poll hangup", poll(&hup, 1, 0));
    printf("  revents=%#x\n", hup.revents);
    check("read rest", read(a[0], buf, sizeof buf));
    check("read eof", read(a[0], buf, sizeof buf));
    return 0;
}
