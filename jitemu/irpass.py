"""IR-to-IR clean-up run before interpretation (LLVM does its own for the JIT).

- Dead state stores: a SET of a core register or flag word that a later SET in the same straight-line
  stretch overwrites, with no read of it, no memory access, helper call, branch or exit in between (those
  can fault or leave the block, and guest state must then be exact).
- Dead code: instructions without side effects whose result is never used.
"""

from __future__ import annotations

from jitemu.ir import Block, Op, Temp

# ops after which guest state can be observed (a fault, a helper, leaving the stretch or the block)
_BARRIERS = {Op.EXIT, Op.LABEL, Op.BR, Op.BRCOND, Op.LOAD, Op.STORE, Op.CMPXCHG, Op.CALL}


def _aliased(name: str) -> bool:
    """VFP fields overlap (s2n/s2n+1 and dn): leave them alone."""
    return name[0] in "sd"


def optimize(block: Block) -> Block:
    insns = block.insns
    keep = [True] * len(insns)
    overwritten: set[str] = set()
    for i in range(len(insns) - 1, -1, -1):
        ins = insns[i]
        op = ins.op
        if op in _BARRIERS:
            overwritten.clear()
        elif op is Op.SET and not _aliased(ins.aux):
            if ins.aux in overwritten:
                keep[i] = False
            else:
                overwritten.add(ins.aux)
        elif op is Op.GET:
            overwritten.discard(ins.aux)
    used: set[int] = set()
    for i in range(len(insns) - 1, -1, -1):
        if not keep[i]:
            continue
        ins = insns[i]
        if ins.dst is not None and ins.dst.idx not in used and not ins.op.info.side_effects:
            keep[i] = False
            continue
        for a in ins.args:
            if isinstance(a, Temp):
                used.add(a.idx)
    if all(keep):
        return block
    out = Block(block.pc, block.thumb, block.itstate, [x for x, k in zip(insns, keep, strict=False) if k], block.ntemps,
                block.nlabels, block.guest_size, block.guest_insns)  # fmt: skip
    return out
