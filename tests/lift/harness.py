"""Differential runner: one generated case through jitemu (translate + Interpreter) and Unicorn (Cortex-A15).

Both start from the same seeded random state: r0-r12 random (biased towards edge values), SP a word-aligned
pointer into the data pages, LR random, NZCV/Q/GE random, and the same random memory image of
``REGION``..``REGION+REGION_SIZE`` with the instructions placed so that they end exactly at ``CODE_END`` (the
next page is not executable, so the jitemu block ends there unless a branch ends it first).  After the case we
compare r0-r15 (r15 = the resulting address), NZCV, Q, GE, the T bit, ITSTATE, d0-d31, FPSCR and the whole memory
region.  The VFP registers are seeded with values biased to the special ones (zeros, infinities, quiet and
signalling NaNs with payloads, denormals, the extreme normals, ties and integer boundaries) and FPSCR with a random
rounding mode, FZ, DN, AHP, NZCV and cumulative flags; Unicorn's FPU is enabled by FPEXC.EN.
A memory fault is an outcome too: both must fault (nothing else is compared then: after an unmapped access
Unicorn runs on to the end of its translation block, so its register state is not precise).

Run by hand for more cases:  ``cd tests && python -m lift.harness CLASS MODE [COUNT] [SEED] [interp|jit]``.
"""

from __future__ import annotations

import ctypes
import random
import sys
from dataclasses import dataclass, field

from unicorn import UC_ARCH_ARM, UC_HOOK_CODE, UC_MODE_ARM, UC_PROT_ALL, UC_PROT_READ, UC_PROT_WRITE, Uc, UcError
from unicorn import arm_const as U
from unicorn.unicorn_const import (
    UC_ERR_FETCH_PROT,
    UC_ERR_FETCH_UNMAPPED,
    UC_ERR_READ_UNMAPPED,
    UC_ERR_WRITE_UNMAPPED,
)

from jitemu.codegen.interp import Interpreter
from jitemu.codegen.jit import JitTier
from jitemu.codegen.retcodes import RET_MISS, RET_SLOW
from jitemu.ir import ExitKind
from jitemu.lift.translate import translate
from jitemu.memory import PROT_EXEC, PROT_READ, PROT_WRITE, GuestFault, GuestMemory
from jitemu.state import CPUState, get_cpsr, set_cpsr

from .encodings import CASE_CLASSES, CODE_END, CODE_PAGE, DATA_PTR, REGION, REGION_SIZE, Case, generate

UC_REGS = [getattr(U, f"UC_ARM_REG_R{i}") for i in range(13)] + [U.UC_ARM_REG_SP, U.UC_ARM_REG_LR, U.UC_ARM_REG_PC]
UC_DREGS = [getattr(U, f"UC_ARM_REG_D{i}") for i in range(32)]
FLAG_MASK = 0xF80F0000  # NZCVQ and GE
IT_MASK = 0x0600FC00
USR = 0x10

# per (class, mode): cases run, passed, skipped as UNPREDICTABLE at run time, memory faults (in both), failed
STATS: dict[tuple[str, str], dict[str, int]] = {}


def rand_word(rng: random.Random) -> int:
    k = rng.random()
    if k < 0.6:
        return rng.getrandbits(32)
    if k < 0.8:
        return rng.randrange(0, 70)  # shift amounts around 32, small counts
    return rng.choice((0, 1, 2, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFF, 0x8000,
                       0xFFFF, 0xFFFF8000, 0x00FF00FF, 0x7F7F7F7F, 0x80808080))  # fmt: skip


# single-precision bit patterns the VFP cases start from (the double ones are made from them below)
F32_SPECIAL = (0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001, 0xFFBFFFFF,
               0x7FA00000, 0x00000001, 0x807FFFFF, 0x00400000, 0x00800000, 0x80800001, 0x7F7FFFFF, 0xFF7FFFFF,
               0x3F800000, 0xBF800000, 0x3F000000, 0x3FC00000, 0x40200000, 0x4F000000, 0xCF000000, 0x4F800000,
               0x4EFFFFFF, 0xCF000001, 0x477FE000, 0x477FF000, 0x33800000, 0x38800000, 0x387FC000)  # fmt: skip
