"""Host signals for the guest: which host signals jitemu catches, and how a caught one reaches the guest.

The host disposition of each signal mirrors the guest's (``HostSignals.sync``, after every change to
the guest's actions or mask): a signal the guest handles or blocks is *caught*, one it ignores is
ignored on the host, and one left at its default gets the host's original disposition back (so a
default "terminate" ends jitemu exactly as it would end the program).  The CPU's own signals (SIGSEGV,
SIGILL, SIGTRAP, SIGBUS, SIGFPE), SIGKILL/SIGSTOP, SIGPIPE (jitemu sees EPIPE and raises it itself) and
the two signals the host C library reserves (32, 33) are never touched.

A caught signal goes two ways at once:

1. **A C-level handler** (``_NativeHandler``, a few lines of LLVM IR compiled with llvmlite's MCJIT)
   runs in the signal context: it stores the host ``siginfo`` fields (si_code, si_pid, si_uid, si_value)
   in a table, stores 1 into ``CPUState.exit_request`` and chains to Python's own C handler.  Generated
   code tests ``exit_request`` at every block exit and returns to the run loop, and the interpreter loop
   tests it at block boundaries (``EventKind.INTERRUPT``), so a guest spinning in compiled code stops at
   the next branch.  A Python-level handler alone could not do this: it only runs between bytecodes,
   never while a ctypes call into generated code is looping.
2. **The Python-level handler** (``_on_signal``), which Python runs in the main thread between bytecodes,
   queues a ``SigInfo`` for the run loop; if a blocking system call is running (``blocking`` is set
   around it by the run loop) it raises ``SyscallInterrupted`` out of it, which is how ``read`` on a pipe,
   ``nanosleep`` or ``wait4`` end early (Python itself retries system calls on EINTR unless a handler
   raises).  A signal whose Python handler runs just after the host call returned but before the
   result reached the guest still interrupts the call (a read's data would be lost); writes are therefore
   never interrupted, and the window is a few bytecodes.

Python's ``signal.signal`` re-installs its own C handler, so ``_NativeHandler.wrap`` runs after each
change.  Waits that jitemu implements itself (sigsuspend, pause, sigtimedwait) block the caught signals
and take them with ``sigtimedwait`` (``wait``), so none is lost between the check and the sleep.
"""

from __future__ import annotations

import ctypes
import signal
import struct
from collections import deque

from jitemu.linux_user.signals import (
    NSIG,
    SIGCHLD,
    SIGKILL,
    SIGPIPE,
    SIGSTOP,
    SYNCHRONOUS,
    Disposition,
    SigInfo,
    SignalState,
)
from jitemu.state import CPUState

MANAGED = tuple(s for s in range(1, NSIG + 1) if s not in SYNCHRONOUS and s not in (SIGKILL, SIGSTOP, SIGPIPE, 32, 33))
SA_SIGINFO = 4  # the host's (x86-64 and arm64 Linux agree)
_CATCH = "catch"


class SyscallInterrupted(Exception):
    """A caught host signal arrived while a blocking system call was running."""

    def __init__(self, sig: int):
        super().__init__(f"interrupted by signal {sig}")
        self.sig = sig


