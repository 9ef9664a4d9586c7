"""System calls run through the dispatcher against a loaded (not running) process: argument conversion,
ARM structure layouts, memory management, errors, signals and the -strace format."""

from __future__ import annotations

import errno
import os
import random
import re
import struct

import pytest

from jitemu import log
from jitemu.linux_user import abi, layout
from jitemu.linux_user.cpus import lookup
from jitemu.linux_user.loader import load_program
from jitemu.linux_user.process import GuestKilled, Process
from jitemu.linux_user.signals import SIGABRT, SIGCHLD, SIGUSR1
from jitemu.linux_user.strace import KINDS, RESULT_KINDS
from jitemu.linux_user.syscall_names import NUMBERS
from jitemu.linux_user.syscalls import GuestExit, dispatch
from jitemu.linux_user.syscalls.table import SYSCALLS
from jitemu.memory import PROT_READ, PROT_WRITE, GuestMemory
from jitemu.state import CPUState

from .elfgen import simple_elf

BUF = 0x20000  # a scratch page the tests map read/write


class FakeEngine:
    def __init__(self) -> None:
        self.invalidated: list[tuple[int, int]] = []

    def invalidate(self, addr: int, length: int) -> None:
        self.invalidated.append((addr, length))


@pytest.fixture
def proc(tmp_path) -> Process:
    path = tmp_path / "prog"
    path.write_bytes(simple_elf())
    mem = GuestMemory()
    program = load_program(mem, str(path), [b"prog"], [], cpu=lookup("max"))
    mem.map(BUF, 0x4000, PROT_READ | PROT_WRITE)
    p = Process(mem, CPUState(), program, cpu=lookup("max"), rng=random.Random(5))
    p.engine = FakeEngine()
    return p


@pytest.fixture
def trace(tmp_path):
    path = tmp_path / "strace.log"
    log.configure({"strace", "unimp"}, str(path))
    yield lambda: path.read_text()
    log.configure(set())


def call(p: Process, name: str | int, *args: int) -> int:
    nr = NUMBERS[name] if isinstance(name, str) else name
    p.state.r[7] = nr
    for i, a in enumerate(args):
        p.state.r[i] = a & 0xFFFFFFFF
    dispatch(p)
    r = p.state.r[0]
    return r - (1 << 32) if r >= 0xFFFFF001 else r


def put_str(p: Process, s: bytes, at: int = BUF + 0x3000) -> int:
    p.mem.write(at, s + b"\0")
    return at


# ---- the table itself ----------------------------------------------------------------------------------
def test_table_rows_match_their_implementations() -> None:
    import inspect

    for nr, d in SYSCALLS.items():
        assert NUMBERS[d.name] == nr
        params = list(inspect.signature(d.impl).parameters)[1:]
        assert len(params) == len(d.args), d.name
        assert all(k in KINDS for k in d.args), d.name
        assert d.result in RESULT_KINDS


def test_unknown_and_unimplemented_syscalls(proc, trace) -> None:
    assert call(proc, 9999) == -errno.ENOSYS
    assert call(proc, "rseq", 1, 2) == -errno.ENOSYS
    text = trace()
    assert "Unknown syscall 9999" in text and "Unsupported syscall: 9999" in text
    assert re.search(r"^\d+ rseq\(1,2,\S+\) = -1 errno=38 \(Function not implemented\)$", text, re.M)


# ---- files ---------------------------------------------------------------------------------------------
def test_write_read_through_a_pipe(proc) -> None:
    r, w = os.pipe()
    proc.mem.write(BUF, b"hello")
    assert call(proc, "write", w, BUF, 5) == 5
    assert call(proc, "read", r, BUF + 100, 100) == 5
    assert proc.mem.read(BUF + 100, 5) == b"hello"
    os.close(r)
    os.close(w)


def test_bad_buffers_give_efault(proc) -> None:
    r, w = os.pipe()
    assert call(proc, "write", w, 0, 5) == -errno.EFAULT
    assert call(proc, "read", r, 0x100, 5) == -errno.EFAULT
    assert call(proc, "stat64", put_str(proc, b"/"), 0x100) == -errno.EFAULT
    assert call(proc, "open", 0x100, 0, 0) == -errno.EFAULT
    os.close(r)
    os.close(w)


