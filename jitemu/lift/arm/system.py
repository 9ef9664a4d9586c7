"""System-ish instructions user mode meets: SVC, IT, BKPT/UDF, barriers and hints, MRC/MCR for the TLS
registers, MRS/MSR of the APSR, and the VFP system registers (VMRS/VMSR)."""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Cond, ExitKind, Value, c32
from jitemu.lift.ctx import LiftCtx, Unlifted, lifts


@lifts(A.ARM_INS_SVC)
def lift_svc(ctx: LiftCtx) -> None:
    ctx.exit(ExitKind.SYSCALL, c32(ctx.next_pc | ctx.thumb), imm=ctx.ops[0].imm if ctx.ops else 0)


@lifts(A.ARM_INS_BKPT)
def lift_bkpt(ctx: LiftCtx) -> None:
    ctx.trap(ExitKind.BKPT, ctx.ops[0].imm if ctx.ops else 0)


@lifts(A.ARM_INS_UDF)
def lift_udf(ctx: LiftCtx) -> None:
    ctx.undefined()


@lifts(A.ARM_INS_IT)
def lift_it(ctx: LiftCtx) -> None:
    """IT emits no code: the translator applies ITSTATE to the next instructions."""
    ctx.it_new_state = ctx.raw & 0xFF


@lifts(
    A.ARM_INS_DMB, A.ARM_INS_DSB, A.ARM_INS_ISB, A.ARM_INS_NOP, A.ARM_INS_YIELD, A.ARM_INS_WFE,
    A.ARM_INS_WFI, A.ARM_INS_SEV, A.ARM_INS_PLD, A.ARM_INS_PLDW, A.ARM_INS_PLI, A.ARM_INS_DBG,
    A.ARM_INS_HINT,
)  # fmt: skip
def lift_nop(ctx: LiftCtx) -> None:
    """Barriers, hints and preloads: nothing to do for a single in-order guest CPU.

    Capstone 5 decodes NOP, YIELD, WFE, WFI, SEV and the unallocated hints (which execute as NOP) in both
    instruction sets as ARM_INS_HINT."""


# (coproc, opc1, CRn, CRm, opc2) -> state field, user writable
CP15_USER = {(15, 0, 13, 0, 3): ("tpidruro", False), (15, 0, 13, 0, 2): ("tpidrurw", True)}


def _cp15_user_register(ctx: LiftCtx) -> tuple[str, bool, int]:
    """(state field, user writable, Rt) of an MRC/MCR; anything but the user thread ID registers is UNDEF
    in user mode.  T32 (hw1:hw2) uses the same field layout as the A32 word."""
    r = ctx.raw
    key = (r >> 8 & 0xF, r >> 21 & 7, r >> 16 & 0xF, r & 0xF, r >> 5 & 7)  # coproc, opc1, CRn, CRm, opc2
    if key not in CP15_USER:
        raise Unlifted(f"coprocessor register {key}")
    return (*CP15_USER[key], r >> 12 & 0xF)


@lifts(A.ARM_INS_MRC)
def lift_mrc(ctx: LiftCtx) -> None:
    field, _, rt = _cp15_user_register(ctx)
    if rt == 15:
        raise Unlifted("MRC to APSR_nzcv")
    ctx.set_reg(rt, ctx.b.get(field))


@lifts(A.ARM_INS_MCR)
def lift_mcr(ctx: LiftCtx) -> None:
    field, writable, rt = _cp15_user_register(ctx)
    if not writable or rt == 15:
        raise Unlifted("write to a read-only coprocessor register")
    ctx.b.set(field, ctx.reg(rt))


# ---- APSR -------------------------------------------------------------------------------------------
def apsr_value(ctx: LiftCtx) -> Value:
    """Compose NZCVQ and GE into an APSR word (user mode bits only)."""
    b = ctx.b
    n = b.and_(b.get("NF"), c32(0x80000000))
    z = b.shl(b.zext(b.setcond(Cond.EQ, b.get("ZF"), c32(0)), 32), c32(30))
    c = b.shl(b.get("CF"), c32(29))
    v = b.shl(b.lshr(b.get("VF"), c32(31)), c32(28))
    q = b.shl(b.get("QF"), c32(27))
    ge = b.shl(b.get("GE"), c32(16))
    return b.or_(b.or_(b.or_(n, z), b.or_(c, v)), b.or_(q, ge))


@lifts(A.ARM_INS_MRS)
def lift_mrs(ctx: LiftCtx) -> None:
    # user mode reads APSR; mode bits read as USR (0x10)
    ctx.set_reg(ctx.regnum(0), ctx.b.or_(apsr_value(ctx), c32(0x10)))


@lifts(A.ARM_INS_MSR)
def lift_msr(ctx: LiftCtx) -> None:
    b = ctx.b
    # mask bits: A32 bits 19:18 (nzcvq, g); T32 hw2 bits 11:10
    mask = (ctx.raw >> 10) & 3 if ctx.thumb else (ctx.raw >> 18) & 3
    src = ctx.ops[-1]
    v = c32(src.imm & 0xFFFFFFFF) if src.type == A.ARM_OP_IMM else ctx.reg(ctx.regnum(len(ctx.ops) - 1))
    if mask & 2:
        b.set("NF", b.and_(v, c32(0x80000000)))
        b.set("ZF", b.and_(b.not_(v), c32(0x40000000)))
        b.set("CF", b.and_(b.lshr(v, c32(29)), c32(1)))
        b.set("VF", b.shl(v, c32(3)))
        b.set("QF", b.and_(b.lshr(v, c32(27)), c32(1)))
    if mask & 1:
        b.set("GE", b.and_(b.lshr(v, c32(16)), c32(0xF)))
