"""Smoke test of the multiply and media lift functions against Unicorn.

Each instruction is encoded from a base word (all register and immediate fields zero) with random
register numbers and immediates, in A32 and T32 (and 16-bit T32 where one exists).  Each encoding runs from
several random states through translate -> Interpreter and through Unicorn (Cortex-A15); r0-r15, NZCV, Q
and GE must agree.  The instruction sits at the end of the only mapped page, so the block is that one
instruction.
"""

from __future__ import annotations

import random

import pytest

unicorn = pytest.importorskip("unicorn")
from unicorn import arm_const as U  # noqa: E402

from jitemu.codegen.interp import Interpreter  # noqa: E402
from jitemu.ir import ExitKind  # noqa: E402
from jitemu.lift.translate import translate  # noqa: E402
from jitemu.memory import PROT_RWX, GuestMemory  # noqa: E402
from jitemu.state import CPUState, get_cpsr, set_cpsr  # noqa: E402

PAGE = 0x10000
ENCODINGS, STATES = 20, 8  # per instruction and encoding width: 160 cases each
FLAG_MASK = 0xF80F0000  # NZCVQ and GE

# ---- encoding formats: (role, bit position) or (role, pos of imm<4:2>, pos of imm<1:0>) ----------------
A32 = {
    "mul3": (("d", 16), ("m", 8), ("n", 0)),
    "mul4": (("d", 16), ("a", 12), ("m", 8), ("n", 0)),
    "long": (("hi", 16), ("lo", 12), ("m", 8), ("n", 0)),
    "dnm": (("n", 16), ("d", 12), ("m", 0)),
    "ext": (("d", 12), ("rot", 10), ("m", 0)),
    "exta": (("n", 16), ("d", 12), ("rot", 10), ("m", 0)),
    "pkh": (("n", 16), ("d", 12), ("imm5", 7), ("m", 0)),
    "rev": (("d", 12), ("m", 0)),
    "sat": (("sat5", 16), ("d", 12), ("imm5", 7), ("sh", 6), ("n", 0)),
    "sat16": (("sat4", 16), ("d", 12), ("n", 0)),
    "bfi": (("lsb", 7), ("msb", 16), ("d", 12), ("n", 0)),
    "bfc": (("lsb", 7), ("msb", 16), ("d", 12)),
    "bfx": (("lsb", 7), ("wm1", 16), ("d", 12), ("n", 0)),
}
T32 = {
    "mul3": (("n", 16), ("d", 8), ("m", 0)),
    "mul4": (("n", 16), ("a", 12), ("d", 8), ("m", 0)),
    "long": (("n", 16), ("lo", 12), ("hi", 8), ("m", 0)),
    "dnm": (("n", 16), ("d", 8), ("m", 0)),
    "ext": (("d", 8), ("rot", 4), ("m", 0)),
    "exta": (("n", 16), ("d", 8), ("rot", 4), ("m", 0)),
    "pkh": (("n", 16), ("imm5", 12, 6), ("d", 8), ("m", 0)),
    "rev": (("m", 16), ("d", 8), ("m", 0)),
    "sat": (("sh", 21), ("n", 16), ("imm5", 12, 6), ("d", 8), ("sat5", 0)),
    "sat16": (("n", 16), ("d", 8), ("sat4", 0)),
    "bfi": (("lsb", 12, 6), ("msb", 0), ("n", 16), ("d", 8)),
    "bfc": (("lsb", 12, 6), ("msb", 0), ("d", 8)),
    "bfx": (("lsb", 12, 6), ("wm1", 0), ("n", 16), ("d", 8)),
    # 16-bit encodings: low registers only (MULS Rdm, Rn, Rdm has one Rdm field)
    "t16_muls": (("ln", 3), ("ld", 0)),
    "t16_rev": (("lm", 3), ("ld", 0)),
}

