"""Faults are precise under both engines: the faulting instruction's pc and IT state, and no register
written by the faulting instruction (nor any after it)."""

from __future__ import annotations

import pytest

from jitemu import log
from jitemu.engine import Engine
from jitemu.events import EventKind
from jitemu.memory import PAGE_CODE, PROT_READ, PROT_WRITE, GuestMemory
from jitemu.state import CPUState

CODE = 0x8000
BAD = 0x30000  # never mapped

CASES = {
    # thumb: mov.w r2, #7; it eq; ldreq r0, [r1]; movs r3, #1  -> faults at the LDR with ITSTATE 0x08
    "thumb-it": (True, bytes.fromhex("4ff0070208bf08680123"), CODE + 6, 0x08),
    # A32: mov r2, #7; ldr r0, [r1], #4 (post-index writeback must not happen); mov r3, #1
    "arm-writeback": (False, bytes.fromhex("0720a0e3040091e40130a0e3"), CODE + 4, 0),
}


def _with_code(code: bytes) -> GuestMemory:
    """A guest memory with ``code`` at CODE (a read-write-execute page)."""
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.write_raw(CODE, code)
    return mem


def _engine(mem: GuestMemory, state: CPUState, engine: str) -> Engine:
    """interp; jit: every block compiled at tier 1 on its first arrival; jit-tier2: promoted to tier 2 at once."""
    return Engine(mem, state, engine=engine.split("-")[0], jit_threshold=1, jit_start=0, cache_dir=None,
                  jit_promote=1 if engine == "jit-tier2" else None)  # fmt: skip


@pytest.mark.parametrize("engine", ["interp", "jit", "jit-tier2"])
@pytest.mark.parametrize("name", CASES)
def test_fault_is_precise(name: str, engine: str) -> None:
    """jit: the block compiled at tier 1; jit-tier2: promoted to tier 2 on its first arrival."""
    thumb, code, fault_pc, itstate = CASES[name]
    mem = _with_code(code)
    state = CPUState()
    state.r[1], state.r[15], state.thumb, state.ZF = BAD, CODE, int(thumb), 0  # Z set
    eng = _engine(mem, state, engine)
    ev = eng.run()
    assert (ev.kind, ev.pc, ev.addr) == (EventKind.FAULT, fault_pc, BAD)
    assert state.r[15] == fault_pc and state.itstate == itstate
    assert (state.r[0], state.r[1], state.r[2], state.r[3]) == (0, BAD, 7, 0)
    if engine != "interp":
        assert eng.jit is not None and eng.jit.native, "the block was not compiled"
        assert eng.jit.regions_promoted == (engine == "jit-tier2")


@pytest.mark.parametrize("engine", ["interp", "jit", "jit-tier2"])
def test_fault_at_the_top_of_the_address_space(engine: str) -> None:
    """A word load at 0xfffffffd runs past the end of guest memory: the generated code reads the host
    mapping before its check passes (a page past the end of guest memory keeps it inside), so this must
    be a guest fault, not a host crash."""
    mem = _with_code(bytes.fromhex("000091e5"))  # A32: ldr r0, [r1]
    mem.map(0xFFFFF000, 0x1000, PROT_READ)  # readable, but the word crosses the end of the address space
    state = CPUState()
    state.r[1], state.r[15] = 0xFFFFFFFD, CODE
    eng = _engine(mem, state, engine)
    ev = eng.run()
    assert (ev.kind, ev.pc, ev.addr) == (EventKind.FAULT, CODE, 0xFFFFFFFD)
    assert state.r[0] == 0


DATA = 0x20000  # two mapped pages, DATA and NEXT; the page after NEXT is never mapped
NEXT = DATA + 0x1000
# name: (A32 instruction or code, r1 at the start, NEXT's permissions); mostly, a later access of the instruction is
# one generated code cannot do inline, so it leaves for the interpreter at the instruction (RET_SLOW)
SLOW = {
    # the third load faults; r1 (the base) is one of the loaded registers, so it must not be written yet
    "ldm-base-loaded-fault": (0xE8910007, NEXT - 8, None),
    # a word across the page end (both pages readable): the interpreter does it, with the writeback
    "ldr-post-index-crossing": (0xE4910004, NEXT - 2, PROT_READ),
    # the third store goes to a page holding code; the first two, done inline, are done again
    "stm-writeback-code-page": (0xE8A1001C, NEXT - 8, PROT_READ | PROT_WRITE | PAGE_CODE),
    "vstm-writeback-code-page": (0xECA10B06, NEXT - 16, PROT_READ | PROT_WRITE | PAGE_CODE),
    "vldm-writeback-fault": (0xECB10B06, NEXT + 0x1000 - 16, PROT_READ),
    "strd-code-page": (0xE1C120F0, NEXT - 4, PROT_READ | PROT_WRITE | PAGE_CODE),
    # a doubleword across the page end: inline when both pages pass (VLDR d0, [r1]), else left
    "vldr-crossing": (0xED910B00, NEXT - 4, PROT_READ),
    "vldr-crossing-fault": (0xED910B00, NEXT + 0x1000 - 4, PROT_READ),
    # two loads off r1 share one check (codegen.llvm.access_groups): it fails at the first, which is fine,
    # and the interpreter faults at the second, after the MOV between them (ldr r0, [r1]; mov r2, #7;
    # ldr r3, [r1, #8]; str r4, [r1, #12])
    "grouped-loads-second-fault": (bytes.fromhex("000091e50720a0e3083091e50c4081e5"), NEXT + 0x1000 - 4, PROT_READ),
    # ... and the same across the page end into a page holding code: the loads pass, the store goes slow
    "grouped-store-code-page": (
        bytes.fromhex("000091e50720a0e3083091e50c4081e5"),
        NEXT - 8,
        PROT_READ | PROT_WRITE | PAGE_CODE,
    ),
}


