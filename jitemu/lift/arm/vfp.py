"""VFP/NEON register transfers that integer code (glibc) uses: VLDR/VSTR, VLDM/VSTM, VPUSH/VPOP,
VMOV between core and extension registers, VMRS/VMSR.

FP arithmetic and the rest of Advanced SIMD belong to the VFPv4/NEON work; they lift to UNDEF until then.
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Const, Value, c32
from jitemu.lift.arm.loadstore import address
from jitemu.lift.ctx import LiftCtx, Unlifted, lifts
from jitemu.lift.ctx import data_types as ctx_data_types

D0, S0, Q0 = A.ARM_REG_D0, A.ARM_REG_S0, A.ARM_REG_Q0


def ext_reg(reg: int) -> tuple[str, int] | None:
    """('d', n) / ('s', n) / ('q', n) for an extension register id, None for core registers."""
    if D0 <= reg <= D0 + 31:
        return "d", reg - D0
    if S0 <= reg <= S0 + 31:
        return "s", reg - S0
    if Q0 <= reg <= Q0 + 15:
        return "q", reg - Q0
    return None


def data_types(ctx: LiftCtx) -> list[str]:
    """The data types of the instruction's suffix, e.g. ['F64', 'F32'] for vcvt.f64.f32, ['U8'] for vmov.u8."""
    return ctx_data_types(ctx.insn)


def _words(kind: str, n: int) -> list[str]:
    """The 32-bit state fields making up a register, lowest address first."""
    if kind == "s":
        return [f"s{n}"]
    if kind == "d":
        return [f"s{2 * n}", f"s{2 * n + 1}"] if n < 16 else [f"d{n}"]
    return _words("d", 2 * n) + _words("d", 2 * n + 1)


def load_ext(ctx: LiftCtx, kind: str, n: int, addr: Value) -> list[tuple[str, Value]]:
    """Load a register's bytes from addr; returns the (field, value) writes to do after all loads."""
    b = ctx.b
    if kind == "d":
        return [(f"d{n}", b.load(addr, 64))]
    if kind == "s":
        return [(f"s{n}", b.load(addr, 32))]
    return [(f"d{2 * n}", b.load(addr, 64)), (f"d{2 * n + 1}", b.load(b.add(addr, c32(8)), 64))]


def store_ext(ctx: LiftCtx, kind: str, n: int, addr: Value) -> None:
    b = ctx.b
    if kind == "s":
        b.store(addr, b.get(f"s{n}"))
    else:
        for i, d in enumerate([n] if kind == "d" else [2 * n, 2 * n + 1]):
            b.store(b.add(addr, c32(8 * i)) if i else addr, b.get(f"d{d}", 64))


def reg_size(kind: str) -> int:
    return {"s": 4, "d": 8, "q": 16}[kind]


@lifts(A.ARM_INS_VLDR, A.ARM_INS_VSTR)
def lift_vldr(ctx: LiftCtx) -> None:
    kind, n = ext_reg(ctx.ops[0].reg)
    addr, _, _ = address(ctx, 1)
    if ctx.insn.id == A.ARM_INS_VLDR:
        for f, v in load_ext(ctx, kind, n, addr):
            ctx.b.set(f, v)
    else:
        store_ext(ctx, kind, n, addr)


def _multi(ctx: LiftCtx, rn: int, regs: list[tuple[str, int]], inc: bool, wback: bool, load: bool) -> None:
    b = ctx.b
    size = sum(reg_size(k) for k, _ in regs)
    base = ctx.reg(rn)
    start = base if inc else b.sub(base, c32(size))
    writes: list[tuple[str, Value]] = []
    off = 0
    for kind, n in regs:
        addr = b.add(start, c32(off)) if off else start
        if load:
            writes += load_ext(ctx, kind, n, addr)
        else:
            store_ext(ctx, kind, n, addr)
        off += reg_size(kind)
    if wback:
        ctx.set_reg(rn, b.add(base, c32(size)) if inc else start)
    for f, v in writes:
        b.set(f, v)


VMULTI = {
    A.ARM_INS_VLDMIA: (True, True), A.ARM_INS_VLDMDB: (True, False),
    A.ARM_INS_VSTMIA: (False, True), A.ARM_INS_VSTMDB: (False, False),
}  # fmt: skip


