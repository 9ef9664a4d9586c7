"""Random valid Advanced SIMD (NEON) encodings, from the ARM ARM's diagrams (A7.4 onwards).

A32 data-processing encodings start ``1111 001U``; their T32 twins start ``111U 1111`` with the same low 24 bits,
so each diagram is given once, as its U bit and low 24 bits (``_simd``).  Element and structure loads/stores are
``1111 0100 ...`` (A32) / ``1111 1001 ...`` (T32) with the same low 24 bits (``_simd_ldst``).  Rejections carry
the ARM ARM rule they follow (mostly: Q=1 needs even register numbers, else UNDEFINED).

The classes (``CLASSES``, merged into ``encodings.CLASSES``) each cover a set of instructions completely.
"""

from __future__ import annotations

from collections.abc import Callable

from .encodings import F, Form, _single


def _simd(name: str, u: str, low24: str, ok: Callable[[F], bool] = lambda f: True,
          weight: int = 1) -> tuple[Form, Form]:  # fmt: skip
    """The A32 and T32 forms of one Advanced SIMD data-processing diagram (``u``: '0', '1' or a letter)."""
    return (Form(name, f"1111 001 {u} {low24}", ok, weight=weight),
            Form(name, f"111 {u} 1111 {low24}", ok, weight=weight))  # fmt: skip


def q_even(*regs: str) -> Callable[[F], bool]:
    """Q=1 with an odd register number among ``regs`` (letter of the Vx field) is UNDEFINED."""
    return lambda f: not f.Q or all(f.get(r) & 1 == 0 for r in regs)


def _both(*preds: Callable[[F], bool]) -> Callable[[F], bool]:
    return lambda f: all(p(f) for p in preds)


def pools(forms: list[tuple[Form, Form]]) -> dict[str, Callable]:
    """A class entry: the A32 forms and the T32 forms of ``forms``."""
    return {"A32": _single([p[0] for p in forms]), "T32": _single([p[1] for p in forms])}


# ---- integer add/subtract (VADD, VSUB, VQADD, VQSUB): A7.4.1 three registers of the same length ---------------
NEON_ADDSUB = [
    _simd("vadd_vsub_int", "o", "0 D ss nnnn dddd 1000 N Q M 0 mmmm", q_even("d", "n", "m")),
    _simd("vqadd", "U", "0 D ss nnnn dddd 0000 N Q M 1 mmmm", q_even("d", "n", "m")),
    _simd("vqsub", "U", "0 D ss nnnn dddd 0010 N Q M 1 mmmm", q_even("d", "n", "m")),
]

CLASSES: dict[str, dict[str, Callable]] = {
    "neon_addsub": pools(NEON_ADDSUB),
}


def _simd_ldst(name: str, low24: str, ok: Callable[[F], bool], setup: Callable | None = None) -> tuple[Form, Form]:
    """The A32 (``1111 0100``) and T32 (``1111 1001``) forms of an element/structure load/store diagram."""
    return Form(name, f"1111 0100 {low24}", ok, setup), Form(name, f"1111 1001 {low24}", ok, setup)
