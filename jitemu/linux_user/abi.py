"""ARM EABI Linux constants and structure layouts the system calls and strace share.

Where ARM differs from the host (open flags), each constant carries both values.  Structures are packed
explicitly with ``struct`` so the layout is visible here and never taken from the host's C headers.
Everything not listed here (errno values, signal numbers, mmap flags, AT_* flags, ioctl numbers for
terminals) is the same on ARM and on the Linux hosts jitemu supports (x86-64, arm64).
"""

from __future__ import annotations

import os
import struct

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_EACCESS = 0x200
AT_REMOVEDIR = 0x200
AT_SYMLINK_FOLLOW = 0x400
AT_NO_AUTOMOUNT = 0x800
AT_EMPTY_PATH = 0x1000

# (name, ARM value, host value); a host value of 0 means the bit is dropped.
OPEN_FLAGS: tuple[tuple[str, int, int], ...] = (
    ("O_CREAT", 0o100, os.O_CREAT),
    ("O_EXCL", 0o200, os.O_EXCL),
    ("O_NOCTTY", 0o400, os.O_NOCTTY),
    ("O_TRUNC", 0o1000, os.O_TRUNC),
    ("O_APPEND", 0o2000, os.O_APPEND),
    ("O_NONBLOCK", 0o4000, os.O_NONBLOCK),
    ("O_DSYNC", 0o10000, os.O_DSYNC),
    ("O_ASYNC", 0o20000, os.O_ASYNC),
    ("O_DIRECTORY", 0o40000, os.O_DIRECTORY),  # ARM differs from x86 from here...
    ("O_NOFOLLOW", 0o100000, os.O_NOFOLLOW),
    ("O_DIRECT", 0o200000, os.O_DIRECT),
    ("O_LARGEFILE", 0o400000, 0),  # ...to here; a 64-bit host has large files anyway
    ("O_NOATIME", 0o1000000, os.O_NOATIME),
    ("O_CLOEXEC", 0o2000000, os.O_CLOEXEC),
    ("__O_SYNC", 0o4000000, os.O_SYNC & ~os.O_DSYNC),
    ("O_PATH", 0o10000000, os.O_PATH),
    ("__O_TMPFILE", 0o20000000, os.O_TMPFILE & ~os.O_DIRECTORY),
)
O_ACCMODE = 3
O_WRONLY = 1
O_CREAT = 0o100
O_TRUNC = 0o1000
O_CLOEXEC = 0o2000000


def _translate(flags: int, src: int, dst: int) -> int:
    out = flags & O_ACCMODE
    for entry in OPEN_FLAGS:
        if flags & entry[src]:
            out |= entry[dst]
    return out


def open_flags_to_host(flags: int) -> int:
    """ARM open(2)/fcntl(F_SETFL) flags to the host's; unknown bits are dropped."""
    return _translate(flags, 1, 2)


def open_flags_to_guest(flags: int) -> int:
    """Host fcntl(F_GETFL) flags to ARM's."""
    return _translate(flags, 2, 1)


# struct stat64 (arch/arm/include/uapi/asm/stat.h, EABI alignment: st_size and st_blocks are 8-aligned)
STAT64 = struct.Struct("<Q4xIIIIIQ8xqI4xQIIIIIIQ")
assert STAT64.size == 104


def pack_stat64(st: os.stat_result) -> bytes:
    def ts(ns: int) -> tuple[int, int]:
        sec, nsec = divmod(ns, 1_000_000_000)
        return sec & 0xFFFFFFFF, nsec

    return STAT64.pack(
        st.st_dev,
        st.st_ino & 0xFFFFFFFF,  # __st_ino: the kernel truncates
        st.st_mode,
        st.st_nlink & 0xFFFFFFFF,
        st.st_uid,
        st.st_gid,
        st.st_rdev,
        st.st_size,
        st.st_blksize,
        st.st_blocks,
        *ts(st.st_atime_ns),
        *ts(st.st_mtime_ns),
        *ts(st.st_ctime_ns),
        st.st_ino,
    )