class HostSignals:
    """The host side of the guest's signals for one process (main thread only, as Python's handlers)."""

    def __init__(self, state: CPUState):
        self.state = state
        self.queue: deque[SigInfo] = deque()  # caught, not yet handed to the guest's SignalState
        self.blocking = False
        self._original: dict[int, object] = {}
        self._current: dict[int, object] = {}
        self._native: _NativeHandler | None = None
        self._catch_all = False

    def retarget(self, state: CPUState) -> None:
        """Caught signals now stop the thread running on ``state`` (a fork by a thread other than main)."""
        self.state = state
        if self._native is not None:
            self._native.retarget(state)

    def catch_all(self, sigs: SignalState) -> None:
        """The process gets a second thread: from now on every managed signal is caught, whatever the
        guest's action (only the main thread can change host dispositions, and any thread may change the
        guest's); the run loop then applies the guest's action, default ones included."""
        self._catch_all = True
        self.sync(sigs)

    @property
    def caught(self) -> set[int]:
        return {s for s, d in self._current.items() if d == _CATCH}

    def sync(self, sigs: SignalState) -> None:
        """Make the host dispositions follow the guest's actions and mask."""
        held = sigs.blocked | sigs.pending_mask()
        for sig in MANAGED:
            disp = sigs.disposition(sig)
            if disp == Disposition.IGNORE and (sig == SIGCHLD or not self._catch_all):  # SIG_IGN reaps children
                want: object = signal.SIG_IGN
            elif disp == Disposition.HANDLER or held >> (sig - 1) & 1 or self._catch_all:
                want = _CATCH
            else:
                want = self._original.get(sig)
                if want is None:
                    continue  # never changed: nothing to restore
            if self._current.get(sig, self._original.get(sig)) == want:
                continue
            if sig not in self._original:
                self._original[sig] = signal.getsignal(sig)
                if want == self._original[sig]:
                    continue
            self._set(sig, want)

    def _set(self, sig: int, want: object) -> None:
        try:
            signal.signal(sig, self._on_signal if want == _CATCH else want)
        except (OSError, ValueError, RuntimeError):
            return  # not settable on this host (or not in the main thread): the host default stays
        self._current[sig] = want
        if want == _CATCH:
            if self._native is None:
                self._native = _NativeHandler(self.state)
            self._native.wrap(sig)

    def restore(self) -> None:
        """Put back every disposition jitemu changed (the guest ended)."""
        for sig, orig in self._original.items():
            try:
                signal.signal(sig, orig if orig is not None else signal.SIG_DFL)
            except (OSError, ValueError, RuntimeError, TypeError):
                pass
        self._current.clear()

    def _on_signal(self, sig: int, _frame: object) -> None:
        self.state.exit_request = 1
        self.queue.append(self._info(sig))
        if self.blocking:
            self.blocking = False
            raise SyscallInterrupted(sig)

    def _info(self, sig: int, fields: tuple[int, int, int, int] | None = None) -> SigInfo:
        if fields is None:
            fields = self._native.info(sig) if self._native is not None else (0, 0, 0, 0)
        code, pid, uid, value = fields
        if sig == SIGCHLD and code > 0:
            return SigInfo(sig, code, pid=pid, uid=uid, status=value)
        return SigInfo(sig, code, pid=pid, uid=uid, value=value if code < 0 else None)

    def wait(self, timeout: float | None) -> None:
        """Sleep until a caught signal arrives (it is queued) or ``timeout`` seconds pass.  The caller
        checks the queue first; signals are blocked from that check on, so none slips past."""
        caught = self.caught
        if not caught:
            if timeout is None:
                signal.pause()
            else:
                signal.sigtimedwait(set(), timeout)
            return
        old = signal.pthread_sigmask(signal.SIG_BLOCK, caught)
        try:
            _let_handlers_run()
            if self.queue:
                return
            if timeout is None:
                si = signal.sigwaitinfo(caught)
            else:
                si = signal.sigtimedwait(caught, max(timeout, 0.0))
            if si is not None:
                self.queue.append(self._info(si.si_signo, (si.si_code, si.si_pid, si.si_uid, si.si_status)))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _let_handlers_run() -> None:
    """Python runs pending signal handlers when a function starts: an empty call is enough."""


class _Sigaction(ctypes.Structure):
    """The host C library's ``struct sigaction`` (glibc, x86-64 and arm64)."""

    _fields_ = [
        ("handler", ctypes.c_void_p),
        ("mask", ctypes.c_ulong * 16),
        ("flags", ctypes.c_int),
        ("restorer", ctypes.c_void_p),
    ]


