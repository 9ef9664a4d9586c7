/* NEON integer intrinsics (arm_neon.h): arithmetic, saturation, shifts, comparisons, widening and narrowing
 * forms and by-scalar multiplies on pseudo-random vectors; each result is printed as its lanes in hex. */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>

static uint32_t seed = 12345;

static uint32_t next(void) {
    seed = seed * 1103515245u + 12345u;
    return seed ^ (seed >> 15);
}

static uint8_t a8[16], b8[16], c8[16];
static int16_t a16[8], b16[8], c16[8];
static int32_t a32[4], b32[4], c32[4];

static void fill(void) {
    static const uint8_t edge[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81};
    for (int i = 0; i < 16; i++) {
        uint32_t r = next();
        a8[i] = (r & 0x300) ? (uint8_t)r : edge[r % 7];
        b8[i] = (uint8_t)(r >> 16);
        c8[i] = (uint8_t)(r >> 24) & 7;
    }
    for (int i = 0; i < 8; i++) {
        uint32_t r = next();
        a16[i] = (r & 0x3000) ? (int16_t)r : (int16_t)(0x7fff + (r & 3));
        b16[i] = (int16_t)(r >> 13);
        c16[i] = (int16_t)((r >> 20) & 15) - 4;
    }
    for (int i = 0; i < 4; i++) {
        uint32_t r = next(), s = next();
        a32[i] = (r & 0x30000) ? (int32_t)r : (int32_t)(0x7fffffff + (r & 3));
        b32[i] = (int32_t)s;
        c32[i] = (int32_t)(s >> 27) - 8;
    }
}

/* print the lanes of a vector of `total` bits (64: D, 128: Q) stored with `store` */
#define PRINT(name, bits, total, store, v)                                                             \
    do {                                                                                                \
        uint##bits##_t out[total / bits];                                                               \
        store(out, v);                                                                                  \
        printf("%-10s", name);                                                                          \
        for (int i = 0; i < total / bits; i++) printf(" %0*llx", bits / 4, (unsigned long long)out[i]); \
        printf("\n");                                                                                   \
    } while (0)
#define PRINTQ(name, bits, v) PRINT(name, bits, 128, vst1q_u##bits, v)
#define PRINTD(name, bits, v) PRINT(name, bits, 64, vst1_u##bits, v)

