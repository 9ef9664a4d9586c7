"""VFP data processing (VFPv4 scalar, single and double precision): arithmetic, multiply-accumulate
(chained and fused), compare, conversions and VMOV immediate.

Each instruction reads its operands and the FPSCR, applies one or two operations of ``jitemu.fpu`` through
the IR's ``FP`` op, and writes the result and the new FPSCR.  VABS and VNEG only touch the sign bit.
Advanced SIMD encodings that capstone reports under the same ids (vector registers, integer types) are
not lifted here (``Unlifted``).
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Const, Value, c32
from jitemu.lift.arm.vfp import data_types, ext_reg
from jitemu.lift.ctx import LiftCtx, Unlifted, lifts


def _reg(ctx: LiftCtx, i: int, kind: str) -> int:
    """The number of register operand i, which must be of the given kind ('s' or 'd')."""
    op = ctx.ops[i]
    r = ext_reg(op.reg) if op.type == A.ARM_OP_REG else None
    if r is None or r[0] != kind or op.vector_index != -1:
        raise Unlifted("not a VFP scalar operand (Advanced SIMD)")
    return r[1]


def _kind(width: int) -> str:
    return "d" if width == 64 else "s"


def read(ctx: LiftCtx, i: int, width: int) -> Value:
    return ctx.b.get(f"{_kind(width)}{_reg(ctx, i, _kind(width))}", width)


def write(ctx: LiftCtx, i: int, width: int, v: Value) -> None:
    ctx.b.set(f"{_kind(width)}{_reg(ctx, i, _kind(width))}", v)


def precision(ctx: LiftCtx) -> int:
    """32 or 64 for an F32/F64 scalar instruction whose register operands are all s / all d."""
    t = data_types(ctx)
    if t not in (["F32"], ["F64"]):
        raise Unlifted("not a VFP scalar data type")
    return int(t[0][1:])


def sign_bit(width: int) -> Const:
    return Const(1 << (width - 1), width)


def negate(ctx: LiftCtx, v: Value) -> Value:
    """FPNeg: flip the sign bit (NaNs too)."""
    return ctx.b.xor(v, sign_bit(v.width))


def fp(ctx: LiftCtx, name: str, *args: Value) -> Value:
    """Apply an FP operation with the FPSCR, keep its new FPSCR, return its result."""
    r, fpscr = ctx.b.fp(name, *args, fpscr=ctx.b.get("fpscr"))
    ctx.b.set("fpscr", fpscr)
    return r


BINARY = {A.ARM_INS_VADD: "add", A.ARM_INS_VSUB: "sub", A.ARM_INS_VMUL: "mul", A.ARM_INS_VDIV: "div",
          A.ARM_INS_VNMUL: "mul"}  # fmt: skip


@lifts(*BINARY)
def lift_binary(ctx: LiftCtx) -> None:
    w = precision(ctx)
    r = fp(ctx, f"{BINARY[ctx.insn.id]}.f{w}", read(ctx, 1, w), read(ctx, 2, w))
    write(ctx, 0, w, negate(ctx, r) if ctx.insn.id == A.ARM_INS_VNMUL else r)


# multiply-accumulate: d = (-)d + (-)(n * m); chained = FPAdd(addend, FPMul(n, m)) with two roundings,
# fused = FPMulAdd(addend, n, m) with one (the negated operand is n, as in the ARM ARM)
MAC = {
    A.ARM_INS_VMLA: (False, False, False), A.ARM_INS_VMLS: (False, True, False),
    A.ARM_INS_VNMLA: (True, True, False), A.ARM_INS_VNMLS: (True, False, False),
    A.ARM_INS_VFMA: (False, False, True), A.ARM_INS_VFMS: (False, True, True),
    A.ARM_INS_VFNMA: (True, True, True), A.ARM_INS_VFNMS: (True, False, True),
}  # fmt: skip


@lifts(*MAC)
def lift_mac(ctx: LiftCtx) -> None:
    neg_addend, neg_product, fused = MAC[ctx.insn.id]
    if fused:
        ctx.require("vfpv4")
    w = precision(ctx)
    n, m = read(ctx, 1, w), read(ctx, 2, w)
    addend = read(ctx, 0, w)
    if neg_addend:
        addend = negate(ctx, addend)
    if fused:
        r = fp(ctx, f"muladd.f{w}", addend, negate(ctx, n) if neg_product else n, m)
    else:
        product = fp(ctx, f"mul.f{w}", n, m)
        r = fp(ctx, f"add.f{w}", addend, negate(ctx, product) if neg_product else product)
    write(ctx, 0, w, r)


@lifts(A.ARM_INS_VSQRT)
def lift_vsqrt(ctx: LiftCtx) -> None:
    w = precision(ctx)
    write(ctx, 0, w, fp(ctx, f"sqrt.f{w}", read(ctx, 1, w)))


@lifts(A.ARM_INS_VABS, A.ARM_INS_VNEG)
def lift_vabs(ctx: LiftCtx) -> None:
    w = precision(ctx)
    x = read(ctx, 1, w)
    if ctx.insn.id == A.ARM_INS_VNEG:
        write(ctx, 0, w, negate(ctx, x))
    else:
        write(ctx, 0, w, ctx.b.and_(x, Const(~sign_bit(w).value, w)))


@lifts(A.ARM_INS_VCMP, A.ARM_INS_VCMPE)
def lift_vcmp(ctx: LiftCtx) -> None:
    w = precision(ctx)
    b = ctx.b
    other = Const(0, w) if ctx.ops[1].type == A.ARM_OP_IMM else read(ctx, 1, w)
    name = "cmpe" if ctx.insn.id == A.ARM_INS_VCMPE else "cmp"
    nzcv, fpscr = b.fp(f"{name}.f{w}", read(ctx, 0, w), other, fpscr=b.get("fpscr"))
    b.set("fpscr", b.or_(b.and_(fpscr, c32(0x0FFFFFFF)), nzcv))


def _width(t: str) -> int:
    return int(t[1:])


@lifts(A.ARM_INS_VCVT, A.ARM_INS_VCVTR)
def lift_vcvt(ctx: LiftCtx) -> None:
    types = data_types(ctx)
    if len(types) != 2:
        raise Unlifted("VCVT data type")
    dst, src = types
    b = ctx.b
    if len(ctx.ops) == 3:  # fixed point <-> float, in place: vcvt.f32.s32 s0, s0, #fbits
        fbits = ctx.ops[2].imm
        flt = src if dst[0] in "SU" else dst
        fix = dst if dst[0] in "SU" else src
        w = _width(flt)
        if ctx.ops[0].reg != ctx.ops[1].reg or flt not in ("F32", "F64"):
            raise Unlifted("VCVT fixed-point form")
        x = read(ctx, 0, w)
        if dst[0] in "SU":
            r = fp(ctx, f"tofix.{fix.lower()}.f{w}.rz", x, c32(fbits))
            if w == 64:  # the 32-bit result, extended to the register
                r = b.sext(r, 64) if fix[0] == "S" else b.zext(r, 64)
        else:
            r = fp(ctx, f"fromfix.f{w}.{fix.lower()}.{FIXED_TO_FP_ROUNDING}", b.trunc(x, 32), c32(fbits))
        write(ctx, 0, w, r)
        return
    if dst[0] == "F" and src[0] == "F":  # between precisions
        if {dst, src} != {"F32", "F64"} or ctx.insn.id == A.ARM_INS_VCVTR:
            raise Unlifted("VCVT precisions")
        write(ctx, 0, _width(dst), fp(ctx, f"cvt.{dst.lower()}.{src.lower()}", read(ctx, 1, _width(src))))
    elif dst[0] in "SU":  # float -> integer: round toward zero, VCVTR: FPSCR rounding
        if dst[1:] != "32":
            raise Unlifted("VCVT integer size")
        rnd = "rm" if ctx.insn.id == A.ARM_INS_VCVTR else "rz"
        write(ctx, 0, 32, fp(ctx, f"tofix.{dst.lower()}.{src.lower()}.{rnd}", read(ctx, 1, _width(src)), c32(0)))
    else:  # integer -> float (FPSCR rounding)
        if src[1:] != "32" or ctx.insn.id == A.ARM_INS_VCVTR:
            raise Unlifted("VCVT integer size")
        write(ctx, 0, _width(dst), fp(ctx, f"fromfix.{dst.lower()}.{src.lower()}.rm", read(ctx, 1, 32), c32(0)))


# fixed point -> float rounds with the FPSCR mode (ARM ARM VCVT (between floating-point and fixed-point))
FIXED_TO_FP_ROUNDING = "rm"


@lifts(A.ARM_INS_VCVTB, A.ARM_INS_VCVTT)
def lift_vcvtb(ctx: LiftCtx) -> None:
    """Half precision <-> single: the half is the bottom (VCVTB) or top (VCVTT) half of an s register."""
    ctx.require("fp16")
    types = data_types(ctx)
    shift = 16 if ctx.insn.id == A.ARM_INS_VCVTT else 0
    b = ctx.b
    if types == ["F32", "F16"]:
        half = b.trunc(b.lshr(read(ctx, 1, 32), c32(shift)), 16)
        write(ctx, 0, 32, fp(ctx, "cvt.f32.f16", half))
    elif types == ["F16", "F32"]:
        half = fp(ctx, "cvt.f16.f32", read(ctx, 1, 32))
        keep = b.and_(read(ctx, 0, 32), c32(0xFFFF0000 >> shift))
        write(ctx, 0, 32, b.or_(keep, b.shl(b.zext(half, 32), c32(shift))))
    else:
        raise Unlifted("VCVTB/VCVTT precisions (f64 forms are ARMv8)")


def vfp_expand_imm(imm8: int, width: int) -> int:
    """VFPExpandImm: the 8-bit immediate of VMOV (immediate) as a single or double bit pattern."""
    e = 8 if width == 32 else 11
    f = width - e - 1
    b6 = imm8 >> 6 & 1
    exp = (b6 ^ 1) << (e - 1) | (((1 << (e - 3)) - 1) if b6 else 0) << 2 | (imm8 >> 4 & 3)
    return (imm8 >> 7) << (width - 1) | exp << f | (imm8 & 0xF) << (f - 4)


@lifts(A.ARM_INS_FCONSTS, A.ARM_INS_FCONSTD)
def lift_vmov_imm(ctx: LiftCtx) -> None:
    w = 64 if ctx.insn.id == A.ARM_INS_FCONSTD else 32
    imm8 = (ctx.raw >> 12 & 0xF0) | (ctx.raw & 0xF)  # imm4H = bits 19:16, imm4L = bits 3:0 (A32 and T32)
    write(ctx, 0, w, Const(vfp_expand_imm(imm8, w), w))
