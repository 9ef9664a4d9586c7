"""Hand-made 32-bit ARM ELF files for loader tests: valid ones with chosen segments, and ways to break them."""

from __future__ import annotations

import struct
from dataclasses import dataclass

EHDR = struct.Struct("<16sHHIIIIIHHHHHH")
PHDR = struct.Struct("<IIIIIIII")
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4


@dataclass
class Seg:
    vaddr: int
    data: bytes
    memsz: int | None = None
    flags: int = PF_R | PF_X
    offset: int | None = None  # default: next page-congruent offset after the headers
    p_type: int = PT_LOAD
    filesz: int | None = None  # override the header's p_filesz


def make_elf(segs: list[Seg], *, entry: int | None = None, e_type: int = 2, machine: int = 40,
             ident: bytes | None = None, phentsize: int = 32, phoff: int = 52) -> bytes:  # fmt: skip
    """An ELF file whose segments hold ``data`` at page-congruent offsets."""
    header_end = phoff + len(segs) * PHDR.size
    body = bytearray(max(header_end, 52))
    phdrs = []
    for s in segs:
        off = s.offset
        if off is None:
            off = len(body) + ((s.vaddr - len(body)) & 0xFFF)
        if len(body) < off:
            body += bytes(off - len(body))
        body[off : off + len(s.data)] = s.data
        filesz = len(s.data) if s.filesz is None else s.filesz
        memsz = filesz if s.memsz is None else s.memsz
        phdrs.append(PHDR.pack(s.p_type, off, s.vaddr, s.vaddr, filesz, memsz, s.flags, 0x1000))
    if entry is None:
        entry = next((s.vaddr for s in segs if s.p_type == PT_LOAD), 0)
    ident = ident or b"\x7fELF\x01\x01\x01" + bytes(9)
    hdr = EHDR.pack(ident, e_type, machine, 1, entry, phoff, 0, 0x05000400, 52, phentsize, len(segs), 40, 0, 0)
    body[0:52] = hdr
    body[phoff:header_end] = b"".join(phdrs)
    return bytes(body)


def simple_elf(**kw) -> bytes:
    """A minimal valid program: one R+X page of code (``mov r0,#0; mov r7,#1; svc 0``) at 0x10000."""
    code = bytes.fromhex("0000a0e3 0170a0e3 000000ef".replace(" ", ""))
    return make_elf([Seg(0x10000, code)], **kw)
