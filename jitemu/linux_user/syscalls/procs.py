"""Processes: fork, vfork, clone without CLONE_VM, wait4/waitid, process groups and sessions.

A guest fork is a host ``os.fork()``: guest memory is a private mapping, so the child gets a copy of it,
of the CPU state and of everything jitemu knows, and carries on in the same run loop.  Guest pids are
host pids, and a child's end is seen by its parent through the host's wait calls: a child that exits
exits with the same status, one killed by a signal dies by the same host signal (``main.finish``).

Known approximations:

- the exit signal of ``clone`` (``flags & CSIGNAL``) is always SIGCHLD, the only one a host fork gives;
- ``vfork`` (and ``clone(CLONE_VM|CLONE_VFORK)``, as posix_spawn uses) is a fork whose parent waits,
  as vfork's does, until the child execs or exits; the child has a copy of the memory, not the same
  memory, so what a vfork child writes is not seen by its parent;
- the JIT's background compiler thread does not survive a host fork: before forking the parent waits
  until the compiler is idle (nothing queued or compiling, so no thread holds a lock the child could
  need) and the child starts a new compiler thread the next time it compiles.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import struct
import sys
import threading
import warnings
from typing import TYPE_CHECKING

from jitemu import log
from jitemu.linux_user import abi
from jitemu.linux_user.hostsig import MANAGED

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

# clone flags (include/uapi/linux/sched.h)
CSIGNAL = 0x000000FF
CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_PIDFD, CLONE_PTRACE, CLONE_VFORK, CLONE_PARENT, CLONE_THREAD = 0x1000, 0x2000, 0x4000, 0x8000, 0x10000
CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID = 0x80000, 0x100000, 0x200000
CLONE_CHILD_SETTID, CLONE_UNTRACED = 0x1000000, 0x800000
# A thread shares memory, files, filesystem data and signal actions (Linux demands VM and SIGHAND with THREAD;
# jitemu's threads share FS and FILES too, being one host process); glibc's pthread_create asks for these.
CLONE_SYSVSEM = 0x40000
_THREAD_NEEDS = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD
_THREAD_FLAGS = (_THREAD_NEEDS | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID
                 | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID)  # fmt: skip
# What a fork can honour; CLONE_VM only together with CLONE_VFORK (the child execs or exits at once).
_FORK_FLAGS = (CSIGNAL | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID
               | CLONE_UNTRACED | CLONE_PTRACE)  # fmt: skip

# wait options (include/uapi/linux/wait.h); the host has the same values
WNOHANG, WUNTRACED, WEXITED, WCONTINUED, WNOWAIT = 1, 2, 4, 8, 0x01000000
WNOTHREAD, WALL, WCLONE = 0x20000000, 0x40000000, 0x80000000
_WAIT4_OPTIONS = WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE
_WAITID_OPTIONS = WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE

# The host's struct rusage (x86-64 and arm64: two struct timeval of 16 bytes, then 14 longs) and the
# SIGCHLD fields of its siginfo_t: signo, errno, code, (pad), pid, uid, status, (pad), utime, stime.
HOST_RUSAGE = struct.Struct("<qqqq14q")
HOST_SIGINFO_SIZE = 128
HOST_SIGCHLD = struct.Struct("<iii4xiIi4xqq")
# The ARM siginfo_t: the same fields with no padding and 32-bit clock_t.
ARM_SIGCHLD = struct.Struct("<iiiiIiii")
ARM_SIGINFO_SIZE = 128
VFORK_FD_MIN = 1000
_SYS_WAITID = {"x86_64": 247, "aarch64": 95}

_libc = ctypes.CDLL(None, use_errno=True)


class _HostRusage:
    """A host struct rusage buffer for wait4/waitid, converted to the ARM layout."""

    def __init__(self):
        self.buf = ctypes.create_string_buffer(HOST_RUSAGE.size)

    def pack_guest(self) -> bytes:
        v = HOST_RUSAGE.unpack(self.buf.raw)
        return abi.pack_rusage(v[0] + v[1] / 1e6, v[2] + v[3] / 1e6, v[4:])


def _check(result: int) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


# ---- fork ----------------------------------------------------------------------------------------------
def _host_fork(p: Process) -> int:
    """``os.fork()`` with the JIT's compiler idle and buffered output written out first."""
    jit = p.engine.jit if p.engine is not None else None
    if jit is not None:
        jit.wait_idle()
    log.flush()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    with warnings.catch_warnings():  # Python 3.12 warns about forking with threads: ours is idle
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        p.pid = os.getpid()
        p.tid = threading.get_native_id()
        p.signals.clear_pending()  # pending signals are not inherited
        _only_thread(p)
        if p.vfork_fd is not None:  # a grandchild must not keep our vfork parent waiting
            os.close(p.vfork_fd)
            p.vfork_fd = None
        if p.engine is not None:
            p.engine.space.after_fork_child()
    return pid


