/* Processes: fork, vfork, clone, wait4/waitid, exit statuses and signals of children, process groups,
   execve/execveat of ARM programs, #! scripts and host programs, and the errors of a failed exec.
   Usage: procs DIR (a scratch directory); the program re-executes itself as "procs child ..." */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char self[4096];
static const char *dir;

static const char *base(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void show_status(const char *what, int st) {
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %d\n", what, WTERMSIG(st));
    else
        printf("%s: status %#x\n", what, st);
}

static int child_mode(int argc, char **argv) {
    if (strcmp(argv[1], "child-signals") == 0) { /* ignored signals and the mask survive execve */
        sigset_t set;
        struct sigaction sa;
        sigprocmask(SIG_BLOCK, NULL, &set);
        sigaction(SIGUSR1, NULL, &sa);
        printf("signals: usr2 blocked=%d usr1 ignored=%d\n", sigismember(&set, SIGUSR2), sa.sa_handler == SIG_IGN);
        raise(SIGUSR1);
        printf("signals: survived an ignored SIGUSR1\n");
        return 0;
    }
    /* argv: argv0 "child" ... : show what the new image was given */
    printf("child: argc=%d argv0=%s", argc, base(argv[0]));
    for (int i = 2; i < argc; i++) printf(" [%s]", base(argv[i]));
    const char *v = getenv("PROCS_VAR");
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    printf(" PROCS_VAR=%s exe=%s\n", v ? v : "(unset)", base(exe));
    return argc;
}

static void run_and_wait(const char *what, char *const argv[], char *const envp[]) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, envp);
        printf("%s: execve failed: %s\n", what, strerror(errno));
        fflush(stdout);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    show_status(what, st);
}

static void exec_error(const char *what, const char *path) {
    char *argv[] = {(char *)path, NULL};
    errno = 0;
    int r = execve(path, argv, environ);
    printf("%s: execve=%d errno=%s\n", what, r, strerrorname_np(errno));
}

static void write_file(const char *name, const char *text, int mode) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    write(fd, text, strlen(text));
    close(fd);
    chmod(path, mode);
}

static char *in_dir(const char *name) {
    static char bufs[8][4200];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void test_fork_wait(void) {
    int st;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(42);
    struct rusage ru;
    pid_t got = wait4(pid, &st, 0, &ru);
    printf("fork: wait4 same pid=%d ", got == pid);
    show_status("fork", st);
    static const int sigs[] = {SIGTERM, SIGKILL, SIGSEGV, SIGABRT, SIGUSR1};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            if (sigs[i] == SIGSEGV) *(volatile int *)8 = 1;
            raise(sigs[i]);
            _exit(1);
        }
        waitpid(pid, &st, 0);
        show_status("signal", st);
    }
    /* a child blocked in read, killed by its parent */
    int fds[2];
    pipe(fds);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(fds[1]);
        read(fds[0], &c, 1);
        _exit(3);
    }
    close(fds[0]);
    printf("wnohang: %d\n", waitpid(pid, &st, WNOHANG));
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    show_status("killed", st);
    close(fds[1]);
    errno = 0;
    printf("no children: %d %s\n", wait(&st), strerrorname_np(errno));
}

static void test_pipe_between(void) {
    int fds[2];
    pipe(fds);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < 1000; i++) dprintf(fds[1], "%d,", i);
        _exit(0);
    }
    close(fds[1]);
    char buf[8192];
    long total = 0, n, sum = 0;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) {
        total += n;
        for (long i = 0; i < n; i++) sum += buf[i];
    }
    close(fds[0]);
    waitpid(pid, NULL, 0);
    printf("pipe: %ld bytes, sum %ld\n", total, sum);
}

