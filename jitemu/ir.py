"""The jitemu IR: one list of ops with metadata, SSA-like temporaries, explicit widths.

A translation block is a flat list of ``Insn``.  Values are ``Temp`` (defined once, by one insn) or
``Const``; every value carries its width in bits (1, 8, 16, 32, 64, or 128 for a NEON Q register; FP results
are wider, see FP).
Control flow inside a block is only forward (``BRCOND``/``BR`` to a ``LABEL``) and temporaries never live
across a label, as in QEMU's TCG, so LLVM lowering needs no phi nodes.  A block leaves through ``EXIT`` ops only.

Semantics every backend implements (the op table below is the single list; tests loop over it):
- ADD SUB MUL AND OR XOR: wrap to the width.  UDIV SDIV: ARM semantics (x/0 = 0, INT_MIN/-1 = INT_MIN).
- SHL LSHR ASHR take an amount of the same width; amounts >= width give 0 (SHL, LSHR) or the sign fill
  (ASHR).  ROTR rotates by amount mod width.
- NOT NEG CLZ (CLZ(0) = width) BSWAP BITREV CTPOP: unary.  ZEXT SEXT TRUNC: width change (dst width).
- SETCOND(cond) gives an i1; SELECT(c, a, b).
- GET/SET read and write a CPUState field by name (``jitemu.state.FIELDS``).
- LOAD/STORE access guest memory (size = dst/value width); a permission failure is a guest fault at
  the pc of the enclosing ``INSN_START``.  CMPXCHG(addr, expected, new) returns the old value and stores
  ``new`` only if old == expected (atomic between guest threads).
- CALL(helper) calls a helper from ``jitemu.helpers`` with value arguments.
- FP(name) is one operation of the floating-point and Advanced SIMD unit, an entry of
  ``jitemu.fpu.FP_OPS``: VFP ones from ``jitemu.fpu`` (``add.f64``), NEON ones from ``jitemu.neon``
  (``qadd.s16.q``).  Arguments are the operand bit patterns then the FPSCR; the result packs both outputs
  as ``value | new_fpscr << w`` (w = the operation's result width, so the dst is w + 32 bits wide).  Use
  ``Builder.fp``, which unpacks it.
- EXIT(kind) leaves the block: see ``ExitKind``.  The argument is the guest pc to continue at with the
  Thumb bit in bit 0 (a "pc word").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum

import jitemu.neon  # noqa: F401 - registers the Advanced SIMD operations in FP_OPS
from jitemu.fpu import FP_OPS


@dataclass(frozen=True, slots=True)
class Temp:
    idx: int
    width: int

    def __str__(self) -> str:
        return f"t{self.idx}:i{self.width}"


@dataclass(frozen=True, slots=True)
class Const:
    value: int
    width: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", self.value & ((1 << self.width) - 1))

    def __str__(self) -> str:
        return f"0x{self.value:x}:i{self.width}" if self.value > 9 else f"{self.value}:i{self.width}"


Value = Temp | Const


class Cond(Enum):
    """Integer comparison predicates for SETCOND (names as in LLVM's icmp)."""

    EQ = "eq"
    NE = "ne"
    ULT = "ult"
    ULE = "ule"
    UGT = "ugt"
    UGE = "uge"
    SLT = "slt"
    SLE = "sle"
    SGT = "sgt"
    SGE = "sge"


class ExitKind(IntEnum):
    GOTO = 1  # direct branch or fall-through to a constant pc word (chainable)
    JUMP = 2  # indirect branch to a computed pc word
    SYSCALL = 3  # SVC; pc word = next instruction; aux imm in Insn.aux2
    UNDEF = 4  # undefined / unimplemented instruction; pc word = that instruction
    BKPT = 5  # BKPT/UDF trap; pc word = that instruction
    ALIGN = 6  # alignment fault; pc word = that instruction, the address in state exit_arg (set just before)


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: identical infos must not alias ops
class OpInfo:
    nargs: int  # number of value arguments (-1: variable, CALL)
    has_dst: bool
    aux: str | None = None  # kind of the constant operand: cond, field, label, helper, exit, pc
    side_effects: bool = False
    ends_block: bool = False


class Op(Enum):
    # arithmetic and logic (dst width = operand width)
    ADD = OpInfo(2, True)
    SUB = OpInfo(2, True)
    MUL = OpInfo(2, True)
    UDIV = OpInfo(2, True)
    SDIV = OpInfo(2, True)
    AND = OpInfo(2, True)
    OR = OpInfo(2, True)
    XOR = OpInfo(2, True)
    SHL = OpInfo(2, True)
    LSHR = OpInfo(2, True)
    ASHR = OpInfo(2, True)
    ROTR = OpInfo(2, True)
    NOT = OpInfo(1, True)
    NEG = OpInfo(1, True)
    CLZ = OpInfo(1, True)
    CTPOP = OpInfo(1, True)
    BSWAP = OpInfo(1, True)
    BITREV = OpInfo(1, True)
    # width changes
    ZEXT = OpInfo(1, True)
    SEXT = OpInfo(1, True)
    TRUNC = OpInfo(1, True)
    # compare and select
    SETCOND = OpInfo(2, True, aux="cond")
    SELECT = OpInfo(3, True)
    MOV = OpInfo(1, True)
    # guest state and memory
    GET = OpInfo(0, True, aux="field")
    SET = OpInfo(1, False, aux="field", side_effects=True)
    LOAD = OpInfo(1, True, side_effects=True)
    STORE = OpInfo(2, False, side_effects=True)
    CMPXCHG = OpInfo(3, True, side_effects=True)
    CALL = OpInfo(-1, True, aux="helper", side_effects=True)
    FP = OpInfo(-1, True, aux="fp")  # pure: a dead FP op may be dropped
    # control flow
    INSN_START = OpInfo(0, False, aux="pc", side_effects=True)
    LABEL = OpInfo(0, False, aux="label", side_effects=True)
    BR = OpInfo(0, False, aux="label", side_effects=True)
    BRCOND = OpInfo(1, False, aux="label", side_effects=True)
    EXIT = OpInfo(1, False, aux="exit", side_effects=True, ends_block=True)

    @property
    def info(self) -> OpInfo:
        return self.value


@dataclass(slots=True)
class Insn:
    op: Op
    dst: Temp | None
    args: tuple[Value, ...]
    aux: object = None
    aux2: int = 0  # EXIT: SVC/BKPT immediate; INSN_START: instruction size | ITSTATE << 8

    def __str__(self) -> str:
        s = f"{self.dst} = " if self.dst is not None else ""
        s += self.op.name.lower()
        if self.aux is not None:
            a = self.aux
            s += " " + (a.name if isinstance(a, (Enum,)) else f"0x{a:x}" if isinstance(a, int) else str(a))
        if self.args:
            s += " " + ", ".join(str(a) for a in self.args)
        return s


@dataclass
class Block:
    """One translation block: guest code at ``pc`` (``thumb``, entry ``itstate``) lifted to IR."""

    pc: int
    thumb: bool
    itstate: int = 0
    insns: list[Insn] = field(default_factory=list)
    ntemps: int = 0
    nlabels: int = 0
    guest_size: int = 0  # bytes of guest code covered
    guest_insns: int = 0

    def format(self) -> str:
        lines = []
        for i in self.insns:
            if i.op is Op.INSN_START:
                lines.append(f" ---- {i.aux:08x}")
            elif i.op is Op.LABEL:
                lines.append(f" L{i.aux}:")
            else:
                lines.append(f"  {i}")
        return "\n".join(lines) + "\n"


class Builder:
    """Appends IR to a block; every emitting method returns the value it defines."""

    def __init__(self, block: Block):
        self.block = block

    def temp(self, width: int) -> Temp:
        t = Temp(self.block.ntemps, width)
        self.block.ntemps += 1
        return t

    def emit(self, op: Op, dst_width: int | None, *args: Value, aux: object = None, aux2: int = 0) -> Temp | None:
        dst = self.temp(dst_width) if dst_width is not None else None
        self.block.insns.append(Insn(op, dst, tuple(args), aux, aux2))
        return dst

    # ---- arithmetic helpers with constant folding of the trivial cases --------------------------------
    def binop(self, op: Op, a: Value, b: Value) -> Value:
        assert a.width == b.width, (op, a, b)
        if isinstance(a, Const) and isinstance(b, Const):
            from jitemu.codegen.fold import fold_binop  # noqa: PLC0415 - avoid import cycle

            return Const(fold_binop(op, a.value, b.value, a.width), a.width)
        return self.emit(op, a.width, a, b)

    def add(self, a: Value, b: Value) -> Value:
        return self.binop(Op.ADD, a, b)

    def sub(self, a: Value, b: Value) -> Value:
        return self.binop(Op.SUB, a, b)

    def and_(self, a: Value, b: Value) -> Value:
        return self.binop(Op.AND, a, b)

    def or_(self, a: Value, b: Value) -> Value:
        return self.binop(Op.OR, a, b)

    def xor(self, a: Value, b: Value) -> Value:
        return self.binop(Op.XOR, a, b)

    def shl(self, a: Value, b: Value) -> Value:
        return self.binop(Op.SHL, a, b)

    def lshr(self, a: Value, b: Value) -> Value:
        return self.binop(Op.LSHR, a, b)

    def ashr(self, a: Value, b: Value) -> Value:
        return self.binop(Op.ASHR, a, b)

    def mul(self, a: Value, b: Value) -> Value:
        return self.binop(Op.MUL, a, b)

    def unop(self, op: Op, a: Value) -> Value:
        return self.emit(op, a.width, a)

    def not_(self, a: Value) -> Value:
        if isinstance(a, Const):
            return Const(~a.value, a.width)
        return self.unop(Op.NOT, a)

    def zext(self, a: Value, width: int) -> Value:
        if a.width == width:
            return a
        if isinstance(a, Const):
            return Const(a.value, width)
        return self.emit(Op.ZEXT, width, a)

    def sext(self, a: Value, width: int) -> Value:
        if a.width == width:
            return a
        if isinstance(a, Const):
            v = a.value - (1 << a.width) if a.value >> (a.width - 1) & 1 else a.value
            return Const(v, width)
        return self.emit(Op.SEXT, width, a)

    def trunc(self, a: Value, width: int) -> Value:
        if a.width == width:
            return a
        if isinstance(a, Const):
            return Const(a.value, width)
        return self.emit(Op.TRUNC, width, a)

    def setcond(self, cond: Cond, a: Value, b: Value) -> Value:
        assert a.width == b.width
        return self.emit(Op.SETCOND, 1, a, b, aux=cond)

    def select(self, c: Value, a: Value, b: Value) -> Value:
        assert a.width == b.width and c.width == 1
        if isinstance(c, Const):
            return a if c.value else b
        return self.emit(Op.SELECT, a.width, c, a, b)

    def get(self, field_name: str, width: int = 32) -> Temp:
        return self.emit(Op.GET, width, aux=field_name)

    def set(self, field_name: str, v: Value) -> None:
        self.emit(Op.SET, None, v, aux=field_name)

    def load(self, addr: Value, width: int) -> Temp:
        return self.emit(Op.LOAD, width, addr)

    def store(self, addr: Value, v: Value) -> None:
        self.emit(Op.STORE, None, addr, v)

    def call(self, helper: str, width: int | None, *args: Value) -> Temp | None:
        return self.emit(Op.CALL, width, *args, aux=helper)

    def fp(self, name: str, *args: Value, fpscr: Value) -> tuple[Value, Value]:
        """An FP operation of ``jitemu.fpu.FP_OPS``: returns (result bits, new FPSCR)."""
        info = FP_OPS[name]
        assert tuple(a.width for a in args) == info.arg_widths and fpscr.width == 32, (name, args)
        w = info.ret_width
        packed = self.emit(Op.FP, w + 32, *args, fpscr, aux=name)
        return self.trunc(packed, w), self.trunc(self.lshr(packed, Const(w, w + 32)), 32)

    def new_label(self) -> int:
        self.block.nlabels += 1
        return self.block.nlabels - 1

    def label(self, lab: int) -> None:
        self.emit(Op.LABEL, None, aux=lab)

    def br(self, lab: int) -> None:
        self.emit(Op.BR, None, aux=lab)

    def brcond(self, c: Value, lab: int) -> None:
        self.emit(Op.BRCOND, None, c, aux=lab)

    def exit(self, kind: ExitKind, pcword: Value, imm: int = 0) -> None:
        self.emit(Op.EXIT, None, pcword, aux=kind, aux2=imm)


def c32(v: int) -> Const:
    return Const(v, 32)


def c1(v: int | bool) -> Const:
    return Const(int(v), 1)
