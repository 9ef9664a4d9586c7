"""ARM Linux signal frames: what a guest handler finds on its stack, and what sigreturn restores.

The layout is ARM Linux's (arch/arm/include/asm/ucontext.h, arch/arm/kernel/signal.c), with qemu-arm's
frame sizes::

    rt frame (SA_SIGINFO)             sigframe (no SA_SIGINFO)
    +0    siginfo_t (128 bytes)      +0    ucontext
    +128  ucontext (744 bytes)       +744  retcode[4] (unused: see TRAMPOLINES)
    +872  retcode[4]

    ucontext: +0 uc_flags, +4 uc_link, +8 uc_stack {ss_sp, ss_flags, ss_size},
              +20 sigcontext (21 words: trap_no, error_code, oldmask, r0-r10, fp, ip, sp, lr, pc, cpsr,
              fault_address), +104 uc_sigmask (64 bits, padded to 128 bytes),
              +232 uc_regspace (512 bytes): the VFP block {magic 0x56465001, size 288, d0-d31, fpscr,
              pad, fpexc, fpinst, fpinst2, pad} and a zero end word.

A handler is entered with r0 = signal, sp = the frame (8-byte aligned below the interrupted sp or the
top of the alternate stack), lr = sa_restorer (SA_RESTORER) or one of the return trampolines, pc = the
handler (bit 0 selects Thumb; the IT state is cleared); rt frames also pass r1 = &siginfo,
r2 = &ucontext.  The trampolines ("MOV r7, #NR; SVC 0" for sigreturn and rt_sigreturn, in A32 and T32)
live in the kuser page at ``TRAMPOLINE_BASE``, where the vectors page of older ARM kernels kept them.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from jitemu.linux_user.layout import KUSER_PAGE
from jitemu.linux_user.signals import SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SIGINFO, SS_AUTODISARM, SS_DISABLE
from jitemu.linux_user.syscall_names import NUMBERS
from jitemu.state import get_cpsr, set_cpsr

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process
    from jitemu.linux_user.signals import SigAction, SigInfo
    from jitemu.memory import GuestMemory

UC_SIZE = 744
RETCODE_SIZE = 16
SIGFRAME_SIZE = UC_SIZE + RETCODE_SIZE
RT_SIGFRAME_SIZE = SIGINFO.size + SIGFRAME_SIZE

UC_HEAD = struct.Struct("<IIIiI")  # uc_flags, uc_link, ss_sp, ss_flags, ss_size
SIGCONTEXT = struct.Struct("<21I")  # trap_no, error_code, oldmask, r0..r15 (fp ip sp lr pc), cpsr, fault_address
SIGCONTEXT_OFF = UC_HEAD.size  # 20
SIGMASK_OFF = SIGCONTEXT_OFF + SIGCONTEXT.size  # 104
REGSPACE_OFF = 232
VFP_MAGIC = 0x56465001
VFP_FRAME = struct.Struct("<II32QI4xIII4x")  # magic, size, d0-d31, fpscr, fpexc, fpinst, fpinst2
assert VFP_FRAME.size == 288
FPEXC_EN = 1 << 30  # the VFP is enabled: what user mode always sees

TRAMPOLINE_BASE = KUSER_PAGE + 0x500
_MOV_R7, _SVC0 = 0xE3A07000, 0xEF000000  # A32 MOV r7,#imm8 / SVC #0 (ARM ARM A8.8.102, A8.8.228)
_MOVS_R7, _SVC0_T = 0x2700, 0xDF00  # T32 MOVS r7,#imm8 / SVC #0 (16-bit encodings)


def _trampolines() -> dict[tuple[bool, bool], tuple[int, bytes]]:
    """(rt, thumb) -> (address, code); each slot is 8 bytes."""
    out = {}
    for i, name in enumerate(("sigreturn", "rt_sigreturn")):
        nr = NUMBERS[name]
        base = TRAMPOLINE_BASE + 16 * i
        out[(bool(i), False)] = (base, struct.pack("<II", _MOV_R7 | nr, _SVC0))
        out[(bool(i), True)] = (base + 8, struct.pack("<HHI", _MOVS_R7 | nr, _SVC0_T, 0))
    return out


TRAMPOLINES = _trampolines()


def install_trampolines(mem: GuestMemory) -> None:
    """Write the return trampolines into the (already mapped) kuser page."""
    for addr, code in TRAMPOLINES.values():
        mem.write_raw(addr, code)


def _ucontext(p: Process, oldmask: int, sp: int) -> bytes:
    """The ucontext of the interrupted code (guest-visible state from ``jitemu.state`` only)."""
    s = p.state
    alt = p.signals.altstack
    head = UC_HEAD.pack(0, 0, alt.sp, alt.status(sp), alt.size)
    regs = [s.r[i] for i in range(16)]
    ctx = SIGCONTEXT.pack(0, 0, oldmask & 0xFFFFFFFF, *regs, get_cpsr(s), 0)
    vfp = VFP_FRAME.pack(VFP_MAGIC, VFP_FRAME.size, *s.d, s.fpscr, FPEXC_EN, 0, 0)
    mask = oldmask.to_bytes(8, "little")
    out = head + ctx + mask
    out = out.ljust(REGSPACE_OFF, b"\0") + vfp + bytes(4)  # the zero end word after the VFP block
    return out.ljust(UC_SIZE, b"\0")


def push_frame(p: Process, info: SigInfo, act: SigAction, oldmask: int) -> None:
    """Build the frame for ``act``'s handler on the guest stack and point the CPU at the handler.
    Raises GuestFault if the stack cannot take the frame."""
    s = p.state
    rt = bool(act.flags & SA_SIGINFO)
    sp = s.r[13]
    alt = p.signals.altstack
    if act.flags & SA_ONSTACK and alt.flags != SS_DISABLE and not alt.on_stack(sp):
        sp = alt.sp + alt.size
    size = RT_SIGFRAME_SIZE if rt else SIGFRAME_SIZE
    frame = (sp - size) & ~7 & 0xFFFFFFFF
    uc = frame + SIGINFO.size if rt else frame
    data = _ucontext(p, oldmask, s.r[13])
    if rt:
        data = info.pack() + data
    p.mem.write(frame, data)
    if alt.flags & SS_AUTODISARM and alt.on_stack(frame):
        alt.sp, alt.size, alt.flags = 0, 0, SS_DISABLE
    handler = act.handler
    thumb = handler & 1
    if act.flags & SA_RESTORER:
        ret = act.restorer
    else:
        addr, _ = TRAMPOLINES[(rt, bool(thumb))]
        ret = addr | thumb
    s.r[0] = info.sig
    if rt:
        s.r[1] = frame
        s.r[2] = uc
    s.r[13] = frame
    s.r[14] = ret
    s.r[15] = handler & (~1 if thumb else ~3) & 0xFFFFFFFF
    s.thumb = thumb
    s.itstate = 0


def pop_frame(p: Process, rt: bool) -> bool:
    """sigreturn / rt_sigreturn: restore the registers, VFP state, mask and alternate stack from the frame
    at sp.  Returns False for a bad frame (the caller raises SIGSEGV).  May raise GuestFault."""
    s = p.state
    frame = s.r[13]
    if frame & 7:
        return False
    uc = frame + SIGINFO.size if rt else frame
    data = p.mem.read(uc, UC_SIZE)
    vfp = VFP_FRAME.unpack_from(data, REGSPACE_OFF)
    if vfp[0] != VFP_MAGIC or vfp[1] != VFP_FRAME.size:
        return False
    ctx = SIGCONTEXT.unpack_from(data, SIGCONTEXT_OFF)
    for i in range(16):
        s.r[i] = ctx[3 + i]
    set_cpsr(s, ctx[19])
    if s.thumb:
        s.r[15] &= ~1
    else:
        s.r[15] &= ~3
    for i in range(32):
        s.d[i] = vfp[2 + i]
    s.fpscr = vfp[34]
    p.signals.set_blocked(int.from_bytes(data[SIGMASK_OFF : SIGMASK_OFF + 8], "little"))
    _, _, ss_sp, ss_flags, ss_size = UC_HEAD.unpack_from(data)
    p.signals.altstack.set(ss_sp, ss_flags, ss_size, s.r[13])  # errors are ignored, as qemu does
    return True
