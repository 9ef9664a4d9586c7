"""LLVM vector lowering of Advanced SIMD operations (``jitemu.neon``) where LLVM's vector instructions give
exactly ARM's result: the operands are bit-cast to ``<lanes x iN>``, the operation is one or a few vector
instructions, and the result is bit-cast back.  Operations without an entry here go through the runtime
(``jitemu.neon`` in Python), which is always right and much slower.
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir

Lowering = Callable[[ir.IRBuilder, list[ir.Value]], ir.Value]


def _binop(method: str) -> Callable[[int, int], Lowering]:
    def make(esize: int, width: int) -> Lowering:
        vt = ir.VectorType(ir.IntType(esize), width // esize)

        def lower(b: ir.IRBuilder, args: list[ir.Value]) -> ir.Value:
            x, y = (b.bitcast(a, vt) for a in args[:2])
            return b.bitcast(getattr(b, method)(x, y), ir.IntType(width))

        return lower

    return make


# operation (the name's first part) -> (element size, register width) -> lowering of the value
_OPS: dict[str, Callable[[int, int], Lowering]] = {"add": _binop("add"), "sub": _binop("sub")}


def vector_lowering(name: str) -> Lowering | None:
    """How to compute the value of NEON operation ``name`` (``add.i8.q``...) when it leaves the FPSCR alone."""
    parts = name.split(".")
    if len(parts) != 3 or parts[0] not in _OPS or parts[1][0] != "i":
        return None
    return _OPS[parts[0]](int(parts[1][1:]), 128 if parts[2] == "q" else 64)
