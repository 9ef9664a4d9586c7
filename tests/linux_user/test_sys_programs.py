"""System calls real programs use, end to end: the C programs in tests/linux_user/programs for directories and
metadata, pipes and polling, sockets and /proc run under qemu-arm and under jitemu with each engine (the JIT
compiling from the first run of a block), each in a fresh scratch directory it gets as argv[1]; stdout and
the exit status must agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from guest import Result, run_jitemu, run_qemu
from guest import build as build_program

import jitemu.engine  # noqa: F401 - these tests need the CPU engine

PROGRAMS = Path(__file__).resolve().parent / "programs"
ENGINES = {"interp": ["-engine", "interp"], "jit": ["-engine", "jit", "-jit-threshold", "1"]}


def _same(got: Result, want: Result) -> None:
    err = got.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in got.stderr, err
    assert got.stdout.decode(errors="replace") == want.stdout.decode(errors="replace"), err
    assert got.returncode == want.returncode, err


def compare(tmp_path: Path, name: str, variant: str, engine: str) -> Result:
    """Run ``name`` under qemu-arm and jitemu, each with its own empty directory as argv[1]."""
    prog = build_program(name, variant, src_dir=PROGRAMS)
    (tmp_path / "q").mkdir()
    (tmp_path / "j").mkdir()
    want = run_qemu(prog, [str(tmp_path / "q")])
    assert want.returncode == 0, want.stderr
    got = run_jitemu(prog, [str(tmp_path / "j")], opts=ENGINES[engine])
    _same(got, want)
    return got


# Both engines on A32; Thumb-2 on the interpreter (the lifter's own tests cover Thumb under the JIT).
RUNS = [("arm-O2", "interp"), ("arm-O2", "jit"), ("thumb-O2", "interp")]


@pytest.mark.parametrize(("variant", "engine"), RUNS)
@pytest.mark.parametrize("name", ["dirs", "pollio", "sockets", "procattr", "procself"])
def test_program_matches_qemu(tmp_path, name: str, variant: str, engine: str) -> None:
    compare(tmp_path, name, variant, engine)
