"""LLVM lowering of Advanced SIMD f32 operations (VADD/VSUB/VMUL/VABD/VMLA/VMLS/VFMA/VFMS/VMAX/VMIN.F32,
VRECPE/VRSQRTE/VRECPS/VRSQRTS and the register comparisons, ``jitemu.neon.fp``) as host vector code, taken only when it
provably gives ARM's result and flags; otherwise the runtime.

NEON computes with the standard FPSCR (round to nearest, flush-to-zero, default NaN), so the rounding mode
never needs checking.  The guard: every operand lane is zero or normal with a biased exponent in
[F+3, emax-1) = [26, 254), so is every intermediate lane (VMLA's, VRECPS's product; zero only when a factor
is zero, not by underflow), and every result lane (arithmetic) is in that range or an exact zero (its last
rounding was exact: x - x, the addend cancelling the product; an underflow to zero is inexact; IEEE's and
ARM's signs of an exact zero sum agree in round to nearest) (VMAX/VMIN: operands too, so the sign rules of
zeros do not arise).  Then no NaN, infinity or
denormal is involved (FZ and DN change nothing), no overflow or underflow happens, and the only flag is
inexact, decided exactly from the lanes widened to double: a product of two floats is exact in double, and
the TwoSum error of a double sum says whether the sum is a double at all.  The fused forms round once with
``llvm.fma``.  The pairwise forms (VPADD/VPMAX/VPMIN.F32, D only) are the lane-wise ones on the pairs
regrouped: <n0, m0> op <n1, m1>.  Anything outside the guard (one lane is enough) goes to the runtime
(``jitemu.neon.fp``).
"""

from __future__ import annotations

from collections.abc import Callable

from jitemu.codegen import irtext as ir
from jitemu.neon.fp import RECIP, RSQRT

F32, F64, I32 = ir.FloatType(), ir.DoubleType(), ir.IntType(32)
IXC = 0x10
COMPARES = {"ceq": "==", "cge": ">=", "cgt": ">", "acge": ">=", "acgt": ">"}
FAST = ("add", "sub", "mul", "abd", "mla", "mls", "fma", "fms", "recps", "rsqrts", "recpe", "rsqrte", "max", "min",
        *COMPARES)  # fmt: skip
PAIRWISE = ("padd", "pmax", "pmin")

# lower(region lowering, argument values, packed width, slow path maker) -> packed value | new FPSCR
VecFPLowering = Callable[[object, list[ir.Value], int, Callable[[], ir.Value]], ir.Value]


def vector_fp_lowering(name: str) -> VecFPLowering | None:
    """The guarded lowering of NEON operation ``name`` (``fma.f32.q``...), or None."""
    parts = name.split(".")
    if parts[0] in ("tofix", "fromfix") and len(parts) == 4 and parts[3] in ("d", "q"):
        unsigned, n = "u32" in parts[1:3], 4 if parts[3] == "q" else 2
        return lambda low, args, w, slow: _fixed(low, parts[0] == "tofix", unsigned, n, args, w, slow)
    if len(parts) != 3 or parts[1] != "f32":
        return None
    op, n = parts[0], 4 if parts[2] == "q" else 2
    if op in PAIRWISE and n == 2:
        return lambda low, args, w, slow: _lower(low, op[1:], n, _regroup(low.b, *args), w, slow)
    if op not in FAST:
        return None
    return lambda low, args, w, slow: _lower(low, op, n, args, w, slow)


def _regroup(b: ir.IRBuilder, n: ir.Value, m: ir.Value, fpscr: ir.Value) -> list[ir.Value]:
    """The pairwise operands <n0, m0>, <n1, m1> of D registers n, m (lane 0 in the low half), and the FPSCR."""
    i64 = n.type
    low, high = ir.Constant(i64, 0xFFFFFFFF), ir.Constant(i64, 0xFFFFFFFF << 32)
    half = ir.Constant(i64, 32)
    return [b.or_(b.and_(n, low), b.shl(m, half)), b.or_(b.lshr(n, half), b.and_(m, high)), fpscr]


