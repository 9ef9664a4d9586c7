"""Print the README's benchmark table: every kernel under qemu-arm, the JIT and the interpreter, in one run.

    python3 bench/report.py [--rounds N] [KERNEL...]

Wall time is the median of N runs (the interpreter runs once, at its smaller size).  Guest MIPS is the
guest instruction count (jitemu's own count) divided by wall time, start-up included.
"""

from __future__ import annotations

import argparse
import statistics

from common import KERNELS, guest_insns, kernels_binary, run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("kernels", nargs="*", default=list(KERNELS))
    opts = ap.parse_args()
    prog = kernels_binary()
    print(
        "| kernel | guest insns | qemu-arm s | jit s | qemu MIPS | jit MIPS | interp MIPS | jit / qemu | jit / interp |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k in opts.kernels:
        big, small = KERNELS[k]
        args = [k, str(big)]
        n = guest_insns(prog, args)
        tq = statistics.median(run("qemu", prog, args)[0] for _ in range(opts.rounds))
        tj = statistics.median(run("jit", prog, args)[0] for _ in range(opts.rounds))
        n_small = guest_insns(prog, [k, str(small)])
        ti = run("interp", prog, [k, str(small)])[0]
        mq, mj, mi = n / tq / 1e6, n / tj / 1e6, n_small / ti / 1e6
        print(f"| {k} | {n:,} | {tq:.2f} | {tj:.2f} | {mq:.0f} | {mj:.0f} | {mi:.2f} | {mj / mq:.2f} | {mj / mi:.0f} |")


if __name__ == "__main__":
    main()