def _only_thread(p: Process) -> None:
    """In a fork child: only the forking thread lives on, as in Linux.  If that is not the main thread,
    it is now Python's main thread, which host signals reach: they interrupt and poke it."""
    proc = p.process
    for t in [proc, *proc.threads]:
        if t is not p and t.engine is not None:
            t.engine.detach()
    proc.threads[:] = [] if p is proc else [p]
    # locks the other threads may have held at the fork stay held in the child: new ones
    proc.threads_lock = threading.Condition()
    proc.signals.lock = p.signals.lock = threading.RLock()
    proc.futexes.lock = threading.Lock()
    proc.host.blocking = False
    if p is not proc:
        proc.main_exited = True  # the forking thread takes the host signals (GuestThread.wait_signal)
        proc.host.retarget(p.state)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, MANAGED)


def _vfork_pipe() -> tuple[int, int]:
    """A close-on-exec pipe whose write end lives far from the descriptors the guest uses."""
    r, w = os.pipe2(os.O_CLOEXEC)
    high = _libc.fcntl(w, 1030, VFORK_FD_MIN)  # F_DUPFD_CLOEXEC; fails if RLIMIT_NOFILE is that low
    if high < 0:
        return r, w
    os.close(w)
    return r, high


def do_fork(p: Process, flags: int = 0, newsp: int = 0, ptid: int = 0, tls: int = 0, ctid: int = 0) -> int:
    """The common part of fork, vfork and clone: return the child's pid in the parent, 0 in the child."""
    if flags & CLONE_VM and not flags & CLONE_VFORK or flags & ~(_FORK_FLAGS | CLONE_VM):
        if log.enabled("unimp"):
            log.write(f"clone flags {flags:#x} not supported\n")
        return -errno.ENOSYS
    vfork = bool(flags & CLONE_VFORK)
    r = w = None
    if vfork:
        r, w = _vfork_pipe()
    pid = _host_fork(p)
    if pid == 0:
        if vfork:
            os.close(r)
            p.vfork_fd = w
        if newsp:
            p.state.r[13] = newsp
        if flags & CLONE_SETTLS:
            p.state.tpidruro = tls
        if flags & CLONE_CHILD_SETTID:
            p.mem.store(ctid, 4, p.tid)
        if flags & CLONE_CHILD_CLEARTID:
            p.clear_child_tid = ctid
        return 0
    if flags & CLONE_PARENT_SETTID:  # in the parent's memory only: the child's copy was made before
        p.mem.store(ptid, 4, pid)
    if vfork:
        os.close(w)
        while True:  # until the child execs or exits (its write end closes)
            try:
                if not os.read(r, 1):
                    break
            except InterruptedError:
                continue
        os.close(r)
    return pid


def sys_fork(p: Process) -> int:
    return do_fork(p)


def sys_vfork(p: Process) -> int:
    return do_fork(p, CLONE_VM | CLONE_VFORK)


