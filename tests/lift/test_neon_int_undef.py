"""The encodings the NEON integer classes (``enc_neon_int``) reject as UNDEFINED are UNDEF in jitemu (guest
SIGILL) and in Unicorn (Cortex-A15, the reference), in A32 and in T32 (the same low 24 bits, U moved)."""

from __future__ import annotations

import pytest
from unicorn import UC_ARCH_ARM, UC_ERR_INSN_INVALID, UC_MODE_ARM, UC_MODE_THUMB, Uc, UcError
from unicorn import arm_const as U

from jitemu.ir import ExitKind, Op
from jitemu.lift.translate import translate
from jitemu.memory import PROT_EXEC, PROT_READ, GuestMemory

CODE = 0x10000
# A32 encoding -> the ARM ARM rule that makes it UNDEFINED
UNDEFINED = {
    0xF2300040: "VHADD: size == '11'",
    0xF3100910: "VMUL (polynomial): size != '00'",
    0xF2000B00: "VQDMULH: size == '00'",
    0xF2000B50: "VPADD: Q == '1'",
    0xF2001842: "VADD Q form: Vd<0> == '1'",
    0xF2800D00: "VQDMULL: size == '00'",
    0xF2900E00: "VMULL (polynomial): size == '01'",
    0xF2880890: "VSHRN: L == '1' (A7.4.4)",
    0xF2880A50: "VSHLL: bit 6 == '1' (A7.4.4)",
    0xF3B40500: "VCNT: size != '00'",
    0xF3B40580: "VMVN (register): size != '00'",
    0xF2880610: "VQSHLU: U == '0' (op 0110)",
    0xF2880410: "VSRI: U == '0' (op 0100)",
    0xF3900340: "VQDMLAL (by scalar): U == '1'",
    0xF2800040: "VMLA (by scalar): size == '00'",
    0xF3BC0200: "VPADDL: size == '11'",
    0xF2881A10: "VSHR Q form: Vd<0> == '1'",
}


def _thumb(word: int) -> int:
    return 0xEF000000 | (word >> 24 & 1) << 28 | word & 0xFFFFFF


def _code(word: int, thumb: bool) -> bytes:
    if thumb:
        t = _thumb(word)
        return (t >> 16).to_bytes(2, "little") + (t & 0xFFFF).to_bytes(2, "little")
    return word.to_bytes(4, "little")


def _jitemu_undef(code: bytes, thumb: bool) -> bool:
    mem = GuestMemory()
    mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC)
    mem.write_raw(CODE, code)
    blk = translate(mem, CODE, thumb)
    first = next(i for i in blk.insns if i.op is Op.EXIT)
    return first.aux is ExitKind.UNDEF and first.args[0].value == CODE | thumb


def _unicorn_error(code: bytes, thumb: bool) -> int | None:
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB if thumb else UC_MODE_ARM)
    uc.mem_map(CODE, 0x1000)
    uc.reg_write(U.UC_ARM_REG_C1_C0_2, uc.reg_read(U.UC_ARM_REG_C1_C0_2) | 0xF << 20)  # CP10/CP11 access
    uc.reg_write(U.UC_ARM_REG_FPEXC, 0x40000000)  # FPEXC.EN
    uc.mem_write(CODE, code)
    try:
        uc.emu_start(CODE | thumb, CODE + len(code))
    except UcError as e:
        return e.errno
    return None


@pytest.mark.parametrize("thumb", [False, True], ids=["A32", "T32"])
@pytest.mark.parametrize("word", list(UNDEFINED), ids=[f"{w:08x}" for w in UNDEFINED])
def test_undefined_encoding(word: int, thumb: bool) -> None:
    code = _code(word, thumb)
    assert _unicorn_error(code, thumb) == UC_ERR_INSN_INVALID, UNDEFINED[word]
    assert _jitemu_undef(code, thumb), UNDEFINED[word]


def test_defined_neighbour_is_not_undef() -> None:
    """The check can fail: VHADD.S8 d0, d0, d0 (size 00) runs in both."""
    code = _code(0xF2000000, False)
    assert _unicorn_error(code, False) is None
    assert not _jitemu_undef(code, False)