static void round_(void) {
    uint8x16_t ua = vld1q_u8(a8), ub = vld1q_u8(b8), uc = vld1q_u8(c8);
    int8x16_t sa = vreinterpretq_s8_u8(ua), sb = vreinterpretq_s8_u8(ub), sc = vreinterpretq_s8_u8(uc);
    int16x8_t ha = vld1q_s16(a16), hb = vld1q_s16(b16), hc = vld1q_s16(c16);
    int32x4_t wa = vld1q_s32(a32), wb = vld1q_s32(b32), wc = vld1q_s32(c32);
    int16x4_t hlo = vld1_s16(a16), hlo2 = vld1_s16(b16);
    int32x2_t wlo = vld1_s32(a32), wlo2 = vld1_s32(b32);
    uint8x8_t u8lo = vld1_u8(a8), u8lo2 = vld1_u8(b8);

    PRINTQ("and", 8, vandq_u8(ua, ub));
    PRINTQ("bic", 8, vbicq_u8(ua, ub));
    PRINTQ("orn", 8, vornq_u8(ua, ub));
    PRINTQ("eor", 8, veorq_u8(ua, ub));
    PRINTQ("bsl", 8, vbslq_u8(uc, ua, ub));
    PRINTQ("hadd.s8", 8, vreinterpretq_u8_s8(vhaddq_s8(sa, sb)));
    PRINTQ("rhadd.u8", 8, vrhaddq_u8(ua, ub));
    PRINTQ("hsub.s16", 16, vreinterpretq_u16_s16(vhsubq_s16(ha, hb)));
    PRINTQ("qadd.s16", 16, vreinterpretq_u16_s16(vqaddq_s16(ha, hb)));
    PRINTQ("qsub.u8", 8, vqsubq_u8(ua, ub));
    PRINTQ("max.s32", 32, vreinterpretq_u32_s32(vmaxq_s32(wa, wb)));
    PRINTQ("min.u8", 8, vminq_u8(ua, ub));
    PRINTQ("abd.s16", 16, vreinterpretq_u16_s16(vabdq_s16(ha, hb)));
    PRINTQ("aba.u8", 8, vabaq_u8(uc, ua, ub));
    PRINTQ("tst.8", 8, vtstq_u8(ua, ub));
    PRINTQ("ceq.16", 16, vceqq_s16(ha, hb));
    PRINTQ("cgt.s8", 8, vcgtq_s8(sa, sb));
    PRINTQ("cge.u8", 8, vcgeq_u8(ua, ub));
    PRINTQ("mul.i16", 16, vreinterpretq_u16_s16(vmulq_s16(ha, hb)));
    PRINTQ("mul.p8", 8, vreinterpretq_u8_p8(vmulq_p8(vreinterpretq_p8_u8(ua), vreinterpretq_p8_u8(ub))));
    PRINTQ("mla.i32", 32, vreinterpretq_u32_s32(vmlaq_s32(wc, wa, wb)));
    PRINTQ("mls.i8", 8, vmlsq_u8(uc, ua, ub));
    PRINTD("padd.i16", 16, vreinterpret_u16_s16(vpadd_s16(hlo, hlo2)));
    PRINTD("pmax.u8", 8, vpmax_u8(u8lo, u8lo2));
    PRINTD("pmin.s32", 32, vreinterpret_u32_s32(vpmin_s32(wlo, wlo2)));
    PRINTQ("shl.s8", 8, vreinterpretq_u8_s8(vshlq_s8(sa, sc)));
    PRINTQ("qshl.s16", 16, vreinterpretq_u16_s16(vqshlq_s16(ha, hc)));
    PRINTQ("rshl.s32", 32, vreinterpretq_u32_s32(vrshlq_s32(wa, wc)));
    PRINTQ("qrshl.u8", 8, vqrshlq_u8(ua, sc));
    PRINTQ("qdmulh", 16, vreinterpretq_u16_s16(vqdmulhq_s16(ha, hb)));
    PRINTQ("qrdmulh", 32, vreinterpretq_u32_s32(vqrdmulhq_s32(wa, wb)));
    /* shifts by an immediate */
    PRINTQ("shr.s8", 8, vreinterpretq_u8_s8(vshrq_n_s8(sa, 3)));
    PRINTQ("shr.u16", 16, vreinterpretq_u16_s16(vreinterpretq_s16_u16(vshrq_n_u16(vreinterpretq_u16_s16(ha), 16))));
    PRINTQ("sra.s32", 32, vreinterpretq_u32_s32(vsraq_n_s32(wb, wa, 7)));
    PRINTQ("rshr.u8", 8, vrshrq_n_u8(ua, 8));
    PRINTQ("rsra.s16", 16, vreinterpretq_u16_s16(vrsraq_n_s16(hb, ha, 5)));
    PRINTQ("shl.i32", 32, vreinterpretq_u32_s32(vshlq_n_s32(wa, 31)));
    PRINTQ("qshl.s8", 8, vreinterpretq_u8_s8(vqshlq_n_s8(sa, 2)));
    PRINTQ("qshlu.s16", 16, vqshluq_n_s16(ha, 3));
    PRINTQ("sri.8", 8, vsriq_n_u8(ua, ub, 3));
    PRINTQ("sli.32", 32, vreinterpretq_u32_s32(vsliq_n_s32(wa, wb, 9)));
    PRINTD("shrn.i16", 8, vreinterpret_u8_s8(vshrn_n_s16(ha, 4)));
    PRINTD("rshrn.i32", 16, vreinterpret_u16_s16(vrshrn_n_s32(wa, 16)));
    PRINTD("qshrn.s16", 8, vreinterpret_u8_s8(vqshrn_n_s16(ha, 2)));
    PRINTD("qrshrun", 16, vqrshrun_n_s32(wa, 3));
    PRINTQ("shll.s8", 16, vreinterpretq_u16_s16(vshll_n_s8(vget_low_s8(sa), 3)));
    PRINTQ("shll.max", 32, vreinterpretq_u32_s32(vshll_n_s16(hlo, 16)));
    PRINTQ("movl.u8", 16, vmovl_u8(u8lo));
    /* two registers, miscellaneous */
    PRINTQ("paddl.s8", 16, vreinterpretq_u16_s16(vpaddlq_s8(sa)));
    PRINTQ("padal.u16", 32, vpadalq_u16(vreinterpretq_u32_s32(wa), vreinterpretq_u16_s16(hb)));
    PRINTQ("cls.s16", 16, vreinterpretq_u16_s16(vclsq_s16(ha)));
    PRINTQ("clz.u32", 32, vclzq_u32(vreinterpretq_u32_s32(wa)));
    PRINTQ("cnt.8", 8, vcntq_u8(ua));
    PRINTQ("mvn", 8, vmvnq_u8(ua));
    PRINTQ("qabs.s8", 8, vreinterpretq_u8_s8(vqabsq_s8(sa)));
    PRINTQ("qneg.s32", 32, vreinterpretq_u32_s32(vqnegq_s32(wa)));
    PRINTQ("abs.s16", 16, vreinterpretq_u16_s16(vabsq_s16(ha)));
    PRINTQ("neg.s8", 8, vreinterpretq_u8_s8(vnegq_s8(sa)));
    PRINTQ("cgt0", 8, vcgtq_s8(sa, vreinterpretq_s8_u8(veorq_u8(ua, ua))));
    PRINTQ("cle0", 32, vcleq_s32(wa, vreinterpretq_s32_u8(veorq_u8(ua, ua))));
    /* different lengths */
    PRINTQ("addl.u8", 16, vaddl_u8(u8lo, u8lo2));
    PRINTQ("subw.s16", 32, vreinterpretq_u32_s32(vsubw_s16(wa, hlo)));
    PRINTD("addhn", 8, vreinterpret_u8_s8(vaddhn_s16(ha, hb)));
    PRINTD("rsubhn", 16, vreinterpret_u16_s16(vrsubhn_s32(wa, wb)));
    PRINTQ("abal.u8", 16, vabal_u8(vreinterpretq_u16_s16(ha), u8lo, u8lo2));
    PRINTQ("abdl.s16", 32, vreinterpretq_u32_s32(vabdl_s16(hlo, hlo2)));
    PRINTQ("mlal.s32", 64, vreinterpretq_u64_s64(vmlal_s32(vreinterpretq_s64_s32(wb), wlo, wlo2)));
    PRINTQ("mlsl.u16", 32, vmlsl_u16(vreinterpretq_u32_s32(wa), vreinterpret_u16_s16(hlo), vreinterpret_u16_s16(hlo2)));
    PRINTQ("mull.p8", 16, vreinterpretq_u16_p16(vmull_p8(vreinterpret_p8_u8(u8lo), vreinterpret_p8_u8(u8lo2))));
    PRINTQ("qdmull", 32, vreinterpretq_u32_s32(vqdmull_s16(hlo, hlo2)));
    PRINTQ("qdmlal", 64, vreinterpretq_u64_s64(vqdmlal_s32(vreinterpretq_s64_s32(wb), wlo, wlo2)));
    PRINTQ("qdmlsl", 32, vreinterpretq_u32_s32(vqdmlsl_s16(wa, hlo, hlo2)));
    /* by scalar */
    PRINTQ("mul.sc", 16, vreinterpretq_u16_s16(vmulq_lane_s16(ha, hlo2, 3)));
    PRINTQ("mla.sc", 32, vreinterpretq_u32_s32(vmlaq_lane_s32(wc, wa, wlo2, 1)));
    PRINTQ("mull.sc", 32, vreinterpretq_u32_s32(vmull_lane_s16(hlo, hlo2, 2)));
    PRINTQ("qdmulh.sc", 16, vreinterpretq_u16_s16(vqdmulhq_lane_s16(ha, hlo2, 0)));
    PRINTQ("qdmlal.sc", 64, vreinterpretq_u64_s64(vqdmlal_lane_s32(vreinterpretq_s64_s32(wb), wlo, wlo2, 1)));
}

int main(void) {
    for (int r = 0; r < 3; r++) {
        fill();
        printf("round %d\n", r);
        round_();
    }
    /* a loop the JIT compiles: a saturating dot product of many vectors, QC read back */
    int16x8_t acc = vld1q_s16(c16);
    for (int i = 0; i < 2000; i++) {
        fill();
        acc = vqaddq_s16(vqdmulhq_s16(vld1q_s16(a16), vld1q_s16(b16)), vshrq_n_s16(acc, 1));
        acc = vmlaq_s16(acc, vld1q_s16(c16), vld1q_s16(b16));
    }
    PRINTQ("loop", 16, vreinterpretq_u16_s16(acc));
    uint32_t fpscr;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(fpscr));
    printf("qc %u\n", (fpscr >> 27) & 1);
    return 0;
}
