"""Advanced SIMD integer instructions: arithmetic (plain, saturating, halving, widening, narrowing),
shifts, comparisons, bitwise operations and the by-scalar forms, over D and Q registers (semantics:
``jitemu.neon.integer``).

Capstone's operands differ from form to form (scalars, shift immediates, VMOV as the VORR alias), so the
instruction is decoded from its encoding, after the ARM ARM's tables (A7.4.1 three registers of the same
length, A7.4.2 of different lengths, A7.4.3 two registers and a scalar, A7.4.4 two registers and a shift
amount, A7.4.5 two registers miscellaneous).  The T32 encoding is the A32 one with U moved (``_a32``).
Bitwise operations are plain IR at 64 or 128 bits; everything lane-wise is one ``FP`` operation.
"""

from __future__ import annotations

from capstone import arm as A

from jitemu.ir import Const, Value
from jitemu.lift.arm.neon import read_vec, vec_op, write_vec
from jitemu.lift.ctx import LiftCtx, Unlifted, simd_lifts


def _a32(ctx: LiftCtx) -> int:
    """The A32 form of the encoding (T32 ``111U 1111`` -> A32 ``1111 001U``, same low 24 bits)."""
    r = ctx.raw
    return 0xF2000000 | (r >> 28 & 1) << 24 | r & 0xFFFFFF if ctx.thumb else r


class Enc:
    """The fields every Advanced SIMD data-processing encoding shares."""

    def __init__(self, ctx: LiftCtx):
        self.ctx = ctx
        x = self.x = _a32(ctx)
        self.u = x >> 24 & 1
        self.size = x >> 20 & 3
        self.q = x >> 6 & 1
        self.d = (x >> 22 & 1) << 4 | x >> 12 & 15
        self.n = (x >> 7 & 1) << 4 | x >> 16 & 15
        self.m = (x >> 5 & 1) << 4 | x & 15
        self.a = x >> 8 & 15
        self.b = x >> 4 & 1

    def kind(self, q: int | None = None) -> str:
        return "q" if (self.q if q is None else q) else "d"

    def get(self, r: int, q: int | None = None) -> Value:
        """Register number ``r`` as a D register, or as a Q register (``q``; default: the Q bit)."""
        k = self.kind(q)
        if k == "q" and r & 1:
            raise Unlifted("UNDEFINED: odd Q register number")
        return read_vec(self.ctx, k, r >> 1 if k == "q" else r)

    def put(self, r: int, v: Value, q: int | None = None) -> None:
        k = self.kind(q)
        if k == "q" and r & 1:
            raise Unlifted("UNDEFINED: odd Q register number")
        write_vec(self.ctx, k, r >> 1 if k == "q" else r, v)

    def op(self, name: str, *args: Value) -> Value:
        return vec_op(self.ctx, name, *args)


def _type(kind: str, e: int, u: int) -> str:
    """The element type part of an operation name: 'i' any sign, 'su' by U, 's' signed only, 'p' polynomial."""
    return f"{'us'[not u] if kind == 'su' else kind}{e}"


# ---- A7.4.1 three registers of the same length: (A, B, U) -> (operation, type kind, defined sizes, flags) ---
# flags: 'a' accumulates into Vd (passed first), 'r' takes (Vm, Vn) (the register shifts), 'd' D only (pairwise)
_SAME: dict[tuple[int, int, int], tuple[str, str, str, str]] = {}
for _u in (0, 1):
    for _a, _b, _op, _sz, _fl in ((0, 0, "hadd", "012", ""), (0, 1, "qadd", "0123", ""), (1, 0, "rhadd", "012", ""),
                                  (2, 0, "hsub", "012", ""), (2, 1, "qsub", "0123", ""), (3, 0, "cgt", "012", ""),
                                  (3, 1, "cge", "012", ""), (4, 0, "shl", "0123", "r"), (4, 1, "qshl", "0123", "r"),
                                  (5, 0, "rshl", "0123", "r"), (5, 1, "qrshl", "0123", "r"), (6, 0, "max", "012", ""),
                                  (6, 1, "min", "012", ""), (7, 0, "abd", "012", ""), (7, 1, "aba", "012", "a"),
                                  (10, 0, "pmax", "012", "d"), (10, 1, "pmin", "012", "d")):  # fmt: skip
        _SAME[_a, _b, _u] = (_op, "su", _sz, _fl)