class _Vec:
    """Vector helpers on one builder for ``n`` lanes."""

    def __init__(self, low, n: int):
        self.b, self.m, self.n = low.b, low.m, n
        self.vf, self.vd, self.vi = ir.VectorType(F32, n), ir.VectorType(F64, n), ir.VectorType(I32, n)

    def splat(self, t: ir.Type, x: int | float) -> ir.Constant:
        return ir.Constant(ir.VectorType(t, self.n), [ir.Constant(t, x)] * self.n)

    def exponent(self, bits: ir.Value) -> ir.Value:
        """The biased exponents of the f32 lanes of i32 vector ``bits``."""
        return self.b.and_(self.b.lshr(bits, self.splat(I32, 23)), self.splat(I32, 0xFF))

    def in_range(self, x: ir.Value, zero: bool = False) -> ir.Value:
        """<n x i1>: the lanes of float vector x with a biased exponent in [26, 254) (or +-0 with ``zero``)."""
        b = self.b
        e = self.exponent(b.bitcast(x, self.vi))
        ok = b.icmp_unsigned("<", b.sub(e, self.splat(I32, 26)), self.splat(I32, 254 - 26))
        return b.or_(ok, self.is_zero(x)) if zero else ok

    def is_zero(self, x: ir.Value) -> ir.Value:
        """<n x i1>: the lanes of float vector x that are +-0."""
        b = self.b
        bits = b.bitcast(x, self.vi)
        return b.icmp_unsigned("==", b.and_(bits, self.splat(I32, 0x7FFFFFFF)), self.splat(I32, 0))

    def product_ok(self, p: ir.Value, x: ir.Value, y: ir.Value) -> ir.Value:
        """<n x i1>: product lanes p = x * y in the guard's range, or zero because a factor is zero (a product
        that underflows to zero raises UFC)."""
        b = self.b
        return b.or_(self.in_range(p), b.or_(self.is_zero(x), self.is_zero(y)))

    def any(self, mask: ir.Value) -> ir.Value:
        return self.b.icmp_unsigned("!=", self.b.bitcast(mask, ir.IntType(self.n)), ir.Constant(ir.IntType(self.n), 0))

    def all(self, mask: ir.Value) -> ir.Value:
        ty = ir.IntType(self.n)
        return self.b.icmp_unsigned("==", self.b.bitcast(mask, ty), ir.Constant(ty, (1 << self.n) - 1))

    def wide(self, x: ir.Value) -> ir.Value:
        return self.b.fpext(x, self.vd)

    def inexact_sum(self, r: ir.Value, x: ir.Value, y: ir.Value) -> ir.Value:
        """<n x i1>: float lanes r differ from the exact x + y (x, y: double lanes); TwoSum error in double."""
        b = self.b
        s = b.fadd(x, y)
        bb = b.fsub(s, x)
        err = b.fadd(b.fsub(x, b.fsub(s, bb)), b.fsub(y, bb))
        return b.or_(b.fcmp_unordered("!=", self.wide(r), s), b.fcmp_unordered("!=", err, self.splat(F64, 0.0)))

    def basic(self, op: str, x: ir.Value, y: ir.Value) -> tuple[ir.Value, ir.Value]:
        """(x op y rounded to float, inexact lanes) for op in add / sub / mul."""
        b = self.b
        xd, yd = self.wide(x), self.wide(y)
        if op == "mul":
            r = b.fmul(x, y)
            return r, b.fcmp_unordered("!=", self.wide(r), b.fmul(xd, yd))  # the double product is exact
        if op == "add":
            r = b.fadd(x, y)
            return r, self.inexact_sum(r, xd, yd)
        r = b.fsub(x, y)
        return r, self.inexact_sum(r, xd, b.fneg(yd))

    def table(self, name: str, values: list[int]) -> ir.GlobalVariable:
        """A constant i32 table in the module."""
        g = self.m.globals.get(name)
        if g is None:
            ty = ir.ArrayType(I32, len(values))
            g = ir.GlobalVariable(self.m, ty, name)
            g.initializer = ir.Constant(ty, values)
            g.global_constant = True
            g.linkage = "internal"
        return g

    def gather(self, table: ir.GlobalVariable, idx: ir.Value) -> ir.Value:
        b = self.b
        out = ir.Constant(self.vi, ir.Undefined)
        for i in range(self.n):
            k = b.extract_element(idx, ir.Constant(I32, i))
            out = b.insert_element(out, b.load(b.gep(table, [ir.Constant(I32, 0), k])), ir.Constant(I32, i))
        return out

    def estimate(self, op: str, x: ir.Value) -> tuple[ir.Value, ir.Value]:
        """(VRECPE/VRSQRTE.F32 of the lanes of x, lanes where this is ARM's result): normal operands whose
        reciprocal is normal (VRECPE: biased exponent in [1, 253)), positive normal ones (VRSQRTE); the
        estimates are ``jitemu.neon.fp``'s tables.  No flag is raised for such operands."""
        b, c = self.b, lambda k: self.splat(I32, k)
        e = self.exponent(x)
        if op == "recpe":
            ok = b.icmp_unsigned("<", b.sub(e, c(1)), c(252))
            est = self.gather(self.table("neon_recip_estimates", [r - 256 for r in RECIP]),
                              b.and_(b.lshr(x, c(15)), c(0xFF)))  # fmt: skip
            head = b.or_(b.and_(x, c(0x80000000)), b.shl(b.sub(c(253), e), c(23)))
        else:
            ok = b.and_(b.icmp_unsigned("<", b.sub(e, c(1)), c(254)), b.icmp_signed(">=", x, c(0)))
            idx = b.or_(b.shl(b.and_(e, c(1)), c(7)), b.and_(b.lshr(x, c(16)), c(0x7F)))
            est = self.gather(self.table("neon_rsqrt_estimates", [r - 256 for r in RSQRT[0] + RSQRT[1]]), idx)
            head = b.shl(b.lshr(b.sub(c(380), e), c(1)), c(23))
        return b.or_(head, b.shl(est, c(15))), ok

    def fma(self, d: ir.Value, x: ir.Value, y: ir.Value) -> tuple[ir.Value, ir.Value]:
        """(d + x*y rounded once, inexact lanes)."""
        name = f"llvm.fma.v{self.n}f32"
        fn = self.m.globals.get(name) or ir.Function(self.m, ir.FunctionType(self.vf, [self.vf] * 3), name)
        r = self.b.call(fn, [x, y, d])
        return r, self.inexact_sum(r, self.b.fmul(self.wide(x), self.wide(y)), self.wide(d))


