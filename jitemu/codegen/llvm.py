"""The LLVM backend: lowers IR blocks to LLVM IR text (``codegen.irtext``) and compiles them with MCJIT.

``LLVMCompiler`` owns the target machine, the MCJIT engine and the optimisation pipeline; ``lower_regions``
turns regions (lists of ``jitemu.ir.Block``, entry first) into LLVM functions ``i32 tb(i8* state)``.

Conventions of generated code (the JIT engine in ``jitemu.codegen.jit`` is the other side):
- Guest state is the one ``CPUState``; fields are reached by their byte offsets (``jitemu.state.FIELDS``).
- Guest memory is ``state.host_mem + addr``; every access first checks the page permission byte at
  ``state.host_perms[addr >> 12]``.  An access that crosses a page, faults, or stores to a page holding code
  leaves the function (a cold block) with r15 and ITSTATE set to its instruction's and returns ``RET_SLOW``:
  the engine interprets from there.
- A GOTO exit stores the target pc and tail-calls through its chain slot (a global initialised to
  ``jit_miss``, patched by the engine once the target is compiled).  A JUMP exit looks the target up in the
  table at ``state.host_tb_table`` and tail-calls the entry on a hit.  Both return 0 to the engine when the
  host set ``state.exit_request``.
- Other exits return their ``ExitKind`` value; ``state.exit_arg`` holds the SVC/BKPT immediate (ALIGN: the
  address, which the block stored there).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

from llvmlite import binding as llvm

from jitemu.codegen import irtext as ir
from jitemu.codegen.llvm_vec import vector_lowering
from jitemu.codegen.llvm_vecfp import vector_fp_lowering
from jitemu.codegen.retcodes import RET_HOT, RET_MISS, RET_SLOW
from jitemu.fpu import FP_OPS
from jitemu.helpers import HELPERS
from jitemu.ir import Block, Const, ExitKind, Insn, Op, Value
from jitemu.memory import PAGE_CODE, PROT_READ, PROT_WRITE
from jitemu.state import FIELDS

I1, I8, I16, I32, I64 = (ir.IntType(w) for w in (1, 8, 16, 32, 64))
INT = {w: ir.IntType(w) for w in (1, 8, 16, 32, 48, 64, 96, 128, 160)}  # 48, 96, 160: packed FP op results
PTR = I8.as_pointer()
BLOCK_FN = ir.FunctionType(I32, [PTR])
HELPER_FN = ir.FunctionType(I64, [PTR, I32, I64.as_pointer()])  # (state, helper id, args)

# The optimisation pipeline for guest code: promote the guest words to SSA registers, fold the flag
# arithmetic, merge redundant loads and dead stores.  It compiles about twice as fast as LLVM's O2
# module pipeline and the code runs as fast (bench/).
JIT_PASSES = ("sroa", "instruction_combine", "simplify_cfg", "new_gvn", "dead_store_elimination",
              "instruction_combine", "simplify_cfg")  # fmt: skip
# Tier 1 (code that just got warm): guest words to SSA registers, then LLVM's fast instruction selector and
# register allocator (codegen level 0).  About six times cheaper to compile; the code runs 1.5-3x slower,
# so regions that stay hot are compiled again at tier 2 (``JIT_PASSES``, full code generation).
TIER1_PASSES = ("sroa", "simplify_cfg")

# runtime table slots (state.host_runtime)
RT_HELPER, RT_FP = 0, 1


def helper_names() -> list[str]:
    """Helpers by id (ids are positions in name order, so they do not depend on import order)."""
    return sorted(HELPERS)


@functools.cache
def fp_op_names() -> list[str]:
    """FP operations by id (positions in name order; the table is complete once jitemu.ir is imported)."""
    return sorted(FP_OPS)


@functools.cache
def fp_op_ids() -> dict[str, int]:
    return {name: i for i, name in enumerate(fp_op_names())}


@functools.cache
def process_triple() -> str:
    """The host's target triple, asked of LLVM once: every llvmlite binding call takes llvmlite's one lock,
    which the tier-2 worker holds while it compiles, so a guest thread asking for it while lowering would
    wait for that compile."""
    return llvm.get_process_triple()


def words(width: int) -> int:
    """64-bit words a value of ``width`` bits takes in a runtime call's buffer."""
    return (width + 63) // 64


# ops that are one llvmlite builder call on their arguments
_BUILDER_OPS = {Op.ADD: "add", Op.SUB: "sub", Op.MUL: "mul", Op.AND: "and_", Op.OR: "or_", Op.XOR: "xor",
                Op.NOT: "not_", Op.NEG: "neg"}  # fmt: skip
_UNARY_INTRINSICS = {Op.CTPOP: "llvm.ctpop", Op.BSWAP: "llvm.bswap", Op.BITREV: "llvm.bitreverse"}
_CASTS = {Op.ZEXT: "zext", Op.SEXT: "sext", Op.TRUNC: "trunc"}

_FP_FAST = ("add", "sub", "mul", "div", "sqrt")  # arithmetic with a host fast path (``_fp_fast``)
_FPSCR_RN_PLAIN = 0x03C00000  # FPSCR.{DN, FZ, RMode}: all zero = what host IEEE arithmetic does
_FPSCR_RMODE, _FPSCR_FZ, _FPSCR_IXC = 0x00C00000, 0x01000000, 0x10
_FPSCR_UFC_IXC = 0x18  # the cumulative underflow and inexact flags

_FTY = {32: ir.FloatType(), 64: ir.DoubleType()}
_FRAC = {32: 23, 64: 52}
_EMAX = {32: 0xFF, 64: 0x7FF}  # the biased exponent of infinities and NaNs


def _scalar_fp_table() -> dict:
    """VFP operation name -> lowering(region lowering, args) -> (ok, result bits, new FPSCR)."""
    t: dict = {}
    for n in (32, 64):
        for op in _FP_FAST:
            t[f"{op}.f{n}"] = lambda low, args, op=op, n=n: low._fp_fast(op, n, args)
        t[f"cmp.f{n}"] = t[f"cmpe.f{n}"] = lambda low, args, n=n: low._fp_cmp(n, args)
        t[f"muladd.f{n}"] = lambda low, args, n=n: low._fp_muladd(n, args)
        for u in (False, True):
            it = "u32" if u else "s32"
            for rz in (True, False):
                t[f"tofix.{it}.f{n}.{'rz' if rz else 'rm'}"] = lambda low, args, u=u, n=n, rz=rz: low._fp_tofix(
                    u, n, rz, args
                )
            for rn in (True, False):
                t[f"fromfix.f{n}.{it}.{'rn' if rn else 'rm'}"] = lambda low, args, u=u, n=n, rn=rn: low._fp_fromfix(
                    u, n, rn, args
                )
    t["cvt.f64.f32"] = lambda low, args: low._fp_cvt(64, 32, args)
    t["cvt.f32.f64"] = lambda low, args: low._fp_cvt(32, 64, args)
    return t


_SCALAR_FP = _scalar_fp_table()


def _scalar_fp_fast(name: str, args: list[ir.Value]):
    """The guarded host lowering of VFP operation ``name`` with these arguments, or None (conversions to
    and from fixed point only with a constant number of fraction bits, as VCVT's encodings give)."""
    if name.startswith(("tofix", "fromfix")) and not isinstance(args[1], ir.Constant):
        return None
    return _SCALAR_FP.get(name)


_ICMP = {"eq": "==", "ne": "!=", "ult": "<", "ule": "<=", "ugt": ">", "uge": ">=",
         "slt": "<", "sle": "<=", "sgt": ">", "sge": ">="}  # fmt: skip


def pcword_of(blk: Block) -> int:
    """A block's pc word: its address, with the Thumb bit in bit 0."""
    return blk.pc | int(blk.thumb)


