"""Positioned and bulk file I/O and file sizes: pread64/pwrite64, preadv/pwritev, sendfile,
copy_file_range, splice/tee, truncate, fallocate, fadvise, readahead, flock, the sync family, memfd_create,
close_range.

ARM EABI passes a 64-bit argument in an even/odd register pair, low word first, so some calls have an
unused padding register before the pair (``pad`` in the table); ``abi.join64`` rebuilds the value.
preadv/pwritev instead take the position split in two words wherever they fall.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
from typing import TYPE_CHECKING

from jitemu.linux_user import abi
from jitemu.linux_user.syscalls import host
from jitemu.linux_user.syscalls.fs import MAX_RW_COUNT, accessible_span, host_path, iovecs, read_path, readv_into
from jitemu.linux_user.syscalls.fs import pipe_broken as _pipe_broken
from jitemu.memory import PROT_READ, PROT_WRITE

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process


# ---- positioned I/O ------------------------------------------------------------------------------------
def sys_pread64(p: Process, fd: int, buf: int, count: int, pad: int, lo: int, hi: int) -> int:
    n = accessible_span(p.mem, buf, min(count, MAX_RW_COUNT), PROT_WRITE)
    if count and not n:
        return -errno.EFAULT
    data = os.pread(fd, n, abi.join64(lo, hi))
    p.mem.write(buf, data)
    return len(data)


def sys_pwrite64(p: Process, fd: int, buf: int, count: int, pad: int, lo: int, hi: int) -> int:
    n = accessible_span(p.mem, buf, min(count, MAX_RW_COUNT), PROT_READ)
    if count and not n:
        return -errno.EFAULT
    try:
        return os.pwrite(fd, p.mem.read(buf, n), abi.join64(lo, hi))
    except BrokenPipeError:
        _pipe_broken(p)
        raise


def sys_preadv2(p: Process, fd: int, iov: int, iovcnt: int, lo: int, hi: int, flags: int) -> int:
    pos = abi.join64(lo, hi)
    if pos == -1:  # preadv2's "use the file position"
        return readv_into(p, iovecs(p, iov, iovcnt), lambda bufs: os.readv(fd, bufs))
    return readv_into(p, iovecs(p, iov, iovcnt), lambda bufs: os.preadv(fd, bufs, pos, flags))


def sys_preadv(p: Process, fd: int, iov: int, iovcnt: int, lo: int, hi: int) -> int:
    if abi.join64(lo, hi) < 0:
        return -errno.EINVAL
    return sys_preadv2(p, fd, iov, iovcnt, lo, hi, 0)


def sys_pwritev2(p: Process, fd: int, iov: int, iovcnt: int, lo: int, hi: int, flags: int) -> int:
    data = [p.mem.read(base, length) for base, length in iovecs(p, iov, iovcnt)]
    pos = abi.join64(lo, hi)
    try:
        return os.writev(fd, data) if pos == -1 else os.pwritev(fd, data, pos, flags)
    except BrokenPipeError:
        _pipe_broken(p)
        raise


def sys_pwritev(p: Process, fd: int, iov: int, iovcnt: int, lo: int, hi: int) -> int:
    if abi.join64(lo, hi) < 0:
        return -errno.EINVAL
    return sys_pwritev2(p, fd, iov, iovcnt, lo, hi, 0)


# ---- copying between files -----------------------------------------------------------------------------
def _sendfile(p: Process, out_fd: int, in_fd: int, offset: int, count: int, width: int) -> int:
    if not offset:
        return os.sendfile(out_fd, in_fd, None, count)
    pos = int.from_bytes(p.mem.read(offset, width), "little", signed=True)
    if pos < 0:
        return -errno.EINVAL
    n = os.sendfile(out_fd, in_fd, pos, count)
    p.mem.write(offset, (pos + n).to_bytes(width, "little"))
    return n


def sys_sendfile(p: Process, out_fd: int, in_fd: int, offset: int, count: int) -> int:
    return _sendfile(p, out_fd, in_fd, offset, count, 4)


def sys_sendfile64(p: Process, out_fd: int, in_fd: int, offset: int, count: int) -> int:
    return _sendfile(p, out_fd, in_fd, offset, count, 8)


def _offset_arg(p: Process, addr: int) -> int | None:
    """A loff_t pointer argument: the offset it holds, or None for NULL (use the file position)."""
    return int.from_bytes(p.mem.read(addr, 8), "little", signed=True) if addr else None


def _copy_between(p: Process, off_in: int, off_out: int, copy) -> int:
    """Run ``copy(pos_in, pos_out)`` and advance the offsets the guest passed by what it copied."""
    pos_in, pos_out = _offset_arg(p, off_in), _offset_arg(p, off_out)
    n = copy(pos_in, pos_out)
    for addr, pos in ((off_in, pos_in), (off_out, pos_out)):
        if addr and n > 0:
            p.mem.write(addr, (pos + n).to_bytes(8, "little"))
    return n


def sys_copy_file_range(p: Process, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int,
                        flags: int) -> int:  # fmt: skip
    if flags:
        return -errno.EINVAL
    return _copy_between(p, off_in, off_out, lambda pi, po: os.copy_file_range(fd_in, fd_out, length, pi, po))


def sys_splice(p: Process, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int, flags: int) -> int:
    return _copy_between(p, off_in, off_out, lambda pi, po: os.splice(fd_in, fd_out, length, pi, po, flags))


def sys_tee(p: Process, fd_in: int, fd_out: int, length: int, flags: int) -> int:
    return host.call("tee", fd_in, fd_out, ctypes.c_size_t(length), ctypes.c_uint(flags))


# ---- sizes and allocation ------------------------------------------------------------------------------
def sys_truncate64(p: Process, path: int, pad: int, lo: int, hi: int) -> int:
    os.truncate(host_path(p, read_path(p, path)), abi.join64(lo, hi))
    return 0


def sys_ftruncate64(p: Process, fd: int, pad: int, lo: int, hi: int) -> int:
    os.ftruncate(fd, abi.join64(lo, hi))
    return 0


def sys_truncate(p: Process, path: int, length: int) -> int:
    return sys_truncate64(p, path, 0, length, -1 if length < 0 else 0)


def sys_ftruncate(p: Process, fd: int, length: int) -> int:
    return sys_ftruncate64(p, fd, 0, length, -1 if length < 0 else 0)


def sys_fallocate(p: Process, fd: int, mode: int, off_lo: int, off_hi: int, len_lo: int, len_hi: int) -> int:
    host.fallocate(fd, mode, abi.join64(off_lo, off_hi), abi.join64(len_lo, len_hi))
    return 0


def sys_arm_fadvise64_64(p: Process, fd: int, advice: int, off_lo: int, off_hi: int, len_lo: int,
                         len_hi: int) -> int:  # fmt: skip
    """ARM's order: the advice comes second, so both 64-bit pairs stay register-aligned."""
    os.posix_fadvise(fd, abi.join64(off_lo, off_hi), abi.join64(len_lo, len_hi), advice)
    return 0


