"""Host C library calls that Python's ``os`` module does not offer (getdents64, utimensat with
UTIME_NOW/UTIME_OMIT, renameat2, statfs, fallocate with a mode), made through ctypes.

Each function raises ``OSError`` with the host errno on failure, like ``os`` does.  Host structure
layouts here are those of the 64-bit Linux hosts jitemu supports (x86-64 and arm64 share them).
"""

from __future__ import annotations

import ctypes
import os
import struct
import time

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
_utimensat, _futimens, _renameat2, _statfs, _fstatfs, _fallocate = map(
    _fn, ("utimensat", "futimens", "renameat2", "statfs", "fstatfs", "fallocate")
)


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
    return HOST_STATFS.unpack_from(buf.raw)


def fallocate(fd: int, mode: int, offset: int, length: int) -> None:
    _check(_fallocate(fd, mode, ctypes.c_int64(offset), ctypes.c_int64(length)))


# ---- waiting for file descriptors ----------------------------------------------------------------------
_poll, _ppoll, _select, _pselect = map(_fn, ("poll", "ppoll", "select", "pselect"))
_epoll_create1, _epoll_ctl, _epoll_wait = map(_fn, ("epoll_create1", "epoll_ctl", "epoll_wait"))
_timerfd_create, _timerfd_settime, _timerfd_gettime = map(_fn, ("timerfd_create", "timerfd_settime", "timerfd_gettime"))

HOST_TIMEVAL = HOST_TIMESPEC  # two 64-bit words on a 64-bit host
HOST_ITIMERSPEC = struct.Struct("<qqqq")
# struct epoll_event: x86-64 packs it (12 bytes), other 64-bit hosts align the 64-bit data (16 bytes)
HOST_EPOLL_EVENT = struct.Struct("<IQ" if os.uname().machine == "x86_64" else "<I4xQ")  # packed on x86-64 only
FD_SETSIZE = 1024
NSEC = 1_000_000_000


def poll(fds: bytes, nfds: int, timeout: tuple[int, int] | int | None) -> tuple[int, bytes]:
    """``fds``: an array of struct pollfd (the same layout everywhere).  ``timeout`` in milliseconds
    (an int, negative: forever) uses poll; a timespec tuple (or None: forever) uses ppoll."""
    buf = ctypes.create_string_buffer(fds, len(fds))
    if isinstance(timeout, int):
        n = _check(_poll(buf, ctypes.c_ulong(nfds), timeout))
    else:
        ts = None if timeout is None else ctypes.create_string_buffer(HOST_TIMESPEC.pack(*timeout))
        n = _check(_ppoll(buf, ctypes.c_ulong(nfds), ts, None))
    return n, buf.raw[: len(fds)]


def select(nfds: int, sets: list[bytes | None], timeout: tuple[int, int] | None, precise: bool) -> tuple:
    """select (timeout a timeval, rewritten with the time left) or pselect (a timespec: ``precise``).
    Each set is a little-endian bitmap (the same bits on a 32-bit guest); returns (n, sets, timeout)."""
    size = FD_SETSIZE // 8
    bufs = [None if s is None else ctypes.create_string_buffer(s.ljust(size, b"\0")[:size], size) for s in sets]
    tbuf = None if timeout is None else ctypes.create_string_buffer(HOST_TIMESPEC.pack(*timeout))
    start, left = time.monotonic_ns(), None
    if precise:  # the C library's pselect keeps the timeout as it was: compute what is left, as Linux does
        n = _check(_pselect(nfds, *bufs, tbuf, None))
        if timeout is not None:
            left = divmod(max(0, timeout[0] * NSEC + timeout[1] - (time.monotonic_ns() - start)), NSEC)
    else:
        n = _check(_select(nfds, *bufs, tbuf))
        left = None if tbuf is None else HOST_TIMESPEC.unpack_from(tbuf.raw)
    return n, [None if b is None else b.raw for b in bufs], left


def epoll_create1(flags: int) -> int:
    return _check(_epoll_create1(flags))


def epoll_ctl(epfd: int, op: int, fd: int, event: tuple[int, int] | None) -> None:
    ev = None if event is None else ctypes.create_string_buffer(HOST_EPOLL_EVENT.pack(*event))
    _check(_epoll_ctl(epfd, op, fd, ev))


def epoll_wait(epfd: int, maxevents: int, timeout_ms: int) -> list[tuple[int, int]]:
    size = HOST_EPOLL_EVENT.size
    buf = ctypes.create_string_buffer(size * max(maxevents, 1))
    n = _check(_epoll_wait(epfd, buf, maxevents, timeout_ms))
    return [HOST_EPOLL_EVENT.unpack_from(buf.raw, i * size) for i in range(n)]


def timerfd_create(clock: int, flags: int) -> int:
    return _check(_timerfd_create(clock, flags))


def timerfd_settime(fd: int, flags: int, new: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    old = ctypes.create_string_buffer(HOST_ITIMERSPEC.size)
    _check(_timerfd_settime(fd, flags, ctypes.create_string_buffer(HOST_ITIMERSPEC.pack(*new)), old))
    return HOST_ITIMERSPEC.unpack_from(old.raw)


def timerfd_gettime(fd: int) -> tuple[int, int, int, int]:
    cur = ctypes.create_string_buffer(HOST_ITIMERSPEC.size)
    _check(_timerfd_gettime(fd, cur))
    return HOST_ITIMERSPEC.unpack_from(cur.raw)


# ---- sockets -------------------------------------------------------------------------------------------
# struct msghdr and struct cmsghdr on a 64-bit host: pointers and size_t are 8 bytes, cmsg data 8-aligned
HOST_MSGHDR = struct.Struct("<QI4xQQQQi4x")
HOST_CMSGHDR = struct.Struct("<Qii")


def call(name: str, *args) -> int:
    """``name(*args)`` from the C library (int result, -1 and errno on failure)."""
    return _check(getattr(_libc, name)(*args))


def buffer(data: bytes | int) -> ctypes.Array:
    """A C buffer holding ``data`` (or that many zero bytes), without the extra NUL ctypes would add."""
    if isinstance(data, int):
        return ctypes.create_string_buffer(max(data, 1))
    return ctypes.create_string_buffer(data, max(len(data), 1))


def address(buf: ctypes.Array) -> int:
    return ctypes.addressof(buf)