# The handler: void h(int sig, siginfo_t *si, void *uc).  Host siginfo_t (64-bit Linux): si_code at 8,
# the union at 16: si_pid (or si_tid), si_uid (or si_overrun), then si_value / si_status at 24.
_HANDLER_IR = """
@exit_request = global i32* null
@prev = global [{n} x void (i32, i8*, i8*)*] zeroinitializer
@info = global [{n} x [4 x i32]] zeroinitializer

define void @jitemu_host_signal(i32 %sig, i8* %si, i8* %uc) {{
entry:
  %req = load i32*, i32** @exit_request
  store atomic i32 1, i32* %req release, align 4
  %idx = sext i32 %sig to i64
  %words = bitcast i8* %si to i32*
  %pcode = getelementptr i32, i32* %words, i64 2
  %code = load i32, i32* %pcode
  %ppid = getelementptr i32, i32* %words, i64 4
  %pid = load i32, i32* %ppid
  %puid = getelementptr i32, i32* %words, i64 5
  %uid = load i32, i32* %puid
  %pval = getelementptr i32, i32* %words, i64 6
  %val = load i32, i32* %pval
  %d0 = getelementptr [{n} x [4 x i32]], [{n} x [4 x i32]]* @info, i64 0, i64 %idx, i64 0
  store i32 %code, i32* %d0
  %d1 = getelementptr [{n} x [4 x i32]], [{n} x [4 x i32]]* @info, i64 0, i64 %idx, i64 1
  store i32 %pid, i32* %d1
  %d2 = getelementptr [{n} x [4 x i32]], [{n} x [4 x i32]]* @info, i64 0, i64 %idx, i64 2
  store i32 %uid, i32* %d2
  %d3 = getelementptr [{n} x [4 x i32]], [{n} x [4 x i32]]* @info, i64 0, i64 %idx, i64 3
  store i32 %val, i32* %d3
  %pp = getelementptr [{n} x void (i32, i8*, i8*)*], [{n} x void (i32, i8*, i8*)*]* @prev, i64 0, i64 %idx
  %p = load void (i32, i8*, i8*)*, void (i32, i8*, i8*)** %pp
  %none = icmp eq void (i32, i8*, i8*)* %p, null
  br i1 %none, label %done, label %chain
chain:
  call void %p(i32 %sig, i8* %si, i8* %uc)
  br label %done
done:
  ret void
}}
"""


class _NativeHandler:
    """The compiled C-level handler and its tables (see the module docstring)."""

    def __init__(self, state: CPUState):
        from llvmlite import binding as llvm  # noqa: PLC0415 - LLVM loads only when a signal is caught

        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        tm = llvm.Target.from_default_triple().create_target_machine(jit=True)
        mod = llvm.parse_assembly(_HANDLER_IR.format(n=NSIG + 1))
        mod.triple = llvm.get_process_triple()
        mod.verify()
        self._ee = llvm.create_mcjit_compiler(mod, tm)
        self._ee.finalize_object()
        self.handler = self._ee.get_function_address("jitemu_host_signal")
        self.retarget(state)
        self._prev = (ctypes.c_void_p * (NSIG + 1)).from_address(self._ee.get_global_value_address("prev"))
        self._info = (ctypes.c_int32 * (4 * (NSIG + 1))).from_address(self._ee.get_global_value_address("info"))
        self._libc = ctypes.CDLL(None, use_errno=True)

    def retarget(self, state: CPUState) -> None:
        """The handler stores 1 into ``state.exit_request`` from now on."""
        self._state = state  # kept alive: the handler writes into it
        req = self._ee.get_global_value_address("exit_request")
        ctypes.c_void_p.from_address(req).value = ctypes.addressof(state) + CPUState.exit_request.offset

    def wrap(self, sig: int) -> None:
        """Put the compiled handler in front of the C handler Python just installed for ``sig``."""
        old = _Sigaction()
        if self._libc.sigaction(sig, None, ctypes.byref(old)) != 0 or old.handler == self.handler:
            return
        self._prev[sig] = old.handler
        new = _Sigaction()
        new.handler = self.handler
        new.mask = old.mask
        new.flags = old.flags | SA_SIGINFO
        new.restorer = old.restorer
        self._libc.sigaction(sig, ctypes.byref(new), None)

    def info(self, sig: int) -> tuple[int, int, int, int]:
        code, pid, uid, value = self._info[4 * sig : 4 * sig + 4]
        return code, pid, struct.unpack("<I", struct.pack("<i", uid))[0], value
