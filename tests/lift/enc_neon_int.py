"""Random valid Advanced SIMD encodings: the integer family (see ``enc_neon`` for the conventions).

Rejections follow the ARM ARM's decode pseudocode of each instruction: ``size == '11'`` (or another listed size)
is UNDEFINED for the instructions without 64-bit (or with only some) element sizes; Q=1 with an odd register
number is UNDEFINED (``q_even``); the pairwise instructions are D-only (Q=1 UNDEFINED).
"""

from __future__ import annotations

from collections.abc import Callable

from .enc_neon import _both, _simd, pools, q_even
from .encodings import F


def sizes(*ok: int) -> Callable[[F], bool]:
    """Only element size fields ``ok`` are defined (the others are UNDEFINED for the instruction)."""
    return lambda f: f.s in ok


def even(*regs: str) -> Callable[[F], bool]:
    """Fixed Q operands (widening/narrowing forms): an odd register number is UNDEFINED."""
    return lambda f: all(f.get(r) & 1 == 0 for r in regs)


S3, S4, S12 = sizes(0, 1, 2), sizes(0, 1, 2, 3), sizes(1, 2)
QDNM = q_even("d", "n", "m")


def _same(name: str, u: str, a: str, b: str, ok: Callable[[F], bool] = S3) -> tuple:
    return _simd(name, u, f"0 D ss nnnn dddd {a} N Q M {b} mmmm", _both(QDNM, ok))


# ---- A7.4.1 three registers of the same length (VADD/VSUB/VQADD/VQSUB: enc_neon's neon_addsub) -----------------
NEON_3SAME = [
    _same("vhadd", "U", "0000", "0"), _same("vrhadd", "U", "0001", "0"), _same("vhsub", "U", "0010", "0"),
    _same("vbitwise", "U", "0001", "1", S4), _same("vcgt", "U", "0011", "0"), _same("vcge", "U", "0011", "1"),
    _same("vshl", "U", "0100", "0", S4), _same("vqshl", "U", "0100", "1", S4), _same("vrshl", "U", "0101", "0", S4),
    _same("vqrshl", "U", "0101", "1", S4), _same("vmax", "U", "0110", "0"), _same("vmin", "U", "0110", "1"),
    _same("vabd", "U", "0111", "0"), _same("vaba", "U", "0111", "1"), _same("vtst", "0", "1000", "1"),
    _same("vceq", "1", "1000", "1"), _same("vmla", "0", "1001", "0"), _same("vmls", "1", "1001", "0"),
    _same("vmul", "0", "1001", "1"), _same("vmul_p8", "1", "1001", "1", sizes(0)),
    _same("vqdmulh", "0", "1011", "0", S12), _same("vqrdmulh", "1", "1011", "0", S12),
    # pairwise: Q=1 is UNDEFINED, so Q is fixed at 0
    _simd("vpmax", "U", "0 D ss nnnn dddd 1010 N 0 M 0 mmmm", S3),
    _simd("vpmin", "U", "0 D ss nnnn dddd 1010 N 0 M 1 mmmm", S3),
    _simd("vpadd", "0", "0 D ss nnnn dddd 1011 N 0 M 1 mmmm", S3),
    # VORR/VBIC (immediate): one register and a modified immediate with cmode 0xx1 or 10x1 (op: VBIC)
    _simd("vorr_vbic_imm", "i", "1 D 000 jjj dddd xxxx 0 Q o 1 kkkk",
          _both(lambda f: f.x & 1 and f.x >> 2 != 0b11, q_even("d"))),
]  # fmt: skip


# ---- A7.4.4 two registers and a shift amount: L:imm6 = 0000xxx is the one-register-and-immediate space ----------
def _imm_ok(f: F) -> bool:
    return bool(f.L or f.i >> 3)


def _shift(name: str, u: str, a: str, ok: Callable[[F], bool] = lambda f: True) -> tuple:
    return _simd(name, u, f"1 D iiiiii dddd {a} L Q M 1 mmmm", _both(_imm_ok, q_even("d", "m"), ok))


def _narrow(name: str, u: str, a: str) -> tuple:
    # L=1 is UNDEFINED for the narrowing shifts (A7.4.4); Vm<0> == '1' is UNDEFINED (a Q source)
    return _simd(name, u, f"1 D iiiiii dddd {a} 0 B M 1 mmmm", _both(lambda f: f.i >> 3 != 0, even("m")))