# struct statx (include/uapi/linux/stat.h): the same on every architecture, 256 bytes
STATX_HEAD = struct.Struct("<IIQIIIH2xQQQQ")
STATX_TIMESTAMP = struct.Struct("<qI4x")
STATX_DEVS = struct.Struct("<IIIIQ")
STATX_SIZE = 256
STATX_BASIC_STATS = 0x7FF


def pack_statx(st: os.stat_result) -> bytes:
    """A statx buffer from a host stat result (no birth time or mount id: the mask says so)."""
    out = STATX_HEAD.pack(
        STATX_BASIC_STATS,
        st.st_blksize,
        0,  # stx_attributes
        st.st_nlink,
        st.st_uid,
        st.st_gid,
        st.st_mode,
        st.st_ino,
        st.st_size,
        st.st_blocks,
        0,  # stx_attributes_mask
    )
    for ns in (st.st_atime_ns, 0, st.st_ctime_ns, st.st_mtime_ns):  # atime, btime, ctime, mtime
        out += STATX_TIMESTAMP.pack(*divmod(ns, 1_000_000_000))
    out += STATX_DEVS.pack(os.major(st.st_rdev), os.minor(st.st_rdev), os.major(st.st_dev), os.minor(st.st_dev), 0)
    return out.ljust(STATX_SIZE, b"\0")


TIMESPEC32 = struct.Struct("<iI")  # struct timespec with 32-bit time_t (also struct timeval)
TIMESPEC64 = struct.Struct("<qq")  # struct __kernel_timespec (the *_time64 calls)


