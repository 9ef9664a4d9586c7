/* Advanced SIMD floating point: auto-vectorised float loops and NEON float intrinsics, printed as bit patterns
 * (with the FPSCR's cumulative flags) so that a run compares exactly with qemu-arm.  Built with
 * -O3 -mcpu=cortex-a15 -mfpu=neon-vfpv4 -ffast-math (GCC vectorises float code for NEON only when allowed to
 * flush denormals) and -mfp16-format=ieee. */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 64

static float a[N], b[N], c[N];
static uint32_t h;

static uint32_t bits(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static float from_bits(uint32_t u) {
    float x;
    memcpy(&x, &u, 4);
    return x;
}

static void mix(uint32_t x) { h = (h ^ x) * 16777619u; }

static uint32_t fpscr(void) {
    uint32_t r;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(r));
    return r;
}

static void clear_flags(void) {
    uint32_t r = fpscr() & ~0x9fu;
    __asm__ volatile("vmsr fpscr, %0" : : "r"(r));
}

static void show_q(const char *name, float32x4_t v) {
    uint32x4_t u = vreinterpretq_u32_f32(v);
    printf("%-10s %08x %08x %08x %08x  fpscr %08x\n", name, vgetq_lane_u32(u, 0), vgetq_lane_u32(u, 1),
           vgetq_lane_u32(u, 2), vgetq_lane_u32(u, 3), fpscr());
    clear_flags();
}

static void show_u(const char *name, uint32x4_t u) { show_q(name, vreinterpretq_f32_u32(u)); }

/* ---- auto-vectorised loops ---------------------------------------------------------------------------- */
__attribute__((noinline)) static void saxpy(float k, const float *x, float *y, int n) {
    for (int i = 0; i < n; i++) y[i] = k * x[i] + y[i];
}

__attribute__((noinline)) static float dot(const float *x, const float *y, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

__attribute__((noinline)) static void clamp_abs(float *x, int n) {
    for (int i = 0; i < n; i++) {
        float v = x[i] < 0 ? -x[i] : x[i];
        x[i] = v > 100.0f ? 100.0f : v;
    }
}

__attribute__((noinline)) static void to_int(const float *x, int32_t *out, int n) {
    for (int i = 0; i < n; i++) out[i] = (int32_t)x[i];
}

__attribute__((noinline)) static void from_int(const int32_t *x, float *out, int n) {
    for (int i = 0; i < n; i++) out[i] = (float)x[i] * 0.25f;
}

static void loops(void) {
    int32_t iv[N];
    for (int i = 0; i < N; i++) {
        a[i] = (float)(i * 37 % 23) - 11.5f;
        b[i] = 1.0f / (float)(i + 1);
        c[i] = (float)i * 0.75f;
    }
    for (int r = 0; r < 20; r++) saxpy(0.5f + (float)r, a, c, N);
    for (int i = 0; i < N; i++) mix(bits(c[i]));
    printf("saxpy   %08x\n", h);
    printf("dot     %08x\n", bits(dot(a, b, N)));
    clamp_abs(c, N);
    for (int i = 0; i < N; i++) mix(bits(c[i]));
    printf("clamp   %08x\n", h);
    to_int(c, iv, N);
    for (int i = 0; i < N; i++) mix((uint32_t)iv[i]);
    printf("to_int  %08x\n", h);
    from_int(iv, a, N);
    for (int i = 0; i < N; i++) mix(bits(a[i]));
    printf("from_int %08x\n", h);
}

/* ---- intrinsics on special values ----------------------------------------------------------------------- */
static const uint32_t SPECIAL[16] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00001, 0x00000001, 0x807fffff,
    0x3f800000, 0xbfc00000, 0x7f7fffff, 0x00800000, 0x40490fdb, 0xc2f6e979, 0x4f000000, 0x3eaaaaab,
};