@lifts(*VMULTI)
def lift_vldm(ctx: LiftCtx) -> None:
    load, inc = VMULTI[ctx.insn.id]
    regs = [ext_reg(o.reg) for o in ctx.ops[1:]]
    _multi(ctx, ctx.regnum(0), regs, inc, ctx.insn.writeback, load)


@lifts(A.ARM_INS_VPUSH, A.ARM_INS_VPOP)
def lift_vpush(ctx: LiftCtx) -> None:
    pop = ctx.insn.id == A.ARM_INS_VPOP
    _multi(ctx, 13, [ext_reg(o.reg) for o in ctx.ops], inc=pop, wback=True, load=pop)


@lifts(A.ARM_INS_VMOV, A.ARM_INS_FMDHR)
def lift_vmov(ctx: LiftCtx) -> None:
    """VMOV between core registers and extension registers (and register to register copies)."""
    b = ctx.b
    ops = ctx.ops
    kinds = [ext_reg(o.reg) if o.type == A.ARM_OP_REG else ("imm", 0) for o in ops]
    if any(k and k[0] == "imm" for k in kinds):
        raise Unlifted("VMOV immediate: VFP in vfp_arith (FCONST ids), Advanced SIMD in neon_perm")
    vidx = [o.vector_index for o in ops]
    if len(ops) == 2 and kinds[0] is None and kinds[1] and vidx[1] != -1:
        _scalar_to_core(ctx, ctx.regnum(0), kinds[1][1], vidx[1])
    elif len(ops) == 2 and kinds[0] and vidx[0] != -1 and kinds[1] is None:
        _core_to_scalar(ctx, kinds[0][1], vidx[0], ctx.reg(ctx.regnum(1)))
    elif len(ops) == 2 and kinds[0] is None:  # vmov rt, sn
        ctx.set_reg(ctx.regnum(0), b.get(f"s{kinds[1][1]}"))
    elif len(ops) == 2 and kinds[1] is None:  # vmov sn, rt
        b.set(f"s{kinds[0][1]}", ctx.reg(ctx.regnum(1)))
    elif len(ops) == 2 and kinds[0][0] == kinds[1][0]:  # register copy
        src = [b.get(f, 64 if f.startswith("d") else 32) for f in _fields64(*kinds[1])]
        for f, v in zip(_fields64(*kinds[0]), src, strict=False):
            b.set(f, v)
    elif len(ops) == 3 and kinds[0] is None and kinds[2] and kinds[2][0] == "d":  # vmov rt, rt2, dm
        d = b.get(f"d{kinds[2][1]}", 64)
        lo, hi = b.trunc(d, 32), b.trunc(b.lshr(d, Const(32, 64)), 32)
        ctx.set_reg(ctx.regnum(0), lo)
        ctx.set_reg(ctx.regnum(1), hi)
    elif len(ops) == 3 and kinds[0] and kinds[0][0] == "d":  # vmov dm, rt, rt2
        lo, hi = ctx.reg(ctx.regnum(1)), ctx.reg(ctx.regnum(2))
        b.set(f"d{kinds[0][1]}", b.or_(b.zext(lo, 64), b.shl(b.zext(hi, 64), Const(32, 64))))
    elif len(ops) == 4 and kinds[0] is None:  # vmov rt, rt2, sm, sm1
        v0, v1 = b.get(f"s{kinds[2][1]}"), b.get(f"s{kinds[3][1]}")
        ctx.set_reg(ctx.regnum(0), v0)
        ctx.set_reg(ctx.regnum(1), v1)
    elif len(ops) == 4:  # vmov sm, sm1, rt, rt2
        v0, v1 = ctx.reg(ctx.regnum(2)), ctx.reg(ctx.regnum(3))
        b.set(f"s{kinds[0][1]}", v0)
        b.set(f"s{kinds[1][1]}", v1)
    else:
        raise Unlifted("VMOV form")


