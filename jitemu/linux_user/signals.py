"""Guest signal bookkeeping: the dispositions and mask the guest set, pending signals, default actions.

The guest's ``rt_sigaction``/``rt_sigprocmask`` land here.  Signals the process raises against itself
(``kill``/``tgkill``, faults, undefined instructions, breakpoints) are queued as ``SigInfo`` and acted
on by the run loop after the instruction or system call, as the kernel does on return to user mode.
Running guest signal handlers (frames, ``sigreturn``) is not implemented yet: ``Disposition.HANDLER``
is recorded and reported, and a signal whose default action is to terminate still terminates.

ARM Linux uses the generic signal numbers, the same as the x86 and arm64 hosts jitemu runs on.
"""

from __future__ import annotations

import enum
import signal as host_signal
from dataclasses import dataclass, field

NSIG = 64
SIG_DFL, SIG_IGN = 0, 1
SIGKILL, SIGSTOP = 9, 19
SIGILL, SIGTRAP, SIGABRT, SIGUSR1, SIGSEGV, SIGPIPE, SIGCHLD = 4, 5, 6, 10, 11, 13, 17

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2

# si_code values the run loop reports (include/uapi/asm-generic/siginfo.h)
SI_USER, SI_TKILL = 0, -6
SEGV_MAPERR, SEGV_ACCERR, ILL_ILLOPN, TRAP_BRKPT = 1, 2, 2, 1


class Action(enum.Enum):
    """What SIG_DFL does with a signal (signal(7))."""

    TERM = "term"
    CORE = "core"
    IGNORE = "ignore"
    STOP = "stop"
    CONT = "cont"


_CORE = {3, 4, 5, 6, 7, 8, 11, 24, 25, 31}  # QUIT ILL TRAP ABRT BUS FPE SEGV XCPU XFSZ SYS
_IGNORE = {17, 23, 28}  # SIGCHLD SIGURG SIGWINCH
_STOP = {19, 20, 21, 22}  # SIGSTOP SIGTSTP SIGTTIN SIGTTOU
_CONT = {18}


def default_action(sig: int) -> Action:
    if sig in _CORE:
        return Action.CORE
    if sig in _IGNORE:
        return Action.IGNORE
    if sig in _STOP:
        return Action.STOP
    if sig in _CONT:
        return Action.CONT
    return Action.TERM


def signal_name(sig: int) -> str:
    """``SIGSEGV`` etc.; real-time signals as ``SIGRTMIN+n``; unknown numbers as digits."""
    if 1 <= sig < 32:
        try:
            return host_signal.Signals(sig).name
        except ValueError:
            return str(sig)
    if 32 <= sig <= NSIG:
        return f"SIGRTMIN+{sig - 32}" if sig > 32 else "SIGRTMIN"
    return str(sig)


def signal_description(sig: int) -> str:
    """The text strsignal(3) gives, as in "uncaught target signal 11 (Segmentation fault)"."""
    if 32 <= sig <= NSIG:
        return f"Real-time signal {sig - 32}"
    return (1 <= sig < 32 and host_signal.strsignal(sig)) or f"Unknown signal {sig}"


@dataclass(slots=True)
class SigAction:
    """A guest ``struct sigaction`` as ARM Linux's rt_sigaction takes it."""

    handler: int = SIG_DFL
    flags: int = 0
    restorer: int = 0
    mask: int = 0


@dataclass(frozen=True, slots=True)
class SigInfo:
    """A signal queued for the process, with what strace and the death message need to know."""

    sig: int
    code: int = SI_USER
    addr: int | None = None  # fault address for SIGSEGV/SIGILL/SIGTRAP/SIGBUS
    pid: int = 0
    uid: int = 0

    def describe(self) -> str:
        """The ``--- SIG... {...} ---`` line strace prints."""
        name = signal_name(self.sig)
        if self.addr is not None:
            where = "NULL" if self.addr == 0 else f"0x{self.addr:08x}"
            return f"--- {name} {{si_signo={name}, si_code={self.code}, si_addr={where}}} ---"
        code = {SI_USER: "SI_USER", SI_TKILL: "SI_TKILL"}.get(self.code, str(self.code))
        return f"--- {name} {{si_signo={name}, si_code={code}, si_pid={self.pid}, si_uid={self.uid}}} ---"


class Disposition(enum.Enum):
    DEFAULT = "default"
    IGNORE = "ignore"
    HANDLER = "handler"


@dataclass(slots=True)
class SignalState:
    """Per-process signal state: actions, the blocked mask (bit n-1 for signal n) and the pending queue."""

    actions: dict[int, SigAction] = field(default_factory=dict)
    blocked: int = 0
    pending: list[SigInfo] = field(default_factory=list)

    def action(self, sig: int) -> SigAction:
        return self.actions.get(sig) or SigAction()

    def set_action(self, sig: int, act: SigAction) -> None:
        self.actions[sig] = act

    def disposition(self, sig: int) -> Disposition:
        handler = self.action(sig).handler
        if handler == SIG_DFL:
            return Disposition.DEFAULT
        if handler == SIG_IGN:
            return Disposition.IGNORE
        return Disposition.HANDLER

    def set_blocked(self, mask: int) -> None:
        """SIGKILL and SIGSTOP can never be blocked."""
        self.blocked = mask & ~(1 << (SIGKILL - 1) | 1 << (SIGSTOP - 1)) & (1 << NSIG) - 1

    def is_blocked(self, sig: int) -> bool:
        return bool(self.blocked >> (sig - 1) & 1)

    def queue(self, info: SigInfo) -> None:
        self.pending.append(info)

    def take_deliverable(self) -> SigInfo | None:
        """Remove and return the first pending signal that is not blocked."""
        for i, info in enumerate(self.pending):
            if not self.is_blocked(info.sig):
                return self.pending.pop(i)
        return None
