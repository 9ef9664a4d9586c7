"""Shared test support: building the project's C programs for ARM and running them under jitemu and qemu-arm.

Programs in tests/programs/*.c are compiled with arm-linux-gnueabihf-gcc -static in four variants
(A32/T32 x -O0/-O2) into tests/programs/build/, rebuilt only when the source is newer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "programs"
BUILD = PROGRAMS / "build"
CC = "arm-linux-gnueabihf-gcc"
QEMU = "qemu-arm"
VARIANTS = {
    "arm-O0": ["-marm", "-O0"],
    "arm-O2": ["-marm", "-O2"],
    "thumb-O0": ["-mthumb", "-O0"],
    "thumb-O2": ["-mthumb", "-O2"],
}


def require_tool(name: str) -> str:
    """The path of a tool the tests need; a missing tool is a test failure, never a skip."""
    path = shutil.which(name)
    assert path, f"{name} is not installed (.ci/run installs it)"
    return path


def build(name: str, variant: str, extra: tuple[str, ...] = (), src_dir: Path = PROGRAMS, static: bool = True,
          libs: tuple[str, ...] = ()) -> Path:  # fmt: skip
    """``src_dir/name.c`` compiled for ARM (rebuilt when the source is newer than the binary); ``libs`` (e.g.
    ``-lm``) follow the source on the command line, as static linking needs."""
    src = src_dir / f"{name}.c"
    tag = "".join(x.strip("-").replace("=", "") for x in extra)
    out = BUILD / f"{src_dir.name}-{name}.{variant}{'' if static else '.dyn'}{'.' + tag if tag else ''}"
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        link = ["-static"] if static else []
        compile_to(out, [require_tool(CC), *link, "-w", *VARIANTS[variant], *extra, str(src), *libs])
    return out


def compile_to(out: Path, cmd: list[str]) -> None:
    """Run a compiler command (without ``-o``) so that ``out`` appears whole: test workers running in
    parallel (pytest -n) may build the same program at once, and none may run a half-written file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    subprocess.run([*cmd, "-o", str(tmp)], check=True, capture_output=True)
    os.replace(tmp, out)


@dataclass
class Result:
    returncode: int
    stdout: bytes
    stderr: bytes


def run_qemu(prog: Path, args: list[str] = (), env: dict | None = None, timeout: float = 60) -> Result:
    p = subprocess.run([require_tool(QEMU), str(prog), *args], capture_output=True, env=env, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr)


def run_jitemu(prog: Path | str, args: list[str] = (), opts: list[str] = (), env: dict | None = None,
               timeout: float = 300, cwd: Path | None = None) -> Result:  # fmt: skip
    cmd = [sys.executable, "-m", "jitemu", *opts, "arm", str(prog), *args]
    e = dict(os.environ if env is None else env)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    p = subprocess.run(cmd, capture_output=True, env=e, cwd=cwd, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr)


QEMU_BINFMT = ROOT / "tests" / "qemu-binfmt.sh"


def run_qemu_exec(argv: list[str], env: dict | None = None, cwd: Path | None = None, timeout: float = 120) -> Result:
    """Run an ARM program (``argv[0]``) under qemu-arm such that the ARM programs it executes run under
    qemu-arm too: inside a private user and mount namespace with a binfmt_misc entry for ARM ELF files
    (tests/qemu-binfmt.sh).  qemu-arm runs a guest's execve with the host kernel, so this is the reference
    for programs that exec."""
    require_tool(QEMU)
    cmd = [require_tool("unshare"), "--user", "--map-root-user", "--mount", str(QEMU_BINFMT), *map(str, argv)]
    r = run_group(cmd, env=env, cwd=cwd, timeout=timeout)
    assert b"binfmt_misc" not in r.stderr, r.stderr.decode(errors="replace")  # the namespace could not be set up
    return r


def run_group(cmd: list, env: dict | None = None, cwd: Path | None = None, timeout: float = 120) -> Result:
    """Run ``cmd`` in a new session; on timeout kill its whole process group (children that keep the
    output pipes open included) and fail."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                         start_new_session=True)  # fmt: skip
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, err = p.communicate()
        raise AssertionError(f"timed out after {timeout}s: {cmd}\n{err.decode(errors='replace')[-2000:]}") from None
    return Result(p.returncode, out, err)
