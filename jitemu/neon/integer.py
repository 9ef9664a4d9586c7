"""Advanced SIMD integer operations: arithmetic (plain, saturating), registered in ``jitemu.fpu.FP_OPS``.

Plain element-wise add and subtract are also expressible in the IR's integer ops lane by lane, but as
``FP`` operations the LLVM backend can map them onto LLVM vector instructions (``codegen/llvm.py``)."""

from __future__ import annotations

from jitemu.neon.lanes import elementwise, saturate

ESIZES = (8, 16, 32, 64)


def _build() -> None:
    for e in ESIZES:
        elementwise(f"add.i{e}", e, lambda a, b: a + b)
        elementwise(f"sub.i{e}", e, lambda a, b: a - b)
        for s in (True, False):
            t = f"{'s' if s else 'u'}{e}"
            elementwise(f"qadd.{t}", e, lambda a, b, e=e, s=s: saturate(a + b, e, s), is_signed=s, sat=True)
            elementwise(f"qsub.{t}", e, lambda a, b, e=e, s=s: saturate(a - b, e, s), is_signed=s, sat=True)


_build()
