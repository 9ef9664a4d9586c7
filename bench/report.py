"""Print the README's benchmark table: every kernel under qemu-arm, the JIT and the interpreter, in one run.

    python3 bench/report.py [--rounds N] [KERNEL...]

Each kernel runs at its size S and at 4*S (median of N runs each; the interpreter runs once, at its own
smaller size).  Columns:
- total: guest instructions at 4*S / wall seconds, start-up included;
- hot: the marginal speed (instructions(4S) - instructions(S)) / (time(4S) - time(S)), which cancels
  start-up, translation and compilation: the speed of hot code.
"""

from __future__ import annotations

import argparse
import statistics

from common import KERNELS, TABLE_HEADER, guest_insns, kernels_binary, run


def _median_time(runner: str, prog, args: list[str], rounds: int) -> float:
    return statistics.median(run(runner, prog, args)[0] for _ in range(rounds))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("kernels", nargs="*", default=list(KERNELS))
    opts = ap.parse_args()
    prog = kernels_binary()
    print(TABLE_HEADER)
    for k in opts.kernels:
        size, small = KERNELS[k]
        a1, a4 = [k, str(size)], [k, str(4 * size)]
        n1, n4 = guest_insns(prog, a1), guest_insns(prog, a4)
        tq1, tq4 = _median_time("qemu", prog, a1, opts.rounds), _median_time("qemu", prog, a4, opts.rounds)
        tj1, tj4 = _median_time("jit", prog, a1, opts.rounds), _median_time("jit", prog, a4, opts.rounds)
        n_small = guest_insns(prog, [k, str(small)])
        ti = run("interp", prog, [k, str(small)])[0]
        hq, hj, mi = (n4 - n1) / (tq4 - tq1) / 1e6, (n4 - n1) / (tj4 - tj1) / 1e6, n_small / ti / 1e6
        print(f"| {k} | {n4:,} | {tq4:.2f} | {tj4:.2f} | {tq4 / tj4:.2f} | {hq:.0f} | {hj:.0f} | {hj / hq:.2f} "
              f"| {mi:.2f} | {hj / mi:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
