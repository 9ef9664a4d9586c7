"""Loading an ARM Linux ELF program into guest memory, the way the kernel's binfmt_elf does.

``inspect_elf`` reads and checks the headers of a file (pyelftools parses them; every inconsistency a
damaged or foreign file can have becomes a ``LoadError`` with a one-line reason, never another
exception).  ``map_elf`` copies the PT_LOAD segments into guest memory with their permissions.
``load_program`` does the whole exec: the program, its ELF interpreter if it names one, the stack with
argv/envp/auxv, and the kuser helper page; it returns where the CPU starts and where the heap begins.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field

from elftools.elf.elffile import ELFFile

from jitemu.linux_user import kuser, layout
from jitemu.linux_user.cpus import CpuModel
from jitemu.linux_user.stack import InitialStack, ProcessImage, build_stack
from jitemu.memory import PAGE_MASK, PROT_EXEC, PROT_READ, PROT_WRITE, GuestMemory, page_align_up

ET_EXEC, ET_DYN = 2, 3
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
EM_ARM = 40
PHDR_SIZE = 32  # sizeof(Elf32_Phdr)
MAX_PHDR_TABLE = 65536  # the kernel refuses larger program header tables
MAX_INTERP_PATH = 4096  # PATH_MAX


class LoadError(Exception):
    """The program cannot be loaded; the message is one line meant for the user."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One PT_LOAD program header."""

    index: int
    vaddr: int
    memsz: int
    offset: int
    filesz: int
    prot: int  # PROT_* bits


@dataclass(slots=True)
class ElfInfo:
    """The checked headers of an ELF file."""

    path: str
    file_size: int
    e_type: int
    entry: int
    phoff: int
    phnum: int
    segments: list[Segment]
    interp: bytes | None = None  # PT_INTERP path
    exec_stack: bool = True  # no PT_GNU_STACK, or one with PF_X
    phdr_vaddr: int | None = None  # where the program headers are in memory (before the load bias)

    @property
    def low(self) -> int:
        return min(s.vaddr for s in self.segments) & ~PAGE_MASK

    @property
    def high(self) -> int:
        return page_align_up(max(s.vaddr + s.memsz for s in self.segments))


@dataclass(slots=True)
class LoadedProgram:
    """The result of an exec: everything the process needs to start running."""

    exe_path: str  # absolute path of the program (what /proc/self/exe names)
    start: int  # first instruction (the interpreter's entry when there is one); bit 0 = Thumb
    entry: int  # the program's entry point (AT_ENTRY)
    load_bias: int
    brk: int  # first address of the heap
    interp_base: int
    stack_low: int  # lowest stack address
    stack: InitialStack
    image: ProcessImage
    segments: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, prot) mapped


def _prot(p_flags: int) -> int:
    return (
        (PROT_READ if p_flags & PF_R else 0)
        | (PROT_WRITE if p_flags & PF_W else 0)
        | (PROT_EXEC if p_flags & PF_X else 0)
    )


