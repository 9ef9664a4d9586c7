/* Guest signal handlers: frames, masks, sigreturn, synchronous signals, waits and timers.
   `signals NAME` runs one case; each prints what it observed (no addresses: they differ between
   emulators), so the output can be compared with qemu-arm. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, depth, max_depth;
static volatile int last_code, last_pid_ok, blocked_inside;

static int is_blocked(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static void on_info(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
    blocked_inside = is_blocked(sig);
}

static void on_plain(int sig) {
    hits++;
    last_sig = sig;
    blocked_inside = is_blocked(sig);
}

static void set(int sig, void *fn, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = flags;
    if (flags & SA_SIGINFO)
        sa.sa_sigaction = fn;
    else
        sa.sa_handler = fn;
    if (sigaction(sig, &sa, NULL))
        perror("sigaction");
}

static void report(const char *what) {
    printf("%s: hits=%d sig=%d code=%d pid_ok=%d blocked_inside=%d\n", what, (int)hits, (int)last_sig, last_code,
           last_pid_ok, blocked_inside);
}

static void t_basic(void) {
    set(SIGUSR1, on_info, SA_SIGINFO);
    raise(SIGUSR1);
    report("raise siginfo");
    kill(getpid(), SIGUSR1);
    report("kill siginfo");
    set(SIGUSR2, on_plain, 0);
    raise(SIGUSR2);
    report("raise plain");
    union sigval v = {.sival_int = 1234};
    sigqueue(getpid(), SIGUSR1, v);
    report("sigqueue");
    set(SIGRTMIN + 3, on_info, SA_SIGINFO);
    raise(SIGRTMIN + 3);
    report("rt signal");
}

static void t_mask(void) {
    sigset_t s, pend;
    set(SIGUSR1, on_plain, 0);
    set(SIGUSR2, on_plain, 0);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR2);
    raise(SIGUSR1);
    raise(SIGUSR1); /* a standard signal is pending once */
    sigpending(&pend);
    printf("pending usr1=%d usr2=%d int=%d hits=%d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2),
           sigismember(&pend, SIGINT), (int)hits);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("after unblock hits=%d last=%d\n", (int)hits, (int)last_sig); /* lowest number first */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored hits=%d\n", (int)hits);
    /* the handler's sa_mask is blocked while it runs */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_plain;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("after sa_mask: int blocked now=%d usr2 blocked inside=%d\n", is_blocked(SIGINT), blocked_inside);
}

static void on_nested(int sig) {
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    hits++;
    if (hits < 3)
        raise(sig);
    depth--;
}

static void t_flags(void) {
    set(SIGUSR1, on_nested, SA_NODEFER);
    raise(SIGUSR1);
    printf("nodefer hits=%d max_depth=%d\n", (int)hits, (int)max_depth);
    hits = max_depth = 0;
    set(SIGUSR1, on_nested, 0);
    raise(SIGUSR1);
    printf("defer hits=%d max_depth=%d\n", (int)hits, (int)max_depth);
    hits = 0;
    set(SIGUSR2, on_plain, SA_RESETHAND);
    raise(SIGUSR2);
    struct sigaction old;
    sigaction(SIGUSR2, NULL, &old);
    printf("resethand hits=%d now default=%d blocked_inside=%d\n", (int)hits, old.sa_handler == SIG_DFL,
           blocked_inside);
}

static char altstack[65536] __attribute__((aligned(16)));
static volatile int on_alt, alt_flags;

static void on_altstack(int sig) {
    (void)sig;
    char here;
    stack_t cur;
    on_alt = &here >= altstack && &here < altstack + sizeof altstack;
    sigaltstack(NULL, &cur);
    alt_flags = cur.ss_flags;
}

static void t_altstack(void) {
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0}, old;
    printf("set=%d\n", sigaltstack(&ss, &old));
    printf("old flags=%d\n", old.ss_flags);
    set(SIGUSR1, on_altstack, SA_ONSTACK);
    raise(SIGUSR1);
    printf("onstack: on_alt=%d flags=%d\n", on_alt, alt_flags);
    set(SIGUSR1, on_altstack, 0);
    raise(SIGUSR1);
    printf("no SA_ONSTACK: on_alt=%d flags=%d\n", on_alt, alt_flags);
    ss.ss_size = 100;
    errno = 0;
    printf("small: %d errno=%d\n", sigaltstack(&ss, NULL), errno);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    sigaltstack(NULL, &old);
    printf("disabled flags=%d\n", old.ss_flags);
}

