"""The guest CPU state, defined once.

Every engine (the IR interpreter and the LLVM backend), the syscall and signal code, and later the gdb stub
and snapshots work on one ``CPUState`` ctypes structure.  The IR names state words by *field name*
(``r0``..``r15``, ``NF``, ``d7``, ``fpscr``...); ``FIELDS`` maps each name to its byte offset and width, so
the LLVM lowering uses offsets and the interpreter uses word indexes into the same memory.

Flags are kept in QEMU's split form so that each can be computed (and dropped) on its own:
N = bit 31 of NF, Z = (ZF == 0), C = CF (0 or 1), V = bit 31 of VF, Q = QF (0 or 1), GE = low 4 bits of GE.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

u32 = ctypes.c_uint32
u64 = ctypes.c_uint64


class CPUState(ctypes.Structure):
    """ARMv7-A user-visible state (plus the bookkeeping words engines share)."""

    _fields_ = [
        ("r", u32 * 16),  # r15 holds the address of the next block to run (no +8/+4 bias)
        ("NF", u32),
        ("ZF", u32),
        ("CF", u32),
        ("VF", u32),
        ("QF", u32),
        ("GE", u32),
        ("itstate", u32),  # ITSTATE<7:0> as in the ARM ARM (firstcond<<4 | mask), 0 outside IT blocks
        ("thumb", u32),  # CPSR.T
        ("tpidruro", u32),  # TLS register read by MRC p15,0,rX,c13,c0,3
        ("tpidrurw", u32),  # user read/write thread ID register (MRC/MCR p15,0,rX,c13,c0,2)
        ("fpscr", u32),
        ("excl_addr", u32),  # exclusive monitor: address of the last LDREX*
        ("excl_valid", u32),  # 1 while the monitor is open
        ("excl_val", u64),  # value LDREX* read (STREX succeeds only if memory still holds it)
        ("d", u64 * 32),  # VFP/NEON registers d0-d31 (s0-s31 alias d0-d15)
        ("exit_arg", u32),  # SVC/BKPT immediate, an alignment fault's address, a hot region's pc word
        ("exit_request", u32),  # set by the host (signals, limits): generated code returns at the next branch
        ("insn_count", u64),  # guest instructions executed where counted
        ("block_count", u64),  # block-to-block transitions taken inside generated code, where counted
        # host pointers generated code needs; filled by the JIT engine, never part of guest-visible state
        ("host_mem", u64),  # host address of guest address 0
        ("host_perms", u64),  # host address of the page permission bytes
        ("host_tb_table", u64),  # indirect-branch lookup table (pc word -> compiled block)
        ("host_tb_mask", u64),  # entries - 1
        ("host_runtime", u64),  # table of runtime callbacks (slow memory paths, helpers)
    ]


@dataclass(frozen=True, slots=True)
class Field:
    """One word of CPUState that the IR may read or write."""

    name: str
    offset: int
    width: int  # bits


def _build_fields() -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for name, ctype in CPUState._fields_:
        off = getattr(CPUState, name).offset
        if issubclass(ctype, ctypes.Array):
            elem = ctype._type_
            size = ctypes.sizeof(elem)
            prefix = {"r": "r", "d": "d"}[name]
            for i in range(ctype._length_):
                fields[f"{prefix}{i}"] = Field(f"{prefix}{i}", off + i * size, size * 8)
        else:
            fields[name] = Field(name, off, ctypes.sizeof(ctype) * 8)
    # s0-s31 alias the low and high halves of d0-d15 (little-endian host and guest)
    d0 = fields["d0"].offset
    for i in range(32):
        fields[f"s{i}"] = Field(f"s{i}", d0 + 4 * i, 32)
    return fields


FIELDS: dict[str, Field] = _build_fields()

# CPSR bit positions (ARM ARM B1.3.3)
CPSR_N, CPSR_Z, CPSR_C, CPSR_V, CPSR_Q = 31, 30, 29, 28, 27
CPSR_T = 5
USR_MODE = 0x10


def get_cpsr(s: CPUState) -> int:
    """Compose the user-visible CPSR from the split flag words."""
    v = USR_MODE
    v |= ((s.NF >> 31) & 1) << CPSR_N
    v |= (1 if s.ZF == 0 else 0) << CPSR_Z
    v |= (s.CF & 1) << CPSR_C
    v |= ((s.VF >> 31) & 1) << CPSR_V
    v |= (s.QF & 1) << CPSR_Q
    v |= (s.GE & 0xF) << 16
    it = s.itstate & 0xFF
    v |= (it & 3) << 25 | (it >> 2) << 10
    v |= (s.thumb & 1) << CPSR_T
    return v


def set_cpsr(s: CPUState, v: int, *, flags_only: bool = False) -> None:
    """Split a CPSR value into the flag words (APSR fields; with flags_only, only NZCVQ and GE)."""
    s.NF = 0x80000000 if v >> CPSR_N & 1 else 0
    s.ZF = 0 if v >> CPSR_Z & 1 else 1
    s.CF = v >> CPSR_C & 1
    s.VF = 0x80000000 if v >> CPSR_V & 1 else 0
    s.QF = v >> CPSR_Q & 1
    s.GE = v >> 16 & 0xF
    if not flags_only:
        s.itstate = (v >> 25 & 3) | ((v >> 10 & 0x3F) << 2)
        s.thumb = v >> CPSR_T & 1


def format_cpu(s: CPUState) -> str:
    """Register dump in the spirit of qemu's ``-d cpu``."""
    lines = []
    for i in range(0, 16, 4):
        lines.append(" ".join(f"R{j:02d}={s.r[j]:08x}" for j in range(i, i + 4)))
    c = get_cpsr(s)
    nzcv = "".join(ch if c >> b & 1 else "-" for ch, b in zip("NZCV", (31, 30, 29, 28), strict=False))
    lines.append(f"PSR={c:08x} {nzcv} {'T' if s.thumb else 'A'} usr32")
    return "\n".join(lines) + "\n"
