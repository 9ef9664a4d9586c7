"""Random valid Advanced SIMD encodings: the perm family (see ``enc_neon`` for the conventions).

Element and structure loads/stores (A7.7, A8.8.320-A8.8.404): Rn = PC is UNPREDICTABLE for all of them, and so
is a register list running past d31; base pointers are 32-byte aligned (alignment faults are not compared).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .enc_neon import _simd_ldst, pools
from .encodings import PC, F, ptr

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

CLASSES: dict[str, dict[str, Callable]] = {
    "neon_ldst_multi": pools(NEON_LDST_MULTI),
    "neon_ldst_lane": pools(NEON_LDST_LANE),
    "neon_ldst_all": pools(NEON_LDST_ALL),
}
