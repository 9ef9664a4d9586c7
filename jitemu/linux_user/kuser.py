"""The ARM kuser helper page at 0xffff0000: tiny routines the kernel gives every process.

glibc and libgcc call these fixed addresses (Linux Documentation/arch/arm/kernel_user_helpers.rst):

==========  =====================  ===============================================================
address     helper                 contract
==========  =====================  ===============================================================
0xffff0f60  __kuser_cmpxchg64      r0=&oldval, r1=&newval, r2=ptr (64-bit); r0=0 and C=1 if *ptr
                                   was replaced, r0!=0 and C=0 if not; clobbers r3, lr, flags
0xffff0fa0  __kuser_memory_barrier a full data memory barrier
0xffff0fc0  __kuser_cmpxchg        r0=oldval, r1=newval, r2=ptr; r0=0 and C=1 if *ptr was replaced,
                                   r0!=0 and C=0 if not; clobbers r3, ip, flags
0xffff0fe0  __kuser_get_tls        r0 = the TLS value (TPIDRURO)
0xffff0ffc  __kuser_helper_version the number of 32-byte helper slots: 5 since cmpxchg64 exists
==========  =====================  ===============================================================

The helpers are real A32 code that the emulated CPU runs like any other guest code, so the engines
need no special case for them.  The few instructions they use are encoded here from the ARM ARM
(A8.8 "Alphabetical list of instructions"); tests check every word against capstone.
"""

from __future__ import annotations

from jitemu.linux_user.layout import KUSER_PAGE
from jitemu.memory import PAGE_SIZE, PROT_EXEC, PROT_READ, GuestMemory

CMPXCHG64 = KUSER_PAGE + 0xF60
MEMORY_BARRIER = KUSER_PAGE + 0xFA0
CMPXCHG = KUSER_PAGE + 0xFC0
GET_TLS = KUSER_PAGE + 0xFE0
VERSION = KUSER_PAGE + 0xFFC
HELPER_VERSION = 5

AL, EQ = 0xE, 0x0  # condition codes
SP, LR = 13, 14
UDF = 0xE7F000F0  # UDF #0: fills the unused parts of the page so a stray jump traps (SIGILL)

# data-processing opcodes (ARM ARM A5.2.1)
_EOR, _SUB, _RSB, _TEQ = 0b0001, 0b0010, 0b0011, 0b1001


def dp_imm(opcode: int, rd: int, rn: int, imm8: int, *, s: bool = False, cond: int = AL) -> int:
    """Data-processing (immediate), with an unrotated 8-bit immediate (A5.2.3)."""
    assert 0 <= imm8 < 256
    return cond << 28 | 0b001 << 25 | opcode << 21 | int(s) << 20 | rn << 16 | rd << 12 | imm8


def dp_reg(opcode: int, rd: int, rn: int, rm: int, *, s: bool = False, cond: int = AL) -> int:
    """Data-processing (register) with no shift (A5.2.1)."""
    return cond << 28 | opcode << 21 | int(s) << 20 | rn << 16 | rd << 12 | rm


def ldrex(rt: int, rn: int, *, doubleword: bool = False, cond: int = AL) -> int:
    """LDREX Rt,[Rn] or LDREXD Rt,Rt+1,[Rn] (A8.8.75, A8.8.77)."""
    op = 0b1011 if doubleword else 0b1001
    return cond << 28 | 0b0001 << 24 | op << 20 | rn << 16 | rt << 12 | 0xF9F


def strex(rd: int, rt: int, rn: int, *, doubleword: bool = False, cond: int = AL) -> int:
    """STREX Rd,Rt,[Rn] or STREXD Rd,Rt,Rt+1,[Rn] (A8.8.212, A8.8.214)."""
    op = 0b1010 if doubleword else 0b1000
    return cond << 28 | 0b0001 << 24 | op << 20 | rn << 16 | rd << 12 | 0xF90 | rt


def ldrd(rt: int, rn: int, *, cond: int = AL) -> int:
    """LDRD Rt,Rt+1,[Rn] (immediate offset 0, A8.8.72)."""
    return cond << 28 | 0b0001_1100 << 20 | rn << 16 | rt << 12 | 0b1101 << 4


def push(regs: list[int], *, cond: int = AL) -> int:
    """PUSH {regs} = STMDB SP!,{regs} (A8.8.133)."""
    return cond << 28 | 0b1001_0010 << 20 | SP << 16 | _reglist(regs)


def pop(regs: list[int], *, cond: int = AL) -> int:
    """POP {regs} = LDMIA SP!,{regs} (A8.8.131)."""
    return cond << 28 | 0b1000_1011 << 20 | SP << 16 | _reglist(regs)


def _reglist(regs: list[int]) -> int:
    return sum(1 << r for r in set(regs))


