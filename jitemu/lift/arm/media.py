"""Media and saturating instructions: QADD/QSUB/QDADD/QDSUB, SSAT/USAT(16), the parallel add/subtract
family (S, Q, SH, U, UQ, UH x ADD16/ASX/SAX/SUB16/ADD8/SUB8), SEL, USAD8/USADA8, the extends
(SXTB...UXTAB16, with their ROR #8/16/24 rotation), bit fields (BFI, BFC, UBFX, SBFX), reverses
(RBIT, REV, REV16, REVSH) and PKHBT/PKHTB.

Everything is straight IR: lanes are extracted into 32-bit values, computed exactly there, then saturated,
halved or truncated and packed back.  The saturation primitives (``SignedSatQ``/``UnsignedSatQ``) and the
sticky Q update are shared with ``multiply``.

UNPREDICTABLE choices: a destination of PC is lifted as UNDEF (``Unlifted``); BFI/BFC with msb < lsb and
UBFX/SBFX with lsb + width > 32 are UNDEF too.
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Builder, Cond, Const, Op, Value, c1, c32
from jitemu.lift.ctx import LiftCtx, Unlifted, lifts

# ---- shared by the multiply module -------------------------------------------------------------------


def dst(ctx: LiftCtx, i: int) -> int:
    """Register number of destination operand i (PC as a destination is UNPREDICTABLE here: UNDEF)."""
    r = ctx.regnum(i)
    if r == 15:
        raise Unlifted("PC as destination is UNPREDICTABLE")
    return r


def src(ctx: LiftCtx, i: int) -> Value:
    """Value of source register operand i (without shift)."""
    return ctx.reg(ctx.regnum(i))


def set_q(ctx: LiftCtx, *sats: Value) -> None:
    """APSR.Q = '1' when any of ``sats`` (i1 values) is true; Q is sticky, so it is never cleared here."""
    b = ctx.b
    live = [q for q in sats if not isinstance(q, Const) or q.value]
    if live:
        b.set("QF", b.or_(b.get("QF"), b.zext(or_all(b, live), 32)))


def or_all(b: Builder, values: list[Value]) -> Value:
    out = values[0]
    for v in values[1:]:
        out = b.or_(out, v)
    return out


def signed_sat(b: Builder, v: Value, n: int, want_q: bool = True) -> tuple[Value, Value]:
    """SignedSatQ(v, n): v (a signed value of any width) clamped to n bits; returns (result, saturated?).
    Without ``want_q`` (SignedSat) the flag is not computed and comes back as a constant 0."""
    w = v.width
    if n >= w:
        return v, c1(0)
    hi, lo = Const((1 << (n - 1)) - 1, w), Const(-(1 << (n - 1)), w)
    over, under = b.setcond(Cond.SGT, v, hi), b.setcond(Cond.SLT, v, lo)
    return b.select(over, hi, b.select(under, lo, v)), b.or_(over, under) if want_q else c1(0)


def unsigned_sat(b: Builder, v: Value, n: int, want_q: bool = True) -> tuple[Value, Value]:
    """UnsignedSatQ(v, n): v (signed) clamped to 0..2^n-1; returns (result, saturated?) as signed_sat."""
    w = v.width
    hi, zero = Const((1 << n) - 1, w), Const(0, w)
    over, under = b.setcond(Cond.SGT, v, hi), b.setcond(Cond.SLT, v, zero)
    return b.select(over, hi, b.select(under, zero, v)), b.or_(over, under) if want_q else c1(0)


def lane(b: Builder, x: Value, i: int, width: int, signed: bool, to: int = 32) -> Value:
    """Lane i (``width`` bits) of the 32-bit x, sign- or zero-extended to ``to`` bits."""
    v = b.trunc(b.lshr(x, c32(i * width)) if i else x, width)
    return b.sext(v, to) if signed else b.zext(v, to)


def pack(b: Builder, lanes: list[Value], width: int) -> Value:
    """Concatenate lanes (each holding its result in the low ``width`` bits of any wider value)."""
    parts = []
    for i, v in enumerate(lanes):
        if v.width != 32:
            v = b.zext(b.trunc(v, width), 32)
        elif (i + 1) * width < 32:  # the top lane's high bits fall off the shift
            v = b.and_(v, c32((1 << width) - 1))
        parts.append(b.shl(v, c32(i * width)) if i else v)
    return or_all(b, parts)


# ---- QADD, QSUB, QDADD, QDSUB --------------------------------------------------------------------------
# id -> (subtract, double the second operand); operands "Rd, Rm, Rn" compute Rm op Rn
QARITH = {
    A.ARM_INS_QADD: (False, False), A.ARM_INS_QSUB: (True, False),
    A.ARM_INS_QDADD: (False, True), A.ARM_INS_QDSUB: (True, True),
}  # fmt: skip


@lifts(*QARITH)
def lift_qarith(ctx: LiftCtx) -> None:
    b = ctx.b
    sub, double = QARITH[ctx.insn.id]
    rd = dst(ctx, 0)
    x, y = b.sext(src(ctx, 1), 64), b.sext(src(ctx, 2), 64)
    q1: Value = c1(0)
    if double:  # doubled = SignedSatQ(2 * SInt(R[n]), 32)
        y, q1 = signed_sat(b, b.add(y, y), 32)
    res, q2 = signed_sat(b, (b.sub if sub else b.add)(x, y), 32)
    set_q(ctx, q1, q2)
    ctx.set_reg(rd, b.trunc(res, 32))


# ---- SSAT, USAT, SSAT16, USAT16 ------------------------------------------------------------------------
# id -> (saturation function, lane width); capstone gives the saturate_to bit count as an immediate
SATURATE = {
    A.ARM_INS_SSAT: (signed_sat, 32), A.ARM_INS_USAT: (unsigned_sat, 32),
    A.ARM_INS_SSAT16: (signed_sat, 16), A.ARM_INS_USAT16: (unsigned_sat, 16),
}  # fmt: skip


@lifts(*SATURATE)
def lift_saturate(ctx: LiftCtx) -> None:
    b = ctx.b
    sat, width = SATURATE[ctx.insn.id]
    rd, n = dst(ctx, 0), ctx.ops[1].imm
    operand = ctx.value(2)  # Shift(R[n], sh, imm) for SSAT/USAT (LSL or ASR, ASR #32 included)
    if width == 32:
        res, q = sat(b, operand, n)
        set_q(ctx, q)
    else:
        results = [sat(b, lane(b, operand, i, 16, True), n) for i in range(2)]
        res = pack(b, [r for r, _ in results], 16)
        set_q(ctx, *(q for _, q in results))
    ctx.set_reg(rd, res)


# ---- parallel add and subtract ------------------------------------------------------------------------
# operation -> (lane width, per-lane "add"/"sub", m's halfwords exchanged)
PAR_OPS = {
    "ADD16": (16, ("add", "add"), False), "ASX": (16, ("sub", "add"), True),
    "SAX": (16, ("add", "sub"), True), "SUB16": (16, ("sub", "sub"), False),
    "ADD8": (8, ("add",) * 4, False), "SUB8": (8, ("sub",) * 4, False),
}  # fmt: skip
# prefix -> (lanes signed, treatment of the exact lane result)
PAR_KINDS = {
    "S": (True, "ge"), "U": (False, "ge"), "Q": (True, "ssat"),
    "UQ": (False, "usat"), "SH": (True, "halve"), "UH": (False, "halve"),
}  # fmt: skip
PARALLEL = {getattr(A, f"ARM_INS_{kind}{op}"): (kind, op) for kind in PAR_KINDS for op in PAR_OPS}


@lifts(*PARALLEL)
def lift_parallel(ctx: LiftCtx) -> None:
    """SADD16 ... UHSUB8: each lane computed exactly at 32 bits, then wrapped (setting GE), saturated
    (SignedSat / UnsignedSat, no Q) or halved (result<w:1>)."""
    b = ctx.b
    kind, opname = PARALLEL[ctx.insn.id]
    width, ops, exchange = PAR_OPS[opname]
    signed, treat = PAR_KINDS[kind]
    rd, n, m = dst(ctx, 0), src(ctx, 1), src(ctx, 2)
    if exchange:
        m = b.binop(Op.ROTR, m, c32(16))
    outs: list[Value] = []
    ge: list[Value] = []
    ge_bits = (1 << (width // 8)) - 1  # one GE bit per byte of the lane
    for i, op in enumerate(ops):
        r = (b.add if op == "add" else b.sub)(lane(b, n, i, width, signed), lane(b, m, i, width, signed))
        if treat == "ge":
            # signed: result >= 0; unsigned add: carry out (>= 2^width); unsigned sub: no borrow (>= 0)
            carry = not signed and op == "add"
            cond = b.setcond(Cond.UGE, r, c32(1 << width)) if carry else b.setcond(Cond.SGE, r, c32(0))
            ge.append(b.select(cond, c32(ge_bits << (i * width // 8)), c32(0)))
        elif treat == "ssat":
            r = signed_sat(b, r, width, want_q=False)[0]
        elif treat == "usat":
            r = unsigned_sat(b, r, width, want_q=False)[0]
        else:
            r = b.ashr(r, c32(1))
        outs.append(r)
    if ge:
        b.set("GE", or_all(b, ge))
    ctx.set_reg(rd, pack(b, outs, width))


@lifts(A.ARM_INS_SEL)
def lift_sel(ctx: LiftCtx) -> None:
    """SEL: byte i from Rn if GE[i] else from Rm."""
    b = ctx.b
    rd, n, m = dst(ctx, 0), src(ctx, 1), src(ctx, 2)
    # spread GE bit i to bit 8*i (x * 0x00204081 puts bit i at i + 7i), then fill each byte
    spread = b.and_(b.mul(b.and_(b.get("GE"), c32(0xF)), c32(0x00204081)), c32(0x01010101))
    mask = b.mul(spread, c32(0xFF))
    ctx.set_reg(rd, b.or_(b.and_(n, mask), b.and_(m, b.not_(mask))))


@lifts(A.ARM_INS_USAD8, A.ARM_INS_USADA8)
def lift_usad8(ctx: LiftCtx) -> None:
    """USAD8 / USADA8: sum of the absolute byte differences (plus Ra)."""
    b = ctx.b
    rd, n, m = dst(ctx, 0), src(ctx, 1), src(ctx, 2)
    total = src(ctx, 3) if ctx.insn.id == A.ARM_INS_USADA8 else c32(0)
    for i in range(4):
        d = b.sub(lane(b, n, i, 8, False), lane(b, m, i, 8, False))
        total = b.add(total, b.select(b.setcond(Cond.SLT, d, c32(0)), b.unop(Op.NEG, d), d))
    ctx.set_reg(rd, total)


# ---- extends ------------------------------------------------------------------------------------------
# id -> (source lane width, signed, accumulate); lane width 8 with "16" suffix = the dual-byte forms
EXTENDS = {
    A.ARM_INS_SXTB: (8, True, False), A.ARM_INS_SXTH: (16, True, False),
    A.ARM_INS_UXTB: (8, False, False), A.ARM_INS_UXTH: (16, False, False),
    A.ARM_INS_SXTAB: (8, True, True), A.ARM_INS_SXTAH: (16, True, True),
    A.ARM_INS_UXTAB: (8, False, True), A.ARM_INS_UXTAH: (16, False, True),
}  # fmt: skip
EXTENDS16 = {
    A.ARM_INS_SXTB16: (True, False), A.ARM_INS_UXTB16: (False, False),
    A.ARM_INS_SXTAB16: (True, True), A.ARM_INS_UXTAB16: (False, True),
}  # fmt: skip


@lifts(*EXTENDS)
def lift_extend(ctx: LiftCtx) -> None:
    """SXTB ... UXTAH: rotated = ROR(R[m], rotation) (capstone reports the rotation as an ROR shift)."""
    b = ctx.b
    width, signed, acc = EXTENDS[ctx.insn.id]
    rd = dst(ctx, 0)
    rotated = ctx.value(len(ctx.ops) - 1)
    v = lane(b, rotated, 0, width, signed)
    ctx.set_reg(rd, b.add(src(ctx, 1), v) if acc else v)


@lifts(*EXTENDS16)
def lift_extend16(ctx: LiftCtx) -> None:
    """SXTB16 ... UXTAB16: bytes 0 and 2 of the rotated Rm extended to halfwords (added to Rn's halves)."""
    b = ctx.b
    signed, acc = EXTENDS16[ctx.insn.id]
    rd = dst(ctx, 0)
    rotated = ctx.value(len(ctx.ops) - 1)
    halves = [lane(b, rotated, 2 * i, 8, signed, 16) for i in range(2)]
    if acc:
        n = src(ctx, 1)
        halves = [b.add(h, lane(b, n, i, 16, False, 16)) for i, h in enumerate(halves)]
    ctx.set_reg(rd, pack(b, halves, 16))


# ---- bit fields ---------------------------------------------------------------------------------------
def _bitfield_fields(ctx: LiftCtx) -> tuple[int, int]:
    """(lsb, msb or widthminus1) from the encoding: capstone's operands are not meaningful when the
    encoding is UNPREDICTABLE (it reports BFI with msb < lsb as some other field)."""
    raw = ctx.raw
    if ctx.thumb:
        return (raw >> 12 & 7) << 2 | (raw >> 6 & 3), raw & 0x1F
    return raw >> 7 & 0x1F, raw >> 16 & 0x1F


@lifts(A.ARM_INS_BFI, A.ARM_INS_BFC)
def lift_bfi(ctx: LiftCtx) -> None:
    """BFI Rd, Rn, #lsb, #width / BFC Rd, #lsb, #width: R[d]<msb:lsb> = R[n]<msb-lsb:0> (or zeros)."""
    b = ctx.b
    rd = dst(ctx, 0)
    lsb, msb = _bitfield_fields(ctx)
    if msb < lsb:
        raise Unlifted("BFI/BFC with msb < lsb is UNPREDICTABLE")
    mask = ((1 << (msb - lsb + 1)) - 1) << lsb
    ins = b.and_(b.shl(src(ctx, 1), c32(lsb)), c32(mask)) if ctx.insn.id == A.ARM_INS_BFI else c32(0)
    ctx.set_reg(rd, b.or_(b.and_(ctx.reg(rd), c32(~mask)), ins))


@lifts(A.ARM_INS_UBFX, A.ARM_INS_SBFX)
def lift_bfx(ctx: LiftCtx) -> None:
    """UBFX / SBFX Rd, Rn, #lsb, #width: R[n]<msb:lsb> zero- or sign-extended."""
    b = ctx.b
    rd, n = dst(ctx, 0), src(ctx, 1)
    lsb, widthm1 = _bitfield_fields(ctx)
    width = widthm1 + 1
    if lsb + width > 32:
        raise Unlifted("UBFX/SBFX with lsb + width > 32 is UNPREDICTABLE")
    top = b.shl(n, c32(32 - lsb - width))
    shr = b.ashr if ctx.insn.id == A.ARM_INS_SBFX else b.lshr
    ctx.set_reg(rd, shr(top, c32(32 - width)))


# ---- reverses and packs -------------------------------------------------------------------------------
def _rev16(b: Builder, x: Value) -> Value:
    return b.or_(b.and_(b.lshr(x, c32(8)), c32(0x00FF00FF)), b.and_(b.shl(x, c32(8)), c32(0xFF00FF00)))


def _revsh(b: Builder, x: Value) -> Value:
    # result<31:8> = SignExtend(R[m]<7:0>), result<7:0> = R[m]<15:8>
    return b.or_(b.ashr(b.shl(x, c32(24)), c32(16)), b.and_(b.lshr(x, c32(8)), c32(0xFF)))


REVERSES = {
    A.ARM_INS_RBIT: lambda b, x: b.unop(Op.BITREV, x),
    A.ARM_INS_REV: lambda b, x: b.unop(Op.BSWAP, x),
    A.ARM_INS_REV16: _rev16,
    A.ARM_INS_REVSH: _revsh,
}


@lifts(*REVERSES)
def lift_reverse(ctx: LiftCtx) -> None:
    ctx.set_reg(dst(ctx, 0), REVERSES[ctx.insn.id](ctx.b, src(ctx, 1)))


# id -> mask of the bits taken from Rn (the rest come from the shifted Rm)
PACKS = {A.ARM_INS_PKHBT: 0x0000FFFF, A.ARM_INS_PKHTB: 0xFFFF0000}


@lifts(*PACKS)
def lift_pkh(ctx: LiftCtx) -> None:
    """PKHBT (Rm LSL #imm supplies the top half) / PKHTB (Rm ASR #imm, ASR #32 included, the bottom)."""
    b = ctx.b
    keep = PACKS[ctx.insn.id]
    rd, n, m = dst(ctx, 0), src(ctx, 1), ctx.value(2)
    ctx.set_reg(rd, b.or_(b.and_(n, c32(keep)), b.and_(m, c32(~keep))))