F64_SPECIAL = (0x0000000000000000, 0x8000000000000000, 0x7FF0000000000000, 0xFFF0000000000000,
               0x7FF8000000000000, 0xFFF8000000000001, 0x7FF0000000000001, 0x7FF4000000000000,
               0x0000000000000001, 0x800FFFFFFFFFFFFF, 0x0010000000000000, 0x7FEFFFFFFFFFFFFF,
               0x3FF0000000000000, 0xBFF0000000000000, 0x3FE0000000000000, 0x3FF8000000000000,
               0x41E0000000000000, 0xC1E0000000000000, 0x41F0000000000000, 0x41DFFFFFFFC00000,
               0xC1E0000000200000, 0x41EFFFFFFFE00000, 0x36A0000000000000, 0x3690000000000000,
               0x47EFFFFFE0000000, 0x47EFFFFFF0000000, 0x380FFFFFF0000000, 0x3810000000000000)  # fmt: skip


def rand_f32(rng: random.Random) -> int:
    k = rng.random()
    if k < 0.35:
        return rng.choice(F32_SPECIAL) ^ (rng.getrandbits(1) << 31 if rng.random() < 0.3 else 0)
    if k < 0.7:  # near 1.0 (operations interact; some mantissas short so results are sometimes exact)
        frac = rng.getrandbits(23) & (-1 << rng.choice((0, 0, 12, 20)))
        return rng.getrandbits(1) << 31 | (127 + rng.randrange(-4, 5)) << 23 | frac
    if k < 0.8:  # near the denormal range, or near overflow
        e = rng.choice((rng.randrange(0, 4), rng.randrange(100, 130), rng.randrange(250, 255)))
        return rng.getrandbits(1) << 31 | e << 23 | rng.getrandbits(23)
    if k < 0.9:  # small integers (conversions)
        return rng.randrange(-70000, 70000) & 0xFFFFFFFF
    return rng.getrandbits(32)


def rand_f64(rng: random.Random) -> int:
    k = rng.random()
    if k < 0.35:
        return rng.choice(F64_SPECIAL) ^ (rng.getrandbits(1) << 63 if rng.random() < 0.3 else 0)
    if k < 0.7:
        frac = rng.getrandbits(52) & (-1 << rng.choice((0, 0, 30, 45)))
        return rng.getrandbits(1) << 63 | (1023 + rng.randrange(-4, 5)) << 52 | frac
    if k < 0.8:
        e = rng.choice((rng.randrange(0, 4), rng.randrange(860, 1100), rng.randrange(2040, 2047)))
        return rng.getrandbits(1) << 63 | e << 52 | rng.getrandbits(52)
    if k < 0.85:  # a single widened exactly (double <-> single conversions at the edges)
        v = rand_f32(rng)
        return (v >> 31) << 63 | ((v >> 23 & 0xFF) + 896 if v >> 23 & 0xFF else 0) << 52 | (v & 0x7FFFFF) << 29
    return rng.getrandbits(64)


def rand_dreg(rng: random.Random) -> int:
    """A d register: one double, or two singles."""
    if rng.random() < 0.5:
        return rand_f64(rng)
    return rand_f32(rng) | rand_f32(rng) << 32


def rand_fpscr(rng: random.Random) -> int:
    v = rng.getrandbits(4) << 28 | rng.getrandbits(2) << 22 | rng.getrandbits(8) & 0x9F
    v |= (rng.random() < 0.25) << 24 | (rng.random() < 0.25) << 25 | (rng.random() < 0.15) << 26  # FZ DN AHP
    return v | (rng.random() < 0.1) << 27  # QC


@dataclass
class Outcome:
    regs: list[int]
    cpsr: int
    mem: bytes
    fault: bool = False
    note: str = ""  # how the run ended, when unusual
    dregs: list[int] = field(default_factory=list)
    fpscr: int = 0