def branch(from_addr: int, to_addr: int, *, cond: int = AL) -> int:
    """B <label> (A8.8.18): the offset is relative to the instruction address + 8."""
    offset = to_addr - (from_addr + 8)
    assert offset % 4 == 0 and -(1 << 25) <= offset < 1 << 25
    return cond << 28 | 0b1010 << 24 | (offset >> 2) & 0xFFFFFF


def bx(rm: int, *, cond: int = AL) -> int:
    """BX Rm (A8.8.27)."""
    return cond << 28 | 0x12FFF10 | rm


def dmb_ish() -> int:
    """DMB ISH (A8.8.43); unconditional encoding."""
    return 0xF57FF05B


def mrc_tpidruro(rt: int, *, cond: int = AL) -> int:
    """MRC p15,0,Rt,c13,c0,3: read TPIDRURO (A8.8.108, B4.1.150)."""
    crn, coproc, opc2 = 13, 15, 3
    return cond << 28 | 0b1110 << 24 | 1 << 20 | crn << 16 | rt << 12 | coproc << 8 | opc2 << 5 | 1 << 4


def _cmpxchg64(addr: int) -> list[int]:
    r0, r1, r2, r3, r4, r5, r6, r7 = range(8)
    loop = addr + 4 * 4
    code = [
        push([r4, r5, r6, r7]),
        ldrd(r4, r0),  # r4:r5 = oldval
        ldrd(r6, r1),  # r6:r7 = newval
        dmb_ish(),
        ldrex(r0, r2, doubleword=True),  # loop: r0:r1 = *ptr
        dp_reg(_EOR, r3, r0, r4, s=True),  # r3 = 0 while the low words match
        dp_reg(_EOR, r3, r1, r5, s=True, cond=EQ),  # ... and the high words
        strex(r3, r6, r2, doubleword=True, cond=EQ),  # equal: try to store; r3 = 0 stored, 1 lost
        dp_imm(_TEQ, 0, r3, 1, s=True, cond=EQ),  # lost the reservation: try again
    ]
    code.append(branch(addr + 4 * len(code), loop, cond=EQ))
    code += [
        dmb_ish(),
        dp_imm(_RSB, r0, r3, 0, s=True),  # r0 = -r3: 0 with C=1 on success, nonzero with C=0 on mismatch
        pop([r4, r5, r6, r7]),
        bx(LR),
    ]
    return code


def _memory_barrier(addr: int) -> list[int]:
    return [dmb_ish(), bx(LR)]


def _cmpxchg(addr: int) -> list[int]:
    r0, r1, r2, r3 = range(4)
    loop = addr + 4
    code = [
        dmb_ish(),
        ldrex(r3, r2),  # loop: r3 = *ptr
        dp_reg(_SUB, r3, r3, r0, s=True),  # r3 = *ptr - oldval
        strex(r3, r1, r2, cond=EQ),  # equal: try to store; r3 = 0 stored, 1 lost
        dp_imm(_TEQ, 0, r3, 1, s=True, cond=EQ),  # lost the reservation: try again
    ]
    code.append(branch(addr + 4 * len(code), loop, cond=EQ))
    code += [
        dp_imm(_RSB, r0, r3, 0, s=True),  # r0 = -r3: 0 with C=1 on success, nonzero with C=0 on mismatch
        branch(addr + 4 * (len(code) + 1), MEMORY_BARRIER),  # the barrier returns to the caller
    ]
    return code


def _get_tls(addr: int) -> list[int]:
    return [mrc_tpidruro(0), bx(LR)]


# (address, generator, slot size in bytes)
HELPERS = (
    (CMPXCHG64, _cmpxchg64, 0x40),
    (MEMORY_BARRIER, _memory_barrier, 0x20),
    (CMPXCHG, _cmpxchg, 0x20),
    (GET_TLS, _get_tls, 0x1C),  # the last slot ends at the version word
)


def page_image() -> bytes:
    """The 4 KiB contents of the kuser helper page."""
    words = [UDF] * (PAGE_SIZE // 4)
    for addr, gen, slot in HELPERS:
        code = gen(addr)
        assert len(code) * 4 <= slot, f"kuser helper at {addr:#x} overflows its slot"
        first = (addr - KUSER_PAGE) // 4
        words[first : first + len(code)] = code
    words[(VERSION - KUSER_PAGE) // 4] = HELPER_VERSION
    return b"".join(w.to_bytes(4, "little") for w in words)


def map_kuser_page(mem: GuestMemory) -> None:
    """Map the helper page read+execute at 0xffff0000."""
    mem.map(KUSER_PAGE, PAGE_SIZE, PROT_READ | PROT_EXEC)
    mem.write_raw(KUSER_PAGE, page_image())
