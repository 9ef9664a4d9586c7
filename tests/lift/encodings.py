"""Random VALID ARMv7-A encodings per instruction class x {A32, T32}, written from the ARM ARM encoding diagrams.

A ``Form`` is one encoding diagram as a bit pattern: ``0``/``1`` are fixed bits, letters are fields (bits of one
letter concatenate in order, so split immediates may share a letter: they are random anyway).  ``ok`` rejects
field values that belong to another encoding or that the ARM ARM calls UNPREDICTABLE; every rejection rule
carries a comment saying which.  ``setup`` gives register values (and, rarely, the C flag) that make memory
instructions hit the data pages the harness maps.  Nothing here may be excluded because jitemu fails it.

Exclusions that are not UNPREDICTABLE, and why:
  * Encodings that belong to a different instruction (e.g. ``Rd == 1111 && S == 1`` selects CMP) are routed to
    that instruction's form instead; S=1 LDM/STM (user registers / exception return) is privileged-only.
  * Alignment faults are not compared (Unicorn's QEMU 5 base does not raise them): ``setup`` keeps
    LDRD/STRD/LDM/STM/LDREX*/STREX* addresses aligned, and PC-relative A32 LDRD/STRD use a multiple-of-4 offset.
  * A field value the harness cannot express (an ARM-state target with bit 1 set) is filtered at run time:
    BXWritePC/LoadWritePC/ALUWritePC to an address with bits<1:0> == '10' is UNPREDICTABLE (ARM ARM A2.3.2).

``F.it`` tells a predicate where the instruction sits: 0 outside an IT block, 1 inside but not last, 2 last.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

# ---- the harness memory layout (the harness maps exactly this) -------------------------------------------
REGION, REGION_SIZE = 0x10000, 0x10000  # read/write data, random contents, compared after each case
CODE_PAGE = 0x17000  # also executable; the instructions under test end exactly at CODE_END
CODE_END = 0x18000  # the next page is not executable, so a jitemu block stops here
DATA_PTR = 0x1C000  # base registers of memory instructions point near here (+-4 KiB offsets stay mapped)

AL = 14
SP, LR, PC = 13, 14, 15
SP_PC = (SP, PC)


class F:
    """The field values of one generated encoding, by pattern letter, plus ``it`` (see module doc)."""

    def __init__(self, vals: dict[str, int], it: int):
        self.__dict__.update(vals)
        self.it = it

    def get(self, k: str, default: int = 0) -> int:
        return self.__dict__.get(k, default)


Setup = dict  # register number -> value; "C" -> carry flag value


@dataclass
class Form:
    name: str
    pattern: str
    ok: Callable[[F], bool] = lambda f: True
    setup: Callable[[F, random.Random], Setup] | None = None
    weight: int = 1  # relative share of its class's cases
    bits: int = field(init=False)
    size: int = field(init=False)
    fields: dict[str, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        p = self.pattern.replace(" ", "")
        assert len(p) in (16, 32), (self.name, len(p))
        self.size = len(p) // 8
        self.bits = int("".join(c if c in "01" else "0" for c in p), 2)
        self.fields = {}
        for i, c in enumerate(p):
            if c not in "01":
                self.fields.setdefault(c, []).append(len(p) - 1 - i)

    def encode(self, vals: dict[str, int]) -> int:
        v = self.bits
        for k, pos in self.fields.items():
            x = vals[k]
            for j, bit in enumerate(pos):
                v |= (x >> (len(pos) - 1 - j) & 1) << bit
        return v

    def draw(self, rng: random.Random, it: int = 0, force: dict[str, int] | None = None) -> tuple[int, F] | None:
        """A random valid (encoding, fields), or None if this form has no valid encoding in this position."""
        for _ in range(400):
            vals = {k: rng.getrandbits(len(pos)) for k, pos in self.fields.items()}
            if "c" in vals and len(self.fields["c"]) == 4 and self.size == 4 and self.pattern[0] == "c":
                vals["c"] = AL if rng.random() < 0.5 else rng.randrange(14)  # A32 cond: half AL, never 1111
            if force:
                vals.update((k, v) for k, v in force.items() if k in vals)
            f = F(vals, it)
            if self.ok(f):
                return self.encode(vals), f
        return None


def _with(f: F, **vals: int) -> F:
    """The fields of f with some replaced (to apply one encoding's rules to another with fixed bits)."""
    return F({**f.__dict__, **vals}, f.it)


def bitcount(x: int) -> int:
    return bin(x).count("1")


# ---- setup helpers: make memory operands land in the data pages ---------------------------------------------
def ptr(rng: random.Random, align: int = 1, off: int = 0) -> int:
    """A pointer near DATA_PTR such that ptr + off is aligned."""
    p = DATA_PTR + rng.randrange(-0x400, 0x400)
    return p - (p + off) % align


def _rol(v: int, k: int) -> int:
    return ((v << k) | (v >> (32 - k))) & 0xFFFFFFFF if k % 32 else v


def index_for(rng: random.Random, typ: int, imm: int, align: int = 1) -> tuple[int, Setup]:
    """A value of Rm whose DecodeImmShift(typ, imm) result is a small offset (multiple of align)."""
    s = rng.randrange(0, 0x400) & ~(align - 1)
    if typ == 0:  # LSL #imm: random bits above shift out
        k = imm
        return ((rng.getrandbits(k) << (32 - k)) | (s >> k)) & 0xFFFFFFFF if k else s, {}
    if typ in (1, 2):  # LSR/ASR #imm (0 means 32): random bits below shift out
        k = imm or 32
        if k == 32:
            return rng.getrandbits(32), {}
        s = rng.randrange(min(0x400, 1 << (31 - k))) & ~(align - 1)
        return s << k | rng.getrandbits(k), {}
    if imm == 0:  # RRX: C<<31 | Rm>>1
        return s << 1 | rng.getrandbits(1), {"C": 0}
    return _rol(s, imm), {}


def base_index(f: F, rng: random.Random, n: int, m: int, typ: int = 0, imm: int = 0, add: bool = True,
               align: int = 1) -> Setup:  # fmt: skip
    """Rn -> a data pointer, Rm -> a small shifted index; handles Rn == Rm for LSL (the only solvable case)."""
    if n == PC:
        v, s = index_for(rng, typ, imm, align)
        return {m: v, **s}
    if n == m:
        target = ptr(rng, align)
        if typ == 0:
            mult = (1 + (1 << imm)) if add else (1 - (1 << imm))
            if mult % 2:
                return {n: target * pow(mult % (1 << 32), -1, 1 << 32) % (1 << 32)}
            if imm == 0 and add:
                return {n: target // 2 & ~(align // 2 - 1 if align > 1 else 0)}
        return {n: target}  # unsolvable: the access may fault, in both emulators
    v, s = index_for(rng, typ, imm, align)
    return {n: ptr(rng, align, 0), m: v, **s}


def base_only(n: int, align: int = 1, off: Callable[[F], int] = lambda f: 0) -> Callable[[F, random.Random], Setup]:
    def setup(f: F, rng: random.Random) -> Setup:
        r = f.n if n < 0 else n
        return {} if r == PC else {r: ptr(rng, align, off(f))}

    return setup


def branch_target(rng: random.Random) -> int:
    """A random BX/BLX target: Thumb (bit 0 set) or word-aligned ARM (bits<1:0> == '10' is UNPREDICTABLE)."""
    v = rng.getrandbits(32)
    return v | 1 if rng.random() < 0.5 else v & ~3


# =============================================================================================================
# A32 data processing, shifts, compares
# =============================================================================================================
def _a32_dp_ok(f: F, *regs: int) -> bool:
    test = f.o >> 2 == 0b10  # TST TEQ CMP CMN
    if test and not f.S:
        return False  # S=0 with opcode 10xx: miscellaneous instructions / MOVW / MOVT / MSR (other encodings)
    if test and f.d:
        return False  # compares: Rd is (0)(0)(0)(0), UNPREDICTABLE otherwise
    if f.o in (0b1101, 0b1111) and f.n:
        return False  # MOV/MVN: Rn is (0)(0)(0)(0), UNPREDICTABLE otherwise
    if f.d == PC and f.S and not test:
        return False  # SUBS PC, LR and related: exception return, UNPREDICTABLE in User mode
    return PC not in regs  # register-shifted register: any of Rd, Rn, Rm, Rs == PC is UNPREDICTABLE


def _rsr(f: F) -> bool:
    return _a32_dp_ok(f, f.d, f.n, f.m, f.s)


A32_DP = [
    Form("dp_reg", "cccc 000 oooo S nnnn dddd iiiii yy 0 mmmm", _a32_dp_ok, weight=3),
    Form("dp_rsr", "cccc 000 oooo S nnnn dddd ssss 0 yy 1 mmmm", _rsr, weight=3),
    Form("dp_imm", "cccc 001 oooo S nnnn dddd iiiiiiiiiiii", _a32_dp_ok, weight=3),
    Form("movw", "cccc 0011 0000 iiii dddd iiiiiiiiiiii", lambda f: f.d != PC),  # d == 15 UNPREDICTABLE
    Form("movt", "cccc 0011 0100 iiii dddd iiiiiiiiiiii", lambda f: f.d != PC),
]
A32_SHIFT = [
    Form("mov_shift_imm", "cccc 0001 101S 0000 dddd iiiii yy 0 mmmm", lambda f: not (f.d == PC and f.S), weight=3),
    Form("mov_shift_reg", "cccc 0001 101S 0000 dddd ssss 0 yy 1 mmmm", lambda f: PC not in (f.d, f.m, f.s), weight=3),
    Form("rrx", "cccc 0001 101S 0000 dddd 00000 11 0 mmmm", lambda f: not (f.d == PC and f.S)),
]
A32_CMP = [
    Form("cmp_reg", "cccc 0001 0oo1 nnnn 0000 iiiii yy 0 mmmm"),
    Form("cmp_rsr", "cccc 0001 0oo1 nnnn 0000 ssss 0 yy 1 mmmm", lambda f: PC not in (f.n, f.m, f.s)),
    Form("cmp_imm", "cccc 0011 0oo1 nnnn 0000 iiiiiiiiiiii"),
]

# =============================================================================================================
# T32 data processing, shifts, compares
# =============================================================================================================
T32_DP_OPS = {0: "and", 1: "bic", 2: "orr", 3: "orn", 4: "eor", 8: "add", 10: "adc", 11: "sbc", 13: "sub", 14: "rsb"}


def _t32_dp_ok(f: F) -> bool:
    """Register rules of T32 data-processing (modified immediate) and (shifted register), per ARM ARM A8.8."""
    o, d, n = f.o, f.d, f.n
    if o not in T32_DP_OPS:
        return False  # PKH (0110) is media; the rest is UNDEFINED
    m = f.get("m", 0)
    has_m = "m" in f.__dict__
    bad_m = has_m and m in SP_PC  # every register form: m IN {13,15} UNPREDICTABLE (except MOV.W below)
    if d == PC and f.S and o in (0, 4, 8, 13):  # TST TEQ CMN CMP
        # TST/TEQ: n IN {13,15} UNPREDICTABLE; CMN/CMP: n == 15 UNPREDICTABLE (CMP SP is fine)
        return not bad_m and n != PC and (o in (8, 13) or n != SP)
    if o in (2, 3) and n == PC:  # MOV / MVN (and the immediate shifts)
        if has_m and o == 2 and f.i == 0 and f.y == 0:  # MOV.W Rd, Rm (T3)
            if f.S:
                return d not in SP_PC and m not in SP_PC
            return not (d == PC or m == PC or (d == SP and m == SP))
        return d not in SP_PC and not bad_m
    if o in (8, 13) and n == SP:  # ADD/SUB (SP plus immediate/register)
        if has_m and d == SP and (f.y != 0 or f.i > 3):
            return False  # ADD/SUB SP, SP, Rm with a shift other than LSL #0-3: UNPREDICTABLE
        return d != PC and not bad_m
    # everything else: d IN {13,15}, n == 13 (ORR/ORN) or n IN {13,15} UNPREDICTABLE
    return d not in SP_PC and n not in SP_PC and not bad_m


def _t32_addw_ok(f: F) -> bool:
    if f.n == SP:
        return f.d != PC  # ADD/SUB SP, #imm12: d == 15 UNPREDICTABLE
    return f.d not in SP_PC  # ADDW/SUBW and ADR: d IN {13,15} UNPREDICTABLE


T32_DP16 = [
    # LSL #0 is MOVS Rd, Rm (T2), UNPREDICTABLE inside an IT block
    Form("shift_imm16", "000 oo iiiii mmm ddd", lambda f: f.o != 3 and not (f.o == 0 and f.i == 0 and f.it)),
    Form("addsub_reg16", "000110 o mmm nnn ddd"),
    Form("addsub_imm3", "000111 o iii nnn ddd"),
    Form("imm8_16", "001 oo ddd iiiiiiii"),
    Form("dp_reg16", "010000 oooo mmm ddd", lambda f: f.o != 0b1101, weight=2),  # MULS: multiply class
    # ADD Rdn, Rm: both PC UNPREDICTABLE; writing PC inside an IT block but not last UNPREDICTABLE
    Form("add_hi", "01000100 d mmmm ddd", lambda f: not (f.d == PC and f.m == PC) and not (f.d == PC and f.it == 1)),
    Form("cmp_hi", "01000101 n mmmm nnn", lambda f: not (f.n < 8 and f.m < 8) and PC not in (f.n, f.m)),
    Form("mov_hi", "01000110 d mmmm ddd", lambda f: not (f.d == PC and f.it == 1)),
    Form("adr16", "10100 ddd iiiiiiii"),
    Form("add_sp_imm8", "10101 ddd iiiiiiii"),
    Form("addsub_sp_imm7", "10110000 o iiiiiii"),
]
T32_DP32 = [
    Form("dp_modimm", "11110 i 0 oooo S nnnn 0 iii dddd iiiiiiii", _t32_dp_ok, weight=4),
    Form("dp_shreg", "1110101 oooo S nnnn 0 iii dddd ii yy mmmm", _t32_dp_ok, weight=4),
    Form("addw", "11110 i 10 0000 nnnn 0 iii dddd iiiiiiii", _t32_addw_ok),
    Form("subw", "11110 i 10 1010 nnnn 0 iii dddd iiiiiiii", _t32_addw_ok),
    Form("movw", "11110 i 10 0100 iiii 0 iii dddd iiiiiiii", lambda f: f.d not in SP_PC),
    Form("movt", "11110 i 10 1100 iiii 0 iii dddd iiiiiiii", lambda f: f.d not in SP_PC),
]
T32_DP = T32_DP16 + T32_DP32
T32_SHIFT = [
    Form("shift_imm16", "000 oo iiiii mmm ddd", lambda f: f.o != 3 and not (f.o == 0 and f.i == 0 and f.it)),
    Form("shift_reg16", "010000 oooo mmm ddd", lambda f: f.o in (0b0010, 0b0011, 0b0100, 0b0111)),
    Form(
        "mov_shift_imm32", "11101010010 S 1111 0 iii dddd ii yy mmmm", lambda f: f.d not in SP_PC and f.m not in SP_PC
    ),  # d IN {13,15} || m IN {13,15} UNPREDICTABLE
    Form("shift_reg32", "11111010 0 yy S nnnn 1111 dddd 0000 mmmm", lambda f: not {f.d, f.n, f.m} & {SP, PC}),
    Form("rrx32", "11101010010 S 1111 0 000 dddd 00 11 mmmm", lambda f: f.d not in SP_PC and f.m not in SP_PC),
]


def _t32_cmp_ok(f: F) -> bool:
    if f.o not in (0, 4, 8, 13):
        return False
    if "m" in f.__dict__ and f.m in SP_PC:
        return False  # m IN {13,15} UNPREDICTABLE
    return f.n != PC and (f.o in (8, 13) or f.n != SP)  # TST/TEQ: n IN {13,15}; CMP/CMN: n == 15


T32_CMP = [
    Form("cmp_imm8", "00101 nnn iiiiiiii"),
    Form("cmp_reg16", "01000010 oo mmm nnn", lambda f: f.o != 1),  # 01 is RSB (NEG)
    Form("cmp_hi", "01000101 n mmmm nnn", lambda f: not (f.n < 8 and f.m < 8) and PC not in (f.n, f.m)),
    Form("cmp_modimm", "11110 i 0 oooo 1 nnnn 0 iii 1111 iiiiiiii", _t32_cmp_ok),
    Form("cmp_shreg", "1110101 oooo 1 nnnn 0 iii 1111 ii yy mmmm", _t32_cmp_ok),
]


# =============================================================================================================
# A32 loads and stores
# =============================================================================================================
def _a32_ldst_ok(f: F) -> bool:
    wback = f.P == 0 or f.W == 1
    unpriv = f.P == 0 and f.W == 1  # LDRT STRT LDRBT STRBT
    if f.n == PC and not (f.P == 1 and f.W == 0):
        return False  # literal forms are P=1 W=0 ((1)/(0) bits); writeback or T form with Rn=PC UNPREDICTABLE
    if f.B and f.t == PC:
        return False  # LDRB/STRB(T) Rt == 15 UNPREDICTABLE
    if "m" in f.__dict__ and f.m == PC:
        return False  # register offset: m == 15 UNPREDICTABLE
    if unpriv and f.L and f.t == PC:
        return False  # LDRT t == 15 UNPREDICTABLE
    return not (wback and f.n == f.t)  # writeback with n == t UNPREDICTABLE


def _a32_ldst_reg_setup(f: F, rng: random.Random) -> Setup:
    return base_index(f, rng, f.n, f.m, f.y, f.i, add=bool(f.U))


def _a32_extra_ok(f: F) -> bool:
    if f.o == 0:
        return False  # op2 == 00: multiplies / swaps / exclusives (other encodings)
    reg = "m" in f.__dict__
    wback = f.P == 0 or f.W == 1
    if f.n == PC and not (f.P == 1 and f.W == 0):
        return False  # literal forms are P=1 W=0; T forms and writeback with Rn=PC UNPREDICTABLE
    if reg and f.m == PC:
        return False  # m == 15 UNPREDICTABLE
    if f.o in (2, 3) and not f.L:  # LDRD (op2=10) / STRD (op2=11)
        if f.t & 1 or f.t == LR:
            return False  # Rt<0> == 1 UNPREDICTABLE; t2 == 15 UNPREDICTABLE
        if f.P == 0 and f.W == 1:
            return False  # P == 0 && W == 1 UNPREDICTABLE
        if wback and f.n in (f.t, f.t + 1):
            return False  # writeback onto a transferred register UNPREDICTABLE
        if reg and f.o == 2 and f.m in (f.t, f.t + 1):
            return False  # LDRD (register): m == t || m == t2 UNPREDICTABLE
        if f.n == PC and not reg and (f.i & 3):
            return False  # not UNPREDICTABLE: an alignment fault, which neither emulator models (see doc)
        return True
    if f.t == PC:
        return False  # LDRH/STRH/LDRSB/LDRSH(T) t == 15 UNPREDICTABLE
    if f.P == 0 and f.W == 1 and f.n == f.t:
        return False  # LDRHT & co: n == t UNPREDICTABLE
    return not (wback and f.n == f.t)


def _dual(f: F) -> bool:
    return f.o in (2, 3) and not f.L


def _a32_extra_imm_setup(f: F, rng: random.Random) -> Setup:
    off = (f.i if f.U else -f.i) if f.P else 0
    return {} if f.n == PC else {f.n: ptr(rng, 4 if _dual(f) else 1, off)}


def _a32_extra_reg_setup(f: F, rng: random.Random) -> Setup:
    return base_index(f, rng, f.n, f.m, add=bool(f.U), align=4 if _dual(f) else 1)


def _a32_ldm_ok(f: F) -> bool:
    regs = f.r
    if f.get("n", SP) == PC or regs == 0:
        return False  # n == 15 || BitCount(registers) < 1 UNPREDICTABLE
    n = f.get("n", SP)
    if f.W and regs >> n & 1:
        if f.L:
            return False  # LDM with writeback and Rn in the list UNPREDICTABLE (ArchVersion >= 7)
        if regs & ((1 << n) - 1):
            return False  # STM with writeback stores an UNKNOWN base unless Rn is the lowest register
    return True


A32_LDST = [
    Form("ldst_imm", "cccc 010 P U B W L nnnn tttt iiiiiiiiiiii", _a32_ldst_ok, base_only(-1)),
    Form("ldst_reg", "cccc 011 P U B W L nnnn tttt iiiii yy 0 mmmm", _a32_ldst_ok, _a32_ldst_reg_setup),
    Form("ldst_extra_imm", "cccc 000 P U 1 W L nnnn tttt iiii 1 oo 1 iiii", _a32_extra_ok, _a32_extra_imm_setup),
    Form("ldst_extra_reg", "cccc 000 P U 0 W L nnnn tttt 0000 1 oo 1 mmmm", _a32_extra_ok, _a32_extra_reg_setup),
]
A32_LDM = [
    Form("ldm_stm", "cccc 100 P U 0 W L nnnn rrrrrrrrrrrrrrrr", _a32_ldm_ok, base_only(-1, 4)),
    # PUSH/POP (A1) are STMDB SP! / LDMIA SP!: the LDM/STM rules with n = 13, writeback
    Form("push", "cccc 100 1 0 0 1 0 1101 rrrrrrrrrrrrrrrr", lambda f: _a32_ldm_ok(_with(f, W=1, L=0))),
    Form("pop", "cccc 100 0 1 0 1 1 1101 rrrrrrrrrrrrrrrr", lambda f: _a32_ldm_ok(_with(f, W=1, L=1))),
    # PUSH/POP single register (A2): STR Rt, [SP, #-4]! / LDR Rt, [SP], #4; t == 13 UNPREDICTABLE
    Form("push1", "cccc 0101 0010 1101 tttt 0000 0000 0100", lambda f: f.t != SP),
    Form("pop1", "cccc 0100 1001 1101 tttt 0000 0000 0100", lambda f: f.t != SP),
]


# =============================================================================================================
# T32 loads and stores
# =============================================================================================================
def _t32_ldst_ok(f: F) -> bool:
    """Load/store single: S = sign, oo = size (B, H, W), L = load; per ARM ARM A8.8 (T32 encodings)."""
    kind = "imm8" if "P" in f.__dict__ else "reg" if "m" in f.__dict__ else "lit" if "U" in f.__dict__ else "imm12"
    size, L, S = f.o, f.get("L", 1), f.S
    if size == 3 or (S and (not L or size == 2)):
        return False  # not load/store single encodings
    if kind != "lit" and f.n == PC:
        return False  # Rn == 1111: the literal form (loads) or UNDEFINED (stores)
    if kind == "imm8" and f.P == 0 and f.W == 0:
        return False  # UNDEFINED
    unpriv = kind == "imm8" and f.P == 1 and f.U == 1 and f.W == 0  # LDRT/STRT family
    wback = kind == "imm8" and f.W == 1
    t = f.t
    if L and size < 2 and t == PC:
        return False  # PLD/PLI/PLDW and unallocated hints, not loads (or UNPREDICTABLE)
    if (size < 2 or unpriv) and t in SP_PC:
        return False  # byte/halfword and unprivileged forms: t IN {13,15} UNPREDICTABLE
    if not L and t == PC:
        return False  # STR t == 15 UNPREDICTABLE
    if L and t == PC and f.it == 1:
        return False  # LDR PC inside an IT block but not last UNPREDICTABLE
    if wback and f.n == t:
        return False  # writeback with n == t UNPREDICTABLE
    return not (kind == "reg" and f.m in SP_PC)  # m IN {13,15} UNPREDICTABLE


def _t32_reg_setup(f: F, rng: random.Random) -> Setup:
    return base_index(f, rng, f.n, f.m, 0, f.get("i", 0))


def _t32_ldrd_ok(f: F) -> bool:
    if f.P == 0 and f.W == 0:
        return False  # load/store exclusive, table branch (other encodings)
    if f.n == PC and (not f.L or f.W):
        return False  # STRD n == 15 UNPREDICTABLE; LDRD (literal) W is (0)
    if f.t in SP_PC or f.u in SP_PC or (f.L and f.t == f.u):
        return False  # t/t2 IN {13,15} UNPREDICTABLE; LDRD t == t2 UNPREDICTABLE
    return not (f.W and f.n in (f.t, f.u))  # writeback onto a transferred register UNPREDICTABLE


def _t32_ldm_regs(f: F) -> int:
    return f.get("P") << 15 | f.get("M") << 14 | f.r


def _t32_ldm_ok(f: F) -> bool:
    regs = _t32_ldm_regs(f)
    if f.o not in (1, 2) or f.n == PC or bitcount(regs) < 2:
        return False  # 01 IA, 10 DB; n == 15 || BitCount(registers) < 2 UNPREDICTABLE
    if f.get("P") and f.get("M"):
        return False  # LDM: P == 1 && M == 1 UNPREDICTABLE
    if f.W and regs >> f.n & 1:
        return False  # writeback with Rn in the list UNPREDICTABLE
    return not (f.get("P") and f.it == 1)  # loading PC inside an IT block but not last UNPREDICTABLE


def _t16_stm_ok(f: F) -> bool:
    if f.r == 0:
        return False  # BitCount(registers) < 1 UNPREDICTABLE
    if not f.L and f.r >> f.n & 1 and f.r & ((1 << f.n) - 1):
        return False  # STM stores an UNKNOWN base value unless Rn is the lowest register
    return True


T32_LDST = [
    Form("ldst_reg16", "0101 ooo mmm nnn ttt", setup=lambda f, rng: base_index(f, rng, f.n, f.m)),
    Form("ldst_imm5", "011 B L iiiii nnn ttt", setup=base_only(-1)),
    Form("ldsth_imm5", "1000 L iiiii nnn ttt", setup=base_only(-1)),
    Form("ldst_sp", "1001 L ttt iiiiiiii"),
    Form("ldr_lit16", "01001 ttt iiiiiiii"),
    Form("ldst_imm12", "1111100 S 1 oo L nnnn tttt iiiiiiiiiiii", _t32_ldst_ok, base_only(-1)),
    Form("ldst_imm8", "1111100 S 0 oo L nnnn tttt 1 P U W iiiiiiii", _t32_ldst_ok, base_only(-1), weight=2),
    Form("ldst_reg32", "1111100 S 0 oo L nnnn tttt 000000 ii mmmm", _t32_ldst_ok, _t32_reg_setup),
    Form("ld_lit32", "1111100 S U oo 1 1111 tttt iiiiiiiiiiii", _t32_ldst_ok),
    Form("ldrd_strd", "1110100 P U 1 W L nnnn tttt uuuu iiiiiiii", _t32_ldrd_ok, base_only(-1, 4)),
]
T32_LDM = [
    # PUSH {list, LR} / POP {list, PC}: BitCount < 1 UNPREDICTABLE; POP PC inside IT but not last UNPREDICTABLE
    Form("push16", "1011 0 10 R rrrrrrrr", lambda f: f.R or f.r),
    Form("pop16", "1011 1 10 R rrrrrrrr", lambda f: (f.R or f.r) and not (f.R and f.it == 1)),
    Form("ldm_stm16", "1100 L nnn rrrrrrrr", _t16_stm_ok, base_only(-1, 4)),
    Form("stm32", "1110100 oo 0 W 0 nnnn 0 M 0 rrrrrrrrrrrrr", _t32_ldm_ok, base_only(-1, 4)),
    Form("ldm32", "1110100 oo 0 W 1 nnnn P M 0 rrrrrrrrrrrrr", _t32_ldm_ok, base_only(-1, 4)),
]


# =============================================================================================================
# Branches
# =============================================================================================================
def _bx_setup(f: F, rng: random.Random) -> Setup:
    return {} if f.m == PC else {f.m: branch_target(rng)}


def _tb_setup(f: F, rng: random.Random) -> Setup:
    if f.n == f.m:  # table address Rn + Rm (TBB) or Rn + 2*Rm (TBH)
        return {f.n: ptr(rng) // (3 if f.H else 2)}
    return {**({} if f.n == PC else {f.n: ptr(rng)}), f.m: rng.randrange(0x400)}


A32_BRANCH = [
    Form("b", "cccc 1010 iiiiiiiiiiiiiiiiiiiiiiii"),
    Form("bl", "cccc 1011 iiiiiiiiiiiiiiiiiiiiiiii"),
    Form("blx_imm", "1111 101 H iiiiiiiiiiiiiiiiiiiiiiii"),
    Form("bx", "cccc 0001 0010 1111 1111 1111 0001 mmmm", setup=_bx_setup),
    Form("blx_reg", "cccc 0001 0010 1111 1111 1111 0011 mmmm", lambda f: f.m != PC, _bx_setup),  # m == 15 UNPRED
]
T32_BRANCH = [
    # B<c> (T1/T3) and CBZ/CBNZ are UNPREDICTABLE inside IT blocks; other branches only as the last instruction
    Form("b_t1", "1101 cccc iiiiiiii", lambda f: f.c < 14 and not f.it),  # 1110 UDF, 1111 SVC
    Form("b_t2", "11100 iiiiiiiiiii", lambda f: f.it != 1),
    Form("b_t3", "11110 S cccc jjjjjj 10 J 0 K iiiiiiiiiii", lambda f: f.c < 14 and not f.it),  # 111x: other
    Form("b_t4", "11110 S jjjjjjjjjj 10 J 1 K iiiiiiiiiii", lambda f: f.it != 1),
    Form("bl", "11110 S jjjjjjjjjj 11 J 1 K iiiiiiiiiii", lambda f: f.it != 1),
    Form("blx_imm", "11110 S jjjjjjjjjj 11 J 0 K iiiiiiiiii 0", lambda f: f.it != 1),  # H == 1 UNDEFINED
    Form("bx", "010001110 mmmm 000", lambda f: f.it != 1, _bx_setup),
    Form("blx_reg", "010001111 mmmm 000", lambda f: f.it != 1 and f.m != PC, _bx_setup),  # m == 15 UNPRED
    Form("cbz", "1011 o 0 i 1 iiiii nnn", lambda f: not f.it),
    # TBB/TBH: n == 13 || m IN {13,15} UNPREDICTABLE
    Form(
        "tbb_tbh",
        "111010001101 nnnn 11110000000 H mmmm",
        lambda f: f.it != 1 and f.n != SP and f.m not in SP_PC,
        _tb_setup,
    ),  # fmt: skip
]


# =============================================================================================================
# Exclusives: LDREX/STREX pairs (same size, same address), CLREX then STREX, a second STREX after success
# =============================================================================================================
def _excl_setup(size: int) -> Callable[[F, random.Random], Setup]:
    return lambda f, rng: {f.n: ptr(rng, size, f.get("i") * 4)}


A32_LDREX = {  # size -> (LDREX form, STREX form)
    4: (Form("ldrex", "cccc 0001 1001 nnnn tttt 1111 1001 1111", lambda f: PC not in (f.t, f.n)),
        Form("strex", "cccc 0001 1000 nnnn dddd 1111 1001 tttt",
             lambda f: PC not in (f.d, f.t, f.n) and f.d not in (f.n, f.t))),
    1: (Form("ldrexb", "cccc 0001 1101 nnnn tttt 1111 1001 1111", lambda f: PC not in (f.t, f.n)),
        Form("strexb", "cccc 0001 1100 nnnn dddd 1111 1001 tttt",
             lambda f: PC not in (f.d, f.t, f.n) and f.d not in (f.n, f.t))),
    2: (Form("ldrexh", "cccc 0001 1111 nnnn tttt 1111 1001 1111", lambda f: PC not in (f.t, f.n)),
        Form("strexh", "cccc 0001 1110 nnnn dddd 1111 1001 tttt",
             lambda f: PC not in (f.d, f.t, f.n) and f.d not in (f.n, f.t))),
    # D: Rt odd or Rt == 14 UNPREDICTABLE; STREXD d == t2 too
    8: (Form("ldrexd", "cccc 0001 1011 nnnn tttt 1111 1001 1111", lambda f: not f.t & 1 and f.t != LR and f.n != PC),
        Form("strexd", "cccc 0001 1010 nnnn dddd 1111 1001 tttt",
             lambda f: not f.t & 1 and f.t != LR and PC not in (f.d, f.n) and f.d not in (f.n, f.t, f.t + 1))),
}  # fmt: skip


def _t_strex_ok(f: F) -> bool:
    regs = (f.d, f.t, f.get("u", f.t))
    return not set(regs) & {SP, PC} and f.n != PC and f.d not in (f.n, f.t, f.get("u", f.t))


def _t_ldrex_ok(f: F) -> bool:
    return f.t not in SP_PC and f.get("u", 0) not in SP_PC and f.n != PC and ("u" not in f.__dict__ or f.t != f.u)


T32_LDREX = {
    4: (
        Form("ldrex", "111010000101 nnnn tttt 1111 iiiiiiii", _t_ldrex_ok),
        Form("strex", "111010000100 nnnn tttt dddd iiiiiiii", _t_strex_ok),
    ),
    1: (
        Form("ldrexb", "111010001101 nnnn tttt 1111 0100 1111", _t_ldrex_ok),
        Form("strexb", "111010001100 nnnn tttt 1111 0100 dddd", _t_strex_ok),
    ),
    2: (
        Form("ldrexh", "111010001101 nnnn tttt 1111 0101 1111", _t_ldrex_ok),
        Form("strexh", "111010001100 nnnn tttt 1111 0101 dddd", _t_strex_ok),
    ),
    8: (
        Form("ldrexd", "111010001101 nnnn tttt uuuu 0111 1111", _t_ldrex_ok),
        Form("strexd", "111010001100 nnnn tttt uuuu 0111 dddd", _t_strex_ok),
    ),
}
CLREX = {False: Form("clrex", "1111 0101 0111 1111 1111 0000 0001 1111"),
         True: Form("clrex", "1111 0011 1011 1111 1000 1111 0010 1111")}  # fmt: skip


# =============================================================================================================
# Multiplies (incl. DSP), saturating, parallel add/sub, SEL, extends, bitfield, reverse
# A32: any named register == 15 is UNPREDICTABLE (Ra == 1111 selects the non-accumulating form where noted);
# T32: any register IN {13,15} is UNPREDICTABLE.  64-bit results: RdHi == RdLo UNPREDICTABLE.
# =============================================================================================================
def _regs_ok(thumb: bool, *names: str, acc_sel: bool = False) -> Callable[[F], bool]:
    bad = SP_PC if thumb else (PC,)

    def ok(f: F) -> bool:
        for k in names:
            r = getattr(f, k)
            if k == "a" and acc_sel and r == PC:
                continue  # Ra == 1111: the non-accumulating encoding
            if k == "n" and acc_sel and r == PC and "a" not in names:
                continue  # extends: Rn == 1111 selects SXTB & co
            if r in bad:
                return False
        if "h" in names and f.h == f.l:
            return False  # RdHi == RdLo UNPREDICTABLE
        return True

    return ok


def _and(*preds: Callable[[F], bool]) -> Callable[[F], bool]:
    return lambda f: all(p(f) for p in preds)


A32_MUL = [
    Form("mul", "cccc 0000 000S dddd 0000 mmmm 1001 nnnn", _regs_ok(False, "d", "n", "m")),
    Form("mla", "cccc 0000 001S dddd aaaa mmmm 1001 nnnn", _regs_ok(False, "d", "n", "m", "a")),
    Form("umaal", "cccc 0000 0100 hhhh llll mmmm 1001 nnnn", _regs_ok(False, "h", "l", "n", "m")),
    Form("mls", "cccc 0000 0110 dddd aaaa mmmm 1001 nnnn", _regs_ok(False, "d", "n", "m", "a")),
    Form("mull", "cccc 0000 1 oo S hhhh llll mmmm 1001 nnnn", _regs_ok(False, "h", "l", "n", "m")),
    Form("smlaxy", "cccc 0001 0000 dddd aaaa mmmm 1 y x 0 nnnn", _regs_ok(False, "d", "n", "m", "a")),
    Form("smlawy", "cccc 0001 0010 dddd aaaa mmmm 1 y 0 0 nnnn", _regs_ok(False, "d", "n", "m", "a")),
    Form("smulwy", "cccc 0001 0010 dddd 0000 mmmm 1 y 1 0 nnnn", _regs_ok(False, "d", "n", "m")),
    Form("smlalxy", "cccc 0001 0100 hhhh llll mmmm 1 y x 0 nnnn", _regs_ok(False, "h", "l", "n", "m")),
    Form("smulxy", "cccc 0001 0110 dddd 0000 mmmm 1 y x 0 nnnn", _regs_ok(False, "d", "n", "m")),
    Form(
        "smlad_smlsd", "cccc 0111 0000 dddd aaaa mmmm 0 o X 1 nnnn", _regs_ok(False, "d", "n", "m", "a", acc_sel=True)
    ),
    Form("smlald_smlsld", "cccc 0111 0100 hhhh llll mmmm 0 o X 1 nnnn", _regs_ok(False, "h", "l", "n", "m")),
    Form("smmla", "cccc 0111 0101 dddd aaaa mmmm 00 R 1 nnnn", _regs_ok(False, "d", "n", "m", "a", acc_sel=True)),
    Form("smmls", "cccc 0111 0101 dddd aaaa mmmm 11 R 1 nnnn", _regs_ok(False, "d", "n", "m", "a")),
    Form("sdiv_udiv", "cccc 0111 0 o 0 1 dddd 1111 mmmm 0001 nnnn", _regs_ok(False, "d", "n", "m")),
]
T32_MUL = [
    Form("muls16", "0100001101 nnn ddd"),
    Form("mla_mul", "111110110000 nnnn aaaa dddd 0000 mmmm", _regs_ok(True, "d", "n", "m", "a", acc_sel=True)),
    Form("mls", "111110110000 nnnn aaaa dddd 0001 mmmm", _regs_ok(True, "d", "n", "m", "a")),
    Form("smlaxy", "111110110001 nnnn aaaa dddd 00 x y mmmm", _regs_ok(True, "d", "n", "m", "a", acc_sel=True)),
    Form("smlad", "111110110010 nnnn aaaa dddd 000 X mmmm", _regs_ok(True, "d", "n", "m", "a", acc_sel=True)),
    Form("smlawy", "111110110011 nnnn aaaa dddd 000 y mmmm", _regs_ok(True, "d", "n", "m", "a", acc_sel=True)),
    Form("smlsd", "111110110100 nnnn aaaa dddd 000 X mmmm", _regs_ok(True, "d", "n", "m", "a", acc_sel=True)),
    Form("smmla", "111110110101 nnnn aaaa dddd 000 R mmmm", _regs_ok(True, "d", "n", "m", "a", acc_sel=True)),
    Form("smmls", "111110110110 nnnn aaaa dddd 000 R mmmm", _regs_ok(True, "d", "n", "m", "a")),
    Form("smull_umull", "11111011 1 o 0 0 nnnn llll hhhh 0000 mmmm", _regs_ok(True, "h", "l", "n", "m")),
    Form("sdiv_udiv", "11111011 10 o 1 nnnn 1111 dddd 1111 mmmm", _regs_ok(True, "d", "n", "m")),
    Form("smlal_umlal", "11111011 1 1 o 0 nnnn llll hhhh 0000 mmmm", _regs_ok(True, "h", "l", "n", "m")),
    Form("smlalxy", "111110111100 nnnn llll hhhh 10 x y mmmm", _regs_ok(True, "h", "l", "n", "m")),
    Form("smlald_smlsld", "11111011110 o nnnn llll hhhh 110 X mmmm", _regs_ok(True, "h", "l", "n", "m")),
    Form("umaal", "111110111110 nnnn llll hhhh 0110 mmmm", _regs_ok(True, "h", "l", "n", "m")),
]

PAR_OP1_A32 = (1, 2, 3, 5, 6, 7)  # S Q SH U UQ UH
PAR_OP2_A32 = (0, 1, 2, 3, 4, 7)  # ADD16 ASX SAX SUB16 ADD8 SUB8
PAR_OP1_T32 = (0, 1, 2, 4, 5, 6)  # ADD8 ADD16 ASX SUB8 SUB16 SAX
PAR_OP2_T32 = (0, 1, 2, 4, 5, 6)  # S Q SH U UQ UH

A32_SAT = [
    Form("qaddsub", "cccc 0001 0 oo 0 nnnn dddd 0000 0101 mmmm", _regs_ok(False, "d", "n", "m")),
    Form("ssat_usat", "cccc 0110 1 U 1 sssss dddd iiiii y 01 nnnn", _regs_ok(False, "d", "n")),
    Form("ssat16_usat16", "cccc 0110 1 U 10 ssss dddd 1111 0011 nnnn", _regs_ok(False, "d", "n")),
]
T32_SAT = [
    Form("qaddsub", "111110101000 nnnn 1111 dddd 10 oo mmmm", _regs_ok(True, "d", "n", "m")),
    # sh == 1 with imm3:imm2 == 0 is SSAT16/USAT16
    Form("ssat_usat", "11110 0 11 U 0 y 0 nnnn 0 iii dddd ii 0 sssss",
         _and(_regs_ok(True, "d", "n"), lambda f: not (f.y and f.i == 0))),
    Form("ssat16_usat16", "11110 0 11 U 0 1 0 nnnn 0000 dddd 00 00 ssss", _regs_ok(True, "d", "n")),
]  # fmt: skip
A32_PAR = [
    Form("parallel", "cccc 01100 ooo nnnn dddd 1111 ppp 1 mmmm",
         _and(_regs_ok(False, "d", "n", "m"), lambda f: f.o in PAR_OP1_A32 and f.p in PAR_OP2_A32), weight=4),
    Form("sel", "cccc 01101000 nnnn dddd 1111 1011 mmmm", _regs_ok(False, "d", "n", "m")),
    Form("usad8", "cccc 01111000 dddd aaaa mmmm 0001 nnnn", _regs_ok(False, "d", "n", "m", "a", acc_sel=True)),
]  # fmt: skip
T32_PAR = [
    Form("parallel", "111110101 ooo nnnn 1111 dddd 0 ppp mmmm",
         _and(_regs_ok(True, "d", "n", "m"), lambda f: f.o in PAR_OP1_T32 and f.p in PAR_OP2_T32), weight=4),
    Form("sel", "111110101010 nnnn 1111 dddd 1000 mmmm", _regs_ok(True, "d", "n", "m")),
    Form("usad8", "111110110111 nnnn aaaa dddd 0000 mmmm", _regs_ok(True, "d", "n", "m", "a", acc_sel=True)),
]  # fmt: skip
A32_EXT = [
    Form("extend", "cccc 01101 ooo nnnn dddd rr 00 0111 mmmm",
         _and(_regs_ok(False, "d", "m", "n", acc_sel=True), lambda f: f.o in (0, 2, 3, 4, 6, 7))),
    Form("pkh", "cccc 01101000 nnnn dddd iiiii T 01 mmmm", _regs_ok(False, "d", "n", "m")),
]  # fmt: skip
T32_EXT = [
    Form("extend16", "10110010 oo mmm ddd"),
    Form("extend32", "111110100 ooo nnnn 1111 dddd 10 rr mmmm",
         _and(_regs_ok(True, "d", "m", "n", acc_sel=True), lambda f: f.o < 6)),
    Form("pkh", "111010101100 nnnn 0 iii dddd ii T 0 mmmm", _regs_ok(True, "d", "n", "m")),
]  # fmt: skip


def _bfx_ok(f: F) -> bool:
    return f.l + f.w <= 31  # lsb + widthminus1 > 31 UNPREDICTABLE


def _bfi_ok(f: F) -> bool:
    return f.w >= f.l  # msb < lsb UNPREDICTABLE


A32_BITFIELD = [
    Form("sbfx_ubfx", "cccc 0111 1 U 1 wwwww dddd lllll 101 nnnn", _and(_regs_ok(False, "d", "n"), _bfx_ok)),
    # Rn == 1111 is BFC
    Form("bfi_bfc", "cccc 0111 110 wwwww dddd lllll 001 nnnn", _and(lambda f: f.d != PC, _bfi_ok)),
]
T32_BITFIELD = [
    Form("sbfx_ubfx", "11110 0 11 U 100 nnnn 0 lll dddd ll 0 wwwww", _and(_regs_ok(True, "d", "n"), _bfx_ok)),
    Form("bfi_bfc", "11110 0 11 0110 nnnn 0 lll dddd ll 0 wwwww",
         _and(lambda f: f.d not in SP_PC and f.n != SP, _bfi_ok)),  # Rn == 1111 is BFC
]  # fmt: skip
A32_REV = [
    Form("rev_rev16", "cccc 0110 1011 1111 dddd 1111 o 011 mmmm", _regs_ok(False, "d", "m")),
    Form("rbit_revsh", "cccc 0110 1111 1111 dddd 1111 o 011 mmmm", _regs_ok(False, "d", "m")),
    Form("clz", "cccc 0001 0110 1111 dddd 1111 0001 mmmm", _regs_ok(False, "d", "m")),
]
# T32 REV & co encode Rm twice; the two fields must match (UNPREDICTABLE otherwise)
T32_REV = [
    Form("rev_16", "1011101000 mmm ddd"),
    Form("rev16_16", "1011101001 mmm ddd"),
    Form("revsh_16", "1011101011 mmm ddd"),
    Form("rev_rbit", "111110101001 mmmm 1111 dddd 10 oo MMMM", _and(_regs_ok(True, "d", "m"), lambda f: f.m == f.M)),
    Form("clz", "111110101011 mmmm 1111 dddd 1000 MMMM", _and(_regs_ok(True, "d", "m"), lambda f: f.m == f.M)),
]


# =============================================================================================================
# VFP (VFPv4, scalar): the A32 diagrams "cccc 1110 ..." / "cccc 110x ..."; T32 has 111x in place of cond
# =============================================================================================================
def _vfp(name: str, pattern: str, ok: Callable[[F], bool] = lambda f: True, weight: int = 1,
         setup: Callable[[F, random.Random], Setup] | None = None) -> tuple[Form, Form]:  # fmt: skip
    """The A32 and T32 forms of one VFP diagram (given without its cond field; T32 puts 1110 there)."""
    return (Form(name, "cccc " + pattern, ok, setup, weight=weight),
            Form(name, "1110 " + pattern, ok, setup, weight=weight))  # fmt: skip


def _fixed_ok(f: F) -> bool:
    """VCVT (fixed point): frac_bits = size - imm4:i must not be negative (UNPREDICTABLE)."""
    return (16 if f.x == 0 else 32) - (f.m << 1 | f.i) >= 0


# ARMv8-only encodings inside these diagrams are excluded by fixing their bits (VCVTB/T with sz=1, VSEL...)
VFP_ARITH = [
    _vfp("vmla_vmls", "11100 D 00 nnnn dddd 101 s N o M 0 mmmm"),
    _vfp("vnmla_vnmls", "11100 D 01 nnnn dddd 101 s N o M 0 mmmm"),
    _vfp("vmul_vnmul", "11100 D 10 nnnn dddd 101 s N o M 0 mmmm"),
    _vfp("vadd_vsub", "11100 D 11 nnnn dddd 101 s N o M 0 mmmm", weight=2),
    _vfp("vdiv", "11101 D 00 nnnn dddd 101 s N 0 M 0 mmmm"),
    _vfp("vfnma_vfnms", "11101 D 01 nnnn dddd 101 s N o M 0 mmmm"),
    _vfp("vfma_vfms", "11101 D 10 nnnn dddd 101 s N o M 0 mmmm"),
    _vfp("vmov_vabs", "11101 D 11 0000 dddd 101 s o 1 M 0 mmmm"),
    _vfp("vneg_vsqrt", "11101 D 11 0001 dddd 101 s o 1 M 0 mmmm"),
    _vfp("vmov_imm", "11101 D 11 iiii dddd 101 s 0 0 0 0 jjjj"),  # bits 7 and 5 are (0)
]
VFP_CVT = [
    _vfp("vcvtb_vcvtt", "11101 D 11 001 o dddd 101 0 T 1 M 0 mmmm"),  # sz=1 (double <-> half) is ARMv8
    _vfp("vcvt_f64_f32", "11101 D 11 0111 dddd 101 s 1 1 M 0 mmmm"),
    _vfp("vcvt_to_float", "11101 D 11 1000 dddd 101 s o 1 M 0 mmmm"),
    _vfp("vcvt_to_int", "11101 D 11 110 u dddd 101 s o 1 M 0 mmmm", weight=2),
    _vfp("vcvt_fixed", "11101 D 11 1 o 1 u dddd 101 s x 1 i 0 mmmm", _fixed_ok, weight=2),
]
VFP_CMP = [
    _vfp("vcmp", "11101 D 11 0100 dddd 101 s E 1 M 0 mmmm"),
    _vfp("vcmp_zero", "11101 D 11 0101 dddd 101 s E 1 0 0 0000"),  # bits 5, 3:0 are (0)
]
VMRS_NZCV = _vfp("vmrs_apsr", "1110 1111 0001 1111 1010 0001 0000")
VFP_XFER = [
    # Rt == PC is UNPREDICTABLE for the core <-> single transfers (SP too in T32)
    _vfp("vmov_core_s", "1110 000 o nnnn tttt 1010 N 001 0000", lambda f: f.t != PC and f.t != SP),
    # two core registers <-> a double or two singles: Rt, Rt2 != PC (and SP in T32), distinct when loading;
    # two singles need Vm:M != 31
    _vfp("vmov_core_d", "1100 010 o uuuu tttt 1011 00 M 1 mmmm",
         lambda f: f.t not in SP_PC and f.u not in SP_PC and not (f.o and f.t == f.u)),
    _vfp("vmov_core_ss", "1100 010 o uuuu tttt 1010 00 M 1 mmmm",
         lambda f: f.t not in SP_PC and f.u not in SP_PC and not (f.o and f.t == f.u) and (f.m << 1 | f.M) != 31),
    # scalar lanes: opc1:opc2 = 0x10 is UNDEFINED, and so is U=1 with a 32-bit lane; Rt != PC (SP in T32)
    _vfp("vmov_to_scalar", "1110 0 pp 0 nnnn tttt 1011 N qq 1 0000",
         lambda f: f.t not in SP_PC and not (f.p < 2 and f.q == 2)),
    _vfp("vmov_from_scalar", "1110 U pp 1 nnnn tttt 1011 N qq 1 0000",
         lambda f: f.t not in SP_PC and not (f.p < 2 and (f.q == 2 or (f.q == 0 and f.U)))),
    _vfp("vmrs", "1110 1111 0001 tttt 1010 0001 0000", lambda f: f.t not in SP_PC),  # 1111 = APSR_nzcv, kept
]  # fmt: skip


VFP_XFER += [
    # FPSCR.Len/Stride (bits 21:16): a Cortex-A15 has no short vectors; ARM calls non-zero values UNPREDICTABLE
    # for VFP data processing and Unicorn keeps them, so the value written leaves them zero
    _vfp("vmsr", "1110 1110 0001 tttt 1010 0001 0000", lambda f: f.t not in SP_PC,
         setup=lambda f, rng: {f.t: rng.getrandbits(32) & ~0x003F0000}),
]  # fmt: skip


def _vldm_ok(f: F) -> bool:
    """VLDM/VSTM: P:U:W = 010/011 (IA) or 101 (DB) (P=U is VLDR or UNDEFINED); 1..16 doubles (imm8 even: odd is
    FLDMX) or 1..32 singles not running past the last register; Rn = PC with writeback, or in T32, is UNPREDICTABLE:
    PC is left out."""
    regs = f.i // 2 if f.s else f.i
    first = (f.D << 4 | f.d) if f.s else (f.d << 1 | f.D)
    return ((f.P, f.U) in ((0, 1), (1, 0)) and not (f.P and not f.W) and f.n != PC and regs > 0
            and not (f.s and (f.i & 1 or regs > 16)) and first + regs <= 32)  # fmt: skip


def _ptr8(f: F, rng: random.Random) -> Setup:
    return {f.n: ptr(rng, 8)}


VFP_LDST = [
    _vfp("vldr_vstr", "1101 U D 0 L nnnn dddd 101 s iiiiiiii", lambda f: f.n != PC or f.L, setup=_ptr8),
    _vfp("vldm_vstm", "110 P U D W L nnnn dddd 101 s iiiiiiii", _vldm_ok, setup=_ptr8),
]


def _vfp_pool(forms: list[tuple[Form, Form]], thumb: bool) -> list[Form]:
    return [pair[thumb] for pair in forms]


def gen_vfp_cmp(rng: random.Random, thumb: bool) -> Case:
    """VCMP/VCMPE alone, or followed by VMRS APSR_nzcv, FPSCR (the usual compare-and-branch idiom)."""
    form = rng.choice(_vfp_pool(VFP_CMP, thumb))
    v, f = form.draw(rng)
    items = [(form, v, f)]
    if rng.random() < 0.5:
        vm = VMRS_NZCV[thumb]
        items.append((vm, *vm.draw(rng, force={"c": f.get("c", AL)})))
    return _case(thumb, items, rng)


# =============================================================================================================
# IT blocks (T32) and conditional execution (A32)
# =============================================================================================================
IT = Form("it", "10111111 cccc mmmm",
          lambda f: f.m != 0 and f.c != 15 and (f.c != AL or bitcount(f.m) == 1))  # fmt: skip
# 1111 firstcond and AL with more than one instruction are UNPREDICTABLE
IT_POOL = T32_DP + T32_SHIFT + T32_CMP + T32_LDST + T32_LDM + T32_BRANCH + _vfp_pool(VFP_ARITH + VFP_CVT, True)


@dataclass
class Case:
    """A generated test: instructions (encoding, size in bytes) and the register values they need."""

    insns: list[tuple[int, int]]
    names: list[str]
    setup: Setup

    @property
    def code(self) -> bytes:
        out = b""
        for v, size in self.insns:
            out += v.to_bytes(4, "little") if size == 4 and not self.thumb else _t32_bytes(v, size)
        return out

    thumb: bool = False

    def describe(self) -> str:
        return "; ".join(f"{n} {v:0{2 * s}x}" for (v, s), n in zip(self.insns, self.names, strict=True))


def _t32_bytes(v: int, size: int) -> bytes:
    if size == 2:
        return v.to_bytes(2, "little")
    return (v >> 16).to_bytes(2, "little") + (v & 0xFFFF).to_bytes(2, "little")


def _single(forms: list[Form]) -> Callable[[random.Random, bool], Case]:
    weights = [f.weight for f in forms]

    def gen(rng: random.Random, thumb: bool) -> Case:
        while True:
            form = rng.choices(forms, weights)[0]
            got = form.draw(rng)
            if got:
                return _case(thumb, [(form, *got)], rng)

    return gen


def _case(thumb: bool, items: list[tuple[Form, int, F]], rng: random.Random) -> Case:
    setup: Setup = {}
    for form, _, f in items:
        if form.setup:
            for k, v in form.setup(f, rng).items():
                setup.setdefault(k, v)  # the first instruction's needs win
    return Case([(v, form.size) for form, v, _ in items], [form.name for form, _, _ in items], setup, thumb)


def gen_it_block(rng: random.Random, thumb: bool) -> Case:
    """IT followed by its 1-4 instructions (each drawn for its position: inside / last).

    One case in five stops early (the page ends inside the IT block), so ITSTATE at the block exit is compared."""
    assert thumb
    v, f = IT.draw(rng)
    n = 4 - (f.m & -f.m).bit_length() + 1
    items = [(IT, v, f)]
    placed = rng.randrange(n) if n > 1 and rng.random() < 0.2 else n
    for k in range(placed):
        pos = 2 if k == n - 1 else 1
        while True:
            form = rng.choice(IT_POOL)
            got = form.draw(rng, it=pos)
            if got:
                items.append((form, *got))
                break
    return _case(True, items, rng)


def gen_a32_cond(rng: random.Random, thumb: bool) -> Case:
    """One A32 instruction with a random condition other than AL."""
    assert not thumb
    while True:
        form = rng.choice(A32_DP + A32_SHIFT + A32_CMP + A32_LDST + A32_LDM + A32_BRANCH[:2] + A32_BRANCH[3:])
        got = form.draw(rng, force={"c": rng.randrange(14)})
        if got:
            return _case(False, [(form, *got)], rng)


def gen_exclusive(rng: random.Random, thumb: bool) -> Case:
    """LDREX;STREX (success) | LDREX;STREX;STREX (second fails) | CLREX;STREX (fails) | LDREX alone."""
    table = T32_LDREX if thumb else A32_LDREX
    size = rng.choice((1, 2, 4, 8))
    ld, st = table[size]
    shape = rng.choice(("pair", "pair2", "clrex", "load"))
    cond = {"c": AL if rng.random() < 0.6 else rng.randrange(14)}  # one cond for the whole sequence
    while True:
        got = ld.draw(rng, force=cond)
        if got and got[1].n not in (got[1].t, got[1].get("u", -1)):  # LDREX must not overwrite its base:
            break  # the STREX must use the same address (a different address is IMPLEMENTATION DEFINED)
    lv, lf = got
    share = {"n": lf.n, "i": lf.get("i"), **cond}
    items: list[tuple[Form, int, F]] = []
    if shape == "clrex":
        items.append((CLREX[thumb], CLREX[thumb].bits, F({}, 0)))
    else:
        items.append((ld, lv, lf))
    for _ in range({"pair": 1, "pair2": 2, "clrex": 1, "load": 0}[shape]):
        sv, sf = st.draw(rng, force=share)
        items.append((st, sv, sf))
    setup = {lf.n: ptr(rng, size, lf.get("i") * 4)}
    case = _case(thumb, items, rng)
    case.setup.update(setup)
    return case


def _writes_pc(form: Form, f: F) -> bool:
    """Could this (non-branch) instruction write PC and so end the block?  Errs on the side of yes."""
    if form.name in ("pop16", "ldm32"):
        return bool(f.get("R") or f.get("P"))  # POP {.., PC} / LDM.W {.., PC}
    if any(f.get(k) == PC for k in "dtuhl" if len(form.fields.get(k, ())) == 4):
        return True  # Rd/Rt/Rt2/RdHi/RdLo == PC
    return len(form.fields.get("r", ())) == 16 and bool(f.r >> 15)  # A32 LDM/POP with PC in the list


SEQ_POOL = {
    False: A32_DP
    + A32_SHIFT
    + A32_CMP
    + A32_LDST
    + A32_LDM
    + A32_MUL
    + A32_SAT
    + A32_PAR
    + A32_EXT
    + A32_BITFIELD
    + A32_REV
    + _vfp_pool(VFP_ARITH + VFP_CMP + [VMRS_NZCV], False),
    True: T32_DP
    + T32_SHIFT
    + T32_CMP
    + T32_LDST
    + T32_LDM
    + T32_MUL
    + T32_SAT
    + T32_PAR
    + T32_EXT
    + T32_BITFIELD
    + T32_REV
    + _vfp_pool(VFP_ARITH + VFP_CMP + [VMRS_NZCV], True),
}


def gen_sequence(rng: random.Random, thumb: bool) -> Case:
    """2-5 random instructions in one block (A32: each with its own condition); only the last may branch."""
    n = rng.randrange(2, 6)
    items = []
    for k in range(n):
        last = k == n - 1
        pool = SEQ_POOL[thumb] + ((T32_BRANCH if thumb else A32_BRANCH) if last and rng.random() < 0.3 else [])
        while True:
            form = rng.choice(pool)
            got = form.draw(rng)
            if got and (last or not _writes_pc(form, got[1])):
                items.append((form, *got))
                break
    return _case(thumb, items, rng)


# ---- the classes: name -> {mode: generator} -----------------------------------------------------------------
CLASSES: dict[str, dict[str, Callable[[random.Random, bool], Case]]] = {
    "dataproc": {"A32": _single(A32_DP), "T32": _single(T32_DP)},
    "shift": {"A32": _single(A32_SHIFT), "T32": _single(T32_SHIFT)},
    "compare": {"A32": _single(A32_CMP), "T32": _single(T32_CMP)},
    "loadstore": {"A32": _single(A32_LDST), "T32": _single(T32_LDST)},
    "ldm_stm": {"A32": _single(A32_LDM), "T32": _single(T32_LDM)},
    "branch": {"A32": _single(A32_BRANCH), "T32": _single(T32_BRANCH)},
    "exclusive": {"A32": gen_exclusive, "T32": gen_exclusive},
    "cond_it": {"A32": gen_a32_cond, "T32": gen_it_block},
    "sequence": {"A32": gen_sequence, "T32": gen_sequence},
    "multiply": {"A32": _single(A32_MUL), "T32": _single(T32_MUL)},
    "saturate": {"A32": _single(A32_SAT), "T32": _single(T32_SAT)},
    "parallel": {"A32": _single(A32_PAR), "T32": _single(T32_PAR)},
    "extend": {"A32": _single(A32_EXT), "T32": _single(T32_EXT)},
    "bitfield": {"A32": _single(A32_BITFIELD), "T32": _single(T32_BITFIELD)},
    "reverse": {"A32": _single(A32_REV), "T32": _single(T32_REV)},
    "vfp_arith": {"A32": _single(_vfp_pool(VFP_ARITH, False)), "T32": _single(_vfp_pool(VFP_ARITH, True))},
    "vfp_cvt": {"A32": _single(_vfp_pool(VFP_CVT, False)), "T32": _single(_vfp_pool(VFP_CVT, True))},
    "vfp_cmp": {"A32": gen_vfp_cmp, "T32": gen_vfp_cmp},
    "vfp_ldst": {"A32": _single(_vfp_pool(VFP_LDST, False)), "T32": _single(_vfp_pool(VFP_LDST, True))},
    "vfp_xfer": {"A32": _single(_vfp_pool(VFP_XFER, False)), "T32": _single(_vfp_pool(VFP_XFER, True))},
}


from . import enc_neon, enc_neon_fp, enc_neon_int, enc_neon_perm  # noqa: E402 - they build on the forms above

for _family in (enc_neon, enc_neon_int, enc_neon_perm, enc_neon_fp):
    CLASSES.update(_family.CLASSES)


def generate(cls: str, mode: str, rng: random.Random) -> Case:
    return CLASSES[cls][mode](rng, mode == "T32")


CASE_CLASSES = list(CLASSES)
