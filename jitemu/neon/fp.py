"""Advanced SIMD floating point on f32 lanes: ``jitemu.fpu`` operations with the standard FPSCR (flush to
zero, default NaN, round to nearest) whose exception flags land in the real FPSCR; VRECPE/VRSQRTE
estimates and the VRECPS/VRSQRTS steps (registered in ``jitemu.fpu.FP_OPS``).

Every operation computes with ``StandardFPSCRValue()`` (FZ=1, DN=1, round to nearest, and the real AHP,
which only the half-precision conversions read) and ORs the cumulative flags it raised into the real
FPSCR, whose control bits are left alone (ARM ARM A2.7.5, "Floating-point data types and arithmetic").

Names: ``<op>.f32.<d|q>`` for lane-wise operations on f32 lanes; the integer/float conversions are
``tofix.<s32|u32>.f32.<d|q>`` and ``fromfix.f32.<s32|u32>.<d|q>`` with the number of fraction bits as a
second (32-bit) argument; the half conversions are ``cvt.f16.f32.q`` (Q -> D) and ``cvt.f32.f16.q``
(D -> Q); ``recpe.u32`` / ``rsqrte.u32`` are the unsigned fixed-point estimates (no FPSCR effect).
"""

from __future__ import annotations

from collections.abc import Callable

from jitemu.fpu import (
    AHP,
    DZC,
    IDC,
    INF,
    IOC,
    IXC,
    OFC,
    QNAN,
    SNAN,
    STANDARD_FPSCR,
    UFC,
    ZERO,
    H,
    S,
    fixed_to_fp,
    fp_add,
    fp_compare,
    fp_convert,
    fp_mul,
    fp_muladd,
    fp_sub,
    fp_to_fixed,
    process_nan,
    register,
    two_operands,
    unpack,
)
from jitemu.neon.lanes import WIDTHS

FLAGS = IOC | DZC | OFC | UFC | IXC | IDC  # the cumulative exception flags
SIGN = 0x80000000
ONES = 0xFFFFFFFF
TWO, THREE, HALF = 0x40000000, 0x40400000, 0x3F000000

Lane = Callable[..., tuple[int, int]]  # f(*lane bits, standard fpscr) -> (lane bits, standard fpscr)


# ---- lane operations ------------------------------------------------------------------------------------
def _maxmin(a: int, b: int, st: int, is_max: bool) -> tuple[int, int]:
    """FPMax / FPMin: NaNs propagate (default NaN), zeros of both signs give +0 (max) / -0 (min)."""
    (t1, s1, _, _), (t2, s2, _, _), st, nan = two_operands(S, a, b, st)
    if nan:
        return nan
    if t1 == ZERO and t2 == ZERO:
        return S.zero(s1 & s2 if is_max else s1 | s2), st
    nzcv, st = fp_compare(S, a, b, st, False)
    first = nzcv == 0x20000000 if is_max else nzcv == 0x80000000  # a > b / a < b
    t, x = (t1, a) if first else (t2, b)
    if t == ZERO:  # a flushed denormal against a nonzero value
        return S.zero(s1 & s2 if is_max else s1 | s2), st
    return x, st


def _compare(nzcv_ok: tuple[int, ...], quiet: bool, absolute: bool = False) -> Lane:
    """FPCompareEQ/GE/GT (VACGE/VACGT on absolute values): all ones when the NZCV result is one of
    ``nzcv_ok``; only an EQ test is quiet about quiet NaNs."""
    mask = ~SIGN if absolute else ONES

    def cmp(a: int, b: int, st: int) -> tuple[int, int]:
        nzcv, st = fp_compare(S, a & mask, b & mask, st, not quiet)
        return (ONES if nzcv >> 28 in nzcv_ok else 0), st

    return cmp


def _step(a: int, b: int, st: int, rsqrt: bool) -> tuple[int, int]:
    """FPRecipStep (2 - a*b) / FPRSqrtStep ((3 - a*b) / 2); infinity times zero counts as a zero product."""
    (t1, *_), (t2, *_), st, nan = two_operands(S, a, b, st)
    if nan:
        return nan
    if (t1 == INF and t2 == ZERO) or (t1 == ZERO and t2 == INF):
        p = 0
    else:
        p, st = fp_mul(S, a, b, st)
    if not rsqrt:
        return fp_sub(S, TWO, p, st)
    r, st = fp_sub(S, THREE, p, st)
    return fp_mul(S, r, HALF, st)  # exact: 3 - p is never tiny (p's ulp near 3 is 2**-22)