def _open_regular(path: str) -> tuple[int, int]:
    """Open ``path`` for reading without blocking (a FIFO must not hang us); return (fd, size)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise LoadError(os.strerror(e.errno or errno.EIO)) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise LoadError(os.strerror(errno.EISDIR) if stat.S_ISDIR(st.st_mode) else "not a regular file")
    return fd, st.st_size


def inspect_elf(path: str) -> ElfInfo:
    """Read and check the ELF headers of ``path``."""
    fd, size = _open_regular(path)
    with os.fdopen(fd, "rb") as f:
        ident = f.read(16)
        if len(ident) < 4 or ident[:4] != b"\x7fELF":
            raise LoadError("not an ELF file")
        if len(ident) < 16 or size < 52:
            raise LoadError("truncated ELF header")
        if ident[4] != 1:
            raise LoadError("not a 32-bit ELF file" if ident[4] == 2 else "invalid ELF class")
        if ident[5] != 1:
            raise LoadError("not a little-endian ELF file")
        try:
            return _check_headers(ELFFile(f), path, size)
        except LoadError:
            raise
        except Exception as e:  # noqa: BLE001 - pyelftools raises many kinds of exceptions on garbage
            raise LoadError(f"invalid ELF file ({type(e).__name__}: {e})".splitlines()[0]) from None


def _check_headers(elf: ELFFile, path: str, size: int) -> ElfInfo:
    h = elf.header
    machine = h["e_machine"]
    if machine not in ("EM_ARM", EM_ARM):
        raise LoadError(f"ELF file for {machine}, not for ARM")
    e_type = {"ET_EXEC": ET_EXEC, "ET_DYN": ET_DYN}.get(h["e_type"])
    if e_type is None:
        raise LoadError(f"not an executable ELF file (type {h['e_type']})")
    phoff, phnum, phentsize = h["e_phoff"], h["e_phnum"], h["e_phentsize"]
    if phnum == 0:
        raise LoadError("no program headers")
    if phentsize != PHDR_SIZE:
        raise LoadError(f"invalid program header size {phentsize}")
    if phnum * PHDR_SIZE > MAX_PHDR_TABLE:
        raise LoadError(f"too many program headers ({phnum})")
    if phoff + phnum * PHDR_SIZE > size:
        raise LoadError("program headers lie past the end of the file (truncated file?)")

    info = ElfInfo(path, size, e_type, h["e_entry"], phoff, phnum, [])
    elf.stream.seek(phoff)
    table = elf.stream.read(phnum * PHDR_SIZE)
    for i in range(phnum):
        # Parse the program headers only: ELFFile.get_segment may also look at sections or dynamic data.
        ph = elf.structs.Elf_Phdr.parse(table[i * PHDR_SIZE : (i + 1) * PHDR_SIZE])
        p_type = ph["p_type"]
        p_type = {"PT_LOAD": PT_LOAD, "PT_INTERP": PT_INTERP, "PT_PHDR": PT_PHDR, "PT_GNU_STACK": PT_GNU_STACK}.get(
            p_type, p_type
        )
        if p_type == PT_LOAD:
            if ph["p_memsz"] == 0:
                continue
            info.segments.append(_check_load(i, ph, size))
        elif p_type == PT_INTERP and info.interp is None:
            info.interp = _read_interp(elf, ph, size)
        elif p_type == PT_PHDR:
            info.phdr_vaddr = ph["p_vaddr"]
        elif p_type == PT_GNU_STACK:
            info.exec_stack = bool(ph["p_flags"] & PF_X)
    if not info.segments:
        raise LoadError("no loadable segments")
    for s in info.segments:
        if s.offset <= phoff and phoff + phnum * PHDR_SIZE <= s.offset + s.filesz:
            info.phdr_vaddr = s.vaddr + phoff - s.offset
            break
    if info.high - info.low > layout.TASK_SIZE - layout.MIN_ADDR:
        raise LoadError("program is too large for the 32-bit address space")
    return info


def _check_load(i: int, ph, size: int) -> Segment:
    vaddr, memsz, offset, filesz = ph["p_vaddr"], ph["p_memsz"], ph["p_offset"], ph["p_filesz"]
    if filesz > memsz:
        raise LoadError(f"segment {i}: file size larger than memory size")
    if offset + filesz > size:
        raise LoadError(f"segment {i}: data lies past the end of the file (truncated file?)")
    if vaddr + memsz > 1 << 32:
        raise LoadError(f"segment {i}: outside the 32-bit address space")
    if (vaddr - offset) & PAGE_MASK:
        raise LoadError(f"segment {i}: address and file offset are not congruent modulo the page size")
    return Segment(i, vaddr, memsz, offset, filesz, _prot(ph["p_flags"]))


def _read_interp(elf: ELFFile, ph, size: int) -> bytes:
    offset, filesz = ph["p_offset"], ph["p_filesz"]
    if filesz < 2 or filesz > MAX_INTERP_PATH or offset + filesz > size:
        raise LoadError("invalid PT_INTERP header")
    elf.stream.seek(offset)
    name = elf.stream.read(filesz)
    if name[-1:] != b"\0" or b"\0" in name[:-1]:
        raise LoadError("invalid PT_INTERP path")
    return name[:-1]


def _page_runs(segments: list[Segment], bias: int) -> list[tuple[int, int, int]]:
    """Page-aligned (start, end, prot) runs covering all segments; a page shared by two segments gets
    both segments' permissions (as a sweep over segment boundaries, so huge segments cost nothing)."""
    events: list[tuple[int, int, int]] = []
    for s in segments:
        events.append(((s.vaddr + bias) & ~PAGE_MASK, 1, s.prot))
        events.append((page_align_up(s.vaddr + bias + s.memsz), -1, s.prot))
    events.sort()
    counts = {PROT_READ: 0, PROT_WRITE: 0, PROT_EXEC: 0}
    runs: list[tuple[int, int, int]] = []
    covered = 0
    pos = events[0][0]
    for at, delta, prot in events:
        if at > pos and covered:
            cur = sum(bit for bit, n in counts.items() if n)
            if runs and runs[-1][1] == pos and runs[-1][2] == cur:
                runs[-1] = (runs[-1][0], at, cur)
            else:
                runs.append((pos, at, cur))
        pos = at
        covered += delta
        for bit in counts:
            if prot & bit:
                counts[bit] += delta
    return runs