static float32x4_t special(int i) {
    float32x4_t v = vdupq_n_f32(0);
    v = vsetq_lane_f32(from_bits(SPECIAL[i & 15]), v, 0);
    v = vsetq_lane_f32(from_bits(SPECIAL[(i + 5) & 15]), v, 1);
    v = vsetq_lane_f32(from_bits(SPECIAL[(i + 9) & 15]), v, 2);
    v = vsetq_lane_f32(from_bits(SPECIAL[(i + 14) & 15]), v, 3);
    return v;
}

static void intrinsics(void) {
    for (int i = 0; i < 16; i += 3) {
        float32x4_t x = special(i), y = special(i + 7), z = special(i + 2);
        printf("-- %d\n", i);
        show_q("add", vaddq_f32(x, y));
        show_q("sub", vsubq_f32(x, y));
        show_q("mul", vmulq_f32(x, y));
        show_q("mla", vmlaq_f32(z, x, y));
        show_q("mls", vmlsq_f32(z, x, y));
        show_q("fma", vfmaq_f32(z, x, y));
        show_q("fms", vfmsq_f32(z, x, y));
        show_q("abd", vabdq_f32(x, y));
        show_q("max", vmaxq_f32(x, y));
        show_q("min", vminq_f32(x, y));
        show_q("abs", vabsq_f32(x));
        show_q("neg", vnegq_f32(x));
        show_u("ceq", vceqq_f32(x, y));
        show_u("cge", vcgeq_f32(x, y));
        show_u("cgt", vcgtq_f32(x, y));
        show_u("cage", vcageq_f32(x, y));
        show_u("cagt", vcagtq_f32(x, y));
        show_q("recpe", vrecpeq_f32(x));
        show_q("recps", vrecpsq_f32(x, y));
        show_q("rsqrte", vrsqrteq_f32(x));
        show_q("rsqrts", vrsqrtsq_f32(x, y));
        show_u("urecpe", vrecpeq_u32(vreinterpretq_u32_f32(y)));
        show_u("ursqrte", vrsqrteq_u32(vreinterpretq_u32_f32(y)));
        show_q("mul_lane", vmulq_lane_f32(x, vget_low_f32(y), 1));
        show_q("mla_lane", vmlaq_lane_f32(z, x, vget_high_f32(y), 0));
        show_u("cvt_s32", vreinterpretq_u32_s32(vcvtq_s32_f32(x)));
        show_u("cvt_u32", vcvtq_u32_f32(x));
        show_u("cvt_n_s32", vreinterpretq_u32_s32(vcvtq_n_s32_f32(x, 8)));
        show_q("cvt_f32", vcvtq_f32_s32(vreinterpretq_s32_f32(y)));
        show_q("cvt_n_f32", vcvtq_n_f32_u32(vreinterpretq_u32_f32(y), 31));
        float16x4_t hf = vcvt_f16_f32(x);
        show_q("cvt_f16", vcvt_f32_f16(hf));
        float32x2_t p = vpadd_f32(vget_low_f32(x), vget_high_f32(y));
        p = vpmax_f32(p, vget_low_f32(z));
        p = vpmin_f32(p, vget_high_f32(x));
        show_q("pairwise", vcombine_f32(p, vget_low_f32(x)));
    }
}

/* ---- Newton-Raphson reciprocal square roots, as NEON code does them ---------------------------------------- */
static void newton(void) {
    float32x4_t acc = vdupq_n_f32(0);
    for (int i = 1; i <= 200; i++) {
        float32x4_t x = vmulq_n_f32(vdupq_n_f32((float)i), 0.37f);
        float32x4_t e = vrsqrteq_f32(x);
        e = vmulq_f32(e, vrsqrtsq_f32(vmulq_f32(x, e), e));
        e = vmulq_f32(e, vrsqrtsq_f32(vmulq_f32(x, e), e));
        float32x4_t r = vrecpeq_f32(x);
        r = vmulq_f32(r, vrecpsq_f32(x, r));
        acc = vaddq_f32(acc, vaddq_f32(e, r));
    }
    show_q("newton", acc);
}

int main(void) {
    loops();
    intrinsics();
    newton();
    return 0;
}
