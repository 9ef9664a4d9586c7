"""Data processing: ALU ops with every shifter-operand form, shifts, moves, compares, MOVW/MOVT, ADR.

Semantics are written once per operand shape (``_alu``); each mnemonic binds to a shape in one line.
"""

from __future__ import annotations

from collections.abc import Callable

from capstone import arm as A

from jitemu.ir import Builder, Op, Value, c32
from jitemu.lift.ctx import SHIFT_IMM, LiftCtx, Unlifted, lifts

# logical ops: result = f(n, m); flags NZ and C from the shifter
LOGICAL: dict[int, Callable[[Builder, Value, Value], Value]] = {
    A.ARM_INS_AND: lambda b, n, m: b.and_(n, m),
    A.ARM_INS_EOR: lambda b, n, m: b.xor(n, m),
    A.ARM_INS_ORR: lambda b, n, m: b.or_(n, m),
    A.ARM_INS_ORN: lambda b, n, m: b.or_(n, b.not_(m)),
    A.ARM_INS_BIC: lambda b, n, m: b.and_(n, b.not_(m)),
}
TESTS = {A.ARM_INS_TST: A.ARM_INS_AND, A.ARM_INS_TEQ: A.ARM_INS_EOR}


def _dst_n_m(ctx: LiftCtx) -> tuple[int, Value, int]:
    """(rd, Rn value, index of operand2) for 'op rd, rn, op2' and the two-operand 'op rd, op2' form."""
    if len(ctx.ops) >= 3:
        rn = ctx.regnum(1)
        if rn == 15 and ctx.thumb and ctx.size == 4:
            # ADDW/SUBW Rd, PC, #imm (capstone: ADD/SUB) are ADR T3/T2: the base is Align(PC, 4); no other
            # 32-bit T32 data-processing encoding takes Rn == PC
            return ctx.regnum(0), c32(ctx.pc_aligned), 2
        return ctx.regnum(0), ctx.reg(rn), 2
    return ctx.regnum(0), ctx.reg(ctx.regnum(0)), 1


@lifts(*LOGICAL)
def lift_logical(ctx: LiftCtx) -> None:
    rd, n, i = _dst_n_m(ctx)
    m, carry = ctx.operand(i)
    res = LOGICAL[ctx.insn.id](ctx.b, n, m)
    if ctx.setflags and rd != 15:
        ctx.set_c(carry())
        ctx.set_nz(res)
    ctx.set_reg(rd, res)


@lifts(*TESTS)
def lift_test(ctx: LiftCtx) -> None:
    n = ctx.reg(ctx.regnum(0))
    m, carry = ctx.operand(1)
    res = LOGICAL[TESTS[ctx.insn.id]](ctx.b, n, m)
    ctx.set_c(carry())
    ctx.set_nz(res)


@lifts(A.ARM_INS_MOV, A.ARM_INS_MOVS, A.ARM_INS_MVN)  # capstone names T32 16-bit MOVS Rd, Rm (T2) ARM_INS_MOVS
def lift_mov(ctx: LiftCtx) -> None:
    rd = ctx.regnum(0)
    m, carry = ctx.operand(1)
    if ctx.insn.id == A.ARM_INS_MVN:
        m = ctx.b.not_(m)
    if ctx.setflags and rd != 15:
        ctx.set_c(carry())
        ctx.set_nz(m)
    ctx.set_reg(rd, m)
    if ctx.setflags and rd == 15:
        raise Unlifted("exception return (SUBS pc, lr) is not available in user mode")


@lifts(A.ARM_INS_MOVW)
def lift_movw(ctx: LiftCtx) -> None:
    ctx.set_reg(ctx.regnum(0), c32(ctx.ops[1].imm & 0xFFFF))


@lifts(A.ARM_INS_MOVT)
def lift_movt(ctx: LiftCtx) -> None:
    b = ctx.b
    rd = ctx.regnum(0)
    imm = ctx.ops[-1].imm & 0xFFFF
    ctx.set_reg(rd, b.or_(b.and_(ctx.reg(rd), c32(0xFFFF)), c32(imm << 16)))


# arithmetic: (negate operands?, carry-in source)
@lifts(A.ARM_INS_ADD, A.ARM_INS_ADDW)
def lift_add(ctx: LiftCtx) -> None:
    rd, n, i = _dst_n_m(ctx)
    m = ctx.value(i)
    res = ctx.add_with_carry(n, m, c32(0), ctx.setflags and rd != 15)
    _write_arith(ctx, rd, res)


@lifts(A.ARM_INS_ADC)
def lift_adc(ctx: LiftCtx) -> None:
    rd, n, i = _dst_n_m(ctx)
    m = ctx.value(i)
    res = ctx.add_with_carry(n, m, ctx.get_c(), ctx.setflags and rd != 15)
    _write_arith(ctx, rd, res)


