"""Translate guest code at (pc, thumb, itstate) into one IR block.

This is the one place where conditions are applied: A32 condition fields and T32 IT blocks wrap each
instruction's lifted IR in a conditional skip, so lift functions never look at conditions.  A block ends
at a branch or other exit, at a page boundary, or after ``MAX_INSNS`` instructions.
"""

from __future__ import annotations

from capstone import CS_ARCH_ARM, CS_MODE_ARM, CS_MODE_THUMB, Cs
from capstone.arm import ARM_INS_IT

from jitemu import log
from jitemu.ir import Block, Builder, ExitKind, Op, c1, c32
from jitemu.lift import arm as _arm  # noqa: F401 - registers the lift functions
from jitemu.lift.ctx import AL, LiftCtx, Unlifted, lift_fn
from jitemu.memory import PAGE_MASK, PAGE_SIZE, PROT_EXEC, GuestFault, GuestMemory

MAX_INSNS = 48


def _make_cs(mode: int) -> Cs:
    md = Cs(CS_ARCH_ARM, mode)
    md.detail = True
    return md


_CS = {False: _make_cs(CS_MODE_ARM), True: _make_cs(CS_MODE_THUMB)}
_CS_PLAIN = {False: Cs(CS_ARCH_ARM, CS_MODE_ARM), True: Cs(CS_ARCH_ARM, CS_MODE_THUMB)}


def it_advance(it: int) -> int:
    """ITAdvance() of the ARM ARM."""
    return 0 if it & 7 == 0 else (it & 0xE0) | ((it << 1) & 0x1F)


def _thumb_16bit_sets_flags_outside_it(hw: int) -> bool:
    """16-bit data-processing encodings whose S bit is 'outside IT block' (CMP/CMN/TST always set)."""
    if hw >> 14 == 0:  # shift (immediate), add, subtract, move, compare
        return (hw >> 11) != 0b00101  # CMP (immediate) always sets
    if hw >> 10 == 0b010000:  # data-processing register
        return (hw >> 6) & 0xF not in (0b1000, 0b1010, 0b1011)  # TST, CMP, CMN always set
    return False


# _S_BIT: capstone reports update_flags for ADC/SBC/RSC (they read C) even without the S bit.  Every A32
# and 32-bit T32 encoding that can set flags keeps S at bit 20 (hw1 bit 4 in T32), so it has the last word.


def fetch_code(mem: GuestMemory, pc: int) -> bytes:
    """Guest code bytes from pc to the end of its page (+4 bytes of the next page when executable)."""
    if not mem.perms[pc >> 12] & PROT_EXEC:
        raise GuestFault(pc, False, pc)
    end = (pc | PAGE_MASK) + 1
    code = mem.read_raw(pc, end - pc)
    if end < 1 << 32 and mem.perms[end >> 12] & PROT_EXEC:
        code += mem.read_raw(end, 4)
    return code


def translate(
    mem: GuestMemory, pc: int, thumb: bool, itstate: int = 0, features: frozenset[str] | None = None
) -> Block:
    """The block at pc.  ``features``: the CPU model's optional features (``jitemu.linux_user.cpus``, e.g.
    ``vfpv4``, ``idiva``); instructions needing one that is absent are UNDEF.  None: everything."""
    block = Block(pc, thumb, itstate)
    b = Builder(block)
    code = fetch_code(mem, pc)
    page_end = (pc | PAGE_MASK) + 1
    md = _CS[thumb]
    it = itstate
    it_in_state = itstate
    ended = False
    addr = pc
    count = 0
    for insn in _decode(md, code, pc):
        addr = insn.address
        size = insn.size
        if addr >= page_end or count >= MAX_INSNS:
            break
        if addr + size > page_end and (page_end >> 12) and not mem.perms[page_end >> 12] & PROT_EXEC:
            break
        raw = _raw(code, addr - pc, size, thumb)
        count += 1
        b.emit(Op.INSN_START, None, aux=addr, aux2=size | it << 8)
        if thumb:
            cond = (it >> 4) if it & 0xF else _thumb_branch_cond(raw, size)
            it_next = it_advance(it) if it & 0xF else 0
            setflags = insn.update_flags and (size == 2 or bool(raw >> 20 & 1))  # see _S_BIT
            if size == 2 and _thumb_16bit_sets_flags_outside_it(raw):
                setflags = not (it & 0xF)
        else:
            cond = raw >> 28
            if cond == 0xF:
                cond = AL
            it_next = 0
            setflags = insn.update_flags and bool(raw >> 20 & 1)  # see _S_BIT
        ctx = LiftCtx(b, insn, thumb, raw, setflags, it, it_next, it_in_state, features)
        lift_one(ctx, cond)
        block.guest_insns = count
        if ctx.ended:
            ended = True
            addr += size
            break
        if insn.id == ARM_INS_IT:
            it_next = ctx.it_new_state
        it = it_next
        addr += size
    else:
        # capstone stopped early: the next bytes do not decode (or the buffer ran out)
        if addr + (2 if thumb else 4) <= pc + len(code) and addr < page_end and count < MAX_INSNS:
            addr = _next_addr(block, pc)
            if addr < page_end:
                b.emit(Op.INSN_START, None, aux=addr, aux2=(2 if thumb else 4) | it << 8)
                _log_unimp(addr, thumb, code[addr - pc : addr - pc + 4], "undecodable")
                if it != it_in_state:
                    b.set("itstate", c32(it))
                b.exit(ExitKind.UNDEF, c32(addr | thumb))
                block.guest_insns = count + 1
                ended = True
                addr += 2 if thumb else 4
    if not ended:
        addr = _next_addr(block, pc)
        if it != it_in_state:
            b.set("itstate", c32(it))
        b.exit(ExitKind.GOTO, c32(addr | thumb))
    block.guest_size = addr - pc
    return block