static sigjmp_buf jb;
static volatile uintptr_t fault_addr;
static volatile int fault_code;

static void on_segv_jump(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, sig);
}

static char *page;

static void on_segv_fix(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)ctx;
    hits++;
    fault_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr - (uintptr_t)page;
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

static void t_segv(void) {
    set(SIGSEGV, on_segv_jump, SA_SIGINFO);
    for (int i = 0; i < 3; i++) {
        int r = sigsetjmp(jb, 1);
        if (r == 0) {
            *(volatile int *)(uintptr_t)(0x100 + 4 * i) = 1;
            printf("not reached\n");
        } else {
            printf("longjmp %d: sig=%d addr=%#lx code=%d segv blocked=%d\n", i, r, (unsigned long)fault_addr,
                   fault_code, is_blocked(SIGSEGV));
        }
    }
    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    set(SIGSEGV, on_segv_fix, SA_SIGINFO);
    *(volatile char *)(page + 100) = 7; /* faults, the handler makes the page writable, the store runs again */
    printf("fixed: hits=%d value=%d offset=%lu code=%d\n", (int)hits, page[100], (unsigned long)fault_addr,
           fault_code);
}

/* SIGILL / SIGTRAP: the handler steps over the trapping instruction through the ucontext */
static volatile uintptr_t trap_pc;

static void on_trap(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    trap_pc = uc->uc_mcontext.arm_pc;
    last_pid_ok = (uintptr_t)si->si_addr == uc->uc_mcontext.arm_pc; /* si_addr is the instruction */
    uc->uc_mcontext.arm_pc += (uc->uc_mcontext.arm_cpsr & 0x20) ? 2 : 4;
    uc->uc_mcontext.arm_r4 = 99;
}

static volatile int timer_value;

static void on_timer(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    last_sig = sig;
    last_code = si->si_code;
    timer_value = si->si_value.sival_int;
}

static void t_traps(void) {
    set(SIGILL, on_trap, SA_SIGINFO);
    set(SIGTRAP, on_trap, SA_SIGINFO);
    int r4;
#ifdef __thumb__
    __asm__ volatile("mov r4, #42\n\t.inst.n 0xde00\n\tmov %0, r4" : "=r"(r4) : : "r4");
#else
    __asm__ volatile("mov r4, #42\n\t.inst 0xe7f000f0\n\tmov %0, r4" : "=r"(r4) : : "r4");
#endif
    printf("udf: hits=%d sig=%d code=%d addr_is_pc=%d r4=%d\n", (int)hits, (int)last_sig, last_code, last_pid_ok,
           r4);
    __asm__ volatile("mov r4, #42\n\tbkpt #0\n\tmov %0, r4" : "=r"(r4) : : "r4");
    printf("bkpt: hits=%d sig=%d code=%d addr_is_pc=%d r4=%d\n", (int)hits, (int)last_sig, last_code, last_pid_ok,
           r4);
}

/* the saved registers: the handler sees and changes r0-r12 and the flags */
static volatile unsigned seen_regs[13], seen_cpsr;

static void on_regs(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    const unsigned long *r = &uc->uc_mcontext.arm_r0;
    for (int i = 0; i < 11; i++)
        seen_regs[i] = r[i];
    seen_regs[11] = uc->uc_mcontext.arm_fp;
    seen_regs[12] = uc->uc_mcontext.arm_ip;
    seen_cpsr = uc->uc_mcontext.arm_cpsr;
    uc->uc_mcontext.arm_r5 = 0x5555;
    uc->uc_mcontext.arm_cpsr ^= 0xf0000000; /* flip NZCV */
    uc->uc_mcontext.arm_pc += (uc->uc_mcontext.arm_cpsr & 0x20) ? 2 : 4;
}

