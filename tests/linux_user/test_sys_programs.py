"""System calls real programs use, end to end: the C programs in tests/linux_user/programs for directories and
metadata, pipes and polling, sockets and /proc run under qemu-arm and under jitemu with each engine (the JIT
compiling from the first run of a block), each in a fresh scratch directory it gets as argv[1]; stdout and
the exit status must agree."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from guest import Result, require_tool, run_jitemu, run_qemu
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


# Calls whose -strace lines qemu-arm 7.2 decodes the way jitemu does (the others it prints as six raw
# numbers, which jitemu decodes); pids, addresses and ephemeral ports are masked.
QEMU_DECODED = ("ioctl", "openat", "fcntl64", "mknodat", "socket", "bind", "umask", "chmod", "fchmod", "link",
                "symlink", "symlinkat", "readlink", "mlockall", "utimensat", "mkdir", "unlink", "rename")  # fmt: skip


def _decoded_lines(stderr: bytes) -> list[str]:
    lines = stderr.decode("latin-1").splitlines()
    pick = [re.sub(r"0x[0-9a-f]{8}", "ADDR", line.split(" ", 1)[1]) for line in lines if re.match(r"\d+ \w+\(", line)]
    pick = [re.sub(r"htons\([1-9]\d*\)", "htons(PORT)", line) for line in pick]  # ports the kernel chose
    return [line for line in pick if line.split("(", 1)[0] in QEMU_DECODED]


@pytest.mark.parametrize("name", ["procattr", "dirs", "sockets"])
def test_strace_lines_match_qemu(tmp_path, name: str) -> None:
    prog = build_program(name, "arm-O2", src_dir=PROGRAMS)
    (tmp_path / "q").mkdir()
    (tmp_path / "j").mkdir()
    qemu = subprocess.run([require_tool("qemu-arm"), "-strace", str(prog), str(tmp_path / "q")], capture_output=True,
                          timeout=120)  # fmt: skip
    got = run_jitemu(prog, [str(tmp_path / "j")], opts=["-engine", "interp", "-strace"])
    assert got.returncode == qemu.returncode == 0, got.stderr[-2000:]
    want = [line.replace(str(tmp_path / "q"), "DIR") for line in _decoded_lines(qemu.stderr)]
    have = [line.replace(str(tmp_path / "j"), "DIR") for line in _decoded_lines(got.stderr)]
    assert len(want) > 10
    assert have == want
