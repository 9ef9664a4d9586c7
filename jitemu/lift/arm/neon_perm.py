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

from jitemu.ir import Cond, Const, ExitKind, Value, c32
from jitemu.lift.arm.neon import read_vec, vec_op, write_vec
from jitemu.lift.arm.vfp import simd_expand_imm
from jitemu.lift.ctx import LiftCtx, Unlifted, simd_lifts, space_lifts


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
    alignment: int = 1  # what the alignment qualifier demands, in bytes
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


def _store_multi(ctx: LiftCtx, x: Xfer, addr: Value) -> list[tuple[int, Value]]:
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
    return []


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


# qemu-arm (7.2, the reference) checks ``:256`` as 16-byte alignment; the ARM ARM demands 32 bytes
MAX_CHECKED_ALIGNMENT = 16


def check_alignment(ctx: LiftCtx, addr: Value, alignment: int) -> None:
    """An alignment fault (guest SIGBUS) unless ``addr`` is a multiple of ``alignment`` (at most 16)."""
    alignment = min(alignment, MAX_CHECKED_ALIGNMENT)
    if alignment == 1:
        return
    b = ctx.b
    ok = b.new_label()
    b.brcond(b.setcond(Cond.EQ, b.and_(addr, c32(alignment - 1)), c32(0)), ok)
    b.set("exit_arg", addr)
    ctx.trap(ExitKind.ALIGN)
    ctx.ended = False  # only the misaligned path left
    b.label(ok)


@simd_lifts(*LDST)
def lift_ldst(ctx: LiftCtx) -> None:
    """VLD1-4 / VST1-4 in every form.  An address not aligned as the qualifier demands faults; all memory
    accesses come before any register write (a fault leaves the registers unchanged); Rm = 15: no
    writeback, 13: Rn += bytes transferred, else Rn += Rm."""
    raw, b = ctx.raw, ctx.b
    x = decode_ldst(raw)
    rn, rm = raw >> 16 & 0xF, raw & 0xF
    addr = ctx.reg(rn)
    check_alignment(ctx, addr, x.alignment)
    if x.form == "multi":
        writes = (_load_multi if x.load else _store_multi)(ctx, x, addr)
    else:
        writes = _element_lift(ctx, x, addr)
    if rm == 13:
        ctx.set_reg(rn, b.add(addr, c32(x.nbytes)))
    elif rm != 15:
        ctx.set_reg(rn, b.add(addr, ctx.reg(rm)))
    for r, v in writes:
        b.set(f"d{r}", v)


# ---- register-to-register data movement ---------------------------------------------------------------------
def _fields(raw: int) -> tuple[int, int, int, int]:
    """D:Vd, N:Vn, M:Vm and Q of an Advanced SIMD data-processing encoding (same bits in A32 and T32)."""
    return ((raw >> 22 & 1) << 4 | raw >> 12 & 0xF, (raw >> 7 & 1) << 4 | raw >> 16 & 0xF,
            (raw >> 5 & 1) << 4 | raw & 0xF, raw >> 6 & 1)  # fmt: skip


def _check(r: int, q: int) -> None:
    if q and r & 1:
        raise Unlifted("UNDEFINED: Q register with an odd D number")


def _get(ctx: LiftCtx, r: int, q: int) -> Value:
    """D register r, or (q) the Q register whose low half is d<r>; an odd r with Q is UNDEFINED."""
    _check(r, q)
    return read_vec(ctx, "q", r >> 1) if q else read_vec(ctx, "d", r)


def _put(ctx: LiftCtx, r: int, q: int, v: Value) -> None:
    write_vec(ctx, "q" if q else "d", r >> 1 if q else r, v)