def test_read_stops_at_the_end_of_mapped_memory(proc) -> None:
    r, w = os.pipe()
    os.write(w, b"x" * 100)
    end = BUF + 0x4000
    assert call(proc, "read", r, end - 10, 100) == 10
    os.close(r)
    os.close(w)


def test_writev_and_readv(proc) -> None:
    r, w = os.pipe()
    proc.mem.write(BUF, b"abcdef")
    proc.mem.write(BUF + 0x100, abi.IOVEC.pack(BUF, 2) + abi.IOVEC.pack(BUF + 3, 3))
    assert call(proc, "writev", w, BUF + 0x100, 2) == 5
    proc.mem.write(BUF + 0x200, abi.IOVEC.pack(BUF + 0x300, 1) + abi.IOVEC.pack(BUF + 0x400, 10))
    assert call(proc, "readv", r, BUF + 0x200, 2) == 5
    assert proc.mem.read(BUF + 0x300, 1) + proc.mem.read(BUF + 0x400, 4) == b"abdef"
    assert call(proc, "writev", w, BUF + 0x100, 5000) == -errno.EINVAL
    os.close(r)
    os.close(w)


def test_open_flags_use_arm_values(proc, tmp_path) -> None:
    d = put_str(proc, str(tmp_path).encode())
    arm_o_directory = 0o40000
    fd = call(proc, "openat", abi.AT_FDCWD, d, arm_o_directory, 0)
    assert fd >= 0 and os.path.samestat(os.fstat(fd), os.stat(tmp_path))
    os.close(fd)
    f = tmp_path / "file"
    f.write_text("data")
    assert call(proc, "open", put_str(proc, str(f).encode()), arm_o_directory, 0) == -errno.ENOTDIR
    link = tmp_path / "link"
    link.symlink_to(f)
    arm_o_nofollow = 0o100000
    assert call(proc, "open", put_str(proc, str(link).encode()), arm_o_nofollow, 0) == -errno.ELOOP