static void test_vfork_clone(void) {
    int st;
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0) _exit(5);
    waitpid(pid, &st, 0);
    show_status("vfork", st);

    pid_t ptid = 0, ctid = 0;
    fflush(stdout);
    long r = syscall(SYS_clone, SIGCHLD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID, 0, &ptid, 0, &ctid);
    if (r == 0) {
        printf("clone child: ctid is me=%d ptid=%d\n", ctid == getpid(), ptid);
        fflush(stdout);
        _exit(6);
    }
    waitpid(r, &st, 0);
    printf("clone parent: ptid is child=%d ctid=%d\n", ptid == r, ctid);
    show_status("clone", st);

    siginfo_t si;
    fflush(stdout);
    pid = fork();
    if (pid == 0) _exit(9);
    memset(&si, 0x55, sizeof si);
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    printf("waitid nowait: signo=%d code=%d pid ok=%d status=%d\n", si.si_signo, si.si_code, si.si_pid == pid,
           si.si_status);
    memset(&si, 0x55, sizeof si);
    waitid(P_ALL, 0, &si, WEXITED);
    printf("waitid: signo=%d code=%d pid ok=%d status=%d\n", si.si_signo, si.si_code, si.si_pid == pid, si.si_status);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    memset(&si, 0x55, sizeof si);
    int w = waitid(P_PID, pid, &si, WEXITED | WNOHANG);
    printf("waitid wnohang: %d signo=%d pid=%d\n", w, si.si_signo, si.si_pid);
    kill(pid, SIGKILL);
    waitid(P_PID, pid, &si, WEXITED);
    printf("waitid killed: code=%d status=%d\n", si.si_code, si.si_status);
    errno = 0;
    printf("waitid bad options: %d %s\n", waitid(P_ALL, 0, &si, 0), strerrorname_np(errno));
}

static void test_groups(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pid_t me = getpid();
        pid_t s = setsid();
        printf("setsid: is me=%d getsid=%d getpgrp=%d getpgid=%d\n", s == me, getsid(0) == me, getpgrp() == me,
               getpgid(0) == me);
        errno = 0;
        printf("setsid again: %d %s\n", setsid(), strerrorname_np(errno));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    printf("setpgid: %d pgid is child=%d\n", setpgid(pid, pid), getpgid(pid) == pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_exec(void) {
    char *env[] = {"PROCS_VAR=given", NULL};
    char *args[] = {self, "child", "one", "two", NULL};
    run_and_wait("exec self", args, env);
    char *renamed[] = {"other-name", "child", NULL};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execve(self, renamed, environ);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    show_status("argv0", st);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        sigprocmask(SIG_BLOCK, &set, NULL);
        signal(SIGUSR1, SIG_IGN);
        char *sargs[] = {self, "child-signals", NULL};
        execve(self, sargs, environ);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    show_status("exec keeps signals", st);

    char script[4400];
    snprintf(script, sizeof script, "#!%s child\necho not reached\n", self);
    write_file("arm-script", script, 0755);
    char *sargs[] = {in_dir("arm-script"), "x", "y", NULL};
    run_and_wait("arm script", sargs, env);
    snprintf(script, sizeof script, "#! %s   child  spaced arg  \t\n", self);
    write_file("spaced-script", script, 0755);
    char *sp[] = {in_dir("spaced-script"), NULL};
    run_and_wait("spaced script", sp, env);
    write_file("sh-script", "#!/bin/sh\necho from sh: $# \"$1\" \"$PROCS_VAR\"\nexit 4\n", 0755);
    char *shargs[] = {in_dir("sh-script"), "arg one", NULL};
    run_and_wait("sh script", shargs, env);
    /* chains of scripts: each the interpreter of the next, /bin/sh at the end */
    write_file("chain0", "#!/bin/sh\necho chain end\n", 0755);
    for (int i = 1; i <= 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "chain%d", i);
        snprintf(script, sizeof script, "#!%s/chain%d\n", dir, i - 1);
        write_file(name, script, 0755);
    }
    char *c4[] = {in_dir("chain4"), NULL}, *c5[] = {in_dir("chain5"), NULL}, *c6[] = {in_dir("chain6"), NULL};
    run_and_wait("chain4", c4, env);
    run_and_wait("chain5", c5, env);
    run_and_wait("chain6", c6, env);
    char *echo[] = {"/bin/echo", "host", "echo", NULL};
    run_and_wait("host program", echo, env);

    write_file("not-exec", "#!/bin/sh\n", 0644);
    write_file("junk", "this is not a program\n", 0755);
    write_file("empty", "", 0755);
    write_file("bad-interp", "#!/no/such/interpreter\n", 0755);
    write_file("no-interp", "#!   \n", 0755);
    exec_error("missing", in_dir("missing"));
    exec_error("not executable", in_dir("not-exec"));
    exec_error("junk", in_dir("junk"));
    exec_error("empty", in_dir("empty"));
    exec_error("directory", dir);
    exec_error("not a directory", in_dir("junk/x"));
    exec_error("bad interpreter", in_dir("bad-interp"));
    exec_error("no interpreter", in_dir("no-interp"));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strncmp(argv[1], "child", 5) == 0) return child_mode(argc, argv);
    if (argc < 2) return 2;
    dir = argv[1];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    test_fork_wait();
    test_pipe_between();
    test_vfork_clone();
    test_groups();
    test_exec();
    return 0;
}
