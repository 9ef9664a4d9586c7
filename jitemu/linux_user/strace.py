"""``-strace``: system call logging in qemu-arm's format, driven by the argument kinds of the syscall table.

A line is ``PID name(arg,arg,...) = result``; a failed call shows ``-1 errno=N (message)``.  Each
syscall declares one *kind* per argument register; the kind says whether the register is signed (the
dispatcher converts it before calling the implementation) and how strace shows it: numbers, pointers,
quoted guest strings, or symbolic flags.  Unknown numbers print as ``Unknown syscall N``, as qemu does.
"""

from __future__ import annotations

import errno as errno_mod
import os
import struct
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
# qemu's order; O_ASYNC has no name there (it shows as 0x2000)
_OPEN_FLAG_ORDER = ("O_APPEND", "O_CREAT", "O_DIRECTORY", "O_EXCL", "O_LARGEFILE", "O_NOCTTY", "O_NOFOLLOW",
                    "O_NONBLOCK", "O_DSYNC", "__O_SYNC", "O_TRUNC", "O_DIRECT", "O_NOATIME", "O_CLOEXEC", "O_PATH",
                    "__O_TMPFILE")  # fmt: skip
OPEN_FLAGS: Flags = tuple((name, arm) for name in _OPEN_FLAG_ORDER for n, arm, _ in abi.OPEN_FLAGS if n == name)
RENAME_FLAGS: Flags = (("RENAME_NOREPLACE", 1), ("RENAME_EXCHANGE", 2), ("RENAME_WHITEOUT", 4))
CLONE_FLAGS: Flags = (
    ("CLONE_VM", 0x100), ("CLONE_FS", 0x200), ("CLONE_FILES", 0x400), ("CLONE_SIGHAND", 0x800),
    ("CLONE_PIDFD", 0x1000), ("CLONE_PTRACE", 0x2000), ("CLONE_VFORK", 0x4000), ("CLONE_PARENT", 0x8000),
    ("CLONE_THREAD", 0x10000), ("CLONE_NEWNS", 0x20000), ("CLONE_SYSVSEM", 0x40000), ("CLONE_SETTLS", 0x80000),
    ("CLONE_PARENT_SETTID", 0x100000), ("CLONE_CHILD_CLEARTID", 0x200000), ("CLONE_DETACHED", 0x400000),
    ("CLONE_UNTRACED", 0x800000), ("CLONE_CHILD_SETTID", 0x1000000),
)  # fmt: skip
WAIT_FLAGS: Flags = (
    ("WNOHANG", 1), ("WUNTRACED", 2), ("WEXITED", 4), ("WCONTINUED", 8), ("WNOWAIT", 0x01000000),
    ("__WNOTHREAD", 0x20000000), ("__WALL", 0x40000000), ("__WCLONE", 0x80000000),
)  # fmt: skip
FUTEX_FLAGS: Flags = (("FUTEX_PRIVATE_FLAG", 128), ("FUTEX_CLOCK_REALTIME", 256))

ID_TYPES = _enum("P_ALL", "P_PID", "P_PGID", "P_PIDFD")
WHENCE = _enum("SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE")
FAMILIES = {1: "PF_UNIX", 2: "PF_INET", 16: "PF_NETLINK", 17: "PF_PACKET"}  # qemu shows the others as numbers
SOCK_TYPES = _enum("", "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET") | {10: "SOCK_PACKET"}
SOCK_FLAGS: Flags = (("SOCK_NONBLOCK", 0o4000), ("SOCK_CLOEXEC", 0o2000000))
MSG_FLAGS: Flags = (("MSG_OOB", 1), ("MSG_PEEK", 2), ("MSG_DONTROUTE", 4), ("MSG_CTRUNC", 8), ("MSG_TRUNC", 0x20),
                    ("MSG_DONTWAIT", 0x40), ("MSG_EOR", 0x80), ("MSG_WAITALL", 0x100), ("MSG_NOSIGNAL", 0x4000),
                    ("MSG_MORE", 0x8000), ("MSG_WAITFORONE", 0x10000), ("MSG_CMSG_CLOEXEC", 0x40000000))  # fmt: skip
