"""The JIT tier: compiles hot IR blocks with the LLVM backend, chains them, and calls into them.

It owns everything the generated code reaches through ``CPUState``'s host fields: the indirect-branch
table, the runtime callback table (slow memory paths and helpers, Python functions behind ctypes), and the
chain slots of compiled blocks (patched to point at their successor once it is compiled, reset when the
successor's guest code is invalidated).
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jitemu import __version__, log
from jitemu.codegen import irtext as ir
from jitemu.codegen.cache import CodeCache
from jitemu.codegen.llvm import (
    LLVMCompiler,
    Lowered,
    counter_symbol,
    fp_op_names,
    helper_names,
    lower_regions,
    pcword_of,
    process_triple,
    words,
)
from jitemu.diskcache import code_identity
from jitemu.fpu import FP_OPS
from jitemu.helpers import HELPERS
from jitemu.ir import Block
from jitemu.memory import GuestMemory
from jitemu.state import CPUState
from jitemu.tuning import JIT_BATCH, MERGE_SHARING, MERGED_MAX

BlockFn = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p)
HelperFn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint64))

TABLE_BITS = 14


def _locked(method: Callable) -> Callable:
    """Run a JitTier method holding the tier's lock."""

    @functools.wraps(method)
    def run(self: JitTier, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return run


class JitTier:
    """Compiled code for one guest address space, shared by every CPU state (guest thread) bound to it.

    Generated code gets its state as an argument, so one compiled block serves all threads; the slow
    paths report faults into the state they were called with.  Compiling, linking and unlinking hold
    ``lock`` (LLVM releases the GIL while it works, so two threads could otherwise compile at once)."""

    def __init__(self, mem: GuestMemory, state: CPUState, *, count_insns: bool = False, opt_level: int = 2,
                 cache_dir: Path | None = None, cpu_model: str = "any", promote_at: int = 200_000,
                 tier2_worker: bool = False):  # fmt: skip
        self.mem = mem
        self.state = state
        self.count_insns = count_insns
        self.promote_at = promote_at  # arrivals at a tier-1 region's blocks before tier 2
        self.compiler = LLVMCompiler(opt_level)
        salt = f"jitemu {__version__} {code_identity()} cpu {cpu_model} count {int(count_insns)}"
        salt += f" {self.compiler.identity}"
        # generated code calls helpers and FP operations by position in these lists
        salt += f" helpers {','.join(helper_names())} fp {','.join(fp_op_names())}"
        self.cache = CodeCache(cache_dir, salt)
        self._suffixes: set[str] = set()
        self.internal_error: BaseException | None = None
        n = 1 << TABLE_BITS
        self.table = (ctypes.c_uint64 * (2 * n))()
        self._perms_buf = (ctypes.c_char * len(mem.perms)).from_buffer(mem.perms)
        self._helper_cb = HelperFn(self._helper)
        self._fp_cb = HelperFn(self._fp)
        # the runtime table (state.host_runtime), in llvm.RT_* order
        callbacks = (self._helper_cb, self._fp_cb)
        self.runtime = (ctypes.c_void_p * 2)(*(ctypes.cast(cb, ctypes.c_void_p) for cb in callbacks))
        self.lock = threading.RLock()
        self._llvm_lock = threading.Lock()  # one module through LLVM at a time (MCJIT is not thread-safe)
        self.lowering_seconds = 0.0  # making LLVM IR in Python (LLVM's own time: compiler.compile_seconds)
        self.bind_state()
        self.state_addr = ctypes.addressof(state)  # the first state's; others pass their own address
        self.miss_addr = self.compiler.function_address("jit_miss")
        self.atomic_cas = self._compile_cas()
        self.native: dict[tuple[int, int, int], Callable[[int], int]] = {}
        self.fn_addr: dict[int, int] = {}  # pc word -> compiled function address
        self.waiting: dict[int, list[int]] = {}  # pc word -> chain slots that want it
        self.linked: dict[int, list[int]] = {}  # pc word -> chain slots pointing at it
        self.regions_with: dict[tuple[int, int, int], set[tuple[int, int, int]]] = {}  # block -> region entries
        self._gen = itertools.count()
        self.blocks_compiled = 0
        self.regions_compiled: list[tuple[int, int, int]] = []
        self.regions_promoted = 0
        # tier-1 region entries (pc word) -> the region's blocks, the check that they are still current, and
        # the address of the region's use counter
        self.tier1: dict[int, tuple[list[Block], Callable[[Block], bool] | None, int]] = {}
        self.retire_flags: dict[int, int] = {}  # installed tier-1 region entries -> their retire flag's address
        self.pending: set[tuple[int, int, int]] = set()  # region entries queued for compilation
        self.tier2_worker = tier2_worker  # tier 2 is compiled on the worker thread
        self.background = False  # every tier is
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._worker_error: BaseException | None = None

    def _compile_cas(self) -> dict[int, Callable[[int, int, int], int]]:
        """Host compare-and-swap for each access size, for the interpreter's CMPXCHG: with guest threads,
        compiled code in another thread may update the same word at the same time."""
        m = ir.Module("jitemu_cas")
        m.triple = process_triple()
        for bits in (8, 16, 32, 64):
            t = ir.IntType(bits)
            f = ir.Function(m, ir.FunctionType(t, [ir.IntType(64), t, t]), f"jit_cas{bits}")
            b = ir.IRBuilder(f.append_basic_block())
            ptr = b.inttoptr(f.args[0], t.as_pointer())
            pair = b.cmpxchg(ptr, f.args[1], f.args[2], "seq_cst", "seq_cst")
            b.ret(b.extract_value(pair, 0))
        self.compiler.add_runtime(str(m))
        cas = {}
        for bits in (8, 16, 32, 64):
            c = ctypes.c_uint64 if bits == 64 else ctypes.c_uint32
            proto = ctypes.CFUNCTYPE(c, ctypes.c_uint64, c, c)
            cas[bits // 8] = proto(self.compiler.function_address(f"jit_cas{bits}"))
        return cas

    def bind_state(self, state: CPUState | None = None) -> None:
        """Point a state's host words (by default the first state's) at this tier's memory, tables and
        callbacks."""
        s = self.state if state is None else state
        s.host_mem = self.mem.host_base
        s.host_perms = ctypes.addressof(self._perms_buf)
        s.host_tb_table = ctypes.addressof(self.table)
        s.host_tb_mask = len(self.table) // 2 - 1
        s.host_runtime = ctypes.addressof(self.runtime)

    @_locked
    def forget_all(self) -> None:
        """Make every compiled block unreachable (all guest code changed at once)."""
        for key in list(self.native):
            self._drop_entry(key)
        ctypes.memset(self.table, 0, ctypes.sizeof(self.table))
        self.regions_with.clear()

    # ---- compiling -----------------------------------------------------------------------------------
    @_locked
    def compile(
        self,
        regions: list[list[Block]],
        valid: Callable[[Block], bool] | None = None,
        tier: int = 1,
        tier2_regions: list[list[Block]] | None = None,
    ) -> None:
        """Compile regions (entry block first; itstate-0 entries only) into one module and link them in.
        A region's blocks are IR blocks or the engine's ``RegionBlock``s, whose IR is only made when the
        module is not in the code cache.

        Tier 1 is cheap code that counts its own use and asks for ``promote`` once it is hot (see
        ``llvm.TIER1_PASSES``); tier 2 is fully optimised.  The LLVM IR is made here (Python: a worker
        would take the GIL from the guest); with ``tier2_worker``, tier 2 (and every tier after
        ``start_background``) is then compiled and linked in by a worker thread, while the guest goes on
        running the tier-1 code (LLVM works without the GIL).  ``valid`` says whether a block is still
        current (its guest code may change meanwhile).  ``tier2_regions``: what each tier-1 region becomes
        at tier 2 (same entry; default: the same blocks)."""
        pairs = [(r, w) for r, w in zip(regions, tier2_regions or regions, strict=True)
                 if r and r[0].itstate == 0 and _key(r[0]) not in self.pending]  # fmt: skip
        if not pairs:
            return
        job = _Job([r for r, _ in pairs], tier, valid, [w for _, w in pairs])
        self._prepare(job)
        if not (self.background or (tier == 2 and self.tier2_worker)):
            self._build(job)
            self._install(job)
            return
        self.pending.update(_key(r[0]) for r in job.regions)
        if self._queue is None:
            self._queue = queue.Queue()
            self._thread = threading.Thread(target=self._worker, name="jitemu-compiler", daemon=True)
            self._thread.start()
        self._queue.put(job)

    def start_background(self) -> None:
        """Compile tier 1 on the worker thread too from now on (``-jit-background``)."""
        self.background = True

    def stop_background(self) -> None:
        """Stop the worker once the job it is on is done; jobs still queued are dropped (their blocks can be
        compiled again).  Needed before exit, since LLVM must not be working while Python shuts down."""
        if self._queue is None:
            return
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            with self.lock:
                self.pending.difference_update(_key(r[0]) for r in job.regions)
        self._queue.put(None)
        self._thread.join()
        self._queue = self._thread = None

    def poll(self) -> None:
        """Raise what went wrong in the worker, in a guest thread."""
        if self._worker_error is not None:
            err, self._worker_error = self._worker_error, None
            raise err

    def wait_idle(self) -> None:
        """Wait until the worker has nothing queued or compiling (before a fork: then no compiler thread holds
        a lock, and the child's modules are all installed)."""
        while self.pending and self._worker_error is None:
            time.sleep(0.001)
        self.poll()

    def after_fork_child(self) -> None:
        """In a forked child: the compiler thread did not survive, the next compile starts a new one; the
        locks may have been held by a thread that is gone."""
        self._queue = self._thread = None
        self.lock = threading.RLock()
        self._llvm_lock = threading.Lock()

    def _worker(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._build(job)
                with self.lock:
                    self._install(job)
            except BaseException as e:  # noqa: BLE001 - reported in a guest thread (poll)
                self._worker_error = e
            with self.lock:
                self.pending.difference_update(_key(r[0]) for r in job.regions)

    @_locked
    def promote(self, pcword: int) -> None:
        """The tier-1 region entered at ``pcword`` is hot: compile it again at tier 2, in one module with the
        other tier-1 regions that are at least half as hot (the tier-2 code replaces theirs when installed)."""
        if pcword not in self.tier1:
            return
        warm = self.promote_at // 2
        batch = [pcword] + [pw for pw, (_, _, counter) in self.tier1.items()
                            if pw != pcword and ctypes.c_uint32.from_address(counter).value >= warm]  # fmt: skip
        regions, valid = [], None
        for pw in batch[:JIT_BATCH]:
            region, valid, _ = self.tier1.pop(pw)
            if valid is None or all(valid(b) for b in region):
                regions.append(region)
        self.regions_promoted += len(regions)
        self.compile(regions, valid, tier=2)

    def _prepare(self, job: _Job) -> None:
        """Holding the lock: the cache key, a cache lookup, and otherwise the LLVM IR of the module."""
        t0 = time.perf_counter()
        regions, tier = job.regions, job.tier
        parts = [b"tier %d %d" % (tier, self.promote_at)] + [_region_bytes(self.mem, r) for r in regions]
        job.key = self.cache.key(parts)
        suffix = "_" + job.key[:16]
        job.fresh = suffix not in self._suffixes  # a module loaded twice in one run would clash by name
        if not job.fresh:
            suffix += f"_{next(self._gen)}"
        self._suffixes.add(suffix)
        if tier == 2 and len(regions) > 1:
            job.members = _merged(regions)
        entry = self.cache.load(job.key) if job.fresh else None
        lowered = _lowered_from_meta(entry[0], len(regions)) if entry else None
        if lowered is not None:
            job.lowered, job.obj = lowered, entry[1]
        else:
            # a merged batch is one function, every block once, entered at each region's entry
            groups, entries = ([job.members], len(regions)) if job.members else (regions, 1)
            promote_at = self.promote_at if tier == 1 else 0
            ir_groups = [[_ir(b) for b in g] for g in groups]
            module, job.lowered = lower_regions(ir_groups, f"m{suffix}", self.count_insns, suffix, promote_at, entries)
            job.lowered += [Lowered(job.lowered[0].symbol, []) for _ in regions[len(groups) :]]
            job.ir_text = str(module)
        self.lowering_seconds += time.perf_counter() - t0

    def _build(self, job: _Job) -> None:
        """Any thread: compile (or load the cached object) and resolve the addresses of its symbols."""
        c = self.compiler
        with self._llvm_lock:
            if job.obj is not None:
                c.add_object(job.obj)
            else:
                c.compile(job.ir_text, job.tier)
                if job.fresh and c.last_object is not None:
                    meta = {"regions": [[lw.symbol, lw.slots] for lw in job.lowered]}
                    self.cache.store(job.key, meta, c.last_object)
            if log.enabled("out_asm"):
                job.listing = c.host_disassembly(job.obj if job.obj is not None else c.last_object)
            job.fn_addrs = [c.function_address(lw.symbol) for lw in job.lowered]
            job.slot_addrs = [[c.global_address(name) for name, _ in lw.slots] for lw in job.lowered]
            if job.tier == 1:
                job.counter_addrs = [c.global_address(counter_symbol(lw.symbol)) for lw in job.lowered]

    def _install(self, job: _Job) -> None:
        """Make the compiled regions reachable (dispatch, lookup table, chain slots), holding the lock."""
        if job.valid is not None and not all(job.valid(b) for r in job.regions for b in r):
            return  # guest code changed while it compiled
        if log.enabled("out_asm"):
            ir_text = job.ir_text or "(loaded from the code cache: no LLVM IR)"
            log.write(f"OUT: [{len(job.regions)} regions]\n{ir_text}\n{job.listing}\n")
        regions = job.regions
        self.blocks_compiled += sum(len(r) for r in regions)
        self.regions_compiled.extend(_key(r[0]) for r in regions)
        entries = [r[0] for r in regions]
        for region in regions:
            for member in job.members or region:  # a merged function runs every member from every entry
                self.regions_with.setdefault(_key(member), set()).add(_key(region[0]))
        for region, whole, lw, addr, slots in zip(regions, job.tier2_regions, job.lowered, job.fn_addrs,
                                                  job.slot_addrs, strict=False):  # fmt: skip
            blk = region[0]
            pcword = pcword_of(blk)
            self._drop_entry(_key(blk))  # the tier-1 code of a region now at tier 2
            if job.tier == 1:
                counter = job.counter_addrs.pop(0)
                self.tier1[pcword] = (whole, job.valid, counter)
                self.retire_flags[pcword] = counter + 4  # the counter's second word
            self.native[(blk.pc, int(blk.thumb), 0)] = BlockFn(addr)
            self.fn_addr[pcword] = addr
            self._table_set(pcword, addr)
            for slot, (_, target) in zip(slots, lw.slots, strict=False):
                if target in self.fn_addr:
                    self._link(slot, target)
                else:
                    self.waiting.setdefault(target, []).append(slot)
        for blk in entries:
            pcword = pcword_of(blk)
            for slot in self.waiting.pop(pcword, ()):
                self._link(slot, pcword)

    def _link(self, slot: int, target: int) -> None:
        ctypes.c_uint64.from_address(slot).value = self.fn_addr[target]
        self.linked.setdefault(target, []).append(slot)

    def _table_set(self, pcword: int, addr: int) -> None:
        i = (pcword >> 1) & (len(self.table) // 2 - 1)
        self.table[2 * i] = pcword
        self.table[2 * i + 1] = addr

    @_locked
    def drop(self, key: tuple[int, int, int]) -> None:
        """Forget the compiled regions holding a block whose guest code changed: unlink every path in."""
        for entry in self.regions_with.pop(key, ()):
            self._drop_entry(entry)

    def _drop_entry(self, key: tuple[int, int, int]) -> None:
        if self.native.pop(key, None) is None:
            return
        pcword = key[0] | key[1]
        self.tier1.pop(pcword, None)
        flag = self.retire_flags.pop(pcword, None)
        if flag is not None:  # tier-1 code still running (a loop in it) leaves at its next block arrival
            ctypes.c_uint32.from_address(flag).value = 1
        self.fn_addr.pop(pcword, None)
        i = (pcword >> 1) & (len(self.table) // 2 - 1)
        if self.table[2 * i] == pcword:
            self.table[2 * i + 1] = 0
        for slot in self.linked.pop(pcword, ()):
            ctypes.c_uint64.from_address(slot).value = self.miss_addr
            self.waiting.setdefault(pcword, []).append(slot)

    # ---- runtime callbacks (called from generated code) -----------------------------------------------
    def _helper(self, state: int, hid: int, args) -> int:
        try:
            h = HELPERS[helper_names()[hid]]
            vals = [args[i] & ((1 << w) - 1) for i, w in enumerate(h.arg_widths)]
            return h.fn(*vals) & 0xFFFFFFFFFFFFFFFF
        except BaseException as e:  # noqa: BLE001 - must not unwind through generated code
            self.internal_error = e
            CPUState.from_address(state).exit_request = 1
            return 0

    def _fp(self, state: int, op_id: int, args) -> int:
        """An FP op (jitemu.fpu, jitemu.neon): operand words and the FPSCR in ``args`` (a value wider than
        64 bits as several words, low first); the result words and the new FPSCR go after them."""
        try:
            op = FP_OPS[fp_op_names()[op_id]]
            vals, i = [], 0
            for w in op.arg_widths:
                v = 0
                for k in range(words(w)):
                    v |= args[i] << (64 * k)
                    i += 1
                vals.append(v & ((1 << w) - 1))
            r, fpscr = op.fn(*vals, args[i] & 0xFFFFFFFF)
            for k in range(words(op.ret_width)):
                args[i + 1 + k] = r >> (64 * k) & 0xFFFFFFFFFFFFFFFF
            args[i + 1 + words(op.ret_width)] = fpscr
            return r & 0xFFFFFFFFFFFFFFFF
        except BaseException as e:  # noqa: BLE001 - must not unwind through generated code
            self.internal_error = e
            CPUState.from_address(state).exit_request = 1
            return 0


@dataclass(eq=False)
class _Job:
    """One module's way through the compiler: prepared, built, installed."""

    regions: list[list[Block]]
    tier: int
    valid: Callable[[Block], bool] | None = None
    tier2_regions: list[list[Block]] = field(default_factory=list)  # what the regions become at tier 2
    key: str = ""
    fresh: bool = True
    lowered: list[Lowered] = field(default_factory=list)
    obj: bytes | None = None  # a cached object, or
    ir_text: str = ""  # the module's LLVM IR
    listing: str = ""
    fn_addrs: list[int] = field(default_factory=list)
    slot_addrs: list[list[int]] = field(default_factory=list)
    counter_addrs: list[int] = field(default_factory=list)  # tier 1: each region's use counter
    members: list[Block] = field(default_factory=list)  # tier 2: the blocks of the one merged function


def _merged(regions: list[list[Block]]) -> list[Block]:
    """A tier-2 batch as one function: the regions' entries first, then every other block once, when the
    regions share most of their blocks (libm's: a function per region compiled them over and over) and the
    function is not too big; else nothing.  A merged function costs each entry a switch on the pc and the
    loads and stores of more guest words, which made sort and bytecode (sharing about half) slower."""
    out = [r[0] for r in regions]
    seen = {_key(b) for b in out}
    for b in (b for r in regions for b in r[1:]):
        if _key(b) not in seen:
            seen.add(_key(b))
            out.append(b)
    shared = sum(len(r) for r in regions) >= MERGE_SHARING * len(out)
    return out if shared and len(out) <= MERGED_MAX else []


def _region_bytes(mem: GuestMemory, region: list[Block]) -> bytes:
    """What a region's machine code depends on: its blocks' addresses, modes and guest code bytes."""
    out = bytearray()
    for b in region:
        out += b.pc.to_bytes(4, "little") + bytes([int(b.thumb), b.itstate]) + b.guest_size.to_bytes(4, "little")
        out += mem.read_raw(b.pc, b.guest_size)
    return bytes(out)


def _lowered_from_meta(meta: dict, n: int) -> list[Lowered] | None:
    """The symbols and chain slots of a cached module, or None if the metadata does not fit."""
    try:
        regions = meta["regions"]
        if len(regions) != n:
            return None
        return [Lowered(str(sym), [(str(name), int(t)) for name, t in slots]) for sym, slots in regions]
    except (KeyError, TypeError, ValueError):
        return None


def _ir(b) -> Block:
    """A region member's IR: regions hold IR blocks, or the engine's ``RegionBlock`` (IR made on demand)."""
    return b if isinstance(b, Block) else b.block


def _key(b: Block) -> tuple[int, int, int]:
    return (b.pc, int(b.thumb), b.itstate)
