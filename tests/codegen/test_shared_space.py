"""Two guest threads (two CPU states, two engines) sharing one address space: compiled code serves both,
and a write to guest code invalidates it for both."""

from __future__ import annotations

import threading

import pytest

from jitemu.engine import Engine
from jitemu.events import EventKind
from jitemu.memory import PROT_EXEC, PROT_READ, PROT_WRITE, GuestMemory
from jitemu.state import CPUState

CODE = 0x8000
# loop: add r0, r0, r1; subs r2, r2, #1; bne loop; svc #0   (A32)
LOOP = bytes.fromhex("010080e0012052e2fcffff1a000000ef")
SUB = bytes.fromhex("010040e0")  # sub r0, r0, r1


def _thread(r1: int, r2: int) -> CPUState:
    s = CPUState()
    s.r[0], s.r[1], s.r[2], s.r[15] = 1000, r1, r2, CODE
    return s


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_two_engines_share_code_and_invalidation(engine: str) -> None:
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC)
    mem.write_raw(CODE, LOOP)
    a, b = _thread(3, 50), _thread(7, 40)
    ea = Engine(mem, a, engine=engine, jit_threshold=4, jit_start=0, cache_dir=None)
    eb = Engine(mem, b, space=ea.space)
    for eng, s, want in ((ea, a, 1000 + 3 * 50), (eb, b, 1000 + 7 * 40)):
        ev = eng.run()
        assert ev.kind == EventKind.SYSCALL and s.r[0] == want and s.r[2] == 0
    if engine == "jit":
        assert eb.native_entries > 0, "the second thread did not run the first thread's compiled loop"
        assert ea.jit is eb.jit and ea.jit.compiler.modules_compiled == 1
    mem.store(CODE, 4, int.from_bytes(SUB, "little"))  # one thread rewrites the loop: add -> sub
    for eng, s, r1 in ((ea, a, 3), (eb, b, 7)):
        s.r[0], s.r[2], s.r[15] = 1000, 20, CODE
        ev = eng.run()
        assert ev.kind == EventKind.SYSCALL and s.r[0] == 1000 - r1 * 20, "stale code ran"


def test_threads_hot_at_once_share_one_jit_tier() -> None:
    """Making the JIT tier runs LLVM without the GIL: threads that get hot at the same moment must still
    end up with one tier (a second one, dropped, took with it the code its thread was running)."""
    mem = GuestMemory()
    space = Engine(mem, _thread(0, 0), engine="jit", cache_dir=None).space
    start = threading.Barrier(4)
    tiers = []

    def hot() -> None:
        state = _thread(0, 0)
        start.wait()
        tiers.append(space.jit_tier(state))

    threads = [threading.Thread(target=hot) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(tiers) == 4 and all(t is space.jit for t in tiers)
