/* The kernel's user helpers at 0xffff0f60..0xffff0ffc, called the way libgcc and old glibc call them. */
#include <stdint.h>
#include <stdio.h>

typedef int (*cmpxchg_t)(int32_t oldval, int32_t newval, volatile int32_t *ptr);
typedef int (*cmpxchg64_t)(const int64_t *oldval, const int64_t *newval, volatile int64_t *ptr);
typedef void *(*get_tls_t)(void);
typedef void (*barrier_t)(void);

#define kuser_cmpxchg ((cmpxchg_t)0xffff0fc0)
#define kuser_cmpxchg64 ((cmpxchg64_t)0xffff0f60)
#define kuser_get_tls ((get_tls_t)0xffff0fe0)
#define kuser_barrier ((barrier_t)0xffff0fa0)

int main(void) {
    printf("version: %d\n", *(int32_t *)0xffff0ffc);
    volatile int32_t v = 5;
    int r = kuser_cmpxchg(5, 9, &v);
    printf("cmpxchg match: r=%d v=%d\n", r != 0, v);
    r = kuser_cmpxchg(5, 11, &v);
    printf("cmpxchg mismatch: r=%d v=%d\n", r != 0, v);
    volatile int64_t w = 0x100000002LL;
    int64_t old = 0x100000002LL, new = 0x300000004LL;
    r = kuser_cmpxchg64(&old, &new, &w);
    printf("cmpxchg64 match: r=%d w=%llx\n", r != 0, (long long)w);
    r = kuser_cmpxchg64(&old, &new, &w);
    printf("cmpxchg64 mismatch: r=%d w=%llx\n", r != 0, (long long)w);
    kuser_barrier();
    void *tp;
    __asm__("mrc p15, 0, %0, c13, c0, 3" : "=r"(tp));
    printf("get_tls matches mrc: %d\n", kuser_get_tls() == tp && tp != 0);
    return 0;
}
