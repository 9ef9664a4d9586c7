/* Integer arithmetic across widths: 64-bit multiply/divide (EABI helpers), shifts, signed/unsigned. */
#include <stdio.h>
#include <stdint.h>

static volatile uint32_t seed = 12345;
static uint32_t next(void) { seed = seed * 1103515245u + 12345u; return seed; }

int main(void) {
    uint64_t acc = 0;
    int64_t sacc = 0;
    for (int i = 0; i < 300; i++) {
        uint32_t a = next(), b = next() | 1;
        int32_t sa = (int32_t)next(), sb = (int32_t)(next() | 1);
        uint64_t wa = ((uint64_t)a << 32) | next(), wb = ((uint64_t)next() << 7) | 3;
        acc += a / b + a % b + (uint64_t)a * b + (wa / wb) + (wa % wb);
        sacc += sa / sb + sa % sb + (int64_t)sa * sb + ((int64_t)wa >> (i & 63)) + (sa >> (i & 31));
        acc ^= (wa << (i & 63)) | (a >> (i & 31));
    }
    printf("acc=%llu sacc=%lld\n", (unsigned long long)acc, (long long)sacc);
    printf("%d %d %u %u\n", -7 / 2, -7 % 2, 0xffffffffu / 3u, 0x80000000u >> 31);
    return (int)(acc & 0x7f);
}
