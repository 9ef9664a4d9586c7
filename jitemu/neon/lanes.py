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

    def make(width: int) -> Callable[..., tuple[int, int]]:
        def op(*args: int) -> tuple[int, int]:
            *vs, fpscr = args
            cols = [lanes(v, esize, width) for v in vs]
            if is_signed:
                cols = [[signed(x, esize) for x in c] for c in cols]
            out = []
            for xs in zip(*cols, strict=True):
                r = fn(*xs)
                if sat:
                    r, q = r
                    if q:
                        fpscr |= QC
                out.append(r)
            return join(out, esize), fpscr

        return op

    for suffix, width in WIDTHS.items():
        register(f"{name}.{suffix}", make(width), (width,) * nargs, width)


def narrowing(name: str, esize: int, fn: Callable[[int], int | tuple[int, bool]], is_signed: bool = False,
              sat: bool = False) -> None:  # fmt: skip
    """Register ``name`` (a fixed shape: no width part): a Q operand of ``esize``-bit lanes to a D result of
    ``esize // 2``-bit lanes, ``fn`` per lane (its argument read as signed when ``is_signed``; with ``sat`` it
    returns (lane, saturated), saturation setting FPSCR.QC)."""

    def op(v: int, fpscr: int) -> tuple[int, int]:
        out = []
        for x in lanes(v, esize, 128):
            r = fn(signed(x, esize) if is_signed else x)
            if sat:
                r, q = r
                if q:
                    fpscr |= QC
            out.append(r)
        return join(out, esize // 2), fpscr

    register(name, op, (128,), 64)
