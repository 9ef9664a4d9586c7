/* Floating point: arithmetic, printf formatting, libm, conversions, rounding modes, exception flags and
   FPSCR modes (flush-to-zero, default NaN, alternative half precision), single and double precision.
   Inputs come through volatile variables so the compiler cannot fold them. */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile double vd[] = {0.0, -0.0, 1.0, -1.5, 2.5, 3.0, 0.1, 1e-310, 4.9e-324, 2.2250738585072014e-308,
                               1.7976931348623157e308, 1e300, -1e-300, 123456.789, -7.25, 0.5, 1e10, -3e9,
                               4294967296.5, 2147483647.5};
static volatile float vf[] = {0.0f, -0.0f, 1.0f, -1.5f, 2.5f, 3.0f, 0.1f, 1e-40f, 1.4e-45f, 1.17549435e-38f,
                              3.4028235e38f, 1e30f, -1e-30f, 123456.789f, -7.25f, 0.5f, 1e10f, -3e9f};
#define ND (sizeof vd / sizeof vd[0])
#define NF (sizeof vf / sizeof vf[0])

static uint64_t dbits(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static uint32_t fbits(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }

static void flags(const char *what) {
    int e = fetestexcept(FE_ALL_EXCEPT);
    printf("%s flags:%s%s%s%s%s\n", what, e & FE_INVALID ? " invalid" : "", e & FE_DIVBYZERO ? " divbyzero" : "",
           e & FE_OVERFLOW ? " overflow" : "", e & FE_UNDERFLOW ? " underflow" : "", e & FE_INEXACT ? " inexact" : "");
    feclearexcept(FE_ALL_EXCEPT);
}

static void arithmetic(void) {
    for (unsigned i = 0; i < ND; i++) {
        double a = vd[i], b = vd[(i * 7 + 3) % ND];
        printf("d %a %a: + %a - %a * %a / %a sqrt %a fma %a\n", a, b, a + b, a - b, a * b, a / b, sqrt(fabs(a)),
               fma(a, b, vd[(i + 5) % ND]));
        printf("  %f %e %g %.17g %016llx\n", a, a * b, a / 3, b, (unsigned long long)dbits(a * 3 - b));
    }
    flags("double");
    for (unsigned i = 0; i < NF; i++) {
        float a = vf[i], b = vf[(i * 5 + 1) % NF];
        printf("f %a %a: + %a - %a * %a / %a sqrt %a fma %a %08x\n", a, b, a + b, a - b, a * b, a / b,
               sqrtf(fabsf(a)), fmaf(a, b, vf[(i + 3) % NF]), fbits(a * a - b));
        printf("  %f %e %g cmp %d %d %d\n", a, a * b, (double)a / 3, a < b, a == b, isunordered(a, b));
    }
    flags("float");
    volatile double z = 0.0, inf = INFINITY, nan = NAN;
    printf("specials %f %f %f %f %e %g\n", 1 / z, -1 / z, z / z, inf - inf, inf * z, sqrt(-1.0));
    printf("nan compare %d %d %d\n", nan < 1.0, nan == nan, nan != nan);
    flags("specials");
}

static void conversions(void) {
    for (unsigned i = 0; i < ND; i++) {
        double a = vd[i];
        printf("cvt %g -> int %d unsigned %u float %a ll %lld\n", a, (int)a, (unsigned)a, (double)(float)a,
               (long long)a);
        feclearexcept(FE_ALL_EXCEPT);
    }
    static volatile int iv[] = {0, 1, -1, 16777217, -2147483647 - 1, 2147483647, 123456789};
    for (unsigned i = 0; i < sizeof iv / sizeof iv[0]; i++)
        printf("int %d -> %a %a %a\n", iv[i], (double)iv[i], (float)iv[i], (float)(unsigned)iv[i]);
    flags("conversions");
}

static void rounding(void) {
    static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    static const char *names[] = {"nearest", "upward", "downward", "towardzero"};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        volatile double third = 1.0 / 3.0;
        volatile float thirdf = 1.0f / 3.0f;
        printf("%s: %a %a lrint %ld %ld %ld nearbyint %g rint %g %a %a\n", names[m], third, (double)thirdf,
               lrint(2.5), lrint(-3.5), lrint(vd[13]), nearbyint(-2.5), rint(vd[4]), vd[6] * vd[3], vd[10] + vd[11]);
        printf("  %a %a %.20f\n", vd[12] * vd[12], (double)(vf[9] / vf[16]), vd[6]);
    }
    fesetround(FE_TONEAREST);
    flags("rounding");
}

static void libm(void) {
    double acc = 0;
    for (int i = 0; i < 600; i++) {  /* hot: the JIT compiles these (the tests raise its threshold) */
        double x = i * 0.0123 - 5;
        acc += sin(x) + exp(x / 10) - log(fabs(x) + 1) + pow(fabs(x), 0.3) + sqrt(fabs(x)) * fma(x, x, -x);
    }
    printf("libm acc %.17g %a\n", acc, acc);
    float accf = 0;
    for (int i = 0; i < 600; i++) {
        float x = i * 0.0125f - 7;
        accf += sinf(x) + expf(x / 8) + sqrtf(fabsf(x)) * fmaf(x, 0.5f, accf / 1024);
    }
    printf("libmf acc %.9g %a\n", accf, (double)accf);
    for (unsigned i = 2; i < 7; i++) {
        double x = vd[i] * 1.7;
        printf("x %g: cos %a tan %a asin %a atan2 %a cbrt %a log1p %a tanh %a lgamma %a erf %a\n", x, cos(x),
               tan(x), asin(vd[15]), atan2(x, 1.5), cbrt(x), log1p(fabs(x)), tanh(x), lgamma(x), erf(x));
        printf("  floor %g ceil %g round %g trunc %g fmod %a hypot %a logf %a powf %a\n", floor(x), ceil(x),
               round(x), trunc(x), fmod(x, 0.7), hypot(x, 2), (double)logf((float)x + 2), (double)powf(x, 1.5f));
    }
    flags("libm");
}

/* FPSCR modes through VMRS/VMSR (gcc's builtins) */
static void fpscr_modes(void) {
    unsigned fpscr = __builtin_arm_get_fpscr();
    __builtin_arm_set_fpscr(fpscr | 1u << 24); /* FZ */
    volatile double tiny = vd[9];
    volatile float tinyf = vf[9];
    printf("fz: %a %a %a %a\n", tiny / 4, tiny * 0.75, (double)(tinyf / 3), vd[7] + 0.0);
    __builtin_arm_set_fpscr(fpscr | 1u << 25); /* DN */
    volatile double snan_like = -NAN;
    printf("dn: %016llx %08x\n", (unsigned long long)dbits(snan_like + 1), fbits((float)snan_like * 2));
    __builtin_arm_set_fpscr(fpscr);
    printf("fpscr %08x\n", __builtin_arm_get_fpscr() & 0xffffff00);
#ifdef __ARM_FP16_FORMAT_IEEE
    static volatile __fp16 h[] = {1.0, -2.5, 65504.0, 0.000061, 0.1};
    for (unsigned i = 0; i < 5; i++) {
        float x = h[i];
        __fp16 back = x * 3;
        printf("half %a -> %a %04x\n", (double)x, (double)back, *(volatile unsigned short *)&back);
    }
#endif
    flags("modes");
}

int main(void) {
    arithmetic();
    conversions();
    rounding();
    libm();
    fpscr_modes();
    return 0;
}
