"""Guest threads on host threads: exact totals under contention (mutex, C11 atomics, an LDREX/STREX spin
lock), a condition-variable hand-off, thread-local storage and join values, compared with qemu-arm under
both engines and repeated (a race shows up as a wrong total sooner or later); threads with signals
(programs/thrsig.c, one case per run), compared with qemu-arm under both engines."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
from guest import build, run_jitemu, run_qemu

from jitemu.codegen.hostatomic import make_cas

PROGRAMS = Path(__file__).resolve().parent / "programs"

ENGINES = {
    "interp": ["-engine", "interp", "-jit-cache", "off"],
    "jit": ["-engine", "jit", "-jit-cache", "off"],  # the default threshold: threads start interpreted
    "jit-early": ["-engine", "jit", "-jit-threshold", "4", "-jit-cache", "off"],  # compiled almost at once
}
ROUNDS = {"interp": "1000"}  # fewer for the slow engine: a lost spin-lock release showed up within 2000


@pytest.mark.parametrize("variant", ["arm-O2", "thumb-O2"])
@pytest.mark.parametrize("engine", ENGINES)
def test_threads_match_qemu(variant: str, engine: str) -> None:
    prog = build("threads", variant, src_dir=PROGRAMS)
    rounds = ROUNDS.get(engine, "20000")
    want = run_qemu(prog, [rounds])
    assert b"consumer sum 500500" in want.stdout
    for _ in range(3):
        got = run_jitemu(prog, [rounds], opts=ENGINES[engine])
        assert (got.stdout, got.returncode) == (want.stdout, want.returncode), got.stderr[-2000:]


SIGNAL_CASES = ["tkill", "to_main", "to_worker", "pending", "alarm_worker", "alarm_main", "futex", "sigwait",
                "suspend", "altstack", "term", "segv", "exit", "leave", "fork", "sleep"]  # fmt: skip


@pytest.mark.parametrize("engine", ["interp", "jit"])
@pytest.mark.parametrize("case", SIGNAL_CASES)
def test_thread_signals_match_qemu(case: str, engine: str) -> None:
    """A32 only (what is tested here does not depend on the instruction set; test_signals.py covers T32).
    The JIT at its default threshold: the spinning threads run compiled loops that only ``exit_request``
    stops (test_signals.py runs handlers compiled at threshold 1)."""
    prog = build("thrsig", "arm-O2", src_dir=PROGRAMS)
    want = run_qemu(prog, [case])
    assert want.returncode in (0, 3, 5, -15, -11), want.stderr
    got = run_jitemu(prog, [case], opts=["-engine", engine, "-jit-cache", "off"], timeout=120)
    assert b"Traceback" not in got.stderr and b"internal error" not in got.stderr, got.stderr[-2000:]
    assert (got.stdout, got.returncode) == (want.stdout, want.returncode), got.stderr[-2000:]


def test_interpreter_compare_and_swap_is_a_host_atomic() -> None:
    """The interpreter's CMPXCHG (STREX) must be atomic against plain stores of other threads, which only a
    host compare-and-swap is: it stores only on a match and returns the value found either way."""
    cas = make_cas()
    assert cas is not None, "libatomic (installed with gcc) is missing"
    word = (ctypes.c_uint64 * 1)(0x1122334455667788)
    addr = ctypes.addressof(word)
    assert cas[4](addr, 0x55667788, 0xAABBCCDD) == 0x55667788  # match: stored
    assert cas[1](addr, 0x00, 0x01) == 0xDD  # no match: unchanged
    assert cas[2](addr + 2, 0xAABB, 0x1234) == 0xAABB
    assert cas[8](addr, 0x1122334412340000 | 0xCCDD, 7) == 0x112233441234CCDD
    assert word[0] == 7