static void t_ucontext(void) {
    set(SIGILL, on_regs, SA_SIGINFO);
    unsigned r5, flags;
    __asm__ volatile(
        "mov r0, #0x10\n\tmov r1, #0x11\n\tmov r2, #0x12\n\tmov r3, #0x13\n\tmov r5, #0x15\n\t"
        "mov r6, #0x16\n\tmov r7, #0x000a0000\n\tmsr APSR_nzcvqg, r7\n\t" /* GE=1010, NZCVQ clear */
        "movs r7, #0\n\t"                                                   /* Z set */
#ifdef __thumb__
        ".inst.n 0xde00\n\t"
#else
        ".inst 0xe7f000f0\n\t"
#endif
        "mrs %1, apsr\n\tmov %0, r5"
        : "=r"(r5), "=r"(flags)
        :
        : "r0", "r1", "r2", "r3", "r5", "r6", "r7", "cc");
    printf("regs seen: %x %x %x %x %x %x %x\n", seen_regs[0], seen_regs[1], seen_regs[2], seen_regs[3],
           seen_regs[5], seen_regs[6], seen_regs[7]);
    printf("cpsr seen: %08x (mode %x)\n", seen_cpsr & 0xf80f0020, seen_cpsr & 0x1f);
    printf("after: r5=%x flags=%08x\n", r5, flags & 0xf80f0000); /* NZCV flipped, GE kept */
}

/* VFP registers: saved in the frame and restored by sigreturn even if the handler changes them */
static volatile unsigned long long frame_d8, frame_d16;
static volatile unsigned frame_magic, frame_size, frame_fpscr;

static void on_fp(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    unsigned long *rs = (unsigned long *)uc->uc_regspace;
    frame_magic = rs[0];
    frame_size = rs[1];
    memcpy((void *)&frame_d8, rs + 2 + 2 * 8, 8);
    memcpy((void *)&frame_d16, rs + 2 + 2 * 16, 8);
    frame_fpscr = rs[2 + 64];
    /* clobber d8, d16 and FPSCR's flags in the handler */
    __asm__ volatile("vmov d16, %0, %0\n\tvmov d0, %0, %0\n\tvmsr fpscr, %0" : : "r"(0) : "d0", "d16");
}

static void t_fp(void) {
    set(SIGUSR1, on_fp, SA_SIGINFO);
    /* in: tgid, tid, sig, d8 lo/hi, d16 lo/hi, fpscr; out: d8 lo/hi, d16 lo/hi, fpscr */
    unsigned v[13] = {getpid(), gettid(), SIGUSR1, 0x89abcdef, 0x01234567, 0xdeadbeef, 0xfeedface, 0xf0000000};
    unsigned *p = v;
    __asm__ volatile("ldr r0, [%0, #12]\n\tldr r1, [%0, #16]\n\tvmov d8, r0, r1\n\t"
                     "ldr r0, [%0, #20]\n\tldr r1, [%0, #24]\n\tvmov d16, r0, r1\n\t"
                     "ldr r0, [%0, #28]\n\tvmsr fpscr, r0\n\t"
                     "ldr r0, [%0]\n\tldr r1, [%0, #4]\n\tldr r2, [%0, #8]\n\tmov r7, #268\n\tsvc 0\n\t" /* tgkill */
                     "vmov r0, r1, d8\n\tstr r0, [%0, #32]\n\tstr r1, [%0, #36]\n\t"
                     "vmov r0, r1, d16\n\tstr r0, [%0, #40]\n\tstr r1, [%0, #44]\n\t"
                     "vmrs r0, fpscr\n\tstr r0, [%0, #48]"
                     : "+r"(p)
                     :
                     : "r0", "r1", "r2", "r7", "d8", "d16", "memory");
    printf("frame magic=%#x size=%u d8=%016llx d16=%016llx fpscr=%08x\n", frame_magic, frame_size, frame_d8,
           frame_d16, frame_fpscr);
    printf("after return d8=%08x%08x d16=%08x%08x fpscr=%08x\n", v[9], v[8], v[11], v[10], v[12]);
}

