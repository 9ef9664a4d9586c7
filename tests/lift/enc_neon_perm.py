"""Random valid Advanced SIMD encodings: the perm family (see ``enc_neon`` for the conventions).

Element and structure loads/stores (A7.7, A8.8.320-A8.8.404): Rn = PC is UNPREDICTABLE for all of them, and so
is a register list running past d31; base pointers are 32-byte aligned (alignment faults are not compared).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .enc_neon import _both, _simd, _simd_ldst, pools, q_even
from .encodings import PC, SP_PC, F, _vfp, ptr

# multiple structures (A7.7.1 type field): type -> (registers spanned from D:Vd, UNDEFINED when)
_MULTI = {
    0b0111: (1, lambda f: f.a & 2), 0b1010: (2, lambda f: f.a == 3), 0b0110: (3, lambda f: f.a & 2),
    0b0010: (4, lambda f: False),  # VLD1/VST1: 1-4 registers
    0b1000: (2, lambda f: f.s == 3 or f.a == 3), 0b1001: (3, lambda f: f.s == 3 or f.a == 3),
    0b0011: (4, lambda f: f.s == 3),  # VLD2/VST2: spacing 1, 2, two pairs
    0b0100: (3, lambda f: f.s == 3 or f.a & 2), 0b0101: (5, lambda f: f.s == 3 or f.a & 2),  # VLD3/VST3
    0b0000: (4, lambda f: f.s == 3), 0b0001: (7, lambda f: f.s == 3),  # VLD4/VST4
}  # fmt: skip


def _dreg(f: F) -> int:
    return f.D << 4 | f.d


def _multi_ok(f: F) -> bool:
    """Other type values are other encodings (UNDEFINED here); per-type UNDEFINED size/align values."""
    if f.t not in _MULTI or f.n == PC:
        return False
    span, undef = _MULTI[f.t]
    return not undef(f) and _dreg(f) + span <= 32


def _lane_ok(f: F) -> bool:
    """Single lane: index_align bits that must be zero, per VLDn and size (else UNDEFINED)."""
    size, n, ia = f.z, f.N + 1, f.i
    if size == 3 or f.n == PC:
        return False  # size 11 is the all-lanes form
    undef = {
        1: (ia & 1, ia & 2, ia & 4 or ia & 3 not in (0, 3)),
        2: (0, 0, ia & 2),
        3: (ia & 1, ia & 1, ia & 3),
        4: (0, 0, ia & 3 == 3),
    }[n][size]
    inc = 1 if n == 1 or size == 0 else 1 + (ia >> size & 1)  # register spacing: index_align<1> / <2>
    return not undef and _dreg(f) + 1 + (n - 1) * inc <= 32


def _all_ok(f: F) -> bool:
    """All lanes: UNDEFINED sizes and alignments per VLDn (VLD1: size 11, or size 00 with a; VLD2: size 11;
    VLD3: size 11 or a; VLD4: size 11 with a = 0)."""
    n, s, a = f.N + 1, f.s, f.a
    undef = {1: s == 3 or (s == 0 and a), 2: s == 3, 3: s == 3 or a, 4: s == 3 and not a}[n]
    span = 1 + f.T if n == 1 else 1 + (n - 1) * (1 + f.T)
    return not undef and f.n != PC and _dreg(f) + span <= 32


def _ptr32(f: F, rng: random.Random) -> dict:
    return {f.n: ptr(rng, 32)}


NEON_LDST_MULTI = [_simd_ldst("vldn_multi", "0 D L 0 nnnn dddd tttt ss aa mmmm", _multi_ok, _ptr32)]
NEON_LDST_LANE = [_simd_ldst("vldn_lane", "1 D L 0 nnnn dddd zz NN iiii mmmm", _lane_ok, _ptr32)]
NEON_LDST_ALL = [_simd_ldst("vldn_all", "1 D 1 0 nnnn dddd 11 NN ss T a mmmm", _all_ok, _ptr32)]

# VDUP (core register, A8.8.319): B:E = 11 UNDEFINED; Rt = PC UNPREDICTABLE (and SP in T32: left out in both)
# VDUP (scalar, A8.8.318): imm4 = x000 UNDEFINED
NEON_DUP = [
    _vfp("vdup_core", "1110 1 B Q 0 dddd tttt 1011 D 0 E 1 0000", lambda f: f.t not in SP_PC and not (f.B and f.E)
         and q_even("d")(f)),
    _simd("vdup_scalar", "1", "1 D 11 iiii dddd 1100 0 Q M 0 mmmm", lambda f: f.i & 7 and q_even("d")(f)),
]  # fmt: skip

# one register and a modified immediate (A7.4.6): VMOV, VMVN, VORR, VBIC; cmode 1111 with op 1 UNDEFINED
NEON_IMM = [
    _simd("simd_imm", "i", "1 D 000 jjj dddd xxxx 0 Q o 1 kkkk", lambda f: not (f.x == 15 and f.o) and q_even("d")(f)),
]


# VEXT (imm4<3> with D registers UNDEFINED), VREV (op + size >= 3 UNDEFINED), VSWP (size != 00 UNDEFINED),
# VTRN (size 11), VUZP/VZIP (size 11, or size 10 with D registers: UNDEFINED); VTRN/VUZP/VZIP with Vd = Vm
# leave the register UNKNOWN (the ARM ARM pseudocode), so the register numbers differ
def _distinct(f: F) -> bool:
    return (f.D << 4 | f.d) != (f.M << 4 | f.m)


NEON_PERM = [
    # VMOV (register) is VORR with Vn = Vm (other Vn: VORR, the integer family's class)
    _simd("vmov_reg", "0", "0 D 10 nnnn dddd 0001 N Q M 1 mmmm",
          _both(q_even("d", "m"), lambda f: (f.N << 4 | f.n) == (f.M << 4 | f.m))),
    _simd("vext", "0", "1 D 11 nnnn dddd iiii N Q M 0 mmmm", _both(q_even("d", "n", "m"), lambda f: f.Q or f.i < 8)),
    _simd("vrev", "1", "1 D 11 ss 00 dddd 0 00 oo Q M 0 mmmm", _both(q_even("d", "m"), lambda f: f.o + f.s < 3)),
    _simd("vswp", "1", "1 D 11 00 10 dddd 0 0000 Q M 0 mmmm", q_even("d", "m")),
    _simd("vtrn", "1", "1 D 11 ss 10 dddd 0 0001 Q M 0 mmmm",
          _both(q_even("d", "m"), lambda f: f.s != 3 and _distinct(f))),
    _simd("vuzp_vzip", "1", "1 D 11 ss 10 dddd 0 001 o Q M 0 mmmm",
          _both(q_even("d", "m"), lambda f: f.s != 3 and (f.Q or f.s != 2) and _distinct(f))),
]  # fmt: skip

# VTBL/VTBX (A8.8.419): a table running past d31 is UNPREDICTABLE
NEON_TBL = [_simd("vtbl_vtbx", "1", "1 D 11 nnnn dddd 10 ll N o M 0 mmmm", lambda f: (f.N << 4 | f.n) + f.l < 32)]

# VMOVN, VQMOVUN, VQMOVN (A8.8.340, A8.8.371): size 11 or an odd Vm UNDEFINED
NEON_NARROW = [_simd("vmovn", "1", "1 D 11 ss 10 dddd 0 010 oo M 0 mmmm", lambda f: f.s != 3 and not f.m & 1)]

CLASSES: dict[str, dict[str, Callable]] = {
    "neon_dup": pools(NEON_DUP),
    "neon_imm": pools(NEON_IMM),
    "neon_perm": pools(NEON_PERM),
    "neon_tbl": pools(NEON_TBL),
    "neon_narrow": pools(NEON_NARROW),
    "neon_ldst_multi": pools(NEON_LDST_MULTI),
    "neon_ldst_lane": pools(NEON_LDST_LANE),
    "neon_ldst_all": pools(NEON_LDST_ALL),
}
