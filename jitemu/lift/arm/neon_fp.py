"""Advanced SIMD floating point: arithmetic, multiply-accumulate, comparisons, min/max, pairwise, estimates
and conversions on f32 lanes with the standard FPSCR (semantics: ``jitemu.neon.fp``).

Capstone gives these the ids of their VFP and integer namesakes (VADD.F32 is ARM_INS_VADD), so each lift
function checks the form: f32 lanes (F16 lanes are ARMv8.2), register or scalar operands.  VABS/VNEG
only change sign bits and are plain IR; by-scalar forms duplicate the scalar with plain IR and use the
vector operation.
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Const, Value
from jitemu.lift.arm.neon import WIDTH, dtype, read_op, read_vec, vec_op, vreg, write_op
from jitemu.lift.arm.vfp import data_types, ext_reg
from jitemu.lift.ctx import LiftCtx, Unlifted, simd_lifts

# ---- three registers of the same length (and by scalar) ---------------------------------------------------
THREE_SAME = {
    A.ARM_INS_VADD: "add", A.ARM_INS_VSUB: "sub", A.ARM_INS_VMUL: "mul", A.ARM_INS_VABD: "abd",
    A.ARM_INS_VMAX: "max", A.ARM_INS_VMIN: "min", A.ARM_INS_VCEQ: "ceq", A.ARM_INS_VCGE: "cge",
    A.ARM_INS_VCGT: "cgt", A.ARM_INS_VACGE: "acge", A.ARM_INS_VACGT: "acgt", A.ARM_INS_VRECPS: "recps",
    A.ARM_INS_VRSQRTS: "rsqrts", A.ARM_INS_VPADD: "padd", A.ARM_INS_VPMAX: "pmax", A.ARM_INS_VPMIN: "pmin",
}  # fmt: skip
ACCUMULATE = {A.ARM_INS_VMLA: "mla", A.ARM_INS_VMLS: "mls", A.ARM_INS_VFMA: "fma", A.ARM_INS_VFMS: "fms"}
# compare with #0: (operation, whether zero is the first operand) - VCLE #0 is 0 >= x, VCLT #0 is 0 > x
COMPARE_ZERO = {
    A.ARM_INS_VCEQ: ("ceq", False), A.ARM_INS_VCGE: ("cge", False), A.ARM_INS_VCGT: ("cgt", False),
    A.ARM_INS_VCLE: ("cge", True), A.ARM_INS_VCLT: ("cgt", True),
}  # fmt: skip


def _f32(ctx: LiftCtx) -> None:
    if dtype(ctx) != "f32":
        raise Unlifted("not f32 lanes")


def _dup_scalar(ctx: LiftCtx, i: int, width: int) -> Value:
    """Operand i, a scalar Dm[x] of 32 bits, copied into every lane of a ``width``-bit value."""
    op = ctx.ops[i]
    r = ext_reg(op.reg) if op.type == A.ARM_OP_REG else None
    if r is None or r[0] != "d" or op.vector_index not in (0, 1):
        raise Unlifted("not a 32-bit scalar")
    b = ctx.b
    x = b.zext(b.trunc(b.lshr(read_vec(ctx, "d", r[1]), Const(32 * op.vector_index, 64)), 32), width)
    k = 32
    while k < width:
        x = b.or_(x, b.shl(x, Const(k, width)))
        k *= 2
    return x


def _operand(ctx: LiftCtx, i: int, kind: str) -> Value:
    """Operand i: a register of the destination's kind, or a scalar duplicated to that width."""
    if ctx.ops[i].vector_index != -1:
        return _dup_scalar(ctx, i, WIDTH[kind])
    k, v = read_op(ctx, i)
    if k != kind:
        raise Unlifted("mixed register widths")
    return v