FLOCK_OPS: Flags = (("LOCK_SH", 1), ("LOCK_EX", 2), ("LOCK_NB", 4), ("LOCK_UN", 8))
MLOCKALL_FLAGS: Flags = (("MCL_CURRENT", 1), ("MCL_FUTURE", 2), ("MCL_ONFAULT", 4))
MFD_FLAGS: Flags = (("MFD_CLOEXEC", 1), ("MFD_ALLOW_SEALING", 2), ("MFD_HUGETLB", 4))
CLOSE_RANGE_FLAGS: Flags = (("CLOSE_RANGE_UNSHARE", 2), ("CLOSE_RANGE_CLOEXEC", 4))
MSYNC_FLAGS: Flags = (("MS_ASYNC", 1), ("MS_INVALIDATE", 2), ("MS_SYNC", 4))
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
                      "F_SETOWN", "F_GETOWN", "F_SETSIG", "F_GETSIG", "F_GETLK64", "F_SETLK64", "F_SETLKW64",
                      "F_SETOWN_EX", "F_GETOWN_EX"),
              36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW", 1024: "F_SETLEASE", 1025: "F_GETLEASE",
              1026: "F_NOTIFY", 1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ",
              1033: "F_ADD_SEALS", 1034: "F_GET_SEALS"}  # fmt: skip
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


def _creation_mode(raw: list[int], i: int, mem: GuestMemory) -> str | None:
    return f"0{raw[i]:o}" if raw[i - 1] & abi.O_CREAT else None  # as qemu: not for O_TMPFILE


# fcntl commands by what their third argument is (the rest take no argument)
_FCNTL_INT_ARG = (0, 2, 8, 10, 1024, 1026, 1030, 1031, 1033)  # F_DUPFD, F_SETFD, F_SETOWN, F_SETSIG, ...
_FCNTL_PTR_ARG = (5, 6, 7, 12, 13, 14, 15, 16, 36, 37, 38)  # the lock commands, F_SETOWN_EX/F_GETOWN_EX
F_SETFL = 4


def _fcntl_arg(raw: list[int], i: int, mem: GuestMemory) -> str | None:
    cmd, arg = raw[i - 1], raw[i]
    if cmd == F_SETFL:
        return _open_flags(arg)
    if cmd in _FCNTL_INT_ARG:
        return str(to_signed(arg))
    return _pointer(arg) if cmd in _FCNTL_PTR_ARG else None


S_IFMT = 0o170000
FILE_TYPES = {0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG", 0o60000: "S_IFBLK", 0o40000: "S_IFDIR",
              0o20000: "S_IFCHR", 0o10000: "S_IFIFO"}  # fmt: skip


def _node_mode(v: int) -> str:
    kind = FILE_TYPES.get(v & S_IFMT)
    return f"{kind}|0{v & 0o7777:o}" if kind else f"0{v:o}"


def _device(raw: list[int], i: int, mem: GuestMemory) -> str | None:
    if raw[i - 1] & S_IFMT in (0o100000, 0o10000):  # regular files and FIFOs have no device number
        return None
    dev = raw[i]
    return f"makedev({(dev & 0xFFF00) >> 8},{(dev & 0xFF) | (dev >> 12 & 0xFFF00)})"


IP_PROTOCOLS = {0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 6: "IPPROTO_TCP", 17: "IPPROTO_UDP", 41: "IPPROTO_IPV6",
                58: "IPPROTO_ICMPV6", 255: "IPPROTO_RAW"}  # fmt: skip
PF_INET, PF_NETLINK, PF_PACKET = 2, 16, 17


def _socket_protocol(raw: list[int], i: int, mem: GuestMemory) -> str:
    if raw[i - 2] in (PF_NETLINK, PF_PACKET):  # their protocols are not IP protocols
        return str(to_signed(raw[i]))
    return format_enum(raw[i], IP_PROTOCOLS)


def _sockaddr(raw: list[int], i: int, mem: GuestMemory) -> str:
    """A socket address and, after ", ", its length (the next register), as qemu shows bind's."""
    addr, length = raw[i], raw[i + 1]
    data = b""
    for size in (min(max(length, 16), 128), min(length, 128)):  # like qemu, read a whole address if possible
        try:
            data = mem.read(addr, size) if addr else b""
            break
        except GuestFault:
            continue
    family = int.from_bytes(data[:2], "little") if len(data) >= 2 else -1
    if family == 1:
        path = data[2:].split(b"\0", 1)[0] if data[2:3] != b"\0" else b"@" + data[3:].split(b"\0", 1)[0]
        text = f"{{sun_family=AF_UNIX,sun_path={quote(path)}}}"
    elif family == PF_INET and len(data) >= 8:
        port, ip = int.from_bytes(data[2:4], "big"), ".".join(str(b) for b in data[4:8])
        text = f'{{sin_family=AF_INET,sin_port=htons({port}),sin_addr=inet_addr("{ip}")}}'
    elif family >= 0:
        text = f"{{sa_family={family}, sa_data={{{', '.join(f'{b:02x}' for b in data[2:16])}}}}}"
    else:
        text = _pointer(addr)
    return f"{text}, {length}"