def _lower(low, op: str, n: int, args: list[ir.Value], w: int, slow: Callable[[], ir.Value]) -> ir.Value:
    v = _Vec(low, n)
    b = v.b
    *ops, fpscr = args
    xs = [b.bitcast(a, v.vf) for a in ops]
    # the float vectors whose lanes must be in the guard's range: zero also allowed / not
    zero_ok, nonzero = list(xs), []
    sums = []  # (result, its rounding's inexact lanes): in the guard's range, or an exact zero
    inexact = lanes_ok = None
    if op == "mul":
        r, inexact = v.basic(op, xs[0], xs[1])
        lanes_ok = v.product_ok(r, xs[0], xs[1])
        rbits = b.bitcast(r, v.vi)
    elif op in ("add", "sub", "abd"):
        r, inexact = v.basic("sub" if op == "abd" else op, xs[0], xs[1])
        sums.append((r, inexact))
        rbits = b.bitcast(r, v.vi)
        if op == "abd":
            rbits = b.and_(rbits, v.splat(I32, 0x7FFFFFFF))
    elif op in ("mla", "mls"):
        p, in1 = v.basic("mul", xs[1], xs[2])
        r, in2 = v.basic("add" if op == "mla" else "sub", xs[0], p)
        lanes_ok = v.product_ok(p, xs[1], xs[2])
        sums.append((r, in2))
        inexact, rbits = b.or_(in1, in2), b.bitcast(r, v.vi)
    elif op in ("recps", "rsqrts"):  # 2 - a*b, (3 - a*b) / 2: the product rounded on its own
        p, in1 = v.basic("mul", xs[0], xs[1])
        r, in2 = v.basic("sub", v.splat(F32, 2.0 if op == "recps" else 3.0), p)
        lanes_ok = v.product_ok(p, xs[0], xs[1])
        sums.append((r, in2))
        if op == "rsqrts":
            r = b.fmul(r, v.splat(F32, 0.5))  # exact: r and r / 2 are in the guard's range (or zero)
            sums.append((r, in2))
        inexact, rbits = b.or_(in1, in2), b.bitcast(r, v.vi)
    elif op in ("fma", "fms"):
        r, inexact = v.fma(xs[0], b.fneg(xs[1]) if op == "fms" else xs[1], xs[2])
        sums.append((r, inexact))
        rbits = b.bitcast(r, v.vi)
    elif op in ("max", "min"):  # no zeros pass the guard, so the sign rules of zeros do not arise
        x, y = xs
        zero_ok, nonzero = [], xs
        rbits = b.bitcast(b.select(b.fcmp_ordered(">" if op == "max" else "<", x, y), x, y), v.vi)
    elif op in ("recpe", "rsqrte"):
        rbits, lanes_ok = v.estimate(op, b.bitcast(xs[0], v.vi))
        zero_ok = []
    else:  # comparisons: all ones or zero per lane; VACGE/VACGT on absolute values
        x, y = xs
        if op.startswith("a"):
            mask = v.splat(I32, 0x7FFFFFFF)
            x, y = (b.bitcast(b.and_(b.bitcast(z, v.vi), mask), v.vf) for z in (x, y))
        rbits = b.sext(b.fcmp_ordered(COMPARES[op], x, y), v.vi)
    checks = [v.in_range(x, True) for x in zero_ok] + [v.in_range(x) for x in nonzero]
    checks += [b.or_(v.in_range(r), b.and_(v.is_zero(r), b.not_(rounded))) for r, rounded in sums]
    ok = lanes_ok
    for chk in checks:
        ok = chk if ok is None else b.and_(ok, chk)
    zero = ir.Constant(I32, 0)
    ixc = zero if inexact is None else b.select(v.any(inexact), ir.Constant(I32, IXC), zero)
    rbits = b.bitcast(rbits, ir.IntType(32 * n))
    return low.fp_guarded(v.all(ok), rbits, b.or_(fpscr, ixc), w, slow)


