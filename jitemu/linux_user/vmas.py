"""What backs each file mapping of the guest (file, offset, device, inode), for /proc/self/maps.

Page permissions live in ``GuestMemory``; this module only remembers the names: the PT_LOAD segments
of the program and its interpreter as the loader mapped them, then every file ``mmap``.  Any new
mapping, ``munmap`` or ``mremap`` carves the ranges it covers out of the list, so an anonymous
mapping placed over a file mapping is anonymous again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from jitemu.linux_user.loader import LoadError, find_interpreter, inspect_elf
from jitemu.memory import PAGE_MASK, page_align_up


@dataclass(frozen=True, slots=True)
class FileMap:
    start: int
    end: int
    path: str
    offset: int  # file offset of ``start``
    dev: int
    ino: int

    def at(self, addr: int) -> int:
        """The file offset of ``addr``."""
        return self.offset + addr - self.start


class FileMaps:
    """The guest's file mappings, sorted by address, never overlapping."""

    def __init__(self) -> None:
        self.maps: list[FileMap] = []

    def add(self, start: int, end: int, path: str, offset: int, st: os.stat_result) -> None:
        self.forget(start, end)
        self.maps.append(FileMap(start, end, path, offset, st.st_dev, st.st_ino))
        self.maps.sort(key=lambda m: m.start)

    def forget(self, start: int, end: int) -> None:
        """[start, end) is unmapped or mapped anew: keep only the parts of file mappings outside it."""
        kept = []
        for m in self.maps:
            if m.end <= start or m.start >= end:
                kept.append(m)
                continue
            if m.start < start:
                kept.append(replace(m, end=start))
            if m.end > end:
                kept.append(replace(m, start=end, offset=m.at(end)))
        self.maps = kept

    def move(self, old: int, size: int, new: int, new_size: int) -> None:
        """mremap moved [old, old+size) to ``new`` (and resized it to ``new_size``)."""
        moved = [replace(m, start=new + max(m.start, old) - old, end=new + min(m.end, old + size) - old,
                         offset=m.at(max(m.start, old)))
                 for m in self.maps if m.start < old + size and m.end > old]  # fmt: skip
        self.forget(old, old + size)
        self.forget(new, new + new_size)
        self.maps += [replace(m, end=min(m.end, new + new_size)) for m in moved if m.start < new + new_size]
        self.maps.sort(key=lambda m: m.start)

    def find(self, addr: int) -> FileMap | None:
        for m in self.maps:
            if m.start <= addr < m.end:
                return m
        return None

    def boundaries(self) -> set[int]:
        return {a for m in self.maps for a in (m.start, m.end)}

    def add_elf(self, path: str, bias: int) -> None:
        """The file-backed pages of an ELF image the loader mapped at ``bias`` (the bss beyond the file's last
        page is anonymous, as under Linux)."""
        try:
            info = inspect_elf(path)
        except LoadError:
            return
        st = os.stat(path)
        real = os.path.realpath(path)
        for s in info.segments:
            start = (s.vaddr + bias) & ~PAGE_MASK
            end = page_align_up(s.vaddr + bias + s.filesz)
            if end > start:
                self.add(start, end, real, s.offset & ~PAGE_MASK, st)


def initial_file_maps(exe_path: str, load_bias: int, interp_base: int, ld_prefix: str | None) -> FileMaps:
    """The file mappings right after exec: the program and, if it has one, its ELF interpreter."""
    maps = FileMaps()
    maps.add_elf(exe_path, load_bias)
    try:
        interp = inspect_elf(exe_path).interp
    except LoadError:
        interp = None
    if interp is not None:
        maps.add_elf(find_interpreter(interp, ld_prefix), interp_base)
    return maps