def read_timespec(ts: struct.Struct, data: bytes) -> tuple[int, int]:
    """(tv_sec, tv_nsec) from a guest timespec; the 32-bit kernel reads only the low word of a 64-bit
    tv_nsec (C libraries leave the padding above it uninitialised)."""
    sec, nsec = ts.unpack(data)
    return sec, ((nsec & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


IOVEC = struct.Struct("<II")
RLIMIT32 = struct.Struct("<II")
RLIMIT64 = struct.Struct("<QQ")
SIGACTION = struct.Struct("<IIIQ")  # ARM struct sigaction: handler, flags, restorer, mask
UTSNAME_FIELD = 65
# struct sysinfo for a 32-bit long: uptime, loads[3], totalram..freeswap, procs, pad, totalhigh, freehigh,
# mem_unit, padding to 64 bytes
SYSINFO = struct.Struct("<i3I6IHH2II8x")
assert SYSINFO.size == 64


def join64(lo: int, hi: int) -> int:
    """A signed 64-bit argument passed in a register pair (low word first: EABI little-endian).  ARM EABI
    puts such pairs in an even/odd register pair, so a call may have an unused padding register before it."""
    v = (hi & 0xFFFFFFFF) << 32 | (lo & 0xFFFFFFFF)
    return v - (1 << 64) if v >> 63 else v


def decode_dev(dev: int) -> int:
    """A 32-bit dev_t (the kernel's new_decode_dev: 12-bit major, 20-bit minor split around it) as a host dev_t."""
    return os.makedev((dev & 0xFFF00) >> 8, (dev & 0xFF) | (dev >> 12 & 0xFFF00))


# struct linux_dirent64 is the same everywhere: d_ino u64, d_off s64, d_reclen u16, d_type u8, name;
# the old struct linux_dirent (getdents): d_ino, d_off (32-bit), d_reclen, name, NUL, d_type, 4-aligned
DIRENT64_HEAD = struct.Struct("<QqHB")
DIRENT32_HEAD = struct.Struct("<IiH")

# struct statfs (32-bit words) and struct statfs64 (arch/arm/include/uapi/asm/statfs.h: packed, 4-aligned)
STATFS32 = struct.Struct("<7I2i3I16x")
STATFS64 = struct.Struct("<II5Q2i3I16x")
assert STATFS32.size == 64 and STATFS64.size == 84
STATFS64_EABI_SIZE = 88  # what EABI C libraries pass as the size: the kernel's ARM wrapper accepts it as 84

# struct flock (fcntl F_GETLK...: 32-bit offsets) and struct flock64 (F_GETLK64..., OFD locks: EABI aligns
# the 64-bit fields to 8); the host's struct flock (64-bit off_t) has the flock64 layout
FLOCK32 = struct.Struct("<hhiii")
FLOCK64 = struct.Struct("<hh4xqqi4x")
HOST_FLOCK = FLOCK64
assert FLOCK32.size == 16 and FLOCK64.size == 32

UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2

POLLFD = struct.Struct("<ihh")  # struct pollfd: the same everywhere
EPOLL_EVENT = struct.Struct("<I4xQ")  # struct epoll_event: EABI aligns the 64-bit data (not packed as on x86-64)
ITIMERSPEC32 = struct.Struct("<iiii")  # struct itimerspec: interval, value (32-bit timespecs)
ITIMERSPEC64 = struct.Struct("<qqqq")
SIGSET_ARGPACK = struct.Struct("<II")  # pselect6's sixth argument: sigset pointer, sigset size

# Terminal and descriptor ioctls (passed to the host).  struct termios (4 tcflag_t, c_line, 19 c_cc: 36
# bytes), struct winsize (4 unsigned short) and int have the same layout and values on ARM and on the hosts we
# run on (all use asm-generic/termbits.h), so the buffer is copied as it is.  request -> (name, size of the
# pointed-to buffer, how it goes): "out" the host fills it, "in" the guest's is passed, "value" the argument
# itself is an int, "none" there is no argument.
IOCTLS: dict[int, tuple[str, int, str]] = {
    0x5401: ("TCGETS", 36, "out"),
    0x5402: ("TCSETS", 36, "in"),
    0x5403: ("TCSETSW", 36, "in"),
    0x5404: ("TCSETSF", 36, "in"),
    0x5409: ("TCSBRK", 0, "value"),
    0x540A: ("TCXONC", 0, "value"),
    0x540B: ("TCFLSH", 0, "value"),
    0x540C: ("TIOCEXCL", 0, "none"),
    0x540D: ("TIOCNXCL", 0, "none"),
    0x540E: ("TIOCSCTTY", 0, "value"),
    0x540F: ("TIOCGPGRP", 4, "out"),
    0x5410: ("TIOCSPGRP", 4, "in"),
    0x5411: ("TIOCOUTQ", 4, "out"),
    0x5413: ("TIOCGWINSZ", 8, "out"),
    0x5414: ("TIOCSWINSZ", 8, "in"),
    0x541B: ("FIONREAD", 4, "out"),
    0x5421: ("FIONBIO", 4, "in"),
    0x5422: ("TIOCNOTTY", 0, "none"),
    0x5429: ("TIOCGSID", 4, "out"),
    0x5450: ("FIONCLEX", 0, "none"),
    0x5451: ("FIOCLEX", 0, "none"),
    0x5452: ("FIOASYNC", 4, "in"),
    0x80045430: ("TIOCGPTN", 4, "out"),
    0x40045431: ("TIOCSPTLCK", 4, "in"),
}

TMS = struct.Struct("<4I")  # struct tms: four 32-bit clock_t

# struct rusage with a 32-bit long: ru_utime, ru_stime (struct timeval), then 14 longs (maxrss ... nivcsw)
RUSAGE = struct.Struct("<iIiI14i")
assert RUSAGE.size == 72


def pack_rusage(utime: float, stime: float, longs) -> bytes:
    """ARM struct rusage from user and system time in seconds and the 14 counters (as
    ``resource.struct_rusage`` has them: ``pack_rusage(*ru[:2], ru[2:])``)."""

    def tv(seconds: float) -> tuple[int, int]:
        usec = round(seconds * 1_000_000)
        return usec // 1_000_000, usec % 1_000_000

    return RUSAGE.pack(*tv(utime), *tv(stime), *(min(v, 0x7FFFFFFF) for v in longs))
