"""The kuser helper page: every instruction we encode by hand disassembles (capstone) to what we meant."""

from __future__ import annotations

import capstone

from jitemu.linux_user import kuser
from jitemu.linux_user.layout import KUSER_PAGE

EXPECTED = {
    kuser.CMPXCHG64: [
        "push {r4, r5, r6, r7}",
        "ldrd r4, r5, [r0]",
        "ldrd r6, r7, [r1]",
        "dmb ish",
        "ldrexd r0, r1, [r2]",
        "eors r3, r0, r4",
        "eorseq r3, r1, r5",
        "strexdeq r3, r6, r7, [r2]",
        "teqeq r3, #1",
        "beq #0xffff0f70",
        "dmb ish",
        "rsbs r0, r3, #0",
        "pop {r4, r5, r6, r7}",
        "bx lr",
    ],
    kuser.MEMORY_BARRIER: ["dmb ish", "bx lr"],
    kuser.CMPXCHG: [
        "dmb ish",
        "ldrex r3, [r2]",
        "subs r3, r3, r0",
        "strexeq r3, r1, [r2]",
        "teqeq r3, #1",
        "beq #0xffff0fc4",
        "rsbs r0, r3, #0",
        "b #0xffff0fa0",
    ],
    kuser.GET_TLS: ["mrc p15, #0, r0, c13, c0, #3", "bx lr"],
}


def _disasm(image: bytes, addr: int, count: int) -> list[str]:
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM)
    off = addr - KUSER_PAGE
    return [f"{i.mnemonic} {i.op_str}".strip() for i in md.disasm(image[off : off + 4 * count], addr)]


def test_helpers_disassemble_as_intended() -> None:
    image = kuser.page_image()
    assert len(image) == 4096
    for addr, want in EXPECTED.items():
        assert _disasm(image, addr, len(want)) == want, hex(addr)


def test_version_word_and_fill() -> None:
    image = kuser.page_image()
    assert int.from_bytes(image[0xFFC:], "little") == kuser.HELPER_VERSION == 5
    assert int.from_bytes(image[:4], "little") == kuser.UDF  # stray jumps into the page trap
    assert _disasm(image, KUSER_PAGE, 1) == ["udf #0"]


def test_helpers_fit_their_slots() -> None:
    for addr, gen, slot in kuser.HELPERS:
        assert len(gen(addr)) * 4 <= slot