@lifts(A.ARM_INS_SUB, A.ARM_INS_SUBW)
def lift_sub(ctx: LiftCtx) -> None:
    rd, n, i = _dst_n_m(ctx)
    res = ctx.subtract(n, ctx.value(i), ctx.setflags and rd != 15)
    _write_arith(ctx, rd, res)


@lifts(A.ARM_INS_RSB)
def lift_rsb(ctx: LiftCtx) -> None:
    rd, n, i = _dst_n_m(ctx)
    res = ctx.subtract(ctx.value(i), n, ctx.setflags and rd != 15)
    _write_arith(ctx, rd, res)


@lifts(A.ARM_INS_SBC)
def lift_sbc(ctx: LiftCtx) -> None:
    rd, n, i = _dst_n_m(ctx)
    res = ctx.add_with_carry(n, ctx.b.not_(ctx.value(i)), ctx.get_c(), ctx.setflags and rd != 15)
    _write_arith(ctx, rd, res)


@lifts(A.ARM_INS_RSC)
def lift_rsc(ctx: LiftCtx) -> None:
    rd, n, i = _dst_n_m(ctx)
    res = ctx.add_with_carry(ctx.value(i), ctx.b.not_(n), ctx.get_c(), ctx.setflags and rd != 15)
    _write_arith(ctx, rd, res)


def _write_arith(ctx: LiftCtx, rd: int, res: Value) -> None:
    if rd == 15 and ctx.setflags:
        raise Unlifted("exception return (SUBS pc, lr) is not available in user mode")
    ctx.set_reg(rd, res)


@lifts(A.ARM_INS_CMP)
def lift_cmp(ctx: LiftCtx) -> None:
    ctx.subtract(ctx.reg(ctx.regnum(0)), ctx.value(1), True)


@lifts(A.ARM_INS_CMN)
def lift_cmn(ctx: LiftCtx) -> None:
    ctx.add_with_carry(ctx.reg(ctx.regnum(0)), ctx.value(1), c32(0), True)


# ---- shifts written as their own mnemonics (LSL/LSR/ASR/ROR/RRX) ------------------------------------
SHIFT_NAMES = {A.ARM_INS_LSL: "lsl", A.ARM_INS_LSR: "lsr", A.ARM_INS_ASR: "asr", A.ARM_INS_ROR: "ror"}


@lifts(*SHIFT_NAMES, A.ARM_INS_RRX)
def lift_shift(ctx: LiftCtx) -> None:
    ops = ctx.ops
    rd = ctx.regnum(0)
    kind = SHIFT_NAMES.get(ctx.insn.id, "rrx")
    if kind == "rrx":
        res, carry = ctx.shift_c(ctx.reg(ctx.regnum(1)), "rrx", 1, ctx.get_c)
    elif len(ops) == 2 and ops[1].shift.type in SHIFT_IMM:  # capstone folds "rd, rm, #n" into rm's shift
        res, carry = ctx.operand(1)
    elif len(ops) == 2 and ops[1].type == A.ARM_OP_REG:  # 16-bit "lsls rd, rs": rd = rd shift rs
        res, carry = ctx.shift_reg_c(ctx.reg(rd), kind, ctx.reg(ctx.regnum(1)), ctx.get_c)
    elif len(ops) == 3 and ops[2].type == A.ARM_OP_IMM:
        res, carry = ctx.shift_c(ctx.reg(ctx.regnum(1)), kind, ops[2].imm, ctx.get_c)
    elif len(ops) == 3 and ops[2].type == A.ARM_OP_REG:
        res, carry = ctx.shift_reg_c(ctx.reg(ctx.regnum(1)), kind, ctx.reg(ctx.regnum(2)), ctx.get_c)
    elif len(ops) == 2 and ops[1].type == A.ARM_OP_IMM:  # "lsls rd, #n" (rd shifted in place)
        res, carry = ctx.shift_c(ctx.reg(rd), kind, ops[1].imm, ctx.get_c)
    else:
        raise Unlifted("shift operand form")
    if ctx.setflags and rd != 15:
        ctx.set_c(carry())
        ctx.set_nz(res)
    ctx.set_reg(rd, res)


@lifts(A.ARM_INS_ADR)
def lift_adr(ctx: LiftCtx) -> None:
    # capstone gives the signed offset from Align(PC, 4)
    ctx.set_reg(ctx.regnum(0), c32(ctx.pc_aligned + ctx.ops[1].imm))


@lifts(A.ARM_INS_CLZ)
def lift_clz(ctx: LiftCtx) -> None:
    ctx.set_reg(ctx.regnum(0), ctx.b.unop(Op.CLZ, ctx.reg(ctx.regnum(1))))