# name: (A32 base, A32 format, T32 base, T32 format); None where the encoding does not exist
INSNS: dict[str, tuple[int | None, str | None, int | None, str | None]] = {
    # multiplies
    "mul": (0xE0000090, "mul3", 0xFB00F000, "mul3"), "muls": (0xE0100090, "mul3", None, None),
    "muls.n": (None, None, 0x4340, "t16_muls"),
    "mla": (0xE0200090, "mul4", 0xFB000000, "mul4"), "mlas": (0xE0300090, "mul4", None, None),
    "mls": (0xE0600090, "mul4", 0xFB000010, "mul4"),
    "umull": (0xE0800090, "long", 0xFBA00000, "long"), "umulls": (0xE0900090, "long", None, None),
    "umlal": (0xE0A00090, "long", 0xFBE00000, "long"), "umlals": (0xE0B00090, "long", None, None),
    "smull": (0xE0C00090, "long", 0xFB800000, "long"), "smulls": (0xE0D00090, "long", None, None),
    "smlal": (0xE0E00090, "long", 0xFBC00000, "long"), "smlals": (0xE0F00090, "long", None, None),
    "umaal": (0xE0400090, "long", 0xFBE00060, "long"),
    "smulbb": (0xE1600080, "mul3", 0xFB10F000, "mul3"), "smulbt": (0xE16000C0, "mul3", 0xFB10F010, "mul3"),
    "smultb": (0xE16000A0, "mul3", 0xFB10F020, "mul3"), "smultt": (0xE16000E0, "mul3", 0xFB10F030, "mul3"),
    "smlabb": (0xE1000080, "mul4", 0xFB100000, "mul4"), "smlabt": (0xE10000C0, "mul4", 0xFB100010, "mul4"),
    "smlatb": (0xE10000A0, "mul4", 0xFB100020, "mul4"), "smlatt": (0xE10000E0, "mul4", 0xFB100030, "mul4"),
    "smulwb": (0xE12000A0, "mul3", 0xFB30F000, "mul3"), "smulwt": (0xE12000E0, "mul3", 0xFB30F010, "mul3"),
    "smlawb": (0xE1200080, "mul4", 0xFB300000, "mul4"), "smlawt": (0xE12000C0, "mul4", 0xFB300010, "mul4"),
    "smlalbb": (0xE1400080, "long", 0xFBC00080, "long"), "smlalbt": (0xE14000C0, "long", 0xFBC00090, "long"),
    "smlaltb": (0xE14000A0, "long", 0xFBC000A0, "long"), "smlaltt": (0xE14000E0, "long", 0xFBC000B0, "long"),
    "smuad": (0xE700F010, "mul3", 0xFB20F000, "mul3"), "smuadx": (0xE700F030, "mul3", 0xFB20F010, "mul3"),
    "smusd": (0xE700F050, "mul3", 0xFB40F000, "mul3"), "smusdx": (0xE700F070, "mul3", 0xFB40F010, "mul3"),
    "smlad": (0xE7000010, "mul4", 0xFB200000, "mul4"), "smladx": (0xE7000030, "mul4", 0xFB200010, "mul4"),
    "smlsd": (0xE7000050, "mul4", 0xFB400000, "mul4"), "smlsdx": (0xE7000070, "mul4", 0xFB400010, "mul4"),
    "smlald": (0xE7400010, "long", 0xFBC000C0, "long"), "smlaldx": (0xE7400030, "long", 0xFBC000D0, "long"),
    "smlsld": (0xE7400050, "long", 0xFBD000C0, "long"), "smlsldx": (0xE7400070, "long", 0xFBD000D0, "long"),
    "smmul": (0xE750F010, "mul3", 0xFB50F000, "mul3"), "smmulr": (0xE750F030, "mul3", 0xFB50F010, "mul3"),
    "smmla": (0xE7500010, "mul4", 0xFB500000, "mul4"), "smmlar": (0xE7500030, "mul4", 0xFB500010, "mul4"),
    "smmls": (0xE75000D0, "mul4", 0xFB600000, "mul4"), "smmlsr": (0xE75000F0, "mul4", 0xFB600010, "mul4"),
    "sdiv": (0xE710F010, "mul3", 0xFB90F0F0, "mul3"), "udiv": (0xE730F010, "mul3", 0xFBB0F0F0, "mul3"),
    # saturating
    "qadd": (0xE1000050, "dnm", 0xFA80F080, "dnm"), "qsub": (0xE1200050, "dnm", 0xFA80F0A0, "dnm"),
    "qdadd": (0xE1400050, "dnm", 0xFA80F090, "dnm"), "qdsub": (0xE1600050, "dnm", 0xFA80F0B0, "dnm"),
    "ssat": (0xE6A00010, "sat", 0xF3000000, "sat"), "usat": (0xE6E00010, "sat", 0xF3800000, "sat"),
    "ssat16": (0xE6A00F30, "sat16", 0xF3200000, "sat16"), "usat16": (0xE6E00F30, "sat16", 0xF3A00000, "sat16"),
    # parallel add/subtract (filled in below), SEL, USAD8
    "sel": (0xE6800FB0, "dnm", 0xFAA0F080, "dnm"),
    "usad8": (0xE780F010, "mul3", 0xFB70F000, "mul3"), "usada8": (0xE7800010, "mul4", 0xFB700000, "mul4"),
    # extends
    "sxtb": (0xE6AF0070, "ext", 0xFA4FF080, "ext"), "sxth": (0xE6BF0070, "ext", 0xFA0FF080, "ext"),
    "uxtb": (0xE6EF0070, "ext", 0xFA5FF080, "ext"), "uxth": (0xE6FF0070, "ext", 0xFA1FF080, "ext"),
    "sxtb16": (0xE68F0070, "ext", 0xFA2FF080, "ext"), "uxtb16": (0xE6CF0070, "ext", 0xFA3FF080, "ext"),
    "sxtab": (0xE6A00070, "exta", 0xFA40F080, "exta"), "sxtah": (0xE6B00070, "exta", 0xFA00F080, "exta"),
    "uxtab": (0xE6E00070, "exta", 0xFA50F080, "exta"), "uxtah": (0xE6F00070, "exta", 0xFA10F080, "exta"),
    "sxtab16": (0xE6800070, "exta", 0xFA20F080, "exta"), "uxtab16": (0xE6C00070, "exta", 0xFA30F080, "exta"),
    "sxtb.n": (None, None, 0xB240, "t16_rev"), "sxth.n": (None, None, 0xB200, "t16_rev"),
    "uxtb.n": (None, None, 0xB2C0, "t16_rev"), "uxth.n": (None, None, 0xB280, "t16_rev"),
    # bit fields, reverses, packs
    "bfi": (0xE7C00010, "bfi", 0xF3600000, "bfi"), "bfc": (0xE7C0001F, "bfc", 0xF36F0000, "bfc"),
    "ubfx": (0xE7E00050, "bfx", 0xF3C00000, "bfx"), "sbfx": (0xE7A00050, "bfx", 0xF3400000, "bfx"),
    "rbit": (0xE6FF0F30, "rev", 0xFA90F0A0, "rev"), "rev": (0xE6BF0F30, "rev", 0xFA90F080, "rev"),
    "rev16": (0xE6BF0FB0, "rev", 0xFA90F090, "rev"), "revsh": (0xE6FF0FB0, "rev", 0xFA90F0B0, "rev"),
    "rev.n": (None, None, 0xBA00, "t16_rev"), "rev16.n": (None, None, 0xBA40, "t16_rev"),
    "revsh.n": (None, None, 0xBAC0, "t16_rev"),
    "pkhbt": (0xE6800010, "pkh", 0xEAC00000, "pkh"), "pkhtb": (0xE6800050, "pkh", 0xEAC00020, "pkh"),
}  # fmt: skip

