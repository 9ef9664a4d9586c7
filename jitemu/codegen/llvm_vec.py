"""LLVM vector lowering of Advanced SIMD operations (``jitemu.neon``) where LLVM's vector instructions give
exactly ARM's result: the operands are bit-cast to ``<lanes x iN>``, the operation is a few vector
instructions (widening to twice the lane size where ARM computes on wider intermediates: halving adds,
rounding shifts, long and narrowing forms), and the result is bit-cast back.  Saturating operations also
return the new FPSCR: QC is set when any lane's saturated result differs from the exact one, computed as an
OR-reduction of the lane comparisons.  Operations without an entry here go through the runtime
(``jitemu.neon`` in Python), which is always right and much slower.

The name tells the shapes (``jitemu.neon.integer``): ``op.<t><e>.<d|q>`` lanes of ``e`` bits all through;
the long forms (``addl.s8``...) take D operands of ``e``-bit lanes to a Q result of ``2e``-bit lanes (the
"wide" ones a Q first operand), the narrowing ones (``addhn.i16``, ``shrn.i32``...) Q operands of ``e``-bit
lanes to a D result of ``e/2``-bit lanes.  Shifts by an immediate take the amount as their last operand.
"""

from __future__ import annotations

from collections.abc import Callable

from jitemu.codegen import irtext as ir
from jitemu.neon.lanes import QC

Lowering = Callable[[ir.IRBuilder, list[ir.Value]], "ir.Value | tuple[ir.Value, ir.Value]"]