@dataclass
class Result:
    case: Case
    init: list[int]
    init_cpsr: int
    init_fp: tuple[list[int], int]
    diffs: list[str] = field(default_factory=list)
    skipped: str = ""
    fault: bool = False

    def report(self) -> str:
        regs = " ".join(f"r{i}={v:08x}" for i, v in enumerate(self.init))
        dregs, fpscr = self.init_fp
        fp = " ".join(f"d{i}={v:016x}" for i, v in enumerate(dregs) if any(f"d{i}" in d for d in self.diffs))
        mode = "T32" if self.case.thumb else "A32"
        return (f"{mode} {self.case.describe()}\n  init: {regs} cpsr={self.init_cpsr:08x}\n  fpscr={fpscr:08x} {fp}\n  "
                + "\n  ".join(self.diffs))  # fmt: skip


class Machine:
    """One jitemu memory + state and one Unicorn instance, reused for every case."""

    def __init__(self) -> None:
        self.image = random.Random(0xDA7A).randbytes(REGION_SIZE)
        self.mem = GuestMemory()
        self.mem.map(REGION, REGION_SIZE, PROT_READ | PROT_WRITE)
        self.mem.protect(CODE_PAGE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC)
        self.state = CPUState()
        self.interp = Interpreter(self.mem, self.state)
        self.jit: JitTier | None = None  # created for the first JIT case (loads LLVM)
        self.jit_runs = 0  # JIT cases alternate between the two tiers
        self.uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
        self.uc.ctl_set_cpu_model(U.UC_CPU_ARM_CORTEX_A15)
        # Only the code page is executable (as for jitemu): a branch into the data pages stops with a fetch
        # fault at the target.  Unicorn's emu_stop() from a code hook does not stop before a conditional ARM
        # instruction, so the hook below cannot be relied on there.
        self.uc.mem_map(REGION, REGION_SIZE, UC_PROT_READ | UC_PROT_WRITE)
        self.uc.mem_protect(CODE_PAGE, 0x1000, UC_PROT_ALL)
        # Unicorn's emu_start(count=n) does not count IT instructions (and miscounts the block after one), so
        # a code hook stops at the first instruction after the last one we placed, wherever a branch went
        # (a skipped conditional last instruction calls no hook: then until=CODE_END stops the run).
        self._last, self._done = 0, False
        self.uc.hook_add(UC_HOOK_CODE, self._stop_after_last)

    def _stop_after_last(self, uc: Uc, address: int, size: int, _: object) -> None:
        if self._done:
            uc.emu_stop()
        elif address == self._last:
            self._done = True

    # ---- one case --------------------------------------------------------------------------------------
    def run(self, case: Case, rng: random.Random, engine: str = "interp") -> Result:
        if case.thumb and rng.random() < 0.5:  # vary Align(PC, 4) vs PC: a 32-bit insn would always be aligned
            case = Case([(0xBF00, 2), *case.insns], ["nop", *case.names], case.setup, True)
        regs = [rand_word(rng) for _ in range(16)]
        regs[13] = DATA_PTR + rng.randrange(-0x100, 0x100) * 4
        for k, v in case.setup.items():
            if isinstance(k, int):
                regs[k] = v & 0xFFFFFFFF
        code = case.code
        start = CODE_END - len(code)
        regs[15] = start
        cpsr = rng.getrandbits(32) & FLAG_MASK | USR | (0x20 if case.thumb else 0)
        if "C" in case.setup:
            cpsr = cpsr & ~(1 << 29) | case.setup["C"] << 29
        image = bytearray(self.image)
        image[start - REGION : CODE_END - REGION] = code
        fp = ([rand_dreg(rng) for _ in range(32)], rand_fpscr(rng))
        res = Result(case, regs, cpsr, fp)
        ours = self._run_jitemu(case, regs, cpsr, fp, bytes(image), engine)
        theirs = self._run_unicorn(case, regs, cpsr, fp, bytes(image))
        if not theirs.fault and not theirs.cpsr & 0x20 and theirs.regs[15] & 3 and not ours.note:
            # BXWritePC/LoadWritePC/ALUWritePC to an ARM address with bits<1:0> == '10': UNPREDICTABLE
            res.skipped = "interworking branch to a misaligned ARM address"
            return res
        res.fault = ours.fault and theirs.fault
        res.diffs = compare(ours, theirs)
        return res

    def _run_jitemu(self, case: Case, regs: list[int], cpsr: int, fp: tuple[list[int], int], image: bytes,
                    engine: str) -> Outcome:  # fmt: skip
        s, mem = self.state, self.mem
        ctypes.memset(ctypes.addressof(s), 0, ctypes.sizeof(s))
        for i, v in enumerate(regs):
            s.r[i] = v
        for i, v in enumerate(fp[0]):
            s.d[i] = v
        s.fpscr = fp[1]
        set_cpsr(s, cpsr)
        mem.write_raw(REGION, image)
        note, fault = "", False
        try:
            block = translate(mem, regs[15], case.thumb, 0)
            if engine == "jit":
                return self._run_jit(block, case)
            ex = self.interp.run(self.interp.prepare(block))
            s.r[15], s.thumb = ex.pcword & ~1, ex.pcword & 1
            if ex.kind not in (ExitKind.GOTO, ExitKind.JUMP):
                note = f"jitemu exit {ex.kind.name} at {ex.insn_pc:08x}"
            elif ex.ninsns != len(case.insns):
                note = f"jitemu block ran {ex.ninsns} of {len(case.insns)} instructions"
        except GuestFault as f:
            s.r[15] = f.pc if f.pc is not None else regs[15]
            fault = True
        except Exception as e:  # a lifter or interpreter bug: report it with the case, do not stop the run
            note = f"jitemu raised {e!r}"
        return self._outcome(fault, note)

    def _outcome(self, fault: bool, note: str) -> Outcome:
        s = self.state
        return Outcome(list(s.r), get_cpsr(s), self.mem.read_raw(REGION, REGION_SIZE), fault, note, list(s.d), s.fpscr)

    def _run_jit(self, block, case: Case) -> Outcome:
        """The same block compiled by the LLVM backend (nothing else compiled: it cannot chain anywhere),
        at tier 1 and tier 2 in turn."""
        s, mem = self.state, self.mem
        if self.jit is None:
            self.jit = JitTier(mem, s)
        self.jit.forget_all()
        self.jit.bind_state()
        self.jit_runs += 1
        self.jit.compile([[block]], tier=1 + self.jit_runs % 2)
        code = self.jit.native[(block.pc, int(block.thumb), 0)](self.jit.state_addr)
        note, fault = "", False
        if code == RET_SLOW:  # an access the inline check did not pass: interpreted, as the engine does
            try:
                ex = self.interp.run(self.interp.prepare(translate(mem, s.r[15], bool(s.thumb), s.itstate)))
                s.r[15], s.thumb = ex.pcword & ~1, ex.pcword & 1
            except GuestFault as f:
                s.r[15], fault = f.pc if f.pc is not None else s.r[15], True
        elif code != RET_MISS:
            note = f"jitemu (jit) exit {ExitKind(code).name}"
        if self.jit.internal_error is not None:
            note, self.jit.internal_error = f"jitemu (jit) raised {self.jit.internal_error!r}", None
        return self._outcome(fault, note)

    def _run_unicorn(self, case: Case, regs: list[int], cpsr: int, fp: tuple[list[int], int], image: bytes) -> Outcome:
        uc = self.uc
        uc.mem_write(REGION, image)
        uc.ctl_remove_cache(CODE_PAGE, CODE_END)
        uc.reg_write(U.UC_ARM_REG_CPSR, cpsr)
        for r, v in zip(UC_REGS, regs, strict=True):
            uc.reg_write(r, v)
        uc.reg_write(U.UC_ARM_REG_FPEXC, 0x40000000)  # EN: the FPU is on (as Linux leaves it for user code)
        for r, v in zip(UC_DREGS, fp[0], strict=True):
            uc.reg_write(r, v)
        uc.reg_write(U.UC_ARM_REG_FPSCR, fp[1])
        note, fault = "", False
        self._last, self._done = CODE_END - case.insns[-1][1], False
        try:
            uc.emu_start(regs[15] | case.thumb, CODE_END)
        except UcError as e:
            if e.errno in (UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED):
                fault = True
            elif e.errno not in (UC_ERR_FETCH_UNMAPPED, UC_ERR_FETCH_PROT):  # a branch out of the mapped region
                note = f"unicorn: {e}"
        out = [uc.reg_read(r) for r in UC_REGS]
        return Outcome(out, uc.reg_read(U.UC_ARM_REG_CPSR), bytes(uc.mem_read(REGION, REGION_SIZE)), fault, note,
                       [uc.reg_read(r) for r in UC_DREGS], uc.reg_read(U.UC_ARM_REG_FPSCR))  # fmt: skip


