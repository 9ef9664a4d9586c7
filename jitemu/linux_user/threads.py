"""Guest threads: ``clone(CLONE_VM | CLONE_THREAD | ...)`` runs a guest thread on a host thread; the futexes
they wait on.

Each guest thread has its own ``CPUState`` and ``Engine``; the engines share the process's ``CodeSpace``,
so compiled code serves every thread, and generated code runs without the GIL (ctypes releases it), so
threads run compiled code in parallel.  A thread is represented to the system calls by a ``GuestThread``:
a view of the ``Process`` whose per-thread attributes (``THREAD_OWN``: CPU state, engine, tid, the
clear-child-tid word...) are its own, while everything else (memory, break, mmap bookkeeping, signal
actions, file descriptors) reads and writes the process's, so every system call works unchanged.

Threads wait for each other on futexes (``jitemu.linux_user.futex``).  Guest atomics are atomic between
threads: compiled code uses host atomic instructions, and so does the interpreter (``codegen.hostatomic``).

Process-wide ends: ``exit_group`` (or a fatal signal) in any thread ends the host process at once
(``end_process``); ``exit`` in a thread ends that thread, clearing and waking its clear-child-tid word as
Linux does (that is how ``pthread_join`` learns of it); ``exit`` in the main thread waits for the others.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

from jitemu.events import EventKind
from jitemu.linux_user.hostsig import MANAGED
from jitemu.linux_user.process import POLL, GuestKilled, Outcome, Process
from jitemu.linux_user.signals import SignalState
from jitemu.linux_user.syscalls import GuestExit
from jitemu.state import CPUState

if TYPE_CHECKING:
    from jitemu.engine import Engine

CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID = 0x80000, 0x100000, 0x200000
CLONE_CHILD_SETTID = 0x1000000


# ---- threads --------------------------------------------------------------------------------------------
THREAD_OWN = frozenset({"process", "state", "engine", "tid", "clear_child_tid", "robust_list", "saved_mask",
                        "signals", "wakeup"})  # fmt: skip


class ThreadExit(Exception):
    """Raised by ``exit`` in a thread that is not the last one: only that thread ends."""


class GuestThread(Process):
    """A guest thread other than the main one, as the system calls see it (see the module docstring)."""

    def __init__(self, process: Process, state: CPUState, engine: Engine, signals: SignalState):
        for name, value in (("process", process), ("state", state), ("engine", engine), ("tid", 0),
                            ("clear_child_tid", 0), ("robust_list", (0, 0)), ("saved_mask", None),
                            ("signals", signals), ("wakeup", threading.Event())):  # fmt: skip
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        return getattr(self.process, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name in THREAD_OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self.process, name, value)

    def wait_signal(self, timeout: float | None) -> None:
        if self.process.main_exited:  # host signals may wait in the main thread's queue for anyone to route
            timeout = POLL if timeout is None else min(timeout, POLL)
        self.wakeup.wait(timeout)
        self.wakeup.clear()
        self.take_host_signals()

    def run_thread(self, started: threading.Event, go: threading.Event) -> None:
        self.tid = threading.get_native_id()
        signal.pthread_sigmask(signal.SIG_BLOCK, MANAGED)  # host signals go to the main thread's handlers
        started.set()
        go.wait()
        try:
            while True:
                ev = self.engine.run()
                if ev.kind == EventKind.HALT:
                    break
                self.handle_event(ev)
                self.deliver_signals()
        except ThreadExit:
            pass
        except GuestExit as e:
            end_process(Outcome(status=e.status & 0xFF))
        except GuestKilled as k:
            end_process(Outcome(signal=k.info.sig, core=k.core))
        except BaseException as e:  # noqa: BLE001 - a bug in jitemu: one line, and the process ends
            from jitemu.linux_user.main import internal_error  # noqa: PLC0415

            internal_error(e)
        finally:
            self.thread_gone()

    def thread_gone(self) -> None:
        """Linux's exit for a thread: clear the clear-child-tid word and wake one waiter on it."""
        proc = self.process
        if self.clear_child_tid:
            try:
                self.mem.store(self.clear_child_tid, 4, 0)
                proc.futexes.wake(self.clear_child_tid, 1)
            except Exception:  # noqa: BLE001, S110 - an unmapped word: nothing to clear, as in Linux
                pass
        self.engine.detach()
        with proc.threads_lock:
            proc.threads.remove(self)
            proc.threads_lock.notify_all()


def start_thread(p: Process, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
    """clone() for a thread: a copy of the caller's CPU state returning 0, on its own stack and host
    thread, sharing everything else.  Returns the new thread's id."""
    from jitemu.engine import Engine  # noqa: PLC0415 - the run loop's module

    proc = p.process
    state = CPUState.from_buffer_copy(p.state)
    state.exit_request = state.insn_count = state.block_count = 0
    state.excl_valid = 0
    state.r[0] = 0
    if newsp:
        state.r[13] = newsp
    if flags & CLONE_SETTLS:
        state.tpidruro = tls
    if threading.current_thread() is threading.main_thread():  # only it may (the first clone is its)
        proc.host.catch_all(proc.signals)  # from now on host signals may be for any thread
    t = GuestThread(proc, state, Engine(p.mem, state, space=p.engine.space), p.signals.for_new_thread())
    if flags & CLONE_CHILD_CLEARTID:
        t.clear_child_tid = ctid
    started, go = threading.Event(), threading.Event()
    with proc.threads_lock:
        proc.threads.append(t)
    threading.Thread(target=t.run_thread, args=(started, go), name="jitemu-guest-thread", daemon=True).start()
    started.wait()
    for flag, addr in ((CLONE_PARENT_SETTID, ptid), (CLONE_CHILD_SETTID, ctid)):
        if flags & flag:
            p.mem.store(addr, 4, t.tid)  # before the child runs, as the kernel does
    go.set()
    return t.tid


def wait_for_threads(proc: Process) -> None:
    """``exit`` in the main thread: the process lives on until its other threads are gone; meanwhile the
    host signals the main thread catches go on to them."""
    proc.main_exited = True
    proc.route_signals()
    with proc.threads_lock:
        while proc.threads:
            proc.threads_lock.wait(POLL)
            proc.take_host_signals()


def end_process(outcome: Outcome) -> None:
    """``exit_group`` or a fatal signal in a thread: the whole process ends now, as in Linux."""
    from jitemu.linux_user.main import finish, hard_exit  # noqa: PLC0415

    hard_exit(finish(outcome))