# parallel add/subtract: A32 cond 0110 0 op1 Rn Rd 1111 op2 1 Rm; T32 FA8x-FAEx with op in hw1, kind in hw2
_PAR_A32_KIND = {"s": 1, "q": 2, "sh": 3, "u": 5, "uq": 6, "uh": 7}
_PAR_A32_OP = {"add16": 0, "asx": 1, "sax": 2, "sub16": 3, "add8": 4, "sub8": 7}
_PAR_T32_KIND = {"s": 0, "q": 1, "sh": 2, "u": 4, "uq": 5, "uh": 6}
_PAR_T32_OP = {"add16": 1, "asx": 2, "sax": 6, "sub16": 5, "add8": 0, "sub8": 4}
for _k in _PAR_A32_KIND:
    for _o in _PAR_A32_OP:
        INSNS[_k + _o] = (
            0xE6000F10 | _PAR_A32_KIND[_k] << 20 | _PAR_A32_OP[_o] << 5,
            "dnm",
            0xFA80F000 | _PAR_T32_OP[_o] << 20 | _PAR_T32_KIND[_k] << 4,
            "dnm",
        )

UC_REGS = [getattr(U, f"UC_ARM_REG_R{i}") for i in range(13)] + [U.UC_ARM_REG_SP, U.UC_ARM_REG_LR, U.UC_ARM_REG_PC]
REGS = [*range(13), 14]  # SP and PC as operands are UNPREDICTABLE in most of these encodings
EDGE = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF]
EDGE_LANES = [0, 1, 0x7F, 0x80, 0xFF]


