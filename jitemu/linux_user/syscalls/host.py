"""Host C library calls that Python's ``os`` module does not offer (getdents64, utimensat with
UTIME_NOW/UTIME_OMIT, renameat2, statfs, fallocate with a mode), made through ctypes.

Each function raises ``OSError`` with the host errno on failure, like ``os`` does.  Host structure
layouts here are those of the 64-bit Linux hosts jitemu supports (x86-64 and arm64 share them).
"""

from __future__ import annotations

import ctypes
import os
import struct

_libc = ctypes.CDLL(None, use_errno=True)

HOST_STATFS = struct.Struct("<qqQQQQQiiqqq32x")  # struct statfs with 64-bit longs
HOST_TIMESPEC = struct.Struct("<qq")


def _check(result: int) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def _fn(name: str, restype=ctypes.c_int):
    f = getattr(_libc, name)
    f.restype = restype
    return f


_getdents64 = _fn("getdents64", ctypes.c_ssize_t)
_utimensat = _fn("utimensat")
_futimens = _fn("futimens")
_renameat2 = _fn("renameat2")
_statfs = _fn("statfs")
_fstatfs = _fn("fstatfs")
_fallocate = _fn("fallocate")


def getdents64(fd: int, count: int) -> bytes:
    """Raw ``struct linux_dirent64`` records (the same layout on every architecture)."""
    buf = ctypes.create_string_buffer(count)
    n = _check(_getdents64(fd, buf, ctypes.c_size_t(count)))
    return buf.raw[:n]


def utimensat(dirfd: int, path: bytes | None, times: tuple[tuple[int, int], tuple[int, int]] | None,
              flags: int) -> None:  # fmt: skip
    """``times`` = ((atime sec, nsec), (mtime sec, nsec)), nsec may be UTIME_NOW/UTIME_OMIT; a ``None``
    path changes ``dirfd`` itself (futimens)."""
    raw = None if times is None else ctypes.create_string_buffer(b"".join(HOST_TIMESPEC.pack(*t) for t in times))
    if path is None:
        _check(_futimens(dirfd, raw))
    else:
        _check(_utimensat(dirfd, path, raw, flags))


def renameat2(olddirfd: int, old: bytes, newdirfd: int, new: bytes, flags: int) -> None:
    _check(_renameat2(olddirfd, old, newdirfd, new, ctypes.c_uint(flags)))


def statfs(target: bytes | int) -> tuple:
    """The host ``struct statfs`` fields: type, bsize, blocks, bfree, bavail, files, ffree, fsid[2],
    namelen, frsize, flags."""
    buf = ctypes.create_string_buffer(HOST_STATFS.size)
    _check(_fstatfs(target, buf) if isinstance(target, int) else _statfs(target, buf))
    return HOST_STATFS.unpack(buf.raw)


def fallocate(fd: int, mode: int, offset: int, length: int) -> None:
    _check(_fallocate(fd, mode, ctypes.c_int64(offset), ctypes.c_int64(length)))
