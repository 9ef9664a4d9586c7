"""The run loop: find or translate the block at the current pc, run it on an engine, follow its exit.

It returns to its world (linux_user today, system mode later) only with an ``Event``: a syscall, an
undefined instruction, a memory fault or a breakpoint.  Blocks are cached by (pc, thumb, itstate) and
dropped when their guest code pages are written or unmapped.
"""

from __future__ import annotations

from jitemu import log
from jitemu.codegen.interp import Interpreter, PreparedBlock
from jitemu.events import Event, EventKind
from jitemu.ir import ExitKind
from jitemu.lift.translate import disassemble, translate
from jitemu.memory import PAGE_SHIFT, GuestFault, GuestMemory
from jitemu.state import CPUState, format_cpu

ENGINES = ("jit", "interp")


class Engine:
    def __init__(self, mem: GuestMemory, state: CPUState, *, engine: str = "interp"):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine '{engine}'")
        self.mem = mem
        self.state = state
        self.engine_name = engine
        self.interp = Interpreter(mem, state)
        self.cache: dict[tuple[int, int, int], PreparedBlock] = {}
        self.page_blocks: dict[int, set[tuple[int, int, int]]] = {}
        self.insns_executed = 0
        self.blocks_translated = 0
        mem.on_code_write = self._drop_page

    # ---- block cache -----------------------------------------------------------------------------------
    def _translate(self, key: tuple[int, int, int]) -> PreparedBlock:
        pc, thumb, it = key
        block = translate(self.mem, pc, bool(thumb), it)
        self.blocks_translated += 1
        if log.enabled("in_asm"):
            log.write("-" * 40 + "\n" + disassemble(self.mem, block))
        if log.enabled("op"):
            log.write(f"OP:\n{block.format()}\n")
        pb = self.interp.prepare(block)
        self.cache[key] = pb
        last = pc + max(block.guest_size, 1) - 1
        for page in range(pc >> PAGE_SHIFT, (last >> PAGE_SHIFT) + 1):
            self.page_blocks.setdefault(page, set()).add(key)
        self.mem.mark_code(pc, max(block.guest_size, 1))
        return pb

    def _drop_page(self, page: int) -> None:
        for key in self.page_blocks.pop(page, ()):
            self.cache.pop(key, None)

    def invalidate(self, addr: int, length: int) -> None:
        """Drop translated code overlapping [addr, addr+length) (cacheflush)."""
        if length <= 0:
            return
        for page in range(addr >> PAGE_SHIFT, ((addr + length - 1) >> PAGE_SHIFT) + 1):
            self._drop_page(page)

    # ---- running -------------------------------------------------------------------------------------
    def run(self) -> Event:
        s = self.state
        cache = self.cache
        run_block = self.interp.run
        trace = log.enabled("exec") or log.enabled("cpu")
        while True:
            key = (s.r[15], s.thumb, s.itstate)
            pb = cache.get(key)
            try:
                if pb is None:
                    pb = self._translate(key)
                if trace:
                    self._trace(pb)
                ex = run_block(pb)
            except GuestFault as f:
                pc = key[0] if f.pc is None else f.pc
                s.r[15] = pc
                return Event(EventKind.FAULT, pc=pc, addr=f.addr, write=f.write)
            self.insns_executed += ex.ninsns
            pcword = ex.pcword
            s.r[15] = pcword & ~1
            s.thumb = pcword & 1
            kind = ex.kind
            if kind <= ExitKind.JUMP:
                continue
            if kind == ExitKind.SYSCALL:
                return Event(EventKind.SYSCALL, pc=ex.insn_pc, imm=ex.imm)
            if kind == ExitKind.UNDEF:
                return Event(EventKind.UNDEF, pc=pcword & ~1)
            return Event(EventKind.BKPT, pc=pcword & ~1, imm=ex.imm)

    def _trace(self, pb: PreparedBlock) -> None:
        if log.enabled("cpu"):
            log.write(format_cpu(self.state))
        if log.enabled("exec"):
            blk = pb.block
            log.write(f"Trace: [{blk.pc:08x}] {'T' if blk.thumb else 'A'}\n")