class G:
    """The lowering of one operation: its lane count, lane size, signedness and builder helpers."""

    def __init__(self, b: ir.IRBuilder, n: int, e: int, signed: bool):
        self.b, self.n, self.e, self.s = b, n, e, signed

    def vt(self, e: int) -> ir.VectorType:
        return ir.VectorType(ir.IntType(e), self.n)

    def vec(self, x: ir.Value, e: int) -> ir.Value:
        """An integer value as ``n`` lanes of ``e`` bits (``n * e`` may be less than its width: the low part)."""
        if x.type.width != self.n * e:
            x = self.b.trunc(x, ir.IntType(self.n * e))
        return self.b.bitcast(x, self.vt(e))

    def ext(self, v: ir.Value, e: int) -> ir.Value:
        return (self.b.sext if self.s else self.b.zext)(v, self.vt(e))

    def splat(self, x: ir.Value, e: int) -> ir.Value:
        """A 32-bit scalar (the shift amount) in every lane of ``e`` bits."""
        b = self.b
        x = b.trunc(x, ir.IntType(e)) if e < 32 else b.zext(x, ir.IntType(e)) if e > 32 else x
        v = b.insert_element(ir.Constant(self.vt(e), None), x, ir.Constant(ir.IntType(32), 0))
        return b.shuffle_vector(v, v, ir.Constant(ir.VectorType(ir.IntType(32), self.n), [0] * self.n))

    def const(self, v: int, e: int) -> ir.Value:
        return ir.Constant(self.vt(e), [v & ((1 << e) - 1)] * self.n)

    def cmp(self, op: str, x: ir.Value, y: ir.Value, signed: bool | None = None) -> ir.Value:
        """All ones in the lanes where ``x op y``, else zero."""
        s = self.s if signed is None else signed
        c = (self.b.icmp_signed if s else self.b.icmp_unsigned)(op, x, y)
        return self.b.sext(c, x.type)

    def select(self, op: str, x: ir.Value, y: ir.Value, tv: ir.Value, fv: ir.Value) -> ir.Value:
        c = (self.b.icmp_signed if self.s else self.b.icmp_unsigned)(op, x, y)
        return self.b.select(c, tv, fv)

    def shr(self, x: ir.Value, k: ir.Value, e: int) -> ir.Value:
        """x >> k (arithmetic when signed) for 0 <= k <= e, where LLVM's shifts stop at e - 1."""
        b = self.b
        if self.s:
            return b.ashr(x, self.umin(k, self.const(e - 1, e)))
        return b.select(
            b.icmp_unsigned("==", k, self.const(e, e)), self.const(0, e), b.lshr(x, b.and_(k, self.const(e - 1, e)))
        )

    def rshr(self, x: ir.Value, k: ir.Value, e: int) -> ir.Value:
        """(x + (1 << (k - 1))) >> k for 1 <= k <= e: (x >> k) plus the last bit shifted out."""
        b = self.b
        last = b.and_(b.lshr(x, b.sub(k, self.const(1, e))), self.const(1, e))
        return b.add(self.shr(x, k, e), last)

    def intrinsic(self, name: str, *args: ir.Value) -> ir.Value:
        """``llvm.<name>`` on the vector type of the first argument (ctlz, ctpop)."""
        vt = args[0].type
        full = f"llvm.{name}.v{vt.count}i{vt.element.width}"
        m = self.b.module
        fn = m.globals.get(full) or ir.Function(m, ir.FunctionType(vt, [a.type for a in args]), full)
        return self.b.call(fn, list(args))

    def halves(self, x: ir.Value, y: ir.Value) -> tuple[ir.Value, ir.Value]:
        """The even and the odd lanes of ``x`` followed by ``y`` (pairwise operations)."""
        k = x.type.count + y.type.count
        even, odd = (ir.Constant(ir.VectorType(ir.IntType(32), k // 2), list(range(i, k, 2))) for i in (0, 1))
        return self.b.shuffle_vector(x, y, even), self.b.shuffle_vector(x, y, odd)

    def reg_shift(self, x: ir.Value, y: ir.Value, rounding: bool) -> ir.Value:
        """VSHL/VRSHL (register): x shifted by the signed low byte of each lane of y (negative: right)."""
        b, e = self.b, self.e
        sh = b.sext(b.trunc(y, self.vt(8)), self.vt(e)) if e > 8 else y
        zero = self.const(0, e)
        left = b.select(b.icmp_signed(">=", sh, self.const(e, e)), zero, b.shl(x, b.and_(sh, self.const(e - 1, e))))
        r = b.sub(zero, sh)  # 1..128 where the shift is right
        if rounding:  # a rounded shift by more than e gives 0
            big = b.icmp_unsigned(">", r, self.const(e, e))
            right = b.select(big, zero, self.rshr(x, self.umin(r, self.const(e, e)), e))
        else:
            right = self.shr(x, self.umin(r, self.const(e, e)), e)
        return b.select(b.icmp_signed(">=", sh, zero), left, right)

    def qreg_shift(self, x: ir.Value, y: ir.Value, rounding: bool) -> ir.Value:
        """VQSHL/VQRSHL (register) before saturation, on lanes of 2e bits holding the extended operands: a
        left shift by e or more is a shift by e (which saturates every non-zero lane; an unsigned one is
        clamped to 2^e so that the signed comparisons of ``sat`` see it); right shifts never saturate."""
        b, e, we = self.b, self.e, 2 * self.e
        sh = b.sext(b.trunc(y, self.vt(8)), self.vt(we))
        zero = self.const(0, we)
        left = b.shl(x, self.umin(sh, self.const(e, we)))
        if not self.s:
            left = b.select(b.icmp_unsigned(">", left, self.const((1 << e) - 1, we)), self.const(1 << e, we), left)
        r = b.sub(zero, sh)
        if rounding:
            right = self.rshr(x, self.umin(r, self.const(e + 1, we)), we)
        else:
            right = self.shr(x, self.umin(r, self.const(e, we)), we)
        return b.select(b.icmp_signed(">=", sh, zero), left, right)

    def umin(self, x: ir.Value, y: ir.Value) -> ir.Value:
        return self.b.select(self.b.icmp_unsigned("<", x, y), x, y)

    def sat(self, wide: ir.Value, e: int, signed: bool) -> tuple[ir.Value, ir.Value]:
        """Lanes of a wider vector clamped to ``e``-bit lanes (signed or unsigned range), and an i1: some
        lane was clamped."""
        b, we = self.b, wide.type.element.width
        lo, hi = (-(1 << (e - 1)), (1 << (e - 1)) - 1) if signed else (0, (1 << e) - 1)
        lo_c, hi_c = self.const(lo, we), self.const(hi, we)
        under, over = b.icmp_signed("<", wide, lo_c), b.icmp_signed(">", wide, hi_c)
        r = b.select(under, lo_c, b.select(over, hi_c, wide))
        return b.trunc(r, self.vt(e)), self.any(b.or_(under, over))

    def any(self, lanes: ir.Value) -> ir.Value:
        """An i1: some lane of the ``<n x i1>`` is set."""
        b = self.b
        wide = b.bitcast(b.zext(lanes, self.vt(8)), ir.IntType(8 * self.n))
        return b.icmp_unsigned("!=", wide, ir.Constant(ir.IntType(8 * self.n), 0))

    def qdmull(self, x: ir.Value, y: ir.Value) -> tuple[ir.Value, ir.Value]:
        """2xy saturated, on lanes of twice the size holding x and y sign-extended: only the minimum value
        squared overflows (xy = 2^(2e-2) exactly)."""
        b, we = self.b, x.type.element.width
        p = b.mul(x, y)
        ovf = b.icmp_signed("==", p, self.const(1 << (we - 2), we))
        return b.select(ovf, self.const((1 << (we - 1)) - 1, we), b.add(p, p)), self.any(ovf)

    def qaddsub(self, x: ir.Value, y: ir.Value, sub: bool) -> tuple[ir.Value, ir.Value]:
        """Signed saturating x + y or x - y (llvm.sadd.sat / ssub.sat): saturated where it differs from the
        wrapped result."""
        b = self.b
        r = self.intrinsic("ssub.sat" if sub else "sadd.sat", x, y)
        return r, self.any(b.icmp_unsigned("!=", r, (b.sub if sub else b.add)(x, y)))

    def pmul(self, x: ir.Value, y: ir.Value) -> ir.Value:
        """Polynomial multiplication of 8-bit polynomials (in lanes of 8 or 16 bits): XOR of x << i where
        bit i of y is set."""
        b, we = self.b, x.type.element.width
        r = self.const(0, we)
        for i in range(8):
            bit = b.and_(b.lshr(y, self.const(i, we)), self.const(1, we))
            r = b.xor(r, b.and_(b.shl(x, self.const(i, we)), b.sub(self.const(0, we), bit)))
        return r


def _abd(g: G, x: ir.Value, y: ir.Value) -> ir.Value:
    return g.select(">", x, y, g.b.sub(x, y), g.b.sub(y, x))


def _ext2(f: Callable[[G, ir.Value, ir.Value], ir.Value]) -> Callable:
    """A lane-size-preserving operation computed on lanes of twice the size, then truncated (no overflow)."""

    def lower(g: G, x: ir.Value, y: ir.Value) -> ir.Value:
        return g.b.trunc(f(g, g.ext(x, 2 * g.e), g.ext(y, 2 * g.e)), g.vt(g.e))

    return lower


def _one(g: G) -> ir.Value:
    """1 in every lane of twice the operation's lane size (``_ext2`` computes there)."""
    return g.const(1, 2 * g.e)


# same-shape operations: op -> fn(g, *lane vectors [, amount splat]) -> lane vector ('i': any signedness)
SAME: dict[str, Callable[..., ir.Value]] = {
    "add": lambda g, x, y: g.b.add(x, y),
    "sub": lambda g, x, y: g.b.sub(x, y),
    "mul": lambda g, x, y: g.b.mul(x, y),
    "mla": lambda g, d, x, y: g.b.add(d, g.b.mul(x, y)),
    "mls": lambda g, d, x, y: g.b.sub(d, g.b.mul(x, y)),
    "ceq": lambda g, x, y: g.cmp("==", x, y),
    "tst": lambda g, x, y: g.cmp("!=", g.b.and_(x, y), g.const(0, g.e)),
    "cgt": lambda g, x, y: g.cmp(">", x, y),
    "cge": lambda g, x, y: g.cmp(">=", x, y),
    "max": lambda g, x, y: g.select(">", x, y, x, y),
    "min": lambda g, x, y: g.select("<", x, y, x, y),
    "abd": _abd,
    "aba": lambda g, d, x, y: g.b.add(d, _abd(g, x, y)),
    "hadd": _ext2(lambda g, x, y: (g.b.ashr if g.s else g.b.lshr)(g.b.add(x, y), _one(g))),
    "hsub": _ext2(lambda g, x, y: g.b.ashr(g.b.sub(x, y), _one(g))),
    "rhadd": _ext2(lambda g, x, y: g.b.lshr(g.b.add(g.b.add(x, y), _one(g)), _one(g))),
    "neg": lambda g, x: g.b.sub(g.const(0, g.e), x),
    "abs": lambda g, x: g.select("<", x, g.const(0, g.e), g.b.sub(g.const(0, g.e), x), x),
    "ceq0": lambda g, x: g.cmp("==", x, g.const(0, g.e)),
    "cge0": lambda g, x: g.cmp(">=", x, g.const(0, g.e)),
    "cgt0": lambda g, x: g.cmp(">", x, g.const(0, g.e)),
    "cle0": lambda g, x: g.cmp("<=", x, g.const(0, g.e)),
    "clt0": lambda g, x: g.cmp("<", x, g.const(0, g.e)),
    "clz": lambda g, x: g.intrinsic("ctlz", x, ir.Constant(ir.IntType(1), 0)),
    "cnt": lambda g, x: g.intrinsic("ctpop", x),
    "cls": lambda g, x: g.b.sub(
        g.intrinsic("ctlz", g.b.xor(x, g.b.ashr(x, g.const(1, g.e))), ir.Constant(ir.IntType(1), 0)), g.const(1, g.e)
    ),
    "shl": lambda g, x, y: g.reg_shift(x, y, False),
    "rshl": lambda g, x, y: g.reg_shift(x, y, True),
    "shli": lambda g, x, k: g.b.shl(x, k),
    "sri": lambda g, d, x, k: g.b.or_(
        g.b.and_(d, g.b.xor(g.shr(g.const(-1, g.e), k, g.e), g.const(-1, g.e))), g.shr(x, k, g.e)
    ),
    "sli": lambda g, d, x, k: g.b.or_(
        g.b.and_(d, g.b.xor(g.b.shl(g.const(-1, g.e), k), g.const(-1, g.e))), g.b.shl(x, k)
    ),
    "shr": lambda g, x, k: g.shr(x, k, g.e),
    "sra": lambda g, d, x, k: g.b.add(d, g.shr(x, k, g.e)),
    "rshr": lambda g, x, k: g.rshr(x, k, g.e),
    "rsra": lambda g, d, x, k: g.b.add(d, g.rshr(x, k, g.e)),
}
# saturating same-shape operations: op -> (the exact result on lanes of twice the size, from the operands
# extended to it (a shift amount: splat at that size); saturation to the signed range, or None: the type's)
SAT: dict[str, tuple[Callable[..., ir.Value], bool | None]] = {
    "qadd": (lambda g, x, y: g.b.add(x, y), None),
    "qsub": (lambda g, x, y: g.b.sub(x, y), None),
    "qabs": (lambda g, x: g.select("<", x, g.const(0, 2 * g.e), g.b.sub(g.const(0, 2 * g.e), x), x), True),
    "qneg": (lambda g, x: g.b.sub(g.const(0, 2 * g.e), x), True),
    "qshli": (lambda g, x, k: g.b.shl(x, k), None),
    "qshl": (lambda g, x, y: g.qreg_shift(x, y, False), None),
    "qrshl": (lambda g, x, y: g.qreg_shift(x, y, True), None),
    "qshlui": (lambda g, x, k: g.b.shl(x, k), False),
    # 2ab >> e == ab >> (e - 1): the doubled product of two minimum values would not fit in 2e bits
    "qdmulh": (lambda g, x, y: g.b.ashr(g.b.mul(x, y), g.const(g.e - 1, 2 * g.e)), True),
    "qrdmulh": (
        lambda g, x, y: g.b.ashr(g.b.add(g.b.mul(x, y), g.const(1 << (g.e - 2), 2 * g.e)), g.const(g.e - 1, 2 * g.e)),
        True,
    ),
}
# saturating narrowing shifts (Q lanes of e bits -> D lanes of e/2): computed on 2e-bit lanes, then saturated
NARROW_SAT: dict[str, tuple[Callable[..., ir.Value], bool | None]] = {
    "qshrn": (lambda g, x, k: g.shr(x, k, 2 * g.e), None),
    "qrshrn": (lambda g, x, k: g.rshr(x, k, 2 * g.e), None),
    "qshrun": (lambda g, x, k: g.shr(x, k, 2 * g.e), False),
    "qrshrun": (lambda g, x, k: g.rshr(x, k, 2 * g.e), False),
    "qmovn": (lambda g, x: x, None),  # VQMOVN/VQMOVUN: the lane itself, saturated
    "qmovun": (lambda g, x: x, False),
}
# long operations (D lanes of e bits -> Q lanes of 2e bits): fn(g, *operands extended to 2e bits)
LONG: dict[str, tuple[str, Callable[..., ir.Value]]] = {
    "addl": ("nn", lambda g, x, y: g.b.add(x, y)),
    "subl": ("nn", lambda g, x, y: g.b.sub(x, y)),
    "mull": ("nn", lambda g, x, y: g.b.mul(x, y)),
    "abdl": ("nn", lambda g, x, y: _abd(g, x, y)),
    "addw": ("wn", lambda g, x, y: g.b.add(x, y)),
    "subw": ("wn", lambda g, x, y: g.b.sub(x, y)),
    "mlal": ("wnn", lambda g, d, x, y: g.b.add(d, g.b.mul(x, y))),
    "mlsl": ("wnn", lambda g, d, x, y: g.b.sub(d, g.b.mul(x, y))),
    "abal": ("wnn", lambda g, d, x, y: g.b.add(d, _abd(g, x, y))),
}
# narrowing operations (Q lanes of e bits -> D lanes of e/2 bits): fn(g, *operands) on e-bit lanes
NARROW: dict[str, Callable[..., ir.Value]] = {
    "addhn": lambda g, x, y: g.b.lshr(g.b.add(x, y), g.const(g.e // 2, g.e)),
    "subhn": lambda g, x, y: g.b.lshr(g.b.sub(x, y), g.const(g.e // 2, g.e)),
    "raddhn": lambda g, x, y: g.b.lshr(
        g.b.add(g.b.add(x, y), g.const(1 << (g.e // 2 - 1), g.e)), g.const(g.e // 2, g.e)
    ),
    "rsubhn": lambda g, x, y: g.b.lshr(
        g.b.add(g.b.sub(x, y), g.const(1 << (g.e // 2 - 1), g.e)), g.const(g.e // 2, g.e)
    ),
    "shrn": lambda g, x, k: g.b.lshr(x, k),
    "rshrn": lambda g, x, k: g.rshr(x, k, g.e),
}


def _wrap(n: int, e: int, signed: bool, width_out: int, body: Callable[[G, list[ir.Value]], ir.Value]) -> Lowering:
    def lower(b: ir.IRBuilder, args: list[ir.Value]) -> ir.Value | tuple[ir.Value, ir.Value]:
        r = body(G(b, n, e, signed), args[:-1])
        if isinstance(r, tuple):  # (value, some lane saturated): set QC
            v, q = r
            fpscr = args[-1]
            qc = b.select(q, ir.Constant(fpscr.type, QC), ir.Constant(fpscr.type, 0))
            return b.bitcast(v, ir.IntType(width_out)), b.or_(fpscr, qc)
        return b.bitcast(r, ir.IntType(width_out))

    return lower


def vector_lowering(name: str) -> Lowering | None:
    """How to compute NEON operation ``name`` (``add.i8.q``...): the value, or (value, new FPSCR) for the
    saturating ones; None: no exact vector lowering (the runtime computes it)."""
    op, t, *rest = name.split(".")
    if t[0] not in "isup" or not t[1:].isdigit():
        return None
    e, signed = int(t[1:]), t[0] == "s"
    if rest in (["d"], ["q"]):
        width = 128 if rest[0] == "q" else 64
        n = width // e
        if t == "p8":
            return _wrap(n, 8, False, width, lambda g, a: g.pmul(*_same_args(g, a))) if op == "mul" else None
        if op in SAME:
            f = SAME[op]
            return _wrap(n, e, signed, width, lambda g, a: f(g, *_same_args(g, a)))
        if op in SAT:
            f, to_signed = SAT[op]
            s = signed if to_signed is None else to_signed
            return _wrap(n, e, signed, width, lambda g, a: g.sat(f(g, *_wide_args(g, a)), e, s))
        if op in PAIR:
            return _wrap(n, e, signed, width, lambda g, a: PAIR[op](g, *g.halves(g.vec(a[0], e), g.vec(a[1], e))))
        if op in ("paddl", "padal"):
            return _wrap(n // 2, 2 * e, signed, width, lambda g, a: _paddl(g, a, e))
        return None
    if op in ("tbl", "tbx") and rest[:1] == ["d"]:
        return _wrap(8, 8, False, 64, lambda g, a: _table_lookup(g, a, op == "tbx"))
    if rest:
        return None
    if t == "p8":
        return _wrap(64 // 8, 8, False, 128, lambda g, a: g.pmul(*_long_args(g, a, "nn"))) if op == "mull" else None
    if op in LONG:
        shape, f = LONG[op]
        return _wrap(64 // e, e, signed, 128, lambda g, a: f(g, *_long_args(g, a, shape)))
    if op in LONG_SAT:
        f = LONG_SAT[op]
        return _wrap(64 // e, e, True, 128, lambda g, a: f(g, *_long_args(g, a, "wnn"[3 - len(a) :])))
    if op == "shll":
        return _wrap(64 // e, e, signed, 128, lambda g, a: g.b.shl(g.ext(g.vec(a[0], e), 2 * e), g.splat(a[1], 2 * e)))
    if op in NARROW_SAT:
        f, to_signed = NARROW_SAT[op]
        s = signed if to_signed is None else to_signed
        return _wrap(128 // e, e, signed, 64, lambda g, a: g.sat(f(g, *_wide_args(g, a)), e // 2, s))
    if op in NARROW:
        f = NARROW[op]
        return _wrap(128 // e, e, signed, 64, lambda g, a: g.b.trunc(f(g, *_same_args(g, a)), g.vt(e // 2)))
    return None


def _table_lookup(g: G, a: list[ir.Value], extension: bool) -> ir.Value:
    """VTBL/VTBX: each byte of the index register picks a byte of the table (1-4 D registers, the first
    lowest); an index past the table gives 0 (VTBL) or leaves the destination's byte (VTBX, whose old
    destination comes first).  A variable lane index, lane by lane."""
    b = g.b
    old, idx, *regs = a if extension else [None, *a]
    i32 = ir.IntType(32)
    size, wide = 8 * len(regs), ir.IntType(64 * len(regs))
    whole = b.zext(regs[0], wide)
    for k, r in enumerate(regs[1:], 1):
        whole = b.or_(whole, b.shl(b.zext(r, wide), ir.Constant(wide, 64 * k)))
    table = b.bitcast(whole, ir.VectorType(ir.IntType(8), size))
    iv = g.vec(idx, 8)
    out = g.vec(old, 8) if extension else g.const(0, 8)
    for i in range(8):
        lane = ir.Constant(i32, i)
        x = b.extract_element(iv, lane)
        inside = b.icmp_unsigned("<", x, ir.Constant(ir.IntType(8), size))
        byte = b.extract_element(table, b.zext(b.select(inside, x, ir.Constant(ir.IntType(8), 0)), i32))
        out = b.insert_element(out, b.select(inside, byte, b.extract_element(out, lane)), lane)
    return out


def _same_args(g: G, a: list[ir.Value]) -> list[ir.Value]:
    """Vector operands as lanes of the operation's size; a trailing 32-bit shift amount as a splat."""
    return [g.splat(x, g.e) if x.type.width == 32 else g.vec(x, g.e) for x in a]


def _wide_args(g: G, a: list[ir.Value]) -> list[ir.Value]:
    """Operands extended to lanes of twice the operation's size; a trailing shift amount as a splat there."""
    return [g.splat(x, 2 * g.e) if x.type.width == 32 else g.ext(g.vec(x, g.e), 2 * g.e) for x in a]


PAIR: dict[str, Callable[[G, ir.Value, ir.Value], ir.Value]] = {
    "padd": lambda g, x, y: g.b.add(x, y),
    "pmax": lambda g, x, y: g.select(">", x, y, x, y),
    "pmin": lambda g, x, y: g.select("<", x, y, x, y),
}


def _paddl(g: G, a: list[ir.Value], e: int) -> ir.Value:
    """VPADDL / VPADAL: adjacent lanes of ``e`` bits summed into lanes of 2e (``g`` has the result's shape)."""
    x = g.b.bitcast(a[-1], ir.VectorType(ir.IntType(e), 2 * g.n))
    lo, hi = g.halves(x, x)
    first = ir.Constant(ir.VectorType(ir.IntType(32), g.n), list(range(g.n)))  # the pairs of x (not of x again)
    r = g.b.add(*(g.ext(g.b.shuffle_vector(v, v, first), g.e) for v in (lo, hi)))
    return g.b.add(g.vec(a[0], g.e), r) if len(a) == 2 else r


def _long_args(g: G, a: list[ir.Value], shape: str) -> list[ir.Value]:
    """Operands of a long operation as lanes of twice the size: 'w' already wide, 'n' narrow (extended)."""
    return [g.vec(x, 2 * g.e) if s == "w" else g.ext(g.vec(x, g.e), 2 * g.e) for s, x in zip(shape, a, strict=True)]


def _qdmlal(g: G, d: ir.Value, x: ir.Value, y: ir.Value, sub: bool) -> tuple[ir.Value, ir.Value]:
    p, q1 = g.qdmull(x, y)
    r, q2 = g.qaddsub(d, p, sub)
    return r, g.b.or_(q1, q2)


# saturating long operations (signed): fn(g, operands as lanes of 2e bits) -> (value, some lane saturated)
LONG_SAT: dict[str, Callable[..., tuple[ir.Value, ir.Value]]] = {
    "qdmull": lambda g, x, y: g.qdmull(x, y),
    "qdmlal": lambda g, d, x, y: _qdmlal(g, d, x, y, False),
    "qdmlsl": lambda g, d, x, y: _qdmlal(g, d, x, y, True),
}
