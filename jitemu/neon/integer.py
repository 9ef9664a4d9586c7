"""Advanced SIMD integer and polynomial operations, registered in ``jitemu.fpu.FP_OPS``.

Names are ``<op>.<element type>.<d|q>`` with the element type of the instruction (``i8`` where signedness
does not matter, ``s16``/``u16``, ``p8``: the type the instruction names, i.e. its source lanes) and the
width of its ``Q``-selected operands (the widening and narrowing forms, fixed D<->Q, have no width part
except VPADDL/VPADAL).  Shifts by an
immediate take the shift amount as an extra 32-bit operand (after the vectors); the left ones are
``shli``/``qshli``/``qshlui`` (``shl``/``qshl`` are the register forms).  Operands are listed in
the order the lifter passes them: an accumulating instruction (VMLA, VABA, VSRA, VSLI, VMLAL...) passes the
old destination first.

Each lane function gets the lanes of every operand (signed for the signed types) and returns the result
lane, or for the saturating ones a pair (lane, saturated) whose saturation sets FPSCR.QC.  Plain add and
subtract are also expressible in the IR's integer ops, but as ``FP`` operations the LLVM backend maps the
common ones onto LLVM vector instructions (``codegen/llvm_vec.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from jitemu.fpu import register
from jitemu.neon.lanes import WIDTHS, elementwise, join, lanes, lanewise, saturate, signed

ESIZES = (8, 16, 32, 64)
Lane = Callable[..., "int | tuple[int, bool]"]


def pairwise(name: str, fn: Callable[[int, int], int], e_in: int, e_out: int, width: int, nsrc: int,
             is_signed: bool, acc: bool = False) -> None:  # fmt: skip
    """Register ``name``: ``fn`` of adjacent lane pairs of the ``nsrc`` operands' lanes laid end to end
    (VPADD/VPMAX/VPMIN: two operands; VPADDL: one, with wider result lanes; ``acc``: VPADAL adds the
    result lanes to a first, accumulator operand)."""

    def op(*args: int) -> tuple[int, int]:
        *vs, fpscr = args
        a = lanes(vs.pop(0), e_out, width) if acc else None
        xs = [x for v in vs for x in lanes(v, e_in, width)]
        if is_signed:
            xs = [signed(x, e_in) for x in xs]
        res = [fn(xs[i], xs[i + 1]) for i in range(0, len(xs), 2)]
        if a is not None:
            res = [x + y for x, y in zip(a, res, strict=True)]
        return join(res, e_out), fpscr

    register(name, op, (width,) * (nsrc + acc), width)


def _types(e: int, both: bool = True) -> list[tuple[str, bool]]:
    return [(f"s{e}", True), (f"u{e}", False)] if both else [(f"s{e}", True)]


# ---- lane functions ------------------------------------------------------------------------------------------
def _rnd(x: int, sh: int) -> int:
    """x >> sh rounded (ARM: (x + (1 << (sh - 1))) >> sh); sh <= 0 is a left shift by -sh."""
    return (x + (1 << (sh - 1))) >> sh if sh > 0 else x << -sh


def _shl(x: int, sh: int) -> int:
    return x << sh if sh >= 0 else x >> -sh


def _pmul(a: int, b: int) -> int:
    """Polynomial (carry-less) multiplication over GF(2)."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        b >>= 1
    return r


def _cls(x: int, e: int) -> int:
    """Leading sign bits after the sign bit (x unsigned)."""
    y = x ^ (x >> 1)  # bit i set where bits i and i+1 differ
    return e - 1 - (y & ((1 << (e - 1)) - 1)).bit_length()


def _sv(x: int) -> int:
    """A shift-amount lane: the signed value of its least significant byte (VSHL/VRSHL register forms)."""
    b = x & 0xFF
    return b - 256 if b & 0x80 else b


