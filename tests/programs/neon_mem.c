/* NEON data movement through intrinsics: structure loads/stores (vld2/vld3/vld4 and their stores, single
   lanes, all lanes), table lookups, zips/unzips/transposes, vext, vrev, vdup, narrowing moves.  Each result
   is stored to memory and printed, so the output shows every lane.  The argument repeats the whole run (only
   the last round prints) so that a JIT compiles the NEON blocks before the rounds that count. */
#include <arm_neon.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static uint8_t src[128];
static uint8_t dst[128];
static int quiet;
static const uint8_t idx[8] = {0, 3, 7, 8, 1, 200, 5, 2};

static void show(const char *what, const void *p, int n) {
    static const char hex[] = "0123456789abcdef";
    char line[300];
    const uint8_t *b = p;
    int k = 0;
    if (quiet) return;
    while (*what) line[k++] = *what++;
    while (k < 10) line[k++] = ' ';
    for (int i = 0; i < n; i++) {
        line[k++] = hex[b[i] >> 4];
        line[k++] = hex[b[i] & 15];
    }
    line[k++] = '\n';
    write(1, line, k);  /* no stdio: the JIT has little libc to compile */
}

static void clear(void) {
    for (int i = 0; i < 128; i++) dst[i] = 0xee;
}

static void structures(void) {
    uint8x8x2_t a2 = vld2_u8(src);
    vst1_u8(dst, a2.val[0]);
    vst1_u8(dst + 8, a2.val[1]);
    show("vld2.8", dst, 16);
    uint16x8x3_t a3 = vld3q_u16((const uint16_t *)src);
    vst1q_u16((uint16_t *)dst, a3.val[2]);
    vst1q_u16((uint16_t *)dst + 8, a3.val[0]);
    show("vld3q.16", dst, 32);
    uint32x2x4_t a4 = vld4_u32((const uint32_t *)(src + 4));
    vst1_u32((uint32_t *)dst, a4.val[3]);
    vst1_u32((uint32_t *)dst + 2, a4.val[1]);
    show("vld4.32", dst, 16);
    uint8x16x4_t q4 = vld4q_u8(src + 1);
    clear();
    vst4q_u8(dst, q4);
    show("vst4q.8", dst, 64);
    clear();
    vst3_u8(dst + 3, vld3_u8(src + 7));
    show("vst3.8", dst, 32);
    clear();
    vst2q_u32((uint32_t *)dst, vld2q_u32((const uint32_t *)(src + 8)));
    show("vst2q.32", dst, 40);
}

static void lanes(void) {
    uint8x8_t v = vld1_u8(src + 16);
    v = vld1_lane_u8(src + 100, v, 5);
    uint16x4x2_t w = vld2_u16((const uint16_t *)src);
    w = vld2_lane_u16((const uint16_t *)(src + 40), w, 3);
    uint32x2x4_t q = vld4_dup_u32((const uint32_t *)(src + 60));
    clear();
    vst1_u8(dst, v);
    vst2_u16((uint16_t *)(dst + 8), w);
    vst4_lane_u32((uint32_t *)(dst + 24), q, 1);
    vst3_lane_u16((uint16_t *)(dst + 40), vld3_dup_u16((const uint16_t *)(src + 2)), 1);
    show("lanes", dst, 48);
    uint8x8x2_t d2 = vld2_dup_u8(src + 9);
    vst1_u8(dst, d2.val[1]);
    show("dup2", dst, 8);
}

static void permutes(void) {
    uint8x16_t a = vld1q_u8(src), b = vld1q_u8(src + 16);
    uint8x8_t t = vld1_u8(src + 48);
    uint8x8x2_t tab2 = {{vld1_u8(src), vld1_u8(src + 8)}};
    uint8x8x4_t tab4 = vld4_u8(src + 64);
    clear();
    vst1_u8(dst, vtbl1_u8(vld1_u8(src + 32), vld1_u8(idx)));
    vst1_u8(dst + 8, vtbl2_u8(tab2, t));
    vst1_u8(dst + 16, vtbx4_u8(vld1_u8(src + 24), tab4, t));
    uint8x16x2_t z = vzipq_u8(a, b);
    vst1q_u8(dst + 24, z.val[1]);
    uint16x4x2_t u = vuzp_u16(vreinterpret_u16_u8(vget_low_u8(a)), vreinterpret_u16_u8(vget_high_u8(b)));
    vst1_u16((uint16_t *)(dst + 40), u.val[0]);
    uint32x4x2_t tr = vtrnq_u32(vreinterpretq_u32_u8(a), vreinterpretq_u32_u8(b));
    vst1q_u32((uint32_t *)(dst + 48), tr.val[1]);
    vst1q_u8(dst + 64, vextq_u8(a, b, 5));
    vst1q_u8(dst + 80, vrev64q_u8(a));
    vst1_u8(dst + 96, vreinterpret_u8_u16(vrev32_u16(vreinterpret_u16_u8(t))));
    vst1_u8(dst + 104, vdup_lane_u8(t, 6));
    vst1q_u16((uint16_t *)(dst + 112), vdupq_n_u16(src[3] * 257 + 1));
    show("permutes", dst, 128);
}

static void narrowing(void) {
    int16x8_t s = vreinterpretq_s16_u8(vld1q_u8(src + 32));
    int32x4_t w = vreinterpretq_s32_u8(vld1q_u8(src + 80));
    clear();
    vst1_s8((int8_t *)dst, vmovn_s16(s));
    vst1_s8((int8_t *)dst + 8, vqmovn_s16(s));
    vst1_u8(dst + 16, vqmovun_s16(s));
    vst1_u16((uint16_t *)(dst + 24), vqmovn_u32(vreinterpretq_u32_s32(w)));
    vst1_s16((int16_t *)(dst + 32), vqmovn_s32(w));
    show("narrow", dst, 40);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 1;
    uint32_t x = 12345;
    for (int i = 0; i < 128; i++) {
        x = x * 1103515245u + 12345u;
        src[i] = (i % 5 == 0) ? (uint8_t)(x >> 24) & 0x1f : (uint8_t)(x >> 16);
    }
    for (int r = 0; r < rounds; r++) {
        quiet = r + 1 < rounds;
        structures();
        lanes();
        permutes();
        narrowing();
    }
    return 0;
}
