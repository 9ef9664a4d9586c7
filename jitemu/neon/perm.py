"""Advanced SIMD data movement that depends on the data, so is not plain IR: table lookups (VTBL/VTBX) and
the saturating narrowing moves (VQMOVN/VQMOVUN), registered in ``jitemu.fpu.FP_OPS``.  Fixed permutations
(zips, reversals, VEXT, VDUP, VMOVN) are shifts and masks in the IR (``jitemu.lift.arm.neon_perm``)."""

from __future__ import annotations

from jitemu.fpu import register
from jitemu.neon.lanes import narrowing, saturate


def _table(n: int, extension: bool):
    """``tbl.i8.d.<n>`` (index, table registers...) and ``tbx.i8.d.<n>`` (old destination, index, table
    registers...): each index byte picks a byte of the n-register table; out of range gives 0 (VTBL) or
    leaves the destination byte (VTBX)."""

    def op(*args: int) -> tuple[int, int]:
        *vals, fpscr = args
        old = vals.pop(0) if extension else 0
        idx, table = vals[0], vals[1:]
        tb = b"".join(t.to_bytes(8, "little") for t in table)
        out = bytearray(old.to_bytes(8, "little"))
        for i, x in enumerate(idx.to_bytes(8, "little")):
            if x < len(tb):
                out[i] = tb[x]
        return int.from_bytes(out, "little"), fpscr

    return op


def _build() -> None:
    for n in range(1, 5):
        register(f"tbl.i8.d.{n}", _table(n, False), (64,) * (n + 1), 64)
        register(f"tbx.i8.d.{n}", _table(n, True), (64,) * (n + 2), 64)
    for e in (16, 32, 64):
        h = e // 2
        narrowing(f"qmovn.s{e}", e, lambda x, h=h: saturate(x, h, True), is_signed=True, sat=True)
        narrowing(f"qmovn.u{e}", e, lambda x, h=h: saturate(x, h, False), sat=True)
        narrowing(f"qmovun.s{e}", e, lambda x, h=h: saturate(x, h, False), is_signed=True, sat=True)


_build()