def _decode(md: Cs, code: bytes, pc: int, chunk: int = 8):
    """Decode lazily, a few instructions per capstone call (one call decodes all the bytes it is given)."""
    off = 0
    while off < len(code):
        buf = code[off : off + 4 * chunk]
        k = n = 0
        for insn in md.disasm(buf, pc + off, chunk):
            k += 1
            n += insn.size
            yield insn
        if k == 0:
            return
        off += n
        if k < chunk and len(buf) - n >= 4:
            return  # capstone stopped early with bytes left: they do not decode


def _next_addr(block: Block, pc: int) -> int:
    for i in reversed(block.insns):
        if i.op is Op.INSN_START:
            return i.aux + (i.aux2 & 0xFF)
    return pc


def _raw(code: bytes, off: int, size: int, thumb: bool) -> int:
    """The instruction of ``size`` bytes at ``code[off]``: A32 the word; T32 the halfword, or hw1 << 16 | hw2."""
    if not thumb:
        return int.from_bytes(code[off : off + 4], "little")
    hw1 = int.from_bytes(code[off : off + 2], "little")
    if size == 2:
        return hw1
    return hw1 << 16 | int.from_bytes(code[off + 2 : off + 4], "little")


def _log_unimp(addr: int, thumb: bool, data: bytes, why: str) -> None:
    if log.enabled("unimp"):
        log.write(
            f"jitemu: unimplemented instruction at 0x{addr:08x} ({'T32' if thumb else 'A32'} {data.hex()}): {why}\n"
        )


def lift_one(ctx: LiftCtx, cond: int) -> None:
    """Lift one instruction, wrapped in its condition; unknown instructions become UNDEF exits."""
    b = ctx.b
    fn = lift_fn(ctx.insn, ctx.raw, ctx.thumb)
    if fn is None:
        _log_unimp(ctx.pc, ctx.thumb, bytes(ctx.insn.bytes), f"{ctx.insn.mnemonic} {ctx.insn.op_str}")
        ctx.undefined()
        return
    mark = len(b.block.insns)
    ntemps = b.block.ntemps
    skip = None
    if cond != AL:
        skip = b.new_label()
        b.brcond(b.xor(ctx.cond_value(cond), c1(1)), skip)
    try:
        fn(ctx)
    except Unlifted as e:
        del b.block.insns[mark:]
        b.block.ntemps = ntemps
        ctx.ended = False
        _log_unimp(ctx.pc, ctx.thumb, bytes(ctx.insn.bytes), f"{ctx.insn.mnemonic} {ctx.insn.op_str}: {e}")
        ctx.undefined()
        return
    if skip is not None:
        b.label(skip)
        if ctx.ended:
            # the instruction exited on its taken path; the not-taken path falls through to the next pc
            ctx.ended = False
            ctx.exit(ExitKind.GOTO, c32(ctx.next_pc | ctx.thumb))


def _thumb_branch_cond(raw: int, size: int) -> int:
    """The condition field of a T32 conditional branch (B encodings T1 and T3), else AL."""
    if size == 2:
        if raw >> 12 == 0xD and (raw >> 8) & 0xF < 0xE:
            return (raw >> 8) & 0xF
    elif raw >> 27 == 0x1E and (raw >> 12) & 0xD == 0x8 and (raw >> 22) & 0xF < 0xE:
        return (raw >> 22) & 0xF
    return AL


def disassemble(mem: GuestMemory, block: Block) -> str:
    """The ``-d in_asm`` listing of a block's guest code."""
    code = mem.read_raw(block.pc, block.guest_size)
    lines = ["IN:\n"]
    for insn in _CS_PLAIN[block.thumb].disasm(code, block.pc):
        lines.append(f"0x{insn.address:08x}:  {insn.bytes.hex():<8}  {insn.mnemonic} {insn.op_str}\n")
    return "".join(lines) + "\n"


__all__ = ["translate", "disassemble", "fetch_code", "PAGE_SIZE"]
