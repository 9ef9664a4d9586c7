"""``-strace``: system call logging in qemu-arm's format, driven by the argument kinds of the syscall table.

A line is ``PID name(arg,arg,...) = result``; a failed call shows ``-1 errno=N (message)``.  Each
syscall declares one *kind* per argument register; the kind says whether the register is signed (the
dispatcher converts it before calling the implementation) and how strace shows it: numbers, pointers,
quoted guest strings, or symbolic flags.  Unknown numbers print as ``Unknown syscall N``, as qemu does.
"""

from __future__ import annotations

import errno as errno_mod
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jitemu.linux_user import abi
from jitemu.linux_user.signals import signal_name
from jitemu.memory import GuestFault

if TYPE_CHECKING:
    from jitemu.memory import GuestMemory

Flags = tuple[tuple[str, int], ...]


def format_flags(value: int, names: Flags, zero: str = "0") -> str:
    """``A|B|0x40``: names take their bits greedily in table order (so multi-bit names go first)."""
    if value == 0:
        return zero
    parts = []
    for name, bits in names:
        if bits and value & bits == bits:
            parts.append(name)
            value &= ~bits
    if value:
        parts.append(f"{value:#x}")
    return "|".join(parts)


def format_enum(value: int, names: dict[int, str]) -> str:
    return names.get(value, str(value))


def _enum(*names: str, start: int = 0) -> dict[int, str]:
    return {i: n for i, n in enumerate(names, start) if n}


PROT_FLAGS: Flags = (("PROT_READ", 1), ("PROT_WRITE", 2), ("PROT_EXEC", 4), ("PROT_SEM", 8),
                     ("PROT_GROWSDOWN", 0x01000000), ("PROT_GROWSUP", 0x02000000))  # fmt: skip
MAP_FLAGS: Flags = (
    ("MAP_SHARED_VALIDATE", 3), ("MAP_SHARED", 1), ("MAP_PRIVATE", 2), ("MAP_FIXED", 0x10),
    ("MAP_ANONYMOUS", 0x20), ("MAP_GROWSDOWN", 0x100), ("MAP_DENYWRITE", 0x800), ("MAP_EXECUTABLE", 0x1000),
    ("MAP_LOCKED", 0x2000), ("MAP_NORESERVE", 0x4000), ("MAP_POPULATE", 0x8000), ("MAP_NONBLOCK", 0x10000),
    ("MAP_STACK", 0x20000), ("MAP_HUGETLB", 0x40000), ("MAP_FIXED_NOREPLACE", 0x100000),
)  # fmt: skip
AT_FLAGS: Flags = (("AT_EMPTY_PATH", abi.AT_EMPTY_PATH), ("AT_NO_AUTOMOUNT", abi.AT_NO_AUTOMOUNT),
                   ("AT_SYMLINK_NOFOLLOW", abi.AT_SYMLINK_NOFOLLOW), ("AT_SYMLINK_FOLLOW", abi.AT_SYMLINK_FOLLOW),
                   ("AT_REMOVEDIR", abi.AT_REMOVEDIR))  # fmt: skip
STATX_MASK: Flags = (("STATX_BASIC_STATS", abi.STATX_BASIC_STATS), ("STATX_BTIME", 0x800),
                     ("STATX_MNT_ID", 0x1000), ("STATX_DIOALIGN", 0x2000))  # fmt: skip
ACCESS_MODE: Flags = (("R_OK", 4), ("W_OK", 2), ("X_OK", 1))
MREMAP_FLAGS: Flags = (("MREMAP_MAYMOVE", 1), ("MREMAP_FIXED", 2), ("MREMAP_DONTUNMAP", 4))
OPEN_FLAGS: Flags = tuple((name, arm) for name, arm, _host in abi.OPEN_FLAGS)
RENAME_FLAGS: Flags = (("RENAME_NOREPLACE", 1), ("RENAME_EXCHANGE", 2), ("RENAME_WHITEOUT", 4))
FUTEX_FLAGS: Flags = (("FUTEX_PRIVATE_FLAG", 128), ("FUTEX_CLOCK_REALTIME", 256))

