"""The emulated process: the state system calls share, and the run loop that turns CPU events into them.

``Process`` owns the guest memory and CPU state after ``load_program`` filled them, plus what the kernel
keeps per process (heap end, mmap search position, signal state, thread id words).  ``Process.run``
drives an ``Engine`` until the guest exits or a signal ends it, and returns an ``Outcome``; what the host
process then does (exit status, dying by the same signal) is ``main``'s business, so tests can run a
guest in-process.
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass

from jitemu import log
from jitemu.events import Event, EventKind
from jitemu.linux_user import layout, syscalls
from jitemu.linux_user.cpus import CpuModel
from jitemu.linux_user.loader import LoadedProgram
from jitemu.linux_user.signals import (
    ILL_ILLOPN,
    SEGV_ACCERR,
    SEGV_MAPERR,
    SIGILL,
    SIGSEGV,
    SIGTRAP,
    TRAP_BRKPT,
    Action,
    Disposition,
    SigInfo,
    SignalState,
    default_action,
    signal_name,
)
from jitemu.linux_user.syscalls import GuestExit
from jitemu.linux_user.vmas import initial_file_maps
from jitemu.memory import GuestMemory, page_align_up
from jitemu.state import CPUState


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
    """One single-threaded guest process."""

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
        self.clear_child_tid = 0
        self.robust_list = (0, 0)
        self.file_maps = initial_file_maps(program.exe_path, program.load_bias, program.interp_base, ld_prefix)
        self.engine = None  # the Engine, once run() made it
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
            return Outcome(status=e.status & 0xFF)
        except GuestKilled as k:
            return Outcome(signal=k.info.sig, core=k.core)

    def handle_event(self, ev: Event) -> None:
        if ev.kind == EventKind.SYSCALL:
            syscalls.dispatch(self)
        elif ev.kind == EventKind.FAULT:
            code = SEGV_ACCERR if self.mem.is_mapped(ev.addr, 1) else SEGV_MAPERR
            self.force_signal(SigInfo(SIGSEGV, code, addr=ev.addr))
        elif ev.kind == EventKind.UNDEF:  # the lifter already logged it under -d unimp
            self.force_signal(SigInfo(SIGILL, ILL_ILLOPN, addr=ev.pc))
        elif ev.kind == EventKind.BKPT:
            self.force_signal(SigInfo(SIGTRAP, TRAP_BRKPT, addr=ev.pc))
        else:
            raise AssertionError(f"unexpected engine event {ev}")

    def force_signal(self, info: SigInfo) -> None:
        """A synchronous signal (fault, undefined instruction, breakpoint): it cannot be blocked or ignored,
        and since guest handlers do not run yet, it always ends the process."""
        self._trace_signal(info)
        if self.signals.disposition(info.sig) == Disposition.HANDLER and log.enabled("unimp"):
            log.write(f"{signal_name(info.sig)} handler not run: signal delivery is not implemented\n")
        raise GuestKilled(info, default_action(info.sig) == Action.CORE)

    def send_self(self, sig: int, code: int) -> None:
        """kill/tgkill aimed at this process: queue the signal, delivered after the system call returns."""
        self.signals.queue(SigInfo(sig, code, pid=self.pid, uid=os.getuid()))

    def deliver_signals(self) -> None:
        while (info := self.signals.take_deliverable()) is not None:
            disp = self.signals.disposition(info.sig)
            if disp == Disposition.IGNORE:
                continue
            self._trace_signal(info)
            if disp == Disposition.HANDLER:
                if log.enabled("unimp"):
                    log.write(f"{signal_name(info.sig)} handler not run: signal delivery is not implemented\n")
                continue
            action = default_action(info.sig)
            if action in (Action.TERM, Action.CORE):
                raise GuestKilled(info, action == Action.CORE)
            if action == Action.STOP:
                os.kill(os.getpid(), 19)  # SIGSTOP: stop for real, as the guest asked; SIGCONT resumes us

    def _trace_signal(self, info: SigInfo) -> None:
        if log.enabled("strace"):
            log.write(info.describe() + "\n")
