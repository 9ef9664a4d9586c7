"""The portable engine: a plain interpreter of IR blocks (in the spirit of QEMU's TCI).

A block is prepared once into a list of ``(handler, dst, a, b, c, extra)`` tuples; every value (temporary
or constant) lives in one slot list ``V`` whose constant slots are filled in advance, so a handler reads
its operands by index.  ``run()`` executes a prepared block and returns how it left.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from jitemu.codegen.fold import BINOPS, to_signed
from jitemu.codegen.hostatomic import make_cas
from jitemu.fpu import FP_OPS
from jitemu.helpers import HELPERS
from jitemu.ir import Block, Const, ExitKind, Op, Temp
from jitemu.irpass import optimize
from jitemu.memory import PAGE_MASK, PROT_READ, GuestFault, GuestMemory
from jitemu.state import FIELDS, CPUState


@dataclass(slots=True)
class BlockExit:
    kind: ExitKind
    pcword: int
    imm: int
    ninsns: int  # guest instructions executed in this block run
    insn_pc: int  # pc of the instruction that exited


_CMP = {
    "eq": lambda a, b, w: a == b,
    "ne": lambda a, b, w: a != b,
    "ult": lambda a, b, w: a < b,
    "ule": lambda a, b, w: a <= b,
    "ugt": lambda a, b, w: a > b,
    "uge": lambda a, b, w: a >= b,
    "slt": lambda a, b, w: to_signed(a, w) < to_signed(b, w),
    "sle": lambda a, b, w: to_signed(a, w) <= to_signed(b, w),
    "sgt": lambda a, b, w: to_signed(a, w) > to_signed(b, w),
    "sge": lambda a, b, w: to_signed(a, w) >= to_signed(b, w),
}


def _unop(op: Op, a: int, w: int) -> int:
    m = (1 << w) - 1
    if op is Op.NOT:
        return ~a & m
    if op is Op.NEG:
        return -a & m
    if op is Op.CLZ:
        return w - a.bit_length()
    if op is Op.CTPOP:
        return a.bit_count()
    if op is Op.BSWAP:
        return int.from_bytes(a.to_bytes(w // 8, "little"), "big")
    if op is Op.BITREV:
        return int(f"{a:0{w}b}"[::-1], 2)
    raise AssertionError(op)


_CAS_LOCK = threading.Lock()  # CMPXCHG where the host compare-and-swap cannot serve (see cmpxchg)
_ENUMS = {cls.__name__: cls for cls in (Op, ExitKind)}  # enums prepared tuples may hold
_LABEL, _INSN_START, _BR, _BRCOND, _EXIT = Op.LABEL, Op.INSN_START, Op.BR, Op.BRCOND, Op.EXIT


class _Memo(dict):
    """``memo[v]`` is ``fn(v)``, computed once."""

    def __init__(self, fn: Callable[[object], object]):
        super().__init__()
        self.fn = fn

    def __missing__(self, key: object) -> object:
        value = self[key] = self.fn(key)
        return value


class PreparedBlock:
    """A block ready to run: its code tuples, its slot list with the constants filled in, and per code
    entry the (pc, ITSTATE) of its guest instruction.  ``block`` is the optimised IR; a block loaded from
    the translation cache has none until something asks for it (the JIT, tracing): ``lift`` makes it
    again from the same guest bytes."""

    __slots__ = ("code", "slots", "insn_pcs", "guest_size", "_block", "lift", "cost")

    def __init__(self, block: Block | None, code: list, slots: list, insn_pcs: list[tuple[int, int]],
                 guest_size: int | None = None, lift: Callable[[], Block] | None = None, cost: int = 1):  # fmt: skip
        self._block = block
        self.lift = lift
        self.cost = cost  # what interpreting it once costs, in blocks without FP operations (``Interpreter.cost``)
        self.code = code
        self.slots = slots
        self.insn_pcs = insn_pcs
        self.guest_size = block.guest_size if block is not None else guest_size

    @property
    def block(self) -> Block:
        if self._block is None:
            self._block = optimize(self.lift())
        return self._block

    def goto_targets(self) -> list[int]:
        """The pc words of this block's GOTO exits (constants), read from the prepared code: the JIT forms
        regions from them without lifting a block that came from the translation cache."""
        return [self.slots[a] for _, _, a, _, _, x in self.code if x.__class__ is tuple and x[0] is ExitKind.GOTO]


class Interpreter:
    """Runs IR blocks on one CPUState and one GuestMemory."""

    def __init__(self, mem: GuestMemory, state: CPUState):
        self.mem = mem
        self.state = state
        nwords = ctypes.sizeof(CPUState) // 4
        raw = (ctypes.c_uint32 * nwords).from_address(ctypes.addressof(state))
        self.sv32 = memoryview(raw).cast("B").cast("I")
        self.sv64 = memoryview(raw).cast("B").cast("Q")
        # size -> host compare-and-swap (host address, expected, new) -> old: atomic against every store of
        # other guest threads, interpreted or compiled (the JIT tier replaces it by its own once bound)
        self.atomic_cas: dict[int, Callable[[int, int, int], int]] | None = make_cas()
        handlers = self._make_handlers()
        self._fp_handler = handlers["fp"]
        self._encoders = {op._value_: enc for op, enc in self._make_encoders(handlers).items()}
        self._symbols = self._symbol_table(handlers)
        self._symbol_of = {id(obj): sym for sym, obj in self._symbols.items()}
        self._imported = _Memo(self._import_value)  # exported value -> imported one (blocks share most)

    # ---- preparation ---------------------------------------------------------------------------------
    def prepare(self, block: Block) -> PreparedBlock:
        block = optimize(block)
        insns = block.insns
        slots: list[int] = [0] * block.ntemps
        const_slot: dict[int, int] = {}  # constant value -> its slot (a slot holds the value only)
        # label -> index in code (labels produce no code)
        label_at: dict[int, int] = {}
        n = 0
        for insn in insns:
            op = insn.op
            if op is _LABEL:
                label_at[insn.aux] = n
            elif op is not _INSN_START:
                n += 1
        code: list = []
        insn_pcs: list[tuple[int, int]] = []  # per code entry: (pc, ITSTATE) of its guest instruction
        where = (block.pc, block.itstate)
        count = 0
        encode = self._encoders  # keyed by the op's OpInfo: its hash is cheap, an Enum member's is not
        for insn in insns:
            op = insn.op
            if op is _INSN_START:
                where = (insn.aux, insn.aux2 >> 8)
                count += 1
                continue
            if op is _LABEL:
                continue
            a = []
            for v in insn.args:
                if v.__class__ is Temp:
                    a.append(v.idx)
                else:
                    k = const_slot.get(v.value)
                    if k is None:
                        k = const_slot[v.value] = len(slots)
                        slots.append(v.value)
                    a.append(k)
            dst = insn.dst
            if dst is not None:
                d, w = dst.idx, dst.width
            else:
                d, w = -1, (insn.args[-1].width if insn.args else 0)
            enc = encode.get(op._value_)
            if enc is None:  # pragma: no cover - the op-coverage test guards this
                raise AssertionError(f"interpreter lacks {op}")
            aux = insn.aux
            if op is _BR or op is _BRCOND:
                aux = label_at[aux]
            elif op is _EXIT:
                aux = (aux, insn.aux2, count, where[0])
            code.append(enc(insn, d, a, w, aux))
            insn_pcs.append(where)
        return PreparedBlock(block, code, slots, insn_pcs, cost=self.cost(code))

    def cost(self, code: list) -> int:
        """What running prepared ``code`` once costs, in runs of a block without FP operations: each FP
        operation (jitemu.fpu in Python, about as slow as a whole plain block) counts one more.  The engine
        counts this toward its JIT thresholds, so FP-heavy code (libm) is compiled sooner."""
        fp = self._fp_handler
        return 1 + sum(1 for e in code if e[0] is fp)

    # ---- prepared blocks as plain data (the persistent translation cache) ----------------------------
    @staticmethod
    def _symbol_table(handlers: dict[str, Callable]) -> dict[str, object]:
        """Every function a prepared tuple can hold, by a name that is the same in every process."""
        table: dict[str, object] = {f"h.{k}": fn for k, fn in handlers.items()}
        table.update({f"b.{op.name}": fn for op, fn in BINOPS.items()})
        table.update({f"c.{k}": fn for k, fn in _CMP.items()})
        table.update({f"x.{k}": h.fn for k, h in HELPERS.items()})
        table.update({f"p.{k}": op.fn for k, op in FP_OPS.items()})
        return table

    def _export_value(self, v: object) -> object:
        if v is None or v.__class__ is int:
            return v
        if v.__class__ is tuple:
            return ("t", tuple(self._export_value(x) for x in v))
        if isinstance(v, Enum):
            return ("e", type(v).__name__, v.name)
        sym = self._symbol_of.get(id(v))
        if sym is None:
            raise TypeError(v)
        return ("f", sym)

    def _import_value(self, v: object) -> object:
        if v is None or v.__class__ is int:
            return v
        tag = v[0]
        if tag == "t":
            return tuple(self._import_value(x) for x in v[1])
        if tag == "e":
            return _ENUMS[v[1]][v[2]]
        return self._symbols[v[1]]

    def export(self, pb: PreparedBlock) -> tuple | None:
        """``pb``'s code as ``marshal``-able data, or None if it holds something that cannot be named."""
        try:
            code = tuple(
                (self._symbol_of[id(h)], d, self._export_value(a), b, c, self._export_value(x))
                for h, d, a, b, c, x in pb.code
            )
        except (KeyError, TypeError):
            return None
        return (code, tuple(pb.slots), tuple(pb.insn_pcs), pb.guest_size)

    def import_(self, data: tuple, lift: Callable[[], Block]) -> PreparedBlock:
        """The inverse of ``export`` (``KeyError``/``ValueError``/``TypeError`` if ``data`` is not an
        export); ``lift`` gives the block's IR if it is ever needed."""
        code_data, slots, insn_pcs, guest_size = data
        syms, imp = self._symbols, self._imported
        code = [
            (syms[h], d, a if a.__class__ is int else imp[a], b, c, x if x is None else imp[x])
            for h, d, a, b, c, x in code_data
        ]
        return PreparedBlock(None, code, list(slots), list(insn_pcs), guest_size, lift, self.cost(code))

    @staticmethod
    def _make_encoders(H: dict[str, Callable]) -> dict[Op, Callable]:
        """op -> f(insn, dst slot, arg slots, width, aux) giving the prepared (handler, d, a, b, c, x) tuple."""

        def field_index(name: str) -> tuple[str, int]:
            f = FIELDS[name]
            return ("64" if f.width == 64 else "32"), f.offset // (f.width // 8)

        def get(i, d, a, w, aux):
            kind, idx = field_index(aux)
            return (H["get" + kind], d, idx, 0, 0, None)

        def set_(i, d, a, w, aux):
            kind, idx = field_index(aux)
            return (H["set" + kind], -1, a[0], idx, 0, None)

        enc: dict[Op, Callable] = {
            Op.ZEXT: lambda i, d, a, w, aux: (H["mov"], d, a[0], 0, 0, None),
            Op.MOV: lambda i, d, a, w, aux: (H["mov"], d, a[0], 0, 0, None),
            Op.TRUNC: lambda i, d, a, w, aux: (H["trunc"], d, a[0], (1 << w) - 1, 0, None),
            Op.SEXT: lambda i, d, a, w, aux: (H["sext"], d, a[0], i.args[0].width, (1 << w) - 1, None),
            Op.SETCOND: lambda i, d, a, w, aux: (H["setcond"], d, a[0], a[1], i.args[0].width, _CMP[aux.value]),
            Op.SELECT: lambda i, d, a, w, aux: (H["select"], d, a[0], a[1], a[2], None),
            Op.GET: get,
            Op.SET: set_,
            Op.LOAD: lambda i, d, a, w, aux: (H["load"], d, a[0], w // 8, 0, None),
            Op.STORE: lambda i, d, a, w, aux: (H["store"], -1, a[0], a[1], w // 8, None),
            Op.CMPXCHG: lambda i, d, a, w, aux: (H["cmpxchg"], d, a[0], a[1], a[2], w // 8),
            Op.CALL: lambda i, d, a, w, aux: (H["call"], d, tuple(a), 0, 0, HELPERS[aux].fn),
            Op.FP: lambda i, d, a, w, aux: (H["fp"], d, tuple(a), FP_OPS[aux].ret_width, 0, FP_OPS[aux].fn),
            Op.BR: lambda i, d, a, w, aux: (H["br"], -1, aux, 0, 0, None),
            Op.BRCOND: lambda i, d, a, w, aux: (H["brcond"], -1, a[0], aux, 0, None),
            Op.EXIT: lambda i, d, a, w, aux: (H["exit"], -1, a[0], 0, 0, aux),
        }
        for op, fn in BINOPS.items():
            enc[op] = lambda i, d, a, w, aux, fn=fn: (H["binop"], d, a[0], a[1], (1 << w) - 1, (fn, w))
        for op in (Op.NOT, Op.NEG, Op.CLZ, Op.CTPOP, Op.BSWAP, Op.BITREV):
            enc[op] = lambda i, d, a, w, aux, op=op: (H["unop"], d, a[0], w, 0, op)
        return enc

    # ---- execution -----------------------------------------------------------------------------------
    def run(self, pb: PreparedBlock) -> BlockExit:
        V = pb.slots[:]
        code = pb.code
        i = 0
        try:
            while True:
                h, d, a, b, c, x = code[i]
                i += 1
                r = h(V, d, a, b, c, x)
                if r is not None:
                    if r.__class__ is int:
                        i = r
                    else:
                        return r
        except GuestFault as f:
            f.pc, self.state.itstate = pb.insn_pcs[i - 1]  # precise: the faulting instruction's pc and IT state
            raise

    def _make_handlers(self) -> dict[str, Callable]:
        mem = self.mem
        perms = mem.perms
        view = mem.view
        sv32, sv64 = self.sv32, self.sv64
        host_base = mem.host_base
        u32 = struct.Struct("<I")
        u32_unpack, u32_pack = u32.unpack_from, u32.pack_into

        def binop(V, d, a, b, m, x):
            V[d] = x[0](V[a], V[b], x[1]) & m

        def unop(V, d, a, w, c, op):
            V[d] = _unop(op, V[a], w)

        def mov(V, d, a, b, c, x):
            V[d] = V[a]

        def trunc(V, d, a, m, c, x):
            V[d] = V[a] & m

        def sext(V, d, a, w, m, x):
            v = V[a]
            V[d] = (v - (1 << w) if v >> (w - 1) else v) & m

        def setcond(V, d, a, b, w, f):
            V[d] = 1 if f(V[a], V[b], w) else 0

        def select(V, d, c, a, b, x):
            V[d] = V[a] if V[c] else V[b]

        def get32(V, d, idx, b, c, x):
            V[d] = sv32[idx]

        def get64(V, d, idx, b, c, x):
            V[d] = sv64[idx]

        def set32(V, d, a, idx, c, x):
            sv32[idx] = V[a]

        def set64(V, d, a, idx, c, x):
            sv64[idx] = V[a]

        def load(V, d, a, size, c, x):
            addr = V[a]
            if size == 4 and perms[addr >> 12] & PROT_READ and addr & PAGE_MASK <= 0xFFC:
                V[d] = u32_unpack(view, addr)[0]
            else:
                V[d] = mem.load(addr, size)

        def store(V, d, a, b, size, x):
            addr = V[a]
            if size == 4 and perms[addr >> 12] & 0xA == 2 and addr & PAGE_MASK <= 0xFFC:
                u32_pack(view, addr, V[b])
            else:
                mem.store(addr, size, V[b])

        def cmpxchg(V, d, a, e, n, size):
            addr = V[a]
            cas = self.atomic_cas
            if cas is not None and not addr & (size - 1) and perms[addr >> 12] & 0xB == 3:  # RW, not code
                V[d] = cas[size](host_base + addr, V[e], V[n])  # atomic against compiled code in other threads
                return
            with _CAS_LOCK:  # a code page (or no libatomic): atomic only against other CMPXCHGs
                old = mem.load(addr, size)
                if old == V[e]:
                    mem.store(addr, size, V[n])
            V[d] = old

        def call(V, d, args, b, c, fn):
            r = fn(*[V[k] for k in args])
            if d >= 0:
                V[d] = r

        def fp(V, d, args, w, c, fn):
            r, fpscr = fn(*[V[k] for k in args])
            V[d] = r | fpscr << w

        def br(V, d, target, b, c, x):
            return target

        def brcond(V, d, a, target, c, x):
            return target if V[a] else None

        def exit_(V, d, a, b, c, x):
            kind, imm, count, pc = x
            return BlockExit(kind, V[a], imm, count, pc)

        return {
            "binop": binop, "unop": unop, "mov": mov, "trunc": trunc, "sext": sext, "setcond": setcond,
            "select": select, "get32": get32, "get64": get64, "set32": set32, "set64": set64, "load": load,
            "store": store, "cmpxchg": cmpxchg, "call": call, "fp": fp, "br": br, "brcond": brcond, "exit": exit_,
        }  # fmt: skip


__all__ = ["Interpreter", "PreparedBlock", "BlockExit", "Const"]
