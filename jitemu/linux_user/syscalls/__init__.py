"""ARM EABI system calls: one table (``table.SYSCALLS``) and the dispatcher that runs an entry.

The syscall number is in r7, the arguments in r0-r6, the result goes to r0 (a negative errno on error).
An implementation is ``sys_NAME(proc, *args) -> int``; it receives each argument converted as its kind
says (see ``jitemu.linux_user.strace``), returns the result or a negative errno, and may raise
``OSError`` (its errno is returned), ``GuestFault`` (``-EFAULT``) or ``OverflowError`` (an argument the
host cannot represent: ``-EINVAL``).  Numbers without an implementation return ``-ENOSYS`` and are
reported under ``-d unimp``.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jitemu import log
from jitemu.linux_user import strace
from jitemu.linux_user.syscall_names import NAMES
from jitemu.memory import GuestFault

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process


@dataclass(frozen=True, slots=True)
class SyscallDef:
    nr: int
    name: str
    impl: Callable[..., int]
    args: tuple[str, ...]  # one kind per argument register (strace.KINDS)
    result: str = "int"  # "int", "ptr" or "sigreturn": how strace shows the result


class GuestExit(Exception):
    """Raised by exit/exit_group: the process ends with ``status`` (0-255)."""

    def __init__(self, status: int):
        super().__init__(f"guest exited with status {status}")
        self.status = status


def dispatch(proc: Process) -> None:
    """Run the system call the guest asked for and put its result in r0."""
    from jitemu.linux_user.syscalls.table import SYSCALLS  # noqa: PLC0415 - the table imports every module

    regs = proc.state.r
    nr = regs[7]
    entry = SYSCALLS.get(nr)
    tracing = log.enabled("strace")
    if entry is None:
        _unsupported(proc, nr, tracing)
        regs[0] = -errno.ENOSYS & 0xFFFFFFFF
        return
    raw = [regs[i] for i in range(len(entry.args))]
    call = strace.format_call(proc.pid, entry.name, entry.args, raw, proc.mem) if tracing else ""
    args = [strace.to_signed(v) if strace.KINDS[k].signed else v for k, v in zip(entry.args, raw, strict=True)]
    try:
        result = entry.impl(proc, *args)
    except OSError as e:
        result = -(e.errno or errno.EIO)
    except OverflowError:  # an argument the host call cannot even represent
        result = -errno.EINVAL
    except GuestFault:
        result = -errno.EFAULT
    except GuestExit:
        if tracing:
            log.write(call + "\n")
        raise
    if tracing:
        shown = strace.format_outputs(entry.args, raw, proc.mem) if 0 <= result < 0xFFFFF000 else ""
        log.write(f"{call} = {strace.format_result(result, entry.result)}{shown}\n")
    regs[0] = result & 0xFFFFFFFF


def _unsupported(proc: Process, nr: int, tracing: bool) -> None:
    name = NAMES.get(nr)
    if tracing:
        if name is None:
            log.write(f"{proc.pid} Unknown syscall {nr}\n")
        else:
            raw = [proc.state.r[i] for i in range(6)]
            log.write(f"{strace.format_generic(proc.pid, name, raw)} = {strace.format_result(-errno.ENOSYS)}\n")
    if log.enabled("unimp"):
        log.write(f"Unsupported syscall: {nr}" + (f" ({name})" if name else "") + "\n")