def _recip_estimate(q: int) -> int:
    """The ARM ARM's recip_estimate() on a = q/512 (q in 256..511), as 256 * the estimate (256..511)."""
    r = 1.0 / ((q + 0.5) / 512.0)
    return int(256.0 * r + 0.5)


def _rsqrt_estimate(q: int, scale: float) -> int:
    """recip_sqrt_estimate() on a = q/scale (a in [0.25, 0.5) with 512, [0.5, 1) with 256), times 256."""
    r = 1.0 / ((q + 0.5) / scale) ** 0.5
    return int(256.0 * r + 0.5)


# estimates by the 8 (recip) / 7 (rsqrt) bits below the leading one; rsqrt by exponent parity (odd: [0.25, 0.5))
RECIP = [_recip_estimate(256 + i) for i in range(256)]
RSQRT = ([_rsqrt_estimate(128 + i, 256.0) for i in range(128)], [_rsqrt_estimate(128 + i, 512.0) for i in range(128)])


def _recpe(x: int, st: int) -> tuple[int, int]:
    """FPRecipEstimate."""
    t, s, _, _, st = unpack(S, x, st)
    if t in (QNAN, SNAN):
        return process_nan(S, t, x, st)
    if t == INF:
        return S.zero(s), st
    if t == ZERO:
        return S.inf(s), st | DZC
    e = x >> 23 & 0xFF
    if e >= 253:  # |x| >= 2**126: the reciprocal underflows
        return S.zero(s), st | UFC
    return s << 31 | (253 - e) << 23 | (RECIP[x >> 15 & 0xFF] - 256) << 15, st


def _rsqrte(x: int, st: int) -> tuple[int, int]:
    """FPRSqrtEstimate."""
    t, s, _, _, st = unpack(S, x, st)
    if t in (QNAN, SNAN):
        return process_nan(S, t, x, st)
    if t == ZERO:
        return S.inf(s), st | DZC
    if s:
        return S.default_nan(), st | IOC
    if t == INF:
        return 0, st
    e = x >> 23 & 0xFF
    return (380 - e) // 2 << 23 | (RSQRT[e & 1][x >> 16 & 0x7F] - 256) << 15, st


def _recpe_u32(x: int, st: int) -> tuple[int, int]:
    """UnsignedRecipEstimate: x as a fraction 0.x in [0.5, 1), else all ones."""
    if not x >> 31:
        return ONES, st
    return SIGN | (RECIP[x >> 23 & 0xFF] - 256) << 23, st


def _rsqrte_u32(x: int, st: int) -> tuple[int, int]:
    """UnsignedRSqrtEstimate: x as a fraction 0.x in [0.25, 1), else all ones."""
    if not x >> 30:
        return ONES, st
    est = RSQRT[0][x >> 24 & 0x7F] if x >> 31 else RSQRT[1][x >> 23 & 0x7F]
    return SIGN | (est - 256) << 23, st


def _mla(d: int, n: int, m: int, st: int) -> tuple[int, int]:
    p, st = fp_mul(S, n, m, st)
    return fp_add(S, d, p, st)


def _mls(d: int, n: int, m: int, st: int) -> tuple[int, int]:
    p, st = fp_mul(S, n, m, st)
    return fp_sub(S, d, p, st)


def _abd(a: int, b: int, st: int) -> tuple[int, int]:
    r, st = fp_sub(S, a, b, st)
    return r & ~SIGN, st


LANE_OPS: dict[str, tuple[Lane, int]] = {  # name -> (lane function, operand count)
    "add": (lambda a, b, st: fp_add(S, a, b, st), 2),
    "sub": (lambda a, b, st: fp_sub(S, a, b, st), 2),
    "mul": (lambda a, b, st: fp_mul(S, a, b, st), 2),
    "abd": (_abd, 2),
    "max": (lambda a, b, st: _maxmin(a, b, st, True), 2),
    "min": (lambda a, b, st: _maxmin(a, b, st, False), 2),
    "ceq": (_compare((0b0110,), quiet=True), 2),
    "cge": (_compare((0b0110, 0b0010), quiet=False), 2),
    "cgt": (_compare((0b0010,), quiet=False), 2),
    "acge": (_compare((0b0110, 0b0010), quiet=False, absolute=True), 2),
    "acgt": (_compare((0b0010,), quiet=False, absolute=True), 2),
    "recps": (lambda a, b, st: _step(a, b, st, False), 2),
    "rsqrts": (lambda a, b, st: _step(a, b, st, True), 2),
    "mla": (_mla, 3),  # Vd, Vn, Vm: two roundings
    "mls": (_mls, 3),
    "fma": (lambda d, n, m, st: fp_muladd(S, d, n, m, st), 3),  # one rounding
    "fms": (lambda d, n, m, st: fp_muladd(S, d, n ^ SIGN, m, st), 3),
    "recpe": (_recpe, 1),
    "rsqrte": (_rsqrte, 1),
}
PAIRWISE = ("add", "max", "min")  # VPADD / VPMAX / VPMIN: D registers only
ESTIMATES_U32 = {"recpe": _recpe_u32, "rsqrte": _rsqrte_u32}


