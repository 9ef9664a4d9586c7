"""Tier-1 code that gets hot is compiled again at tier 2 (``JitTier.promote``)."""

from __future__ import annotations

from jitemu.codegen.jit import JitTier
from jitemu.codegen.retcodes import RET_HOT, RET_MISS
from jitemu.engine import Engine
from jitemu.events import EventKind
from jitemu.ir import ExitKind
from jitemu.lift.translate import translate
from jitemu.memory import PROT_READ, PROT_WRITE, GuestMemory
from jitemu.state import CPUState

CODE, DATA = 0x8000, 0x10000
# A32: loop: vld1.64 {d16-d17}, [r3:64]; subs r0, r0, #1; bne loop; svc #0
LOOP = bytes.fromhex("df0a63f4010050e2fcffff1a000000ef")


def test_hot_loop_with_an_alignment_check_is_promoted() -> None:
    """The alignment check of VLD1 [r3:64] can leave with its address in exit_arg, so exit_arg is kept in a
    host register in the region; the hot exit must still report the region's entry there (it used to
    report the stale register value, and the region was never promoted)."""
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.map(DATA, 0x1000, PROT_READ | PROT_WRITE)
    mem.write_raw(CODE, LOOP)
    mem.write_raw(DATA, bytes(range(16)))
    state = CPUState()
    state.r[0], state.r[3], state.r[15] = 1000, DATA, CODE
    eng = Engine(mem, state, engine="jit", jit_threshold=1, jit_start=0, cache_dir=None, jit_promote=50)
    ev = eng.run()
    assert (ev.kind, ev.pc) == (EventKind.SYSCALL, CODE + 12)
    assert state.r[0] == 0 and state.d[16] == 0x0706050403020100 and state.d[17] == 0x0F0E0D0C0B0A0908
    assert eng.jit is not None and eng.jit.regions_promoted == 1


# A32: five blocks "add r0, r0, #2**i; b <next block>" (b .+4: imm24 -1), the last "add r0, r0, #16; svc #0"
CHAIN = b"".join(
    (0xE2800000 | 1 << i).to_bytes(4, "little") + (0xEF000000 if i == 4 else 0xEAFFFFFF).to_bytes(4, "little")
    for i in range(5)
)


def test_tier2_batch_sharing_its_blocks_is_one_function_entered_anywhere() -> None:
    """Five regions (each block up to the end) hold 15 blocks, 5 of them distinct: at tier 2 they become one
    function whose entry switches on the pc, and each entry runs as the interpreter does."""
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.write_raw(CODE, CHAIN)
    state = CPUState()
    jit = JitTier(mem, state)
    blocks = [translate(mem, CODE + 8 * i, False, 0, None) for i in range(5)]
    jit.compile([blocks[i:] for i in range(5)], tier=2)
    assert len({jit.fn_addr[CODE + 8 * i] for i in range(5)}) == 1, "not merged into one function"
    for i in range(5):
        ref = CPUState()
        ref.r[15] = CODE + 8 * i
        ev = Engine(mem, ref, engine="interp", cache_dir=None).run()
        state.r[0], state.r[15], state.thumb = 0, CODE + 8 * i, 0
        rc = jit.native[(CODE + 8 * i, 0, 0)](jit.state_addr)
        assert (rc, state.r[0], state.r[15]) == (int(ExitKind.SYSCALL), ref.r[0], ref.r[15]), i
        assert ev.kind == EventKind.SYSCALL


# A32: loop: subs r0, r0, #1; bne loop; svc #0
COUNTDOWN = bytes.fromhex("010050e2fdffff1a000000ef")


def test_tier1_loop_leaves_once_its_tier2_code_is_installed() -> None:
    """A loop inside a tier-1 region never leaves its function by itself: once the region's tier-2 code is
    installed (on the worker, while the loop runs), the tier-1 code must leave at its next arrival at a
    block (the entry counts as one), or
    the loop would run at tier 1 for as long as it loops."""
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.write_raw(CODE, COUNTDOWN)
    state = CPUState()
    jit = JitTier(mem, state, promote_at=1 << 30)
    region = [translate(mem, CODE, False, 0, None)]
    jit.compile([region], tier=1)
    tier1 = jit.native[(CODE, 0, 0)]
    state.r[0], state.r[15] = 10, CODE
    # not hot: loops to the end, then leaves for the svc block (not compiled: RET_MISS)
    assert (tier1(jit.state_addr), state.r[0], state.r[15]) == (RET_MISS, 0, CODE + 8)
    jit.compile([region], tier=2)
    assert jit.native[(CODE, 0, 0)] is not tier1
    state.r[0], state.r[15] = 1000, CODE
    assert tier1(jit.state_addr) == RET_HOT
    assert (state.r[0], state.r[15]) == (1000, CODE), "left at its first arrival at the loop head"


# A32: loop: vadd.f64 d0, d0, d1; subs r0, r0, #1; bne loop; svc #0
FP_LOOP = bytes.fromhex("010b30ee010050e2fcffff1a000000ef")


def test_fp_operations_count_toward_the_jit_threshold() -> None:
    """Interpreting an FP operation costs about as much as a plain block, so a block counts one more run
    per FP operation toward the JIT threshold: the loop block (one VADD.F64: cost 2) reaches a threshold of 4
    at its second arrival, so it is interpreted once (a plain block would be three times), and the rest of
    the loop runs as generated code."""
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | 4)
    mem.write_raw(CODE, FP_LOOP)
    state = CPUState()
    state.r[0], state.r[15] = 10, CODE
    state.d[1] = 0x3FF0000000000000  # 1.0
    eng = Engine(mem, state, engine="jit", jit_threshold=4, cache_dir=None)
    ev = eng.run()
    assert (ev.kind, state.r[0], state.d[0]) == (EventKind.SYSCALL, 0, 0x4024000000000000)  # 10.0
    assert eng.cache[(CODE, 0, 0)].cost == 2
    assert eng.blocks_interpreted == 1 + 1  # the loop block once, then the svc block once
