"""Random single instructions (and IT blocks / exclusive sequences) per class x {A32, T32}, against Unicorn.

Deterministic: the seed is fixed (``JITEMU_FUZZ_SEED`` changes it); ``JITEMU_FUZZ_CASES`` sets the cases per
class and mode.  For a longer hunt: ``cd tests && python -m lift.harness all all 100000 SEED``.
The per-class counts are printed at the end of the run (``tests/conftest.py``).
"""

from __future__ import annotations

import os

import pytest

from .encodings import CASE_CLASSES
from .harness import STATS, run_class

SEED = int(os.environ.get("JITEMU_FUZZ_SEED", "20240601"))
CASES = int(os.environ.get("JITEMU_FUZZ_CASES", "4000"))
JIT_CASES = max(CASES // 16, 1)  # each JIT case compiles an LLVM module (milliseconds, not microseconds)
# VFP classes: half the interpreter cases (each FP operation is exact arithmetic in Python), a few more
# JIT cases (the JIT has its own host-FP fast path): 2000 + 200 per class and mode by default
VFP_CASES, VFP_JIT_CASES = max(CASES // 2, 1), max(CASES // 20, 1)
# NEON classes: a quarter (lane-by-lane Python in the interpreter), 1000 + 100 per class and mode by default
NEON_CASES, NEON_JIT_CASES = max(CASES // 4, 1), max(CASES // 40, 1)
SHOW = 8  # failing cases printed per class


@pytest.mark.parametrize("engine", ["interp", "jit"])
@pytest.mark.parametrize("mode", ["A32", "T32"])
@pytest.mark.parametrize("cls", CASE_CLASSES)
def test_random_instructions(cls: str, mode: str, engine: str, record_property) -> None:  # noqa: ANN001
    if cls.startswith("vfp_"):
        n = VFP_CASES if engine == "interp" else VFP_JIT_CASES
    elif cls.startswith("neon_"):
        n = NEON_CASES if engine == "interp" else NEON_JIT_CASES
    else:
        n = CASES if engine == "interp" else JIT_CASES
    failures = run_class(cls, mode, n, SEED, engine)
    record_property("lift_stats", ((cls, mode, engine), dict(STATS[(cls, mode, engine)])))  # for the summary table
    if failures:
        shown = "\n".join(r.report() for r in failures[:SHOW])
        pytest.fail(f"{len(failures)} of {n} {cls} {mode} {engine} cases differ from Unicorn:\n{shown}", pytrace=False)