_SAME.update({
    (8, 0, 0): ("add", "i", "0123", ""), (8, 0, 1): ("sub", "i", "0123", ""), (8, 1, 0): ("tst", "i", "012", ""),
    (8, 1, 1): ("ceq", "i", "012", ""), (9, 0, 0): ("mla", "i", "012", "a"), (9, 0, 1): ("mls", "i", "012", "a"),
    (9, 1, 0): ("mul", "i", "012", ""), (9, 1, 1): ("mul", "p", "0", ""), (11, 0, 0): ("qdmulh", "s", "12", ""),
    (11, 0, 1): ("qrdmulh", "s", "12", ""), (11, 1, 0): ("padd", "i", "012", "d"),
})  # fmt: skip


def _three_same(e: Enc) -> None:
    if e.a == 1 and e.b == 1:
        return _bitwise(e)
    spec = _SAME.get((e.a, e.b, e.u))
    if spec is None:
        raise Unlifted("not an integer three-register instruction")
    name, kind, sizes, flags = spec
    if str(e.size) not in sizes:
        raise Unlifted("UNDEFINED: element size")
    if "d" in flags and e.q:
        raise Unlifted("UNDEFINED: pairwise with Q=1")
    n, m = e.get(e.n), e.get(e.m)
    args = (m, n) if "r" in flags else (n, m)
    if "a" in flags:
        args = (e.get(e.d), *args)
    e.put(e.d, e.op(f"{name}.{_type(kind, 8 << e.size, e.u)}.{e.kind()}", *args))


def _bitwise(e: Enc) -> None:
    """VAND VBIC VORR(VMOV) VORN VEOR VBSL VBIT VBIF: plain IR on the whole register."""
    b = e.ctx.b
    n, m = e.get(e.n), e.get(e.m)
    op = e.u << 2 | e.size
    if op == 0:
        r = b.and_(n, m)
    elif op == 1:
        r = b.and_(n, b.not_(m))
    elif op == 2:
        r = b.or_(n, m)
    elif op == 3:
        r = b.or_(n, b.not_(m))
    elif op == 4:
        r = b.xor(n, m)
    else:  # select: VBSL takes the mask from Vd, VBIT from Vm, VBIF from NOT Vm
        d = e.get(e.d)
        sel, x, y = ((d, n, m), (m, n, d), (b.not_(m), n, d))[op - 5]
        r = b.or_(b.and_(sel, x), b.and_(b.not_(sel), y))
    e.put(e.d, r)


# ---- A7.4.4 two registers and a shift amount ------------------------------------------------------------------
def _shift_imm(e: Enc) -> None:
    x = e.x
    lbit, imm6 = x >> 7 & 1, x >> 16 & 63
    if lbit:
        es, right, left = 64, 64 - imm6, imm6
    else:
        es = 8 << (imm6 >> 3).bit_length() - 1
        right, left = 2 * es - imm6, imm6 - es
    s, a, u = e.u, e.a, e.u
    if a <= 7:
        name, amount, kind = {
            0: ("shr", right, "su"), 1: ("sra", right, "su"), 2: ("rshr", right, "su"), 3: ("rsra", right, "su"),
            4: ("sri", right, "i") if u else None, 5: ("sli" if u else "shli", left, "i"),
            6: ("qshlui", left, "s") if u else None, 7: ("qshli", left, "su"),
        }.get(a) or (None, 0, "")  # fmt: skip
        if name is None:
            raise Unlifted("UNDEFINED: shift op")
        args = [e.get(e.m)]
        if name in ("sra", "rsra", "sri", "sli"):
            args.insert(0, e.get(e.d))
        e.put(e.d, e.op(f"{name}.{_type(kind, es, s)}.{e.kind()}", *args, Const(amount, 32)))
        return
    if lbit or a > 10:
        raise Unlifted("not an integer shift")
    b6 = e.q  # bit 6 selects the rounding variant here
    if a == 10:  # VSHLL / VMOVL
        if b6:
            raise Unlifted("UNDEFINED")
        e.put(e.d, e.op(f"shll.{_type('su', es, s)}", e.get(e.m, 0), Const(left, 32)), 1)
        return
    r = "r" if b6 else ""
    if a == 8:
        name, kind = (f"q{r}shrun", "s") if u else (f"{r}shrn", "i")
    else:
        name, kind = f"q{r}shrn", "su"
    e.put(e.d, e.op(f"{name}.{_type(kind, 2 * es, s)}", e.get(e.m, 1), Const(right, 32)), 0)


