"""User-mode CP15 thread ID registers (ARM ARM B4.1.150/151): TPIDRURW is read/write from user mode,
TPIDRURO is read-only (a user write is UNDEFINED), under both engines."""

from __future__ import annotations

import struct

import pytest

from jitemu.engine import Engine
from jitemu.events import EventKind
from jitemu.memory import GuestMemory
from jitemu.state import CPUState

# mcr p15,0,r1,c13,c0,2 ; mrc p15,0,r2,c13,c0,2 ; mrc p15,0,r3,c13,c0,3 ; mcr p15,0,r1,c13,c0,3
CODE = struct.pack("<4I", 0xEE0D1F50, 0xEE1D2F50, 0xEE1D3F70, 0xEE0D1F70)


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_thread_id_registers(engine: str) -> None:
    mem = GuestMemory()
    mem.map(0x8000, 0x1000, 7)
    mem.write_raw(0x8000, CODE)
    s = CPUState()
    s.r[1], s.tpidruro, s.r[15] = 0x1234, 0x99, 0x8000
    ev = Engine(mem, s, engine=engine, jit_threshold=1, jit_start=0, cache_dir=None).run()
    assert (ev.kind, ev.pc) == (EventKind.UNDEF, 0x800C)  # the write to TPIDRURO
    assert (s.r[2], s.r[3], s.tpidrurw, s.tpidruro) == (0x1234, 0x99, 0x1234, 0x99)
