"""Random valid Advanced SIMD encodings: the fp family (see ``enc_neon`` for the conventions).

Floating-point Advanced SIMD instructions in ARMv7 have f32 lanes only: the size bit ``sz`` (bit 20) = 1 is
UNDEFINED in every three-register form, and the two-register forms need size = '10' (F16 lanes are ARMv8.2),
so those bits are fixed in the diagrams below rather than drawn and rejected.
"""

from __future__ import annotations

from collections.abc import Callable

from .enc_neon import _simd, pools, q_even

QDNM = q_even("d", "n", "m")
QDM = q_even("d", "m")

# ---- A7.4.1 three registers of the same length, floating point (sz = bit 20 = 0) ------------------------------
# Pairwise forms (VPADD/VPMAX/VPMIN.F32) have Q = 1 UNDEFINED: Q is fixed to 0.
ARITH = [
    _simd("vadd_vsub_f32", "0", "0 D o 0 nnnn dddd 1101 N Q M 0 mmmm", QDNM),
    _simd("vpadd_f32", "1", "0 D 0 0 nnnn dddd 1101 N 0 M 0 mmmm"),
    _simd("vabd_f32", "1", "0 D 1 0 nnnn dddd 1101 N Q M 0 mmmm", QDNM),
    _simd("vmla_vmls_f32", "0", "0 D o 0 nnnn dddd 1101 N Q M 1 mmmm", QDNM),
    _simd("vmul_f32", "1", "0 D 0 0 nnnn dddd 1101 N Q M 1 mmmm", QDNM),
    _simd("vmax_vmin_f32", "0", "0 D o 0 nnnn dddd 1111 N Q M 0 mmmm", QDNM),
    _simd("vpmax_vpmin_f32", "1", "0 D o 0 nnnn dddd 1111 N 0 M 0 mmmm"),
    _simd("vrecps_vrsqrts", "0", "0 D o 0 nnnn dddd 1111 N Q M 1 mmmm", QDNM),
    _simd("vfma_vfms", "0", "0 D o 0 nnnn dddd 1100 N Q M 1 mmmm", QDNM),
    # A7.4.3 two registers and a scalar, F = 1, size = '10' (Dm = Vm<3:0>, index = M); bit 24 is Q:
    # Q = 1 with an odd Vd or Vn is UNDEFINED
    _simd("vmla_vmls_scalar_f32", "Q", "1 D 10 nnnn dddd 0 o 01 N 1 M 0 mmmm", q_even("d", "n")),
    _simd("vmul_scalar_f32", "Q", "1 D 10 nnnn dddd 1001 N 1 M 0 mmmm", q_even("d", "n")),
    # A7.4.5 two registers, miscellaneous: A = 01, B = 1 11 o Q (VABS/VNEG.F32), size = '10'
    _simd("vabs_vneg_f32", "1", "1 D 11 10 01 dddd 0 111 o Q M 0 mmmm", QDM),
]

# A7.4.1 comparisons (A = 1110); A7.4.5 comparisons with #0: A = 01, B = 1 ooo Q with ooo = 000 VCGT, 001 VCGE,
# 010 VCEQ, 011 VCLE, 100 VCLT (101 is unallocated, 11x are VABS/VNEG)
CMP = [
    _simd("vceq_f32", "0", "0 D 0 0 nnnn dddd 1110 N Q M 0 mmmm", QDNM),
    _simd("vcge_vcgt_f32", "1", "0 D o 0 nnnn dddd 1110 N Q M 0 mmmm", QDNM),
    _simd("vacge_vacgt", "1", "0 D o 0 nnnn dddd 1110 N Q M 1 mmmm", QDNM),
    _simd("vcmp_zero_f32", "1", "1 D 11 10 01 dddd 0 1 ooo Q M 0 mmmm", lambda f: f.o <= 0b100 and QDM(f)),
]

# A7.4.5 A = 11: B = 10 F o Q: VRECPE (o = 0) / VRSQRTE (o = 1), F = 1 float, F = 0 unsigned; size = '10'
EST = [_simd("vrecpe_vrsqrte", "1", "1 D 11 10 11 dddd 0 10 F o Q M 0 mmmm", QDM)]

# A7.4.5 A = 11, B = 11 op Q: VCVT between f32 and s32/u32 (size = '10');
# A7.4.4 two registers and a shift amount: VCVT fixed point, imm6 = 0xxxxx is UNDEFINED (imm6<5> fixed to 1),
# L (bit 7) = 0; A = 10, B = 11 op 0 0: VCVT.F16.F32 (op 0, Vm<0> = 1 UNDEFINED) / .F32.F16 (Vd<0> = 1 UNDEFINED)
CVT = [
    _simd("vcvt_f32_int", "1", "1 D 11 10 11 dddd 0 11 oo Q M 0 mmmm", QDM),
    _simd("vcvt_f32_fixed", "U", "1 D 1 iiiii dddd 111 o 0 Q M 1 mmmm", QDM),
    _simd(
        "vcvt_f16_f32", "1", "1 D 11 01 10 dddd 0 11 o 0 0 M 0 mmmm", lambda f: (f.d if f.o else f.m) & 1 == 0
    ),  # fmt: skip
]

CLASSES: dict[str, dict[str, Callable]] = {
    "neon_fp_arith": pools(ARITH),
    "neon_fp_cmp": pools(CMP),
    "neon_fp_est": pools(EST),
    "neon_fp_cvt": pools(CVT),
}
