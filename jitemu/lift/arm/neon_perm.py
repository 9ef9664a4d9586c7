"""Advanced SIMD data movement: element and structure loads/stores (VLDn/VSTn), VDUP, VEXT, VREV,
VZIP/VUZP/VTRN, VTBL/VTBX, VSWP and the narrowing moves (semantics of the data-dependent ones:
``jitemu.neon.perm``).

Loads/stores are decoded from the encoding (A7.7: A32 ``1111 0100 A D L 0`` / T32 ``1111 1001 A D L 0`` with
the same low 24 bits), as capstone reports neither lanes nor register spacing in a usable form.  Fixed lane
permutations (de-interleaving loads, zips, reversals, VEXT, VDUP scalar, VMOVN) are plain IR built by
``shuffle``: a shift and a mask per distinct lane displacement.
"""

from __future__ import annotations

from dataclasses import dataclass

from capstone import arm as A

from jitemu.ir import Const, Value, c32
from jitemu.lift.ctx import LiftCtx, Unlifted, simd_lifts


def shuffle(ctx: LiftCtx, srcs: list[Value], width: int, esize: int, picks: list[tuple[int, int]]) -> Value:
    """The value whose lane i (of ``esize`` bits) is lane ``picks[i][1]`` of ``srcs[picks[i][0]]``; all
    sources and the result are ``width`` bits wide."""
    b = ctx.b
    groups: dict[tuple[int, int], int] = {}
    m = (1 << esize) - 1
    for i, (s, lane) in enumerate(picks):
        key = (s, (i - lane) * esize)
        groups[key] = groups.get(key, 0) | m << (i * esize)
    acc: Value | None = None
    for (s, delta), mask in groups.items():
        v = srcs[s]
        if delta > 0:
            v = b.shl(v, Const(delta, width))
        elif delta < 0:
            v = b.lshr(v, Const(-delta, width))
        if mask != (1 << width) - 1:
            v = b.and_(v, Const(mask, width))
        acc = v if acc is None else b.or_(acc, v)
    assert acc is not None
    return acc


def replicate(ctx: LiftCtx, v: Value, esize: int, width: int) -> Value:
    """The ``esize``-bit value v copied into every lane of a ``width``-bit value."""
    b = ctx.b
    return b.mul(b.zext(b.trunc(v, esize), width), Const(sum(1 << i for i in range(0, width, esize)), width))


# ---- element and structure loads/stores (A7.7) ----------------------------------------------------------------
@dataclass(frozen=True)
class Xfer:
    """One VLDn/VSTn: ``form`` is 'multi' (whole registers), 'lane' (one lane of each register) or 'all'
    (one structure replicated to all lanes); ``groups`` the D registers of each structure group, in memory
    order; ``nbytes`` the bytes transferred (the writeback amount with Rm = 13)."""

    load: bool
    form: str
    esize: int
    groups: tuple[tuple[int, ...], ...]
    index: int = 0
    alignment: int = 1

    spread: bool = False  # VLD1 all lanes to two registers: one element read, two registers written

    @property
    def nbytes(self) -> int:
        regs = sum(len(g) for g in self.groups)
        return 8 * regs if self.form == "multi" else self.esize // 8 * (1 if self.spread else regs)


# type field of the multiple-structures form: (structure size n, register groups, register spacing)
MULTI = {
    0b0111: (1, 1, 1), 0b1010: (1, 2, 1), 0b0110: (1, 3, 1), 0b0010: (1, 4, 1),
    0b1000: (2, 1, 1), 0b1001: (2, 1, 2), 0b0011: (2, 2, 2),
    0b0100: (3, 1, 1), 0b0101: (3, 1, 2),
    0b0000: (4, 1, 1), 0b0001: (4, 1, 2),
}  # fmt: skip


def _undef(cond: bool, why: str) -> None:
    if cond:
        raise Unlifted(why)


