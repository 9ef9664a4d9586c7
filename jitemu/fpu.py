"""ARM floating-point semantics on bit patterns, written from the ARM ARM pseudocode (ARMv7-A, VFPv4).

This module owns what a VFP (and later NEON) operation computes: FPUnpack (with flush-to-zero of
inputs), FPRound (every rounding mode, flush-to-zero of outputs, overflow/underflow/inexact), NaN
propagation and quieting (FPProcessNaN[s], default NaN), FPAdd/FPSub/FPMul/FPDiv/FPSqrt, the fused
FPMulAdd, FPCompare, the conversions between precisions (half precision with the AHP bit) and between
floating point and integers / fixed point.

Arithmetic is exact: a finite value is ``(sign, mant, exp)`` meaning ``(-1)**sign * mant * 2**exp`` with
Python ints, and quotients and square roots carry a sticky bit, so each rounding mode rounds correctly.

Every operation takes its operands as unsigned bit patterns plus the FPSCR and returns
``(result bits, new FPSCR)``: the FPSCR supplies the rounding mode, FZ, DN and AHP and collects the
cumulative exception flags.  ``FP_OPS`` is the table the IR's ``FP`` op refers to by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# FPSCR bits
IOC, DZC, OFC, UFC, IXC, IDC = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 7
FZ, DN, AHP = 1 << 24, 1 << 25, 1 << 26
RMODE_SHIFT = 22
RN, RP, RM, RZ = 0, 1, 2, 3
# "standard FPSCR value" used by Advanced SIMD: FZ and DN set, round to nearest
STANDARD_FPSCR = FZ | DN

ZERO, NONZERO, INF, QNAN, SNAN = range(5)


@dataclass(frozen=True, slots=True)
class Fmt:
    """An IEEE format: N bits, E exponent bits, F fraction bits."""

    n: int
    e: int

    @property
    def f(self) -> int:
        return self.n - self.e - 1

    @property
    def bias(self) -> int:
        return (1 << (self.e - 1)) - 1

    @property
    def min_exp(self) -> int:
        return 2 - (1 << (self.e - 1))

    @property
    def emax(self) -> int:
        return (1 << self.e) - 1

    def zero(self, sign: int) -> int:
        return sign << (self.n - 1)

    def inf(self, sign: int) -> int:
        return sign << (self.n - 1) | self.emax << self.f

    def max_normal(self, sign: int) -> int:
        return sign << (self.n - 1) | (self.emax - 1) << self.f | ((1 << self.f) - 1)

    def default_nan(self) -> int:
        return self.emax << self.f | 1 << (self.f - 1)

    def quiet(self, x: int) -> int:
        return x | 1 << (self.f - 1)


H, S, D = Fmt(16, 5), Fmt(32, 8), Fmt(64, 11)
FMTS = {16: H, 32: S, 64: D}


def unpack(fmt: Fmt, x: int, fpscr: int) -> tuple[int, int, int, int, int]:
    """FPUnpack: (type, sign, mant, exp, fpscr); denormals are flushed (IDC) when FZ is set (not half)."""
    f = fmt.f
    sign = x >> (fmt.n - 1) & 1
    e = x >> f & fmt.emax
    frac = x & ((1 << f) - 1)
    if e == 0:
        if frac == 0:
            return ZERO, sign, 0, 0, fpscr
        if fpscr & FZ and fmt.n != 16:
            return ZERO, sign, 0, 0, fpscr | IDC
        return NONZERO, sign, frac, fmt.min_exp - f, fpscr
    if e == fmt.emax and not (fmt.n == 16 and fpscr & AHP):
        if frac == 0:
            return INF, sign, 0, 0, fpscr
        return (QNAN if frac >> (f - 1) & 1 else SNAN), sign, 0, 0, fpscr
    return NONZERO, sign, frac | 1 << f, e - fmt.bias - f, fpscr


def round_fp(fmt: Fmt, sign: int, mant: int, exp: int, fpscr: int, sticky: bool = False) -> tuple[int, int]:
    """FPRound of (-1)**sign * (mant + epsilon) * 2**exp, epsilon in (0, 1) iff sticky; mant != 0."""
    f = fmt.f
    exponent = exp + mant.bit_length() - 1  # of the leading one
    if fpscr & FZ and fmt.n != 16 and exponent < fmt.min_exp:
        return fmt.zero(sign), fpscr | UFC
    biased = max(exponent - fmt.min_exp + 1, 0)
    lsb = (exponent if biased else fmt.min_exp) - f
    shift = lsb - exp
    if shift <= 0:
        int_mant = mant << -shift
        gt_half, eq_half, inexact = False, False, sticky
    else:
        int_mant = mant >> shift
        rem = mant & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        gt_half = rem > half or (rem == half and sticky)
        eq_half = rem == half and not sticky
        inexact = rem != 0 or sticky
    if biased == 0 and inexact:
        fpscr |= UFC
    mode = fpscr >> RMODE_SHIFT & 3
    if mode == RN:
        up, to_inf = gt_half or (eq_half and int_mant & 1 == 1), True
    elif mode == RP:
        up, to_inf = inexact and not sign, not sign
    elif mode == RM:
        up, to_inf = inexact and bool(sign), bool(sign)
    else:
        up, to_inf = False, False
    if up:
        int_mant += 1
        if int_mant == 1 << f:
            biased = 1
        if int_mant == 1 << (f + 1):
            biased += 1
            int_mant >>= 1
    if fmt.n == 16 and fpscr & AHP:
        if biased >= 1 << fmt.e:
            return sign << 15 | 0x7FFF, fpscr | IOC
    elif biased >= fmt.emax:
        res = fmt.inf(sign) if to_inf else fmt.max_normal(sign)
        return res, fpscr | OFC | IXC
    res = sign << (fmt.n - 1) | biased << f | (int_mant & ((1 << f) - 1))
    return res, fpscr | IXC if inexact else fpscr


def process_nan(fmt: Fmt, t: int, x: int, fpscr: int) -> tuple[int, int]:
    """FPProcessNaN: quiet a signalling NaN (IOC); DN gives the default NaN."""
    if t == SNAN:
        fpscr |= IOC
        x = fmt.quiet(x)
    return (fmt.default_nan() if fpscr & DN else x), fpscr


def process_nans(fmt: Fmt, ts: list[int], xs: list[int], fpscr: int) -> tuple[int, int] | None:
    """FPProcessNaNs / FPProcessNaNs3: the first signalling NaN, else the first quiet NaN, else None."""
    for want in (SNAN, QNAN):
        for t, x in zip(ts, xs, strict=True):
            if t == want:
                return process_nan(fmt, t, x, fpscr)
    return None


def _signed(sign: int, mant: int) -> int:
    return -mant if sign else mant


def _add_exact(s1: int, m1: int, e1: int, s2: int, m2: int, e2: int) -> tuple[int, int]:
    """Exact signed sum of two (sign, mant, exp) values: (signed mant, exp)."""
    e = min(e1, e2)
    return _signed(s1, m1 << (e1 - e)) + _signed(s2, m2 << (e2 - e)), e


def _round_signed(fmt: Fmt, v: int, e: int, fpscr: int) -> tuple[int, int]:
    """Round an exact signed value v * 2**e; an exact zero is +0 (-0 when rounding toward minus)."""
    if v == 0:
        return fmt.zero(1 if fpscr >> RMODE_SHIFT & 3 == RM else 0), fpscr
    return round_fp(fmt, int(v < 0), abs(v), e, fpscr)


def two_operands(fmt: Fmt, a: int, b: int, fpscr: int):
    """FPUnpack of both operands, then FPProcessNaNs: (op1, op2, fpscr, the NaN result or None)."""
    t1, s1, m1, e1, fpscr = unpack(fmt, a, fpscr)
    t2, s2, m2, e2, fpscr = unpack(fmt, b, fpscr)
    return (t1, s1, m1, e1), (t2, s2, m2, e2), fpscr, process_nans(fmt, [t1, t2], [a, b], fpscr)


def fp_add(fmt: Fmt, a: int, b: int, fpscr: int, negate_b: bool = False) -> tuple[int, int]:
    """FPAdd (FPSub with negate_b: NaN operands are still propagated unchanged)."""
    (t1, s1, m1, e1), (t2, s2, m2, e2), fpscr, nan = two_operands(fmt, a, b, fpscr)
    if nan:
        return nan
    s2 ^= negate_b
    if t1 == INF and t2 == INF and s1 != s2:
        return fmt.default_nan(), fpscr | IOC
    if t1 == INF or t2 == INF:
        return fmt.inf(s1 if t1 == INF else s2), fpscr
    if t1 == ZERO and t2 == ZERO and s1 == s2:
        return fmt.zero(s1), fpscr
    return _round_signed(fmt, *_add_exact(s1, m1, e1, s2, m2, e2), fpscr)


def fp_sub(fmt: Fmt, a: int, b: int, fpscr: int) -> tuple[int, int]:
    return fp_add(fmt, a, b, fpscr, negate_b=True)


def fp_mul(fmt: Fmt, a: int, b: int, fpscr: int) -> tuple[int, int]:
    (t1, s1, m1, e1), (t2, s2, m2, e2), fpscr, nan = two_operands(fmt, a, b, fpscr)
    if nan:
        return nan
    sign = s1 ^ s2
    if (t1 == INF and t2 == ZERO) or (t1 == ZERO and t2 == INF):
        return fmt.default_nan(), fpscr | IOC
    if t1 == INF or t2 == INF:
        return fmt.inf(sign), fpscr
    if t1 == ZERO or t2 == ZERO:
        return fmt.zero(sign), fpscr
    return round_fp(fmt, sign, m1 * m2, e1 + e2, fpscr)


def fp_div(fmt: Fmt, a: int, b: int, fpscr: int) -> tuple[int, int]:
    (t1, s1, m1, e1), (t2, s2, m2, e2), fpscr, nan = two_operands(fmt, a, b, fpscr)
    if nan:
        return nan
    sign = s1 ^ s2
    if (t1 == INF and t2 == INF) or (t1 == ZERO and t2 == ZERO):
        return fmt.default_nan(), fpscr | IOC
    if t1 == INF or t2 == ZERO:
        return fmt.inf(sign), fpscr | (DZC if t1 != INF else 0)
    if t1 == ZERO or t2 == INF:
        return fmt.zero(sign), fpscr
    k = fmt.f + 3 + m2.bit_length()  # the quotient keeps at least F+3 bits
    q, r = divmod(m1 << k, m2)
    return round_fp(fmt, sign, q, e1 - e2 - k, fpscr, sticky=r != 0)


def fp_sqrt(fmt: Fmt, a: int, fpscr: int) -> tuple[int, int]:
    t, s, m, e, fpscr = unpack(fmt, a, fpscr)
    if t in (QNAN, SNAN):
        return process_nan(fmt, t, a, fpscr)
    if t == ZERO:
        return fmt.zero(s), fpscr
    if t == INF and not s:
        return fmt.inf(0), fpscr
    if s:
        return fmt.default_nan(), fpscr | IOC
    k = 2 * fmt.f + 8  # the root keeps at least F+4 bits
    if (e - k) & 1:
        k += 1
    x = m << k
    root = math.isqrt(x)
    return round_fp(fmt, 0, root, (e - k) // 2, fpscr, sticky=root * root != x)


def fp_muladd(fmt: Fmt, addend: int, a: int, b: int, fpscr: int) -> tuple[int, int]:
    """FPMulAdd: addend + a * b with one rounding (VFMA & co; the lifter negates operands)."""
    t1, s1, m1, e1, fpscr = unpack(fmt, a, fpscr)
    t2, s2, m2, e2, fpscr = unpack(fmt, b, fpscr)
    ta, sa, ma, ea, fpscr = unpack(fmt, addend, fpscr)
    inf1, inf2, zero1, zero2 = t1 == INF, t2 == INF, t1 == ZERO, t2 == ZERO
    inf_zero = (inf1 and zero2) or (zero1 and inf2)
    nan = process_nans(fmt, [ta, t1, t2], [addend, a, b], fpscr)
    if ta == QNAN and inf_zero:
        return fmt.default_nan(), fpscr | IOC
    if nan:
        return nan
    sp = s1 ^ s2
    infp, zerop = inf1 or inf2, zero1 or zero2
    infa, zeroa = ta == INF, ta == ZERO
    if inf_zero or (infa and infp and sa != sp):
        return fmt.default_nan(), fpscr | IOC
    if infa or infp:
        return fmt.inf(sa if infa else sp), fpscr
    if zeroa and zerop and sa == sp:
        return fmt.zero(sa), fpscr
    return _round_signed(fmt, *_add_exact(sa, ma, ea, sp, m1 * m2, e1 + e2), fpscr)


def fp_compare(fmt: Fmt, a: int, b: int, fpscr: int, signal_qnan: bool) -> tuple[int, int]:
    """FPCompare: NZCV in bits 31:28 of the result (VCMPE: quiet NaNs also raise IOC)."""
    t1, s1, m1, e1, fpscr = unpack(fmt, a, fpscr)
    t2, s2, m2, e2, fpscr = unpack(fmt, b, fpscr)
    if t1 in (QNAN, SNAN) or t2 in (QNAN, SNAN):
        if SNAN in (t1, t2) or signal_qnan:
            fpscr |= IOC
        return 0b0011 << 28, fpscr
    v1 = _ordered(t1, s1, m1, e1)
    v2 = _ordered(t2, s2, m2, e2)
    c = (v1 > v2) - (v1 < v2)
    return (0b0110 if c == 0 else 0b1000 if c < 0 else 0b0010) << 28, fpscr


def _ordered(t: int, s: int, m: int, e: int) -> tuple[int, int]:
    """A key comparing like the value: (class, scaled mantissa) with infinities at the ends."""
    if t == INF:
        return (-2 if s else 2), 0
    if t == ZERO:
        return 0, 0
    # all finite values as integers at a common scale (2**-1200 is below every format's lsb)
    return 0, _signed(s, m << (e + 1200))


def fp_convert(src: Fmt, dst: Fmt, x: int, fpscr: int) -> tuple[int, int]:
    """FPSingleToDouble, FPDoubleToSingle, FPHalfToSingle, FPSingleToHalf (AHP: alternative half)."""
    t, s, m, e, fpscr = unpack(src, x, fpscr)
    ahp = dst.n == 16 and fpscr & AHP
    if t in (QNAN, SNAN):
        if ahp:
            return dst.zero(s), fpscr | IOC
        if t == SNAN:
            fpscr |= IOC
        if fpscr & DN:
            return dst.default_nan(), fpscr
        frac = x & ((1 << (src.f - 1)) - 1)  # payload below the quiet bit
        frac = frac << (dst.f - src.f) if dst.f > src.f else frac >> (src.f - dst.f)
        return s << (dst.n - 1) | dst.emax << dst.f | 1 << (dst.f - 1) | frac, fpscr
    if t == INF:
        if ahp:
            return s << 15 | 0x7FFF, fpscr | IOC
        return dst.inf(s), fpscr
    if t == ZERO:
        return dst.zero(s), fpscr
    return round_fp(dst, s, m, e, fpscr)


def fp_to_fixed(
    src: Fmt, x: int, fpscr: int, size: int, unsigned: bool, fbits: int, round_zero: bool
) -> tuple[int, int]:
    """FPToFixed: saturating conversion to a size-bit (un)signed integer with fbits fraction bits.

    The result is returned sign- or zero-extended to 32 bits (as the VFP register receives it)."""
    t, s, m, e, fpscr = unpack(src, x, fpscr)
    if t in (QNAN, SNAN):
        fpscr |= IOC
        v, e = 0, 0
    elif t == INF:
        v, e = _signed(s, 1), 4096
    else:
        v = _signed(s, m)
    e += fbits
    if e >= 0:
        ival, gt_half, eq_half, inexact = v << e, False, False, False
    else:
        ival = v >> -e
        rem = v - (ival << -e)
        half = 1 << (-e - 1)
        gt_half, eq_half, inexact = rem > half, rem == half, rem != 0
    mode = RZ if round_zero else fpscr >> RMODE_SHIFT & 3
    if mode == RN:
        up = gt_half or (eq_half and ival & 1 == 1)
    elif mode == RP:
        up = inexact
    elif mode == RM:
        up = False
    else:
        up = inexact and ival < 0
    ival += up
    lo, hi = (0, (1 << size) - 1) if unsigned else (-(1 << (size - 1)), (1 << (size - 1)) - 1)
    if ival < lo or ival > hi:
        ival = min(max(ival, lo), hi)
        fpscr |= IOC
    elif inexact:
        fpscr |= IXC
    return ival & 0xFFFFFFFF, fpscr


def fixed_to_fp(
    dst: Fmt, x: int, fpscr: int, size: int, unsigned: bool, fbits: int, round_nearest: bool
) -> tuple[int, int]:
    """FixedToFP: the low size bits of x as an (un)signed integer with fbits fraction bits."""
    x &= (1 << size) - 1
    v = x if unsigned or not x >> (size - 1) else x - (1 << size)
    if v == 0:
        return dst.zero(0), fpscr
    if round_nearest:
        r, new = round_fp(dst, int(v < 0), abs(v), -fbits, fpscr & ~(3 << RMODE_SHIFT))
        return r, new & ~(3 << RMODE_SHIFT) | fpscr & (3 << RMODE_SHIFT)
    return round_fp(dst, int(v < 0), abs(v), -fbits, fpscr)


# ---- the operation table used by the IR's FP op ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FPOp:
    """One FP operation: fn(*operand bits, fpscr) -> (result bits, fpscr)."""

    name: str
    fn: Callable[..., tuple[int, int]]
    arg_widths: tuple[int, ...]  # operand widths (the FPSCR argument follows them)
    ret_width: int


FP_OPS: dict[str, FPOp] = {}


def register(name: str, fn: Callable[..., tuple[int, int]], arg_widths: tuple[int, ...], ret_width: int) -> None:
    """Add an operation to ``FP_OPS`` (VFP operations here, Advanced SIMD ones from ``jitemu.neon``)."""
    assert name not in FP_OPS, name
    FP_OPS[name] = FPOp(name, fn, arg_widths, ret_width)


def _build_table() -> None:
    for n in (32, 64):
        fmt = FMTS[n]
        p = f"f{n}"
        register(f"add.{p}", lambda a, b, s, fmt=fmt: fp_add(fmt, a, b, s), (n, n), n)
        register(f"sub.{p}", lambda a, b, s, fmt=fmt: fp_sub(fmt, a, b, s), (n, n), n)
        register(f"mul.{p}", lambda a, b, s, fmt=fmt: fp_mul(fmt, a, b, s), (n, n), n)
        register(f"div.{p}", lambda a, b, s, fmt=fmt: fp_div(fmt, a, b, s), (n, n), n)
        register(f"sqrt.{p}", lambda a, s, fmt=fmt: fp_sqrt(fmt, a, s), (n,), n)
        register(f"muladd.{p}", lambda c, a, b, s, fmt=fmt: fp_muladd(fmt, c, a, b, s), (n, n, n), n)
        for e, quiet in (("cmp", False), ("cmpe", True)):
            register(f"{e}.{p}", lambda a, b, s, fmt=fmt, q=quiet: fp_compare(fmt, a, b, s, q), (n, n), 32)
        for size in (16, 32):
            for u in (False, True):
                it = f"{'u' if u else 's'}{size}"
                for rz in (True, False):
                    register(f"tofix.{it}.{p}.{'rz' if rz else 'rm'}",
                              lambda a, fb, s, fmt=fmt, size=size, u=u, rz=rz: fp_to_fixed(fmt, a, s, size, u, fb, rz),
                              (n, 32), 32)  # fmt: skip
                for rn in (True, False):
                    register(f"fromfix.{p}.{it}.{'rn' if rn else 'rm'}",
                              lambda a, fb, s, fmt=fmt, size=size, u=u, rn=rn: fixed_to_fp(fmt, a, s, size, u, fb, rn),
                              (32, 32), n)  # fmt: skip
    for src, dst in ((32, 64), (64, 32), (16, 32), (32, 16)):
        register(f"cvt.f{dst}.f{src}", lambda a, s, sf=FMTS[src], df=FMTS[dst]: fp_convert(sf, df, a, s), (src,), dst)


_build_table()
