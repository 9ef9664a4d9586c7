/* Threads and signals, one case per run: per-thread masks and pending sets, signals aimed at one thread
   (pthread_kill), process-directed signals reaching the one thread that does not block them, host signals
   (alarm) reaching a thread that spins or waits, sigwait in a signal thread, per-thread sigaltstack,
   and how the process ends when a thread dies by a signal or calls exit.  Every line printed is
   deterministic, so the output is compared with qemu-arm's. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t tid(void) { return (pid_t)syscall(SYS_gettid); }

static volatile pid_t main_tid, worker_tid, handler_tid;
static volatile int handled, go, stop;
static volatile uintptr_t handler_sp;

static void on_signal(int sig) {
    int here;
    handler_tid = tid();
    handler_sp = (uintptr_t)&here;
    handled += sig == SIGUSR1 || sig == SIGALRM ? 1 : 100;
}

static void handle(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void block(int how, int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(how, &s, NULL);
}

static const char *who(pid_t t) { return t == main_tid ? "main" : t == worker_tid ? "worker" : "someone else"; }

static void spin_until_handled(void) {
    for (long i = 0; !handled; i++)
        if (i % 1000000 == 999999)
            sched_yield();
}

/* pthread_kill: the handler runs in the thread aimed at, which spins in a (compiled) loop */
static void *spinner(void *arg) {
    (void)arg;
    worker_tid = tid();
    go = 1;
    spin_until_handled();
    return NULL;
}

static void t_tkill(void) {
    pthread_t t;
    handle(SIGUSR1, 0);
    pthread_create(&t, NULL, spinner, NULL);
    while (!go)
        sched_yield();
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    printf("tkill: handled %d in %s\n", handled, who(handler_tid));
}

/* kill(getpid()) from a thread that blocks the signal: delivered to main, which waits in pthread_join */
static void *blocker(void *arg) {
    (void)arg;
    worker_tid = tid();
    block(SIG_BLOCK, SIGUSR1);
    kill(getpid(), SIGUSR1);
    spin_until_handled();
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    printf("worker blocks SIGUSR1: %d\n", sigismember(&now, SIGUSR1));
    return NULL;
}

static void t_to_main(void) {
    pthread_t t;
    handle(SIGUSR1, SA_RESTART);
    pthread_create(&t, NULL, blocker, NULL);
    pthread_join(t, NULL);
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    printf("to_main: handled %d in %s; main blocks SIGUSR1: %d\n", handled, who(handler_tid),
           sigismember(&now, SIGUSR1));
}

/* main blocks the signal (the worker inherits the mask and unblocks it): kill(getpid()) reaches the
   worker, which spins */
static void *unblocker(void *arg) {
    (void)arg;
    worker_tid = tid();
    block(SIG_UNBLOCK, SIGUSR1);
    go = 1;
    spin_until_handled();
    return NULL;
}

static void t_to_worker(void) {
    pthread_t t;
    handle(SIGUSR1, 0);
    block(SIG_BLOCK, SIGUSR1);
    pthread_create(&t, NULL, unblocker, NULL);
    while (!go)
        sched_yield();
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    printf("to_worker: handled %d in %s\n", handled, who(handler_tid));
}

/* sigpending: a thread-directed signal is pending only in its thread, a process-directed one in all */
static void *pending_reader(void *arg) {
    sigset_t p;
    sigpending(&p);
    printf("%s: worker sees SIGUSR1 %d SIGUSR2 %d\n", (char *)arg, sigismember(&p, SIGUSR1),
           sigismember(&p, SIGUSR2));
    return NULL;
}

static void t_pending(void) {
    pthread_t t;
    sigset_t s, p;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    handle(SIGUSR1, 0);
    handle(SIGUSR2, 0);
    pthread_kill(pthread_self(), SIGUSR1);
    pthread_create(&t, NULL, pending_reader, "thread-directed");
    pthread_join(t, NULL);
    kill(getpid(), SIGUSR2);
    pthread_create(&t, NULL, pending_reader, "process-directed");
    pthread_join(t, NULL);
    sigpending(&p);
    printf("main sees SIGUSR1 %d SIGUSR2 %d\n", sigismember(&p, SIGUSR1), sigismember(&p, SIGUSR2));
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("after unblocking: handled %d\n", handled);
}

/* a host signal (alarm) while main waits in pthread_join with SIGALRM blocked: the spinning worker,
   which does not block it, runs the handler */
