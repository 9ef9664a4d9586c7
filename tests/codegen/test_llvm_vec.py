"""The LLVM vector lowerings of NEON operations (``codegen/llvm_vec.py``, ``codegen/llvm_vecfp.py``) agree
with ``jitemu.neon`` (the interpreter's semantics, itself checked against Unicorn by the lift harness) on value
and FPSCR.

For every operation with a lowering, a block reads its operands from d0-d7 (a Q operand is a pair), the shift
amount (if any) from r0 and the FPSCR from r6, and writes the result to d16/d17 and the new FPSCR to r10; it
runs under the interpreter and as LLVM code from the same random states, lanes biased to the edge values.
"""

from __future__ import annotations

import random

import pytest

from jitemu.codegen.interp import Interpreter
from jitemu.codegen.jit import JitTier
from jitemu.codegen.llvm_vec import vector_lowering
from jitemu.codegen.llvm_vecfp import vector_fp_lowering
from jitemu.fpu import FP_OPS
from jitemu.ir import Block, Builder, Const, ExitKind, Op, c32
from jitemu.memory import GuestMemory
from jitemu.state import CPUState

TABLES = ("tbl.", "tbx.")  # VTBL/VTBX with 1-4 table registers
NAMES = sorted(
    n for n in FP_OPS if "." in n and (len(n.split(".")) <= 3 or n.startswith(TABLES)) and vector_lowering(n)
)
# the guarded f32 ones (``codegen/llvm_vecfp.py``) too: random lanes are mostly in their guard's range, and
# equal operands give exact zeros (x - x) - the D forms are also in test_ops.py's fast-path test
NAMES += sorted(n for n in FP_OPS if vector_fp_lowering(n) is not None)


def _amounts(name: str) -> range:
    """The shift amounts the instruction encodings give (``jitemu.lift.arm.neon_int``)."""
    op, t = name.split(".")[:2]
    e = int(t[1:])
    if op in ("shli", "qshli", "qshlui", "sli"):
        return range(e)
    if op.endswith(("shrn", "shrun")):
        return range(1, e // 2 + 1)
    if op == "shll":
        return range(e + 1)
    return range(1, e + 1)


def _lane_value(rng: random.Random, e: int) -> int:
    k = rng.random()
    if k < 0.5:
        return rng.getrandbits(e)
    return rng.choice((0, 1, 2, (1 << e) - 1, (1 << e) - 2, 1 << (e - 1), (1 << (e - 1)) - 1, (1 << (e - 1)) + 1))


def _vector(rng: random.Random, width: int, e_op: int) -> int:
    """Lanes of the operation's size (or half of it, for the widening ones) or of any size."""
    e = rng.choice((8, 16, 32, 64, e_op, e_op, max(e_op // 2, 8)))
    return sum(_lane_value(rng, e) << i for i in range(0, width, e))


@pytest.fixture(scope="module")
def world():
    mem = GuestMemory()
    state = CPUState()
    return mem, state, Interpreter(mem, state), JitTier(mem, state)


def _block(name: str) -> Block:
    blk = Block(0x1000, True)
    b = Builder(blk)
    b.emit(Op.INSN_START, None, aux=0x1000, aux2=2)
    args = []
    for i, w in enumerate(FP_OPS[name].arg_widths):
        if w == 32:
            args.append(b.get("r0"))
        elif w == 64:
            args.append(b.get(f"d{2 * i}", 64))
        else:
            lo, hi = b.zext(b.get(f"d{2 * i}", 64), 128), b.zext(b.get(f"d{2 * i + 1}", 64), 128)
            args.append(b.or_(lo, b.shl(hi, Const(64, 128))))
    r, fpscr = b.fp(name, *args, fpscr=b.get("r6"))
    b.set("d16", b.trunc(r, 64))
    if r.width == 128:
        b.set("d17", b.trunc(b.lshr(r, Const(64, 128)), 64))
    b.set("r10", fpscr)
    b.exit(ExitKind.UNDEF, c32(0x1001))
    blk.guest_size, blk.guest_insns = 2, 1
    return blk


@pytest.mark.parametrize("name", NAMES)
def test_vector_lowering_agrees(world, name: str) -> None:
    mem, state, interp, jit = world
    blk = _block(name)
    jit.compile([[blk]])
    fn = jit.native[(blk.pc, 1, 0)]
    rng = random.Random(name)
    amounts = _amounts(name)
    e_op = int(name.split(".")[1][1:])
    for _ in range(100):
        ds = [_vector(rng, 64, e_op) for _ in range(8)]
        if rng.random() < 0.3:  # equal operands: x*x, x-x, the minimum value squared...
            ds[2:6] = ds[0:2] * 2 if rng.random() < 0.5 else ds[2:4] * 2
        if name.startswith(TABLES):  # index bytes mostly inside the table (8 per register), some past it
            size = 8 * int(name.split(".")[-1])
            ds[name.startswith("tbx.")] = int.from_bytes(bytes(rng.randrange(size + 4) for _ in range(8)), "little")
        k, fpscr = rng.choice(amounts), rng.getrandbits(32)
        out = []
        for engine in ("interp", "jit"):
            for i, v in enumerate(ds):
                state.d[i] = v
            state.r[0], state.r[6], state.d[16], state.d[17] = k, fpscr, 0, 0
            if engine == "interp":
                interp.run(interp.prepare(blk))
            else:
                fn(jit.state_addr)
            out.append((state.d[16], state.d[17], state.r[10]))
        assert out[0] == out[1], (name, [hex(v) for v in ds], k, hex(fpscr), [tuple(map(hex, o)) for o in out])


def test_lowerings_exist() -> None:
    """The common operations are lowered (a renamed operation would silently fall back to the runtime)."""
    for name in (
        "mul.i16.q",
        "cgt.s8.d",
        "max.u32.q",
        "shr.s16.q",
        "addl.u8",
        "shrn.i32",
        "qadd.s8.q",
        "shll.s8",
        "paddl.u8.q",
        "pmax.s16.d",
        "clz.i8.q",
        "qdmulh.s16.q",
        "qrshrun.s32",
        "qmovn.s16",
        "qmovun.s32",
        "tbl.i8.d.2",
        "tbx.i8.d.4",
        "shl.s8.q",
    ):
        assert name in NAMES, name
