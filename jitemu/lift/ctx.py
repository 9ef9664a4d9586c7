"""What every lift function works with: the per-instruction context and the lift registry.

``LiftCtx`` wraps one decoded instruction and the block's IR builder.  It owns the ARM facts that many
instructions share: register numbering, reading PC (+8 in A32, +4 in T32), writing PC with the right
interworking rule, the shifter operand (``Shift_C``), modified-immediate carry (``ExpandImm_C``), flag words
and conditions.  Condition codes and IT blocks are handled by the translator around the lift function.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from capstone import arm as A

from jitemu.ir import Builder, Cond, Const, ExitKind, Op, Value, c1, c32

LiftFn = Callable[["LiftCtx"], None]
LIFTS: dict[int, LiftFn] = {}
SIMD_LIFTS: dict[int, LiftFn] = {}  # Advanced SIMD encodings first look here, then in LIFTS
SIMD_FLOAT_LIFTS: dict[int, LiftFn] = {}  # the same for Advanced SIMD forms with a floating-point type
# encoding spaces lifted by one function whatever capstone's ids (VORR immediate and VORR register share
# an id but not a family): (matches(raw, thumb), lift function), consulted before the id tables
SPACE_LIFTS: list[tuple[Callable[[int, bool], bool], LiftFn]] = []


class Unlifted(Exception):
    """Raised by a lift function for an encoding it does not handle: the instruction becomes UNDEF."""


def lifts(*ids: int, table: dict[int, LiftFn] = LIFTS) -> Callable[[LiftFn], LiftFn]:
    """Register a lift function for capstone instruction ids."""

    def deco(fn: LiftFn) -> LiftFn:
        for i in ids:
            assert i not in table, f"two lift functions for capstone id {i}"
            table[i] = fn
        return fn

    return deco


def simd_lifts(*ids: int, float_lanes: bool = False) -> Callable[[LiftFn], LiftFn]:
    """Register a lift function for capstone ids in the Advanced SIMD encoding spaces (see ``is_simd``);
    ``float_lanes``: for the forms with a floating-point data type (VADD.F32 shares VADD.I8's id)."""
    return lifts(*ids, table=SIMD_FLOAT_LIFTS if float_lanes else SIMD_LIFTS)


_VECTOR_DATA = {getattr(A, n): n.removeprefix("ARM_VECTORDATA_") for n in dir(A) if n.startswith("ARM_VECTORDATA_")}


def data_types(insn) -> list[str]:
    """The data types of an instruction's suffix, e.g. ['F64', 'F32'] for vcvt.f64.f32, ['U8'] for vmov.u8."""
    return re.findall(r"[A-Z]\d+", _VECTOR_DATA.get(insn.vector_data, ""))


def space_lifts(matches: Callable[[int, bool], bool]) -> Callable[[LiftFn], LiftFn]:
    """Register the lift function of every encoding for which ``matches(raw, thumb)`` holds."""

    def deco(fn: LiftFn) -> LiftFn:
        SPACE_LIFTS.append((matches, fn))
        return fn

    return deco


def lift_fn(insn, raw: int, thumb: bool) -> LiftFn | None:
    """The lift function for a decoded instruction: an encoding space of ``SPACE_LIFTS``, else Advanced SIMD
    encodings look in the SIMD tables first (by the lanes' kind), everything else in ``LIFTS`` first."""
    for matches, fn in SPACE_LIFTS:
        if matches(raw, thumb):
            return fn
    if is_simd(raw, thumb):
        return _simd_table(insn).get(insn.id) or LIFTS.get(insn.id)
    return LIFTS.get(insn.id) or _simd_table(insn).get(insn.id)


def _simd_table(insn) -> dict[int, LiftFn]:
    return SIMD_FLOAT_LIFTS if any(t[0] == "F" for t in data_types(insn)) else SIMD_LIFTS


def is_simd(raw: int, thumb: bool) -> bool:
    """Whether an encoding is Advanced SIMD data processing or an element/structure load/store, where
    capstone reuses VFP ids (VADD, VMOV, VCVT...) for different instructions."""
    if thumb:
        return raw >> 24 & 0xEF == 0xEF or (raw >> 24 == 0xF9 and not raw >> 20 & 1)
    return raw >> 25 == 0b1111001 or (raw >> 24 == 0xF4 and not raw >> 20 & 1)


def _reg_table() -> dict[int, int]:
    t = {getattr(A, f"ARM_REG_R{i}"): i for i in range(13)}
    t[A.ARM_REG_SP], t[A.ARM_REG_LR], t[A.ARM_REG_PC] = 13, 14, 15
    return t


REGNUM = _reg_table()
DREG0, SREG0, QREG0 = A.ARM_REG_D0, A.ARM_REG_S0, A.ARM_REG_Q0

# ARM condition field values (ARM ARM A8.3)
EQ, NE, CS, CC, MI, PL, VS, VC, HI, LS, GE, LT, GT, LE, AL = range(15)

SHIFT_IMM = {A.ARM_SFT_LSL: "lsl", A.ARM_SFT_LSR: "lsr", A.ARM_SFT_ASR: "asr", A.ARM_SFT_ROR: "ror"}
SHIFT_REG = {A.ARM_SFT_LSL_REG: "lsl", A.ARM_SFT_LSR_REG: "lsr", A.ARM_SFT_ASR_REG: "asr", A.ARM_SFT_ROR_REG: "ror"}


class LiftCtx:
    """One instruction being lifted into the block's builder."""

    def __init__(self, b: Builder, insn, thumb: bool, raw: int, setflags: bool, itstate: int, itstate_after: int,
                 itstate_in_state: int, features: frozenset[str] | None = None):  # fmt: skip
        self.b = b
        self.insn = insn
        self.pc: int = insn.address
        self.size: int = insn.size
        self.thumb = thumb
        self.raw = raw  # A32: the word; T32: halfword, or hw1 << 16 | hw2 for 32-bit encodings
        self.setflags = setflags
        self.ops = insn.operands
        self.ended = False  # an unconditional exit was emitted
        self.itstate = itstate  # ITSTATE while this instruction executes
        self.itstate_after = itstate_after  # ITSTATE for the next instruction
        self.itstate_in_state = itstate_in_state  # what CPUState.itstate holds here (the translator tracks it)
        self.features = features  # the CPU model's optional features (None: all of them)

    def require(self, feature: str) -> None:
        """An instruction of an optional feature (``vfpv4``, ``idiva``...): UNDEF on a CPU without it."""
        if self.features is not None and feature not in self.features:
            raise Unlifted(f"not on this CPU model (no {feature})")

    # ---- basic facts -----------------------------------------------------------------------------------
    @property
    def next_pc(self) -> int:
        return (self.pc + self.size) & 0xFFFFFFFF

    @property
    def pc_value(self) -> int:
        """The value of PC when read as an operand (ARM ARM: PC = address + 8 in A32, + 4 in T32)."""
        return (self.pc + (4 if self.thumb else 8)) & 0xFFFFFFFF

    @property
    def pc_aligned(self) -> int:
        """Align(PC, 4), used by literal loads and ADR."""
        return self.pc_value & ~3

    def regnum(self, i: int) -> int:
        return REGNUM[self.ops[i].reg]

    # ---- registers -----------------------------------------------------------------------------------
    def reg(self, r: int) -> Value:
        if r == 15:
            return c32(self.pc_value)
        return self.b.get(f"r{r}")

    def set_reg(self, r: int, v: Value) -> None:
        """Write a core register; a write to PC uses ALUWritePC (A32 interworks, T32 does not)."""
        if r == 15:
            self.write_pc(v, interwork=not self.thumb)
        else:
            self.b.set(f"r{r}", v)

    def load_write_reg(self, r: int, v: Value) -> None:
        """Write a register loaded from memory (LoadWritePC interworks)."""
        if r == 15:
            self.write_pc(v, interwork=True)
        else:
            self.b.set(f"r{r}", v)

    def write_pc(self, v: Value, interwork: bool) -> None:
        """Branch to v: BXWritePC when interworking (bit 0 selects Thumb), else BranchWritePC."""
        b = self.b
        if interwork:
            if isinstance(v, Const):
                pcword = c32(v.value if v.value & 1 else v.value & ~3)
            else:
                # bit 0 set: Thumb at v & ~1; clear: ARM at v & ~3 (bit 1 set is UNPREDICTABLE: we align)
                pcword = b.select(b.setcond(Cond.NE, b.and_(v, c32(1)), c32(0)), v, b.and_(v, c32(~3)))
        elif self.thumb:
            pcword = b.or_(v, c32(1))
        else:
            pcword = b.and_(v, c32(~3))
        self.exit(ExitKind.JUMP if not isinstance(pcword, Const) else ExitKind.GOTO, pcword)

    def branch(self, target: int, thumb: bool | None = None) -> None:
        t = self.thumb if thumb is None else thumb
        self.exit(ExitKind.GOTO, c32((target & ~1) | 1 if t else target & ~3))

    def exit(self, kind: ExitKind, pcword: Value, imm: int = 0, itstate: int | None = None) -> None:
        it = self.itstate_after if itstate is None else itstate
        if it != self.itstate_in_state:
            self.b.set("itstate", c32(it))
        self.b.exit(kind, pcword, imm)
        self.ended = True

    def trap(self, kind: ExitKind, imm: int = 0) -> None:
        """Leave at this instruction (UNDEF, BKPT), with its own ITSTATE, as the exception sees it."""
        self.exit(kind, c32(self.pc | self.thumb), imm, itstate=self.itstate)

    def undefined(self) -> None:
        self.trap(ExitKind.UNDEF)

    # ---- flags ---------------------------------------------------------------------------------------
    def get_c(self) -> Value:
        return self.b.get("CF")

    def set_nz(self, res: Value) -> None:
        self.b.set("NF", res)
        self.b.set("ZF", res)

    def set_c(self, c: Value) -> None:
        """Set C from an i1 or an i32 holding 0/1."""
        self.b.set("CF", self.b.zext(c, 32))

    def add_with_carry(self, a: Value, bv: Value, cin: Value, setflags: bool) -> Value:
        """AddWithCarry(a, b, carry_in) of the ARM ARM; sets NZCV when asked; returns the 32-bit sum."""
        b = self.b
        if isinstance(cin, Const) and cin.value == 0:
            res = b.add(a, bv)
            carry = lambda: b.setcond(Cond.ULT, res, a)
        else:
            wide = b.add(b.add(b.zext(a, 64), b.zext(bv, 64)), b.zext(cin, 64))
            res = b.trunc(wide, 32)
            carry = lambda: b.trunc(b.lshr(wide, Const(32, 64)), 32)
        if setflags:
            self.set_c(carry())
            self.set_nz(res)
            b.set("VF", b.and_(b.xor(res, a), b.not_(b.xor(a, bv))))
        return res

    def subtract(self, a: Value, x: Value, setflags: bool) -> Value:
        """a - x, i.e. AddWithCarry(a, NOT(x), 1): C is "no borrow", V signed overflow."""
        b = self.b
        res = b.sub(a, x)
        if setflags:
            self.set_c(b.setcond(Cond.UGE, a, x))
            self.set_nz(res)
            b.set("VF", b.and_(b.xor(a, x), b.xor(a, res)))
        return res

    def cond_value(self, cond: int) -> Value:
        """ConditionPassed() for an ARM condition field value, as an i1."""
        b = self.b
        base = cond >> 1
        if base == 0:  # EQ
            v = b.setcond(Cond.EQ, b.get("ZF"), c32(0))
        elif base == 1:  # CS
            v = b.setcond(Cond.NE, b.get("CF"), c32(0))
        elif base == 2:  # MI
            v = b.setcond(Cond.SLT, b.get("NF"), c32(0))
        elif base == 3:  # VS
            v = b.setcond(Cond.SLT, b.get("VF"), c32(0))
        elif base == 4:  # HI
            v = b.and_(b.setcond(Cond.NE, b.get("CF"), c32(0)), b.setcond(Cond.NE, b.get("ZF"), c32(0)))
        elif base == 5:  # GE
            v = b.setcond(Cond.SGE, b.xor(b.get("NF"), b.get("VF")), c32(0))
        elif base == 6:  # GT
            ge = b.setcond(Cond.SGE, b.xor(b.get("NF"), b.get("VF")), c32(0))
            v = b.and_(ge, b.setcond(Cond.NE, b.get("ZF"), c32(0)))
        else:
            return c1(1)
        if cond & 1:
            v = b.xor(v, c1(1))
        return v

    # ---- operands ------------------------------------------------------------------------------------
    def shift_c(
        self, x: Value, kind: str, amount: int, carry_in: Callable[[], Value]
    ) -> tuple[Value, Callable[[], Value]]:
        """Shift_C with an immediate amount (DecodeImmShift already applied by capstone)."""
        b = self.b
        if amount == 0 and kind != "rrx":
            return x, carry_in
        if kind == "lsl":
            return b.shl(x, c32(amount)), lambda: b.and_(b.lshr(x, c32(32 - amount)), c32(1))
        if kind == "lsr":
            res = b.lshr(x, c32(amount)) if amount < 32 else c32(0)
            return res, lambda: b.and_(b.lshr(x, c32(amount - 1)), c32(1))
        if kind == "asr":
            res = b.ashr(x, c32(min(amount, 31)))
            return res, lambda: b.and_(b.lshr(x, c32(min(amount - 1, 31))), c32(1))
        if kind == "ror":
            res = b.binop(Op.ROTR, x, c32(amount))
            return res, lambda: b.lshr(res, c32(31))
        assert kind == "rrx"
        res = b.or_(b.shl(carry_in(), c32(31)), b.lshr(x, c32(1)))
        return res, lambda: b.and_(x, c32(1))

    def shift_reg_c(
        self, x: Value, kind: str, rs: Value, carry_in: Callable[[], Value]
    ) -> tuple[Value, Callable[[], Value]]:
        """Shift_C with the amount in the bottom byte of a register."""
        b = self.b
        amt = b.and_(rs, c32(0xFF))
        zero = b.setcond(Cond.EQ, amt, c32(0))
        if kind == "ror":
            res = b.binop(Op.ROTR, x, amt)

            def carry() -> Value:
                return b.select(zero, b.zext(carry_in(), 32), b.lshr(res, c32(31)))

            return res, carry
        op = {"lsl": Op.SHL, "lsr": Op.LSHR, "asr": Op.ASHR}[kind]
        res = b.binop(op, x, amt)

        def carry_reg() -> Value:
            # the last bit shifted out; amounts past 32 shift out zeros (sign bits for ASR)
            if kind == "lsl":
                wide = b.shl(b.zext(x, 64), b.zext(amt, 64))
                out = b.trunc(b.and_(b.lshr(wide, Const(32, 64)), Const(1, 64)), 32)
            else:
                xs = b.sext(x, 64) if kind == "asr" else b.zext(x, 64)
                wide = b.shl(xs, Const(1, 64))  # bit 0 of (x << 1) >> amt is bit amt-1 of x
                out = b.trunc(
                    b.and_(b.binop(Op.LSHR if kind == "lsr" else Op.ASHR, wide, b.zext(amt, 64)), Const(1, 64)), 32
                )
            return b.select(zero, b.zext(carry_in(), 32), out)

        return res, carry_reg

    def operand(self, i: int) -> tuple[Value, Callable[[], Value]]:
        """Operand i as a value, with a thunk giving its shifter carry-out (an i32 0/1)."""
        op = self.ops[i]
        carry_in = self.get_c
        if op.type == A.ARM_OP_IMM:
            v = op.imm & 0xFFFFFFFF
            if i + 1 < len(self.ops) and self.ops[i + 1].type == A.ARM_OP_IMM:
                # capstone spells a non-canonical A32 modified immediate as "#imm8, #rot"
                rot = self.ops[i + 1].imm & 31
                v = ((v >> rot) | (v << (32 - rot))) & 0xFFFFFFFF if rot else v
            return c32(v), self._imm_carry(v)
        assert op.type == A.ARM_OP_REG, op.type
        x = self.reg(REGNUM[op.reg])
        st = op.shift.type
        if st == 0:
            return x, carry_in
        if st in SHIFT_IMM:
            return self.shift_c(x, SHIFT_IMM[st], op.shift.value, carry_in)
        if st == A.ARM_SFT_RRX:
            return self.shift_c(x, "rrx", 1, carry_in)
        if st in SHIFT_REG:
            return self.shift_reg_c(x, SHIFT_REG[st], self.reg(REGNUM[op.shift.value]), carry_in)
        raise Unlifted(f"shift type {st}")

    def value(self, i: int) -> Value:
        return self.operand(i)[0]

    def _imm_carry(self, v: int) -> Callable[[], Value]:
        """Carry-out of a modified immediate: ExpandImm_C (A32) / ThumbExpandImm_C (T32)."""
        raw = self.raw
        if self.thumb:
            if self.size == 4 and ((raw >> 26 & 1) << 1 | (raw >> 14 & 1)) != 0:
                return lambda: c32(v >> 31)
        elif (raw >> 8) & 0xF:
            return lambda: c32(v >> 31)
        return self.get_c