static void t_wait(void) {
    sigset_t s, old, empty;
    set(SIGUSR1, on_info, SA_SIGINFO);
    sigemptyset(&empty);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR1);
    printf("before suspend hits=%d\n", (int)hits);
    int r = sigsuspend(&empty);
    printf("sigsuspend=%d errno=%d hits=%d usr1 blocked after=%d\n", r, errno, (int)hits, is_blocked(SIGUSR1));

    raise(SIGUSR1);
    siginfo_t si;
    int got = sigwaitinfo(&s, &si);
    printf("sigwaitinfo=%d code=%d pid_ok=%d hits=%d\n", got, si.si_code, si.si_pid == getpid(), (int)hits);
    struct timespec ts = {0, 20 * 1000 * 1000};
    errno = 0;
    got = sigtimedwait(&s, &si, &ts);
    printf("sigtimedwait timeout=%d errno=%d\n", got, errno);

    /* an interval timer wakes sigsuspend (SIGALRM blocked until then) and pause (a repeating timer) */
    set(SIGALRM, on_info, SA_SIGINFO);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    struct itimerval it = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, NULL);
    r = sigsuspend(&empty);
    printf("timer sigsuspend=%d errno=%d sig=%d code=%d\n", r, errno, (int)last_sig, last_code);
    sigprocmask(SIG_SETMASK, &old, NULL);
    it.it_interval.tv_usec = 30000;
    setitimer(ITIMER_REAL, &it, NULL);
    r = pause();
    printf("pause=%d errno=%d sig=%d\n", r, errno, (int)last_sig);
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &it);
    printf("itimer after: %ld %ld\n", (long)it.it_value.tv_sec, (long)it.it_value.tv_usec);
}

/* a timer interrupts a hot compute loop (it must be interrupted inside compiled code) */
static volatile int stop;

static void on_alarm(int sig) {
    (void)sig;
    stop = 1;
}

static unsigned long spin(unsigned long limit) {
    unsigned long n = 0;
    while (!stop && n < limit)
        n++;
    return n;
}

static void t_loop(void) {
    set(SIGALRM, on_alarm, 0);
    spin(2000000); /* warm up: with the JIT this loop is compiled code from here on */
    /* 0.5 s: a compile between here and the loop may take 0.1 s on a loaded machine, and a timer that
       fires before the loop starts makes n 0 */
    struct itimerval it = {{0, 0}, {0, 500000}};
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long n = spin(~0ul); /* only the timer's handler ends it */
    printf("loop stopped: %d\n", n > 0);
    stop = 0;
    alarm(2); /* 2 s: the code after the call may still have to be compiled first (a loaded CI machine) */
    n = spin(~0ul);
    printf("alarm stopped: %d\n", n > 0);
}

/* a blocking read is interrupted: EINTR without SA_RESTART, restarted with it */
static int pipefd[2];

static void on_alarm_write(int sig) {
    (void)sig;
    hits++;
    if (write(pipefd[1], "x", 1) != 1)
        _exit(9);
}

static void on_tick(int sig) {
    (void)sig;
    hits++;
}

static void t_eintr(void) {
    char c;
    if (pipe(pipefd))
        return;
    struct itimerval it = {{0, 50000}, {0, 50000}}, off = {{0, 0}, {0, 0}};
    set(SIGALRM, on_tick, 0);
    setitimer(ITIMER_REAL, &it, NULL); /* repeating: some tick comes while read blocks */
    errno = 0;
    ssize_t r = read(pipefd[0], &c, 1);
    setitimer(ITIMER_REAL, &off, NULL);
    printf("no restart: read=%zd errno=%d ticked=%d\n", r, errno, hits > 0);
    hits = 0;
    set(SIGALRM, on_alarm_write, SA_RESTART);
    setitimer(ITIMER_REAL, &it, NULL);
    r = read(pipefd[0], &c, 1);
    setitimer(ITIMER_REAL, &off, NULL);
    printf("restart: read=%zd c=%c ticked=%d\n", r, c, hits > 0);
    struct timespec ts = {5, 0}, rem = {0, 0};
    set(SIGALRM, on_tick, SA_RESTART); /* nanosleep is not restarted even so */
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0;
    r = nanosleep(&ts, &rem);
    setitimer(ITIMER_REAL, &off, NULL);
    printf("nanosleep=%zd errno=%d rem_ok=%d\n", r, errno, rem.tv_sec <= 5 && rem.tv_sec >= 3);
}

