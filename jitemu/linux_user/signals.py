"""Guest signal bookkeeping: the dispositions and mask the guest set, pending signals, default actions.

The guest's ``rt_sigaction``/``rt_sigprocmask`` land here.  Signals the process raises against itself
(``kill``/``tgkill``, faults, undefined instructions, breakpoints) and host signals caught for the guest
(``hostsig``) are queued as ``SigInfo`` and acted on by the run loop (``Process.deliver_signals``) after
the instruction or system call, as the kernel does on return to user mode; ``sigframe`` builds the
handler's stack frame.  Also here: the alternate signal stack and how an interrupted system call ends.

ARM Linux uses the generic signal numbers, the same as the x86 and arm64 hosts jitemu runs on.
"""

from __future__ import annotations

import enum
import errno
import signal as host_signal
import struct
import threading
from dataclasses import dataclass, field

NSIG = 64
SIG_DFL, SIG_IGN = 0, 1
SIGKILL, SIGSTOP = 9, 19
SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGUSR1 = 4, 5, 6, 7, 8, 10
SIGSEGV, SIGPIPE, SIGALRM, SIGCHLD = 11, 13, 14, 17
SYNCHRONOUS = frozenset({SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV})  # raised by the CPU, never by the host

# sa_flags (arch/arm/include/uapi/asm/signal.h)
SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO = 1, 2, 4
SA_RESTORER, SA_ONSTACK, SA_RESTART = 0x04000000, 0x08000000, 0x10000000
SA_NODEFER, SA_RESETHAND = 0x40000000, 0x80000000

# sigaltstack
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
MINSIGSTKSZ = 2048

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2

# si_code values the run loop reports (include/uapi/asm-generic/siginfo.h)
SI_USER, SI_KERNEL, SI_QUEUE, SI_TIMER, SI_TKILL = 0, 0x80, -1, -2, -6
SEGV_MAPERR, SEGV_ACCERR, ILL_ILLOPN, TRAP_BRKPT, BUS_ADRALN = 1, 2, 2, 1, 1
CLD_EXITED = 1
SIGINFO = struct.Struct("<iii116x")  # si_signo, si_errno, si_code, then a union; 128 bytes
assert SIGINFO.size == 128


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
    """``SIGSEGV`` etc.; real-time and unknown signals as digits (as qemu's strace shows them)."""
    if 1 <= sig < 32:
        try:
            return host_signal.Signals(sig).name
        except ValueError:
            return str(sig)
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
    """A signal queued for the process: what the guest's ``siginfo_t``, strace and the death message show.

    Which union members are meaningful follows the kernel: a fault address (``addr``) for the CPU's
    signals, sender pid/uid for kill and friends, plus ``value`` (sigval) for sigqueue and timers,
    ``status`` for SIGCHLD."""

    sig: int
    code: int = SI_USER
    addr: int | None = None  # fault address for SIGSEGV/SIGILL/SIGTRAP/SIGBUS
    pid: int = 0
    uid: int = 0
    value: int | None = None  # sigval (SI_QUEUE, SI_TIMER, real-time signals from the host)
    status: int | None = None  # SIGCHLD: exit status or signal
    errno: int = 0

    def pack(self) -> bytes:
        """The 128-byte ARM ``siginfo_t``."""
        if self.addr is not None:
            tail = struct.pack("<I", self.addr)
        elif self.sig == SIGCHLD and self.status is not None:
            tail = struct.pack("<iIiii", self.pid, self.uid, self.status, 0, 0)
        else:
            tail = struct.pack("<iIi", self.pid, self.uid, self.value or 0)
        return (struct.pack("<iii", self.sig, self.errno, self.code) + tail).ljust(SIGINFO.size, b"\0")

    def describe(self) -> str:
        """The ``--- SIG... {...} ---`` line strace prints."""
        name = signal_name(self.sig)
        if self.addr is not None:
            where = "NULL" if self.addr == 0 else f"0x{self.addr:08x}"
            return f"--- {name} {{si_signo={name}, si_code={self.code}, si_addr={where}}} ---"
        code = {
            SI_USER: "SI_USER",
            SI_TKILL: "SI_TKILL",
            SI_QUEUE: "SI_QUEUE",
            SI_KERNEL: "SI_KERNEL",
            SI_TIMER: "SI_TIMER",
        }.get(self.code, str(self.code))
        val = "" if self.value is None else f", si_sigval={self.value}"
        return f"--- {name} {{si_signo={name}, si_code={code}, si_pid={self.pid}, si_uid={self.uid}{val}}} ---"


