"""The lifter consults the CPU model's features: an instruction the model lacks is UNDEF (guest SIGILL),
as on that CPU (ARM ARM: SDIV/UDIV need the integer divide extension, VFMA & co VFPv4, VCVTB/VCVTT the
half-precision extension; qemu-arm -cpu cortex-a9 / cortex-a8 raise SIGILL for them too)."""

from __future__ import annotations

import pytest

from jitemu.ir import ExitKind, Op
from jitemu.lift.translate import translate
from jitemu.linux_user.cpus import lookup
from jitemu.memory import PROT_EXEC, PROT_READ, GuestMemory

CODE = 0x10000
# (A32 word, T32 halfwords) of one instruction, and the feature it needs
INSNS = {
    "sdiv r0, r1, r2": (0xE710F211, 0xFB91F0F2, "idiv"),
    "udiv r0, r1, r2": (0xE730F211, 0xFBB1F0F2, "idiv"),
    "vfma.f64 d0, d1, d2": (0xEEA10B02, 0xEEA10B02, "vfpv4"),
    "vfnms.f32 s0, s1, s2": (0xEE900A81, 0xEE900A81, "vfpv4"),
    "vcvtb.f16.f32 s0, s1": (0xEEB30A60, 0xEEB30A60, "fp16"),
    "vcvt.f16.f32 d0, q1": (0xF3B60602, 0xFFB60602, "fp16"),  # (NEON VFMA.F32 runs under qemu-arm -cpu a8/a9)
}
HAS = {"cortex-a15": {"idiv", "vfpv4", "fp16"}, "cortex-a7": {"idiv", "vfpv4", "fp16"}, "cortex-a9": {"fp16"},
       "cortex-a8": set(), "max": {"idiv", "vfpv4", "fp16"}}  # fmt: skip


def _first_exit(word: int, thumb: bool, model: str) -> ExitKind:
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC)
    raw = (
        (word >> 16).to_bytes(2, "little") + (word & 0xFFFF).to_bytes(2, "little")
        if thumb
        else word.to_bytes(4, "little")
    )
    mem.write_raw(CODE, raw)
    block = translate(mem, CODE, thumb, 0, lookup(model).features)
    return next(i.aux for i in block.insns if i.op is Op.EXIT)


@pytest.mark.parametrize("model", HAS)
@pytest.mark.parametrize("name", INSNS)
@pytest.mark.parametrize("thumb", [False, True], ids=["A32", "T32"])
def test_instruction_needs_feature(name: str, model: str, thumb: bool) -> None:
    a32, t32, feature = INSNS[name]
    kind = _first_exit(t32 if thumb else a32, thumb, model)
    assert (kind is ExitKind.UNDEF) == (feature not in HAS[model]), (name, model, kind)