def decode_ldst(raw: int) -> Xfer:
    """Decode an element/structure load/store; ``Unlifted`` for UNDEFINED encodings (and the
    UNPREDICTABLE register lists running past d31, which QEMU also treats as UNDEFINED)."""
    load = bool(raw >> 21 & 1)
    d = (raw >> 22 & 1) << 4 | (raw >> 12 & 0xF)
    if not raw >> 23 & 1:
        typ, size, align = raw >> 8 & 0xF, raw >> 6 & 3, raw >> 4 & 3
        if typ not in MULTI:
            raise Unlifted("element/structure load/store type")
        n, regs, inc = MULTI[typ]
        bad = {0b0111: align & 2, 0b1010: align == 3, 0b0110: align & 2,
               0b1000: align == 3, 0b1001: align == 3, 0b0100: align & 2, 0b0101: align & 2}  # fmt: skip
        _undef(bool(bad.get(typ)) or (n > 1 and size == 3), "UNDEFINED alignment/size")
        if n == 1:
            groups = tuple((d + r,) for r in range(regs))
        else:
            groups = tuple(tuple(d + r + k * inc for k in range(n)) for r in range(regs))
        alignment = (8 if align & 1 else 1) if n == 3 else (4 << align if align else 1)
        x = Xfer(load, "multi", 8 << size, groups, alignment=alignment)
    elif raw >> 10 & 3 != 3:
        size, n, ia = raw >> 10 & 3, (raw >> 8 & 3) + 1, raw >> 4 & 0xF
        index = ia >> (size + 1)
        low = ia & ((2 << size) - 1)  # the index_align bits below the index
        inc = 2 if size and low >> size & 1 else 1
        if n == 1:
            _undef(low >> size & 1 or (size == 2 and low not in (0, 3)), "UNDEFINED index_align")
            inc = 1
        elif n == 2:
            _undef(size == 2 and low & 2, "UNDEFINED index_align")
        elif n == 3:
            _undef(low & (3 if size == 2 else 1), "UNDEFINED index_align")
        else:
            _undef(size == 2 and low & 3 == 3, "UNDEFINED index_align")
        ebytes = 1 << size
        alignment = 1
        if low & 1 and n != 3:
            alignment = {1: ebytes, 2: 2 * ebytes, 4: 4 * ebytes if size < 2 else 4 << (low & 3)}[n]
        x = Xfer(load, "lane", 8 << size, (tuple(d + k * inc for k in range(n)),), index, alignment)
    else:
        n, size, t, a = (raw >> 8 & 3) + 1, raw >> 6 & 3, raw >> 5 & 1, raw >> 4 & 1
        _undef(not load, "UNDEFINED: no store to all lanes")
        _undef(size == 3 and (n != 4 or not a), "UNDEFINED size")
        _undef((n == 1 and size == 0 and a) or (n == 3 and a), "UNDEFINED alignment")
        esize = 32 if size == 3 else 8 << size
        if n == 1:
            regs = (d, d + 1) if t else (d,)
            x = Xfer(load, "all", esize, (regs,), alignment=esize // 8 if a else 1, spread=bool(t))
        else:
            inc = 2 if t else 1
            alignment = (16 if size == 3 else 8 if size == 2 else 4 * esize // 8) if n == 4 else 2 * esize // 8
            x = Xfer(load, "all", esize, (tuple(d + k * inc for k in range(n)),), alignment=alignment if a else 1)
    _undef(max(max(g) for g in x.groups) > 31, "register list past d31")
    return x


def _load_multi(ctx: LiftCtx, x: Xfer, addr: Value) -> list[tuple[int, Value]]:
    b = ctx.b
    writes, off = [], 0
    for g in x.groups:
        words = [b.load(b.add(addr, c32(off + 8 * j)) if off + 8 * j else addr, 64) for j in range(len(g))]
        off += 8 * len(g)
        if len(g) == 1:
            writes.append((g[0], words[0]))
            continue
        per = 64 // x.esize  # lanes per word
        for k, reg in enumerate(g):  # lane e of register k: element e * n + k of the group
            picks = [((e * len(g) + k) // per, (e * len(g) + k) % per) for e in range(per)]
            writes.append((reg, shuffle(ctx, words, 64, x.esize, picks)))
    return writes


def _store_multi(ctx: LiftCtx, x: Xfer, addr: Value) -> None:
    b = ctx.b
    off = 0
    for g in x.groups:
        regs = [b.get(f"d{r}", 64) for r in g]
        per = 64 // x.esize
        for j in range(len(g)):  # element i of the group comes from register i % n, lane i // n
            picks = [((j * per + t) % len(g), (j * per + t) // len(g)) for t in range(per)]
            word = regs[0] if len(g) == 1 else shuffle(ctx, regs, 64, x.esize, picks)
            b.store(b.add(addr, c32(off)) if off else addr, word)
            off += 8


def _element_lift(ctx: LiftCtx, x: Xfer, addr: Value) -> list[tuple[int, Value]]:
    """Single lane and all lanes: one element per register of the group (VLD1 to two registers: one
    element for both)."""
    b = ctx.b
    eb, regs = x.esize // 8, x.groups[0]
    mask = ((1 << x.esize) - 1) << (x.index * x.esize)
    writes = []
    if x.spread:
        v = replicate(ctx, b.load(addr, x.esize), x.esize, 64)
        return [(r, v) for r in regs]
    if not x.load:
        for k, r in enumerate(regs):
            lane = b.trunc(b.lshr(b.get(f"d{r}", 64), Const(x.index * x.esize, 64)), x.esize)
            b.store(b.add(addr, c32(k * eb)) if k else addr, lane)
        return writes
    vals = [b.load(b.add(addr, c32(k * eb)) if k else addr, x.esize) for k in range(len(regs))]
    for r, v in zip(regs, vals, strict=True):
        if x.form == "all":
            writes.append((r, replicate(ctx, v, x.esize, 64)))
        else:
            old = b.and_(b.get(f"d{r}", 64), Const(~mask & (1 << 64) - 1, 64))
            writes.append((r, b.or_(old, b.shl(b.zext(v, 64), Const(x.index * x.esize, 64)))))
    return writes


LDST = (A.ARM_INS_VLD1, A.ARM_INS_VLD2, A.ARM_INS_VLD3, A.ARM_INS_VLD4,
        A.ARM_INS_VST1, A.ARM_INS_VST2, A.ARM_INS_VST3, A.ARM_INS_VST4)  # fmt: skip


@simd_lifts(*LDST)
def lift_ldst(ctx: LiftCtx) -> None:
    """VLD1-4 / VST1-4 in every form.  All memory accesses come before any register write (a fault leaves
    the registers unchanged); Rm = 15: no writeback, 13: Rn += bytes transferred, else Rn += Rm.
    Alignment qualifiers are not checked (no alignment faults)."""
    raw, b = ctx.raw, ctx.b
    x = decode_ldst(raw)
    rn, rm = raw >> 16 & 0xF, raw & 0xF
    addr = ctx.reg(rn)
    if x.form == "multi":
        writes = _load_multi(ctx, x, addr) if x.load else _store_multi(ctx, x, addr) or []
    else:
        writes = _element_lift(ctx, x, addr)
    if rm == 13:
        ctx.set_reg(rn, b.add(addr, c32(x.nbytes)))
    elif rm != 15:
        ctx.set_reg(rn, b.add(addr, ctx.reg(rm)))
    for r, v in writes:
        b.set(f"d{r}", v)
