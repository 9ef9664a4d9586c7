"""The run loop: find or translate the block at the current pc, run it on an engine, follow its exit.

It returns to its world (linux_user today, system mode later) only with an ``Event``: a syscall, an
undefined instruction, a memory fault, a breakpoint, or an interrupt request (``state.exit_request``,
tested at block boundaries; the world clears it).  Blocks are cached by (pc, thumb, itstate) and
dropped when their guest code pages are written or unmapped.

One ``Engine`` runs one guest thread (one ``CPUState``); the engines of the threads of one address space
share a ``CodeSpace``: guest memory, the options, the JIT tier with its compiled code, the persistent
translation cache.  Each engine keeps its own prepared blocks (the interpreter's are bound to its state).
"""

from __future__ import annotations

import ctypes
import os
import resource
import threading
from pathlib import Path

from jitemu import __version__, log
from jitemu.codegen.interp import Interpreter, PreparedBlock
from jitemu.codegen.retcodes import RET_HOT, RET_SLOW
from jitemu.diskcache import code_identity
from jitemu.events import Event, EventKind
from jitemu.ir import Block, ExitKind
from jitemu.memory import PAGE_SHIFT, PAGE_SIZE, PROT_EXEC, GuestFault, GuestMemory
from jitemu.state import CPUState, format_cpu
from jitemu.tbcache import TranslationCache
from jitemu.tuning import JIT_BATCH, JIT_PROMOTE, JIT_START, JIT_THRESHOLD, REGION_MAX

ENGINES = ("jit", "interp")
Key = tuple[int, int, int]  # a block: (pc, thumb, itstate)


