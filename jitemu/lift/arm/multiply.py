"""Multiplies and divides: MUL/MLA/MLS, the long multiplies (UMULL, UMLAL, SMULL, SMLAL, UMAAL), the
halfword DSP multiplies (SMULxy, SMLAxy, SMULWy, SMLAWy, SMLALxy), the dual multiplies (SMUAD, SMUSD,
SMLAD, SMLSD, SMLALD, SMLSLD and their X forms), the most-significant-word multiplies (SMMUL, SMMLA,
SMMLS and their R forms) and SDIV/UDIV.

Semantics are written once per shape; each mnemonic binds to its shape in one table line.  Products are
formed at 64 bits, so the sticky Q overflow test is a compare with the sign-extended 32-bit result.
Flag-setting forms (MULS, MLAS, UMULLS...) set N and Z only: C and V are unchanged in ARMv7.

UNPREDICTABLE choices: a destination of PC is UNDEF; RdHi == RdLo writes RdHi then RdLo (the ARM ARM
pseudocode order), so RdLo wins.
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Builder, Cond, Const, Op, Value, c32
from jitemu.lift.arm.media import dst, set_q, src
from jitemu.lift.ctx import LiftCtx, lifts

C32_64 = Const(32, 64)


def _pair(b: Builder, lo: Value, hi: Value) -> Value:
    """hi:lo as a 64-bit value."""
    return b.or_(b.zext(lo, 64), b.shl(b.zext(hi, 64), C32_64))


def _write_pair(ctx: LiftCtx, rlo: int, rhi: int, res: Value, setflags: bool = False) -> None:
    """R[dHi] = result<63:32>; R[dLo] = result<31:0>; with S: N = result<63>, Z = IsZero(result)."""
    b = ctx.b
    lo, hi = b.trunc(res, 32), b.trunc(b.lshr(res, C32_64), 32)
    if setflags:
        b.set("NF", hi)
        b.set("ZF", b.or_(lo, hi))
    ctx.set_reg(rhi, hi)
    ctx.set_reg(rlo, lo)


def _half(b: Builder, x: Value, top: bool | int, width: int = 32) -> Value:
    """SInt(x<31:16>) or SInt(x<15:0>), at ``width`` bits."""
    return b.sext(b.trunc(b.lshr(x, c32(16)) if top else x, 16), width)


def _narrow(b: Builder, wide: Value) -> tuple[Value, Value]:
    """A 64-bit signed result as (result<31:0>, overflow); overflow is the Q condition
    'result != SInt(result<31:0>)'."""
    res = b.trunc(wide, 32)
    return res, b.setcond(Cond.NE, b.sext(res, 64), wide)


def _sext64(b: Builder, x: Value) -> Value:
    return b.sext(x, 64)


# ---- MUL, MLA, MLS ------------------------------------------------------------------------------------
@lifts(A.ARM_INS_MUL, A.ARM_INS_MLA, A.ARM_INS_MLS)
def lift_mul(ctx: LiftCtx) -> None:
    """MUL Rd, Rn, Rm / MLA (+ Ra) / MLS (Ra -): the low 32 bits of the product; MULS/MLAS set N, Z."""
    b = ctx.b
    i = ctx.insn.id
    rd = dst(ctx, 0)
    res = b.mul(src(ctx, 1), src(ctx, 2))
    if i == A.ARM_INS_MLA:
        res = b.add(res, src(ctx, 3))
    elif i == A.ARM_INS_MLS:
        res = b.sub(src(ctx, 3), res)
    if ctx.setflags:
        ctx.set_nz(res)
    ctx.set_reg(rd, res)


# ---- long multiplies: RdLo, RdHi, Rn, Rm ---------------------------------------------------------------
# id -> (signed, accumulate: None, "pair" (RdHi:RdLo) or "umaal" (RdHi + RdLo))
LONG = {
    A.ARM_INS_UMULL: (False, None), A.ARM_INS_UMLAL: (False, "pair"),
    A.ARM_INS_SMULL: (True, None), A.ARM_INS_SMLAL: (True, "pair"),
    A.ARM_INS_UMAAL: (False, "umaal"),
}  # fmt: skip


@lifts(*LONG)
def lift_long(ctx: LiftCtx) -> None:
    b = ctx.b
    signed, acc = LONG[ctx.insn.id]
    rlo, rhi = dst(ctx, 0), dst(ctx, 1)
    ext = b.sext if signed else b.zext
    res = b.mul(ext(src(ctx, 2), 64), ext(src(ctx, 3), 64))
    lo, hi = ctx.reg(rlo), ctx.reg(rhi)
    if acc == "pair":
        res = b.add(res, _pair(b, lo, hi))
    elif acc == "umaal":  # cannot overflow 64 bits: (2^32-1)^2 + 2 * (2^32-1) = 2^64 - 1
        res = b.add(b.add(res, b.zext(lo, 64)), b.zext(hi, 64))
    _write_pair(ctx, rlo, rhi, res, ctx.setflags)


# ---- halfword multiplies ------------------------------------------------------------------------------
# id -> (top half of Rn?, top half of Rm?, accumulate: None, "q" (Ra, Q on overflow) or "long" (RdHi:RdLo))
HALFWORD = {
    A.ARM_INS_SMULBB: (0, 0, None), A.ARM_INS_SMULBT: (0, 1, None),
    A.ARM_INS_SMULTB: (1, 0, None), A.ARM_INS_SMULTT: (1, 1, None),
    A.ARM_INS_SMLABB: (0, 0, "q"), A.ARM_INS_SMLABT: (0, 1, "q"),
    A.ARM_INS_SMLATB: (1, 0, "q"), A.ARM_INS_SMLATT: (1, 1, "q"),
    A.ARM_INS_SMLALBB: (0, 0, "long"), A.ARM_INS_SMLALBT: (0, 1, "long"),
    A.ARM_INS_SMLALTB: (1, 0, "long"), A.ARM_INS_SMLALTT: (1, 1, "long"),
}  # fmt: skip


@lifts(*HALFWORD)
def lift_halfword(ctx: LiftCtx) -> None:
    """SMULxy / SMLAxy / SMLALxy: SInt(Rn half) * SInt(Rm half) (fits in 32 bits) [+ accumulator]."""
    b = ctx.b
    nt, mt, acc = HALFWORD[ctx.insn.id]
    if acc == "long":
        rlo, rhi = dst(ctx, 0), dst(ctx, 1)
        prod = b.mul(_half(b, src(ctx, 2), nt, 64), _half(b, src(ctx, 3), mt, 64))
        _write_pair(ctx, rlo, rhi, b.add(prod, _pair(b, ctx.reg(rlo), ctx.reg(rhi))))
        return
    rd = dst(ctx, 0)
    prod = b.mul(_half(b, src(ctx, 1), nt), _half(b, src(ctx, 2), mt))
    if acc == "q":
        wide = b.add(_sext64(b, prod), _sext64(b, src(ctx, 3)))
        prod, q = _narrow(b, wide)
        set_q(ctx, q)
    ctx.set_reg(rd, prod)


# id -> (top half of Rm?, accumulate Ra?)
WORD_HALF = {
    A.ARM_INS_SMULWB: (0, False), A.ARM_INS_SMULWT: (1, False),
    A.ARM_INS_SMLAWB: (0, True), A.ARM_INS_SMLAWT: (1, True),
}  # fmt: skip


@lifts(*WORD_HALF)
def lift_word_half(ctx: LiftCtx) -> None:
    """SMULWy / SMLAWy: (SInt(Rn) * SInt(Rm half) [+ SInt(Ra) << 16])<47:16>; SMLAWy sets Q on overflow."""
    b = ctx.b
    mt, acc = WORD_HALF[ctx.insn.id]
    rd = dst(ctx, 0)
    wide = b.mul(_sext64(b, src(ctx, 1)), _half(b, src(ctx, 2), mt, 64))
    if acc:
        wide = b.add(wide, b.shl(_sext64(b, src(ctx, 3)), Const(16, 64)))
    wide = b.ashr(wide, Const(16, 64))
    if not acc:
        ctx.set_reg(rd, b.trunc(wide, 32))
        return
    res, q = _narrow(b, wide)
    set_q(ctx, q)
    ctx.set_reg(rd, res)


# ---- dual multiplies ----------------------------------------------------------------------------------
# id -> (subtract product2?, exchange Rm halves (X)?, accumulate: None, "q" (Ra, Q) or "long")
DUAL = {
    A.ARM_INS_SMUAD: (False, False, None), A.ARM_INS_SMUADX: (False, True, None),
    A.ARM_INS_SMUSD: (True, False, None), A.ARM_INS_SMUSDX: (True, True, None),
    A.ARM_INS_SMLAD: (False, False, "q"), A.ARM_INS_SMLADX: (False, True, "q"),
    A.ARM_INS_SMLSD: (True, False, "q"), A.ARM_INS_SMLSDX: (True, True, "q"),
    A.ARM_INS_SMLALD: (False, False, "long"), A.ARM_INS_SMLALDX: (False, True, "long"),
    A.ARM_INS_SMLSLD: (True, False, "long"), A.ARM_INS_SMLSLDX: (True, True, "long"),
}  # fmt: skip


@lifts(*DUAL)
def lift_dual(ctx: LiftCtx) -> None:
    """product1 = SInt(Rn<15:0>) * SInt(op2<15:0>), product2 = the top halves, op2 = X ? ROR(Rm, 16) : Rm;
    result = product1 +/- product2 [+ accumulator].  SMUAD/SMLAD/SMLSD set Q when it leaves 32 bits
    (SMUSD cannot overflow, so the same test never fires for it)."""
    b = ctx.b
    sub, exchange, acc = DUAL[ctx.insn.id]
    k = 2 if acc == "long" else 1  # index of Rn
    n, m = src(ctx, k), src(ctx, k + 1)
    if exchange:
        m = b.binop(Op.ROTR, m, c32(16))
    p1 = b.mul(_half(b, n, 0, 64), _half(b, m, 0, 64))
    p2 = b.mul(_half(b, n, 1, 64), _half(b, m, 1, 64))
    res = (b.sub if sub else b.add)(p1, p2)
    if acc == "long":
        rlo, rhi = dst(ctx, 0), dst(ctx, 1)
        _write_pair(ctx, rlo, rhi, b.add(res, _pair(b, ctx.reg(rlo), ctx.reg(rhi))))
        return
    rd = dst(ctx, 0)
    if acc == "q":
        res = b.add(res, _sext64(b, src(ctx, 3)))
    res, q = _narrow(b, res)
    set_q(ctx, q)
    ctx.set_reg(rd, res)


# ---- most-significant-word multiplies -----------------------------------------------------------------
# id -> (accumulate: None, "add" or "sub", round)
MOST_SIGNIFICANT = {
    A.ARM_INS_SMMUL: (None, False), A.ARM_INS_SMMULR: (None, True),
    A.ARM_INS_SMMLA: ("add", False), A.ARM_INS_SMMLAR: ("add", True),
    A.ARM_INS_SMMLS: ("sub", False), A.ARM_INS_SMMLSR: ("sub", True),
}  # fmt: skip


@lifts(*MOST_SIGNIFICANT)
def lift_most_significant(ctx: LiftCtx) -> None:
    """SMMUL/SMMLA/SMMLS: ((Ra << 32) +/- SInt(Rn) * SInt(Rm) [+ 0x80000000])<63:32>."""
    b = ctx.b
    acc, round_ = MOST_SIGNIFICANT[ctx.insn.id]
    rd = dst(ctx, 0)
    res = b.mul(_sext64(b, src(ctx, 1)), _sext64(b, src(ctx, 2)))
    if acc is not None:
        top = b.shl(b.zext(src(ctx, 3), 64), C32_64)
        res = b.add(top, res) if acc == "add" else b.sub(top, res)
    if round_:
        res = b.add(res, Const(0x80000000, 64))
    ctx.set_reg(rd, b.trunc(b.lshr(res, C32_64), 32))


# ---- divides ------------------------------------------------------------------------------------------
DIVIDES = {A.ARM_INS_SDIV: Op.SDIV, A.ARM_INS_UDIV: Op.UDIV}


@lifts(*DIVIDES)
def lift_div(ctx: LiftCtx) -> None:
    """SDIV/UDIV: round toward zero; the IR ops give x/0 = 0 (SCTLR.DZ = 0) and INT_MIN/-1 = INT_MIN."""
    ctx.require("idivt" if ctx.thumb else "idiva")
    rd = dst(ctx, 0)
    ctx.set_reg(rd, ctx.b.binop(DIVIDES[ctx.insn.id], src(ctx, 1), src(ctx, 2)))
