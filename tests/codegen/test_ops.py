"""Every IR op is implemented by every backend, and both backends agree on its results.

For each op of ``jitemu.ir.Op`` a small block computes it from random operands held in guest registers
and stores the result back; the block runs under the interpreter and under the LLVM backend from the
same state, and the resulting states are compared.  Edge values (0, 1, all-ones, sign bit, shift
amounts at and past the width) are mixed into the random inputs.
"""

from __future__ import annotations

import ctypes
import random

import pytest

from jitemu.codegen.interp import Interpreter
from jitemu.codegen.jit import JitTier
from jitemu.fpu import FMTS, FP_OPS, fp_mul
from jitemu.helpers import helper
from jitemu.ir import Block, Builder, Cond, Const, ExitKind, Op, c32
from jitemu.memory import PROT_READ, PROT_WRITE, GuestMemory
from jitemu.state import CPUState

DATA = 0x10000
EDGES = [0, 1, 2, 31, 32, 33, 63, 64, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


@helper(32, 32, 32)
def helper_test_mix(a: int, b: int) -> int:
    """A helper for this test only: exercises the CALL op in both engines."""
    return ((a * 3) ^ b) & 0xFFFFFFFF


SPECIAL = {Op.INSN_START, Op.LABEL, Op.BR, Op.BRCOND, Op.EXIT}  # exercised by every block below


def _operand(b: Builder, reg: int, width: int):
    v = b.get(f"r{reg}")
    if width == 64:
        return b.emit(Op.OR, 64, b.zext(v, 64), b.emit(Op.SHL, 64, b.zext(b.get(f"r{reg + 1}"), 64), Const(32, 64)))
    return b.trunc(v, width) if width < 32 else v


def _store(b: Builder, v, reg: int) -> None:
    if v.width == 64:
        b.set(f"r{reg}", b.trunc(v, 32))
        b.set(f"r{reg + 1}", b.trunc(b.emit(Op.LSHR, 64, v, Const(32, 64)), 32))
    else:
        b.set(f"r{reg}", b.zext(v, 32))


def build(op: Op, width: int, variant: int) -> Block:
    """A block applying ``op`` at ``width`` to r0.. and writing its result to r8 (and r9)."""
    blk = Block(0x1000, True)
    b = Builder(blk)
    b.emit(Op.INSN_START, None, aux=0x1000, aux2=2)
    x, y, z = _operand(b, 0, width), _operand(b, 2, width), _operand(b, 4, width)
    info = op.info
    if op is Op.SETCOND:
        r = b.setcond(list(Cond)[variant % len(Cond)], x, y)
    elif op is Op.SELECT:
        r = b.select(b.trunc(z, 1), x, y)
    elif op in (Op.ZEXT, Op.SEXT):
        r = b.emit(op, 64, b.trunc(x, width)) if width < 64 else b.emit(op, 64, b.trunc(x, 32))
    elif op is Op.TRUNC:
        r = b.emit(op, 8 if width > 8 else 1, x)
    elif op is Op.GET:
        r = b.get("r6")
    elif op is Op.SET:
        b.set("r7", b.zext(b.trunc(x, min(width, 32)), 32))
        r = b.get("r7")
    elif op is Op.LOAD:
        r = b.load(b.add(c32(DATA), b.and_(b.get("r6"), c32(0xFF0))), width if width > 1 else 8)
    elif op is Op.STORE:
        addr = b.add(c32(DATA), b.and_(b.get("r6"), c32(0xFF0)))
        b.store(addr, x if width > 1 else b.zext(x, 8))
        r = b.load(addr, width if width > 1 else 8)
    elif op is Op.CMPXCHG:
        w = width if width > 1 else 8
        addr = b.add(c32(DATA), b.and_(b.get("r6"), c32(0xFF0)))
        old = b.load(addr, w)
        expected = b.select(b.trunc(z, 1), old, b.trunc(x, w) if w <= 32 else x) if w == x.width else old
        r = b.emit(op, w, addr, expected, b.trunc(y, w) if w < y.width else y)
        _store(b, b.load(addr, w), 10)
    elif op is Op.CALL:
        r = b.call("test_mix", 32, b.zext(x, 32) if width < 32 else b.trunc(x, 32), b.get("r2"))
    elif op is Op.FP:  # an FP operation of each arity at this precision; the FPSCR from r6
        name = FP_VARIANTS[width][variant % len(FP_VARIANTS[width])]
        args = [x, y, z][: len(FP_OPS[name].arg_widths)]
        r, fpscr = b.fp(name, *args, fpscr=b.get("r6"))
        b.set("r10", fpscr)
    elif info.nargs == 1:
        r = b.emit(op, width, x)
    elif info.nargs == 2:
        r = b.emit(op, width, x, y)
    else:  # pragma: no cover
        raise AssertionError(op)
    _store(b, b.zext(r, 32) if r.width < 32 else r, 8)
    # a conditional exit and a fall-through exit (BRCOND, LABEL, EXIT)
    skip = b.new_label()
    b.brcond(b.setcond(Cond.EQ, b.get("r12"), c32(0)), skip)
    b.exit(ExitKind.SYSCALL, c32(0x1003), imm=5)
    b.label(skip)
    b.exit(ExitKind.UNDEF, c32(0x1001))
    blk.guest_size, blk.guest_insns = 2, 1
    return blk


FP_VARIANTS = {
    32: ["add.f32", "sqrt.f32", "muladd.f32", "cmpe.f32", "div.f32", "cvt.f64.f32"],
    64: ["mul.f64", "sub.f64", "sqrt.f64", "muladd.f64", "cmp.f64", "cvt.f32.f64"],
}
WIDTHS = {
    Op.FP: (32, 64),
    Op.CALL: (8, 32),
    Op.CLZ: (8, 16, 32, 64),
    Op.BSWAP: (16, 32, 64),
    Op.BITREV: (8, 16, 32, 64),
    Op.CTPOP: (8, 32, 64),
}
NO_I1 = (Op.UDIV, Op.SDIV, Op.MUL, Op.SHL, Op.LSHR, Op.ASHR, Op.ROTR, Op.ADD, Op.SUB)  # ops the lifter never uses on i1


def _widths(op: Op) -> tuple[int, ...]:
    if op in WIDTHS:
        return WIDTHS[op]
    return (1, 8, 16, 32, 64) if op.info.nargs == 2 or op in (Op.NOT, Op.NEG) else (8, 32, 64)


CASES = [(op, w) for op in Op if op not in SPECIAL for w in _widths(op) if not (w == 1 and op in NO_I1)]


@pytest.fixture(scope="module")
def world():
    mem = GuestMemory()
    mem.map(DATA, 0x1000, PROT_READ | PROT_WRITE)
    state = CPUState()
    return mem, state, Interpreter(mem, state), JitTier(mem, state)


def _snapshot(state: CPUState, mem: GuestMemory) -> tuple[bytes, bytes]:
    raw = bytes((ctypes.c_char * ctypes.sizeof(CPUState)).from_address(ctypes.addressof(state)))
    return raw[: CPUState.exit_arg.offset], mem.read_raw(DATA, 0x1000)


def test_every_op_is_covered() -> None:
    covered = {op for op, _ in CASES} | SPECIAL
    assert covered == set(Op)


@pytest.mark.parametrize("tier", [1, 2])
@pytest.mark.parametrize("op,width", CASES, ids=[f"{o.name}-i{w}" for o, w in CASES])
def test_op_agrees(world, op: Op, width: int, tier: int) -> None:
    mem, state, interp, jit = world
    rng = random.Random(f"{op.name}{width}")
    for variant in range(12):
        blk = build(op, width, variant)
        jit.compile([[blk]], tier=tier)
        fn = jit.native[(blk.pc, 1, 0)]
        init = [rng.choice(EDGES) if rng.random() < 0.4 else rng.getrandbits(32) for _ in range(13)]
        init[12] = rng.getrandbits(1)
        data = bytes(rng.getrandbits(8) for _ in range(0x1000))
        results = []
        for engine in ("interp", "jit"):
            for i in range(13):
                state.r[i] = init[i]
            mem.write_raw(DATA, data)
            if engine == "interp":
                ex = interp.run(interp.prepare(blk))
                state.r[15], state.thumb, code = ex.pcword & ~1, ex.pcword & 1, int(ex.kind)
            else:
                code = fn(jit.state_addr)
            results.append((code, _snapshot(state, mem)))
        assert results[0] == results[1], (op, width, variant, init)


FAST_FP = [
    *(f"{op}.f{n}" for op in ("add", "sub", "mul", "div", "sqrt", "muladd", "cmp", "cmpe") for n in (32, 64)),
    *(f"tofix.{t}.f{n}.{r}" for t in ("s32", "u32") for n in (32, 64) for r in ("rz", "rm")),
    *(f"fromfix.f{n}.{t}.{r}" for t in ("s32", "u32") for n in (32, 64) for r in ("rm", "rn")),
    "cvt.f64.f32",
    "cvt.f32.f64",
    # NEON (llvm_vecfp): two f32 lanes, standard FPSCR
    *(f"tofix.{t}.f32.d" for t in ("s32", "u32")),
    *(f"fromfix.f32.{t}.d" for t in ("s32", "u32")),
    *(
        f"{op}.f32.d"
        for op in (
            "mla",
            "mls",
            "fma",
            "fms",
            "recps",
            "rsqrts",
            "mul",
            "add",
            "sub",
            "abd",
            "max",
            "min",
            "ceq",
            "cge",
            "cgt",
            "acge",
            "acgt",
            "recpe",
            "rsqrte",
            "padd",
            "pmax",
            "pmin",
        )
    ),
]


def _special(rng: random.Random, n: int) -> int:
    """Zeros, denormals, the ends of the normal range, infinities, quiet and signalling NaNs."""
    f = 52 if n == 64 else 23
    emax = (1 << (n - 1 - f)) - 1
    mag = rng.choice([0, 1, rng.getrandbits(f), 1 << f, (emax - 1) << f | ((1 << f) - 1), emax << f,
                      emax << f | 1 << (f - 1), emax << f | 1])  # fmt: skip
    return rng.getrandbits(1) << (n - 1) | mag


def _normal(rng: random.Random, n: int, exps: range = range(-60, 60)) -> int:
    """A float bit pattern for the JIT's host fast path: mostly normal values with exponents in ``exps``
    (some with short mantissas, so results are sometimes exact), sometimes a special value or anything
    (the guards must send those to fpu.py)."""
    f, bias = (52, 1023) if n == 64 else (23, 127)
    if rng.random() < 0.1:
        return _special(rng, n)
    if rng.random() < 0.1:
        return rng.getrandbits(n)
    frac = rng.getrandbits(f) & (-1 << rng.choice((0, f - 3, f - 10)))
    return rng.getrandbits(1) << (n - 1) | (bias + rng.choice(exps)) << f | frac


def _fp_operands(rng: random.Random, name: str) -> list[int]:
    """Operands for FAST_FP operation ``name``, near the edges of its fast path's guard."""
    widths = FP_OPS[name].arg_widths
    n = widths[0]
    if name.startswith(FIXED) and name.endswith(".d"):  # NEON: two lanes like the VFP conversion's operand
        scalar = name[:-2] + (".rz" if name.startswith("tofix") else ".rn")
        return [_fp_operands(rng, scalar)[0] | _fp_operands(rng, scalar)[0] << 32, 0]
    if name.endswith(".d"):  # NEON: each operand two f32 lanes
        scalar = "muladd.f32" if len(widths) == 3 else "mul.f32"
        lo, hi = _fp_operands(rng, scalar), _fp_operands(rng, scalar)
        xs = [a | b << 32 for a, b in zip(lo, hi, strict=True)]
        if len(widths) == 2 and rng.random() < 0.3:  # x - x, x + -x (lane-wise or pairwise): exact zero sums
            sign = rng.choice([0, 1 << 31, 1 << 63, 1 << 31 | 1 << 63])
            k = rng.randrange(3)
            if k == 2:  # the two lanes of the first operand equal (pairwise)
                xs[0] = (xs[0] & 0xFFFFFFFF) * 0x100000001 ^ sign
            else:  # the second operand equal to the first, or to it with its lanes swapped
                xs[1] = (xs[0] if k == 0 else xs[0] >> 32 | xs[0] << 32 & 0xFFFFFFFF00000000) ^ sign
        return xs
    if name.startswith("fromfix"):
        return [
            rng.choice([rng.getrandbits(32), rng.getrandbits(rng.randrange(1, 33)), -rng.getrandbits(26) & 0xFFFFFFFF])
        ]
    if name.startswith("tofix"):  # scaled by up to 2**32: around the ends of the range and the units
        return [_normal(rng, n, rng.choice((range(-3, 34), range(-35, 1), range(-68, -30))))]
    if name == "cvt.f32.f64" and rng.random() < 0.2:  # rounds up to the smallest normal / to infinity
        return [
            rng.getrandbits(1) << 63 | rng.choice((1023 - 127, 1023 + 127)) << 52 | (1 << 52) - 1 - rng.getrandbits(28)
        ]
    if name == "cvt.f32.f64":  # around the ends of the single range
        return [_normal(rng, 64, rng.choice([range(-130, -122), range(-20, 20), range(124, 130)]))]
    if name == "cvt.f64.f32":
        return [_normal(rng, 32)]
    f, bias = (52, 1023) if n == 64 else (23, 127)
    ends = [range(-60, 60)] * 4 + [range(f + 2 - bias, f + 8 - bias), range(bias - 8, bias + 1)]  # guard's ends
    ends.append(range(-bias // 2 - f, -bias // 2 + 2))  # products and quotients near or below the normal range
    ends.append(range(1 - bias, 8 - bias))  # the smallest normals: sums and differences of them can be denormal
    xs = [_normal(rng, n, rng.choice(ends)) for _ in widths]
    if rng.random() < 0.15:  # a denormal operand (exact host arithmetic once UFC and IXC are set)
        xs[rng.randrange(len(xs))] = rng.getrandbits(1) << (n - 1) | rng.getrandbits(f)
    if rng.random() < 0.15:  # a power of two (a scaling, exact unless the result leaves the normal range)
        k = rng.randrange(len(xs))
        xs[k] = xs[k] >> f << f if xs[k] >> f & (2 * bias + 1) else rng.getrandbits(1) << (n - 1) | 1 << f
    if rng.random() < 0.2:
        xs[rng.randrange(len(xs))] = rng.getrandbits(1) << (n - 1)  # +-0
    if name.startswith("cmp") and rng.random() < 0.3:
        xs[1] = xs[0] if rng.random() < 0.5 else xs[0] ^ 1
    if name.startswith("muladd") and rng.random() < 0.3:  # cancellation: the addend near -(a * b)
        fmt = FMTS[n]
        p, fpscr = fp_mul(fmt, xs[1], xs[2], 0)
        xs[0] = p ^ 1 << (n - 1) ^ rng.choice([0, 0, 1, 2])
    return xs


FIXED = ("tofix", "fromfix")


@pytest.mark.parametrize(
    ("name", "fbits"), [(n, f) for n in FAST_FP for f in ((0, 1, 16, 32) if n.startswith(FIXED) else (0,))]
)
def test_fp_fast_path_agrees(world, name: str, fbits: int) -> None:
    """The LLVM backend's host-FP fast paths give fpu.py's value and flags (conversions to and from fixed
    point: with a constant number of fraction bits, as the instructions encode it)."""
    mem, state, interp, jit = world
    widths = FP_OPS[name].arg_widths
    blk = Block(0x1000, True)
    b = Builder(blk)
    b.emit(Op.INSN_START, None, aux=0x1000, aux2=2)
    args = [_operand(b, 2 * i, w) for i, w in enumerate(widths)]
    if name.startswith(FIXED):
        args[1] = c32(fbits)
    r, fpscr = b.fp(name, *args, fpscr=b.get("r6"))
    _store(b, r, 8)
    b.set("r10", fpscr)
    b.exit(ExitKind.UNDEF, c32(0x1001))
    blk.guest_size, blk.guest_insns = 2, 1
    jit.compile([[blk]])
    fn = jit.native[(blk.pc, 1, 0)]
    rng = random.Random(name)
    for _ in range(3000):
        regs = [0] * 6
        for i, v in enumerate(_fp_operands(rng, name)):
            regs[2 * i : 2 * i + 2] = [v & 0xFFFFFFFF, v >> 32]
        fpscr_in = rng.getrandbits(8) & 0x9F | rng.getrandbits(4) << 28 | (rng.random() < 0.1) * rng.getrandbits(32)
        out = []
        for engine in ("interp", "jit"):
            for i, v in enumerate(regs):
                state.r[i] = v
            state.r[9] = 0
            state.r[6] = fpscr_in
            if engine == "interp":
                interp.run(interp.prepare(blk))
            else:
                fn(jit.state_addr)
            out.append((state.r[8], state.r[9], state.r[10]))
        assert out[0] == out[1], (name, [hex(v) for v in regs], hex(fpscr_in))