/* a signal from another process (the test sends SIGTERM once "ready" is out) ends a hot loop */
static volatile int ext_sig, ext_code, ext_from_parent;

static void on_external(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    ext_sig = sig;
    ext_code = si->si_code;
    ext_from_parent = si->si_pid == getppid();
    stop = 1;
}

static void t_external(void) {
    set(SIGTERM, on_external, SA_SIGINFO);
    spin(2000000);
    printf("ready\n");
    spin(~0ul);
    printf("external: sig=%d code=%d from_parent=%d\n", ext_sig, ext_code, ext_from_parent);
}

/* handlers installed with the raw system call and no SA_RESTORER return through the kernel's
   trampolines (sigreturn for plain handlers, rt_sigreturn for SA_SIGINFO ones) */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long long mask;
};

static void t_trampoline(void) {
    struct kernel_sigaction ka = {.handler = (void *)on_plain, .flags = 0, .restorer = NULL, .mask = 0};
    printf("install=%ld\n", syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8));
    raise(SIGUSR1);
    report("plain, kernel trampoline");
    ka.handler = (void *)on_info;
    ka.flags = SA_SIGINFO | SA_NODEFER;
    syscall(SYS_rt_sigaction, SIGUSR2, &ka, NULL, 8);
    raise(SIGUSR2);
    report("siginfo, kernel trampoline");
    struct kernel_sigaction back;
    syscall(SYS_rt_sigaction, SIGUSR2, NULL, &back, 8);
    printf("read back flags=%#lx restorer=%d\n", back.flags, back.restorer != NULL);
}

static void t_badframe(void) {
    printf("sigreturn with no frame\n");
    syscall(SYS_rt_sigreturn);
    printf("not reached\n");
}

/* a POSIX timer raises its signal with SI_TIMER and the sigev_value */
static void t_timer(void) {
    timer_t t;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR2;
    sev.sigev_value.sival_int = 4242;
    set(SIGUSR2, on_timer, SA_SIGINFO);
    printf("create=%d\n", timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = {{0, 0}, {10, 0}}, cur;
    sigset_t s, empty;
    sigemptyset(&s);
    sigemptyset(&empty);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    printf("settime=%d\n", timer_settime(t, 0, &its, NULL));
    timer_gettime(t, &cur);
    printf("armed=%d\n", cur.it_value.tv_sec <= 10 && (cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0));
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 20 * 1000 * 1000;
    timer_settime(t, 0, &its, NULL);
    sigsuspend(&empty);
    printf("timer: sig=%d code=%d value=%d\n", (int)last_sig, last_code, timer_value);
    printf("delete=%d again=%d errno=%d\n", timer_delete(t), timer_delete(t), errno);
}

static void t_default_kill(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSEGV);
    sigprocmask(SIG_BLOCK, &s, NULL);
    set(SIGSEGV, on_segv_jump, SA_SIGINFO);
    printf("blocked SIGSEGV is fatal\n");
    fflush(stdout);
    *(volatile int *)16 = 1;
    printf("not reached\n");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *t = argc > 1 ? argv[1] : "";
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {{"basic", t_basic},   {"mask", t_mask},         {"flags", t_flags}, {"altstack", t_altstack},
                 {"segv", t_segv},     {"traps", t_traps},       {"ucontext", t_ucontext}, {"fp", t_fp},
                 {"wait", t_wait},     {"loop", t_loop},         {"eintr", t_eintr},
                 {"external", t_external}, {"blocked_segv", t_default_kill}, {"trampoline", t_trampoline},
                 {"badframe", t_badframe}, {"timer", t_timer}};
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(t, cases[i].name)) {
            cases[i].fn();
            return 0;
        }
    fprintf(stderr, "unknown case %s\n", t);
    return 2;
}