static void *alarm_spinner(void *arg) {
    (void)arg;
    worker_tid = tid();
    block(SIG_UNBLOCK, SIGALRM);
    go = 1;
    spin_until_handled();
    return NULL;
}

static void t_alarm_worker(void) {
    pthread_t t;
    handle(SIGALRM, 0);
    block(SIG_BLOCK, SIGALRM);
    pthread_create(&t, NULL, alarm_spinner, NULL);
    while (!go)
        sched_yield();
    alarm(1);
    pthread_join(t, NULL);
    printf("alarm_worker: handled %d in %s\n", handled, who(handler_tid));
}

/* a host signal for main while it waits in pthread_join and a worker spins on the flag the handler sets */
static void *flag_spinner(void *arg) {
    (void)arg;
    block(SIG_BLOCK, SIGALRM);
    worker_tid = tid();
    spin_until_handled();
    return NULL;
}

static void t_alarm_main(void) {
    pthread_t t;
    handle(SIGALRM, SA_RESTART);
    pthread_create(&t, NULL, flag_spinner, NULL);
    alarm(1);
    pthread_join(t, NULL);
    printf("alarm_main: handled %d in %s\n", handled, who(handler_tid));
}

/* a thread waiting on a condition variable (futex) runs a handler for pthread_kill, then waits on */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

static void *cond_waiter(void *arg) {
    (void)arg;
    worker_tid = tid();
    pthread_mutex_lock(&m);
    go = 1;
    while (!ready)
        pthread_cond_wait(&cv, &m);
    pthread_mutex_unlock(&m);
    printf("cond_waiter: woken with handled %d\n", handled);
    return NULL;
}

static void t_futex(void) {
    pthread_t t;
    handle(SIGUSR1, SA_RESTART);
    pthread_create(&t, NULL, cond_waiter, NULL);
    while (!go)
        sched_yield();
    pthread_mutex_lock(&m); /* the waiter is in pthread_cond_wait now */
    pthread_mutex_unlock(&m);
    pthread_kill(t, SIGUSR1);
    while (!handled)
        sched_yield();
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    printf("futex: handled %d in %s\n", handled, who(handler_tid));
}

/* a signal thread: everybody blocks SIGUSR1/SIGUSR2, one thread takes them with sigwait */
static void *sig_thread(void *arg) {
    sigset_t *s = arg;
    int got[2];
    worker_tid = tid();
    go = 1;
    for (int i = 0; i < 2; i++)
        sigwait(s, &got[i]);
    printf("sigwait: got %s then %s\n", got[0] == SIGUSR1 ? "SIGUSR1" : "?", got[1] == SIGUSR2 ? "SIGUSR2" : "?");
    return NULL;
}

static void t_sigwait(void) {
    pthread_t t;
    static sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_create(&t, NULL, sig_thread, &s);
    while (!go)
        sched_yield();
    usleep(20000);
    kill(getpid(), SIGUSR1);
    usleep(20000);
    pthread_kill(t, SIGUSR2);
    pthread_join(t, NULL);
}

/* sigsuspend in a thread, woken by pthread_kill */
static void *suspender(void *arg) {
    (void)arg;
    sigset_t none;
    sigemptyset(&none);
    worker_tid = tid();
    go = 1;
    int r = sigsuspend(&none);
    printf("sigsuspend: %d %s, handled %d\n", r, r == -1 && errno == EINTR ? "EINTR" : "?", handled);
    return NULL;
}

static void t_suspend(void) {
    pthread_t t;
    handle(SIGUSR1, 0);
    block(SIG_BLOCK, SIGUSR1);
    pthread_create(&t, NULL, suspender, NULL);
    while (!go)
        sched_yield();
    usleep(20000);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    printf("suspend: in %s\n", who(handler_tid));
}

/* sigaltstack is per thread: a new thread starts without one; each handler runs on its thread's stack */
static char main_alt[65536], worker_alt[65536];

static int on(const char *alt) { return handler_sp > (uintptr_t)alt && handler_sp <= (uintptr_t)alt + 65536; }

static void *alt_worker(void *arg) {
    (void)arg;
    stack_t ss, old;
    sigaltstack(NULL, &old);
    printf("worker starts with altstack disabled: %d\n", !!(old.ss_flags & SS_DISABLE));
    ss.ss_sp = worker_alt;
    ss.ss_size = sizeof worker_alt;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    raise(SIGUSR1);
    printf("worker handler on worker's altstack %d, main's %d\n", on(worker_alt), on(main_alt));
    return NULL;
}