def map_elf(mem: GuestMemory, info: ElfInfo, bias: int) -> list[tuple[int, int, int]]:
    """Map and fill the PT_LOAD segments of ``info`` at ``bias``; return the (start, end, prot) runs."""
    runs = _page_runs(info.segments, bias)
    for start, end, prot in runs:
        if start < layout.MIN_ADDR or end > layout.TASK_SIZE:
            raise LoadError(f"segment at 0x{start:08x}-0x{end:08x} is outside the user address space")
        mem.map(start, end - start, prot)
    fd, size = _open_regular(info.path)
    try:
        # The page-aligned part of the file before each segment is mapped too, as mmap maps whole pages
        # (that is how the ELF and program headers usually end up in memory); segment bodies win.
        for s in info.segments:
            head = s.offset & PAGE_MASK
            if head:
                mem.write_raw(s.vaddr + bias - head, os.pread(fd, head, s.offset - head))
        for s in info.segments:
            data = os.pread(fd, s.filesz, s.offset) if s.filesz else b""
            if len(data) != s.filesz:
                raise LoadError(f"segment {s.index}: file changed while loading")
            mem.write_raw(s.vaddr + bias, data)
            bss = s.vaddr + bias + s.filesz
            tail = min(page_align_up(bss), s.vaddr + bias + s.memsz) - bss
            if tail:
                mem.write_raw(bss, bytes(tail))
    finally:
        os.close(fd)
    return runs


def find_interpreter(name: bytes, ld_prefix: str | None) -> str:
    """The host path of the ELF interpreter: under the -L prefix when it exists there."""
    path = os.fsdecode(name)
    if ld_prefix and os.path.isabs(path):
        prefixed = os.path.join(ld_prefix, path.lstrip("/"))
        if os.path.exists(prefixed):
            return prefixed
    return path


def _load_interp(mem: GuestMemory, name: bytes, ld_prefix: str | None) -> tuple[int, int]:
    """Load the ELF interpreter in the mmap area; return (load bias, entry)."""
    path = find_interpreter(name, ld_prefix)
    try:
        info = inspect_elf(path)
        if info.interp is not None:
            raise LoadError("the ELF interpreter has an interpreter itself")
    except LoadError as e:
        hint = "" if ld_prefix else " (give the guest's root with -L or QEMU_LD_PREFIX)"
        raise LoadError(f"ELF interpreter {path}: {e}{hint}") from None
    bias = 0
    if info.e_type == ET_DYN:
        base = mem.find_free(info.high - info.low, layout.MMAP_BASE, layout.TASK_SIZE)
        if base is None:
            raise LoadError("no room for the ELF interpreter")
        bias = base - info.low
    map_elf(mem, info, bias)
    return bias, (info.entry + bias) & 0xFFFFFFFF


def _map_stack(mem: GuestMemory, size: int, brk: int, executable: bool) -> int:
    """Map the stack just below STACK_TOP, with an unmapped guard gap below it; return its low end."""
    low = layout.STACK_TOP - page_align_up(size)
    guarded = low - layout.STACK_GUARD
    if guarded < brk or mem.find_free(layout.STACK_TOP - guarded, guarded, layout.STACK_TOP) != guarded:
        raise LoadError("the program overlaps the stack (try a smaller stack size with -s)")
    mem.map(low, layout.STACK_TOP - low, PROT_READ | PROT_WRITE | (PROT_EXEC if executable else 0))
    return low


def load_program(
    mem: GuestMemory,
    path: str,
    argv: list[bytes],
    envp: list[bytes],
    *,
    cpu: CpuModel,
    stack_size: int = layout.DEFAULT_STACK_SIZE,
    ld_prefix: str | None = None,
    random_bytes: bytes | None = None,
) -> LoadedProgram:
    """exec ``path`` into an empty ``mem``: program, interpreter, stack and kuser page."""
    info = inspect_elf(path)
    bias = layout.PIE_BASE - info.low if info.e_type == ET_DYN else 0
    runs = map_elf(mem, info, bias)
    brk = info.high + bias
    entry = (info.entry + bias) & 0xFFFFFFFF

    stack_low = _map_stack(mem, stack_size, brk, info.exec_stack)
    kuser.map_kuser_page(mem)

    interp_base, start = 0, entry
    if info.interp is not None:
        interp_base, start = _load_interp(mem, info.interp, ld_prefix)

    phdr = info.phdr_vaddr + bias if info.phdr_vaddr is not None else 0
    image = ProcessImage(
        phdr=phdr & 0xFFFFFFFF,
        phent=PHDR_SIZE,
        phnum=info.phnum,
        entry=entry,
        interp_base=interp_base,
        hwcap=cpu.hwcap,
        hwcap2=cpu.hwcap2,
        platform=cpu.platform,
        execfn=os.fsencode(path),
    )
    try:
        stack = build_stack(mem, layout.STACK_TOP, stack_low, argv, envp, image, random_bytes or os.urandom(16))
    except ValueError:
        raise LoadError(os.strerror(errno.E2BIG)) from None
    return LoadedProgram(
        exe_path=os.path.realpath(path),
        start=start,
        entry=entry,
        load_bias=bias,
        brk=brk,
        interp_base=interp_base,
        stack_low=stack_low,
        stack=stack,
        image=image,
        segments=runs,
    )