# ---- A7.4.5 two registers, miscellaneous (integer) ---------------------------------------------------------------
_MISC0 = {0b0100: "paddl", 0b0101: "paddl", 0b1000: "cls", 0b1001: "clz", 0b1010: "cnt", 0b1011: "mvn",
          0b1100: "padal", 0b1101: "padal", 0b1110: "qabs", 0b1111: "qneg"}  # fmt: skip
_MISC1 = {0: "cgt0", 1: "cge0", 2: "ceq0", 3: "cle0", 4: "clt0", 6: "abs", 7: "neg"}
_MISC_TYPE = {"cls": "s", "clz": "i", "cnt": "i", "qabs": "s", "qneg": "s", "abs": "s", "neg": "s"}


def _misc(e: Enc) -> None:
    x = e.x
    a, es = x >> 16 & 3, 8 << (x >> 18 & 3)
    if x >> 18 & 3 == 3:
        raise Unlifted("UNDEFINED: size")
    if a == 2 and x >> 7 & 15 == 0b0110 and not e.q:  # VSHLL with the maximum shift (the element size)
        e.put(e.d, e.op(f"shll.u{es}", e.get(e.m, 0), Const(es, 32)), 1)
        return
    if a == 0:
        name = _MISC0.get(x >> 7 & 15)
    elif a == 1 and not x >> 10 & 1:
        name = _MISC1.get(x >> 7 & 7)
    else:
        name = None
    if name is None:
        raise Unlifted("not an integer two-register instruction")
    k = e.kind()
    if name == "mvn":
        if es != 8:
            raise Unlifted("UNDEFINED: size")
        return e.put(e.d, e.ctx.b.not_(e.get(e.m)))
    if name == "cnt" and es != 8:
        raise Unlifted("UNDEFINED: size")
    if name in ("paddl", "padal"):
        t = _type("su", es, x >> 7 & 1)
        args = (e.get(e.d), e.get(e.m)) if name == "padal" else (e.get(e.m),)
        return e.put(e.d, e.op(f"{name}.{t}.{k}", *args))
    e.put(e.d, e.op(f"{name}.{_MISC_TYPE.get(name, 's')}{es}.{k}", e.get(e.m)))


# ---- A7.4.2 three registers of different lengths ---------------------------------------------------------------
# A -> (operation for U=0, for U=1 (None: UNDEFINED), shape: 'l' long D,D->Q, 'w' wide Q,D->Q,
#       'n' narrow Q,Q->D, 'a' long accumulating)
_DIFF = {0: ("addl", "addl", "l"), 1: ("addw", "addw", "w"), 2: ("subl", "subl", "l"), 3: ("subw", "subw", "w"),
         4: ("addhn", "raddhn", "n"), 5: ("abal", "abal", "a"), 6: ("subhn", "rsubhn", "n"),
         7: ("abdl", "abdl", "l"), 8: ("mlal", "mlal", "a"), 9: ("qdmlal", None, "a"), 10: ("mlsl", "mlsl", "a"),
         11: ("qdmlsl", None, "a"), 12: ("mull", "mull", "l"), 13: ("qdmull", None, "l"),
         14: ("mull", None, "l")}  # fmt: skip


def _three_diff(e: Enc) -> None:
    spec = _DIFF.get(e.a)
    name = spec and spec[e.u]
    if name is None:
        raise Unlifted("UNDEFINED: three registers of different lengths")
    shape, es = spec[2], 8 << e.size
    if name.startswith("qd") and e.size == 0:
        raise Unlifted("UNDEFINED: size")
    if e.a == 14:
        if e.size:
            raise Unlifted("UNDEFINED: polynomial VMULL size")
        t = "p8"
    elif shape == "n":
        t = f"i{2 * es}"
    else:
        t = _type("s" if name.startswith("qd") else "su", es, e.u)
    if shape == "n":
        e.put(e.d, e.op(f"{name}.{t}", e.get(e.n, 1), e.get(e.m, 1)), 0)
        return
    args = [e.get(e.n, shape == "w"), e.get(e.m, 0)]
    if shape == "a":
        args.insert(0, e.get(e.d, 1))
    e.put(e.d, e.op(f"{name}.{t}", *args), 1)


