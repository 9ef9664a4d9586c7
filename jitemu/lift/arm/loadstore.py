"""Loads and stores: every addressing mode of LDR/STR (B, H, SB, SH, D, T), LDM/STM/PUSH/POP,
the exclusives (LDREX/STREX B/H/D, CLREX).

Order inside one instruction: every memory access first, then base writeback, then the loaded
registers, so a fault leaves the registers untouched (the fault is precise).
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Cond, Const, Op, Value, c1, c32
from jitemu.lift.ctx import REGNUM, SHIFT_IMM, LiftCtx, Unlifted, lifts

# id -> (width, signed)
LOADS = {
    A.ARM_INS_LDR: (32, False), A.ARM_INS_LDRT: (32, False),
    A.ARM_INS_LDRB: (8, False), A.ARM_INS_LDRBT: (8, False),
    A.ARM_INS_LDRH: (16, False), A.ARM_INS_LDRHT: (16, False),
    A.ARM_INS_LDRSB: (8, True), A.ARM_INS_LDRSBT: (8, True),
    A.ARM_INS_LDRSH: (16, True), A.ARM_INS_LDRSHT: (16, True),
}  # fmt: skip
STORES = {
    A.ARM_INS_STR: 32, A.ARM_INS_STRT: 32, A.ARM_INS_STRB: 8, A.ARM_INS_STRBT: 8,
    A.ARM_INS_STRH: 16, A.ARM_INS_STRHT: 16,
}  # fmt: skip


def address(ctx: LiftCtx, k: int) -> tuple[Value, Value | None, int]:
    """Decode the memory operand at ops[k] (and a post-index operand after it).

    Returns (address to access, new base value or None, base register number)."""
    b = ctx.b
    op = ctx.ops[k]
    mem = op.mem
    rn = REGNUM[mem.base]
    base = c32(ctx.pc_aligned) if rn == 15 else ctx.reg(rn)
    # A32: the U bit (bit 23) gives the sign; capstone does not mark the negative offsets of
    # LDRHT/STRHT/LDRSBT/LDRSHT as subtracted
    neg = None if ctx.thumb else not ctx.raw >> 23 & 1
    if mem.index:
        off = _shifted_index(ctx, ctx.reg(REGNUM[mem.index]), op)
        offset = b.sub(c32(0), off) if (op.subtracted if neg is None else neg) else off
    else:
        offset = c32(mem.disp if neg is None else -abs(mem.disp) if neg else abs(mem.disp))
    post = len(ctx.ops) > k + 1
    if post:
        p = ctx.ops[k + 1]
        if p.type == A.ARM_OP_IMM:
            v = p.imm
            offset = c32((-v if p.subtracted and v > 0 else v) if neg is None else -abs(v) if neg else abs(v))
        else:
            off = _shifted_index(ctx, ctx.reg(REGNUM[p.reg]), p)
            offset = b.sub(c32(0), off) if (p.subtracted if neg is None else neg) else off
        return base, b.add(base, offset), rn
    addr = b.add(base, offset)
    return addr, (addr if ctx.insn.writeback else None), rn


def _shifted_index(ctx: LiftCtx, x: Value, op) -> Value:
    st = op.shift.type
    if st == 0:
        return x
    if st in SHIFT_IMM:
        return ctx.shift_c(x, SHIFT_IMM[st], op.shift.value, ctx.get_c)[0]
    if st == A.ARM_SFT_RRX:
        return ctx.shift_c(x, "rrx", 1, ctx.get_c)[0]
    raise Unlifted("register-shifted index")


def _load(ctx: LiftCtx, addr: Value, width: int, signed: bool) -> Value:
    v = ctx.b.load(addr, width)
    return (ctx.b.sext if signed else ctx.b.zext)(v, 32)


@lifts(*LOADS)
def lift_ldr(ctx: LiftCtx) -> None:
    width, signed = LOADS[ctx.insn.id]
    rt = ctx.regnum(0)
    addr, wb, rn = address(ctx, 1)
    v = _load(ctx, addr, width, signed)
    if wb is not None:
        ctx.set_reg(rn, wb)
    ctx.load_write_reg(rt, v)


@lifts(*STORES)
def lift_str(ctx: LiftCtx) -> None:
    width = STORES[ctx.insn.id]
    v = ctx.reg(ctx.regnum(0))
    addr, wb, rn = address(ctx, 1)
    ctx.b.store(addr, ctx.b.trunc(v, width))
    if wb is not None:
        ctx.set_reg(rn, wb)


@lifts(A.ARM_INS_LDRD)
def lift_ldrd(ctx: LiftCtx) -> None:
    b = ctx.b
    rt, rt2 = ctx.regnum(0), ctx.regnum(1)
    addr, wb, rn = address(ctx, 2)
    lo = b.load(addr, 32)
    hi = b.load(b.add(addr, c32(4)), 32)
    if wb is not None:
        ctx.set_reg(rn, wb)
    ctx.set_reg(rt, lo)
    ctx.set_reg(rt2, hi)


@lifts(A.ARM_INS_STRD)
def lift_strd(ctx: LiftCtx) -> None:
    b = ctx.b
    lo, hi = ctx.reg(ctx.regnum(0)), ctx.reg(ctx.regnum(1))
    addr, wb, rn = address(ctx, 2)
    b.store(addr, lo)
    b.store(b.add(addr, c32(4)), hi)
    if wb is not None:
        ctx.set_reg(rn, wb)


# ---- load/store multiple ------------------------------------------------------------------------------
# id -> (increment, before)
MULTI = {
    A.ARM_INS_LDM: (True, False), A.ARM_INS_LDMIB: (True, True),
    A.ARM_INS_LDMDA: (False, False), A.ARM_INS_LDMDB: (False, True),
    A.ARM_INS_STM: (True, False), A.ARM_INS_STMIB: (True, True),
    A.ARM_INS_STMDA: (False, False), A.ARM_INS_STMDB: (False, True),
}  # fmt: skip
LOAD_MULTI = {A.ARM_INS_LDM, A.ARM_INS_LDMIB, A.ARM_INS_LDMDA, A.ARM_INS_LDMDB, A.ARM_INS_POP}


def _multi(ctx: LiftCtx, rn: int, regs: list[int], inc: bool, before: bool, wback: bool, load: bool) -> None:
    b = ctx.b
    n = len(regs)
    base = ctx.reg(rn)
    if inc:
        start = b.add(base, c32(4)) if before else base
        new_base = b.add(base, c32(4 * n))
    else:
        start = b.sub(base, c32(4 * n - (0 if before else 4)))
        new_base = b.sub(base, c32(4 * n))
    addrs = [start if i == 0 else b.add(start, c32(4 * i)) for i in range(n)]
    if load:
        vals = [b.load(a, 32) for a in addrs]
        if wback:
            ctx.set_reg(rn, new_base)
        for r, v in zip(regs, vals, strict=False):
            if r != 15:
                ctx.set_reg(r, v)
        if 15 in regs:
            ctx.load_write_reg(15, vals[regs.index(15)])
    else:
        vals = [ctx.reg(r) for r in regs]
        for a, v in zip(addrs, vals, strict=False):
            b.store(a, v)
        if wback:
            ctx.set_reg(rn, new_base)


@lifts(*MULTI)
def lift_ldm_stm(ctx: LiftCtx) -> None:
    inc, before = MULTI[ctx.insn.id]
    regs = [REGNUM[o.reg] for o in ctx.ops[1:]]
    _multi(ctx, ctx.regnum(0), regs, inc, before, ctx.insn.writeback, ctx.insn.id in LOAD_MULTI)


@lifts(A.ARM_INS_PUSH, A.ARM_INS_POP)
def lift_push_pop(ctx: LiftCtx) -> None:
    regs = sorted(REGNUM[o.reg] for o in ctx.ops)
    pop = ctx.insn.id == A.ARM_INS_POP
    _multi(ctx, 13, regs, inc=pop, before=not pop, wback=True, load=pop)


# ---- exclusives ---------------------------------------------------------------------------------------
EXCL_WIDTH = {
    A.ARM_INS_LDREX: 32, A.ARM_INS_LDREXB: 8, A.ARM_INS_LDREXH: 16, A.ARM_INS_LDREXD: 64,
    A.ARM_INS_STREX: 32, A.ARM_INS_STREXB: 8, A.ARM_INS_STREXH: 16, A.ARM_INS_STREXD: 64,
}  # fmt: skip


def _excl_addr(ctx: LiftCtx) -> Value:
    mem = ctx.ops[-1].mem
    return ctx.b.add(ctx.reg(REGNUM[mem.base]), c32(mem.disp))


@lifts(A.ARM_INS_LDREX, A.ARM_INS_LDREXB, A.ARM_INS_LDREXH, A.ARM_INS_LDREXD)
def lift_ldrex(ctx: LiftCtx) -> None:
    b = ctx.b
    width = EXCL_WIDTH[ctx.insn.id]
    addr = _excl_addr(ctx)
    if width == 64:
        lo, hi = b.load(addr, 32), b.load(b.add(addr, c32(4)), 32)
        val = b.or_(b.zext(lo, 64), b.shl(b.zext(hi, 64), Const(32, 64)))
    else:
        val = b.zext(b.load(addr, width), 64)
    b.set("excl_addr", addr)
    b.set("excl_val", val)
    b.set("excl_valid", c32(1))
    if width == 64:
        ctx.set_reg(ctx.regnum(0), lo)
        ctx.set_reg(ctx.regnum(1), hi)
    else:
        ctx.set_reg(ctx.regnum(0), b.trunc(val, 32))


@lifts(A.ARM_INS_STREX, A.ARM_INS_STREXB, A.ARM_INS_STREXH, A.ARM_INS_STREXD)
def lift_strex(ctx: LiftCtx) -> None:
    """Store only if the monitor is open for this address and memory still holds what LDREX read."""
    b = ctx.b
    width = EXCL_WIDTH[ctx.insn.id]
    rd = ctx.regnum(0)
    addr = _excl_addr(ctx)
    if width == 64:
        new = b.or_(b.zext(ctx.reg(ctx.regnum(1)), 64), b.shl(b.zext(ctx.reg(ctx.regnum(2)), 64), Const(32, 64)))
    else:
        new = b.trunc(ctx.reg(ctx.regnum(1)), width)
    fail, done = b.new_label(), b.new_label()
    ok = b.and_(b.setcond(Cond.NE, b.get("excl_valid"), c32(0)), b.setcond(Cond.EQ, b.get("excl_addr"), addr))
    b.brcond(b.xor(ok, c1(1)), fail)
    expected = b.get("excl_val", 64)
    expected = b.trunc(expected, width)
    old = b.emit(Op.CMPXCHG, width, addr, expected, new)
    ctx.set_reg(rd, b.zext(b.setcond(Cond.NE, old, expected), 32))
    b.br(done)
    b.label(fail)
    ctx.set_reg(rd, c32(1))
    b.label(done)
    b.set("excl_valid", c32(0))


@lifts(A.ARM_INS_CLREX)
def lift_clrex(ctx: LiftCtx) -> None:
    ctx.b.set("excl_valid", c32(0))
