"""Memory system calls: brk, mmap/mmap2, munmap, mprotect, mremap, madvise, mlock/mincore/msync, and ARM's
cacheflush.

Mappings live in ``GuestMemory`` page permissions; there is no separate list of mappings yet.  A file
mapping is a private copy of the file's bytes (a ``MAP_SHARED`` writable file mapping does not write
back, and ``-d unimp`` says so).  Addresses are chosen first-fit upwards from ``layout.MMAP_BASE``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from typing import TYPE_CHECKING

from jitemu import log
from jitemu.linux_user import layout
from jitemu.memory import PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PROT_READ, PROT_RWX, PROT_WRITE, page_align_up

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_TYPE = 0x01, 0x02, 0x03, 0x0F
MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE = 0x10, 0x20, 0x100000
PROT_VALID = PROT_RWX | 0x8 | 0x01000000 | 0x02000000  # PROT_SEM, PROT_GROWSDOWN, PROT_GROWSUP
MREMAP_MAYMOVE, MREMAP_FIXED = 1, 2
MADV_DONTNEED, MADV_FREE, MADV_REMOVE = 4, 8, 9
DEV_ZERO = os.makedev(1, 5)


def _in_user_space(addr: int, length: int) -> bool:
    return layout.MIN_ADDR <= addr and addr + length <= layout.TASK_SIZE


def _all_mapped(p: Process, addr: int, length: int) -> bool:
    return p.mem.is_mapped(addr, length)


def _any_mapped(p: Process, addr: int, length: int) -> bool:
    return p.mem.find_free(length, addr, addr + length) != addr


def _mapped_range(p: Process, addr: int, length: int) -> int:
    """0 when [addr, addr+length) is page-aligned at the start and all mapped, else the errno Linux gives."""
    if addr & PAGE_MASK:
        return -errno.EINVAL
    size = page_align_up(length)
    if size and (not _in_user_space(addr, size) or not _all_mapped(p, addr, size)):
        return -errno.ENOMEM
    return 0


def find_range(p: Process, length: int, hint: int = 0) -> int | None:
    """Where a new mapping of ``length`` bytes goes: at ``hint`` if it is free, else first fit from the
    mmap area.  ``p.mmap_next`` remembers where the last search ended (reset by munmap below it)."""
    hint &= ~PAGE_MASK
    if hint and _in_user_space(hint, length) and not _any_mapped(p, hint, length):
        return hint
    mem = p.mem
    addr = mem.find_free(length, p.mmap_next, p.mmap_limit)
    if addr is None:
        addr = mem.find_free(length, layout.MMAP_BASE, p.mmap_limit)
    if addr is not None:
        p.mmap_next = addr + length
    return addr


def _unmapped(p: Process, addr: int, length: int) -> None:
    p.mem.unmap(addr, length)
    p.file_maps.forget(addr, addr + length)
    if addr < p.mmap_next:
        p.mmap_next = max(addr, layout.MMAP_BASE)


# ---- brk -----------------------------------------------------------------------------------------------
def sys_brk(p: Process, addr: int) -> int:
    """Move the break; like Linux, a request that cannot be met returns the unchanged break."""
    if addr < p.brk_start:
        return p.brk
    old_end, new_end = p.brk_mapped_end, page_align_up(addr)
    if new_end > old_end:
        # keep one free page above the heap, as the kernel keeps a gap to the next mapping
        if new_end + PAGE_SIZE > p.mmap_limit or _any_mapped(p, old_end, new_end - old_end + PAGE_SIZE):
            return p.brk
        p.mem.map(old_end, new_end - old_end, PROT_READ | PROT_WRITE)
    elif new_end < old_end:
        p.mem.unmap(new_end, old_end - new_end)
    p.brk = addr
    return addr


# ---- mmap ----------------------------------------------------------------------------------------------
def _file_bytes(p: Process, fd: int, length: int, offset: int, prot: int, flags: int) -> bytes:
    st = os.fstat(fd)
    access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    if access == os.O_WRONLY or (flags & MAP_TYPE != MAP_PRIVATE and prot & PROT_WRITE and access != os.O_RDWR):
        raise OSError(errno.EACCES, "file not open for reading/writing")
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == DEV_ZERO:
        return b""
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.ENODEV, "cannot map this kind of file")
    if flags & MAP_TYPE != MAP_PRIVATE and prot & PROT_WRITE and log.enabled("unimp"):
        log.write(f"mmap: shared writable mapping of fd {fd} is a private copy (writes stay in memory)\n")
    return os.pread(fd, length, offset)


def do_mmap(p: Process, addr: int, length: int, prot: int, flags: int, fd: int, offset: int) -> int:
    if length == 0 or offset & PAGE_MASK or prot & ~PROT_VALID:
        return -errno.EINVAL
    if flags & MAP_TYPE not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
        return -errno.EINVAL
    size = page_align_up(length)
    if size > layout.TASK_SIZE:
        return -errno.ENOMEM
    data = b"" if flags & MAP_ANONYMOUS else _file_bytes(p, fd, length, offset, prot, flags)
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        if addr & PAGE_MASK:
            return -errno.EINVAL
        if not _in_user_space(addr, size):
            return -errno.ENOMEM if addr >= layout.MIN_ADDR else -errno.EPERM
        if flags & MAP_FIXED_NOREPLACE and _any_mapped(p, addr, size):
            return -errno.EEXIST
    else:
        found = find_range(p, size, addr)
        if found is None:
            return -errno.ENOMEM
        addr = found
    p.mem.map(addr, size, prot & PROT_RWX)
    p.mem.write_raw(addr, data)
    p.file_maps.forget(addr, addr + size)
    if not flags & MAP_ANONYMOUS:
        _name_mapping(p, fd, addr, size, offset)
    return addr


def _name_mapping(p: Process, fd: int, addr: int, size: int, offset: int) -> None:
    """Remember which file backs a new mapping (for /proc/self/maps), by the name the host gives it."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return  # /dev/zero: anonymous memory
    try:
        path = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return
    p.file_maps.add(addr, addr + size, path, offset, st)


