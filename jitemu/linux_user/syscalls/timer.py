"""POSIX per-process timers (timer_create and friends) that raise a signal: real host timers.

The guest's timer is a host kernel timer made with the raw system call (the C library's wrapper hides
the kernel's timer id), so the host delivers its signal with ``si_code`` SI_TIMER, the timer id, the
overrun count and the guest's ``sigev_value``, which ``hostsig`` passes on to the guest.  Kernel timer
ids are per process and start at 0, so the guest sees the ids Linux would give it.  Notification by
signal (SIGEV_SIGNAL, SIGEV_THREAD_ID for our one thread) and SIGEV_NONE are supported; SIGEV_THREAD
is the C library's business (it asks the kernel for SIGEV_THREAD_ID).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from typing import TYPE_CHECKING

from jitemu.linux_user import abi

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID = 0, 1, 4
GUEST_SIGEVENT = struct.Struct("<iiii")  # sigev_value, sigev_signo, sigev_notify, sigev_notify_thread_id

# host system call numbers: timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete
_HOST_NR = {"x86_64": (222, 223, 224, 225, 226), "aarch64": (107, 110, 108, 109, 111)}


class _HostSigevent(ctypes.Structure):
    """The kernel's struct sigevent on a 64-bit host (64 bytes)."""

    _fields_ = [("value", ctypes.c_long), ("signo", ctypes.c_int), ("notify", ctypes.c_int),
                ("tid", ctypes.c_int), ("pad", ctypes.c_int * 11)]  # fmt: skip


class _HostTimespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]


class _HostItimerspec(ctypes.Structure):
    _fields_ = [("interval", _HostTimespec), ("value", _HostTimespec)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _host(call: int, *args: object) -> int:
    nrs = _HOST_NR.get(os.uname().machine)
    if nrs is None:
        return -errno.ENOSYS
    r = _libc.syscall(ctypes.c_long(nrs[call]), *args)
    return -ctypes.get_errno() if r < 0 else r


def sys_timer_create(p: Process, clock: int, usev: int, uid: int) -> int:
    sev = _HostSigevent()
    if usev:
        value, signo, notify, tid = GUEST_SIGEVENT.unpack(p.mem.read(usev, GUEST_SIGEVENT.size))
        if notify == SIGEV_THREAD_ID and tid != p.tid or notify not in (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID):
            return -errno.EINVAL
        sev.value, sev.signo, sev.notify, sev.tid = value, signo, notify, tid
    host_id = ctypes.c_int()
    # no sigevent: the kernel's default, SIGALRM carrying the timer id
    r = _host(0, ctypes.c_int(clock), ctypes.byref(sev) if usev else None, ctypes.byref(host_id))
    if r < 0:
        return r
    p.mem.write(uid, struct.pack("<i", host_id.value))
    return 0


def _pack(ts: struct.Struct, spec: _HostItimerspec) -> bytes:
    return ts.pack(spec.interval.sec, spec.interval.nsec) + ts.pack(spec.value.sec, spec.value.nsec)


def _settime(p: Process, tid: int, flags: int, unew: int, uold: int, ts: struct.Struct) -> int:
    isec, insec = abi.read_timespec(ts, p.mem.read(unew, ts.size))
    vsec, vnsec = abi.read_timespec(ts, p.mem.read(unew + ts.size, ts.size))
    new = _HostItimerspec(_HostTimespec(isec, insec), _HostTimespec(vsec, vnsec))
    old = _HostItimerspec()
    r = _host(1, ctypes.c_int(tid), ctypes.c_int(flags), ctypes.byref(new), ctypes.byref(old))
    if r == 0 and uold:
        p.mem.write(uold, _pack(ts, old))
    return r


def _gettime(p: Process, tid: int, ucur: int, ts: struct.Struct) -> int:
    cur = _HostItimerspec()
    r = _host(2, ctypes.c_int(tid), ctypes.byref(cur))
    if r == 0:
        p.mem.write(ucur, _pack(ts, cur))
    return r


def sys_timer_settime(p: Process, tid: int, flags: int, unew: int, uold: int) -> int:
    return _settime(p, tid, flags, unew, uold, abi.TIMESPEC32)


def sys_timer_settime64(p: Process, tid: int, flags: int, unew: int, uold: int) -> int:
    return _settime(p, tid, flags, unew, uold, abi.TIMESPEC64)


def sys_timer_gettime(p: Process, tid: int, ucur: int) -> int:
    return _gettime(p, tid, ucur, abi.TIMESPEC32)


def sys_timer_gettime64(p: Process, tid: int, ucur: int) -> int:
    return _gettime(p, tid, ucur, abi.TIMESPEC64)


def sys_timer_getoverrun(p: Process, tid: int) -> int:
    return _host(3, ctypes.c_int(tid))


def sys_timer_delete(p: Process, tid: int) -> int:
    return _host(4, ctypes.c_int(tid))
