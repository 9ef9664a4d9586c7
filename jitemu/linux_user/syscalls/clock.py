"""Time system calls: clock_gettime/getres (32- and 64-bit time_t), gettimeofday, nanosleep.

ARM and the host share clock ids.  The 32-bit calls store ``struct timespec``/``timeval`` with a 32-bit
``time_t``; the ``*_time64`` calls store ``struct __kernel_timespec``.
"""

from __future__ import annotations

import errno
import struct
import time
from typing import TYPE_CHECKING

from jitemu.linux_user import abi

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

TIMER_ABSTIME = 1
NSEC = 1_000_000_000


def _pack(ts: struct.Struct, ns: int) -> bytes:
    sec, nsec = divmod(ns, NSEC)
    if ts is abi.TIMESPEC32:
        sec = (sec + (1 << 31)) % (1 << 32) - (1 << 31)  # a 32-bit time_t wraps in 2038
    return ts.pack(sec, nsec)


def _gettime(p: Process, clock: int, tp: int, ts: struct.Struct) -> int:
    p.mem.write(tp, _pack(ts, time.clock_gettime_ns(clock)))
    return 0


def _getres(p: Process, clock: int, tp: int, ts: struct.Struct) -> int:
    res = time.clock_getres(clock)
    if tp:
        p.mem.write(tp, _pack(ts, round(res * NSEC)))
    return 0


def sys_clock_gettime(p: Process, clock: int, tp: int) -> int:
    return _gettime(p, clock, tp, abi.TIMESPEC32)


def sys_clock_gettime64(p: Process, clock: int, tp: int) -> int:
    return _gettime(p, clock, tp, abi.TIMESPEC64)


def sys_clock_getres(p: Process, clock: int, tp: int) -> int:
    return _getres(p, clock, tp, abi.TIMESPEC32)


def sys_clock_getres_time64(p: Process, clock: int, tp: int) -> int:
    return _getres(p, clock, tp, abi.TIMESPEC64)


def sys_gettimeofday(p: Process, tv: int, tz: int) -> int:
    if tv:
        sec, nsec = divmod(time.time_ns(), NSEC)
        p.mem.write(tv, abi.TIMESPEC32.pack(sec & 0x7FFFFFFF, nsec // 1000))
    if tz:
        p.mem.write(tz, bytes(8))  # struct timezone: minutes west 0, dst 0 (UTC, as the kernel keeps it)
    return 0


def _sleep(p: Process, clock: int, flags: int, req: int, rem: int, ts: struct.Struct) -> int:
    sec, nsec = ts.unpack(p.mem.read(req, ts.size))
    if sec < 0 or not 0 <= nsec < NSEC:
        return -errno.EINVAL
    duration = sec + nsec / NSEC
    if flags & TIMER_ABSTIME:
        duration -= time.clock_gettime(clock)
    else:
        time.clock_getres(clock)  # EINVAL for a bad clock id
    if duration > 0:
        p.sleep(duration)  # a signal for the guest cuts it short (Process.interrupted writes ``rem``)
    return 0


def sys_nanosleep(p: Process, req: int, rem: int) -> int:
    return _sleep(p, time.CLOCK_MONOTONIC, 0, req, rem, abi.TIMESPEC32)


def sys_clock_nanosleep(p: Process, clock: int, flags: int, req: int, rem: int) -> int:
    return _sleep(p, clock, flags, req, rem, abi.TIMESPEC32)


def sys_clock_nanosleep_time64(p: Process, clock: int, flags: int, req: int, rem: int) -> int:
    return _sleep(p, clock, flags, req, rem, abi.TIMESPEC64)
