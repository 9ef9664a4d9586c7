"""Tier-1 code that gets hot is compiled again at tier 2 (``JitTier.promote``)."""

from __future__ import annotations

from jitemu.engine import Engine
from jitemu.events import EventKind
from jitemu.memory import PROT_READ, PROT_WRITE, GuestMemory
from jitemu.state import CPUState

CODE, DATA = 0x8000, 0x10000
# A32: loop: vld1.64 {d16-d17}, [r3:64]; subs r0, r0, #1; bne loop; svc #0
LOOP = bytes.fromhex("df0a63f4010050e2fcffff1a000000ef")


def test_hot_loop_with_an_alignment_check_is_promoted() -> None:
    """The alignment check of VLD1 [r3:64] can leave with its address in exit_arg, so exit_arg is kept in a
    host register in the region; the hot exit must still report the region's entry there (it used to
    report the stale register value, and the region was never promoted)."""
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.map(DATA, 0x1000, PROT_READ | PROT_WRITE)
    mem.write_raw(CODE, LOOP)
    mem.write_raw(DATA, bytes(range(16)))
    state = CPUState()
    state.r[0], state.r[3], state.r[15] = 1000, DATA, CODE
    eng = Engine(mem, state, engine="jit", jit_threshold=1, jit_start=0, cache_dir=None, jit_promote=50)
    ev = eng.run()
    assert (ev.kind, ev.pc) == (EventKind.SYSCALL, CODE + 12)
    assert state.r[0] == 0 and state.d[16] == 0x0706050403020100 and state.d[17] == 0x0F0E0D0C0B0A0908
    assert eng.jit is not None and eng.jit.regions_promoted == 1
