"""Futexes: the process's wait queues, keyed by guest address.

A waiter checks the futex word and enqueues under one lock, and a waker dequeues under it, so a wake that
follows a change of the word is never lost.  FUTEX_PRIVATE_FLAG makes no difference: the guest is one
host process, so every futex of the process is in this table.
"""

from __future__ import annotations

import errno
import threading

from jitemu.memory import GuestMemory

FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFF


class _Waiter:
    __slots__ = ("addr", "bitset", "event")

    def __init__(self, addr: int, bitset: int):
        self.addr = addr
        self.bitset = bitset
        self.event = threading.Event()


class FutexTable:
    """The process's futex wait queues (FUTEX_PRIVATE_FLAG or not: one process, one table)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queues: dict[int, list[_Waiter]] = {}

    def wait(self, mem: GuestMemory, addr: int, val: int, bitset: int, timeout: float | None) -> int:
        """FUTEX_WAIT(_BITSET): sleep while ``*addr == val`` until woken (0) or ``timeout`` (-ETIMEDOUT)."""
        with self.lock:
            if mem.load(addr, 4) != val & 0xFFFFFFFF:
                return -errno.EAGAIN
            w = _Waiter(addr, bitset)
            self.queues.setdefault(addr, []).append(w)
        try:
            if w.event.wait(timeout):
                return 0
        except BaseException:
            self._remove(w)  # interrupted (a host signal for the guest): no longer waiting
            raise
        return 0 if self._remove(w) else -errno.ETIMEDOUT

    def _remove(self, w: _Waiter) -> bool:
        """Take ``w`` off its queue; True if it had been woken meanwhile."""
        with self.lock:
            if w.event.is_set():
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