def block_symbol(pc: int, thumb: int) -> str:
    return f"tb_{pc:08x}_{'t' if thumb else 'a'}"


def counter_symbol(symbol: str) -> str:
    """The use counter of a tier-1 region function: two words, the count and a flag the engine sets to
    retire the function (``_RegionLowering.goto_head``)."""
    return f"count_{symbol}"


@dataclass
class Lowered:
    """What the engine needs to know about one lowered block."""

    symbol: str
    slots: list[tuple[str, int]] = field(default_factory=list)  # (global name, target pc word)


class _RegionLowering:
    """Lowers a region (an entry block and other blocks it reaches by direct branches) into one function
    of ``module``.  Direct branches between the region's blocks are plain LLVM branches, so a loop
    spanning several guest blocks runs on host registers."""

    def __init__(self, module: ir.Module, blocks: list[Block], count_insns: bool, suffix: str, promote_at: int,
                 entries: int = 1):  # fmt: skip
        self.m = module
        self.blocks = blocks
        entry = blocks[0]
        self.count = count_insns
        self.sym = block_symbol(entry.pc, int(entry.thumb)) + suffix
        self.fn = ir.Function(module, BLOCK_FN, self.sym)
        self.state = self.fn.args[0]
        self.state.add_attribute("noalias")
        # the first block holds what depends only on the state pointer (each field's pointer, made once per
        # function where it is first used, and the allocas of promoted fields, which SROA wants there)
        first = self.fn.append_basic_block("fields")
        start = self.fn.append_basic_block("entry")
        self._fb = ir.IRBuilder(first)
        self._fb.position_before(self._fb.branch(start))
        self._fptrs: dict[tuple[str, int], ir.Value] = {}
        self._md: dict[tuple[int, int], ir.MDValue] = {}
        self.b = ir.IRBuilder(start)
        self.heads = {pcword_of(blk): self.new_block(f"b_{blk.pc:x}") for blk in blocks}
        self.slots: list[tuple[str, int]] = []
        self.promote_at = promote_at
        self.entries = entries  # the first ``entries`` blocks are entry points
        self._counter: ir.GlobalVariable | None = None
        self._mem_base = self._perms = None
        self._ret: ir.PhiInstr | None = None
        self._tail: ir.PhiInstr | None = None
        # per-block lowering state
        self.vals: dict[int, ir.Value] = {}
        self.labels: dict[int, ir.Block] = {}
        self.pc = entry.pc
        self.it = entry.itstate
        self.thumb = int(entry.thumb)
        self.checks: dict[int, tuple[int, int] | None] = {}  # see access_groups
        self.index = 0  # of the instruction being lowered in its block
        self.ninsns = 0

    # ---- helpers -------------------------------------------------------------------------------------
    def v(self, x: Value) -> ir.Value:
        if isinstance(x, Const):
            return ir.Constant(INT[x.width], x.value)
        return self.vals[x.idx]

    def field_ptr(self, name: str, width: int) -> ir.Value:
        p = self._fptrs.get((name, width))
        if p is None:
            f = FIELDS[name]
            assert f.width == width or name.startswith("s") or name.startswith("d"), (name, width)
            p = self._fb.gep(self.state, [ir.Constant(I32, f.offset)], inbounds=True)
            p = self._fptrs[(name, width)] = self._fb.bitcast(p, INT[width].as_pointer())
        return p

    def get(self, name: str, width: int) -> ir.Value:
        return self.b.load(self.field_ptr(name, width))

    def set(self, name: str, value: ir.Value) -> None:
        self.b.store(value, self.field_ptr(name, value.type.width))

    def host_ptr(self, name: str) -> ir.Value:
        """A host pointer kept in a u64 state field (loaded once, in the entry block)."""
        return self.b.inttoptr(self.get(name, 64), PTR)

    def new_block(self, name: str) -> ir.Block:
        return self.fn.append_basic_block(name)

    def const(self, v: int, width: int = 32) -> ir.Constant:
        return ir.Constant(INT[width], v & ((1 << width) - 1))

    # ---- the walk ------------------------------------------------------------------------------------
    def lower(self) -> Lowered:
        b = self.b
        self._promote_fields()
        if self.entries == 1:
            self.goto_head(pcword_of(self.blocks[0]))
        else:  # several entry points: the state's pc word says which
            switch = b.switch(b.or_(self.get("r15", 32), self.get("thumb", 32)), self.heads[pcword_of(self.blocks[0])])
            for pcword in map(pcword_of, self.blocks[1 : self.entries]):
                switch.add_case(self.const(pcword), self.heads[pcword])
        for blk in self.blocks:
            self.vals, self.pc, self.it, self.ninsns = {}, blk.pc, blk.itstate, 0
            self.thumb = int(blk.thumb)
            b.position_at_end(self.heads[pcword_of(blk)])
            self.labels = {lab: self.new_block(f"L{lab}") for lab in range(blk.nlabels)}
            self.checks = access_groups(blk)
            for i, insn in enumerate(blk.insns):
                if b.block.is_terminated and insn.op is not Op.LABEL:
                    continue  # dead code after an exit (a branch target label revives it)
                self.index = i
                self.lower_insn(insn)
            if not b.block.is_terminated:  # pragma: no cover - blocks always end in an exit
                self.ret(self.const(RET_MISS))
        return Lowered(self.sym, self.slots)

    def _promote_fields(self) -> None:
        """Keep the guest words this block touches in allocas (SSA registers after LLVM's SROA).

        They are loaded once on entry and written back before every return, so a loop inside the
        function runs on host registers.  VFP registers stay in memory: s and d names overlap."""
        b = self.b
        self._mem_base = self.host_ptr("host_mem")
        self._perms = self.host_ptr("host_perms")
        self.promoted: dict[str, ir.Value] = {}
        self.dirty: list[str] = []
        for insn in (i for blk in self.blocks for i in blk.insns):
            if insn.op in (Op.GET, Op.SET) and insn.aux[0] not in "sd" and insn.aux not in self.promoted:
                name = insn.aux
                slot = self._fb.alloca(INT[FIELDS[name].width], name=f"g_{name}")
                b.store(self.get(name, FIELDS[name].width), slot)
                self.promoted[name] = slot
            if insn.op is Op.SET and insn.aux in self.promoted and insn.aux not in self.dirty:
                self.dirty.append(insn.aux)

    def write_field(self, name: str, v: ir.Value) -> None:
        """Write a guest word wherever it currently lives (its alloca if promoted)."""
        slot = self.promoted.get(name)
        if slot is None:
            self.set(name, v)
        else:
            b = self.b
            b.store(v, slot)
            if name not in self.dirty:  # not written back otherwise: write it through
                self.set(name, v)

    def spill(self) -> None:
        """Write the promoted guest words back to CPUState (before leaving the function)."""
        for name in self.dirty:
            self.set(name, self.b.load(self.promoted[name]))

    def _ret_block(self) -> ir.PhiInstr:
        """The one block that writes guest state back and returns (its phi: the return code)."""
        if self._ret is None:
            blk = self.new_block("ret")
            with self.b.goto_block(blk):
                self._ret = self.b.phi(I32)
                self.spill()
                self.b.ret(self._ret)
        return self._ret

    def ret(self, v: ir.Value) -> None:
        """Leave the function with code v, through the one shared block that writes guest state back."""
        self._ret_block().add_incoming(v, self.b.block)
        self.b.branch(self._ret.parent)

    def tail(self, target: ir.Value) -> None:
        """Continue in compiled code at target, through the one shared block that writes state back."""
        if self._tail is None:
            blk = self.new_block("tail")
            with self.b.goto_block(blk):
                self._tail = self.b.phi(BLOCK_FN.as_pointer())
                self.spill()
                r = self.b.call(self._tail, [self.state], tail="musttail")
                self.b.ret(r)
        self._tail.add_incoming(target, self.b.block)
        self.b.branch(self._tail.parent)

    def lower_insn(self, insn: Insn) -> None:
        b = self.b
        op = insn.op
        a = [self.v(x) for x in insn.args]
        w = insn.dst.width if insn.dst is not None else 0
        r: ir.Value | None = None
        if op is Op.INSN_START:
            self.pc, self.it = insn.aux, insn.aux2 >> 8
            self.ninsns += 1
            return
        if op is Op.LABEL:
            target = self.labels[insn.aux]
            if not b.block.is_terminated:
                b.branch(target)
            b.position_at_end(target)
            return
        if op is Op.BR:
            b.branch(self.labels[insn.aux])
            return
        if op is Op.BRCOND:
            cont = self.new_block("cont")
            b.cbranch(a[0], self.labels[insn.aux], cont)
            b.position_at_end(cont)
            return
        if op in _BUILDER_OPS:
            r = getattr(b, _BUILDER_OPS[op])(*a)
        elif op in _UNARY_INTRINSICS:
            r = b.call(self.intrinsic(_UNARY_INTRINSICS[op], w, 1), [a[0]])
        elif op in _CASTS:
            r = getattr(b, _CASTS[op])(a[0], INT[w])
        elif op in (Op.SHL, Op.LSHR, Op.ASHR):
            r = self.shift(op, a[0], a[1], insn.args[1], w)
        elif op is Op.ROTR:
            r = b.call(self.intrinsic("llvm.fshr", w, 3), [a[0], a[0], a[1]])
        elif op in (Op.UDIV, Op.SDIV):
            r = self.divide(op, a[0], a[1], w)
        elif op is Op.CLZ:
            r = b.call(self.intrinsic("llvm.ctlz", w, 1, extra=[I1]), [a[0], ir.Constant(I1, 0)])
        elif op is Op.MOV:
            r = a[0]
        elif op is Op.SETCOND:
            pred = insn.aux.value
            cmp = b.icmp_signed if pred.startswith("s") else b.icmp_unsigned
            r = cmp(_ICMP[pred], a[0], a[1])
        elif op is Op.SELECT:
            r = b.select(a[0], a[1], a[2])
        elif op is Op.GET:
            slot = self.promoted.get(insn.aux)
            r = b.load(slot) if slot is not None else self.get(insn.aux, w)
        elif op is Op.SET:
            slot = self.promoted.get(insn.aux)
            if slot is not None:
                b.store(a[0], slot)
            else:
                self.set(insn.aux, a[0])
        elif op is Op.LOAD:
            r = self.load(a[0], w)
        elif op is Op.STORE:
            self.store(a[0], a[1], insn.args[1].width)
        elif op is Op.CMPXCHG:
            r = self.cmpxchg(a[0], a[1], a[2], w)
        elif op is Op.CALL:
            r = self.call_helper(insn.aux, a, w)
        elif op is Op.FP:
            r = self.fp_op(insn.aux, a, w)
        elif op is Op.EXIT:
            self.exit(insn, a[0])
        else:  # pragma: no cover - the op-coverage test guards this
            raise AssertionError(f"LLVM lowering lacks {op}")
        if insn.dst is not None:
            self.vals[insn.dst.idx] = r

    # ---- op families ---------------------------------------------------------------------------------
    def intrinsic(self, name: str, w: int, nargs: int, extra: list | None = None) -> ir.Function:
        full = f"{name}.i{w}"
        if full in self.m.globals:
            return self.m.globals[full]
        args = [INT[w]] * nargs if extra is None else [INT[w]] + extra
        return ir.Function(self.m, ir.FunctionType(INT[w], args), full)

    def shift(self, op: Op, x: ir.Value, amt: ir.Value, amt_ir: Value, w: int) -> ir.Value:
        """IR shifts define amounts >= width (0, or the sign fill for ASHR); LLVM's would be poison."""
        b = self.b
        if isinstance(amt_ir, Const) and amt_ir.value < w:
            return {Op.SHL: b.shl, Op.LSHR: b.lshr, Op.ASHR: b.ashr}[op](x, amt)
        big = b.icmp_unsigned(">=", amt, self.const(w, w))
        if op is Op.ASHR:
            return b.ashr(x, b.select(big, self.const(w - 1, w), amt))
        safe = b.and_(amt, self.const(w - 1, w))
        r = b.shl(x, safe) if op is Op.SHL else b.lshr(x, safe)
        return b.select(big, self.const(0, w), r)

    def divide(self, op: Op, x: ir.Value, y: ir.Value, w: int) -> ir.Value:
        """ARM division: x / 0 = 0, and INT_MIN / -1 = INT_MIN for SDIV (no trap)."""
        b = self.b
        zero = b.icmp_unsigned("==", y, self.const(0, w))
        bad = zero
        if op is Op.SDIV:
            ovf = b.and_(
                b.icmp_unsigned("==", x, self.const(1 << (w - 1), w)), b.icmp_unsigned("==", y, self.const(-1, w))
            )
            bad = b.or_(zero, ovf)
        safe = b.select(bad, self.const(1, w), y)
        q = b.sdiv(x, safe) if op is Op.SDIV else b.udiv(x, safe)
        return b.select(zero, self.const(0, w), q)

    def host_addr(self, addr: ir.Value, w: int) -> ir.Value:
        p = self.b.gep(self._mem_base, [self.b.zext(addr, I64)])
        return self.b.bitcast(p, INT[w].as_pointer())

    def _check(self, addr: ir.Value, size: int, need_mask: int, need_val: int) -> ir.Value | None:
        """The check of the load or store being lowered (``access_groups``): its own, or for the first access
        of a group one check of the group's whole span [addr - lo, addr - lo + span), or None for a later
        access of a group (checked by the first)."""
        if self.index not in self.checks:
            return self.fast_check(addr, size, need_mask, need_val)
        group = self.checks[self.index]
        if group is None:
            return None
        lo, span = group
        return self.fast_check(self.b.sub(addr, self.const(lo)), span, need_mask, need_val)

    def fast_check(self, addr: ir.Value, size: int, need_mask: int, need_val: int) -> ir.Value:
        """i1: the permission byte of the page of every byte accessed satisfies (perm & mask) == val.
        Accesses (or ``access_groups`` spans) of up to a word must stay inside one page (an unaligned word
        across pages is rare); a wider one (LDRD/STRD, VLDR/VSTR, NEON: doublewords on word-aligned addresses
        cross a page at every 512th one) may cross into a next page that passes too, the host mapping being
        contiguous.  The
        last byte's page is reckoned in 64 bits, so past the top of the guest's space it is the entry after
        the last page, which is never mapped (``GuestMemory.perms``)."""
        b = self.b

        def perm_ok(page: ir.Value) -> ir.Value:
            perm = b.load(b.gep(self._perms, [page]))
            return b.icmp_unsigned("==", b.and_(perm, ir.Constant(I8, need_mask)), ir.Constant(I8, need_val))

        a64 = b.zext(addr, I64)
        ok = perm_ok(b.lshr(a64, ir.Constant(I64, 12)))
        if size > 4:
            last = b.lshr(b.add(a64, ir.Constant(I64, size - 1)), ir.Constant(I64, 12))
            ok = b.and_(ok, perm_ok(last))
        elif size > 1:
            inpage = b.icmp_unsigned("<=", b.and_(addr, self.const(0xFFF)), self.const(0x1000 - size))
            ok = b.and_(ok, inpage)
        return ok

    def _access(self, ok: ir.Value, fast, speculate: bool = False) -> ir.Value | None:
        """``fast()`` when ok (its value, or None); else leave the function with RET_SLOW at this
        instruction (pc and ITSTATE in the state, through the shared write-back-and-return block), for the
        engine to interpret it: a page crossing, a store to a page holding code, a fault.  The guest words
        written back are those before the instruction (an access comes before the instruction's register
        writes, and redoing its earlier stores stores the same values), so this exit is as precise as a
        fault.  ``speculate``: ``fast()`` is harmless when not ok (a load), so it runs before the check's
        branch, in the same block.  An access costs one cold block, and no call, join or phi."""
        b = self.b
        slow_bb, cont = self.new_block("mem.slow"), self.new_block("mem.ok")
        v_fast = fast() if speculate else None
        b.cbranch(ok, cont, slow_bb)
        b.block.terminator.set_metadata("prof", self._weights(2000, 1))
        b.position_at_end(slow_bb)
        if self.count and self.ninsns > 1:
            self._count_insns(self.ninsns - 1)  # the block's instructions before this one
        self.set_pc(self.const(self.pc | self.thumb))
        self.set("itstate", self.const(self.it))
        self.ret(self.const(RET_SLOW))
        b.position_at_end(cont)
        return v_fast if speculate else fast()

    def _weights(self, taken: int, not_taken: int) -> ir.MDValue:
        """Branch weights metadata (``prof``): the fast path of an access is taken, the fault branch not."""
        md = self._md.get((taken, not_taken))
        if md is None:
            md = self._md[(taken, not_taken)] = self.m.add_metadata(
                [ir.MetaDataString(self.m, "branch_weights"), self.const(taken), self.const(not_taken)]
            )
        return md

    def load(self, addr: ir.Value, w: int) -> ir.Value:
        """A load reads the host mapping before its check has passed: the whole 4 GiB of guest addresses is
        always readable host memory, followed by a page that is never the guest's, so an access at the top
        of the guest's space (a page crossing, which the check sends to the slow path anyway) stays inside
        the host mapping too.  No clamp of the address is needed, so none lengthens the load's latency."""
        b = self.b
        ok = self._check(addr, w // 8, PROT_READ, PROT_READ)

        def fast() -> ir.Value:
            return b.load(self.host_addr(addr, w), align=1)

        return fast() if ok is None else self._access(ok, fast, speculate=True)

    def store(self, addr: ir.Value, v: ir.Value, w: int) -> None:
        b = self.b
        ok = self._check(addr, w // 8, PROT_WRITE | PAGE_CODE, PROT_WRITE)
        if ok is None:
            b.store(v, self.host_addr(addr, w), align=1)
        else:
            self._access(ok, lambda: b.store(v, self.host_addr(addr, w), align=1))

    def cmpxchg(self, addr: ir.Value, expected: ir.Value, new: ir.Value, w: int) -> ir.Value:
        b = self.b
        ok = self.fast_check(addr, w // 8, PROT_READ | PROT_WRITE | PAGE_CODE, PROT_READ | PROT_WRITE)
        ok = b.and_(ok, b.icmp_unsigned("==", b.and_(addr, self.const(w // 8 - 1)), self.const(0)))
        return self._access(
            ok, lambda: b.extract_value(b.cmpxchg(self.host_addr(addr, w), expected, new, "seq_cst", "seq_cst"), 0)
        )

    def call_helper(self, name: str, args: list[ir.Value], w: int) -> ir.Value | None:
        b = self.b
        r, _ = self._runtime_call(RT_HELPER, helper_names().index(name), args)
        if w == 0:
            return None
        return b.trunc(r, INT[w]) if w < 64 else r

    def _runtime_call(self, slot: int, ident: int, args: list[ir.Value], extra: int = 0):
        """Call runtime callback ``slot`` with (state, ident, an i64 buffer holding args, a value wider than
        64 bits as consecutive words, low first); returns (the i64 result, the buffer) - callbacks may leave
        more results after the arguments, in ``extra`` more words."""
        b = self.b
        n = sum(words(x.type.width) for x in args)
        with b.goto_entry_block():
            buf = b.alloca(I64, max(n + extra, 1))
        i = 0
        for x in args:
            w = x.type.width
            for k in range(words(w)):
                part = b.lshr(x, ir.Constant(x.type, 64 * k)) if k else x
                b.store(b.trunc(part, I64) if w > 64 else b.zext(part, I64) if w < 64 else part,
                        b.gep(buf, [self.const(i)]))  # fmt: skip
                i += 1
        rt = b.bitcast(self.host_ptr("host_runtime"), HELPER_FN.as_pointer().as_pointer())
        fnp = b.load(b.gep(rt, [self.const(slot)]))
        return b.call(fnp, [self.state, self.const(ident), buf]), buf

    def fp_op(self, name: str, args: list[ir.Value], w: int) -> ir.Value:
        """An FP operation: packs value | new FPSCR << result width.  Host arithmetic where it is provably
        the ARM result (``_fp_fast`` and the ``_fp_*`` lowerings of ``_scalar_fp_fast``), else
        ``jitemu.fpu`` through the runtime."""
        b = self.b
        rw = FP_OPS[name].ret_width

        def slow() -> ir.Value:
            # the callback leaves the result words and the new FPSCR after the argument words
            r, buf = self._runtime_call(RT_FP, fp_op_ids()[name], args, extra=words(rw) + 1)
            at = sum(words(x.type.width) for x in args)
            val = b.zext(b.load(b.gep(buf, [self.const(at)])), INT[rw]) if rw > 64 else r
            for k in range(1, words(rw)):
                hi = b.zext(b.load(b.gep(buf, [self.const(at + k)])), INT[rw])
                val = b.or_(val, b.shl(hi, ir.Constant(INT[rw], 64 * k)))
            val = b.trunc(val, INT[rw]) if rw < 64 else val
            return self.fp_pack(val, b.load(b.gep(buf, [self.const(at + words(rw))])), w)

        vec_fp = vector_fp_lowering(name)  # NEON f32 arithmetic: guarded host vector code (llvm_vecfp)
        if vec_fp is not None:
            return vec_fp(self, args, w, slow)
        vec = vector_lowering(name)
        if vec is not None:  # the value, or (value, new FPSCR) for the saturating ones
            r = vec(b, args)
            return self.fp_pack(*(r if isinstance(r, tuple) else (r, args[-1])), w)
        fast = _scalar_fp_fast(name, args)
        if fast is None:
            return slow()
        ok, val, fpscr = fast(self, args)
        return self.fp_guarded(ok, val, fpscr, w, slow)

    def fp_guarded(self, ok: ir.Value, val: ir.Value, fpscr: ir.Value, w: int, slow) -> ir.Value:
        """The packed host result (``val``, ``fpscr``) when ``ok``, else ``slow()`` (the runtime), joined."""
        b = self.b
        with b.if_else(ok, likely=True) as (then, otherwise):
            with then:
                v_fast = self.fp_pack(val, fpscr, w)
                bb_fast = b.block
            with otherwise:
                r = slow()
                v_slow = b.trunc(r, INT[w]) if r.type.width > w else r
                bb_slow = b.block
        phi = b.phi(INT[w])
        phi.add_incoming(v_fast, bb_fast)
        phi.add_incoming(v_slow, bb_slow)
        return phi

    def fp_pack(self, val: ir.Value, fpscr: ir.Value, w: int) -> ir.Value:
        b = self.b
        wide = ir.IntType(w)
        fp32 = b.trunc(fpscr, I32) if fpscr.type.width > 32 else fpscr
        return b.or_(b.zext(val, wide), b.shl(b.zext(fp32, wide), ir.Constant(wide, w - 32)))

    # ---- scalar VFP fast paths: each returns (ok, result bits, new FPSCR); ok false -> jitemu.fpu ---------
    def _fp_intrinsic(self, name: str, n: int, nargs: int) -> ir.Function:
        fty = _FTY[n]
        return self.m.globals.get(f"{name}.f{n}") or ir.Function(
            self.m, ir.FunctionType(fty, [fty] * nargs), f"{name}.f{n}"
        )

    def _fp_exp(self, bits: ir.Value, n: int) -> ir.Value:
        """The biased exponent field of the FP bit pattern ``bits``."""
        return self.b.and_(self.b.lshr(bits, ir.Constant(bits.type, _FRAC[n])), ir.Constant(bits.type, _EMAX[n]))

    def _fp_safe(self, bits: ir.Value, n: int) -> ir.Value:
        """bits is normal with a biased exponent in [F+3, emax-1): no NaN, infinity, denormal, and the
        error terms of one operation on such values are representable."""
        f, ity = _FRAC[n], INT[n]
        e = self._fp_exp(bits, n)
        return self.b.icmp_unsigned("<", self.b.sub(e, ir.Constant(ity, f + 3)), ir.Constant(ity, _EMAX[n] - f - 4))

    def _fp_below_overflow(self, bits: ir.Value, n: int, finite: bool = False) -> ir.Value:
        """bits has a biased exponent below emax-1 (zero, denormal, or a normal of magnitude below
        2**(emax-1-bias): no sum or TwoSum step of two such values overflows); with ``finite``, any finite
        value (not NaN or infinity)."""
        top = _EMAX[n] if finite else _EMAX[n] - 1
        return self.b.icmp_unsigned("<", self._fp_exp(bits, n), ir.Constant(bits.type, top))

    def _fp_normal(self, bits: ir.Value, n: int) -> ir.Value:
        """bits is a normal number (biased exponent in [1, emax))."""
        e = self._fp_exp(bits, n)
        return self.b.icmp_unsigned("<", self.b.sub(e, ir.Constant(bits.type, 1)), ir.Constant(bits.type, _EMAX[n] - 1))

    def _fp_pow2(self, bits: ir.Value, n: int) -> ir.Value:
        """bits is a normal power of two (of either sign)."""
        frac = self.b.and_(bits, ir.Constant(bits.type, (1 << _FRAC[n]) - 1))
        return self.b.and_(self._fp_normal(bits, n), self.b.icmp_unsigned("==", frac, ir.Constant(bits.type, 0)))

    def _fp_zero(self, bits: ir.Value) -> ir.Value:
        """bits is +0 or -0."""
        return self.b.icmp_unsigned("==", self.b.shl(bits, ir.Constant(bits.type, 1)), ir.Constant(bits.type, 0))

    def _fp_safe_or_zero(self, bits: ir.Value, n: int, *why: ir.Value) -> ir.Value:
        """bits passes ``_fp_safe`` or is +-0 - with ``why`` given, a zero result passes only when one of
        those operands is zero (so it is exact, not an underflow)."""
        b = self.b
        zero = self._fp_zero(bits) if not why else functools.reduce(b.or_, [self._fp_zero(w) for w in why])
        return b.or_(self._fp_safe(bits, n), zero)

    def _fp_settled(self, fpscr: ir.Value, bits: list[ir.Value], n: int) -> ir.Value:
        """FPSCR already holds UFC and IXC (cumulative flags) and every one of ``bits`` is finite (no NaN or
        infinity).  Then an arithmetic operation in round to nearest without FZ/DN can raise nothing new:
        no IOC or DZC (finite operands, a finite result), no OFC (a finite result did not overflow), and
        UFC and IXC are set already; its value is IEEE's, denormals included, which the host computes.  So
        the host result is exact even where ``_fp_safe``'s range excludes it (libm's exp near underflow)."""
        b = self.b
        mask = _FPSCR_RN_PLAIN | _FPSCR_UFC_IXC
        ok = b.icmp_unsigned("==", b.and_(fpscr, self.const(mask)), self.const(_FPSCR_UFC_IXC))
        for v in bits:
            ok = b.and_(ok, self._fp_below_overflow(v, n, finite=True))
        return ok

    def _fp_flushed(self, bits: list[ir.Value], n: int, fpscr: ir.Value) -> ir.Value:
        """FZ is set and one of ``bits`` is a denormal (FPUnpack flushes it and raises IDC)."""
        b = self.b
        den = None
        for v in bits:
            mag = b.and_(v, ir.Constant(v.type, (1 << (n - 1)) - 1))
            d = b.and_(b.icmp_unsigned("==", self._fp_exp(v, n), ir.Constant(v.type, 0)),
                       b.icmp_unsigned("!=", mag, ir.Constant(v.type, 0)))  # fmt: skip
            den = d if den is None else b.or_(den, d)
        fz = b.icmp_unsigned("!=", b.and_(fpscr, self.const(_FPSCR_FZ)), self.const(0))
        return b.and_(fz, den)

    def _fp_rn(self, fpscr: ir.Value, mask: int = _FPSCR_RMODE) -> ir.Value:
        """FPSCR's ``mask`` bits are all zero (default: rounding is to nearest, the host's mode)."""
        return self.b.icmp_unsigned("==", self.b.and_(fpscr, self.const(mask)), self.const(0))

    def _ixc_if(self, inexact: ir.Value, fpscr: ir.Value) -> ir.Value:
        b = self.b
        return b.or_(fpscr, b.select(inexact, self.const(_FPSCR_IXC), self.const(0)))

    def _fp_cmp(self, n: int, args: list[ir.Value]):
        """VCMP/VCMPE: without NaNs (and denormals under FZ) an ordered host compare gives FPCompare's
        NZCV (0110 equal, 1000 less, 0010 greater) and no flag changes; +0 == -0 on both."""
        b = self.b
        a0, a1, fpscr = args
        x, y = (b.bitcast(a, _FTY[n]) for a in (a0, a1))
        ok = b.and_(b.fcmp_ordered("ord", x, y), b.not_(self._fp_flushed([a0, a1], n, fpscr)))
        nzcv = b.select(b.fcmp_ordered("==", x, y), self.const(0x6 << 28),
                        b.select(b.fcmp_ordered("<", x, y), self.const(0x8 << 28), self.const(0x2 << 28)))  # fmt: skip
        return ok, nzcv, fpscr

    def _fp_cvt(self, dst: int, src: int, args: list[ir.Value]):
        """VCVT.F64.F32: fpext is exact for every non-NaN input (denormals too, unless FZ flushes them).
        VCVT.F32.F64 (round to nearest): fptrunc when the result is normal with a biased exponent >= 2
        (so no overflow, and the exact value was not below the normal range: no underflow or flush), or the
        input is +-0; inexact iff the result widened back differs from the input."""
        b = self.b
        a, fpscr = args
        x = b.bitcast(a, _FTY[src])
        if dst == 64:
            ok = b.and_(b.fcmp_ordered("ord", x, x), b.not_(self._fp_flushed([a], 32, fpscr)))
            return ok, b.bitcast(b.fpext(x, _FTY[64]), I64), fpscr
        r = b.fptrunc(x, _FTY[32])
        rbits = b.bitcast(r, I32)
        e = self._fp_exp(rbits, 32)
        normal = b.icmp_unsigned("<", b.sub(e, self.const(2)), self.const(0xFE - 2))
        zero = b.icmp_unsigned("==", b.shl(a, ir.Constant(I64, 1)), ir.Constant(I64, 0))
        ok = b.and_(b.or_(normal, zero), self._fp_rn(fpscr))
        return ok, rbits, self._ixc_if(b.fcmp_unordered("!=", b.fpext(r, _FTY[64]), x), fpscr)

    def _fp_tofix(self, unsigned: bool, n: int, round_zero: bool, args: list[ir.Value]):
        """VCVT.S32/U32 to fixed point (fbits fraction bits, a constant): the input scaled by 2**fbits in
        double (exact: no overflow, and a double holds every single and scaling cannot drop bits of a
        double this large or larger); rounded toward zero (VCVT) or to nearest even (VCVTR, taken only when
        FPSCR selects that mode); a host conversion when the input is normal or zero and the rounded value
        is in range; inexact iff the integer differs from the scaled input."""
        b = self.b
        a, fbits, fpscr = args
        x = b.bitcast(a, _FTY[n])
        d = _FTY[64]
        xd = b.fpext(x, d) if n == 32 else x
        if fbits.constant:
            xd = b.fmul(xd, ir.Constant(d, float(1 << fbits.constant)))
        if round_zero:
            lo, hi = (-1.0, 4294967296.0) if unsigned else (-2147483649.0, 2147483648.0)
            rd = xd
            ok = b.and_(b.fcmp_ordered(">", xd, ir.Constant(d, lo)), b.fcmp_ordered("<", xd, ir.Constant(d, hi)))
        else:
            rd = b.call(self._fp_intrinsic("llvm.roundeven", 64, 1), [xd])
            lo, hi = (0.0, 4294967295.0) if unsigned else (-2147483648.0, 2147483647.0)
            ok = b.and_(b.fcmp_ordered(">=", rd, ir.Constant(d, lo)), b.fcmp_ordered("<=", rd, ir.Constant(d, hi)))
            ok = b.and_(ok, self._fp_rn(fpscr))
        mag = b.and_(a, ir.Constant(a.type, (1 << (n - 1)) - 1))
        normal_or_zero = b.or_(b.icmp_unsigned("!=", self._fp_exp(a, n), ir.Constant(a.type, 0)),
                               b.icmp_unsigned("==", mag, ir.Constant(a.type, 0)))  # fmt: skip
        ok = b.and_(ok, normal_or_zero)
        i = b.fptosi(b.select(ok, rd, ir.Constant(d, 0.0)), I64)  # in range: no poison
        inexact = b.fcmp_unordered("!=", b.sitofp(i, d), xd)
        return ok, b.trunc(i, I32), self._ixc_if(inexact, fpscr)

    def _fp_fromfix(self, unsigned: bool, n: int, nearest: bool, args: list[ir.Value]):
        """VCVT.FN.S32/U32 from fixed point (fbits fraction bits, a constant): in round to nearest (the op's
        own, or FPSCR's), a host int to FP conversion then a scaling by 2**-fbits, exact as the result is
        far from the denormal range (so it commutes with the rounding); exact for f64, for f32 inexact iff
        the result differs from the exact double."""
        b = self.b
        a, fbits, fpscr = args
        conv = b.uitofp if unsigned else b.sitofp
        ok = ir.Constant(I1, 1) if nearest else self._fp_rn(fpscr)
        scale = 1.0 / (1 << fbits.constant)
        r, exact = conv(a, _FTY[n]), conv(a, _FTY[64])
        if fbits.constant:
            r, exact = b.fmul(r, ir.Constant(_FTY[n], scale)), b.fmul(exact, ir.Constant(_FTY[64], scale))
        if n == 64:
            return ok, b.bitcast(r, I64), fpscr
        inexact = b.fcmp_unordered("!=", b.fpext(r, _FTY[64]), exact)
        return ok, b.bitcast(r, I32), self._ixc_if(inexact, fpscr)

    def _fp_fast(self, op: str, n: int, args: list[ir.Value]):
        """Host IEEE arithmetic, taken only when it gives ARM's result and flags exactly: FPSCR selects round
        to nearest without FZ/DN, and
        - div/sqrt: every operand and the result are normal with a biased exponent in [F+3, emax-1) (so no
          NaN, infinity, denormal, underflow or overflow is possible, and the residuals below are
          representable) or zero where that is exact (the dividend or the square root's operand; the
          result when the dividend is zero - the signs of zero results agree with IEEE's in round to
          nearest);
        - add/sub: both operands below 2**(emax-1) (zeros and denormals too): TwoSum cannot overflow, and a
          sum in the denormal range is exact, so no underflow;
        - mul: finite factors and a result in that range (or zero with a zero factor): the residual of
          such a product is representable whatever the factors; or a power-of-two factor and a normal
          result (exact);
        - or anything finite once FPSCR holds UFC and IXC (``_fp_settled``).
        Inexact (IXC) is decided exactly: the TwoSum error for add/sub, the fma residual for mul/div/sqrt."""
        b = self.b
        ity, fty = INT[n], _FTY[n]
        *ops, fpscr = args
        x = [b.bitcast(a, fty) for a in ops]
        fma = self._fp_intrinsic("llvm.fma", n, 3)
        if op in ("add", "sub"):
            r = b.fadd(x[0], x[1]) if op == "add" else b.fsub(x[0], x[1])
            err = self._two_sum_err(r, x[0], x[1] if op == "add" else b.fneg(x[1]))
        elif op == "mul":
            r = b.fmul(x[0], x[1])
            err = b.call(fma, [x[0], x[1], b.fneg(r)])
        elif op == "div":
            r = b.fdiv(x[0], x[1])
            err = b.call(fma, [r, x[1], b.fneg(x[0])])
        else:  # sqrt
            r = b.call(self._fp_intrinsic("llvm.sqrt", n, 1), [x[0]])
            err = b.call(fma, [r, r, b.fneg(x[0])])
        rbits = b.bitcast(r, ity)
        ok = self._fp_rn(fpscr, _FPSCR_RN_PLAIN)
        if op in ("add", "sub"):  # TwoSum is exact, and a sum in the denormal range is exact: no UFC
            checks = [self._fp_below_overflow(v, n) for v in ops]
        elif op == "mul":  # the residual of a result in _fp_safe's range is representable, whatever the factors
            checks = [self._fp_below_overflow(v, n, finite=True) for v in ops]
            # a power of two times anything with a normal result is exact (libm's final scalings)
            scaling = b.and_(b.or_(self._fp_pow2(ops[0], n), self._fp_pow2(ops[1], n)), self._fp_normal(rbits, n))
            checks.append(b.or_(self._fp_safe_or_zero(rbits, n, *ops), scaling))
        else:
            checks = [self._fp_safe_or_zero(v, n) for v in ops]
            if op == "div":
                checks[1] = self._fp_safe(ops[1], n)
            checks.append(self._fp_safe_or_zero(rbits, n, *ops[:1] if op == "div" else ()))
        for chk in checks:
            ok = b.and_(ok, chk)
        ok = b.or_(ok, self._fp_settled(fpscr, [*ops, rbits], n))
        return ok, rbits, self._ixc_if(b.fcmp_unordered("!=", err, ir.Constant(fty, 0.0)), fpscr)

    def _two_sum_err(self, s: ir.Value, x: ir.Value, y: ir.Value) -> ir.Value:
        """TwoSum: x + y - s exactly, for s = fl(x + y) (no overflow)."""
        b = self.b
        bb = b.fsub(s, x)
        return b.fadd(b.fsub(x, b.fsub(s, bb)), b.fsub(y, bb))

    def _fp_muladd(self, n: int, args: list[ir.Value]):
        """VFMA & co (addend + a * b, rounded once): llvm.fma in the arithmetic guard (round to nearest, no
        FZ/DN; the addend, both factors, their rounded product and the result normal with a biased exponent
        in [F+3, emax-1), so the product's error term is representable and nothing over- or underflows; or
        zero: any operand, the product when a factor is, the result - an exact sum of such values is a
        multiple of the smallest denormal, so it is zero only when exactly zero, with IEEE's sign).
        Inexact: f32 - the product is exact in double and the double TwoSum of addend and product is the
        exact value, which must equal the result; f64 - ErrFma (Boldo & Muller, "Exact and approximated
        error of the FMA"): r + r2 + r3 = a * b + c exactly, with r2 + r3 = gamma + z below."""
        b = self.b
        ity, fty = INT[n], _FTY[n]
        *ops, fpscr = args
        c, x, y = (b.bitcast(a, fty) for a in ops)
        r = b.call(self._fp_intrinsic("llvm.fma", n, 3), [x, y, c])
        rbits = b.bitcast(r, ity)
        ok = self._fp_rn(fpscr, _FPSCR_RN_PLAIN)
        u1 = b.fmul(x, y)
        checks = [self._fp_safe_or_zero(v, n) for v in [*ops, rbits]]
        for chk in [*checks, self._fp_safe_or_zero(b.bitcast(u1, ity), n, *ops[1:])]:
            ok = b.and_(ok, chk)
        ok = b.or_(ok, self._fp_settled(fpscr, [*ops, rbits], n))
        if n == 32:
            d = _FTY[64]
            p, cd = b.fmul(b.fpext(x, d), b.fpext(y, d)), b.fpext(c, d)
            s = b.fadd(cd, p)
            err = self._two_sum_err(s, cd, p)
            inexact = b.or_(b.fcmp_unordered("!=", s, b.fpext(r, d)), b.fcmp_unordered("!=", err, ir.Constant(d, 0.0)))
        else:
            u2 = b.call(self._fp_intrinsic("llvm.fma", n, 3), [x, y, b.fneg(u1)])
            a1 = b.fadd(c, u2)
            z = self._two_sum_err(a1, c, u2)
            b1 = b.fadd(u1, a1)
            b2 = self._two_sum_err(b1, u1, a1)
            gamma = b.fadd(b.fsub(b1, r), b2)
            inexact = b.fcmp_unordered("!=", b.fadd(gamma, z), ir.Constant(fty, 0.0))
        return ok, rbits, self._ixc_if(inexact, fpscr)

    def _count_insns(self, n: int) -> None:
        """Add n to the state's count of guest instructions executed (``count_insns``: ``-d stats``)."""
        self.set("insn_count", self.b.add(self.get("insn_count", 64), ir.Constant(I64, n)))

    def exit(self, insn: Insn, pcword: ir.Value) -> None:
        b = self.b
        kind: ExitKind = insn.aux
        if self.count and self.ninsns:
            self._count_insns(self.ninsns)
            if kind in (ExitKind.GOTO, ExitKind.JUMP):
                n = self.get("block_count", 64)
                self.set("block_count", b.add(n, ir.Constant(I64, 1)))
        if kind in (ExitKind.GOTO, ExitKind.JUMP):
            # an atomic (acquire) load: the host may set it while this code loops, so LLVM must not
            # hoist it out of the loop; on x86 it is a plain mov
            req = b.load_atomic(self.field_ptr("exit_request", 32), "acquire", 4)
            req = b.icmp_unsigned("!=", req, self.const(0))
            with b.if_then(req, likely=False):
                self.set_pc(pcword)
                self.ret(self.const(RET_MISS))
            if kind is ExitKind.GOTO and insn.args[0].value in self.heads:
                self.goto_head(insn.args[0].value)  # inside the region: stay in host registers
                return
            self.set_pc(pcword)
            if kind is ExitKind.GOTO:
                name = f"slot_{self.sym}_{len(self.slots)}"
                slot = ir.GlobalVariable(self.m, BLOCK_FN.as_pointer(), name)
                slot.initializer = self._miss()
                self.slots.append((name, insn.args[0].value))
                target = b.load(slot)
            else:
                target = self.lookup(pcword)
            self.tail(target)
            return
        self.set_pc(pcword)
        if kind is not ExitKind.ALIGN:  # an alignment fault's address is already there
            self.write_field("exit_arg", self.const(insn.aux2))
        self.ret(self.const(int(kind)))

    def goto_head(self, pcword: int) -> None:
        """Branch to a block of the region.  With ``promote_at`` (tier 1), arrivals at the region's blocks
        are counted, and the one that reaches ``promote_at`` leaves with RET_HOT so the engine compiles
        the region at tier 2.  So does the first arrival after the engine has retired the function (its
        tier-2 code is installed, or its guest code changed): a loop inside the region would otherwise go
        on running tier-1 code for as long as it loops."""
        b = self.b
        if self.promote_at:
            if self._counter is None:  # [use count, retired]
                self._counter = ir.GlobalVariable(self.m, ir.ArrayType(I32, 2), counter_symbol(self.sym))
                self._counter.initializer = ir.Constant(ir.ArrayType(I32, 2), [0, 0])
            count = b.gep(self._counter, [self.const(0), self.const(0)])
            n = b.add(b.load(count), self.const(1))
            b.store(n, count)
            retired = b.load(b.gep(self._counter, [self.const(0), self.const(1)]))
            hot = b.icmp_unsigned("==", n, self.const(self.promote_at))
            hot = b.or_(hot, b.icmp_unsigned("!=", retired, self.const(0)))
            with b.if_then(hot, likely=False):
                self.set_pc(self.const(pcword))
                self.write_field("exit_arg", self.const(pcword_of(self.blocks[0])))
                self.ret(self.const(RET_HOT))
        b.branch(self.heads[pcword])

    def set_pc(self, pcword: ir.Value) -> None:
        b = self.b
        self.set("r15", b.and_(pcword, self.const(~1)))
        self.set("thumb", b.and_(pcword, self.const(1)))

    def lookup(self, pcword: ir.Value) -> ir.Value:
        """The compiled block for a computed pc word, or jit_miss (the indirect-branch table)."""
        b = self.b
        table = self.host_ptr("host_tb_table")
        mask = b.trunc(self.get("host_tb_mask", 64), I32)
        idx = b.zext(b.and_(b.lshr(pcword, self.const(1)), mask), I64)
        entry = b.gep(table, [b.mul(idx, ir.Constant(I64, 16))])
        key = b.load(b.bitcast(entry, I32.as_pointer()))
        fnp = b.load(b.bitcast(b.gep(entry, [ir.Constant(I64, 8)]), BLOCK_FN.as_pointer().as_pointer()))
        hit = b.and_(
            b.icmp_unsigned("==", key, pcword), b.icmp_unsigned("!=", fnp, ir.Constant(BLOCK_FN.as_pointer(), None))
        )
        return b.select(hit, fnp, self._miss())

    def _miss(self) -> ir.Function:
        if "jit_miss" in self.m.globals:
            return self.m.globals["jit_miss"]
        return ir.Function(self.m, BLOCK_FN, "jit_miss")


def access_groups(blk: Block) -> dict[int, tuple[int, int] | None]:
    """Loads (and, apart, stores) of one block that can share one permission check: those whose addresses
    are one value (a temporary, or a guest register not written in between) plus constant offsets, with
    no label, branch or exit between them (so whenever the first runs, all run), spanning at most a page.
    Maps the first's index in ``blk.insns`` to (its offset above the group's lowest address, the span in
    bytes) and every later one's to None.

    One check of the span's first and last pages covers every byte of the group (they lie in those two
    pages), and it is as precise as the accesses' own: when it fails, generated code leaves at the first
    access of the group (``RET_SLOW``) and the interpreter does the rest of the block access by access.
    Guest permissions do not change inside a block.  A memcpy loop's eight VLDRs off one register get one
    check instead of eight; so do LDM/STM/PUSH/POP and LDRD/STRD."""
    base: dict[int, tuple[object, int]] = {}  # temp -> (its root value, constant offset from it)
    writes: dict[str, int] = {}  # guest word -> SETs of it so far (a GET's value is the word's version)
    groups: dict[tuple, list[tuple[int, int, int]]] = {}
    segment = 0

    def root_of(v: Value) -> tuple[object, int]:
        if isinstance(v, Const):
            return ("const", v.value)
        return base.get(v.idx, (v.idx, 0))

    for i, insn in enumerate(blk.insns):
        op = insn.op
        if op in (Op.LABEL, Op.BR, Op.BRCOND, Op.EXIT):
            segment += 1
        elif op is Op.GET:  # every instruction reads its base register again
            base[insn.dst.idx] = ((insn.aux, writes.get(insn.aux, 0)), 0)
        elif op is Op.SET:
            writes[insn.aux] = writes.get(insn.aux, 0) + 1
        elif op is Op.ADD and isinstance(insn.args[1], Const) and insn.dst.width == 32:
            root, off = root_of(insn.args[0])
            k = insn.args[1].value
            base[insn.dst.idx] = (root, off + (k - (1 << 32) if k >> 31 else k))
        elif op in (Op.LOAD, Op.STORE):
            root, off = root_of(insn.args[0])
            width = insn.dst.width if op is Op.LOAD else insn.args[1].width
            groups.setdefault((segment, root, op), []).append((i, off, width // 8))
    out: dict[int, tuple[int, int] | None] = {}
    for members in groups.values():
        lo = min(off for _, off, _ in members)
        span = max(off + size for _, off, size in members) - lo
        if len(members) < 2 or span > 0x1000:
            continue
        first, off, _ = members[0]
        out[first] = (off - lo, span)
        out.update((i, None) for i, _, _ in members[1:])
    return out


def lower_regions(
    regions: list[list[Block]],
    name: str,
    count_insns: bool = False,
    suffix: str = "",
    promote_at: int = 0,
    entries: int = 1,
) -> tuple[ir.Module, list[Lowered]]:
    """One LLVM module holding a function per region, named after the region's entry block (symbols
    get ``suffix`` to stay unique across recompilations).  ``promote_at``: see ``goto_head``.
    ``entries``: the first blocks of the (one) region that are entry points, chosen by the pc on entry."""
    m = ir.Module(name)
    m.triple = process_triple()
    return m, [_RegionLowering(m, blocks, count_insns, suffix, promote_at, entries).lower() for blocks in regions]


class LLVMCompiler:
    """Owns the target machines, the MCJIT engine and the pass pipelines; compiles modules.

    Tier 2 modules go through MCJIT (``JIT_PASSES``, code generation at ``opt_level``); tier 1 modules are
    optimised lightly (``TIER1_PASSES``), turned into an object by a codegen-level-0 target machine and
    loaded into the same engine, as objects from the persistent cache are."""

    def __init__(self, opt_level: int = 2):
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        target = llvm.Target.from_default_triple()
        self.host_cpu = llvm.get_host_cpu_name()
        self.host_features = llvm.get_host_cpu_features().flatten()
        self.tm, self.tm_fast = (
            target.create_target_machine(
                cpu=self.host_cpu, features=self.host_features, opt=level, jit=True, codemodel="jitdefault"
            )  # fmt: skip
            for level in (opt_level, 0)
        )
        self.opt_level = opt_level
        self.ee = llvm.create_mcjit_compiler(llvm.parse_assembly(""), self.tm)
        self.last_object: bytes | None = None
        self.ee.set_object_cache(self._notify_object, lambda _module: None)
        self.compile_seconds = 0.0
        self.compile_cpu_seconds = 0.0  # the compiling thread's CPU time (wall time grows on a busy host)
        self.load_seconds = 0.0
        self.modules_compiled = 0
        self._pto = llvm.create_pipeline_tuning_options(speed_level=opt_level)
        self._add_runtime()

    def _add_runtime(self) -> None:
        m = ir.Module("jitemu_runtime")
        m.triple = process_triple()
        f = ir.Function(m, BLOCK_FN, "jit_miss")
        ir.IRBuilder(f.append_basic_block()).ret(ir.Constant(I32, RET_MISS))
        self._add(str(m))

    def _optimise(self, text: str, passes: tuple[str, ...]) -> llvm.ModuleRef:
        mod = llvm.parse_assembly(text)
        mod.verify()
        if self.opt_level:
            pb = llvm.create_pass_builder(self.tm, self._pto)
            mpm = llvm.create_new_module_pass_manager()
            for p in passes:
                getattr(mpm, f"add_{p}_pass")()
            mpm.run(mod, pb)
        return mod

    def _add(self, text: str, optimize: bool = False) -> llvm.ModuleRef:
        mod = self._optimise(text, JIT_PASSES if optimize else ())
        self.ee.add_module(mod)
        self.ee.finalize_object()
        return mod

    def _notify_object(self, _module: llvm.ModuleRef, data: bytes) -> None:
        self.last_object = bytes(data)

    @property
    def identity(self) -> str:
        """Everything about this compiler that its machine code depends on (for cache keys)."""
        return f"llvm {llvm.llvm_version_info} cpu {self.host_cpu} {self.host_features} opt {self.opt_level}"

    def add_runtime(self, module_ir: str) -> None:
        """Add a module of jitemu's own runtime code (not guest code: not counted in the statistics)."""
        self._add(module_ir, optimize=True)

    def compile(self, module_ir: str, tier: int = 2) -> None:
        """Optimise and compile a module (LLVM IR text) at ``tier``; its object file is then in
        ``last_object``."""
        t0, c0 = time.perf_counter(), time.thread_time()
        self.last_object = None
        if tier == 1:
            self.last_object = self.tm_fast.emit_object(self._optimise(module_ir, TIER1_PASSES))
            self.ee.add_object_file(llvm.ObjectFileRef.from_data(self.last_object))
            self.ee.finalize_object()
        else:
            self._add(module_ir, optimize=True)
        self.compile_seconds += time.perf_counter() - t0
        self.compile_cpu_seconds += time.thread_time() - c0
        self.modules_compiled += 1

    def add_object(self, data: bytes) -> None:
        """Load a compiled object (from the persistent cache): no IR, no code generation."""
        t0 = time.perf_counter()
        self.ee.add_object_file(llvm.ObjectFileRef.from_data(data))
        self.ee.finalize_object()
        self.load_seconds += time.perf_counter() - t0

    def function_address(self, name: str) -> int:
        return self.ee.get_function_address(name)

    def global_address(self, name: str) -> int:
        return self.ee.get_global_value_address(name)

    def host_disassembly(self, obj: bytes) -> str:
        """An object's host machine code, disassembled with capstone's x86-64 mode (``-d out_asm``)."""
        import io  # noqa: PLC0415 - only for -d out_asm

        from capstone import CS_ARCH_X86, CS_MODE_64, Cs  # noqa: PLC0415
        from elftools.elf.elffile import ELFFile  # noqa: PLC0415

        elf = ELFFile(io.BytesIO(obj))
        symtab = elf.get_section_by_name(".symtab")
        out = []
        for idx, sec in enumerate(elf.iter_sections()):
            if not sec["sh_flags"] & 0x4 or not sec["sh_size"]:  # SHF_EXECINSTR: .text, .ltext, ...
                continue
            names = {sym["st_value"]: sym.name for sym in symtab.iter_symbols()
                     if sym["st_shndx"] == idx and sym["st_info"]["type"] == "STT_FUNC"}  # fmt: skip
            for insn in Cs(CS_ARCH_X86, CS_MODE_64).disasm(sec.data(), 0):
                if insn.address in names:
                    out.append(f"{names[insn.address]}:\n")
                out.append(f"  0x{insn.address:05x}:  {insn.mnemonic} {insn.op_str}\n")
        return "".join(out)