# struct termios flags (asm-generic/termbits.h, which ARM uses), in bit order as qemu prints them
TC_IFLAGS: Flags = tuple((n, 1 << b) for b, n in enumerate(
    ("IGNBRK", "BRKINT", "IGNPAR", "PARMRK", "INPCK", "ISTRIP", "INLCR", "IGNCR", "ICRNL", "IUCLC", "IXON", "IXANY",
     "IXOFF", "IMAXBEL", "IUTF8")))  # fmt: skip
TC_OFLAGS: Flags = (("OPOST", 1), ("OLCUC", 2), ("ONLCR", 4), ("OCRNL", 0o10), ("ONOCR", 0o20), ("ONLRET", 0o40),
                    ("OFILL", 0o100), ("OFDEL", 0o200), ("NL1", 0o400), ("CR3", 0o3000), ("CR2", 0o2000),
                    ("CR1", 0o1000), ("TAB3", 0o14000), ("TAB2", 0o10000), ("TAB1", 0o4000), ("BS1", 0o20000),
                    ("VT1", 0o40000), ("FF1", 0o100000))  # fmt: skip
TC_LFLAGS: Flags = tuple((n, 1 << b) for b, n in enumerate(
    ("ISIG", "ICANON", "XCASE", "ECHO", "ECHOE", "ECHOK", "ECHONL", "NOFLSH", "TOSTOP", "ECHOCTL", "ECHOPRT",
     "ECHOKE", "FLUSHO", "", "PENDIN", "IEXTEN", "EXTPROC")) if n)  # fmt: skip
TC_BAUDS = _enum("B0", "B50", "B75", "B110", "B134", "B150", "B200", "B300", "B600", "B1200", "B1800", "B2400",
                 "B4800", "B9600", "B19200", "B38400")  # fmt: skip
TC_CFLAGS: Flags = (("CSTOPB", 0o100), ("CREAD", 0o200), ("PARENB", 0o400), ("PARODD", 0o1000), ("HUPCL", 0o2000),
                    ("CLOCAL", 0o4000), ("CRTSCTS", 0o20000000000))  # fmt: skip
TERMIOS = struct.Struct("<IIIIB19s")
WINSIZE = struct.Struct("<4H")


def _termios(data: bytes) -> str:
    """qemu's rendering, raw control characters and all: c_cc as a C string, c_line as a character."""
    iflag, oflag, cflag, lflag, line, cc = TERMIOS.unpack(data)
    cparts = [TC_BAUDS.get(cflag & 0o10017, f"{cflag & 0o10017:#o}"), f"CS{5 + (cflag >> 4 & 3)}"]
    rest = format_flags(cflag & ~0o10077, TC_CFLAGS, zero="")
    cflags = ",".join(cparts + ([rest] if rest else []))
    chars = cc.split(b"\0", 1)[0].decode("latin-1")
    return (f"{{c_iflag = {format_flags(iflag, TC_IFLAGS)},c_oflag = {format_flags(oflag, TC_OFLAGS)},"
            f"c_cflag = {cflags},c_lflag = {format_flags(lflag, TC_LFLAGS)},"
            f"c_cc = \"{chars}\",c_line = '{chr(line)}'}}")  # fmt: skip


def _ioctl_data(request: int, addr: int, mem: GuestMemory) -> str | None:
    name, size, _ = abi.IOCTLS[request]
    try:
        data = mem.read(addr, size)
    except GuestFault:
        return None
    if size == TERMIOS.size:
        return _termios(data)
    if size == WINSIZE.size:
        return "{" + ",".join(str(v) for v in WINSIZE.unpack(data)) + "}"
    return str(int.from_bytes(data, "little", signed=True))


def _ioctl_arg(raw: list[int], i: int, mem: GuestMemory) -> str | None:
    known = abi.IOCTLS.get(raw[i - 1])
    how = known[2] if known else "out"
    if how == "none":
        return None
    if how == "value":
        return str(to_signed(raw[i]))
    return (_ioctl_data(raw[i - 1], raw[i], mem) if how == "in" else None) or _pointer(raw[i])


def _ioctl_result(raw: list[int], i: int, mem: GuestMemory) -> str | None:
    known = abi.IOCTLS.get(raw[i - 1])
    return _ioctl_data(raw[i - 1], raw[i], mem) if known and known[2] == "out" else None