WHENCE = _enum("SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE")
FAMILIES = _enum("AF_UNSPEC", "AF_UNIX", "AF_INET", start=0) | {10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}
SOCK_TYPES = _enum("", "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET") | {10: "SOCK_PACKET"}
SOCK_FLAGS: Flags = (("SOCK_NONBLOCK", 0o4000), ("SOCK_CLOEXEC", 0o2000000))
MSG_FLAGS: Flags = (("MSG_OOB", 1), ("MSG_PEEK", 2), ("MSG_DONTROUTE", 4), ("MSG_CTRUNC", 8), ("MSG_TRUNC", 0x20),
                    ("MSG_DONTWAIT", 0x40), ("MSG_EOR", 0x80), ("MSG_WAITALL", 0x100), ("MSG_NOSIGNAL", 0x4000),
                    ("MSG_MORE", 0x8000), ("MSG_WAITFORONE", 0x10000), ("MSG_CMSG_CLOEXEC", 0x40000000))  # fmt: skip
SHUTDOWN_HOW = _enum("SHUT_RD", "SHUT_WR", "SHUT_RDWR")
SOCKOPT_LEVELS = {0: "SOL_IP", 1: "SOL_SOCKET", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6"}
PRCTL_OPTIONS = {1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE",
                 7: "PR_GET_KEEPCAPS", 8: "PR_SET_KEEPCAPS", 15: "PR_SET_NAME", 16: "PR_GET_NAME",
                 22: "PR_SET_SECCOMP", 23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP", 29: "PR_SET_TIMERSLACK",
                 30: "PR_GET_TIMERSLACK", 36: "PR_SET_CHILD_SUBREAPER", 37: "PR_GET_CHILD_SUBREAPER",
                 38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS"}  # fmt: skip
EPOLL_OPS = _enum("", "EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD")
SIGPROCMASK_HOW = _enum("SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK")
CLOCKS = _enum("CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID",
               "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME",
               "CLOCK_REALTIME_ALARM", "CLOCK_BOOTTIME_ALARM", "", "CLOCK_TAI")  # fmt: skip
FUTEX_CMDS = _enum("FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP",
                   "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI", "FUTEX_WAIT_BITSET",
                   "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI", "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2")  # fmt: skip
MADVICE = _enum("MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED", "MADV_DONTNEED", "", "", "",
                "MADV_FREE", "MADV_REMOVE", "MADV_DONTFORK", "MADV_DOFORK", "MADV_MERGEABLE", "MADV_UNMERGEABLE",
                "MADV_HUGEPAGE", "MADV_NOHUGEPAGE", "MADV_DONTDUMP", "MADV_DODUMP")  # fmt: skip
FCNTL_CMDS = {**_enum("F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_GETLK", "F_SETLK", "F_SETLKW",
                      "F_SETOWN", "F_GETOWN", "F_SETSIG", "F_GETSIG", "F_GETLK64", "F_SETLK64", "F_SETLKW64"),
              1030: "F_DUPFD_CLOEXEC"}  # fmt: skip
IOCTLS = {request: name for request, (name, _, _) in abi.IOCTLS.items()}


def _pointer(v: int) -> str:
    return "NULL" if v == 0 else f"0x{v:08x}"


def _open_flags(v: int) -> str:
    acc = {0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR"}.get(v & abi.O_ACCMODE, "O_ACCMODE")
    rest = format_flags(v & ~abi.O_ACCMODE, OPEN_FLAGS, zero="")
    return f"{acc}|{rest}" if rest else acc


def _futex_op(v: int) -> str:
    cmd = format_enum(v & 0x7F, FUTEX_CMDS)
    flags = format_flags(v & ~0x7F, FUTEX_FLAGS, zero="")
    return f"{cmd}|{flags}" if flags else cmd


def quote(data: bytes) -> str:
    """A C-style quoted string (non-printable bytes escaped)."""
    out = []
    for b in data:
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append({10: "\\n", 9: "\\t", 13: "\\r"}.get(b, f"\\{b:03o}"))
    return '"' + "".join(out) + '"'


def _string(mem: GuestMemory, addr: int) -> str:
    if addr == 0:
        return "NULL"
    try:
        return quote(mem.read_cstring(addr, 4096))
    except GuestFault:
        return f"0x{addr:08x}"


def to_signed(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


@dataclass(frozen=True, slots=True)
class ArgKind:
    """How one argument register is converted for the implementation and shown by strace."""

    signed: bool
    show: Callable[[int], str] | None = None  # value -> text; None for the kinds below that need memory
    needs_memory: bool = False  # shown from guest memory (strings)


KINDS: dict[str, ArgKind] = {
    "int": ArgKind(True, str),
    "uint": ArgKind(False, str),
    "hex": ArgKind(False, hex),
    "fd": ArgKind(True, str),
    "atfd": ArgKind(True, lambda v: "AT_FDCWD" if v == abi.AT_FDCWD else str(v)),
    "buf": ArgKind(False, lambda v: f"{v:#x}" if v else "0"),  # a data buffer: qemu prints it with C's %#x
    "ptr": ArgKind(False, _pointer),  # an address or struct pointer: NULL or 0x%08x
    "str": ArgKind(False, needs_memory=True),
    "oflags": ArgKind(False, _open_flags),
    "cmode": ArgKind(False, lambda v: f"0{v:o}"),  # creation mode: shown only with O_CREAT or O_TMPFILE
    "octal": ArgKind(False, lambda v: f"0{v:o}"),
    "prot": ArgKind(False, lambda v: format_flags(v, PROT_FLAGS, zero="PROT_NONE")),
    "mflags": ArgKind(False, lambda v: format_flags(v, MAP_FLAGS)),
    "mremap": ArgKind(False, lambda v: format_flags(v, MREMAP_FLAGS)),
    "atflags": ArgKind(False, lambda v: format_flags(v, AT_FLAGS)),
    "statx": ArgKind(False, lambda v: format_flags(v, STATX_MASK)),
    "access": ArgKind(False, lambda v: format_flags(v, ACCESS_MODE, zero="F_OK")),
    "whence": ArgKind(False, lambda v: format_enum(v, WHENCE)),
    "sig": ArgKind(True, signal_name),
    "sighow": ArgKind(False, lambda v: format_enum(v, SIGPROCMASK_HOW)),
    "clock": ArgKind(True, lambda v: format_enum(v, CLOCKS)),
    "futexop": ArgKind(False, _futex_op),
    "madvice": ArgKind(False, lambda v: format_enum(v, MADVICE)),
    "fcntl": ArgKind(False, lambda v: format_enum(v, FCNTL_CMDS)),
    "ioctl": ArgKind(False, lambda v: IOCTLS.get(v, f"{v:#x}")),
    "renameflags": ArgKind(False, lambda v: format_flags(v, RENAME_FLAGS)),
    "epollop": ArgKind(False, lambda v: format_enum(v, EPOLL_OPS)),
    "family": ArgKind(True, lambda v: format_enum(v, FAMILIES)),
    "socktype": ArgKind(
        False,
        lambda v: "|".join(
            filter(None, (format_enum(v & 0xF, SOCK_TYPES), format_flags(v & ~0xF, SOCK_FLAGS, zero="")))
        ),
    ),
    "msgflags": ArgKind(True, lambda v: format_flags(v, MSG_FLAGS)),
    "shuthow": ArgKind(True, lambda v: format_enum(v, SHUTDOWN_HOW)),
    "solevel": ArgKind(True, lambda v: format_enum(v, SOCKOPT_LEVELS)),
    "prctl": ArgKind(True, lambda v: format_enum(v, PRCTL_OPTIONS)),
    "pad": ArgKind(False, lambda v: ""),  # EABI register-pair alignment: not shown
    "off64": ArgKind(False, str),  # low word of a 64-bit pair: shown as the whole value (see format_call)
    "hi": ArgKind(False, lambda v: ""),  # high word of a 64-bit pair: shown with its low word
}
_HIDDEN = ("pad", "hi")


def format_call(pid: int, name: str, kinds: tuple[str, ...], raw: list[int], mem: GuestMemory) -> str:
    """``PID name(args)`` for the registers ``raw`` (unsigned values)."""
    creating = any(k == "oflags" and raw[i] & (abi.O_CREAT | abi.O_TMPFILE_BIT) for i, k in enumerate(kinds))
    shown = []
    for i, (kind, value) in enumerate(zip(kinds, raw, strict=True)):
        spec = KINDS[kind]
        if kind in _HIDDEN or kind == "cmode" and not creating:
            continue
        if kind == "off64":
            shown.append(str(abi.join64(value, raw[i + 1])))
            continue
        v = to_signed(value) if spec.signed else value
        shown.append(_string(mem, v) if spec.needs_memory else spec.show(v))
    return f"{pid} {name}({','.join(shown)})"


def format_generic(pid: int, name: str, raw: list[int]) -> str:
    """A call strace has no argument kinds for: six signed decimals, as qemu prints them."""
    return f"{pid} {name}({','.join(str(to_signed(v)) for v in raw[:6])})"


def format_result(result: int, kind: str = "int") -> str:
    if -4096 < result < 0:
        err = -result
        return f"-1 errno={err} ({os.strerror(err) if err in errno_mod.errorcode else 'Unknown error'})"
    return _pointer(result) if kind == "ptr" else str(result)
