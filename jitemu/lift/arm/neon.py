"""Advanced SIMD (NEON) lifting: the operand helpers every NEON family shares.

A D register is read as one 64-bit value (``d<n>``), a Q register as the 128-bit value of its two D
halves (``q<n>`` = ``d<2n+1>:d<2n>``).  An operation that the IR's integer ops express directly (bitwise
logic, moves) uses them at 64 or 128 bits; anything lane-wise is one ``FP`` op naming an entry of
``jitemu.neon`` (``<op>.<type>.<d|q>``), with the FPSCR threaded through (QC, FP flags).
Lift functions register with ``@simd_lifts`` (the translator consults that table first for encodings in
the Advanced SIMD spaces, where capstone shares ids with VFP instructions).  The families: ``neon_int``
(integer arithmetic, shifts, comparisons, bitwise), ``neon_perm`` (element/structure loads and stores,
duplicates, permutes, table lookups, narrowing/widening moves) and ``neon_fp`` (floating point).
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Const, Value
from jitemu.lift.arm.vfp import data_types, ext_reg
from jitemu.lift.ctx import LiftCtx, Unlifted

WIDTH = {"d": 64, "q": 128}


def vreg(ctx: LiftCtx, i: int) -> tuple[str, int]:
    """Operand i as ('d', n) or ('q', n); ``Unlifted`` for anything else (scalars, core registers)."""
    op = ctx.ops[i]
    r = ext_reg(op.reg) if op.type == A.ARM_OP_REG else None
    if r is None or r[0] == "s" or op.vector_index != -1:
        raise Unlifted("not a D or Q register operand")
    return r


def read_vec(ctx: LiftCtx, kind: str, n: int) -> Value:
    b = ctx.b
    if kind == "d":
        return b.get(f"d{n}", 64)
    lo, hi = b.get(f"d{2 * n}", 64), b.get(f"d{2 * n + 1}", 64)
    return b.or_(b.zext(lo, 128), b.shl(b.zext(hi, 128), Const(64, 128)))


def write_vec(ctx: LiftCtx, kind: str, n: int, v: Value) -> None:
    b = ctx.b
    if kind == "d":
        b.set(f"d{n}", v)
        return
    b.set(f"d{2 * n}", b.trunc(v, 64))
    b.set(f"d{2 * n + 1}", b.trunc(b.lshr(v, Const(64, 128)), 64))


def read_op(ctx: LiftCtx, i: int) -> tuple[str, Value]:
    """Operand i's register kind and value."""
    kind, n = vreg(ctx, i)
    return kind, read_vec(ctx, kind, n)


def write_op(ctx: LiftCtx, i: int, v: Value) -> None:
    kind, n = vreg(ctx, i)
    write_vec(ctx, kind, n, v)


def vec_op(ctx: LiftCtx, name: str, *args: Value) -> Value:
    """One ``jitemu.neon`` operation (the full name, e.g. ``qadd.s8.q``) with the FPSCR threaded through."""
    b = ctx.b
    r, fpscr = b.fp(name, *args, fpscr=b.get("fpscr"))
    b.set("fpscr", fpscr)
    return r


def dtype(ctx: LiftCtx) -> str:
    """The instruction's (first) data type in lower case, e.g. 'i8', 's16', 'u32', 'f32'."""
    dts = data_types(ctx)
    if not dts:
        raise Unlifted("no data type")
    return dts[0].lower()
