"""Signal system calls: the guest's actions and mask are recorded in ``Process.signals`` (and mirrored on
the host by ``Process.host``); signals a process sends itself are queued and acted on after the call
returns (``Process.deliver_signals``); signals for other processes go to the host (ARM and the host share
signal numbers).  Also the waits for signals (sigsuspend, pause, sigtimedwait), sigreturn, sigaltstack
and the interval timers that raise them (setitimer/getitimer go to the host's timers).
"""

from __future__ import annotations

import errno
import os
import signal
import struct
import time
from typing import TYPE_CHECKING

from jitemu.linux_user import abi
from jitemu.linux_user.signals import (
    NSIG,
    SI_TKILL,
    SI_USER,
    SIG_BLOCK,
    SIG_SETMASK,
    SIG_UNBLOCK,
    SIGKILL,
    SIGSTOP,
    SigAction,
)

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

SIGSET_SIZE = 8


def sys_rt_sigaction(p: Process, sig: int, act: int, oact: int, sigsetsize: int) -> int:
    if sigsetsize != SIGSET_SIZE or not 1 <= sig <= NSIG:
        return -errno.EINVAL
    new = None
    if act:
        new = SigAction(*abi.SIGACTION.unpack(p.mem.read(act, abi.SIGACTION.size)))
        if sig in (SIGKILL, SIGSTOP):
            return -errno.EINVAL
    if oact:
        old = p.signals.action(sig)
        p.mem.write(oact, abi.SIGACTION.pack(old.handler, old.flags, old.restorer, old.mask))
    if new is not None:
        p.signals.set_action(sig, new)
        p.host.sync(p.signals)
    return 0


def sys_rt_sigprocmask(p: Process, how: int, nset: int, oset: int, sigsetsize: int) -> int:
    if sigsetsize != SIGSET_SIZE:
        return -errno.EINVAL
    old = p.signals.blocked
    if nset:
        mask = int.from_bytes(p.mem.read(nset, SIGSET_SIZE), "little")
        if how == SIG_BLOCK:
            mask |= old
        elif how == SIG_UNBLOCK:
            mask = old & ~mask
        elif how != SIG_SETMASK:
            return -errno.EINVAL
    if oset:
        p.mem.write(oset, old.to_bytes(SIGSET_SIZE, "little"))
    if nset:
        p.signals.set_blocked(mask)
        p.host.sync(p.signals)
        p.route_signals()  # a process-directed signal this thread now blocks may go to another
    return 0


def _send(p: Process, pid: int, sig: int, code: int, value: int | None = None) -> int:
    """Send ``sig`` to ``pid``: queued if it is us, else sent by the host (which may signal us as well,
    for a process group: the host's default action then applies, as under qemu-arm)."""
    if not 0 <= sig <= NSIG:
        return -errno.EINVAL
    if pid != p.pid:
        os.kill(pid, sig)
    elif sig:
        p.send_self(sig, code, value)
    return 0


def sys_kill(p: Process, pid: int, sig: int) -> int:
    return _send(p, pid, sig, SI_USER)


def _send_thread(p: Process, tgid: int | None, tid: int, sig: int, code: int, value: int | None = None) -> int:
    """Send ``sig`` to thread ``tid`` (of process ``tgid`` unless None): queued for that thread if it is
    one of ours, else sent by the host."""
    if not 0 <= sig <= NSIG:
        return -errno.EINVAL
    target = p.find_thread(tid)
    if target is None:
        return -errno.ESRCH if tgid == p.pid else _send(p, tid, sig, code, value)
    if tgid not in (None, p.pid):
        return -errno.ESRCH
    if sig:
        p.send_thread(target, sig, code, value)
    return 0


def sys_tgkill(p: Process, tgid: int, tid: int, sig: int) -> int:
    if tgid <= 0 or tid <= 0:
        return -errno.EINVAL
    return _send_thread(p, tgid, tid, sig, SI_TKILL)


def sys_tkill(p: Process, tid: int, sig: int) -> int:
    if tid <= 0:
        return -errno.EINVAL
    return _send_thread(p, None, tid, sig, SI_TKILL)


def _read_queueinfo(p: Process, tgid: int, uinfo: int) -> tuple[int, int] | int:
    """sigqueueinfo's si_code and sigval, or -EPERM: only the kernel may claim SI_USER or kernel codes
    when signalling another process."""
    _, _, code, _pid, _uid, value = struct.unpack("<iiiiIi", p.mem.read(uinfo, 24))
    if code >= 0 and tgid != p.pid:
        return -errno.EPERM
    return code, value


def sys_rt_sigqueueinfo(p: Process, tgid: int, sig: int, uinfo: int) -> int:
    info = _read_queueinfo(p, tgid, uinfo)
    return info if isinstance(info, int) else _send(p, tgid, sig, *info)


def sys_rt_tgsigqueueinfo(p: Process, tgid: int, tid: int, sig: int, uinfo: int) -> int:
    info = _read_queueinfo(p, tgid, uinfo)
    return info if isinstance(info, int) else _send_thread(p, tgid, tid, sig, *info)


def _read_sigset(p: Process, addr: int, sigsetsize: int) -> int:
    if sigsetsize != SIGSET_SIZE:
        raise OverflowError  # -EINVAL
    return int.from_bytes(p.mem.read(addr, SIGSET_SIZE), "little")


def sys_rt_sigpending(p: Process, uset: int, sigsetsize: int) -> int:
    if sigsetsize > SIGSET_SIZE:
        return -errno.EINVAL
    p.take_host_signals()
    pending = p.signals.pending_mask() & p.signals.blocked
    p.mem.write(uset, pending.to_bytes(SIGSET_SIZE, "little")[:sigsetsize])
    return 0