@simd_lifts(A.ARM_INS_VDUP)
def lift_vdup(ctx: LiftCtx) -> None:
    """VDUP (core register), A8.8.319, and VDUP (scalar), A8.8.318: one element to every lane."""
    raw = ctx.raw
    d, _, m, q = _fields(raw)
    if raw >> 8 & 0xF == 0b1011:  # from a core register: B:E gives the size
        be = (raw >> 22 & 1) << 1 | raw >> 5 & 1
        q, d = raw >> 21 & 1, (raw >> 7 & 1) << 4 | raw >> 16 & 0xF
        if be == 3:
            raise Unlifted("UNDEFINED VDUP size")
        esize, v = (32, 16, 8)[be], ctx.reg(raw >> 12 & 0xF)
    else:
        imm4 = raw >> 16 & 0xF
        if imm4 & 7 == 0:
            raise Unlifted("UNDEFINED VDUP scalar size")
        esize = 8 if imm4 & 1 else 16 if imm4 & 2 else 32
        index = imm4 >> (esize.bit_length() - 3)
        v = ctx.b.lshr(read_vec(ctx, "d", m), Const(index * esize, 64))
    _check(d, q)
    width = 128 if q else 64
    _put(ctx, d, q, replicate(ctx, v, esize, width))


@simd_lifts(A.ARM_INS_VEXT)
def lift_vext(ctx: LiftCtx) -> None:
    """VEXT: bytes imm4 upwards of Vm:Vn (A8.8.316); imm4 >= 8 with D registers is UNDEFINED."""
    d, n, m, q = _fields(ctx.raw)
    imm = ctx.raw >> 8 & 0xF
    if not q and imm & 8:
        raise Unlifted("UNDEFINED VEXT immediate")
    width = 128 if q else 64
    nl = width // 8
    picks = [(0, i + imm) if i + imm < nl else (1, i + imm - nl) for i in range(nl)]
    _put(ctx, d, q, shuffle(ctx, [_get(ctx, n, q), _get(ctx, m, q)], width, 8, picks))


REV = {A.ARM_INS_VREV64: 64, A.ARM_INS_VREV32: 32, A.ARM_INS_VREV16: 16}