def simd_expand_imm(op: int, cmode: int, imm8: int) -> int | None:
    """AdvSIMDExpandImm: the 64-bit pattern of a one-register-and-immediate instruction (None: UNDEFINED)."""
    kind = cmode >> 1
    if kind < 4:  # a byte in one of the four bytes of each word
        return (imm8 << (8 * kind)) * 0x0000000100000001
    if kind < 6:  # a byte in one of the two bytes of each halfword
        return (imm8 << (8 * (kind - 4))) * 0x0001000100010001
    if kind == 6:  # shifted ones
        word = (imm8 << 8 | 0xFF) if cmode & 1 == 0 else (imm8 << 16 | 0xFFFF)
        return word * 0x0000000100000001
    if cmode & 1 == 0:
        if op == 0:
            return imm8 * 0x0101010101010101
        return sum(0xFF << (8 * i) for i in range(8) if imm8 >> i & 1)
    if op == 1:
        return None
    b6 = imm8 >> 6 & 1
    word = (imm8 >> 7) << 31 | (b6 ^ 1) << 30 | (0x1F if b6 else 0) << 25 | (imm8 & 0x3F) << 19
    return word * 0x0000000100000001


def _fields64(kind: str, n: int) -> list[str]:
    return {"s": [f"s{n}"], "d": [f"d{n}"], "q": [f"d{2 * n}", f"d{2 * n + 1}"]}[kind]


def _lane(ctx: LiftCtx) -> tuple[int, bool]:
    """(element size in bits, signed) of a VMOV scalar form, from its data-type suffix."""
    types = data_types(ctx)
    if types:  # vmov.u8 r0, d1[2]: capstone gives the type, not the size
        return int(types[0][1:]), types[0][0] == "S"
    return ctx.insn.vector_size or 32, False


def get_lane(ctx: LiftCtx, dn: int, index: int, size: int) -> Value:
    """Element ``index`` of size bits of d<dn>."""
    b = ctx.b
    return b.trunc(b.lshr(b.get(f"d{dn}", 64), Const(index * size, 64)), size)


def set_lane(ctx: LiftCtx, dn: int, index: int, size: int, v: Value) -> None:
    """Write element ``index`` of size bits of d<dn> (the low size bits of v)."""
    b = ctx.b
    mask = ((1 << size) - 1) << (index * size)
    d = b.get(f"d{dn}", 64)
    lane = b.shl(b.zext(b.trunc(v, size), 64), Const(index * size, 64))
    b.set(f"d{dn}", b.or_(b.and_(d, Const(~mask, 64)), lane))


def _scalar_to_core(ctx: LiftCtx, rt: int, dn: int, index: int) -> None:
    size, signed = _lane(ctx)
    lane = get_lane(ctx, dn, index, size)
    ctx.set_reg(rt, ctx.b.sext(lane, 32) if signed else ctx.b.zext(lane, 32))


def _core_to_scalar(ctx: LiftCtx, dn: int, index: int, v: Value) -> None:
    set_lane(ctx, dn, index, _lane(ctx)[0], v)


@lifts(A.ARM_INS_VMRS, A.ARM_INS_FMSTAT)
def lift_vmrs(ctx: LiftCtx) -> None:
    b = ctx.b
    if ctx.ops[1].reg != A.ARM_REG_FPSCR:
        raise Unlifted("VMRS of a register other than FPSCR")
    v = b.get("fpscr")
    if ctx.ops[0].reg == A.ARM_REG_APSR_NZCV:  # VMRS APSR_nzcv, FPSCR
        b.set("NF", b.and_(v, c32(0x80000000)))
        b.set("ZF", b.and_(b.not_(v), c32(0x40000000)))
        b.set("CF", b.and_(b.lshr(v, c32(29)), c32(1)))
        b.set("VF", b.shl(v, c32(3)))
    else:
        ctx.set_reg(ctx.regnum(0), v)


# FPSCR bits a Cortex-A15 keeps: N Z C V QC AHP DN FZ RMode, IDC and the cumulative flags.  Stride/Len
# (short vectors) and the trap enables read as zero on a CPU without short vectors or FP traps.
FPSCR_MASK = 0xFFC0009F


@lifts(A.ARM_INS_VMSR)
def lift_vmsr(ctx: LiftCtx) -> None:
    if ctx.ops[0].reg != A.ARM_REG_FPSCR:
        raise Unlifted("VMSR of a register other than FPSCR")
    ctx.b.set("fpscr", ctx.b.and_(ctx.reg(ctx.regnum(1)), c32(FPSCR_MASK)))
