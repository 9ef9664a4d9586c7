/* Sockets within one process, in a scratch directory (argv[1]): an AF_UNIX socketpair passing a descriptor
 * (SCM_RIGHTS) and credentials, a named AF_UNIX stream server, a loopback TCP client and server driven
 * with nonblocking sockets and poll, UDP with addresses, socket options and shutdown. */
#define _GNU_SOURCE
#include "check.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>


static void pass_descriptor(void) {
    int sv[2], pipefd[2];
    check("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pipe(pipefd);
    write(pipefd[1], "via a passed fd", 15);
    char data = 'D';
    struct iovec iov = {&data, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pipefd[0], sizeof(int));
    check("sendmsg SCM_RIGHTS", sendmsg(sv[0], &m, 0));
    close(pipefd[0]);

    char got = 0;
    struct iovec riov = {&got, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
    } rctl;
    struct msghdr r = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rctl.buf, .msg_controllen = sizeof rctl.buf};
    check("recvmsg", recvmsg(sv[1], &r, MSG_CMSG_CLOEXEC));
    printf("  data=%c flags=%#x controllen=%u\n", got, r.msg_flags, (unsigned)r.msg_controllen);
    for (struct cmsghdr *rc = CMSG_FIRSTHDR(&r); rc; rc = CMSG_NXTHDR(&r, rc)) {
        printf("  cmsg level=%d type=%d len=%u\n", rc->cmsg_level, rc->cmsg_type, (unsigned)rc->cmsg_len);
        if (rc->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(rc), sizeof fd);
            char buf[32] = {0};
            printf("  passed fd reads: %.*s (cloexec=%d)\n", (int)read(fd, buf, sizeof buf), buf, fcntl(fd, F_GETFD));
        }
    }

    int on = 1;
    check("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    check("send", send(sv[0], "xy", 2, 0));
    r.msg_controllen = sizeof rctl.buf;
    char two[2];
    struct iovec tv[2] = {{&two[0], 1}, {&two[1], 1}};
    r.msg_iov = tv;
    r.msg_iovlen = 2;
    check("recvmsg credentials", recvmsg(sv[1], &r, 0));
    printf("  data=%.2s\n", two);
    for (struct cmsghdr *rc = CMSG_FIRSTHDR(&r); rc; rc = CMSG_NXTHDR(&r, rc)) {
        struct ucred cred;
        memcpy(&cred, CMSG_DATA(rc), sizeof cred);
        printf("  cmsg type=%d len=%u pid ok=%d uid ok=%d\n", rc->cmsg_type, (unsigned)rc->cmsg_len, cred.pid == getpid(),
               cred.uid == getuid());
    }
    struct ucred peer;
    socklen_t len = sizeof peer;
    check("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &peer, &len));
    printf("  len=%u pid ok=%d\n", (unsigned)len, peer.pid == getpid());
    check("shutdown", shutdown(sv[0], SHUT_WR));
    char buf[8];
    check("recv after shutdown", recv(sv[1], buf, sizeof buf, 0));
    check("send after shutdown", send(sv[0], "z", 1, MSG_NOSIGNAL));
    close(sv[0]);
    close(sv[1]);
}

static void unix_server(void) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "sock");
    check("bind unix", bind(s, (struct sockaddr *)&a, sizeof a));
    check("bind again", bind(s, (struct sockaddr *)&a, sizeof a));
    check("listen", listen(s, 4));
    check("accept nothing yet", accept(s, NULL, NULL));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("connect unix", connect(c, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_un peer;
    socklen_t len = sizeof peer;
    int conn = accept4(s, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    check("accept4", conn >= 0);
    printf("  peer len=%u family=%d cloexec=%d\n", (unsigned)len, peer.sun_family, fcntl(conn, F_GETFD));
    len = sizeof peer;
    check("getpeername", getpeername(c, (struct sockaddr *)&peer, &len));
    printf("  len=%u path=%s\n", (unsigned)len, peer.sun_path);
    len = 4;
    check("getsockname short", getsockname(s, (struct sockaddr *)&peer, &len));
    printf("  len=%u\n", (unsigned)len);
    write(c, "hello unix", 10);
    char buf[32] = {0};
    check("read", read(conn, buf, sizeof buf));
    printf("  %s\n", buf);
    close(c);
    close(conn);
    close(s);
    unlink("sock");
}

static void tcp(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    check("SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    check("bind tcp", bind(s, (struct sockaddr *)&a, sizeof a));
    socklen_t len = sizeof a;
    check("getsockname", getsockname(s, (struct sockaddr *)&a, &len));
    printf("  len=%u family=%d addr=%s port set=%d\n", (unsigned)len, a.sin_family, inet_ntoa(a.sin_addr), a.sin_port != 0);
    check("listen", listen(s, 1));
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("connect nonblocking: %s\n", r == 0 ? "connected" : errno == EINPROGRESS ? "in progress" : strerrorname_np(errno));
    struct pollfd pf = {s, POLLIN, 0};
    check("poll listener", poll(&pf, 1, 5000));
    int conn = accept(s, NULL, NULL);
    check("accept", conn >= 0);
    pf = (struct pollfd){c, POLLOUT, 0};
    check("poll client", poll(&pf, 1, 5000));
    int err = -1;
    len = sizeof err;
    check("SO_ERROR", getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
    printf("  err=%d len=%u\n", err, (unsigned)len);
    check("TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));
    int v = 0;
    len = sizeof v;
    check("get TCP_NODELAY", getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len));
    printf("  nodelay=%d\n", v != 0);
    check("get SO_TYPE", getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &len));
    printf("  type=%d\n", v);
    struct timeval tv = {2, 500000}, got = {0, 0};
    check("SO_RCVTIMEO", setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    len = sizeof got;
    check("get SO_RCVTIMEO", getsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
    printf("  timeout=%ld.%06ld len=%u\n", (long)got.tv_sec, (long)got.tv_usec, (unsigned)len);
    struct timeval shortt = {0, 20000};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &shortt, sizeof shortt);
    char buf[64] = {0};
    check("recv times out", recv(conn, buf, sizeof buf, 0));
    check("send", send(c, "over tcp", 8, 0));
    pf = (struct pollfd){conn, POLLIN, 0};
    poll(&pf, 1, 5000);
    check("recv peek", recv(conn, buf, 4, MSG_PEEK));
    check("recv", recv(conn, buf, sizeof buf, MSG_DONTWAIT));
    printf("  %s\n", buf);
    struct linger lg = {1, 0};
    check("SO_LINGER", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    check("close client", close(c));
    poll(&pf, 1, 5000);
    check("recv after reset", recv(conn, buf, sizeof buf, 0));
    close(conn);
    close(s);
}

static void udp(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, sb = sa;
    bind(a, (struct sockaddr *)&sa, sizeof sa);
    bind(b, (struct sockaddr *)&sb, sizeof sb);
    socklen_t len = sizeof sa;
    getsockname(a, (struct sockaddr *)&sa, &len);
    getsockname(b, (struct sockaddr *)&sb, &len);
    check("sendto", sendto(a, "datagram", 8, 0, (struct sockaddr *)&sb, sizeof sb));
    char buf[32] = {0};
    struct sockaddr_in from;
    len = sizeof from;
    check("recvfrom", recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &len));
    printf("  %s from the sender=%d len=%u\n", buf, from.sin_port == sa.sin_port, (unsigned)len);
    check("sendto truncated", sendto(a, "0123456789", 10, 0, (struct sockaddr *)&sb, sizeof sb));
    char small[4];
    struct iovec iov = {small, 4};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    check("recvmsg truncated", recvmsg(b, &m, 0));
    printf("  flags=%#x namelen=%u %.4s\n", m.msg_flags, (unsigned)m.msg_namelen, small);
    check("recvfrom nothing", recvfrom(b, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL));
    struct iovec mv[3] = {{"one", 3}, {"two!", 4}, {"three", 5}};
    struct mmsghdr mm[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &mv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &sb;
        mm[i].msg_hdr.msg_namelen = sizeof sb;
    }
    check("sendmmsg", sendmmsg(a, mm, 3, 0));
    printf("  lengths %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    char r1[8] = {0}, r2[8] = {0}, r3[8] = {0}, r4[8] = {0};
    struct iovec rv[4] = {{r1, 8}, {r2, 8}, {r3, 8}, {r4, 8}};
    struct mmsghdr rm[4];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) {
        rm[i].msg_hdr.msg_iov = &rv[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    check("recvmmsg", recvmmsg(b, rm, 4, MSG_WAITFORONE, NULL));
    printf("  %s(%u) %s(%u) %s(%u)\n", r1, rm[0].msg_len, r2, rm[1].msg_len, r3, rm[2].msg_len);
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int r = bind(s6, (struct sockaddr *)&a6, sizeof a6);
    printf("ipv6 bind: %s\n", r == 0 ? "ok" : strerrorname_np(errno));
    check("bad family", socket(12345, SOCK_STREAM, 0));
    check("connect bad fd", connect(99, (struct sockaddr *)&sa, sizeof sa));
    check("bind short address", bind(a, (struct sockaddr *)&sa, 2));
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) return 2;
    pass_descriptor();
    unix_server();
    tcp();
    udp();
    return 0;
}