# ---- registration ---------------------------------------------------------------------------------------
def _lanewise(fn: Lane, width: int, esize: int = 32) -> Callable[..., tuple[int, int]]:
    """fn over the ``esize``-bit lanes of same-shaped operands, with the standard FPSCR threaded through the
    lanes and its flags merged into the real FPSCR (the last argument)."""
    shifts = range(0, width, esize)
    m = (1 << esize) - 1

    def op(*args: int) -> tuple[int, int]:
        *vs, fpscr = args
        st = STANDARD_FPSCR | fpscr & AHP
        out = 0
        for i in shifts:
            r, st = fn(*[v >> i & m for v in vs], st)
            out |= r << i
        return out, fpscr | st & FLAGS

    return op


def _pairwise(fn: Lane) -> Callable[..., tuple[int, int]]:
    """VPADD/VPMAX/VPMIN.F32 Dd, Dn, Dm: lane 0 = fn(n0, n1), lane 1 = fn(m0, m1)."""

    def op(n: int, m: int, fpscr: int) -> tuple[int, int]:
        st = STANDARD_FPSCR
        lo, st = fn(n & ONES, n >> 32, st)
        hi, st = fn(m & ONES, m >> 32, st)
        return lo | hi << 32, fpscr | st & FLAGS

    return op


def _with_fbits(conv: Callable[[int, int, int], tuple[int, int]], width: int) -> Callable[..., tuple[int, int]]:
    """A conversion ``conv(x, fbits, st)`` over the 32-bit lanes of a D/Q value, fbits the second argument."""
    per_fbits = [_lanewise(lambda x, st, fb=fb: conv(x, fb, st), width) for fb in range(33)]
    return lambda v, fbits, fpscr: per_fbits[fbits](v, fpscr)


def _half(narrow: bool) -> Callable[..., tuple[int, int]]:
    """VCVT.F16.F32 Dd, Qm (narrow) / VCVT.F32.F16 Qd, Dm; the standard FPSCR keeps the real AHP."""
    src, dst, sw, dw = (S, H, 32, 16) if narrow else (H, S, 16, 32)

    def op(v: int, fpscr: int) -> tuple[int, int]:
        st = STANDARD_FPSCR | fpscr & AHP
        out = 0
        for i in range(4):
            r, st = fp_convert(src, dst, v >> (i * sw) & ((1 << sw) - 1), st)
            out |= r << (i * dw)
        return out, fpscr | st & FLAGS

    return op


def _build() -> None:
    for suffix, width in WIDTHS.items():
        for name, (fn, nargs) in LANE_OPS.items():
            register(f"{name}.f32.{suffix}", _lanewise(fn, width), (width,) * nargs, width)
        for name, fn in ESTIMATES_U32.items():
            register(f"{name}.u32.{suffix}", _lanewise(fn, width), (width,), width)
        for u in (False, True):
            it = f"{'u' if u else 's'}32"
            to = _with_fbits(lambda x, fb, st, u=u: fp_to_fixed(S, x, st, 32, u, fb, True), width)
            register(f"tofix.{it}.f32.{suffix}", to, (width, 32), width)
            frm = _with_fbits(lambda x, fb, st, u=u: fixed_to_fp(S, x, st, 32, u, fb, True), width)
            register(f"fromfix.f32.{it}.{suffix}", frm, (width, 32), width)
    for name in PAIRWISE:
        register(f"p{name}.f32.d", _pairwise(LANE_OPS[name][0]), (64, 64), 64)
    register("cvt.f16.f32.q", _half(True), (128,), 64)
    register("cvt.f32.f16.q", _half(False), (64,), 128)


_build()