def compare(ours: Outcome, theirs: Outcome) -> list[str]:
    d: list[str] = []
    for note in (ours.note, theirs.note):
        if note:
            d.append(note)
    if ours.fault != theirs.fault:
        d.append(f"memory fault: jitemu={ours.fault} unicorn={theirs.fault}")
    elif ours.fault:
        return d  # Unicorn runs on to the end of its translation block after an unmapped access: no precise state
    for i in range(16):
        if ours.regs[i] != theirs.regs[i]:
            d.append(f"r{i}: jitemu={ours.regs[i]:08x} unicorn={theirs.regs[i]:08x}")
    for i, (a, b) in enumerate(zip(ours.dregs, theirs.dregs, strict=True)):
        if a != b:
            d.append(f"d{i}: jitemu={a:016x} unicorn={b:016x}")
    if ours.fpscr != theirs.fpscr:
        d.append(f"fpscr: jitemu={ours.fpscr:08x} unicorn={theirs.fpscr:08x}")
    mask = FLAG_MASK | 0x20 | (0 if ours.fault else IT_MASK)
    if (ours.cpsr ^ theirs.cpsr) & mask:
        d.append(f"cpsr: jitemu={ours.cpsr & mask:08x} unicorn={theirs.cpsr & mask:08x} ({_flags(ours.cpsr)} vs "
                 f"{_flags(theirs.cpsr)})")  # fmt: skip
    if ours.mem != theirs.mem:
        diff = [i for i in range(REGION_SIZE) if ours.mem[i] != theirs.mem[i]]
        lo = diff[0] & ~3
        d.append(f"memory differs at {len(diff)} bytes from {REGION + lo:08x}: jitemu={ours.mem[lo:lo + 8].hex()} "
                 f"unicorn={theirs.mem[lo:lo + 8].hex()}")  # fmt: skip
    return d