class CodeSpace:
    """What all guest threads of one address space share: guest memory, the engine options, the JIT tier
    (created when code first gets hot; its compiled code serves every thread), the persistent translation
    cache, and the engines whose translations die when guest code changes."""

    def __init__(self, mem: GuestMemory, *, engine: str = "jit", jit_threshold: int = JIT_THRESHOLD,
                 cache_dir: Path | None = None, cpu_model: str = "any", jit_background: bool = False,
                 cache_detach: bool = True, cpu_features: frozenset[str] | None = None,
                 jit_promote: int | None = None, jit_start: int | None = None):  # fmt: skip
        if engine not in ENGINES:
            raise ValueError(f"unknown engine '{engine}'")
        self.mem = mem
        self.engine_name = engine
        self.jit_threshold = jit_threshold
        # arrivals at a tier-1 region's blocks before it is compiled at tier 2
        self.jit_promote = JIT_PROMOTE * max(jit_threshold, 1) if jit_promote is None else jit_promote
        # blocks a thread interprets before anything is compiled (short runs never load LLVM); none below the
        # default threshold, which asks for early compilation (tests)
        if jit_start is None:
            jit_start = JIT_START * jit_threshold if jit_threshold >= JIT_THRESHOLD else 0
        self.jit_start = jit_start
        self.cache_dir = cache_dir
        self.cpu_model = cpu_model
        self.cpu_features = cpu_features  # the model's optional features the lifter checks (None: all)
        self.jit_background = jit_background
        self.cache_detach = cache_detach
        self.jit = None  # the JitTier (LLVM is not loaded before code gets hot)
        self.engines: list[Engine] = []
        self.translate_lock = threading.Lock()
        self._jit_lock = threading.Lock()  # one JIT tier per space, even when threads get hot at once
        logging_ir = log.enabled("in_asm") or log.enabled("op")  # these show the translator's work
        self.tbcache = None
        if cache_dir is not None and not logging_ir:
            self.tbcache = TranslationCache(cache_dir, f"{__version__} {code_identity()} {cpu_model}")
        mem.on_code_write = self.drop_page

    def jit_tier(self, state: CPUState):
        """The JIT tier, created (for ``state``, the first one bound to it) when code first gets hot."""
        if self.jit is None:
            # Creating a tier runs LLVM, which releases the GIL: without the lock, threads that got hot at the
            # same time each made a tier, and the ones dropped took the code, tables and callbacks that
            # their threads were still running with them (the intermittent host crash of threaded programs).
            with self._jit_lock:
                if self.jit is None:
                    from jitemu.codegen.jit import JitTier  # noqa: PLC0415 - LLVM loads only once code is hot

                    self.jit = JitTier(self.mem, state, count_insns=log.enabled("stats"), cache_dir=self.cache_dir,
                                       cpu_model=self.cpu_model, promote_at=self.jit_promote,
                                       tier2_worker=True)  # fmt: skip
        return self.jit

    def after_fork_child(self) -> None:
        """In a fork child only the forking thread lives on: locks other threads held at the fork stay held,
        so they are made anew, and the JIT tier forgets its compiler thread."""
        self.translate_lock = threading.Lock()
        self._jit_lock = threading.Lock()
        if self.jit is not None:
            self.jit.after_fork_child()

    def drop_page(self, page: int) -> None:
        """Guest code on ``page`` changed or went away: every translation of it dies, in every thread."""
        if self.tbcache is not None:
            self.tbcache.forget(page)
        for engine in self.engines:
            keys = engine.forget_page(page)
            if self.jit is not None:
                for key in keys:
                    self.jit.drop(key)

    def invalidate(self, addr: int, length: int) -> None:
        """Drop translated code overlapping [addr, addr+length) (cacheflush, munmap, mprotect)."""
        if length > 0:
            for page in range(addr >> PAGE_SHIFT, ((addr + length - 1) >> PAGE_SHIFT) + 1):
                self.drop_page(page)

    def finish(self) -> None:
        """The guest is done: stop the background compiler and store this run's translations."""
        if self.jit is not None:
            self.jit.stop_background()
        self.save_translations()

    def save_translations(self) -> None:
        """Store this run's new translations in the persistent translation cache (at the end of a run).

        Unless ``cache_detach`` is off, the work is done by a forked child that holds none of our files
        open, so the guest's end (and whoever waits for it) is not delayed by the writing."""
        if self.tbcache is None or not self.tbcache.has_fresh():
            return
        if self.cache_detach:
            try:
                if os.fork():
                    return
            except OSError:
                pass  # no process to spare: write it ourselves
            else:
                try:
                    devnull = os.open(os.devnull, os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(devnull, fd)
                    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
                    self.tbcache.save(self._export)
                finally:
                    os._exit(0)
        self.tbcache.save(self._export)

    def _export(self, key: Key) -> tuple | None:
        for engine in self.engines:
            pb = engine.cache.get(key)
            if pb is not None:
                return engine.interp.export(pb)
        return None


class RegionBlock:
    """A block of a region as the JIT tier sees it: where it is, its guest size, and its IR (``block``) only
    if the JIT must lower it.  A module found in the code cache needs no IR, so a warm run lifts nothing."""

    __slots__ = ("pc", "thumb", "itstate", "guest_size", "prepared")

    def __init__(self, key: Key, prepared: PreparedBlock):
        self.pc, self.thumb, self.itstate = key
        self.guest_size = prepared.guest_size
        self.prepared = prepared

    @property
    def block(self) -> Block:
        return self.prepared.block


class Engine:
    """Runs one guest thread: the interpreter for cold blocks and, with ``engine="jit"``, compiled hot
    blocks.  ``space`` is the address space's shared ``CodeSpace`` (made from ``options`` if None)."""

    def __init__(self, mem: GuestMemory, state: CPUState, *, space: CodeSpace | None = None, **options):
        if space is None:
            space = CodeSpace(mem, **options)
        elif options:
            raise TypeError("engine options belong to the shared CodeSpace")
        space.engines.append(self)
        self.space = space
        self.mem = mem
        self.state = state
        self.state_addr = ctypes.addressof(state)
        self.engine_name = space.engine_name
        self.jit_threshold = space.jit_threshold
        self.interp = Interpreter(mem, state)
        self.cache: dict[Key, PreparedBlock] = {}
        self.page_blocks: dict[int, set[Key]] = {}
        self.hot: dict[Key, int] = {}
        self._bound = False  # is our state bound to the JIT tier
        self.insns_executed = 0
        self.blocks_translated = 0
        self.native_entries = 0  # calls from Python into generated code
        self.interp_next = False  # generated code left at an access for the interpreter (RET_SLOW)
        self.native_transitions = 0  # block-to-block transitions inside generated code (when counting)
        self.blocks_interpreted = 0
        self.interp_work = 0  # the interpreted blocks' costs (``PreparedBlock.cost``): when the JIT starts
        self.blocks_loaded = 0  # taken from the persistent translation cache

    @property
    def jit(self):
        """The shared JIT tier once code got hot (in any thread), with this thread's state bound to it."""
        jit = self.space.jit
        if jit is not None and not self._bound:
            jit.bind_state(self.state)
            if self.interp.atomic_cas is None:  # no libatomic: the tier's compiled compare-and-swap
                self.interp.atomic_cas = jit.atomic_cas
            self._bound = True
        return jit

    @property
    def tbcache(self) -> TranslationCache | None:
        return self.space.tbcache

    def finish(self) -> None:
        self.space.finish()

    def invalidate(self, addr: int, length: int) -> None:
        self.space.invalidate(addr, length)

    def detach(self) -> None:
        """This thread is gone: its engine no longer takes part in invalidation."""
        self.space.engines.remove(self)

    # ---- block cache -----------------------------------------------------------------------------------
    def _translate(self, key: Key) -> PreparedBlock:
        pc, thumb, it = key
        pb = self._from_tbcache(key) if self.tbcache is not None else None
        if pb is None:
            with self.space.translate_lock:  # capstone's decoders are not to be shared between threads
                block = _translator().translate(self.mem, pc, bool(thumb), it, self.space.cpu_features)
            self.blocks_translated += 1
            if log.enabled("in_asm"):
                log.write("-" * 40 + "\n" + _translator().disassemble(self.mem, block))
            if log.enabled("op"):
                log.write(f"OP:\n{block.format()}\n")
            pb = self.interp.prepare(block)
            if self.tbcache is not None and _within_page(pc, pb.guest_size):
                self.tbcache.note(key)
        self.cache[key] = pb
        last = pc + max(pb.guest_size, 1) - 1
        for page in range(pc >> PAGE_SHIFT, (last >> PAGE_SHIFT) + 1):
            self.page_blocks.setdefault(page, set()).add(key)
        self.mem.mark_code(pc, max(pb.guest_size, 1))
        return pb

    def _from_tbcache(self, key: Key) -> PreparedBlock | None:
        """The block at ``key`` from the persistent translation cache, if its page still holds the same code
        and is executable (else the translator runs, and reports any fault)."""
        data = self.tbcache.lookup(self.mem, key)
        if data is None or not self.mem.perms[key[0] >> PAGE_SHIFT] & PROT_EXEC:
            return None
        pc, thumb, it = key
        try:
            pb = self.interp.import_(data, lambda: self._lift(pc, thumb, it))
        except (KeyError, ValueError, TypeError, IndexError):
            return None  # written by an incompatible jitemu: translate afresh
        self.blocks_loaded += 1
        return pb

    def _lift(self, pc: int, thumb: int, it: int) -> Block:
        """The IR of a block taken from the translation cache, made again when the JIT wants it."""
        with self.space.translate_lock:
            return _translator().translate(self.mem, pc, bool(thumb), it, self.space.cpu_features)

    def forget_page(self, page: int) -> set[Key]:
        """Drop this thread's translations of ``page``; returns their keys."""
        keys = self.page_blocks.pop(page, set())
        for key in keys:
            self.cache.pop(key, None)
            self.hot.pop(key, None)
        return keys

    def _start_jit(self) -> None:
        """The run got long enough for the JIT (``CodeSpace.jit_start``): compile what got hot meanwhile."""
        hot = [(n, k) for k, n in self.hot.items() if n >= self.jit_threshold and k[2] == 0 and k in self.cache]
        if hot:
            self._compile_hot(max(hot)[1])

    def _compile_hot(self, key: Key) -> None:
        """Compile a hot block as the entry of a region, with the other warm blocks (one module).

        At tier 1 each block goes into one region of the batch only (a region stops at a block another
        region of the batch starts with or already holds, and exits to it through a chain slot), so no block
        is compiled twice in a module: code generation time grows with the code compiled.  A region that
        gets hot is recompiled at tier 2 with every warm block it reaches (a loop through blocks that
        other regions start, such as an interpreter's dispatch loop, then stays in one function)."""
        self.space.jit_tier(self.state)
        warm = self.jit_threshold // 2
        entries = [key] + [k for k, n in self.hot.items() if n >= warm and k != key and k not in self.jit.native]
        entries = [k for k in entries[:JIT_BATCH] if k in self.cache]
        taken = set(entries)
        regions = []
        for k in entries:
            region = self._region(k, warm, taken)
            taken.update((b.pc, int(b.thumb), b.itstate) for b in region)
            regions.append(region)
        whole = [self._region(k, warm, set()) for k in entries]
        self.jit.compile(regions, self._still_current, tier2_regions=whole)
        if self.space.jit_background:
            self.jit.start_background()  # the first module compiles in the foreground, the rest behind

    def _still_current(self, rb: RegionBlock) -> bool:
        return self.cache.get((rb.pc, rb.thumb, rb.itstate)) is rb.prepared

    def _region(self, key: Key, warm: int, taken: set[Key]) -> list[RegionBlock]:
        """The warm blocks reachable from ``key`` by direct branches (entry first), but none in ``taken``."""
        region = [RegionBlock(key, self.cache[key])]
        seen = {key}
        i = 0
        while i < len(region) and len(region) < REGION_MAX:
            for t in region[i].prepared.goto_targets():
                k = (t & ~1, t & 1, 0)
                if k not in seen and k not in taken and k in self.cache and self.hot.get(k, 0) >= warm:
                    seen.add(k)
                    region.append(RegionBlock(k, self.cache[k]))
            i += 1
        return region[:REGION_MAX]

    # ---- running -------------------------------------------------------------------------------------
    def run(self) -> Event:
        s = self.state
        cache = self.cache
        run_block = self.interp.run
        trace = log.enabled("exec") or log.enabled("cpu")
        jit_on = self.engine_name == "jit"
        hot = self.hot
        threshold = self.jit_threshold
        jit_start = self.space.jit_start
        while True:
            key = (s.r[15], s.thumb, s.itstate)
            interp_only, self.interp_next = self.interp_next, False
            if self.jit is not None and not interp_only:
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
                if jit_on and not interp_only:  # counted in blocks' costs (FP-heavy ones count more)
                    old = hot.get(key, 0)
                    n = hot[key] = old + pb.cost
                    if old < threshold <= n and key[2] == 0 and self.interp_work >= jit_start:
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
            work = self.interp_work
            self.interp_work = work + pb.cost
            if work < jit_start <= work + pb.cost and jit_on:
                self._start_jit()
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
            if kind == ExitKind.ALIGN:
                return Event(EventKind.ALIGN, pc=pcword & ~1, addr=s.exit_arg)
            return Event(EventKind.BKPT, pc=pcword & ~1, imm=ex.imm)

    def stats(self) -> dict[str, float]:
        """Execution statistics (``-d stats``)."""
        jit = self.jit
        d: dict[str, float] = {
            "guest instructions": self.insns_executed,
            "blocks translated": self.blocks_translated,
            "blocks from the translation cache": self.blocks_loaded,
            "blocks compiled": jit.blocks_compiled if jit else 0,
            "regions compiled": len(jit.regions_compiled) if jit else 0,
            "modules compiled": jit.compiler.modules_compiled if jit else 0,
            "regions recompiled at tier 2": jit.regions_promoted if jit else 0,
            "lowering seconds": round(jit.lowering_seconds, 4) if jit else 0.0,
            "compile seconds": round(jit.compiler.compile_seconds, 4) if jit else 0.0,
            "compile CPU seconds": round(jit.compiler.compile_cpu_seconds, 4) if jit else 0.0,
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
        rc = fn(self.state_addr)
        if jit.count_insns:
            self.insns_executed += s.insn_count
            self.native_transitions += s.block_count
            s.insn_count = s.block_count = 0
        if jit.internal_error is not None:
            err, jit.internal_error = jit.internal_error, None
            raise err
        if rc == RET_HOT:
            jit.promote(s.exit_arg)
            rc = 0
        if rc == 0:
            return Event(EventKind.INTERRUPT, pc=s.r[15]) if s.exit_request else None
        pc = s.r[15]
        if rc == ExitKind.SYSCALL:
            return Event(EventKind.SYSCALL, pc=pc - (2 if s.thumb else 4), imm=s.exit_arg)
        if rc == ExitKind.UNDEF:
            return Event(EventKind.UNDEF, pc=pc)
        if rc == ExitKind.BKPT:
            return Event(EventKind.BKPT, pc=pc, imm=s.exit_arg)
        if rc == ExitKind.ALIGN:
            return Event(EventKind.ALIGN, pc=pc, addr=s.exit_arg)
        assert rc == RET_SLOW, rc  # an access the inline check did not pass: the interpreter does it
        self.interp_next = True
        return None

    def _trace(self, pb: PreparedBlock) -> None:
        if log.enabled("cpu"):
            log.write(format_cpu(self.state))
        if log.enabled("exec"):
            blk = pb.block
            log.write(f"Trace: [{blk.pc:08x}] {'T' if blk.thumb else 'A'}\n")


def _within_page(pc: int, size: int) -> bool:
    return (pc & (PAGE_SIZE - 1)) + size <= PAGE_SIZE


def _translator():
    """The lifter (capstone loads only when a block must be translated, not taken from the cache)."""
    from jitemu.lift import translate  # noqa: PLC0415

    return translate
