"""The emulated process: the state system calls share, and the run loop that turns CPU events into them.

``Process`` owns the guest memory and CPU state after ``load_program`` filled them, plus what the kernel
keeps per process (heap end, mmap search position, signal state, thread id words).  ``Process.run``
drives an ``Engine`` until the guest exits or a signal ends it, and returns an ``Outcome``; what the host
process then does (exit status, dying by the same signal) is ``main``'s business, so tests can run a
guest in-process.
"""

from __future__ import annotations

import errno
import os
import random
import threading
import time
from dataclasses import dataclass

from jitemu import log
from jitemu.events import Event, EventKind
from jitemu.linux_user import layout, sigframe, strace, syscalls
from jitemu.linux_user.cpus import CpuModel
from jitemu.linux_user.futex import FutexTable
from jitemu.linux_user.hostsig import HostSignals, SyscallInterrupted
from jitemu.linux_user.loader import LoadedProgram
from jitemu.linux_user.signals import (
    BUS_ADRALN,
    ILL_ILLOPN,
    INTERRUPTIBLE,
    NSIG,
    SA_NODEFER,
    SA_RESETHAND,
    SEGV_ACCERR,
    SEGV_MAPERR,
    SI_KERNEL,
    SIGBUS,
    SIGILL,
    SIGSEGV,
    SIGTRAP,
    TRAP_BRKPT,
    Action,
    Disposition,
    Restart,
    SigAction,
    SigInfo,
    SignalState,
    default_action,
    restarts,
    signal_name,
)
from jitemu.linux_user.syscall_names import NAMES
from jitemu.linux_user.syscalls import GuestExit
from jitemu.linux_user.syscalls.sig import write_sleep_remaining
from jitemu.linux_user.vmas import initial_file_maps
from jitemu.memory import GuestFault, GuestMemory, page_align_up
from jitemu.state import CPUState