def _value(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.25:
        return rng.choice(EDGE)
    if r < 0.45:  # bytes or halfwords at lane edges, for the parallel and saturating ops
        if rng.random() < 0.5:
            return int.from_bytes(
                bytes(rng.choice(EDGE_LANES) if rng.random() < 0.7 else rng.getrandbits(8) for _ in range(4))
            )
        return sum(rng.choice((0, 0x7FFF, 0x8000, 0xFFFF, 1, rng.getrandbits(16))) << s for s in (0, 16))
    if r < 0.55:  # small signed values
        return rng.randint(-300, 300) & 0xFFFFFFFF
    return rng.getrandbits(32)


def _encode(base: int, fields: tuple, rng: random.Random, thumb: bool) -> int:
    """Fill the fields of ``base`` with random registers / immediates respecting the encoding's constraints."""
    vals: dict[str, int] = {}
    word = base
    for f in fields:
        role = f[0]
        if role not in vals:
            if role in ("ld", "lm", "ln"):
                v = rng.randrange(8)
            elif role == "hi":
                v = rng.choice([r for r in REGS if r != vals.get("lo")])
            elif role == "lo":
                v = rng.choice([r for r in REGS if r != vals.get("hi")])
            elif role in ("d", "n", "m", "a"):
                v = rng.choice(REGS)
            elif role == "rot":
                v = rng.randrange(4)
            elif role == "sh":
                v = rng.randrange(2)
            elif role in ("imm5", "sat5", "lsb"):
                v = rng.randrange(32)
            elif role == "sat4":
                v = rng.randrange(16)
            elif role == "msb":
                v = rng.randint(vals["lsb"], 31)
            elif role == "wm1":
                v = rng.randint(0, 31 - vals["lsb"])
            else:
                raise AssertionError(role)
            vals[role] = v
        v = vals[role]
        if len(f) == 3:  # T32 imm3:imm2
            word |= (v >> 2) << f[1] | (v & 3) << f[2]
        else:
            word |= v << f[1]
    if thumb and "sh" in vals and vals["sh"] and not vals["imm5"]:
        return _encode(base, fields, rng, thumb)  # sh=1, imm=0 is SSAT16/USAT16, not SSAT/USAT ASR #0
    return word


def _code_bytes(word: int, thumb: bool, t16: bool) -> bytes:
    if not thumb:
        return word.to_bytes(4, "little")
    if t16:
        return word.to_bytes(2, "little")
    return (word >> 16).to_bytes(2, "little") + (word & 0xFFFF).to_bytes(2, "little")


class Harness:
    """One GuestMemory + CPUState + Interpreter and one Unicorn per instruction set."""

    def __init__(self) -> None:
        self.mem = GuestMemory()
        self.mem.map(PAGE, 0x1000, PROT_RWX)
        self.state = CPUState()
        self.interp = Interpreter(self.mem, self.state)
        self.ucs = {}
        for thumb in (False, True):
            uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB if thumb else unicorn.UC_MODE_ARM)
            if hasattr(uc, "ctl_set_cpu_model") and hasattr(U, "UC_CPU_ARM_CORTEX_A15"):
                uc.ctl_set_cpu_model(U.UC_CPU_ARM_CORTEX_A15)
            uc.mem_map(PAGE, 0x1000, unicorn.UC_PROT_ALL)
            self.ucs[thumb] = uc

    def check(self, name: str, code: bytes, thumb: bool, rng: random.Random) -> None:
        addr = PAGE + 0x1000 - len(code)
        self.mem.write_raw(addr, code)
        block = translate(self.mem, addr, thumb)
        pb = self.interp.prepare(block)
        uc = self.ucs[thumb]
        uc.mem_write(addr, code)
        s = self.state
        for _ in range(STATES):
            regs = [_value(rng) for _ in range(15)]
            cpsr = rng.getrandbits(5) << 27 | rng.getrandbits(4) << 16
            # jitemu
            for i, v in enumerate(regs):
                s.r[i] = v
            s.r[15] = addr
            set_cpsr(s, cpsr | 0x10 | thumb << 5)
            ex = self.interp.run(pb)
            assert ex.kind == ExitKind.GOTO, f"{name} {code.hex()}: exit {ex.kind.name}\n{block.format()}"
            got = [s.r[i] for i in range(15)] + [ex.pcword & ~1]
            got_flags = get_cpsr(s) & FLAG_MASK
            # unicorn
            uc.reg_write(U.UC_ARM_REG_CPSR, cpsr | 0x10 | thumb << 5)  # first: a mode change banks SP, LR
            for r, v in zip(UC_REGS, regs, strict=False):
                uc.reg_write(r, v)
            uc.emu_start(addr | thumb, addr + len(code), count=1)
            want = [uc.reg_read(r) for r in UC_REGS]
            want_flags = uc.reg_read(U.UC_ARM_REG_CPSR) & FLAG_MASK
            if got != want or got_flags != want_flags:
                diff = [f"r{i}: {got[i]:#x} != {want[i]:#x}" for i in range(16) if got[i] != want[i]]
                if got_flags != want_flags:
                    diff.append(f"flags {got_flags:#010x} != {want_flags:#010x}")
                inputs = " ".join(f"r{i}={v:#x}" for i, v in enumerate(regs))
                pytest.fail(
                    f"{name} {'T32' if thumb else 'A32'} {code.hex()}: {'; '.join(diff)}\n"
                    f"inputs: {inputs} cpsr={cpsr:#x}\n{block.format()}"
                )


