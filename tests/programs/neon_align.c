/* NEON alignment qualifiers: a misaligned address faults with SIGBUS (BUS_ADRALN, si_addr = the address)
   before anything is loaded, stored or written back; an aligned one does not. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static unsigned char buf[96] __attribute__((aligned(32)));
static sigjmp_buf env;

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    printf("  signal %d code %d at buf+%ld\n", sig, si->si_code, (long)((unsigned char *)si->si_addr - buf));
    siglongjmp(env, 1);
}

#define TRY(name, off, asm_text)                                                                    \
    do {                                                                                           \
        unsigned char *p = buf + (off), *q = p;                                                    \
        printf("%s +%d\n", name, off);                                                             \
        if (!sigsetjmp(env, 1)) {                                                                  \
            __asm__ volatile(asm_text : "+r"(q) : : "d0", "d1", "d2", "d3", "memory");             \
            printf("  ok\n");                                                                     \
        }                                                                                          \
        printf("  base moved %ld\n", (long)(q - p));                                               \
    } while (0)

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, 0);
    for (int i = 0; i < 96; i++) buf[i] = i;
    int offs[] = {0, 4, 8, 16, 2};
    for (int k = 0; k < 5; k++) {
        int o = offs[k];
        TRY("vld1.64 :64", o, "vld1.64 {d0}, [%0:64]!");
        TRY("vld1.8 :128", o, "vld1.8 {d0, d1}, [%0:128]!");
        TRY("vst1.8 :256", o, "vst1.8 {d0, d1, d2, d3}, [%0:256]!");
        TRY("vld2.16 lane :32", o, "vld2.16 {d0[1], d1[1]}, [%0:32]!");
        TRY("vld4.8 all :32", o, "vld4.8 {d0[], d1[], d2[], d3[]}, [%0:32]!");
        TRY("vld1.32 lane :32", o, "vld1.32 {d0[1]}, [%0:32]!");
    }
    return 0;
}
