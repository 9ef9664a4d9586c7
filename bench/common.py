"""Benchmark support: the kernels, their sizes, and running them under qemu-arm and jitemu's engines.

Guest instruction counts come from jitemu itself (``-d stats`` counts every guest instruction executed when
it is enabled), so guest MIPS = instructions / wall seconds for every runner of the same program and size.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from guest import require_tool  # noqa: E402

BUILD = ROOT / "bench" / "build"
# kernel -> (size for qemu-arm and the JIT, size for the interpreter)
KERNELS = {
    "crc": (60_000_000, 100_000),
    "sieve": (20_000_000, 100_000),
    "matmul": (300, 30),
    "hash": (60_000_000, 100_000),
    "sort": (600_000, 5_000),
    "bytecode": (6_000_000, 10_000),
    "strings": (200_000, 1_000),
}


def bench_binary(source: str, out_name: str, flags: list[str], libs: tuple[str, ...] = ()) -> Path:
    """``bench/programs/<source>`` built static into ``bench/build/<out_name>`` (rebuilt when older)."""
    src = ROOT / "bench" / "programs" / source
    out = BUILD / out_name
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        BUILD.mkdir(exist_ok=True)
        cc = require_tool("arm-linux-gnueabihf-gcc")
        subprocess.run([cc, *flags, "-static", "-w", str(src), *libs, "-o", str(out)], check=True)
    return out


def kernels_binary(thumb: bool = True) -> Path:
    return bench_binary(
        "kernels.c", "kernels.thumb" if thumb else "kernels.arm", ["-mthumb" if thumb else "-marm", "-O2"]
    )


TABLE_HEADER = (
    "| kernel | guest insns | qemu-arm s | jit s | total: jit / qemu | hot: qemu MIPS | hot: jit MIPS "
    "| hot: jit / qemu | interp MIPS | hot jit / interp |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def command(runner: str, prog: Path, args: list[str], extra: list[str] = ()) -> list[str]:
    if runner == "qemu":
        return [require_tool("qemu-arm"), str(prog), *args]
    return [sys.executable, "-m", "jitemu", "-engine", runner, *extra, "arm", str(prog), *args]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def run(runner: str, prog: Path, args: list[str], extra: list[str] = ()) -> tuple[float, bytes, bytes]:
    """Run once; returns (wall seconds, stdout, stderr).  Fails on a non-zero exit."""
    t0 = time.perf_counter()
    p = subprocess.run(command(runner, prog, args, extra), capture_output=True, env=env())
    dt = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    return dt, p.stdout, p.stderr


def stat(err: bytes, name: str) -> float:
    """The value of one ``-d stats`` line in a run's stderr."""
    m = re.search(rb"jitemu: " + name.encode() + rb": ([0-9.]+)", err)
    assert m, err.decode(errors="replace")[-2000:]
    return float(m.group(1))


def guest_insns(prog: Path, args: list[str]) -> int:
    """Guest instructions the program executes (counted by the JIT with ``-d stats``)."""
    return int(stat(run("jit", prog, args, ["-d", "stats"])[2], "guest instructions"))
