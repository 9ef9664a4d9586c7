"""Branches: B, BL, BLX (immediate and register), BX, CBZ/CBNZ, TBB/TBH.

Conditions (A32 fields, T32 B<cond> and IT blocks) are applied by the translator.
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Cond, ExitKind, c1, c32
from jitemu.lift.ctx import REGNUM, LiftCtx, lifts


def _link(ctx: LiftCtx) -> None:
    """LR = return address (with bit 0 set in Thumb state)."""
    ctx.set_reg(14, c32(ctx.next_pc | ctx.thumb))


@lifts(A.ARM_INS_B)
def lift_b(ctx: LiftCtx) -> None:
    ctx.branch(ctx.ops[0].imm)


@lifts(A.ARM_INS_BL)
def lift_bl(ctx: LiftCtx) -> None:
    _link(ctx)
    ctx.branch(ctx.ops[0].imm)


@lifts(A.ARM_INS_BLX)
def lift_blx(ctx: LiftCtx) -> None:
    op = ctx.ops[0]
    if op.type == A.ARM_OP_IMM:
        # BLX immediate always switches instruction set; T32 targets are Align(PC, 4) relative
        _link(ctx)
        target = op.imm & ~3 if ctx.thumb else op.imm
        ctx.branch(target, thumb=not ctx.thumb)
        return
    target = ctx.reg(ctx.regnum(0))  # read before LR is written (BLX lr)
    _link(ctx)
    ctx.write_pc(target, interwork=True)


@lifts(A.ARM_INS_BX)
def lift_bx(ctx: LiftCtx) -> None:
    ctx.write_pc(ctx.reg(ctx.regnum(0)), interwork=True)


@lifts(A.ARM_INS_CBZ, A.ARM_INS_CBNZ)
def lift_cbz(ctx: LiftCtx) -> None:
    b = ctx.b
    taken = b.new_label()
    zero = b.setcond(Cond.EQ, ctx.reg(ctx.regnum(0)), c32(0))
    if ctx.insn.id == A.ARM_INS_CBNZ:
        zero = b.xor(zero, c1(1))
    b.brcond(zero, taken)
    ctx.exit(ExitKind.GOTO, c32(ctx.next_pc | 1))
    b.label(taken)
    ctx.branch(ctx.ops[1].imm)


@lifts(A.ARM_INS_TBB, A.ARM_INS_TBH)
def lift_tbb(ctx: LiftCtx) -> None:
    b = ctx.b
    mem = ctx.ops[0].mem
    base = ctx.reg(REGNUM[mem.base])
    index = ctx.reg(REGNUM[mem.index])
    if ctx.insn.id == A.ARM_INS_TBH:
        off = b.zext(b.load(b.add(base, b.shl(index, c32(1))), 16), 32)
    else:
        off = b.zext(b.load(b.add(base, index), 8), 32)
    ctx.write_pc(b.add(c32(ctx.pc_value), b.shl(off, c32(1))), interwork=False)
