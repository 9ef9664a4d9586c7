"""The floating-point / NEON benchmark (issue 5): ``bench/programs/fpbench.c`` kernels under qemu-arm
(``-cpu max``), the JIT and the interpreter side by side, in one run.

    python3 bench/fp_report.py [--rounds N] [--scale K] [KERNEL...]

Each kernel runs at its size S and 4*S (median of N runs each; the interpreter once, at its own smaller size)
and must print the same checksum under every runner; an untimed JIT run first fills the code cache.
Columns as in ``report.py``: total = the 4*S run, start-up included; hot = (instructions(4S) -
instructions(S)) / (time(4S) - time(S)), the speed of hot code.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from common import TABLE_HEADER, bench_binary, guest_insns, run

# kernel -> (size for qemu-arm and the JIT, size for the interpreter)
FP_KERNELS = {
    "saxpy": (4_000_000, 8_192),
    "dot": (4_000_000, 8_192),
    "normalize": (400_000, 4_096),
    "mandel": (40_000, 400),
    "nbody": (10_000, 100),
    "libm": (10_000, 100),
}
FLAGS = ["-mthumb", "-O3", "-mcpu=cortex-a15", "-mfpu=neon-vfpv4"]


def fp_binary() -> Path:
    return bench_binary("fpbench.c", "fpbench.thumb", FLAGS, libs=("-lm",))


def _median(runner: str, prog: Path, args: list[str], rounds: int, want: bytes) -> float:
    times = []
    for _ in range(rounds):
        dt, out, _ = run(runner, prog, args)
        assert out == want, (runner, args, out, want)
        times.append(dt)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=int, default=1, help="multiply the qemu/JIT sizes (longer runs: hot speed)")
    ap.add_argument("kernels", nargs="*", default=list(FP_KERNELS))
    opts = ap.parse_args()
    os.environ.setdefault("QEMU_CPU", "max")  # common.run passes the environment on to qemu-arm
    prog = fp_binary()
    print(TABLE_HEADER)
    for k in opts.kernels:
        size, small = FP_KERNELS[k]
        size *= opts.scale
        a1, a4, a_small = [k, str(size)], [k, str(4 * size)], [k, str(small)]
        want1, want4, want_small = (run("qemu", prog, a)[1] for a in (a1, a4, a_small))
        n1, n4, n_small = (guest_insns(prog, a) for a in (a1, a4, a_small))
        tq1, tq4 = _median("qemu", prog, a1, opts.rounds, want1), _median("qemu", prog, a4, opts.rounds, want4)
        for a, want in ((a1, want1), (a4, want4)):  # warm the code cache: the timed runs measure warm starts
            _median("jit", prog, a, 1, want)
        tj1, tj4 = _median("jit", prog, a1, opts.rounds, want1), _median("jit", prog, a4, opts.rounds, want4)
        ti = _median("interp", prog, a_small, 1, want_small)
        hq, hj, mi = (n4 - n1) / (tq4 - tq1) / 1e6, (n4 - n1) / (tj4 - tj1) / 1e6, n_small / ti / 1e6
        print(f"| {k} | {n4:,} | {tq4:.2f} | {tj4:.2f} | {tq4 / tj4:.2f} | {hq:.0f} | {hj:.0f} | {hj / hq:.2f} "
              f"| {mi:.2f} | {hj / mi:.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