def sys_readahead(p: Process, fd: int, pad: int, lo: int, hi: int, count: int) -> int:
    os.posix_fadvise(fd, abi.join64(lo, hi), count, os.POSIX_FADV_WILLNEED)
    return 0


# ---- locks and syncing ---------------------------------------------------------------------------------
def sys_flock(p: Process, fd: int, operation: int) -> int:
    fcntl.flock(fd, operation)
    return 0


def sys_arm_sync_file_range(p: Process, fd: int, flags: int, off_lo: int, off_hi: int, len_lo: int,
                            len_hi: int) -> int:  # fmt: skip
    """ARM's sync_file_range2: the flags come second so that both 64-bit pairs stay register-aligned."""
    host.call("sync_file_range", fd, ctypes.c_int64(abi.join64(off_lo, off_hi)),
              ctypes.c_int64(abi.join64(len_lo, len_hi)), ctypes.c_uint(flags))  # fmt: skip
    return 0


def sys_sync(p: Process) -> int:
    os.sync()
    return 0


def sys_syncfs(p: Process, fd: int) -> int:
    os.fstat(fd)
    os.sync()  # Python has no syncfs: syncing every file system is a superset
    return 0


def sys_fdatasync(p: Process, fd: int) -> int:
    os.fdatasync(fd)
    return 0


# ---- descriptors ---------------------------------------------------------------------------------------
MFD_CLOEXEC, MFD_ALLOW_SEALING = 1, 2


def sys_memfd_create(p: Process, name: int, flags: int) -> int:
    fd = os.memfd_create(p.mem.read_cstring(name, 250), flags)
    if not flags & MFD_CLOEXEC:
        os.set_inheritable(fd, True)
    return fd


CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC = 2, 4


def sys_close_range(p: Process, first: int, last: int, flags: int) -> int:
    if flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) or first > last:
        return -errno.EINVAL
    for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
        if first <= fd <= last:
            try:
                if flags & CLOSE_RANGE_CLOEXEC:
                    os.set_inheritable(fd, False)
                else:
                    os.close(fd)
            except OSError:
                pass  # the directory's own descriptor, already gone
    return 0
