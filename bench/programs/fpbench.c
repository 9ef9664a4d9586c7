/* Floating-point / NEON benchmark kernels: fpbench NAME N prints "NAME N -> checksum".
 * Built with -O3 -mcpu=cortex-a15 -mfpu=neon-vfpv4 (bench/fp_report.py).  The f32 array kernels are
 * auto-vectorised (GCC vectorises float code for NEON only under unsafe-math, given per function so that the
 * rest of the program keeps IEEE double arithmetic), one uses NEON intrinsics, the others are VFP doubles. */
#include <arm_neon.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC __attribute__((noinline, optimize("O3", "unsafe-math-optimizations")))
#define LEN 1024

static float xs[LEN], ys[LEN], zs[LEN];

static uint32_t fbits(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static uint32_t dbits(double x) {
    uint64_t u;
    memcpy(&u, &x, 8);
    return (uint32_t)(u ^ u >> 32);
}

static void fill(void) {
    for (int i = 0; i < LEN; i++) {
        xs[i] = (float)(i % 97) * 0.01f - 0.3f;
        ys[i] = (float)(i % 89) * 0.02f + 0.1f;
        zs[i] = 0;
    }
}

VEC static void saxpy_once(float a, const float *x, float *y) {
    for (int i = 0; i < LEN; i++) y[i] = a * x[i] + y[i];
}

VEC static float dot_once(const float *x, const float *y) {
    float s = 0;
    for (int i = 0; i < LEN; i++) s += x[i] * y[i];
    return s;
}

/* y = a*x + y over the arrays, n/LEN times (auto-vectorised: VLD1, VMLA/VFMA.F32, VST1) */
static uint32_t saxpy(int n) {
    fill();
    for (int r = 0; r < n / LEN; r++) saxpy_once(r & 1 ? -0.5f : 0.5f, xs, ys);
    return fbits(dot_once(ys, ys));
}

/* dot products (auto-vectorised reduction) */
static uint32_t dot(int n) {
    fill();
    float s = 0;
    for (int r = 0; r < n / LEN; r++) {
        s += dot_once(xs, ys);
        ys[r % LEN] += 0.001f;
    }
    return fbits(s);
}

/* normalise 4-vectors with NEON intrinsics: reciprocal square root estimate and two Newton steps */
static uint32_t normalize(int n) {
    fill();
    float32x4_t acc = vdupq_n_f32(0);
    for (int r = 0; r < n / LEN; r++) {
        for (int i = 0; i < LEN; i += 4) {
            float32x4_t v = vld1q_f32(xs + i), w = vld1q_f32(ys + i);
            float32x4_t d = vmlaq_f32(vmulq_f32(v, v), w, w);
            float32x4_t e = vrsqrteq_f32(d);
            e = vmulq_f32(e, vrsqrtsq_f32(vmulq_f32(d, e), e));
            e = vmulq_f32(e, vrsqrtsq_f32(vmulq_f32(d, e), e));
            acc = vaddq_f32(acc, vmulq_f32(v, e));
        }
    }
    float32x2_t s = vpadd_f32(vget_low_f32(acc), vget_high_f32(acc));
    return fbits(vget_lane_f32(vpadd_f32(s, s), 0));
}

/* mandelbrot set in doubles (VFP double multiply-add chains) */
static uint32_t mandel(int n) {
    uint32_t inside = 0;
    int side = 1;
    while (side * side < n) side++;
    for (int py = 0; py < side; py++)
        for (int px = 0; px < side; px++) {
            double cr = -2.0 + 2.5 * px / side, ci = -1.25 + 2.5 * py / side, zr = 0, zi = 0;
            int k = 0;
            while (k < 64 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                k++;
            }
            inside += k;
        }
    return inside;
}

/* n-body steps of five bodies in doubles (VFP divide and square root) */
static uint32_t nbody(int n) {
    double p[5][3], v[5][3], m[5];
    for (int i = 0; i < 5; i++) {
        for (int k = 0; k < 3; k++) {
            p[i][k] = (double)(i * 3 + k) * 0.7 - 4.0;
            v[i][k] = (double)(k - i) * 0.01;
        }
        m[i] = 1.0 + i * 0.5;
    }
    for (int s = 0; s < n; s++)
        for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++) {
                double d[3], r2 = 0.01;
                for (int k = 0; k < 3; k++) {
                    d[k] = p[i][k] - p[j][k];
                    r2 += d[k] * d[k];
                }
                double mag = 0.001 / (r2 * sqrt(r2));
                for (int k = 0; k < 3; k++) {
                    v[i][k] -= d[k] * m[j] * mag;
                    v[j][k] += d[k] * m[i] * mag;
                }
            }
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 3; k++) p[i][k] += v[i][k];
    return dbits(p[0][0] + p[4][2] + v[2][1]);
}

/* libm: sin, exp, log, pow in doubles */
static uint32_t libm(int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        double x = 0.001 * i + 0.5;
        s += sin(x) + exp(-x) + log(x) + pow(x, 0.3);
    }
    return dbits(s);
}

static const struct {
    const char *name;
    uint32_t (*fn)(int);
} kernels[] = {
    {"saxpy", saxpy}, {"dot", dot}, {"normalize", normalize}, {"mandel", mandel}, {"nbody", nbody}, {"libm", libm},
};

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: fpbench NAME N\n");
        return 2;
    }
    for (unsigned i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (!strcmp(argv[1], kernels[i].name)) {
            printf("%s %s -> %08x\n", argv[1], argv[2], kernels[i].fn(atoi(argv[2])));
            return 0;
        }
    fprintf(stderr, "unknown kernel %s\n", argv[1]);
    return 2;
}