class Disposition(enum.Enum):
    DEFAULT = "default"
    IGNORE = "ignore"
    HANDLER = "handler"


@dataclass(slots=True)
class AltStack:
    """The alternate signal stack sigaltstack(2) set (``flags`` is 0 or SS_AUTODISARM while enabled)."""

    sp: int = 0
    size: int = 0
    flags: int = SS_DISABLE

    def on_stack(self, sp: int) -> bool:
        return self.flags != SS_DISABLE and self.sp < sp <= self.sp + self.size

    def status(self, sp: int) -> int:
        """``ss_flags`` as the guest reads it back while running at ``sp``."""
        if self.flags == SS_DISABLE:
            return SS_DISABLE
        return (SS_ONSTACK if self.on_stack(sp) else 0) | self.flags

    def set(self, ss_sp: int, ss_flags: int, ss_size: int, cur_sp: int) -> int:
        """sigaltstack(2)'s new stack; returns 0 or a negative errno."""
        if self.on_stack(cur_sp):
            return -errno.EPERM
        mode = ss_flags & ~SS_AUTODISARM & 0xFFFFFFFF
        if mode not in (0, SS_ONSTACK, SS_DISABLE):
            return -errno.EINVAL
        if mode == SS_DISABLE:
            self.sp, self.size, self.flags = 0, 0, SS_DISABLE
            return 0
        if ss_size < MINSIGSTKSZ:
            return -errno.ENOMEM
        self.sp, self.size, self.flags = ss_sp, ss_size, ss_flags & SS_AUTODISARM
        return 0


@dataclass(slots=True)
class SignalState:
    """One guest thread's signal state: its blocked mask (bit n-1 for signal n), the signals sent to it
    alone (``pending``: tkill/tgkill, faults) and its alternate stack.  The actions and the
    process-directed pending signals (``shared``: kill, host signals, timers) are the same objects in every
    thread of the process (``for_new_thread``); ``lock`` guards ``shared``, which threads take from."""

    actions: dict[int, SigAction] = field(default_factory=dict)
    blocked: int = 0
    pending: list[SigInfo] = field(default_factory=list)
    altstack: AltStack = field(default_factory=AltStack)
    shared: list[SigInfo] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def for_new_thread(self) -> SignalState:
        """clone(CLONE_THREAD): the process's actions and shared pending set, the creating thread's mask,
        nothing pending of its own, no alternate stack (as Linux for CLONE_VM)."""
        return SignalState(self.actions, self.blocked, [], AltStack(), self.shared, self.lock)

    def action(self, sig: int) -> SigAction:
        return self.actions.get(sig) or SigAction()

    def set_action(self, sig: int, act: SigAction) -> None:
        self.actions[sig] = act
        if self.ignored(sig):  # POSIX: setting a signal to be ignored discards its pending instances
            self.discard(lambda info: info.sig == sig)

    def discard(self, drop) -> None:
        """Remove the pending signals (this thread's and the process's) for which ``drop(info)`` holds."""
        with self.lock:
            for queue in (self.pending, self.shared):
                queue[:] = [i for i in queue if not drop(i)]

    def clear_pending(self) -> None:
        """fork: the child starts with nothing pending."""
        self.discard(lambda info: True)

    def disposition(self, sig: int) -> Disposition:
        handler = self.action(sig).handler
        if handler == SIG_DFL:
            return Disposition.DEFAULT
        if handler == SIG_IGN:
            return Disposition.IGNORE
        return Disposition.HANDLER

    def ignored(self, sig: int) -> bool:
        """Would the signal be discarded on delivery (explicitly, or by its default action)?"""
        disp = self.disposition(sig)
        return disp == Disposition.IGNORE or (disp == Disposition.DEFAULT and default_action(sig) == Action.IGNORE)

    def set_blocked(self, mask: int) -> None:
        """SIGKILL and SIGSTOP can never be blocked."""
        self.blocked = mask & ~(1 << (SIGKILL - 1) | 1 << (SIGSTOP - 1)) & (1 << NSIG) - 1

    def is_blocked(self, sig: int) -> bool:
        return bool(self.blocked >> (sig - 1) & 1)

    def queue(self, info: SigInfo) -> None:
        """Queue a signal for this thread; a standard signal already pending is not queued twice (real-time
        ones are)."""
        _enqueue(self.pending, info)

    def queue_shared(self, info: SigInfo) -> None:
        """Queue a signal for the process: whichever thread does not block it takes it."""
        with self.lock:
            _enqueue(self.shared, info)

    def pending_mask(self) -> int:
        """What sigpending(2) starts from: this thread's pending signals and the process's."""
        m = 0
        with self.lock:
            for i in (*self.pending, *self.shared):
                m |= 1 << (i.sig - 1)
        return m

    def shared_mask(self) -> int:
        m = 0
        with self.lock:
            for i in self.shared:
                m |= 1 << (i.sig - 1)
        return m

    def ready(self) -> bool:
        """Is a pending signal not blocked (one a handler or default action would act on now)?"""
        return bool(self.pending_mask() & ~self.blocked)

    def take(self, allowed: int) -> SigInfo | None:
        """Remove and return the pending signal to act on among the ``allowed`` mask: this thread's before
        the process's, and in each synchronous signals first, then the lowest number, oldest first (as the
        kernel's dequeue_signal and next_signal)."""
        with self.lock:
            for queue in (self.pending, self.shared):
                best = None
                for i, info in enumerate(queue):
                    if allowed >> (info.sig - 1) & 1:
                        rank = (info.sig not in SYNCHRONOUS, info.sig)
                        if best is None or rank < best[0]:
                            best = (rank, i)
                if best is not None:
                    return queue.pop(best[1])
        return None

    def take_deliverable(self) -> SigInfo | None:
        """Remove and return the next pending signal that is not blocked."""
        return self.take(~self.blocked)