@simd_lifts(*{**THREE_SAME, **ACCUMULATE, **COMPARE_ZERO}, float_lanes=True)
def lift_three_same(ctx: LiftCtx) -> None:
    """Vd = op(Vn, Vm) on f32 lanes (D or Q); VMLA/VMLS/VFMA/VFMS also read Vd; Vm may be a scalar
    (VMUL/VMLA/VMLS); comparisons with #0."""
    _f32(ctx)
    i = ctx.insn.id
    kind, _ = vreg(ctx, 0)
    if len(ctx.ops) == 3 and ctx.ops[2].type == A.ARM_OP_IMM:
        if i not in COMPARE_ZERO:
            raise Unlifted("immediate operand")
        name, zero_first = COMPARE_ZERO[i]
        x, zero = _operand(ctx, 1, kind), Const(0, WIDTH[kind])
        write_op(ctx, 0, vec_op(ctx, f"{name}.f32.{kind}", *((zero, x) if zero_first else (x, zero))))
        return
    if len(ctx.ops) != 3 or not (i in THREE_SAME or i in ACCUMULATE):
        raise Unlifted("not a three-register form")
    n, m = _operand(ctx, 1, kind), _operand(ctx, 2, kind)
    if i in ACCUMULATE:
        d = read_op(ctx, 0)[1]
        write_op(ctx, 0, vec_op(ctx, f"{ACCUMULATE[i]}.f32.{kind}", d, n, m))
    else:
        write_op(ctx, 0, vec_op(ctx, f"{THREE_SAME[i]}.f32.{kind}", n, m))


# ---- two registers: sign-bit operations, estimates, conversions -------------------------------------------
def _sign_op(ctx: LiftCtx, negate: bool) -> None:
    """VABS.F32 / VNEG.F32: clear / flip each lane's sign bit (no FP exception, no flushing)."""
    kind, v = read_op(ctx, 1)
    w = WIDTH[kind]
    signs = sum(0x80000000 << k for k in range(0, w, 32))
    b = ctx.b
    write_op(ctx, 0, b.xor(v, Const(signs, w)) if negate else b.and_(v, Const(~signs & ((1 << w) - 1), w)))


@simd_lifts(A.ARM_INS_VABS, A.ARM_INS_VNEG, float_lanes=True)
def lift_abs_neg(ctx: LiftCtx) -> None:
    _f32(ctx)
    if len(ctx.ops) != 2:
        raise Unlifted("not a two-register form")
    _sign_op(ctx, ctx.insn.id == A.ARM_INS_VNEG)


ESTIMATES = {A.ARM_INS_VRECPE: "recpe", A.ARM_INS_VRSQRTE: "rsqrte"}


def _estimate(ctx: LiftCtx) -> None:
    """VRECPE/VRSQRTE .F32 (floating point) or .U32 (unsigned fixed point)."""
    t = dtype(ctx)
    if t not in ("f32", "u32"):
        raise Unlifted("estimate of another type")
    kind, v = read_op(ctx, 1)
    write_op(ctx, 0, vec_op(ctx, f"{ESTIMATES[ctx.insn.id]}.{t}.{kind}", v))


simd_lifts(*ESTIMATES, float_lanes=True)(_estimate)
simd_lifts(*ESTIMATES)(_estimate)


@simd_lifts(A.ARM_INS_VCVT, float_lanes=True)
def lift_vcvt(ctx: LiftCtx) -> None:
    """VCVT between f32 and s32/u32 (fixed point with #fbits; toward zero to integer, to nearest from
    integer) and VCVT.F16.F32 Dd, Qm / VCVT.F32.F16 Qd, Dm."""
    dts = [t.lower() for t in data_types(ctx)]
    fbits = ctx.ops[2].imm if len(ctx.ops) == 3 and ctx.ops[2].type == A.ARM_OP_IMM else 0
    kind, v = read_op(ctx, 1)
    dkind = vreg(ctx, 0)[0]
    if dts in (["f16", "f32"], ["f32", "f16"]):
        if (dkind, kind) != (("d", "q") if dts[0] == "f16" else ("q", "d")):
            raise Unlifted("half conversion with other register shapes")
        ctx.require("fp16")
        write_op(ctx, 0, vec_op(ctx, f"cvt.{dts[0]}.{dts[1]}.q", v))
        return
    if dkind != kind or len(dts) != 2 or "f32" not in dts or not {"s32", "u32"} & set(dts):
        raise Unlifted("not an f32 <-> 32-bit integer conversion")
    name = f"tofix.{dts[0]}.f32.{kind}" if dts[1] == "f32" else f"fromfix.f32.{dts[1]}.{kind}"
    write_op(ctx, 0, vec_op(ctx, name, v, Const(fbits, 32)))
