"""Lane helpers shared by the NEON operation families: splitting a D/Q value into elements and back,
saturation, and the registration of lane-by-lane operations in ``jitemu.fpu.FP_OPS``."""

from __future__ import annotations

from collections.abc import Callable

from jitemu.fpu import register

QC = 1 << 27  # FPSCR.QC: cumulative saturation
WIDTHS = {"d": 64, "q": 128}


def lanes(v: int, esize: int, width: int) -> list[int]:
    """The unsigned elements of a ``width``-bit value, lane 0 first."""
    m = (1 << esize) - 1
    return [v >> i & m for i in range(0, width, esize)]


def join(xs: list[int], esize: int) -> int:
    """The value whose lanes (lane 0 first) are ``xs``, each truncated to ``esize`` bits."""
    m = (1 << esize) - 1
    v = 0
    for i, x in enumerate(xs):
        v |= (x & m) << (i * esize)
    return v


def signed(x: int, esize: int) -> int:
    """An ``esize``-bit pattern read as two's complement."""
    return x - (1 << esize) if x >> (esize - 1) & 1 else x


def saturate(x: int, esize: int, is_signed: bool) -> tuple[int, bool]:
    """SignedSatQ / UnsignedSatQ: ``x`` clamped to the element range, and whether it was clamped."""
    lo, hi = (-(1 << (esize - 1)), (1 << (esize - 1)) - 1) if is_signed else (0, (1 << esize) - 1)
    if x < lo:
        return lo & ((1 << esize) - 1), True
    if x > hi:
        return hi, True
    return x & ((1 << esize) - 1), False


def elementwise(name: str, esize: int, fn: Callable[..., int | tuple[int, bool]], nargs: int = 2,
                is_signed: bool = False, sat: bool = False) -> None:  # fmt: skip
    """Register ``name.d`` and ``name.q``: ``fn`` applied lane by lane to ``nargs`` operands of the same shape.

    ``fn`` gets the lane values (read as signed when ``is_signed``) and returns the result lane, or with
    ``sat`` a pair (result lane, saturated) whose saturation sets FPSCR.QC."""

    for suffix, width in WIDTHS.items():
        shape = (esize, width)
        lanewise(f"{name}.{suffix}", fn, shape, (shape,) * nargs, is_signed=is_signed, sat=sat)


def lanewise(name: str, fn: Callable[..., int | tuple[int, bool]], out: tuple[int, int],
             srcs: tuple[tuple[int, int], ...], is_signed: bool = False, sat: bool = False,
             imm: bool = False) -> None:  # fmt: skip
    """Register ``name``: ``fn`` lane by lane over operands of shapes ``srcs`` ((element size, width) each, all
    with as many lanes as the result shape ``out``: widening and narrowing operations too); ``imm``: a
    trailing 32-bit operand passed to ``fn`` as is (a shift amount)."""
    eo, wo = out
    n = wo // eo
    assert all(w // e == n for e, w in srcs), name

    def op(*args: int) -> tuple[int, int]:
        *vs, fpscr = args
        extra = (vs.pop(),) if imm else ()
        cols = [lanes(v, e, w) for v, (e, w) in zip(vs, srcs, strict=True)]
        if is_signed:
            cols = [[signed(x, e) for x in c] for c, (e, _) in zip(cols, srcs, strict=True)]
        res = []
        for xs in zip(*cols, strict=True):
            r = fn(*xs, *extra)
            if sat:
                r, q = r
                if q:
                    fpscr |= QC
            res.append(r)
        return join(res, eo), fpscr

    register(name, op, tuple(w for _, w in srcs) + ((32,) if imm else ()), wo)


def narrowing(name: str, esize: int, fn: Callable[[int], int | tuple[int, bool]], is_signed: bool = False,
              sat: bool = False) -> None:  # fmt: skip
    """Register ``name`` (a fixed shape: no width part): a Q operand of ``esize``-bit lanes to a D result of
    ``esize // 2``-bit lanes, ``fn`` per lane (as for ``lanewise``)."""
    lanewise(name, fn, (esize // 2, 64), ((esize, 128),), is_signed=is_signed, sat=sat)
