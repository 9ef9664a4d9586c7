"""Processes under both engines, compared with qemu-arm: fork, vfork, clone, wait4/waitid, statuses and
signals of children, process groups, execve of ARM programs, #! scripts and host programs, exec errors
(tests/linux_user/programs/procs.c).  qemu-arm runs in a private binfmt_misc namespace
(guest.run_qemu_exec) so that what the guest executes runs under qemu-arm as well."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from guest import build, run_jitemu, run_qemu_exec

PROGRAMS = Path(__file__).resolve().parent / "programs"
ENGINES = {"interp": ["-engine", "interp"], "jit": ["-engine", "jit", "-jit-threshold", "50"]}


def _procs(variant: str) -> Path:
    return build("procs", variant, src_dir=PROGRAMS)


def _clone_ptid_as_linux(out: bytes) -> bytes:
    """CLONE_PARENT_SETTID without CLONE_VM: Linux (kernel/fork.c, kernel_clone) stores the child's tid in
    the parent's memory after copying it, so the parent sees it and the child does not; qemu-arm stores it
    in the child's copy instead.  jitemu does what Linux does: turn qemu's lines into Linux's."""
    out = re.sub(rb"clone child: ctid is me=1 ptid=\d+", b"clone child: ctid is me=1 ptid=0", out)
    return out.replace(b"clone parent: ptid is child=0", b"clone parent: ptid is child=1")


@pytest.mark.parametrize(("variant", "engine"), [("arm-O2", "interp"), ("thumb-O0", "interp"), ("thumb-O2", "jit")])
def test_processes_match_qemu(tmp_path: Path, variant: str, engine: str) -> None:
    prog = _procs(variant)
    (tmp_path / "q").mkdir()
    (tmp_path / "j").mkdir()
    want = run_qemu_exec([prog, tmp_path / "q"])
    assert want.returncode == 0, want.stderr
    got = run_jitemu(prog, [str(tmp_path / "j")], opts=ENGINES[engine])
    assert b"Traceback" not in got.stderr and b"internal error" not in got.stderr, got.stderr.decode()
    assert got.stdout.decode() == _clone_ptid_as_linux(want.stdout).decode()
    assert got.returncode == want.returncode
    # the children that died by SIGSEGV and SIGABRT said so, each in its own words
    assert got.stderr.count(b"jitemu: uncaught target signal 11 (Segmentation fault) - core dumped") == 1
    assert got.stderr.count(b"jitemu: uncaught target signal 6 (Aborted) - core dumped") == 1


def test_exec_passes_options_on(tmp_path: Path) -> None:
    """An ARM program the guest executes runs under jitemu with the same options: -strace logs the new
    images' system calls too, each under its own pid."""
    got = run_jitemu(_procs("arm-O2"), [str(tmp_path)], opts=["-engine", "interp", "-strace"])
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    pids = set(re.findall(rb"^(\d+) readlink\(\"/proc/self/exe\"", got.stderr, re.M))
    assert len(pids) >= 5  # the program and the ARM images its children executed


def test_guest_environment_is_passed_exactly(tmp_path: Path) -> None:
    """The guest's environment reaches the new image unchanged and is never read as jitemu options or
    Python settings: QEMU_STRACE and PYTHONHOME in it change nothing."""
    prog = _procs("arm-O2")
    env = dict(os.environ, PROCS_VAR="outer")
    opts = ["-engine", "interp", "-E", "QEMU_STRACE=1", "-E", "PYTHONHOME=/nonexistent", "-E", "QEMU_SET_ENV=X=1"]
    got = run_jitemu(prog, [str(tmp_path)], opts=opts, env=env)
    assert got.returncode == 0, got.stderr.decode()
    assert f"child: argc=2 argv0=other-name PROCS_VAR=outer exe={prog.name}\n".encode() in got.stdout
    assert b"readlink(" not in got.stderr
