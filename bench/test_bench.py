"""pytest-benchmark: each kernel under qemu-arm and the JIT (same size), and under the interpreter (a smaller
size); the guest MIPS of each run is recorded in the benchmark's extra_info.

    python3 -m pytest bench -q --benchmark-columns=median,min,max
"""

from __future__ import annotations

import pytest
from common import KERNELS, guest_insns, kernels_binary, run

_insns: dict[tuple[str, int], int] = {}


def _count(kernel: str, size: int) -> int:
    if (kernel, size) not in _insns:
        _insns[(kernel, size)] = guest_insns(kernels_binary(), [kernel, str(size)])
    return _insns[(kernel, size)]


@pytest.mark.parametrize("runner", ["qemu", "jit", "interp"])
@pytest.mark.parametrize("kernel", list(KERNELS))
def test_kernel(benchmark, kernel: str, runner: str) -> None:
    size = KERNELS[kernel][1 if runner == "interp" else 0]
    prog = kernels_binary()
    args = [kernel, str(size)]
    rounds = 1 if runner == "interp" else 3
    out = benchmark.pedantic(lambda: run(runner, prog, args)[1], rounds=rounds, iterations=1)
    assert out.startswith(kernel.encode())
    insns = _count(kernel, size)
    benchmark.extra_info["guest_insns"] = insns
    benchmark.extra_info["guest_mips"] = insns / benchmark.stats.stats.median / 1e6
