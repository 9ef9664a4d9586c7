"""Signal system calls: the guest's actions and mask are recorded in ``Process.signals``; signals a process
sends itself are queued and acted on after the call returns (``Process.deliver_signals``); signals for
other processes go to the host (ARM and the host share signal numbers).
"""

from __future__ import annotations

import errno
import os
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
    return 0


def _send(p: Process, pid: int, sig: int, code: int) -> int:
    """Send ``sig`` to ``pid``: queued if it is us, else sent by the host (which may signal us as well,
    for a process group: the host's default action then applies, as under qemu-arm)."""
    if not 0 <= sig <= NSIG:
        return -errno.EINVAL
    if pid != p.pid:
        os.kill(pid, sig)
    elif sig:
        p.send_self(sig, code)
    return 0


def sys_kill(p: Process, pid: int, sig: int) -> int:
    return _send(p, pid, sig, SI_USER)


def sys_tgkill(p: Process, tgid: int, tid: int, sig: int) -> int:
    if tgid <= 0 or tid <= 0:
        return -errno.EINVAL
    if tgid == p.pid and tid != p.tid:
        return -errno.ESRCH  # we have a single thread
    return _send(p, p.pid if tid == p.tid else tid, sig, SI_TKILL)


def sys_tkill(p: Process, tid: int, sig: int) -> int:
    if tid <= 0:
        return -errno.EINVAL
    return _send(p, p.pid if tid == p.tid else tid, sig, SI_TKILL)