def sys_mmap2(p: Process, addr: int, length: int, prot: int, flags: int, fd: int, pgoffset: int) -> int:
    return do_mmap(p, addr, length, prot, flags, fd, pgoffset << 12)


def sys_mmap(p: Process, args: int) -> int:
    """The old mmap: one pointer to six words (addr, length, prot, flags, fd, byte offset)."""
    raw = p.mem.read(args, 24)
    addr, length, prot, flags, fd, offset = (int.from_bytes(raw[i : i + 4], "little") for i in range(0, 24, 4))
    fd = fd - (1 << 32) if fd & 0x80000000 else fd
    return do_mmap(p, addr, length, prot, flags, fd, offset)


def sys_munmap(p: Process, addr: int, length: int) -> int:
    if addr & PAGE_MASK or length == 0 or not _in_user_space(addr, page_align_up(length)):
        return -errno.EINVAL
    _unmapped(p, addr, page_align_up(length))
    return 0


def sys_mprotect(p: Process, addr: int, length: int, prot: int) -> int:
    if addr & PAGE_MASK or prot & ~PROT_VALID:
        return -errno.EINVAL
    size = page_align_up(length)
    if not size:
        return 0
    if not _in_user_space(addr, size) or not _all_mapped(p, addr, size):
        return -errno.ENOMEM
    p.mem.protect(addr, size, prot & PROT_RWX)
    return 0


def _move(p: Process, old: int, old_size: int, new: int, new_size: int) -> None:
    """Move a mapping, page permissions and contents, to ``new``; the grown part is zero."""
    mem = p.mem
    p.file_maps.move(old, old_size, new, new_size)
    keep = min(old_size, new_size)
    data = mem.read_raw(old, keep)
    perms = [mem.perms[pg] & PROT_RWX for pg in range(old >> PAGE_SHIFT, (old + keep) >> PAGE_SHIFT)]
    mem.map(new, new_size, perms[-1])
    mem.write_raw(new, data)
    for i, prot in enumerate(perms):
        mem.protect(new + (i << PAGE_SHIFT), PAGE_SIZE, prot)
    _unmapped(p, old, old_size)


