"""Waiting for file descriptors and descriptors that count, tick or watch: poll/ppoll, select/pselect6,
epoll, eventfd, timerfd, inotify.

The host does the waiting.  struct pollfd and fd_set bitmaps have the same bits on ARM and the host;
struct epoll_event (16 bytes on ARM EABI), timeouts and struct itimerspec are converted.  The signal
mask arguments of ppoll, pselect6 and epoll_pwait are not applied: the guest's signals are delivered
between system calls anyway.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from typing import TYPE_CHECKING

from jitemu.linux_user import abi
from jitemu.linux_user.syscalls import host
from jitemu.linux_user.syscalls.fs import host_path, read_path
from jitemu.memory import PROT_WRITE

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

NSEC = 1_000_000_000
RLIMIT_NOFILE_MAX = 1 << 20  # the kernel's cap on nfds


# ---- poll ----------------------------------------------------------------------------------------------
def _poll(p: Process, fds: int, nfds: int, timeout: tuple[int, int] | int | None) -> int:
    if nfds > RLIMIT_NOFILE_MAX:
        return -errno.EINVAL
    size = nfds * abi.POLLFD.size
    p.mem.check_range(fds, size, PROT_WRITE)
    n, out = host.poll(p.mem.read(fds, size), nfds, timeout)
    p.mem.write(fds, out)
    return n


def sys_poll(p: Process, fds: int, nfds: int, timeout_ms: int) -> int:
    return _poll(p, fds, nfds, timeout_ms if timeout_ms >= 0 else -1)


def _timespec(p: Process, addr: int, layout: struct.Struct) -> tuple[int, int] | None:
    if not addr:
        return None
    sec, nsec = layout.unpack(p.mem.read(addr, layout.size))
    if sec < 0 or not 0 <= nsec < NSEC:
        raise OSError(errno.EINVAL, "bad timeout")
    return sec, nsec


def sys_ppoll(p: Process, fds: int, nfds: int, tsp: int, sigmask: int, sigsetsize: int) -> int:
    return _poll(p, fds, nfds, _timespec(p, tsp, abi.TIMESPEC32))


def sys_ppoll_time64(p: Process, fds: int, nfds: int, tsp: int, sigmask: int, sigsetsize: int) -> int:
    return _poll(p, fds, nfds, _timespec(p, tsp, abi.TIMESPEC64))


# ---- select --------------------------------------------------------------------------------------------
def _select(p: Process, n: int, sets: tuple[int, int, int], tsp: int, layout: struct.Struct, precise: bool) -> int:
    if n < 0:
        return -errno.EINVAL
    n = min(n, host.FD_SETSIZE)
    size = (n + 31) // 32 * 4  # the guest's fd_set words are 32-bit
    for addr in sets:
        if addr:
            p.mem.check_range(addr, size, PROT_WRITE)
    timeout = None
    if tsp:
        sec, frac = layout.unpack(p.mem.read(tsp, layout.size))
        if not precise and frac >= 0:  # Linux carries whole seconds out of tv_usec
            sec, frac = sec + frac // 1_000_000, frac % 1_000_000
        if sec < 0 or not 0 <= frac < (NSEC if precise else 1_000_000):
            return -errno.EINVAL
        timeout = (sec, frac)
    count, out, left = host.select(n, [p.mem.read(a, size) if a else None for a in sets], timeout, precise)
    for addr, bits in zip(sets, out, strict=True):
        if addr:
            p.mem.write(addr, bits[:size])
    if tsp:
        p.mem.write(tsp, layout.pack(*left))
    return count


def sys__newselect(p: Process, n: int, inp: int, outp: int, exp: int, tvp: int) -> int:
    return _select(p, n, (inp, outp, exp), tvp, abi.TIMESPEC32, False)


def sys_pselect6(p: Process, n: int, inp: int, outp: int, exp: int, tsp: int, sig: int) -> int:
    return _select(p, n, (inp, outp, exp), tsp, abi.TIMESPEC32, True)


def sys_pselect6_time64(p: Process, n: int, inp: int, outp: int, exp: int, tsp: int, sig: int) -> int:
    return _select(p, n, (inp, outp, exp), tsp, abi.TIMESPEC64, True)


# ---- epoll ---------------------------------------------------------------------------------------------
EPOLL_CTL_DEL = 2
EP_MAX_EVENTS = 0x7FFFFFFF // abi.EPOLL_EVENT.size


def sys_epoll_create1(p: Process, flags: int) -> int:
    return host.epoll_create1(flags)


def sys_epoll_create(p: Process, size: int) -> int:
    return host.epoll_create1(0) if size > 0 else -errno.EINVAL


def sys_epoll_ctl(p: Process, epfd: int, op: int, fd: int, event: int) -> int:
    ev = None
    if op != EPOLL_CTL_DEL or event:
        ev = abi.EPOLL_EVENT.unpack(p.mem.read(event, abi.EPOLL_EVENT.size))
    host.epoll_ctl(epfd, op, fd, ev)
    return 0


def sys_epoll_pwait(p: Process, epfd: int, events: int, maxevents: int, timeout: int, sigmask: int,
                    sigsetsize: int) -> int:  # fmt: skip
    if not 0 < maxevents <= EP_MAX_EVENTS:
        return -errno.EINVAL
    p.mem.check_range(events, maxevents * abi.EPOLL_EVENT.size, PROT_WRITE)
    ready = host.epoll_wait(epfd, maxevents, timeout)
    p.mem.write(events, b"".join(abi.EPOLL_EVENT.pack(*ev) for ev in ready))
    return len(ready)


def sys_epoll_pwait2(p: Process, epfd: int, events: int, maxevents: int, timeout: int, sigmask: int,
                     sigsetsize: int) -> int:  # fmt: skip
    """A struct __kernel_timespec timeout (NULL: forever), rounded up to whole milliseconds."""
    ts = _timespec(p, timeout, abi.TIMESPEC64)
    ms = -1 if ts is None else min(ts[0] * 1000 + (ts[1] + 999_999) // 1_000_000, 0x7FFFFFFF)
    return sys_epoll_pwait(p, epfd, events, maxevents, ms, sigmask, sigsetsize)


def sys_epoll_wait(p: Process, epfd: int, events: int, maxevents: int, timeout: int) -> int:
    return sys_epoll_pwait(p, epfd, events, maxevents, timeout, 0, 0)


# ---- eventfd, timerfd ----------------------------------------------------------------------------------
def sys_eventfd2(p: Process, initval: int, flags: int) -> int:
    """EFD_CLOEXEC, EFD_NONBLOCK and EFD_SEMAPHORE have the same values on ARM and the host."""
    fd = os.eventfd(initval, flags)
    if not flags & abi.O_CLOEXEC:
        os.set_inheritable(fd, True)
    return fd


def sys_eventfd(p: Process, initval: int) -> int:
    return sys_eventfd2(p, initval, 0)


def sys_timerfd_create(p: Process, clock: int, flags: int) -> int:
    return host.timerfd_create(clock, flags)  # TFD_CLOEXEC and TFD_NONBLOCK: the same values too


def _settime(p: Process, fd: int, flags: int, new: int, old: int, layout: struct.Struct) -> int:
    spec = layout.unpack(p.mem.read(new, layout.size))
    if any(ns < 0 or ns >= NSEC for ns in spec[1::2]):
        return -errno.EINVAL
    prev = host.timerfd_settime(fd, flags, spec)
    if old:
        p.mem.write(old, layout.pack(*prev))
    return 0


def _gettime(p: Process, fd: int, cur: int, layout: struct.Struct) -> int:
    p.mem.write(cur, layout.pack(*host.timerfd_gettime(fd)))
    return 0


def sys_timerfd_settime(p: Process, fd: int, flags: int, new: int, old: int) -> int:
    return _settime(p, fd, flags, new, old, abi.ITIMERSPEC32)


def sys_timerfd_settime64(p: Process, fd: int, flags: int, new: int, old: int) -> int:
    return _settime(p, fd, flags, new, old, abi.ITIMERSPEC64)


def sys_timerfd_gettime(p: Process, fd: int, cur: int) -> int:
    return _gettime(p, fd, cur, abi.ITIMERSPEC32)


def sys_timerfd_gettime64(p: Process, fd: int, cur: int) -> int:
    return _gettime(p, fd, cur, abi.ITIMERSPEC64)


# ---- inotify -------------------------------------------------------------------------------------------
def sys_inotify_init1(p: Process, flags: int) -> int:
    """IN_CLOEXEC and IN_NONBLOCK are O_CLOEXEC and O_NONBLOCK; struct inotify_event read from the descriptor
    has the same layout on ARM and the host."""
    return host.call("inotify_init1", flags)


def sys_inotify_init(p: Process) -> int:
    return host.call("inotify_init1", 0)


def sys_inotify_add_watch(p: Process, fd: int, path: int, mask: int) -> int:
    return host.call("inotify_add_watch", fd, host_path(p, read_path(p, path)), ctypes.c_uint32(mask))


def sys_inotify_rm_watch(p: Process, fd: int, wd: int) -> int:
    return host.call("inotify_rm_watch", fd, wd)
