"""execveat under both engines against the host kernel: tests/linux_user/programs/execveat.c compiled for
the host and for ARM must print the same (qemu-arm 7.2, the usual reference, returns ENOSYS for it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from guest import BUILD, build, compile_to, require_tool, run_jitemu

PROGRAMS = Path(__file__).resolve().parent / "programs"


def _setup(dest: Path, prog: Path) -> Path:
    dest.mkdir()
    shutil.copy(prog, dest / "prog")
    (dest / "link").symlink_to("prog")
    return dest


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_execveat_matches_the_host_kernel(tmp_path: Path, engine: str) -> None:
    host_prog = BUILD / "execveat.host"
    src = PROGRAMS / "execveat.c"
    compile_to(host_prog, [require_tool("gcc"), "-O2", "-w", str(src)])
    want = subprocess.run([str(host_prog), str(_setup(tmp_path / "h", host_prog))], capture_output=True)
    assert want.returncode == 0, want.stderr
    assert b"by fd: child argv0=renamed env=yes" in want.stdout
    arm_prog = build("execveat", "thumb-O2", src_dir=PROGRAMS)
    opts = ["-engine", engine] + (["-jit-threshold", "20"] if engine == "jit" else [])
    got = run_jitemu(arm_prog, [str(_setup(tmp_path / "a", arm_prog))], opts=opts)
    assert got.stdout.decode() == want.stdout.decode(), got.stderr.decode()[-2000:]
    assert got.returncode == 0
