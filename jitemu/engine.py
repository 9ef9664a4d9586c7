"""The run loop: find or translate the block at the current pc, run it on an engine, follow its exit.

It returns to its world (linux_user today, system mode later) only with an ``Event``: a syscall, an
undefined instruction, a memory fault, a breakpoint, or an interrupt request (``state.exit_request``,
tested at block boundaries; the world clears it).  Blocks are cached by (pc, thumb, itstate) and
dropped when their guest code pages are written or unmapped.
"""

from __future__ import annotations

from pathlib import Path

from jitemu import log
from jitemu.codegen.interp import Interpreter, PreparedBlock
from jitemu.events import Event, EventKind
from jitemu.ir import Block, ExitKind, Op
from jitemu.lift.translate import disassemble, translate
from jitemu.memory import PAGE_SHIFT, GuestFault, GuestMemory
from jitemu.state import CPUState, format_cpu
from jitemu.tuning import JIT_BATCH, JIT_THRESHOLD, REGION_MAX

ENGINES = ("jit", "interp")


class Engine:
    """Runs guest code: the interpreter for cold blocks and, with ``engine="jit"``, compiled hot blocks."""

    def __init__(self, mem: GuestMemory, state: CPUState, *, engine: str = "jit", jit_threshold: int = JIT_THRESHOLD,
                 cache_dir: Path | None = None, cpu_model: str = "any", jit_background: bool = False):  # fmt: skip
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
        self.jit_threshold = jit_threshold
        self.cache_dir = cache_dir
        self.jit_background = jit_background
        self.cpu_model = cpu_model
        self.hot: dict[tuple[int, int, int], int] = {}
        self.jit = None  # the JitTier, created when code first gets hot (LLVM is not loaded before)
        self.native_entries = 0  # calls from Python into generated code
        self.native_transitions = 0  # block-to-block transitions inside generated code (when counting)
        self.blocks_interpreted = 0
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
            self.hot.pop(key, None)
            if self.jit is not None:
                self.jit.drop(key)

    def _compile_hot(self, key: tuple[int, int, int]) -> None:
        """Compile a hot block as the entry of a region, with the other warm blocks (one module)."""
        if self.jit is None:
            from jitemu.codegen.jit import JitTier  # noqa: PLC0415 - LLVM loads only once code is hot

            self.jit = JitTier(self.mem, self.state, count_insns=log.enabled("stats"), cache_dir=self.cache_dir,
                               cpu_model=self.cpu_model)  # fmt: skip
        warm = self.jit_threshold // 2
        entries = [key] + [k for k, n in self.hot.items() if n >= warm and k != key and k not in self.jit.native]
        entries = [k for k in entries[:JIT_BATCH] if k in self.cache]
        self.jit.compile([self._region(k, warm) for k in entries], self._still_current)
        if self.jit_background:
            self.jit.start_background()  # the first module compiles in the foreground, the rest behind

    def _still_current(self, block: Block) -> bool:
        pb = self.cache.get((block.pc, int(block.thumb), block.itstate))
        return pb is not None and pb.block is block

    def _region(self, key: tuple[int, int, int], warm: int) -> list[Block]:
        """The warm blocks reachable from ``key`` by direct branches (entry first)."""
        region = [self.cache[key].block]
        seen = {key}
        i = 0
        while i < len(region) and len(region) < REGION_MAX:
            for insn in region[i].insns:
                if insn.op is Op.EXIT and insn.aux is ExitKind.GOTO:
                    t = insn.args[0].value
                    k = (t & ~1, t & 1, 0)
                    if k not in seen and k in self.cache and self.hot.get(k, 0) >= warm:
                        seen.add(k)
                        region.append(self.cache[k].block)
            i += 1
        return region[:REGION_MAX]

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
        jit_on = self.engine_name == "jit"
        hot = self.hot
        threshold = self.jit_threshold
        while True:
            key = (s.r[15], s.thumb, s.itstate)
            if self.jit is not None:
                self.jit.poll()
                fn = self.jit.native.get(key)
                if fn is not None:
                    ev = self._run_native(fn)
                    if ev is None:
                        continue
                    return ev
            pb = cache.get(key)
            try:
                if pb is None:
                    pb = self._translate(key)
                if jit_on:
                    n = hot.get(key, 0) + 1
                    hot[key] = n
                    if n == threshold and key[2] == 0:
                        self._compile_hot(key)
                        continue
                if trace:
                    self._trace(pb)
                ex = run_block(pb)
            except GuestFault as f:
                pc = key[0] if f.pc is None else f.pc
                s.r[15] = pc
                return Event(EventKind.FAULT, pc=pc, addr=f.addr, write=f.write)
            self.insns_executed += ex.ninsns
            self.blocks_interpreted += 1
            pcword = ex.pcword
            s.r[15] = pcword & ~1
            s.thumb = pcword & 1
            kind = ex.kind
            if kind <= ExitKind.JUMP:
                if s.exit_request:
                    return Event(EventKind.INTERRUPT, pc=s.r[15])
                continue
            if kind == ExitKind.SYSCALL:
                return Event(EventKind.SYSCALL, pc=ex.insn_pc, imm=ex.imm)
            if kind == ExitKind.UNDEF:
                return Event(EventKind.UNDEF, pc=pcword & ~1)
            return Event(EventKind.BKPT, pc=pcword & ~1, imm=ex.imm)

    def stats(self) -> dict[str, float]:
        """Execution statistics (``-d stats``)."""
        jit = self.jit
        d: dict[str, float] = {
            "guest instructions": self.insns_executed,
            "blocks translated": self.blocks_translated,
            "blocks compiled": jit.blocks_compiled if jit else 0,
            "regions compiled": len(jit.regions_compiled) if jit else 0,
            "modules compiled": jit.compiler.modules_compiled if jit else 0,
            "compile seconds": round(jit.compiler.compile_seconds, 4) if jit else 0.0,
            "code cache hits": jit.cache.hits if jit else 0,
            "code cache misses": jit.cache.misses if jit else 0,
            "entries into generated code": self.native_entries,
        }
        if self.insns_executed:
            d["python re-entries per million guest instructions"] = round(
                self.native_entries * 1e6 / self.insns_executed, 2
            )
        transitions = self.native_transitions + self.blocks_interpreted + self.native_entries
        if jit and jit.count_insns and transitions:
            # a transition stays native when generated code branches straight to generated code
            d["block transitions inside generated code percent"] = round(100 * self.native_transitions / transitions, 2)
        return d

    def format_stats(self) -> str:
        return "".join(f"jitemu: {k}: {v}\n" for k, v in self.stats().items())

    def _run_native(self, fn) -> Event | None:
        """Call compiled code; it returns when it leaves compiled code (0) or for an event."""
        s = self.state
        jit = self.jit
        self.native_entries += 1
        rc = fn(jit.state_addr)
        if jit.count_insns:
            self.insns_executed += s.insn_count
            self.native_transitions += s.block_count
            s.insn_count = s.block_count = 0
        if jit.internal_error is not None:
            err, jit.internal_error = jit.internal_error, None
            raise err
        if rc == 0:
            return Event(EventKind.INTERRUPT, pc=s.r[15]) if s.exit_request else None
        pc = s.r[15]
        if rc == ExitKind.SYSCALL:
            return Event(EventKind.SYSCALL, pc=pc - (2 if s.thumb else 4), imm=s.exit_arg)
        if rc == ExitKind.UNDEF:
            return Event(EventKind.UNDEF, pc=pc)
        if rc == ExitKind.BKPT:
            return Event(EventKind.BKPT, pc=pc, imm=s.exit_arg)
        s.exit_reason = 0
        return Event(EventKind.FAULT, pc=pc, addr=s.exit_arg, write=bool(s.fault_write))

    def _trace(self, pb: PreparedBlock) -> None:
        if log.enabled("cpu"):
            log.write(format_cpu(self.state))
        if log.enabled("exec"):
            blk = pb.block
            log.write(f"Trace: [{blk.pc:08x}] {'T' if blk.thumb else 'A'}\n")