@simd_lifts(*REV)
def lift_vrev(ctx: LiftCtx) -> None:
    """VREV16/32/64: reverse the elements within each 16/32/64-bit group (A8.8.387)."""
    d, _, m, q = _fields(ctx.raw)
    esize, group = 8 << (ctx.raw >> 18 & 3), REV[ctx.insn.id]
    if esize >= group:
        raise Unlifted("UNDEFINED VREV size")
    width, per = 128 if q else 64, group // esize
    picks = [(0, i ^ (per - 1)) for i in range(width // esize)]
    _put(ctx, d, q, shuffle(ctx, [_get(ctx, m, q)], width, esize, picks))


def _two(nl: int, kind: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The lane picks from (Vd, Vm) for the new Vd and Vm of VSWP/VTRN/VUZP/VZIP (``kind`` 0-3)."""
    if kind == 0:  # VSWP
        return [(1, i) for i in range(nl)], [(0, i) for i in range(nl)]
    if kind == 1:  # VTRN: Vd[2i+1] <-> Vm[2i]
        return ([(i & 1, i & ~1) for i in range(nl)], [(i & 1, i | 1) for i in range(nl)])
    if kind == 2:  # VUZP: even / odd elements of Vm:Vd
        cat = [(0, i) for i in range(nl)] + [(1, i) for i in range(nl)]
        return [cat[2 * i] for i in range(nl)], [cat[2 * i + 1] for i in range(nl)]
    zipped = [(s, i) for i in range(nl) for s in (0, 1)]  # VZIP: interleave, low half to Vd
    return zipped[:nl], zipped[nl:]


TWO = {A.ARM_INS_VSWP: 0, A.ARM_INS_VTRN: 1, A.ARM_INS_VUZP: 2, A.ARM_INS_VZIP: 3}


@simd_lifts(*TWO)
def lift_two(ctx: LiftCtx) -> None:
    """VSWP, VTRN, VUZP, VZIP (A8.8.418, 420, 423, 424): both registers rewritten from both."""
    d, _, m, q = _fields(ctx.raw)
    kind, size = TWO[ctx.insn.id], ctx.raw >> 18 & 3
    if (kind == 0 and size) or size == 3 or (kind >= 2 and not q and size == 2):
        raise Unlifted("UNDEFINED size")
    width = 128 if q else 64
    esize = 64 if kind == 0 else 8 << size
    srcs = [_get(ctx, d, q), _get(ctx, m, q)]
    pd, pm = _two(width // esize, kind)
    vd, vm = shuffle(ctx, srcs, width, esize, pd), shuffle(ctx, srcs, width, esize, pm)
    _put(ctx, d, q, vd)
    _put(ctx, m, q, vm)


@simd_lifts(A.ARM_INS_VTBL, A.ARM_INS_VTBX)
def lift_vtbl(ctx: LiftCtx) -> None:
    """VTBL/VTBX: byte table lookup in 1-4 consecutive D registers (A8.8.419)."""
    d, n, m, _ = _fields(ctx.raw)
    length = (ctx.raw >> 8 & 3) + 1
    if n + length > 32:
        raise Unlifted("UNPREDICTABLE table past d31")
    ext = ctx.raw >> 6 & 1
    table = [read_vec(ctx, "d", n + i) for i in range(length)]
    args = ([read_vec(ctx, "d", d)] if ext else []) + [read_vec(ctx, "d", m), *table]
    write_vec(ctx, "d", d, vec_op(ctx, f"{'tbx' if ext else 'tbl'}.i8.d.{length}", *args))


@simd_lifts(A.ARM_INS_VMOVN, A.ARM_INS_VQMOVN, A.ARM_INS_VQMOVUN)
def lift_vmovn(ctx: LiftCtx) -> None:
    """VMOVN (low halves), VQMOVN.S/U and VQMOVUN (saturated, QC): Q to D, halving the element size."""
    d, _, m, _ = _fields(ctx.raw)
    size, op = ctx.raw >> 18 & 3, ctx.raw >> 6 & 3
    if size == 3:
        raise Unlifted("UNDEFINED size")
    e = 16 << size
    v = _get(ctx, m, 1)
    if op == 0:
        r = ctx.b.trunc(shuffle(ctx, [v], 128, e // 2, [(0, 2 * i) for i in range(128 // e)]), 64)
    else:
        r = vec_op(ctx, (f"qmovun.s{e}", f"qmovn.s{e}", f"qmovn.u{e}")[op - 1], v)
    write_vec(ctx, "d", d, r)


# ---- one register and a modified immediate (A7.4.6): VMOV, VMVN, VORR, VBIC --------------------------------
def _is_simd_imm(raw: int, thumb: bool) -> bool:
    """A7.4: Advanced SIMD data processing with A (bits 23:19) = 1x000 and C (bits 7:4) = 0xx1."""
    return raw & 0xEFB80090 == 0xEF800010 if thumb else raw & 0xFEB80090 == 0xF2800010


@space_lifts(_is_simd_imm)
def lift_simd_imm(ctx: LiftCtx) -> None:
    """VMOV/VMVN (immediate) write the expanded immediate (inverted for VMVN); VORR/VBIC (immediate) OR in
    it / clear its bits (cmode 0xx1 and 10x1)."""
    raw, b = ctx.raw, ctx.b
    i = raw >> (28 if ctx.thumb else 24) & 1
    op, cmode = raw >> 5 & 1, raw >> 8 & 0xF
    value = simd_expand_imm(op, cmode, i << 7 | (raw >> 16 & 7) << 4 | (raw & 0xF))
    if value is None:
        raise Unlifted("UNDEFINED: cmode 1111 with op 1")
    d, _, _, q = _fields(raw)
    width = 128 if q else 64
    value |= value << 64 if q else 0
    logical = cmode >> 3 == 0 and cmode & 1 or cmode >> 2 == 0b10 and cmode & 1
    if logical:
        old = _get(ctx, d, q)
        v = b.and_(old, Const(~value & (1 << width) - 1, width)) if op else b.or_(old, Const(value, width))
    else:
        _check(d, q)
        inverted = op and cmode != 0b1110
        v = Const(~value & (1 << width) - 1 if inverted else value, width)
    _put(ctx, d, q, v)


# ---- VMOV (register): VORR Vd, Vm, Vm (A8.8.340) ---------------------------------------------------------------
def _is_vmov_reg(raw: int, thumb: bool) -> bool:
    """VORR (register) with Vn = Vm: the D/Q register copy (VORR itself is the integer family's)."""
    top = 0xEF200110 if thumb else 0xF2200110
    return raw & 0xFFB00F10 == top and _fields(raw)[1] == _fields(raw)[2]


@space_lifts(_is_vmov_reg)
def lift_vmov_reg(ctx: LiftCtx) -> None:
    d, _, m, q = _fields(ctx.raw)
    _check(d, q)
    _put(ctx, d, q, _get(ctx, m, q))