def test_open_create_close_lseek_llseek(proc, tmp_path) -> None:
    path = put_str(proc, str(tmp_path / "new").encode())
    fd = call(proc, "openat", abi.AT_FDCWD, path, 0o1 | 0o100 | 0o1000 | abi.O_CLOEXEC, 0o600)
    assert fd >= 0 and not os.get_inheritable(fd)
    assert os.stat(tmp_path / "new").st_mode & 0o777 == 0o600 & ~_umask()
    os.write(fd, b"0123456789")
    assert call(proc, "lseek", fd, -3, 2) == 7
    assert call(proc, "_llseek", fd, 0, 4, BUF, 0) == 0
    assert struct.unpack("<q", proc.mem.read(BUF, 8))[0] == 4 == os.lseek(fd, 0, 1)
    assert call(proc, "close", fd) == 0
    assert call(proc, "close", fd) == -errno.EBADF
    fd = call(proc, "open", path, 0, 0)
    assert os.get_inheritable(fd)  # the guest did not ask for O_CLOEXEC
    os.close(fd)


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_stat64_layout(proc, tmp_path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x" * 1234)
    assert call(proc, "stat64", put_str(proc, str(f).encode()), BUF) == 0
    st = os.stat(f)
    raw = proc.mem.read(BUF, 104)
    assert struct.unpack_from("<Q", raw, 0)[0] == st.st_dev
    assert struct.unpack_from("<I", raw, 16)[0] == st.st_mode
    assert struct.unpack_from("<q", raw, 48)[0] == 1234
    assert struct.unpack_from("<II", raw, 80) == (st.st_mtime_ns // 10**9 & 0xFFFFFFFF, st.st_mtime_ns % 10**9)
    assert struct.unpack_from("<Q", raw, 96)[0] == st.st_ino
    fd = os.open(f, os.O_RDONLY)
    assert call(proc, "fstat64", fd, BUF + 0x200) == 0
    assert proc.mem.read(BUF + 0x200, 104) == raw
    os.close(fd)


def test_lstat_and_fstatat_and_statx(proc, tmp_path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    link = tmp_path / "l"
    link.symlink_to(f)
    lp = put_str(proc, str(link).encode())
    assert call(proc, "lstat64", lp, BUF) == 0
    assert struct.unpack_from("<q", proc.mem.read(BUF, 104), 48)[0] == len(str(f))
    assert call(proc, "fstatat64", abi.AT_FDCWD, lp, BUF, 0) == 0
    assert struct.unpack_from("<q", proc.mem.read(BUF, 104), 48)[0] == 3
    assert call(proc, "statx", abi.AT_FDCWD, lp, abi.AT_SYMLINK_NOFOLLOW, 0x7FF, BUF) == 0
    raw = proc.mem.read(BUF, 256)
    assert struct.unpack_from("<I", raw, 0)[0] == abi.STATX_BASIC_STATS
    assert struct.unpack_from("<Q", raw, 40)[0] == len(str(f))
    fd = os.open(f, os.O_RDONLY)
    assert call(proc, "statx", fd, put_str(proc, b""), abi.AT_EMPTY_PATH, 0x7FF, BUF) == 0
    assert struct.unpack_from("<Q", proc.mem.read(BUF, 256), 40)[0] == 3
    assert call(proc, "statx", fd, put_str(proc, b""), 0, 0x7FF, BUF) == -errno.ENOENT
    os.close(fd)


def test_proc_self_exe(proc) -> None:
    for name in (b"/proc/self/exe", b"/proc/%d/exe" % os.getpid()):
        n = call(proc, "readlink", put_str(proc, name), BUF, 4096)
        assert proc.mem.read(BUF, n) == proc.exe_path.encode()
    assert call(proc, "readlinkat", abi.AT_FDCWD, put_str(proc, b"/proc/self/exe"), BUF, 3) == 3
    assert call(proc, "readlink", put_str(proc, b"/proc/self/exe"), BUF, 0) == -errno.EINVAL
    fd = call(proc, "open", put_str(proc, b"/proc/self/exe"), 0, 0)
    assert os.read(fd, 4) == b"\x7fELF"
    os.close(fd)


def test_access_and_getcwd(proc, tmp_path) -> None:
    assert call(proc, "access", put_str(proc, b"/"), 4) == 0
    assert call(proc, "access", put_str(proc, b"/nonexistent"), 0) == -errno.ENOENT
    assert call(proc, "faccessat", abi.AT_FDCWD, put_str(proc, b"/nonexistent/x"), 0) == -errno.ENOENT
    cwd = os.getcwdb()
    assert call(proc, "getcwd", BUF, 4096) == len(cwd) + 1
    assert proc.mem.read_cstring(BUF) == cwd
    assert call(proc, "getcwd", BUF, 1) == -errno.ERANGE


def test_ioctl(proc) -> None:
    r, w = os.pipe()
    assert call(proc, "ioctl", r, 0x5401, BUF) == -errno.ENOTTY  # TCGETS on a pipe
    assert call(proc, "ioctl", r, 0x1234, BUF) == -errno.ENOTTY
    assert call(proc, "ioctl", 999, 0x5401, BUF) == -errno.EBADF
    os.write(w, b"abc")
    assert call(proc, "ioctl", r, 0x541B, BUF) == 0  # FIONREAD
    assert proc.mem.load(BUF, 4) == 3
    os.close(r)
    os.close(w)


def test_fcntl_translates_flags(proc) -> None:
    r, w = os.pipe()
    assert call(proc, "fcntl64", r, 4, 0o4000) == 0  # F_SETFL O_NONBLOCK
    assert call(proc, "fcntl64", r, 3, 0) & 0o4000  # F_GETFL
    assert call(proc, "read", r, BUF, 1) == -errno.EAGAIN
    os.close(r)
    os.close(w)


# ---- memory --------------------------------------------------------------------------------------------
def test_brk(proc) -> None:
    start = call(proc, "brk", 0)
    assert start == proc.program.brk
    assert call(proc, "brk", start + 0x1878) == start + 0x1878
    proc.mem.store(start + 0x1870, 4, 0x12345678)
    assert call(proc, "brk", start + 0x100) == start + 0x100  # shrink unmaps whole pages above
    assert not proc.mem.is_mapped(start + 0x1000, 1)
    assert call(proc, "brk", start - 0x1000) == start + 0x100  # below the start: unchanged
    assert call(proc, "brk", layout.STACK_TOP) == start + 0x100  # into the stack: refused


def test_mmap_anonymous_fixed_and_munmap(proc) -> None:
    a = call(proc, "mmap2", 0, 0x3000, 3, 0x22, -1, 0)
    assert a == layout.MMAP_BASE
    b = call(proc, "mmap2", 0, 0x1000, 1, 0x22, -1, 0)
    assert b == a + 0x3000 and proc.mem.perms[b >> 12] & 7 == PROT_READ
    proc.mem.store(a, 4, 7)
    assert call(proc, "mmap2", a, 0x1000, 3, 0x32, -1, 0) == a  # MAP_FIXED replaces, zeroed
    assert proc.mem.load(a, 4) == 0
    assert call(proc, "mmap2", a, 0x1000, 3, 0x100022, -1, 0) == -errno.EEXIST  # MAP_FIXED_NOREPLACE
    assert call(proc, "mmap2", a + 1, 0x1000, 3, 0x32, -1, 0) == -errno.EINVAL
    assert call(proc, "mmap2", 0, 0, 3, 0x22, -1, 0) == -errno.EINVAL
    assert call(proc, "mmap2", 0, 0x1000, 3, 0x20, -1, 0) == -errno.EINVAL  # neither shared nor private
    assert call(proc, "munmap", a, 0x3000) == 0
    assert not proc.mem.is_mapped(a, 1)
    assert call(proc, "mmap2", 0, 0x1000, 3, 0x22, -1, 0) == a  # first fit reuses the hole
    assert call(proc, "munmap", a + 1, 0x1000) == -errno.EINVAL


def test_mmap_hint_is_used_when_free(proc) -> None:
    assert call(proc, "mmap2", 0x50000000, 0x1000, 3, 0x22, -1, 0) == 0x50000000


def test_mmap_file(proc, tmp_path) -> None:
    f = tmp_path / "data"
    f.write_bytes(bytes(range(256)) * 40)  # 10240 bytes
    fd = os.open(f, os.O_RDONLY)
    a = call(proc, "mmap2", 0, 0x3000, 1, 0x02, fd, 1)  # offset: 1 page
    assert proc.mem.read(a, 10240 - 4096) == (bytes(range(256)) * 40)[4096:]
    assert proc.mem.read(a + 10240 - 4096, 100) == bytes(100)  # past the end of the file: zero
    os.close(fd)
    wfd = os.open(f, os.O_WRONLY)
    assert call(proc, "mmap2", 0, 0x1000, 1, 0x02, wfd, 0) == -errno.EACCES
    os.close(wfd)
    assert call(proc, "mmap2", 0, 0x1000, 1, 0x02, 999, 0) == -errno.EBADF


def test_old_mmap_takes_a_struct(proc) -> None:
    proc.mem.write(BUF, struct.pack("<6i", 0, 0x2000, 3, 0x22, -1, 0))
    a = call(proc, "mmap", BUF)
    assert a >= layout.MMAP_BASE and proc.mem.is_mapped(a, 0x2000)


def test_mprotect_mremap_madvise(proc) -> None:
    a = call(proc, "mmap2", 0, 0x2000, 3, 0x22, -1, 0)
    assert call(proc, "mprotect", a, 0x1000, 1) == 0
    assert proc.mem.perms[a >> 12] & 7 == PROT_READ
    assert call(proc, "mprotect", 0x7000000, 0x1000, 1) == -errno.ENOMEM
    proc.mem.store(a + 0x1000, 4, 99)
    assert call(proc, "mremap", a, 0x2000, 0x1000, 0, 0) == a
    assert not proc.mem.is_mapped(a + 0x1000, 1)
    call(proc, "mmap2", a + 0x1000, 0x1000, 3, 0x32, -1, 0)  # block growing in place
    proc.mem.write_raw(a, b"keep")
    b = call(proc, "mremap", a, 0x1000, 0x3000, 1, 0)
    assert b not in (a, -errno.ENOMEM) and proc.mem.read_raw(b, 4) == b"keep"
    assert proc.mem.perms[b >> 12] & 7 == PROT_READ and not proc.mem.is_mapped(a, 1)
    assert call(proc, "mremap", b, 0x3000, 0x9000, 0, 0) in (b, -errno.ENOMEM)
    c = call(proc, "mmap2", 0, 0x1000, 3, 0x22, -1, 0)
    proc.mem.store(c, 4, 5)
    assert call(proc, "madvise", c, 0x1000, 4) == 0  # MADV_DONTNEED zeroes anonymous memory
    assert proc.mem.load(c, 4) == 0
    assert call(proc, "madvise", c + 1, 0x1000, 4) == -errno.EINVAL


def test_cacheflush_invalidates_translations(proc) -> None:
    assert call(proc, "cacheflush", 0x10000, 0x10040, 0) == 0
    assert proc.engine.invalidated == [(0x10000, 0x40)]
    assert call(proc, "cacheflush", 0x10040, 0x10000, 0) == -errno.EINVAL


def test_set_tls_and_get_tls(proc) -> None:
    assert call(proc, "set_tls", 0xDEADBEE0) == 0
    assert proc.state.tpidruro == 0xDEADBEE0
    assert call(proc, "get_tls") == 0xDEADBEE0


# ---- process -------------------------------------------------------------------------------------------
def test_identity_calls(proc) -> None:
    assert call(proc, "getpid") == os.getpid() == call(proc, "gettid")
    assert call(proc, "getppid") == os.getppid()
    assert call(proc, "getuid32") == os.getuid() and call(proc, "getegid32") == os.getegid()
    assert call(proc, "getuid") == min(os.getuid(), 65534)
    assert call(proc, "set_tid_address", BUF) == os.getpid() and proc.clear_child_tid == BUF
    assert call(proc, "set_robust_list", BUF, 12) == 0
    assert call(proc, "set_robust_list", BUF, 24) == -errno.EINVAL


def test_exit_raises_guest_exit(proc) -> None:
    with pytest.raises(GuestExit) as e:
        call(proc, "exit_group", 300)
    assert e.value.status == 300 & 0xFF


def test_uname(proc) -> None:
    assert call(proc, "uname", BUF) == 0
    fields = [proc.mem.read_cstring(BUF + 65 * i) for i in range(6)]
    assert fields[0] == b"Linux" and fields[4] == b"armv7l" and fields[2] == os.uname().release.encode()
    proc.uname_release = "4.19.0"
    call(proc, "uname", BUF)
    assert proc.mem.read_cstring(BUF + 130) == b"4.19.0"


def test_rlimits(proc) -> None:
    assert call(proc, "ugetrlimit", 7, BUF) == 0  # RLIMIT_NOFILE
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert struct.unpack("<II", proc.mem.read(BUF, 8)) == (min(soft, 0xFFFFFFFF), min(hard, 0xFFFFFFFF))
    assert call(proc, "prlimit64", 0, 3, 0, BUF) == 0
    assert call(proc, "prlimit64", 0, 99, 0, BUF) == -errno.EINVAL
    proc.mem.write(BUF, struct.pack("<QQ", 1 << 20, 1 << 20))
    before = resource.getrlimit(resource.RLIMIT_STACK)
    assert call(proc, "prlimit64", 0, 3, BUF, 0) == 0  # RLIMIT_STACK: the guest's, not passed on
    assert resource.getrlimit(resource.RLIMIT_STACK) == before


def test_time_calls(proc) -> None:
    import time

    assert call(proc, "clock_gettime", 0, BUF) == 0
    sec, nsec = struct.unpack("<iI", proc.mem.read(BUF, 8))
    assert abs(sec - time.time()) < 5 and nsec < 10**9
    assert call(proc, "clock_gettime64", 1, BUF) == 0
    sec, nsec = struct.unpack("<qq", proc.mem.read(BUF, 16))
    assert abs(sec - time.monotonic()) < 5
    assert call(proc, "clock_gettime", 12345, BUF) == -errno.EINVAL
    assert call(proc, "gettimeofday", BUF, BUF + 8) == 0
    assert abs(struct.unpack("<i", proc.mem.read(BUF, 4))[0] - time.time()) < 5
    proc.mem.write(BUF, struct.pack("<iI", 0, 1000))
    assert call(proc, "nanosleep", BUF, 0) == 0
    proc.mem.write(BUF, struct.pack("<iI", 0, 2 * 10**9))
    assert call(proc, "nanosleep", BUF, 0) == -errno.EINVAL


def test_getrandom_is_reproducible_with_a_seed(proc) -> None:
    assert call(proc, "getrandom", BUF, 16, 0) == 16
    assert proc.mem.read(BUF, 16) == random.Random(5).randbytes(16)
    assert call(proc, "getrandom", BUF, 16, 0x80) == -errno.EINVAL


def test_sysinfo_and_affinity(proc) -> None:
    assert call(proc, "sysinfo", BUF) == 0
    info = abi.SYSINFO.unpack(proc.mem.read(BUF, 64))
    assert info[-1] == 1024 and info[4] > 0  # mem_unit, totalram
    n = call(proc, "sched_getaffinity", 0, 128, BUF)
    assert n > 0 and n % 4 == 0
    mask = int.from_bytes(proc.mem.read(BUF, n), "little")
    assert {i for i in range(n * 8) if mask >> i & 1} == os.sched_getaffinity(0)


def test_futex_single_thread(proc) -> None:
    proc.mem.store(BUF, 4, 1)
    assert call(proc, "futex", BUF, 0 | 128, 2, 0, 0, 0) == -errno.EAGAIN  # value differs
    proc.mem.write(BUF + 16, struct.pack("<iI", 0, 1_000_000))  # 1 ms
    assert call(proc, "futex", BUF, 0, 1, BUF + 16, 0, 0) == -errno.ETIMEDOUT
    assert call(proc, "futex", BUF, 1 | 128, 1, 0, 0, 0) == 0  # wake: nobody waits
    # FUTEX_WAKE_OP: *uaddr2 += 5 (op ADD=1, oparg 5)
    proc.mem.store(BUF + 32, 4, 10)
    assert call(proc, "futex", BUF, 5, 1, 1, BUF + 32, 1 << 28 | 5 << 12) == 0
    assert proc.mem.load(BUF + 32, 4) == 15
    assert call(proc, "futex", 0x100, 0, 1, 0, 0, 0) == -errno.EFAULT


# ---- signals -------------------------------------------------------------------------------------------
def test_rt_sigaction_records_and_returns_actions(proc) -> None:
    proc.mem.write(BUF, abi.SIGACTION.pack(0x10101, 0x04000000, 0x10200, 1 << 9))
    assert call(proc, "rt_sigaction", SIGUSR1, BUF, 0, 8) == 0
    act = proc.signals.action(SIGUSR1)
    assert (act.handler, act.flags, act.restorer, act.mask) == (0x10101, 0x04000000, 0x10200, 1 << 9)
    assert call(proc, "rt_sigaction", SIGUSR1, 0, BUF + 0x100, 8) == 0
    assert proc.mem.read(BUF + 0x100, 20) == proc.mem.read(BUF, 20)
    assert call(proc, "rt_sigaction", 9, BUF, 0, 8) == -errno.EINVAL  # SIGKILL
    assert call(proc, "rt_sigaction", SIGUSR1, BUF, 0, 4) == -errno.EINVAL
    assert call(proc, "rt_sigaction", 65, BUF, 0, 8) == -errno.EINVAL


def test_rt_sigprocmask(proc) -> None:
    proc.mem.write(BUF, ((1 << 9) | (1 << 8)).to_bytes(8, "little"))  # SIGUSR1 (10) and SIGKILL (9)
    assert call(proc, "rt_sigprocmask", 0, BUF, 0, 8) == 0
    assert proc.signals.blocked == 1 << 9  # SIGKILL cannot be blocked
    assert call(proc, "rt_sigprocmask", 1, BUF, BUF + 8, 8) == 0
    assert int.from_bytes(proc.mem.read(BUF + 8, 8), "little") == 1 << 9 and proc.signals.blocked == 0
    assert call(proc, "rt_sigprocmask", 7, BUF, 0, 8) == -errno.EINVAL


def test_kill_self_is_delivered_after_the_call(proc) -> None:
    assert call(proc, "tgkill", os.getpid(), os.getpid(), SIGABRT) == 0
    with pytest.raises(GuestKilled) as e:
        proc.deliver_signals()
    assert e.value.info.sig == SIGABRT and e.value.core


def test_ignored_blocked_and_harmless_signals(proc) -> None:
    assert call(proc, "kill", os.getpid(), SIGCHLD) == 0  # default action: ignore
    proc.deliver_signals()
    proc.mem.write(BUF, abi.SIGACTION.pack(1, 0, 0, 0))  # SIG_IGN
    call(proc, "rt_sigaction", SIGUSR1, BUF, 0, 8)
    assert call(proc, "kill", os.getpid(), SIGUSR1) == 0
    proc.deliver_signals()
    assert call(proc, "kill", os.getpid(), 0) == 0
    assert call(proc, "kill", os.getpid(), 99) == -errno.EINVAL
    proc.signals.set_blocked(1 << (SIGABRT - 1))
    call(proc, "tkill", os.getpid(), SIGABRT)
    proc.deliver_signals()  # blocked: stays pending
    assert proc.signals.pending


def test_epipe_raises_sigpipe(proc) -> None:
    r, w = os.pipe()
    os.close(r)
    proc.mem.write(BUF, b"x")
    assert call(proc, "write", w, BUF, 1) == -errno.EPIPE
    with pytest.raises(GuestKilled) as e:
        proc.deliver_signals()
    assert e.value.info.sig == 13 and not e.value.core
    os.close(w)


# ---- strace --------------------------------------------------------------------------------------------
def test_strace_format(proc, trace, tmp_path) -> None:
    pid = os.getpid()
    r, w = os.pipe()
    proc.mem.write(BUF, b"hi")
    call(proc, "write", w, BUF, 2)
    call(proc, "openat", abi.AT_FDCWD, put_str(proc, b"/nonexistent"), 0o2000000, 0)
    call(proc, "openat", abi.AT_FDCWD, put_str(proc, str(tmp_path / "c").encode()), 0o1101, 0o644)
    call(proc, "mmap2", 0, 8192, 3, 0x22, -1, 0)
    call(proc, "brk", 0)
    call(proc, "write", 1, 0, 5)
    call(proc, "rt_sigprocmask", 0, 0, 0, 8)
    with pytest.raises(GuestExit):
        call(proc, "exit_group", 3)
    lines = trace().splitlines()
    assert lines == [
        f"{pid} write({w},0x20000,2) = 2",
        f'{pid} openat(AT_FDCWD,"/nonexistent",O_RDONLY|O_CLOEXEC) = -1 errno=2 (No such file or directory)',
        f'{pid} openat(AT_FDCWD,"{tmp_path}/c",O_WRONLY|O_CREAT|O_TRUNC,0644) = {lines[2].split()[-1]}',
        f"{pid} mmap2(NULL,8192,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0) = 0x40000000",
        f"{pid} brk(NULL) = 0x{proc.brk:08x}",
        f"{pid} write(1,0,5) = -1 errno=14 (Bad address)",
        f"{pid} rt_sigprocmask(SIG_BLOCK,NULL,NULL,8) = 0",
        f"{pid} exit_group(3)",
    ]
    os.close(r)
    os.close(w)