def _build_same() -> None:
    """Three registers of the same length (A7.4.1) and their two-operand and unary relatives."""
    for e in ESIZES:
        one = (1 << e) - 1
        elementwise(f"add.i{e}", e, lambda a, b: a + b)
        elementwise(f"sub.i{e}", e, lambda a, b: a - b)
        elementwise(f"tst.i{e}", e, lambda a, b, one=one: one if a & b else 0)
        elementwise(f"ceq.i{e}", e, lambda a, b, one=one: one if a == b else 0)
        elementwise(f"mul.i{e}", e, lambda a, b: a * b)
        elementwise(f"mla.i{e}", e, lambda d, a, b: d + a * b, nargs=3)
        elementwise(f"mls.i{e}", e, lambda d, a, b: d - a * b, nargs=3)
        elementwise(f"neg.s{e}", e, lambda a: -a, nargs=1)
        elementwise(f"abs.s{e}", e, lambda a: abs(a), nargs=1, is_signed=True)
        elementwise(f"qneg.s{e}", e, lambda a, e=e: saturate(-a, e, True), nargs=1, is_signed=True, sat=True)
        elementwise(f"qabs.s{e}", e, lambda a, e=e: saturate(abs(a), e, True), nargs=1, is_signed=True, sat=True)
        elementwise(f"clz.i{e}", e, lambda a, e=e: e - a.bit_length(), nargs=1)
        elementwise(f"cls.s{e}", e, lambda a, e=e: _cls(a, e), nargs=1)
        for c, f in (("ceq0", int.__eq__), ("cge0", int.__ge__), ("cgt0", int.__gt__), ("cle0", int.__le__),
                     ("clt0", int.__lt__)):  # fmt: skip
            elementwise(f"{c}.s{e}", e, lambda a, f=f, one=one: one if f(a, 0) else 0, nargs=1, is_signed=True)
        if e in (16, 32):
            h = 1 << (e - 1)
            elementwise(f"qdmulh.s{e}", e, lambda a, b, e=e: saturate(2 * a * b >> e, e, True), is_signed=True,
                        sat=True)  # fmt: skip
            elementwise(f"qrdmulh.s{e}", e, lambda a, b, e=e, h=h: saturate((2 * a * b + h) >> e, e, True),
                        is_signed=True, sat=True)  # fmt: skip
        for t, s in _types(e):
            elementwise(f"qadd.{t}", e, lambda a, b, e=e, s=s: saturate(a + b, e, s), is_signed=s, sat=True)
            elementwise(f"qsub.{t}", e, lambda a, b, e=e, s=s: saturate(a - b, e, s), is_signed=s, sat=True)
            elementwise(f"hadd.{t}", e, lambda a, b: (a + b) >> 1, is_signed=s)
            elementwise(f"hsub.{t}", e, lambda a, b: (a - b) >> 1, is_signed=s)
            elementwise(f"rhadd.{t}", e, lambda a, b: (a + b + 1) >> 1, is_signed=s)
            elementwise(f"cgt.{t}", e, lambda a, b, one=one: one if a > b else 0, is_signed=s)
            elementwise(f"cge.{t}", e, lambda a, b, one=one: one if a >= b else 0, is_signed=s)
            elementwise(f"max.{t}", e, max, is_signed=s)
            elementwise(f"min.{t}", e, min, is_signed=s)
            elementwise(f"abd.{t}", e, lambda a, b: abs(a - b), is_signed=s)
            elementwise(f"aba.{t}", e, lambda d, a, b: d + abs(a - b), nargs=3, is_signed=s)
            elementwise(f"shl.{t}", e, lambda a, b: _shl(a, _sv(b)), is_signed=s)
            elementwise(f"rshl.{t}", e, lambda a, b: _rnd(a, -_sv(b)), is_signed=s)
            elementwise(f"qshl.{t}", e, lambda a, b, e=e, s=s: saturate(_shl(a, _sv(b)), e, s), is_signed=s,
                        sat=True)  # fmt: skip
            elementwise(f"qrshl.{t}", e, lambda a, b, e=e, s=s: saturate(_rnd(a, -_sv(b)), e, s), is_signed=s,
                        sat=True)  # fmt: skip
    elementwise("mul.p8", 8, _pmul)
    elementwise("cnt.i8", 8, lambda a: a.bit_count(), nargs=1)
    for e in (8, 16, 32):
        for t, s in _types(e):
            pairwise(f"pmax.{t}.d", max, e, e, 64, 2, s)
            pairwise(f"pmin.{t}.d", min, e, e, 64, 2, s)
            for k, w in WIDTHS.items():
                pairwise(f"paddl.{t}.{k}", lambda a, b: a + b, e, 2 * e, w, 1, s)
                pairwise(f"padal.{t}.{k}", lambda a, b: a + b, e, 2 * e, w, 1, s, acc=True)
        pairwise(f"padd.i{e}.d", lambda a, b: a + b, e, e, 64, 2, False)


