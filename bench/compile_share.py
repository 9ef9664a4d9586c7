"""How much of a long run the JIT spends compiling: every kernel scaled to about ``--seconds`` of wall time
under the JIT with no code cache, then its compile time as a share of that wall time.

    python3 bench/compile_share.py [--seconds 10] [KERNEL...]

Compile time = lowering (LLVM IR made in Python, in the guest thread) + LLVM's CPU time (tier 1 in the
guest thread, tier 2 on the compiler thread, where it overlaps with the guest), both from ``-d stats``.
The wall time comes from a run without ``-d stats`` (counting instructions slows generated code down).
"""

from __future__ import annotations

import argparse

from common import KERNELS, kernels_binary, run, stat

NO_CACHE = ["-jit-cache", "off"]
POWER = {"matmul": 3}  # run time grows as size ** POWER (others: linearly)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("kernels", nargs="*", default=list(KERNELS))
    opts = ap.parse_args()
    prog = kernels_binary()
    print("| kernel | size | wall s | lowering s | LLVM CPU s | compile share | modules |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for k in opts.kernels:
        size = KERNELS[k][0]
        wall = run("jit", prog, [k, str(size)], NO_CACHE)[0]
        for _ in range(4):  # start-up and compiling make the time grow slower than the size at first
            if abs(wall - opts.seconds) < 0.15 * opts.seconds:
                break
            size = max(1, round(size * (opts.seconds / wall) ** (1 / POWER.get(k, 1))))
            wall = run("jit", prog, [k, str(size)], NO_CACHE)[0]
        err = run("jit", prog, [k, str(size)], [*NO_CACHE, "-d", "stats"])[2]
        lowering, llvm = stat(err, "lowering seconds"), stat(err, "compile CPU seconds")
        modules = int(stat(err, "modules compiled"))
        share = (lowering + llvm) / wall
        print(f"| {k} | {size:,} | {wall:.2f} | {lowering:.2f} | {llvm:.2f} | {100 * share:.1f}% | {modules} |")


if __name__ == "__main__":
    main()