static void t_altstack(void) {
    pthread_t t;
    stack_t ss;
    ss.ss_sp = main_alt;
    ss.ss_size = sizeof main_alt;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    handle(SIGUSR1, SA_ONSTACK);
    pthread_create(&t, NULL, alt_worker, NULL);
    pthread_join(t, NULL);
    raise(SIGUSR1);
    printf("main handler on main's altstack %d, worker's %d\n", on(main_alt), on(worker_alt));
}

/* nanosleep cut short by pthread_kill, in a thread and then in main (while a thread exists) */
static pthread_t main_thread;

static int nap(void) {
    struct timespec req = {5, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    return r == -1 && errno == EINTR && rem.tv_sec >= 3 && rem.tv_sec < 5;
}

static void *sleeper(void *arg) {
    (void)arg;
    worker_tid = tid();
    go = 1;
    printf("worker's nanosleep interrupted: %d\n", nap());
    usleep(50000);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}

static void t_sleep(void) {
    pthread_t t;
    handle(SIGUSR1, SA_RESTART);
    main_thread = pthread_self();
    pthread_create(&t, NULL, sleeper, NULL);
    while (!go)
        sched_yield();
    usleep(50000);
    pthread_kill(t, SIGUSR1);
    printf("main's nanosleep interrupted: %d\n", nap());
    pthread_join(t, NULL);
    printf("sleep: handled %d\n", handled);
}

/* a thread forks: the child (one thread, the forking one) takes signals from its parent */
static void *forker(void *arg) {
    (void)arg;
    int fds[2];
    pipe(fds);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        block(SIG_BLOCK, SIGUSR1);
        write(fds[1], "r", 1);
        sigsuspend(&none);
        _exit(handled == 1 ? 7 : 8);
    }
    char c;
    read(fds[0], &c, 1);
    kill(pid, SIGUSR1);
    int status;
    waitpid(pid, &status, 0);
    printf("fork: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return NULL;
}

static void t_fork(void) {
    pthread_t t;
    handle(SIGUSR1, 0);
    pthread_create(&t, NULL, forker, NULL);
    pthread_join(t, NULL);
}

/* how the process ends */
static void *dies_by_signal(void *arg) {
    (void)arg;
    raise(SIGTERM);
    return NULL;
}

static void *faults(void *arg) {
    return (void *)(long)*(volatile int *)arg;
}

static void *exits(void *arg) {
    (void)arg;
    exit(3);
}

static int pipefd[2];

static void *reads(void *arg) {
    char c;
    (void)arg;
    go = 1;
    return (void *)(long)read(pipefd[0], &c, 1);
}

static void t_end(void *(*fn)(void *)) {
    pthread_t t;
    pthread_create(&t, NULL, fn, NULL);
    pthread_join(t, NULL);
    printf("not reached\n");
}

static void t_term(void) { t_end(dies_by_signal); }
static void t_segv(void) { t_end(faults); }
static void t_exit(void) { t_end(exits); }

/* main returns while a thread is blocked in read and another in a futex wait */
static void t_leave(void) {
    pthread_t t, u;
    pipe(pipefd);
    pthread_create(&t, NULL, reads, NULL);
    pthread_mutex_lock(&m);
    pthread_create(&u, NULL, cond_waiter, NULL);
    pthread_mutex_unlock(&m);
    while (!go)
        sched_yield();
    usleep(20000);
    printf("leaving with blocked threads\n");
    exit(5);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    main_tid = tid();
    const char *t = argc > 1 ? argv[1] : "";
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {{"tkill", t_tkill},         {"to_main", t_to_main},       {"to_worker", t_to_worker},
                 {"pending", t_pending},     {"alarm_worker", t_alarm_worker}, {"alarm_main", t_alarm_main},
                 {"futex", t_futex},         {"sigwait", t_sigwait},       {"suspend", t_suspend},
                 {"altstack", t_altstack},   {"term", t_term},             {"segv", t_segv},
                 {"exit", t_exit},           {"leave", t_leave},           {"fork", t_fork},
                 {"sleep", t_sleep}};
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(t, cases[i].name)) {
            cases[i].fn();
            return 0;
        }
    fprintf(stderr, "unknown case %s\n", t);
    return 2;
}