def _build_shift_imm() -> None:
    """Two registers and a shift amount (A7.4.4): the amount is the trailing 32-bit operand."""
    for e in ESIZES:
        one = (1 << e) - 1
        for k, w in WIDTHS.items():
            sh = ((e, w),)
            acc = ((e, w), (e, w))

            def reg(name: str, fn: Lane, srcs=sh, s: bool = False, sat: bool = False, k=k, e=e, w=w) -> None:
                lanewise(f"{name}.{k}", fn, (e, w), srcs, is_signed=s, sat=sat, imm=True)

            reg(f"shli.i{e}", lambda a, n: a << n)
            reg(f"sri.i{e}", lambda d, a, n, one=one: d & ~(one >> n) | a >> n, acc)
            reg(f"sli.i{e}", lambda d, a, n, one=one: d & ~(one << n) | a << n, acc)
            for t, s in _types(e):
                reg(f"shr.{t}", lambda a, n: a >> n, s=s)
                reg(f"rshr.{t}", _rnd, s=s)
                reg(f"sra.{t}", lambda d, a, n: d + (a >> n), acc, s)
                reg(f"rsra.{t}", lambda d, a, n: d + _rnd(a, n), acc, s)
                reg(f"qshli.{t}", lambda a, n, e=e, s=s: saturate(a << n, e, s), s=s, sat=True)
            reg(f"qshlui.s{e}", lambda a, n, e=e: saturate(a << n, e, False), s=True, sat=True)
        if e == 8:
            continue
        h = e // 2  # narrowing: Q lanes of e bits -> D lanes of h bits; VSHLL: D lanes of h -> Q lanes of e
        nq, wd = ((e, 128),), (h, 64)
        lanewise(f"shrn.i{e}", lambda a, n: a >> n, wd, nq, imm=True)
        lanewise(f"rshrn.i{e}", _rnd, wd, nq, imm=True)
        for t, s in _types(e):
            for r, f in (("", lambda a, n: a >> n), ("r", _rnd)):
                lanewise(f"q{r}shrn.{t}", lambda a, n, f=f, h=h, s=s: saturate(f(a, n), h, s), wd, nq, s, True, True)
                if s:
                    lanewise(f"q{r}shrun.{t}", lambda a, n, f=f, h=h: saturate(f(a, n), h, False), wd, nq, s, True,
                             True)  # fmt: skip
        for t, s in _types(h):
            lanewise(f"shll.{t}", lambda a, n: a << n, (e, 128), ((h, 64),), s, imm=True)


def _build_long() -> None:
    """Three registers of different lengths (A7.4.2): D lanes of h bits widen to Q lanes of e = 2h bits."""
    for h in (8, 16, 32):
        e = 2 * h
        wide, narrow = (e, 128), (h, 64)
        for t, s in _types(h):
            for name, fn in (("addl", int.__add__), ("subl", int.__sub__), ("abdl", lambda a, b: abs(a - b)),
                             ("mull", int.__mul__)):  # fmt: skip
                lanewise(f"{name}.{t}", fn, wide, (narrow, narrow), s)
            for name, fn in (("addw", int.__add__), ("subw", int.__sub__)):
                lanewise(f"{name}.{t}", fn, wide, (wide, narrow), s)
            for name, fn in (("abal", lambda d, a, b: d + abs(a - b)), ("mlal", lambda d, a, b: d + a * b),
                             ("mlsl", lambda d, a, b: d - a * b)):  # fmt: skip
                lanewise(f"{name}.{t}", fn, wide, (wide, narrow, narrow), s)
        if h > 8:
            lanewise(f"qdmull.s{h}", lambda a, b, e=e: saturate(2 * a * b, e, True), wide, (narrow, narrow), True, True)
            for name, sign in (("qdmlal", 1), ("qdmlsl", -1)):
                lanewise(f"{name}.s{h}", lambda d, a, b, e=e, sign=sign: _qdmlal(d, a, b, e, sign), wide,
                         (wide, narrow, narrow), True, True)  # fmt: skip
        rc = 1 << (h - 1)
        for name, fn in (("addhn", lambda a, b, h=h: (a + b) >> h), ("subhn", lambda a, b, h=h: (a - b) >> h),
                         ("raddhn", lambda a, b, h=h, rc=rc: (a + b + rc) >> h),
                         ("rsubhn", lambda a, b, h=h, rc=rc: (a - b + rc) >> h)):  # fmt: skip
            lanewise(f"{name}.i{e}", fn, narrow, (wide, wide))
    lanewise("mull.p8", _pmul, (16, 128), ((8, 64), (8, 64)))


def _qdmlal(d: int, a: int, b: int, e: int, sign: int) -> tuple[int, bool]:
    """VQDMLAL/VQDMLSL lane: the doubled product saturates, then the accumulation saturates."""
    p, q1 = saturate(2 * a * b, e, True)
    r, q2 = saturate(d + sign * signed(p, e), e, True)
    return r, q1 or q2


_build_same()
_build_shift_imm()
_build_long()