def _fixed(low, to_fixed: bool, unsigned: bool, n: int, args: list[ir.Value], w: int, slow) -> ir.Value:
    """VCVT between f32 lanes and 32-bit fixed point with ``fbits`` fraction bits (a constant; 0: integers).
    To fixed point (round toward zero): every lane normal or zero (the standard FPSCR flushes a denormal,
    raising IDC; NaN, infinity and out-of-range lanes saturate, raising IOC: those go to the runtime),
    scaled by 2**fbits in double (exact); inexact iff a lane's integer differs from its scaled value.
    From fixed point (round to nearest): a host conversion, then a scaling by 2**-fbits that is exact (a
    non-zero result is at least 2**-32, far from where FZ acts) and so commutes with the rounding; inexact
    iff a lane differs from the exact double.  That one never needs the runtime."""
    v = _Vec(low, n)
    b = v.b
    x, fbits, fpscr = args
    if not isinstance(fbits, ir.Constant):
        return slow()
    k = fbits.constant
    zero = ir.Constant(I32, 0)
    if to_fixed:
        xf = b.bitcast(x, v.vf)
        xd = v.wide(xf)
        if k:
            xd = b.fmul(xd, v.splat(F64, float(1 << k)))
        lo, hi = (-1.0, 4294967296.0) if unsigned else (-2147483649.0, 2147483648.0)
        ok = b.and_(b.fcmp_ordered(">", xd, v.splat(F64, lo)), b.fcmp_ordered("<", xd, v.splat(F64, hi)))
        e = v.exponent(b.bitcast(xf, v.vi))
        ok = b.and_(ok, b.or_(b.icmp_unsigned("!=", e, v.splat(I32, 0)), v.is_zero(xf)))
        i = b.fptosi(b.select(ok, xd, v.splat(F64, 0.0)), ir.VectorType(ir.IntType(64), n))  # in range: no poison
        inexact = b.fcmp_unordered("!=", b.sitofp(i, v.vd), xd)
        ixc = b.select(v.any(inexact), ir.Constant(I32, IXC), zero)
        rbits = b.bitcast(b.trunc(i, v.vi), ir.IntType(32 * n))
        return low.fp_guarded(v.all(ok), rbits, b.or_(fpscr, ixc), w, slow)
    conv = b.uitofp if unsigned else b.sitofp
    xi = b.bitcast(x, v.vi)
    r, exact = conv(xi, v.vf), conv(xi, v.vd)
    if k:
        r, exact = b.fmul(r, v.splat(F32, 1.0 / (1 << k))), b.fmul(exact, v.splat(F64, 1.0 / (1 << k)))
    ixc = b.select(v.any(b.fcmp_unordered("!=", v.wide(r), exact)), ir.Constant(I32, IXC), zero)
    return low.fp_pack(b.bitcast(b.bitcast(r, v.vi), ir.IntType(32 * n)), b.or_(fpscr, ixc), w)