def _run_slow(name: str, engine: str) -> tuple:
    insn, base, next_prot = SLOW[name]
    code = insn.to_bytes(4, "little") if isinstance(insn, int) else insn
    mem = _with_code(code + bytes.fromhex("000000ef"))  # ...; svc #0
    mem.map(DATA, 0x1000, PROT_READ | PROT_WRITE)
    if next_prot is not None:
        mem.map(NEXT, 0x1000, next_prot & ~PAGE_CODE)
        mem.perms[NEXT >> 12] |= next_prot & PAGE_CODE
    mem.write_raw(DATA, bytes(range(256)) * 16)
    state = CPUState()
    state.r[1], state.r[2], state.r[3], state.r[4], state.r[15] = base, 0x11111111, 0x22222222, 0x33333333, CODE
    state.d[0], state.d[1], state.d[2] = 0x4444444444444444, 0x5555555555555555, 0x6666666666666666
    eng = _engine(mem, state, engine)
    ev = eng.run()
    if engine != "interp":
        assert eng.jit is not None and eng.jit.native, "the block was not compiled"
    data = mem.read_raw(DATA, 0x1000) + (mem.read_raw(NEXT, 0x1000) if next_prot is not None else b"")
    return (ev.kind, ev.pc, ev.addr), list(state.r), list(state.d[:3]), data


@pytest.mark.parametrize("engine", ["jit", "jit-tier2"])
@pytest.mark.parametrize("name", SLOW)
def test_access_left_to_the_interpreter_mid_instruction(name: str, engine: str) -> None:
    """An instruction whose later access generated code cannot do inline (fault, page crossing, store to a
    code page) ends as it does in the interpreter: generated code leaves before the instruction writes any
    register, and the interpreter does the whole instruction."""
    want = _run_slow(name, "interp")
    assert want[0][0] == (EventKind.FAULT if name.endswith("fault") else EventKind.SYSCALL)
    assert _run_slow(name, engine) == want


@pytest.mark.parametrize("engine", ["interp", "jit", "jit-tier2"])
def test_doubleword_across_the_top_of_the_address_space(engine: str) -> None:
    """VLDR d0 at 0xfffffffc, with the top page and page 0 both readable: jitemu's memory treats an access
    past the top as a fault (``GuestMemory.check``), and generated code must agree - its check of the last
    byte's page, reckoned in 64 bits, lands on the entry past the last page, which never passes; it must
    not read the host page past the guest's 4 GiB as data."""
    mem = _with_code(bytes.fromhex("000b91ed000000ef"))  # vldr d0, [r1]; svc #0
    mem.map(0xFFFFF000, 0x1000, PROT_READ | PROT_WRITE)
    mem.map(0, 0x1000, PROT_READ | PROT_WRITE)
    state = CPUState()
    state.r[1], state.r[15] = 0xFFFFFFFC, CODE
    eng = _engine(mem, state, engine)
    ev = eng.run()
    assert (ev.kind, ev.pc, ev.addr) == (EventKind.FAULT, CODE, 0xFFFFFFFC)
    assert state.d[0] == 0


@pytest.mark.parametrize("engine", ["interp", "jit", "jit-tier2"])
def test_instructions_before_a_slow_access_are_counted(engine: str) -> None:
    """-d stats counts guest instructions; generated code that leaves at an access for the interpreter
    counts the block's instructions before it (the interpreter counts the rest), as the interpreter does."""
    # mov r2, #7; mov r3, #1; ldr r0, [r1] (a word across the page end); svc #0
    mem = _with_code(bytes.fromhex("0720a0e30130a0e3000091e5000000ef"))
    mem.map(DATA, 0x2000, PROT_READ | PROT_WRITE)
    state = CPUState()
    state.r[1], state.r[15] = NEXT - 2, CODE
    log.configure({"stats"})
    try:
        eng = _engine(mem, state, engine)
        ev = eng.run()
    finally:
        log.configure(set())
    assert (ev.kind, ev.pc) == (EventKind.SYSCALL, CODE + 12)
    assert eng.insns_executed == 4