def _clone_flags(v: int) -> str:
    """The flags, then the exit signal (the low byte) by name."""
    flags = format_flags(v & ~0xFF, CLONE_FLAGS, zero="")
    exit_signal = signal_name(v & 0xFF) if v & 0xFF else ""
    return "|".join(filter(None, (flags, exit_signal))) or "0"


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
    # shown depending on the other registers: (registers, index, memory) -> text, or None to leave it out
    context: Callable[[list[int], int, GuestMemory], str | None] | None = None
    # what a successful call returned through this argument, shown after the result: (registers, index, memory)
    after: Callable[[list[int], int, GuestMemory], str | None] | None = None


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
    "cmode": ArgKind(False, context=_creation_mode),  # shown only when the flags before it create a file
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
    "clone": ArgKind(False, _clone_flags),
    "waitopt": ArgKind(False, lambda v: format_flags(v, WAIT_FLAGS)),
    "idtype": ArgKind(False, lambda v: format_enum(v, ID_TYPES)),
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
    "flockop": ArgKind(False, lambda v: format_flags(v, FLOCK_OPS)),
    "mlockall": ArgKind(False, lambda v: format_flags(v, MLOCKALL_FLAGS)),
    "mfdflags": ArgKind(False, lambda v: format_flags(v, MFD_FLAGS)),
    "closerange": ArgKind(False, lambda v: format_flags(v, CLOSE_RANGE_FLAGS)),
    "msync": ArgKind(False, lambda v: format_flags(v, MSYNC_FLAGS)),
    "sockaddr": ArgKind(False, context=_sockaddr),  # followed by its length register ("socklen")
    "socklen": ArgKind(False, context=lambda raw, i, mem: None),
    "sockflags": ArgKind(False, lambda v: format_flags(v, SOCK_FLAGS)),
    "ioctlarg": ArgKind(False, context=_ioctl_arg, after=_ioctl_result),
    "pad": ArgKind(False, context=lambda raw, i, mem: None),  # EABI register-pair alignment: not shown
    # the low word of a 64-bit pair, shown as the whole value
    "off64": ArgKind(False, context=lambda raw, i, mem: str(abi.join64(raw[i], raw[i + 1]))),
    "hi": ArgKind(False, context=lambda raw, i, mem: None),  # a 64-bit pair's high word: shown with its low word
    "fcntlarg": ArgKind(True, context=_fcntl_arg),
    "nodmode": ArgKind(False, _node_mode),
    "devt": ArgKind(False, context=_device),
    "sockproto": ArgKind(True, context=_socket_protocol),
}


def format_call(pid: int, name: str, kinds: tuple[str, ...], raw: list[int], mem: GuestMemory) -> str:
    """``PID name(args)`` for the registers ``raw`` (unsigned values)."""
    shown = []
    for i, (kind, value) in enumerate(zip(kinds, raw, strict=True)):
        spec = KINDS[kind]
        if spec.context is not None:
            text = spec.context(raw, i, mem)
            if text is not None:
                shown.append(text)
            continue
        v = to_signed(value) if spec.signed else value
        shown.append(_string(mem, v) if spec.needs_memory else spec.show(v))
    return f"{pid} {name}({','.join(shown)})"


def format_outputs(kinds: tuple[str, ...], raw: list[int], mem: GuestMemory) -> str:
    """What a successful call wrote back that qemu shows after the result, as `` (...)``."""
    for i, kind in enumerate(kinds):
        after = KINDS[kind].after
        text = after(raw, i, mem) if after is not None else None
        if text is not None:
            return f" ({text})"
    return ""


def format_generic(pid: int, name: str, raw: list[int]) -> str:
    """A call strace has no argument kinds for: six signed decimals, as qemu prints them."""
    return f"{pid} {name}({','.join(str(to_signed(v)) for v in raw[:6])})"


RESULT_KINDS = ("int", "ptr", "sigreturn")  # how a table row's result is shown
SIGRETURN_RESULT = "-1 errno=513 (Successful exit from sigreturn)"  # qemu's line for (rt_)sigreturn
RESTART_RESULT = "-1 errno=512 (To be restarted)"  # a call a signal interrupted, to be restarted


def format_result(result: int, kind: str = "int") -> str:
    if kind == "sigreturn":
        return SIGRETURN_RESULT
    if -4096 < result < 0:
        err = -result
        return f"-1 errno={err} ({os.strerror(err) if err in errno_mod.errorcode else 'Unknown error'})"
    return _pointer(result) if kind == "ptr" else str(result)
