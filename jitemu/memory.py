"""Guest memory for user mode: the whole 32-bit guest space at one host base, with page permissions.

One 4 GiB anonymous ``MAP_NORESERVE`` host mapping backs guest addresses 0..2**32-1, so a guest address
plus ``host_base`` is the host address (the JIT uses exactly that).  Host pages stay readable and
writable; guest permissions live in ``perms`` (one byte per 4 KiB page) and every engine checks them, so a
bad guest access becomes a ``GuestFault`` (guest SIGSEGV) and never a host crash.

Page bits: PROT_READ=1, PROT_WRITE=2, PROT_EXEC=4 as in mmap(2), plus PAGE_CODE=8 set on pages that hold
translated code: a store to such a page takes the slow path so the block cache can drop stale blocks, and
PAGE_MAPPED=16 set on every mapped page (so a PROT_NONE mapping is told apart from a hole).
"""

from __future__ import annotations

import ctypes
import mmap
import struct
from collections.abc import Callable

PAGE_SIZE = 4096
PAGE_SHIFT = 12
PAGE_MASK = PAGE_SIZE - 1
NPAGES = 1 << (32 - PAGE_SHIFT)
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
PAGE_CODE = 8
PAGE_MAPPED = 16  # set on every mapped page, PROT_NONE ones included
PROT_RWX = PROT_READ | PROT_WRITE | PROT_EXEC
_MAP_NORESERVE = 0x4000  # Linux value; Python's mmap module does not export it

_UNPACK = {1: struct.Struct("<B"), 2: struct.Struct("<H"), 4: struct.Struct("<I"), 8: struct.Struct("<Q")}


class GuestFault(Exception):
    """A guest access to memory it may not touch (becomes SIGSEGV in the guest)."""

    def __init__(self, addr: int, write: bool, pc: int | None = None):
        super().__init__(f"guest {'write' if write else 'read'} fault at 0x{addr:08x}")
        self.addr = addr
        self.write = write
        self.pc = pc


def page_align_up(n: int) -> int:
    return (n + PAGE_MASK) & ~PAGE_MASK