def sys_clone(p: Process, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
    """ARM's argument order (CONFIG_CLONE_BACKWARDS): flags, stack, parent tid, tls, child tid."""
    if flags & CLONE_THREAD:
        if flags & _THREAD_NEEDS != _THREAD_NEEDS or flags & ~(_THREAD_FLAGS | CSIGNAL):
            if log.enabled("unimp"):
                log.write(f"clone flags {flags:#x} not supported\n")
            return -errno.EINVAL
        from jitemu.linux_user.threads import start_thread  # noqa: PLC0415 - threads imports process

        return start_thread(p, flags, newsp, ptid, tls, ctid)
    return do_fork(p, flags, newsp, ptid, tls, ctid)


# ---- wait ----------------------------------------------------------------------------------------------
P_ALL, P_PID, P_PGID = 0, 1, 2


def _host_waitid(idtype: int, ident: int, info, options: int, ru) -> int:
    return _check(_libc.syscall(_SYS_WAITID[os.uname().machine], idtype, ident, info, options, ru))


def _block_until_ready(p: Process, idtype: int, ident: int, options: int) -> None:
    """Sleep until a child matching the wait has something to report, without reaping it; then make
    the call uninterruptible.  A host signal may cut the sleep short (the run loop restarts the call or
    fails it with EINTR), but never the reaping wait that follows: a reaped child is never lost."""
    if not options & WNOHANG:
        info = ctypes.create_string_buffer(HOST_SIGINFO_SIZE)
        _host_waitid(idtype, ident, info, options | WNOWAIT, None)
    host = getattr(p, "host", None)
    if host is not None:
        host.blocking = False


def sys_wait4(p: Process, pid: int, status: int, options: int, rusage: int) -> int:
    if options & ~_WAIT4_OPTIONS:
        return -errno.EINVAL
    if pid < -1:
        idtype, ident = P_PGID, -pid
    else:
        idtype, ident = {-1: (P_ALL, 0), 0: (P_PGID, 0)}.get(pid, (P_PID, pid))
    host_status = ctypes.c_int(0)
    ru = _HostRusage()
    while True:
        # wait4's WUNTRACED is waitid's WSTOPPED (the same bit)
        _block_until_ready(p, idtype, ident, options & ~(WNOHANG | WNOWAIT) | WEXITED | options & WNOHANG)
        child = _check(_libc.wait4(pid, ctypes.byref(host_status), options | WNOHANG, ru.buf))
        if child or options & WNOHANG:
            break
    if child > 0:
        if status:
            p.mem.store(status, 4, host_status.value & 0xFFFFFFFF)  # the status word's layout is generic
        if rusage:
            p.mem.write(rusage, ru.pack_guest())
    return child


def sys_waitid(p: Process, idtype: int, ident: int, infop: int, options: int, rusage: int) -> int:
    if options & ~_WAITID_OPTIONS or not options & (WEXITED | WUNTRACED | WCONTINUED):
        return -errno.EINVAL
    info = ctypes.create_string_buffer(HOST_SIGINFO_SIZE)
    ru = _HostRusage()
    while True:
        _block_until_ready(p, idtype, ident, options)
        _host_waitid(idtype, ident, info, options | WNOHANG, ru.buf if rusage else None)
        if HOST_SIGCHLD.unpack_from(info.raw)[3] or options & WNOHANG:  # si_pid: a child reported
            break
    if infop:
        signo, err, code, pid, uid, st, utime, stime = HOST_SIGCHLD.unpack_from(info.raw)
        fields = ARM_SIGCHLD.pack(signo, err, code, pid, uid, st, utime & 0xFFFFFFFF, stime & 0xFFFFFFFF)
        p.mem.write(infop, fields.ljust(ARM_SIGINFO_SIZE, b"\0"))
    if rusage:
        p.mem.write(rusage, ru.pack_guest())
    return 0


# ---- process groups and sessions -----------------------------------------------------------------------
def sys_setpgid(p: Process, pid: int, pgid: int) -> int:
    os.setpgid(pid, pgid)
    return 0


def sys_getpgid(p: Process, pid: int) -> int:
    return os.getpgid(pid)


def sys_getpgrp(p: Process) -> int:
    return os.getpgrp()


def sys_setsid(p: Process) -> int:
    return _check(_libc.setsid())


def sys_getsid(p: Process, pid: int) -> int:
    return os.getsid(pid)
