"""Futexes: the process's wait queues, keyed by guest address.

A waiter checks the futex word and enqueues under one lock, and a waker dequeues under it, so a wake that
follows a change of the word is never lost.  FUTEX_PRIVATE_FLAG makes no difference: the guest is one
host process, so every futex of the process is in this table.
"""

from __future__ import annotations

import errno
import threading
import time

from jitemu.linux_user.hostsig import SyscallInterrupted
from jitemu.memory import GuestMemory

FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFF


class _Waiter:
    __slots__ = ("addr", "bitset", "event", "woken")

    def __init__(self, addr: int, bitset: int, event: threading.Event):
        self.addr = addr
        self.bitset = bitset
        self.event = event
        self.woken = False


class FutexTable:
    """The process's futex wait queues (FUTEX_PRIVATE_FLAG or not: one process, one table)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queues: dict[int, list[_Waiter]] = {}

    def wait(self, mem: GuestMemory, addr: int, val: int, bitset: int, timeout: float | None, thread) -> int:
        """FUTEX_WAIT(_BITSET): sleep while ``*addr == val`` until woken (0) or ``timeout`` (-ETIMEDOUT).
        ``thread`` (a guest thread: ``wakeup`` event, ``signals``) is interrupted by a signal it can take
        (``SyscallInterrupted``); a host signal's handler may raise it too, in the main thread."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.lock:
            if mem.load(addr, 4) != val & 0xFFFFFFFF:
                return -errno.EAGAIN
            w = _Waiter(addr, bitset, thread.wakeup)
            self.queues.setdefault(addr, []).append(w)
        try:
            while True:
                with self.lock:
                    if w.woken:
                        return 0
                    w.event.clear()  # a wake sets it under the lock, a signal's poke after queueing it
                if thread.signals.ready():
                    raise SyscallInterrupted(0)
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return 0 if self._remove(w) else -errno.ETIMEDOUT
                w.event.wait(left)
        except BaseException:
            if self._remove(w):  # woken after all: the wake is not lost
                return 0
            raise

    def _remove(self, w: _Waiter) -> bool:
        """Take ``w`` off its queue; True if it had been woken meanwhile."""
        with self.lock:
            if w.woken:
                return True
            q = self.queues.get(w.addr, [])
            if w in q:
                q.remove(w)
                if not q:
                    del self.queues[w.addr]
            return False

    def wake(self, addr: int, n: int, bitset: int = FUTEX_BITSET_MATCH_ANY) -> int:
        """Wake up to ``n`` waiters on ``addr`` whose bitset meets ``bitset``; returns how many."""
        with self.lock:
            return self._wake(addr, n, bitset)

    def _wake(self, addr: int, n: int, bitset: int) -> int:
        q = self.queues.get(addr)
        if not q:
            return 0
        woken = 0
        for w in list(q):
            if woken >= n:
                break
            if w.bitset & bitset:
                q.remove(w)
                w.woken = True
                w.event.set()
                woken += 1
        if not q:
            del self.queues[addr]
        return woken

    def requeue(self, mem: GuestMemory, addr: int, addr2: int, nwake: int, nmove: int, cmpval: int | None) -> int:
        """FUTEX_(CMP_)REQUEUE: wake ``nwake`` waiters on ``addr``, move up to ``nmove`` more to ``addr2``."""
        with self.lock:
            if cmpval is not None and mem.load(addr, 4) != cmpval & 0xFFFFFFFF:
                return -errno.EAGAIN
            done = self._wake(addr, nwake, FUTEX_BITSET_MATCH_ANY)
            q = self.queues.get(addr, [])
            moved, rest = q[:nmove], q[nmove:]
            for w in moved:
                w.addr = addr2
            if moved:
                self.queues.setdefault(addr2, []).extend(moved)
                if rest:
                    self.queues[addr] = rest
                else:
                    self.queues.pop(addr, None)
            return done + len(moved)