@pytest.fixture(scope="module")
def harness() -> Harness:
    return Harness()


@pytest.mark.parametrize("name", sorted(INSNS))
def test_against_unicorn(harness: Harness, name: str) -> None:
    rng = random.Random(name)
    a32_base, a32_fmt, t32_base, t32_fmt = INSNS[name]
    for thumb, base, fmt in ((False, a32_base, a32_fmt), (True, t32_base, t32_fmt)):
        if base is None:
            continue
        table = T32 if thumb else A32
        t16 = fmt.startswith("t16")
        for _ in range(ENCODINGS):
            word = _encode(base, table[fmt], rng, thumb)
            if not thumb and rng.random() < 0.25:  # a condition now and then: the skipped path keeps Q/GE
                word = word & 0x0FFFFFFF | rng.randrange(14) << 28
            harness.check(name, _code_bytes(word, thumb, t16), thumb, rng)


@pytest.mark.parametrize(
    "word",
    [
        0xE00F0291,  # mul pc, r1, r2
        0xE7C21290 | 5 << 7,  # bfi r1, r0, with msb (2) < lsb (5)
        0xE7FF1050 | 5 << 7,  # ubfx r1, r0, #5, #32 (lsb + width > 32)
        0xE6EFF072,  # uxtb pc, r2
    ],
)
def test_unpredictable_forms_are_undef(harness: Harness, word: int) -> None:
    """UNPREDICTABLE encodings we chose to treat as UNDEF (see the module docstrings)."""
    addr = PAGE + 0x1000 - 4
    harness.mem.write_raw(addr, word.to_bytes(4, "little"))
    block = translate(harness.mem, addr, False)
    assert harness.interp.run(harness.interp.prepare(block)).kind == ExitKind.UNDEF, block.format()
