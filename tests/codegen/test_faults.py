"""Faults are precise under both engines: the faulting instruction's pc and IT state, and no register
written by the faulting instruction (nor any after it)."""

from __future__ import annotations

import pytest

from jitemu.engine import Engine
from jitemu.events import EventKind
from jitemu.memory import PROT_READ, PROT_WRITE, GuestMemory
from jitemu.state import CPUState

CODE = 0x8000
BAD = 0x30000  # never mapped

CASES = {
    # thumb: mov.w r2, #7; it eq; ldreq r0, [r1]; movs r3, #1  -> faults at the LDR with ITSTATE 0x08
    "thumb-it": (True, bytes.fromhex("4ff0070208bf08680123"), CODE + 6, 0x08),
    # A32: mov r2, #7; ldr r0, [r1], #4 (post-index writeback must not happen); mov r3, #1
    "arm-writeback": (False, bytes.fromhex("0720a0e3040091e40130a0e3"), CODE + 4, 0),
}


@pytest.mark.parametrize("engine", ["interp", "jit", "jit-tier2"])
@pytest.mark.parametrize("name", CASES)
def test_fault_is_precise(name: str, engine: str) -> None:
    """jit: the block compiled at tier 1; jit-tier2: promoted to tier 2 on its first arrival."""
    thumb, code, fault_pc, itstate = CASES[name]
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.write_raw(CODE, code)
    state = CPUState()
    state.r[1], state.r[15], state.thumb, state.ZF = BAD, CODE, int(thumb), 0  # Z set
    promote = 1 if engine == "jit-tier2" else None
    eng = Engine(mem, state, engine=engine.split("-")[0], jit_threshold=1, jit_start=0, cache_dir=None,
                 jit_promote=promote)  # fmt: skip
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
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.map(0xFFFFF000, 0x1000, PROT_READ)  # readable, but the word crosses the end of the address space
    mem.write_raw(CODE, bytes.fromhex("000091e5"))  # A32: ldr r0, [r1]
    state = CPUState()
    state.r[1], state.r[15] = 0xFFFFFFFD, CODE
    eng = Engine(mem, state, engine=engine.split("-")[0], jit_threshold=1, jit_start=0, cache_dir=None,
                 jit_promote=1 if engine == "jit-tier2" else None)  # fmt: skip
    ev = eng.run()
    assert (ev.kind, ev.pc, ev.addr) == (EventKind.FAULT, CODE, 0xFFFFFFFD)
    assert state.r[0] == 0