class GuestMemory:
    """The guest's 4 GiB address space with per-page permissions."""

    def __init__(self) -> None:
        # One page more than the guest's 4 GiB, never mapped for the guest: generated code may read the
        # host mapping before an access's check has passed (see codegen.llvm), and an access at the very top
        # of the guest's space then reads these zeros instead of running past the host mapping.
        self._map = mmap.mmap(-1, (1 << 32) + PAGE_SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_NORESERVE)
        self.view = memoryview(self._map)[: 1 << 32]
        self.host_base: int = ctypes.addressof(ctypes.c_char.from_buffer(self._map))
        self.perms = bytearray(NPAGES + 1)  # and an entry past the last page, never mapped (see codegen.llvm)
        # Called with a page number when a store hits a page holding translated code.
        self.on_code_write: Callable[[int], None] | None = None

    # ---- mapping -------------------------------------------------------------------------------------
    def map(self, addr: int, length: int, prot: int) -> None:
        """Map [addr, addr+length) zero-filled with ``prot`` (page aligned; replaces what was there)."""
        assert addr & PAGE_MASK == 0
        length = page_align_up(length)
        self._map.madvise(mmap.MADV_DONTNEED, addr, length)
        self._drop_code(addr, length)
        first, n = addr >> PAGE_SHIFT, length >> PAGE_SHIFT
        self.perms[first : first + n] = bytes([prot & PROT_RWX | PAGE_MAPPED]) * n

    def unmap(self, addr: int, length: int) -> None:
        length = page_align_up(length)
        self._drop_code(addr, length)
        self._map.madvise(mmap.MADV_DONTNEED, addr, length)
        first = addr >> PAGE_SHIFT
        self.perms[first : first + (length >> PAGE_SHIFT)] = bytes(length >> PAGE_SHIFT)

    def protect(self, addr: int, length: int, prot: int) -> None:
        length = page_align_up(length)
        first, n = addr >> PAGE_SHIFT, length >> PAGE_SHIFT
        for p in range(first, first + n):
            self.perms[p] = (self.perms[p] & (PAGE_CODE | PAGE_MAPPED)) | (prot & PROT_RWX)

    def is_mapped(self, addr: int, length: int) -> bool:
        first, last = addr >> PAGE_SHIFT, (addr + max(length, 1) - 1) >> PAGE_SHIFT
        return all(self.perms[p] & PAGE_MAPPED for p in range(first, min(last, NPAGES - 1) + 1))

    def find_free(self, length: int, start: int, end: int = 1 << 32) -> int | None:
        """Lowest page-aligned address >= start where ``length`` bytes are unmapped, or None."""
        need = page_align_up(length) >> PAGE_SHIFT
        p = start >> PAGE_SHIFT
        stop = end >> PAGE_SHIFT
        run = 0
        perms = self.perms
        while p < stop:
            if perms[p] & PAGE_MAPPED:
                run = 0
            else:
                run += 1
                if run == need:
                    return (p - need + 1) << PAGE_SHIFT
            p += 1
        return None

    def mark_code(self, addr: int, length: int) -> None:
        for p in range(addr >> PAGE_SHIFT, ((addr + length - 1) >> PAGE_SHIFT) + 1):
            self.perms[p] |= PAGE_CODE

    def _drop_code(self, addr: int, length: int) -> None:
        for p in range(addr >> PAGE_SHIFT, (addr + length) >> PAGE_SHIFT):
            if self.perms[p] & PAGE_CODE:
                self.perms[p] &= ~PAGE_CODE & 0xFF
                if self.on_code_write:
                    self.on_code_write(p)

    # ---- checked access (what guest instructions use) -------------------------------------------------
    def check(self, addr: int, size: int, need: int) -> None:
        """Raise GuestFault unless every page of [addr, addr+size) has the ``need`` permission bits."""
        perms = self.perms
        if perms[addr >> PAGE_SHIFT] & need != need or (
            (addr & PAGE_MASK) + size > PAGE_SIZE
            and perms[((addr + size - 1) & 0xFFFFFFFF) >> PAGE_SHIFT] & need != need
        ):
            raise GuestFault(addr, bool(need & PROT_WRITE))

    def load(self, addr: int, size: int) -> int:
        self.check(addr, size, PROT_READ)
        if addr + size > 1 << 32:
            return int.from_bytes(self.read(addr, size), "little")
        return _UNPACK[size].unpack_from(self.view, addr)[0]

    def store(self, addr: int, size: int, value: int) -> None:
        perms = self.perms
        p = perms[addr >> PAGE_SHIFT]
        if p & (PROT_WRITE | PAGE_CODE) != PROT_WRITE or (addr & PAGE_MASK) + size > PAGE_SIZE:
            self._store_slow(addr, size, value)
            return
        _UNPACK[size].pack_into(self.view, addr, value)

    def _store_slow(self, addr: int, size: int, value: int) -> None:
        self.check(addr, size, PROT_WRITE)
        self._invalidate_code(addr, size)
        self.write_raw(addr, value.to_bytes(size, "little"))

    def _invalidate_code(self, addr: int, size: int) -> None:
        for p in {addr >> PAGE_SHIFT, ((addr + size - 1) & 0xFFFFFFFF) >> PAGE_SHIFT}:
            if self.perms[p] & PAGE_CODE:
                self.perms[p] &= ~PAGE_CODE & 0xFF
                if self.on_code_write:
                    self.on_code_write(p)

    # ---- bulk access (syscalls, loader): checked against guest permissions ---------------------------
    def read(self, addr: int, size: int) -> bytes:
        if size <= 0:
            return b""
        self.check_range(addr, size, PROT_READ)
        return self.read_raw(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        if not data:
            return
        self.check_range(addr, len(data), PROT_WRITE)
        for p in range(addr >> PAGE_SHIFT, ((addr + len(data) - 1) >> PAGE_SHIFT) + 1):
            if self.perms[p] & PAGE_CODE:
                self._invalidate_code(p << PAGE_SHIFT, 1)
        self.write_raw(addr, data)

    def check_range(self, addr: int, size: int, need: int) -> None:
        if addr + size > 1 << 32:
            raise GuestFault(addr, bool(need & PROT_WRITE))
        for p in range(addr >> PAGE_SHIFT, ((addr + size - 1) >> PAGE_SHIFT) + 1):
            if self.perms[p] & need != need:
                raise GuestFault(max(addr, p << PAGE_SHIFT), bool(need & PROT_WRITE))

    def read_raw(self, addr: int, size: int) -> bytes:
        """Read without permission checks (loader, debugging)."""
        end = addr + size
        if end > 1 << 32:
            return bytes(self.view[addr:]) + bytes(self.view[: end - (1 << 32)])
        return bytes(self.view[addr:end])

    def write_raw(self, addr: int, data: bytes) -> None:
        end = addr + len(data)
        if end > 1 << 32:
            cut = (1 << 32) - addr
            self.view[addr:] = data[:cut]
            self.view[: end - (1 << 32)] = data[cut:]
        else:
            self.view[addr:end] = data

    def read_cstring(self, addr: int, limit: int = 1 << 16) -> bytes:
        """A NUL-terminated guest string (GuestFault if it runs into unreadable memory)."""
        out = bytearray()
        while len(out) < limit:
            self.check(addr, 1, PROT_READ)
            chunk_end = min((addr | PAGE_MASK) + 1, addr + limit - len(out))
            chunk = self.view[addr:chunk_end]
            i = bytes(chunk).find(b"\0")
            if i >= 0:
                out += chunk[:i]
                return bytes(out)
            out += chunk
            addr = chunk_end & 0xFFFFFFFF
        return bytes(out)