def _wait_for_handler(p: Process, mask: int) -> int:
    """sigsuspend/pause: run with ``mask`` until a signal that is not ignored is pending, then return
    -EINTR; the handler frame saves the mask from before the call (``Process.saved_mask``)."""
    sigs = p.signals
    p.saved_mask = sigs.blocked
    sigs.set_blocked(mask)
    p.host.sync(sigs)
    p.route_signals()
    while True:
        p.take_host_signals()
        # ignored ones are discarded, and the wait goes on
        sigs.discard(lambda info: not sigs.is_blocked(info.sig) and sigs.ignored(info.sig))
        if sigs.ready():
            return -errno.EINTR
        p.wait_signal(None)


def sys_rt_sigsuspend(p: Process, uset: int, sigsetsize: int) -> int:
    return _wait_for_handler(p, _read_sigset(p, uset, sigsetsize))


def sys_sigsuspend(p: Process, _unused1: int, _unused2: int, mask: int) -> int:
    return _wait_for_handler(p, mask | (p.signals.blocked >> 32 << 32))


def sys_pause(p: Process) -> int:
    return _wait_for_handler(p, p.signals.blocked)


def _sigtimedwait(p: Process, uset: int, uinfo: int, uts: int, sigsetsize: int, ts: struct.Struct) -> int:
    want = _read_sigset(p, uset, sigsetsize) & ~(1 << (SIGKILL - 1) | 1 << (SIGSTOP - 1))
    deadline = None
    if uts:
        sec, nsec = abi.read_timespec(ts, p.mem.read(uts, ts.size))
        if sec < 0 or not 0 <= nsec < 1_000_000_000:
            return -errno.EINVAL
        deadline = time.monotonic() + sec + nsec / 1e9
    sigs = p.signals
    blocked = sigs.blocked
    sigs.blocked &= ~want  # while it waits, the thread takes these (Linux's real_blocked)
    p.route_signals()
    try:
        while True:
            p.take_host_signals()
            info = sigs.take(want)
            if info is not None:
                if uinfo:
                    p.mem.write(uinfo, info.pack())
                return info.sig
            if sigs.pending_mask() & ~blocked & ~want:
                return -errno.EINTR  # another signal is delivered instead
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return -errno.EAGAIN
            p.wait_signal(remaining)
    finally:
        sigs.blocked = blocked


def sys_rt_sigtimedwait(p: Process, uset: int, uinfo: int, uts: int, sigsetsize: int) -> int:
    return _sigtimedwait(p, uset, uinfo, uts, sigsetsize, abi.TIMESPEC32)


def sys_rt_sigtimedwait_time64(p: Process, uset: int, uinfo: int, uts: int, sigsetsize: int) -> int:
    return _sigtimedwait(p, uset, uinfo, uts, sigsetsize, abi.TIMESPEC64)


def sys_sigreturn(p: Process) -> int:
    return p.sigreturn(rt=False)


def sys_rt_sigreturn(p: Process) -> int:
    return p.sigreturn(rt=True)


STACK_T = struct.Struct("<IiI")  # ss_sp, ss_flags, ss_size


def sys_sigaltstack(p: Process, uss: int, uoss: int) -> int:
    alt = p.signals.altstack
    sp = p.state.r[13]
    new = STACK_T.unpack(p.mem.read(uss, STACK_T.size)) if uss else None
    if uoss:
        p.mem.write(uoss, STACK_T.pack(alt.sp, alt.status(sp), alt.size))
    if new is not None:
        ss_sp, ss_flags, ss_size = new
        return alt.set(ss_sp, ss_flags & 0xFFFFFFFF, ss_size, sp)
    return 0


ITIMERVAL = struct.Struct("<iiii")  # it_interval {tv_sec, tv_usec}, it_value {tv_sec, tv_usec}
ITIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)


def _itimerval(value: float, interval: float) -> bytes:
    def tv(x: float) -> tuple[int, int]:
        us = round(x * 1_000_000)
        return us // 1_000_000, us % 1_000_000

    return ITIMERVAL.pack(*tv(interval), *tv(value))


def sys_setitimer(p: Process, which: int, unew: int, uold: int) -> int:
    if which not in ITIMERS:
        return -errno.EINVAL
    isec, iusec, vsec, vusec = ITIMERVAL.unpack(p.mem.read(unew, ITIMERVAL.size)) if unew else (0, 0, 0, 0)
    if not (0 <= iusec < 1_000_000 and 0 <= vusec < 1_000_000) or isec < 0 or vsec < 0:
        return -errno.EINVAL
    old = signal.setitimer(which, vsec + vusec / 1e6, isec + iusec / 1e6)
    if uold:
        p.mem.write(uold, _itimerval(*old))
    return 0


def sys_getitimer(p: Process, which: int, ucur: int) -> int:
    if which not in ITIMERS:
        return -errno.EINVAL
    p.mem.write(ucur, _itimerval(*signal.getitimer(which)))
    return 0


def write_sleep_remaining(p: Process, name: str, elapsed: float) -> None:
    """A sleep cut short by a signal handler: store the time left where nanosleep/clock_nanosleep ask
    (never for an absolute clock_nanosleep)."""
    r = p.state.r
    if name == "nanosleep":
        req, rem, ts = r[0], r[1], abi.TIMESPEC32
    else:
        if r[1] & 1:  # TIMER_ABSTIME
            return
        req, rem, ts = r[2], r[3], abi.TIMESPEC64 if name.endswith("time64") else abi.TIMESPEC32
    if not rem:
        return
    sec, nsec = abi.read_timespec(ts, p.mem.read(req, ts.size))
    left = max(0, sec * 1_000_000_000 + nsec - round(elapsed * 1e9))
    p.mem.write(rem, ts.pack(*divmod(left, 1_000_000_000)))