def sys_mremap(p: Process, old: int, old_size: int, new_size: int, flags: int, new_addr: int) -> int:
    if old & PAGE_MASK or flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED) or new_size == 0:
        return -errno.EINVAL
    if flags & MREMAP_FIXED and (not flags & MREMAP_MAYMOVE or new_addr & PAGE_MASK):
        return -errno.EINVAL
    old_size, new_size = page_align_up(old_size), page_align_up(new_size)
    if old_size == 0 or not _in_user_space(old, old_size) or not _all_mapped(p, old, old_size):
        return -errno.EFAULT
    if flags & MREMAP_FIXED:
        if not _in_user_space(new_addr, new_size) or new_addr < old + old_size and old < new_addr + new_size:
            return -errno.EINVAL
        p.mem.unmap(new_addr, new_size)
        _move(p, old, old_size, new_addr, new_size)
        return new_addr
    if new_size <= old_size:
        if new_size < old_size:
            _unmapped(p, old + new_size, old_size - new_size)
        return old
    grow = old + old_size
    if _in_user_space(old, new_size) and not _any_mapped(p, grow, new_size - old_size):
        p.mem.map(grow, new_size - old_size, p.mem.perms[(grow >> PAGE_SHIFT) - 1] & PROT_RWX)
        return old
    if not flags & MREMAP_MAYMOVE:
        return -errno.ENOMEM
    dest = find_range(p, new_size)
    if dest is None:
        return -errno.ENOMEM
    _move(p, old, old_size, dest, new_size)
    return dest


def sys_madvise(p: Process, addr: int, length: int, advice: int) -> int:
    err = _mapped_range(p, addr, length)
    if err:
        return err
    size = page_align_up(length)
    if advice in (MADV_DONTNEED, MADV_FREE, MADV_REMOVE):
        # Private anonymous memory reads back as zero; re-map each run of equal permissions to zero it.
        # (A private file mapping would read the file again under Linux: no mapping list records that yet.)
        mem, pg, end = p.mem, addr >> PAGE_SHIFT, (addr + size) >> PAGE_SHIFT
        while pg < end:
            prot = mem.perms[pg] & PROT_RWX
            run = pg
            while run < end and mem.perms[run] & PROT_RWX == prot:
                run += 1
            mem.map(pg << PAGE_SHIFT, (run - pg) << PAGE_SHIFT, prot)
            pg = run
    return 0


# ---- ARM private -------------------------------------------------------------------------------------
def sys_cacheflush(p: Process, start: int, end: int, flags: int) -> int:
    """Self-modifying or JIT-generated guest code: drop translations of [start, end)."""
    if end < start:
        return -errno.EINVAL
    p.invalidate_code(start, end - start)
    return 0


# ---- locking, residency, syncing -----------------------------------------------------------------------
MS_ASYNC, MS_INVALIDATE, MS_SYNC = 1, 2, 4
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4


def sys_mlock(p: Process, addr: int, length: int) -> int:
    """Guest memory is ordinary host memory: locking is accepted and has no effect."""
    return _mapped_range(p, addr & ~PAGE_MASK, length + (addr & PAGE_MASK))


def sys_munlock(p: Process, addr: int, length: int) -> int:
    return sys_mlock(p, addr, length)


def sys_mlock2(p: Process, addr: int, length: int, flags: int) -> int:
    return -errno.EINVAL if flags & ~1 else sys_mlock(p, addr, length)  # MLOCK_ONFAULT


def sys_mlockall(p: Process, flags: int) -> int:
    if not flags & (MCL_CURRENT | MCL_FUTURE) or flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT):
        return -errno.EINVAL
    return 0


def sys_munlockall(p: Process) -> int:
    return 0


def sys_mincore(p: Process, addr: int, length: int, vec: int) -> int:
    """Every mapped guest page counts as resident."""
    err = _mapped_range(p, addr, length)
    if err:
        return err
    p.mem.write(vec, b"\x01" * (page_align_up(length) >> PAGE_SHIFT))
    return 0


def sys_msync(p: Process, addr: int, length: int, flags: int) -> int:
    if flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) or flags & MS_ASYNC and flags & MS_SYNC:
        return -errno.EINVAL
    return _mapped_range(p, addr, length)