# ---- A7.4.3 two registers and a scalar ---------------------------------------------------------------------------
# A -> (operation, long (Q result from D operands)); Q = U for the non-long ones
_SCALAR = {0: ("mla", False), 4: ("mls", False), 8: ("mul", False), 2: ("mlal", True), 6: ("mlsl", True),
           10: ("mull", True), 3: ("qdmlal", True), 7: ("qdmlsl", True), 11: ("qdmull", True),
           12: ("qdmulh", False), 13: ("qrdmulh", False)}  # fmt: skip


def _scalar(e: Enc) -> None:
    spec = _SCALAR.get(e.a)
    if spec is None or e.size == 0:
        raise Unlifted("UNDEFINED or floating point: by scalar")
    name, long = spec
    if long and name.startswith("qd") and e.u:
        raise Unlifted("UNDEFINED: U=1")
    es = 8 << e.size
    x, b = e.x, e.ctx.b
    dm, idx = (x & 7, (x >> 5 & 1) << 1 | x >> 3 & 1) if es == 16 else (x & 15, x >> 5 & 1)
    q = 0 if long else e.u
    w = 128 if q else 64
    lane = b.trunc(b.lshr(read_vec(e.ctx, "d", dm), Const(idx * es, 64)), es)
    dup = b.mul(b.zext(lane, w), Const(sum(1 << i for i in range(0, w, es)), w))
    if long:
        t = _type("s" if name.startswith("qd") else "su", es, e.u)
        args = [e.get(e.n, 0), dup]
        if name not in ("mull", "qdmull"):
            args.insert(0, e.get(e.d, 1))
        e.put(e.d, e.op(f"{name}.{t}", *args), 1)
        return
    t = _type("s" if name.startswith("q") else "i", es, 0)
    args = [e.get(e.n, q), dup]
    if name in ("mla", "mls"):
        args.insert(0, e.get(e.d, q))
    e.put(e.d, e.op(f"{name}.{t}.{e.kind(q)}", *args), q)


def _lift(ctx: LiftCtx) -> None:
    e = Enc(ctx)
    x = e.x
    if not x >> 23 & 1:
        return _three_same(e)
    if x >> 4 & 1:
        if not (x >> 7 & 1 or x >> 19 & 7):
            raise Unlifted("one register and a modified immediate (neon_perm claims that space)")
        return _shift_imm(e)
    if x >> 20 & 3 != 3:
        return _scalar(e) if x >> 6 & 1 else _three_diff(e)
    if e.u and not x >> 11 & 1:
        return _misc(e)
    raise Unlifted("not an integer Advanced SIMD instruction")


_IDS = """VADD VSUB VQADD VQSUB VHADD VHSUB VRHADD VAND VBIC VORR VORN VEOR VBSL VBIT VBIF VMAX VMIN VABD VABA VTST
VCEQ VCGT VCGE VCLE VCLT VMUL VMLA VMLS VPADD VPMAX VPMIN VSHL VQSHL VRSHL VQRSHL VQDMULH VQRDMULH VSHR VSRA
VRSHR VRSRA VQSHLU VSRI VSLI VSHRN VRSHRN VQSHRN VQRSHRN VQSHRUN VQRSHRUN VSHLL VMOVL VPADDL VPADAL VCLS VCLZ
VCNT VQABS VQNEG VABS VNEG VADDL VADDW VSUBL VSUBW VADDHN VSUBHN VRADDHN VRSUBHN VABAL VABDL VMLAL VMLSL VMULL
VQDMLAL VQDMLSL VQDMULL VMVN VMOV""".split()  # VMOV: VMOV (register) and the immediate forms are claimed by
# their encoding spaces in neon_perm first
simd_lifts(*(getattr(A, f"ARM_INS_{n}") for n in _IDS))(_lift)