def _enqueue(queue: list[SigInfo], info: SigInfo) -> None:
    if info.sig < 32 and any(i.sig == info.sig for i in queue):
        return
    queue.append(info)


class Restart(enum.Enum):
    """What an interruptible system call does when a signal handler runs in the middle of it (the kernel's
    -ERESTARTSYS, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK).  With no handler run (the signal
    was ignored or stopped us) every class restarts."""

    SYS = "restart if SA_RESTART"  # read, wait4, futex...
    NOHAND = "EINTR"  # poll, select (and pause, sigsuspend, which syscalls/sig.py implements)
    BLOCK = "EINTR (nanosleep)"  # nanosleep: EINTR, remaining time written


# the system calls a host signal may interrupt while they block, and how each one ends then (the waits for
# signals, sigsuspend, pause and sigtimedwait, take signals themselves and return EINTR as the kernel does)
INTERRUPTIBLE: dict[str, Restart] = {
    # calls that only wait before their side effect: cutting one short never loses or repeats work, except
    # in the few bytecodes between the host call's return and the result reaching the guest (see hostsig)
    **dict.fromkeys(("read", "readv", "pread64", "wait4", "waitid", "futex", "futex_time64", "accept", "accept4",
                     "recv", "recvfrom", "recvmsg", "flock", "fcntl", "fcntl64"), Restart.SYS),
    **dict.fromkeys(("poll", "ppoll", "ppoll_time64", "select",
                     "_newselect", "pselect6", "pselect6_time64", "epoll_wait", "epoll_pwait"), Restart.NOHAND),
    **dict.fromkeys(("nanosleep", "clock_nanosleep", "clock_nanosleep_time64"), Restart.BLOCK),
}  # fmt: skip


def restarts(kind: Restart, handler_flags: int | None) -> bool:
    """Does a call of ``kind`` interrupted by a signal restart?  ``handler_flags``: the sa_flags of the
    handler that runs, or None when no handler runs."""
    if handler_flags is None:
        return True
    return kind is Restart.SYS and bool(handler_flags & SA_RESTART)
