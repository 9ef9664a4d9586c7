"""Why the run loop hands control back to its world (linux_user or, later, system mode)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class EventKind(IntEnum):
    SYSCALL = 1  # SVC: state.r15 already points after the SVC; imm is the SVC immediate
    UNDEF = 2  # undefined / unimplemented instruction at pc (guest SIGILL)
    FAULT = 3  # memory fault at pc touching addr (guest SIGSEGV)
    BKPT = 4  # BKPT / UDF trap at pc (guest SIGTRAP)
    HALT = 5  # the world asked the CPU to stop (e.g. instruction limit in tests)
    INTERRUPT = 6  # state.exit_request was set (a host signal): stopped at a block boundary, r15 = next pc
    ALIGN = 7  # alignment fault at pc touching addr (guest SIGBUS)


@dataclass(slots=True)
class Event:
    kind: EventKind
    pc: int = 0  # guest pc of the instruction that caused the event
    addr: int = 0  # faulting address (FAULT, ALIGN)
    write: bool = False  # FAULT: was it a write
    imm: int = 0  # SVC / BKPT immediate