NEON_SHIFT = [
    _shift("vshr", "U", "0000"), _shift("vsra", "U", "0001"), _shift("vrshr", "U", "0010"),
    _shift("vrsra", "U", "0011"), _shift("vsri", "1", "0100"), _shift("vshl_imm", "0", "0101"),
    _shift("vsli", "1", "0101"), _shift("vqshlu", "1", "0110"), _shift("vqshl_imm", "U", "0111"),
    _narrow("vshrn", "0", "1000"), _narrow("vqshrun", "1", "1000"), _narrow("vqshrn", "U", "1001"),
    # VSHLL (VMOVL when the shift is 0): L=0, Vd<0> == '1' UNDEFINED (a Q destination)
    _simd("vshll", "U", "1 D iiiiii dddd 1010 0 0 M 1 mmmm", _both(lambda f: f.i >> 3 != 0, even("d"))),
]  # fmt: skip


# ---- A7.4.5 two registers, miscellaneous: the integer ones ------------------------------------------------------
def _misc(name: str, a: str, b: str, ok: Callable[[F], bool] = S3) -> tuple:
    return _simd(name, "1", f"1 D 11 ss {a} dddd 0 {b} Q M 0 mmmm", _both(q_even("d", "m"), ok))


NEON_MISC_INT = [
    _misc("vpaddl", "00", "010o"), _misc("vcls", "00", "1000"), _misc("vclz", "00", "1001"),
    _misc("vcnt", "00", "1010", sizes(0)), _misc("vmvn", "00", "1011", sizes(0)), _misc("vpadal", "00", "110o"),
    _misc("vqabs", "00", "1110"), _misc("vqneg", "00", "1111"), _misc("vcgt0", "01", "0000"),
    _misc("vcge0", "01", "0001"), _misc("vceq0", "01", "0010"), _misc("vcle0", "01", "0011"),
    _misc("vclt0", "01", "0100"), _misc("vabs", "01", "0110"), _misc("vneg", "01", "0111"),
    # VSHLL with the maximum shift: Q destination (Vd<0> == '1' UNDEFINED)
    _simd("vshll_max", "1", "1 D 11 ss 10 dddd 0 0110 0 M 0 mmmm", _both(S3, even("d"))),
]  # fmt: skip


# ---- A7.4.2 three registers of different lengths (size == '11' is another encoding space) -------------------------
def _diff(name: str, u: str, a: str, regs: str, ok: Callable[[F], bool] = S3) -> tuple:
    return _simd(name, u, f"1 D ss nnnn dddd {a} N 0 M 0 mmmm", _both(even(*regs), ok))


NEON_3DIFF = [
    _diff("vaddl", "U", "0000", "d"), _diff("vaddw", "U", "0001", "dn"), _diff("vsubl", "U", "0010", "d"),
    _diff("vsubw", "U", "0011", "dn"), _diff("vaddhn", "U", "0100", "nm"), _diff("vabal", "U", "0101", "d"),
    _diff("vsubhn", "U", "0110", "nm"), _diff("vabdl", "U", "0111", "d"), _diff("vmlal", "U", "1000", "d"),
    _diff("vqdmlal", "0", "1001", "d", S12), _diff("vmlsl", "U", "1010", "d"),
    _diff("vqdmlsl", "0", "1011", "d", S12), _diff("vmull", "U", "1100", "d"),
    _diff("vqdmull", "0", "1101", "d", S12), _diff("vmull_p8", "0", "1110", "d", sizes(0)),
]  # fmt: skip


# ---- A7.4.3 two registers and a scalar (size 00 UNDEFINED, 11 another space) -------------------------------------
def _sc(name: str, u: str, a: str, regs: Callable[[F], bool]) -> tuple:
    return _simd(name, u, f"1 D ss nnnn dddd {a} N 1 M 0 mmmm", _both(regs, S12))


QDN = lambda f: not f.U or even("d", "n")(f)  # noqa: E731 - Q = U for these: Q=1 needs even Vd, Vn
NEON_SCALAR_INT = [
    _sc("vmla_sc", "U", "0000", QDN), _sc("vmls_sc", "U", "0100", QDN), _sc("vmul_sc", "U", "1000", QDN),
    _sc("vqdmulh_sc", "U", "1100", QDN), _sc("vqrdmulh_sc", "U", "1101", QDN),
    _sc("vmlal_sc", "U", "0010", even("d")), _sc("vmlsl_sc", "U", "0110", even("d")),
    _sc("vmull_sc", "U", "1010", even("d")), _sc("vqdmlal_sc", "0", "0011", even("d")),
    _sc("vqdmlsl_sc", "0", "0111", even("d")), _sc("vqdmull_sc", "0", "1011", even("d")),
]  # fmt: skip

CLASSES: dict[str, dict[str, Callable]] = {
    "neon_3same": pools(NEON_3SAME),
    "neon_shift": pools(NEON_SHIFT),
    "neon_misc_int": pools(NEON_MISC_INT),
    "neon_3diff": pools(NEON_3DIFF),
    "neon_scalar_int": pools(NEON_SCALAR_INT),
}
