"""Integer semantics of the IR's binary ops on Python ints, shared by the interpreter and constant folding."""

from __future__ import annotations

from jitemu.ir import Op


def to_signed(v: int, width: int) -> int:
    return v - (1 << width) if v >> (width - 1) & 1 else v


def _udiv(a: int, b: int, w: int) -> int:
    return a // b if b else 0


def _sdiv(a: int, b: int, w: int) -> int:
    if b == 0:
        return 0
    sa, sb = to_signed(a, w), to_signed(b, w)
    q = abs(sa) // abs(sb)
    return -q if (sa < 0) != (sb < 0) else q


def _rotr(a: int, b: int, w: int) -> int:
    b %= w
    return (a >> b) | (a << (w - b)) if b else a


BINOPS = {
    Op.ADD: lambda a, b, w: a + b,
    Op.SUB: lambda a, b, w: a - b,
    Op.MUL: lambda a, b, w: a * b,
    Op.UDIV: _udiv,
    Op.SDIV: _sdiv,
    Op.AND: lambda a, b, w: a & b,
    Op.OR: lambda a, b, w: a | b,
    Op.XOR: lambda a, b, w: a ^ b,
    Op.SHL: lambda a, b, w: a << b if b < w else 0,
    Op.LSHR: lambda a, b, w: a >> b if b < w else 0,
    Op.ASHR: lambda a, b, w: to_signed(a, w) >> min(b, w - 1),
    Op.ROTR: _rotr,
}


def fold_binop(op: Op, a: int, b: int, width: int) -> int:
    return BINOPS[op](a, b, width) & ((1 << width) - 1)
