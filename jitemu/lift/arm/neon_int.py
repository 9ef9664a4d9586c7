"""Advanced SIMD integer instructions: arithmetic (plain, saturating, halving, widening, narrowing),
shifts, comparisons and bitwise operations, over D and Q registers (semantics: ``jitemu.neon.integer``)."""

from __future__ import annotations

from capstone import arm as A

from jitemu.lift.arm.neon import dtype, read_op, vec_op, write_op
from jitemu.lift.ctx import LiftCtx, Unlifted, simd_lifts

# ---- integer arithmetic, three registers of the same shape -----------------------------------------
THREE_SAME = {
    A.ARM_INS_VADD: "add", A.ARM_INS_VSUB: "sub", A.ARM_INS_VQADD: "qadd", A.ARM_INS_VQSUB: "qsub",
}  # fmt: skip


@simd_lifts(*THREE_SAME)
def lift_three_same(ctx: LiftCtx) -> None:
    """Vd = op(Vn, Vm) lane by lane (D or Q); for VADD/VSUB the integer forms (float ones: ``neon_fp``)."""
    t = dtype(ctx)
    if t.startswith("f"):
        raise Unlifted("floating-point form")
    kind, n = read_op(ctx, 1)
    _, m = read_op(ctx, 2)
    write_op(ctx, 0, vec_op(ctx, f"{THREE_SAME[ctx.insn.id]}.{t}.{kind}", n, m))