def _flags(c: int) -> str:
    s = "".join(ch if c >> b & 1 else "-" for ch, b in zip("NZCVQ", (31, 30, 29, 28, 27), strict=True))
    return f"{s} GE={c >> 16 & 0xF:04b} {'T' if c & 0x20 else 'A'} IT={(c >> 25 & 3) | (c >> 10 & 0x3F) << 2:02x}"


_MACHINE: Machine | None = None


def machine() -> Machine:
    global _MACHINE
    if _MACHINE is None:
        _MACHINE = Machine()
    return _MACHINE


def run_class(cls: str, mode: str, count: int, seed: int, engine: str = "interp") -> list[Result]:
    """Run ``count`` cases of one class; returns the failures (and records STATS)."""
    m = machine()
    rng = random.Random(f"{seed}:{cls}:{mode}:{engine}")
    st = STATS.setdefault((cls, mode, engine), dict(cases=0, passed=0, skipped=0, faults=0, failed=0))
    failures = []
    for _ in range(count):
        case = generate(cls, mode, rng)
        res = m.run(case, rng, engine)
        st["cases"] += 1
        if res.skipped:
            st["skipped"] += 1
        elif res.diffs:
            st["failed"] += 1
            failures.append(res)
        else:
            st["passed"] += 1
            st["faults"] += res.fault
    return failures


def main(argv: list[str]) -> int:
    cls, mode = argv[0], argv[1]
    count = int(argv[2]) if len(argv) > 2 else 1000
    seed = int(argv[3]) if len(argv) > 3 else 1
    engine = argv[4] if len(argv) > 4 else "interp"
    classes = CASE_CLASSES if cls == "all" else [cls]
    modes = ("A32", "T32") if mode == "all" else (mode,)
    bad = 0
    for c in classes:
        for md in modes:
            fails = run_class(c, md, count, seed, engine)
            st = STATS[(c, md, engine)]
            print(f"{c:10} {md}: {st}")
            for r in fails[:10]:
                print(r.report())
            bad += len(fails)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