POLL = 0.05  # seconds: how often a wait of the main thread looks for signals other threads sent it


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the guest ended: an exit status, or a terminating signal (``core``: its default action dumps
    core, which is when Linux and qemu print a message)."""

    status: int | None = None
    signal: int | None = None
    core: bool = False
    halted: bool = False  # the engine stopped on request (HALT event), e.g. an instruction limit in tests


class GuestKilled(Exception):
    def __init__(self, info: SigInfo, core: bool):
        super().__init__(f"guest killed by {signal_name(info.sig)}")
        self.info = info
        self.core = core


class Process:
    """One guest process, as its main thread sees it (other threads: ``threads.GuestThread``)."""

    def __init__(
        self,
        mem: GuestMemory,
        state: CPUState,
        program: LoadedProgram,
        *,
        cpu: CpuModel,
        uname_release: str | None = None,
        ld_prefix: str | None = None,
        rng: random.Random | None = None,
    ):
        self.mem = mem
        self.state = state
        self.program = program
        self.exe_path = program.exe_path
        self.cpu = cpu
        self.uname_release = uname_release
        self.ld_prefix = ld_prefix  # -L: the guest's root directory for file lookups
        self.rng = rng  # set by -seed: the guest's randomness is reproducible
        self.pid = os.getpid()
        self.tid = threading.get_native_id()
        self.brk_start = program.brk
        self.brk = program.brk  # the guest's break; pages are mapped up to page_align_up(brk)
        self.mmap_next = layout.MMAP_BASE  # where the next mmap search starts (first fit above MMAP_BASE)
        self.mmap_limit = program.stack_low - layout.STACK_GUARD
        self.signals = SignalState()
        self.host = HostSignals(state)
        self.saved_mask: int | None = None  # the mask to restore after sigsuspend/pause's handler
        sigframe.install_trampolines(mem)
        self.clear_child_tid = 0
        self.robust_list = (0, 0)
        self.futexes = FutexTable()
        self.threads: list = []  # the other guest threads (jitemu.linux_user.threads.GuestThread)
        self.threads_lock = threading.Condition()
        self.file_maps = initial_file_maps(program.exe_path, program.load_bias, program.interp_base, ld_prefix)
        self.vfork_fd: int | None = None  # a vfork child: the pipe end whose closing (exec, exit) frees the parent
        self.exec_options: list[str] = []  # jitemu options an execve of an ARM program passes on (set by main)
        self.engine = None  # the Engine, once run() made it
        self.process = self  # the process of this thread (a GuestThread's is the main thread's Process)
        self.wakeup = threading.Event()  # set when a signal arrives for this thread (see poke)
        self.main_exited = False  # the main thread called exit: it no longer takes signals
        state.r[13] = program.stack.sp
        state.r[15] = program.start & ~1
        state.thumb = program.start & 1

    @property
    def brk_mapped_end(self) -> int:
        return page_align_up(self.brk)

    def random_bytes(self, n: int) -> bytes:
        """Random bytes for the guest: reproducible with -seed, else from the host."""
        return self.rng.randbytes(n) if self.rng is not None else os.urandom(n)

    def invalidate_code(self, addr: int, length: int) -> None:
        if self.engine is not None:
            self.engine.invalidate(addr, length)

    # ---- the run loop --------------------------------------------------------------------------------
    def run(self, engine: str = "interp", **engine_options: object) -> Outcome:
        """Run until the guest ends; ``engine_options`` go to ``jitemu.engine.Engine``."""
        from jitemu.engine import Engine  # noqa: PLC0415 - loading and option checks need no CPU

        self.engine = Engine(self.mem, self.state, engine=engine, **engine_options)
        try:
            while True:
                ev = self.engine.run()
                if ev.kind == EventKind.HALT:
                    return Outcome(halted=True)
                self.handle_event(ev)
                self.deliver_signals()
        except GuestExit as e:
            outcome = Outcome(status=e.status & 0xFF)
        except GuestKilled as k:
            outcome = Outcome(signal=k.info.sig, core=k.core)
        finally:
            self.host.restore()
            self.engine.finish()  # also on an internal error: LLVM must not be working while Python ends
        return outcome

    def handle_event(self, ev: Event) -> None:
        if ev.kind == EventKind.SYSCALL:
            self.syscall()
        elif ev.kind == EventKind.INTERRUPT:
            self.state.exit_request = 0  # the signals that set it are in the host queue already
        elif ev.kind == EventKind.FAULT:
            code = SEGV_ACCERR if self.mem.is_mapped(ev.addr, 1) else SEGV_MAPERR
            self.force_signal(SigInfo(SIGSEGV, code, addr=ev.addr))
        elif ev.kind == EventKind.ALIGN:
            self.force_signal(SigInfo(SIGBUS, BUS_ADRALN, addr=ev.addr))
        elif ev.kind == EventKind.UNDEF:  # the lifter already logged it under -d unimp
            self.force_signal(SigInfo(SIGILL, ILL_ILLOPN, addr=ev.pc))
        elif ev.kind == EventKind.BKPT:
            self.force_signal(SigInfo(SIGTRAP, TRAP_BRKPT, addr=ev.pc))
        else:
            raise AssertionError(f"unexpected engine event {ev}")

    def syscall(self) -> None:
        """Run the system call at the SVC just executed; a blocking one may be cut short by a signal (a host
        signal's handler raises ``SyscallInterrupted`` in the main thread while ``host.blocking`` is set;
        the waits of every thread raise it when ``poke`` wakes them)."""
        restart = INTERRUPTIBLE.get(NAMES.get(self.state.r[7], ""))
        if restart is None:
            syscalls.dispatch(self)
            return
        main = self is self.process
        start = time.monotonic()
        try:
            if main:
                self.host.blocking = True
            syscalls.dispatch(self)
        except SyscallInterrupted:
            self.interrupted(restart, time.monotonic() - start)
        finally:
            if main:
                self.host.blocking = False

    def interrupted(self, restart: Restart, elapsed: float) -> None:
        """A signal arrived while the system call blocked: restart it (pc back on the SVC, arguments
        untouched) or fail it with EINTR, as the handler about to run decides."""
        self.take_host_signals()
        pending = self.signals.pending_mask() & ~self.signals.blocked
        handler_flags = None
        for sig in range(1, NSIG + 1):
            if pending >> (sig - 1) & 1 and self.signals.disposition(sig) == Disposition.HANDLER:
                handler_flags = self.signals.action(sig).flags
                break
        call = self._format_call() if log.enabled("strace") else ""
        if restarts(restart, handler_flags):
            self.state.r[15] -= 2 if self.state.thumb else 4
            result = strace.RESTART_RESULT
        else:
            if restart is Restart.BLOCK:
                write_sleep_remaining(self, NAMES[self.state.r[7]], elapsed)
            self.state.r[0] = -errno.EINTR & 0xFFFFFFFF
            result = strace.format_result(-errno.EINTR)
        if call:
            log.write(f"{call} = {result}\n")

    def _format_call(self) -> str:
        from jitemu.linux_user.syscalls.table import SYSCALLS  # noqa: PLC0415 - the table imports every module

        entry = SYSCALLS[self.state.r[7]]
        raw = [self.state.r[i] for i in range(len(entry.args))]
        return strace.format_call(self.pid, entry.name, entry.args, raw, self.mem)

    def take_host_signals(self) -> None:
        """Move signals the host caught (in the main thread) into the process's pending set."""
        q = self.host.queue
        if not q:
            return
        try:
            while q:
                self.signals.queue_shared(q.popleft())
        except IndexError:  # another thread emptied it meanwhile
            pass
        self.route_signals()

    # ---- signals and threads -------------------------------------------------------------------------
    def all_threads(self) -> list[Process]:
        """The process's live guest threads, the main thread first (not once it called exit)."""
        proc = self.process
        with proc.threads_lock:
            rest = list(proc.threads)
        return rest if proc.main_exited else [proc, *rest]

    def find_thread(self, tid: int) -> Process | None:
        return next((t for t in self.all_threads() if t.tid == tid), None)

    def poke(self) -> None:
        """A signal arrived for this thread: it looks at its pending signals at the next block boundary
        (even in compiled code), or at once if it waits (futex, sigsuspend, sigtimedwait, nanosleep)."""
        self.state.exit_request = 1
        self.wakeup.set()

    def route_signals(self) -> None:
        """For the process-directed pending signals, poke a thread that does not block them, the main
        thread first (as Linux's complete_signal); a signal every thread blocks waits."""
        mask = self.signals.shared_mask()
        for t in self.all_threads() if mask else ():
            if mask & ~t.signals.blocked:
                t.poke()
                mask &= t.signals.blocked
                if not mask:
                    break

    def wait_signal(self, timeout: float | None) -> None:
        """Sleep until a signal may have arrived for this thread, or ``timeout``; the caller checks again.
        Host signals come to the main thread; pokes from other threads are seen within 50 ms."""
        if self.threads:
            timeout = POLL if timeout is None else min(timeout, POLL)
        self.host.wait(timeout)

    def sleep(self, seconds: float) -> None:
        """nanosleep: a deliverable signal cuts it short (``SyscallInterrupted``)."""
        if not self.threads:
            time.sleep(seconds)  # a host signal's handler interrupts it
            return
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.take_host_signals()
            if self.signals.ready():
                raise SyscallInterrupted(0)
            self.wait_signal(left)

    def force_signal(self, info: SigInfo) -> None:
        """A synchronous signal (fault, undefined instruction, breakpoint), delivered at once: if it is
        blocked or ignored, the kernel's force_sig rules make it fatal (the default action)."""
        sigs = self.signals
        if sigs.is_blocked(info.sig) or sigs.disposition(info.sig) == Disposition.IGNORE:
            sigs.set_blocked(sigs.blocked & ~(1 << (info.sig - 1)))
            sigs.set_action(info.sig, SigAction())
        sigs.queue(info)

    def send_self(self, sig: int, code: int, value: int | None = None) -> None:
        """kill aimed at this process: queue the signal for a thread that does not block it (the caller
        takes it after the system call returns if that is itself)."""
        self.signals.queue_shared(SigInfo(sig, code, pid=self.pid, uid=os.getuid(), value=value))
        self.route_signals()

    def send_thread(self, target: Process, sig: int, code: int, value: int | None = None) -> None:
        """tkill/tgkill: queue the signal for the ``target`` thread alone."""
        target.signals.queue(SigInfo(sig, code, pid=self.pid, uid=os.getuid(), value=value))
        target.poke()

    def deliver_signals(self) -> None:
        """Act on every deliverable pending signal, as the kernel does on the way back to user mode:
        default actions, or a handler frame each (the last one pushed runs first)."""
        self.take_host_signals()
        sigs = self.signals
        saved, self.saved_mask = self.saved_mask, None
        while (info := sigs.take_deliverable()) is not None:
            disp = sigs.disposition(info.sig)
            if disp == Disposition.IGNORE:
                continue
            self._trace_signal(info)
            if disp == Disposition.HANDLER:
                self._run_handler(info, sigs.blocked if saved is None else saved)
                saved = None
                continue
            action = default_action(info.sig)
            if action in (Action.TERM, Action.CORE):
                raise GuestKilled(info, action == Action.CORE)
            if action == Action.STOP:
                os.kill(os.getpid(), 19)  # SIGSTOP: stop for real, as the guest asked; SIGCONT resumes us
        if saved is not None:
            sigs.set_blocked(saved)
            self.host.sync(sigs)

    def _run_handler(self, info: SigInfo, oldmask: int) -> None:
        """Push the handler's frame (saving ``oldmask``) and block what the action asks for."""
        sigs = self.signals
        act = sigs.action(info.sig)
        try:
            sigframe.push_frame(self, info, act, oldmask)
        except GuestFault:  # no room for the frame: the kernel's force_sigsegv
            if info.sig == SIGSEGV:
                sigs.set_action(SIGSEGV, SigAction())
            raise GuestKilled(SigInfo(SIGSEGV, SI_KERNEL), core=True) from None
        mask = sigs.blocked | act.mask
        if not act.flags & SA_NODEFER:
            mask |= 1 << (info.sig - 1)
        sigs.set_blocked(mask)
        if act.flags & SA_RESETHAND:
            sigs.set_action(info.sig, SigAction())
        self.host.sync(sigs)

    def sigreturn(self, rt: bool) -> int:
        """sigreturn / rt_sigreturn: back to the interrupted code; a bad frame is a SIGSEGV."""
        try:
            ok = sigframe.pop_frame(self, rt)
        except GuestFault:
            ok = False
        if not ok:
            self.force_signal(SigInfo(SIGSEGV, SI_KERNEL))
        self.host.sync(self.signals)
        return self.state.r[0]

    def _trace_signal(self, info: SigInfo) -> None:
        if log.enabled("strace"):
            log.write(info.describe() + "\n")
