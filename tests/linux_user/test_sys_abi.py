"""The ARM EABI details of the system calls real programs use, through the dispatcher against a loaded process:
64-bit arguments in aligned register pairs, ARM structure layouts (statfs64, the old linux_dirent, struct
flock, epoll_event), the generated /proc files, and their -strace lines.  Layouts and numbers come from the
kernel's ARM uapi headers; strace formats from qemu-arm's output for the same calls."""

# ruff: noqa: F811 - the test functions take the imported fixtures as parameters
from __future__ import annotations

import errno
import os
import re
import struct

from jitemu.linux_user import abi
from jitemu.linux_user.cpus import HWCAP_BITS
from jitemu.linux_user.loader import inspect_elf

from .test_syscalls import BUF, call, proc, put_str, trace  # noqa: F401 - the fixtures are shared

BIG = 5_000_000_000  # needs both words of a 64-bit argument


def test_truncate64_takes_an_aligned_register_pair(proc, tmp_path, trace) -> None:
    path = put_str(proc, str(tmp_path / "f").encode())
    fd = call(proc, "open", path, 0o102, 0o600)  # O_RDWR | O_CREAT
    # truncate64(path, <pad>, low word, high word): the pair starts at the even register r2
    assert call(proc, "truncate64", path, 0xDEAD, BIG & 0xFFFFFFFF, BIG >> 32) == 0
    assert os.stat(tmp_path / "f").st_size == BIG
    assert call(proc, "ftruncate64", fd, 0xDEAD, 7, 0) == 0
    assert os.fstat(fd).st_size == 7
    assert call(proc, "ftruncate64", fd, 0, -1 & 0xFFFFFFFF, -1 & 0xFFFFFFFF) == -errno.EINVAL
    assert f'truncate64("{tmp_path}/f",{BIG}) = 0' in trace()
    assert re.search(rf"ftruncate64\({fd},7\) = 0", trace())


def test_pread64_pwrite64_offsets_in_r4_r5(proc, tmp_path) -> None:
    fd = os.open(tmp_path / "g", os.O_RDWR | os.O_CREAT)
    proc.mem.write(BUF, b"xyz")
    assert call(proc, "pwrite64", fd, BUF, 3, 0xDEAD, 1 << 20, 1) == 3  # offset 4 GiB + 1 MiB
    assert os.pread(fd, 3, (1 << 32) + (1 << 20)) == b"xyz"
    assert call(proc, "pread64", fd, BUF + 16, 3, 0, 1 << 20, 1) == 3
    assert proc.mem.read(BUF + 16, 3) == b"xyz"


def test_arm_fadvise64_64_has_the_advice_second(proc, tmp_path, trace) -> None:
    fd = os.open(tmp_path / "h", os.O_RDWR | os.O_CREAT)
    assert call(proc, "arm_fadvise64_64", fd, os.POSIX_FADV_DONTNEED, 0, 0, 100, 0) == 0
    assert call(proc, "arm_fadvise64_64", fd, 99, 0, 0, 100, 0) == -errno.EINVAL
    assert f"arm_fadvise64_64({fd},4,0,100) = 0" in trace()


def test_statfs64_layout_and_the_eabi_size(proc, tmp_path) -> None:
    path = put_str(proc, str(tmp_path).encode())
    assert call(proc, "statfs64", path, 100, BUF) == -errno.EINVAL
    for size in (84, 88):  # sizeof(struct statfs64) on ARM, and what EABI C libraries pass (the kernel accepts both)
        proc.mem.write(BUF, bytes(96))
        assert call(proc, "statfs64", path, size, BUF) == 0
        vfs = os.statvfs(tmp_path)
        bsize, blocks = struct.unpack_from("<IQ", proc.mem.read(BUF + 4, 12))
        namelen, frsize = struct.unpack_from("<II", proc.mem.read(BUF + 56, 8))
        assert (bsize, blocks, namelen, frsize) == (vfs.f_bsize, vfs.f_blocks, vfs.f_namemax, vfs.f_frsize)
        assert proc.mem.read(BUF + 84, 12) == bytes(12)


def test_old_getdents_records(proc, tmp_path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "file").write_bytes(b"")
    (tmp_path / "d" / "sub").mkdir()
    fd = os.open(tmp_path / "d", os.O_RDONLY | os.O_DIRECTORY)
    n = call(proc, "getdents", fd, BUF, 4096)
    data, pos, seen = proc.mem.read(BUF, n), 0, {}
    while pos < n:  # struct linux_dirent: u32 ino, s32 off, u16 reclen, name, NUL, d_type in the last byte
        ino, _off, reclen = struct.unpack_from("<IiH", data, pos)
        assert reclen % 4 == 0
        seen[data[pos + 10 : pos + reclen].split(b"\0")[0]] = (ino, data[pos + reclen - 1])
        pos += reclen
    assert seen[b"file"] == (os.stat(tmp_path / "d" / "file").st_ino & 0xFFFFFFFF, 8)  # DT_REG
    assert seen[b"sub"][1] == 4 and set(seen) == {b".", b"..", b"file", b"sub"}  # DT_DIR
    assert call(proc, "getdents", fd, BUF, 4096) == 0


def test_fcntl_locks_in_both_arm_layouts(proc, tmp_path) -> None:
    fd = os.open(tmp_path / "l", os.O_RDWR | os.O_CREAT)
    other = os.open(tmp_path / "l", os.O_RDWR)
    # struct flock64 (EABI: 8-aligned l_start): an OFD write lock on bytes 10..29
    proc.mem.write(BUF, struct.pack("<hh4xqqi4x", 1, 0, 10, 20, 0))
    assert call(proc, "fcntl64", fd, 37, BUF) == 0  # F_OFD_SETLK
    proc.mem.write(BUF, struct.pack("<hh4xqqi4x", 1, 0, 0, 0, 0))
    assert call(proc, "fcntl64", other, 36, BUF) == 0  # F_OFD_GETLK
    assert struct.unpack("<hh4xqqi4x", proc.mem.read(BUF, 32)) == (1, 0, 10, 20, -1)
    # struct flock (32-bit offsets, 16 bytes): F_GETLK from the same process sees no conflict
    proc.mem.write(BUF, struct.pack("<hhiii", 0, 0, 0, 5, 0))
    assert call(proc, "fcntl64", fd, 6, BUF) == 0  # F_SETLK, read lock
    proc.mem.write(BUF, struct.pack("<hhiii", 1, 0, 0, 5, 0))
    assert call(proc, "fcntl64", fd, 5, BUF) == 0  # F_GETLK
    assert struct.unpack("<hhiii", proc.mem.read(BUF, 16))[0] == 2  # F_UNLCK


def test_epoll_event_is_16_bytes_on_arm(proc) -> None:
    ep = call(proc, "epoll_create1", 0)
    r, w = os.pipe()
    os.write(w, b"!")
    proc.mem.write(BUF, struct.pack("<I4xQ", 1, 0x0123456789ABCDEF))  # EPOLLIN, data at offset 8
    assert call(proc, "epoll_ctl", ep, 1, r, BUF) == 0
    assert call(proc, "epoll_wait", ep, BUF + 64, 4, 0) == 1
    assert struct.unpack("<I4xQ", proc.mem.read(BUF + 64, 16)) == (1, 0x0123456789ABCDEF)


def _read_generated(proc, path: bytes) -> bytes:
    fd = call(proc, "open", put_str(proc, path), 0, 0)
    assert fd >= 0
    assert os.fstat(fd).st_size > 0 and os.get_blocking(fd)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def test_proc_self_files_describe_the_guest(proc) -> None:
    maps = _read_generated(proc, b"/proc/self/maps").decode()
    segment = next(s for s in inspect_elf(proc.exe_path).segments)
    line = rf"^00010000-00011000 r-xp {segment.offset & ~0xFFF:08x} [0-9a-f]{{2}}:[0-9a-f]{{2}} \d+ +\S+/prog$"
    assert re.search(line, maps, re.M), maps
    assert "ffff0000-ffff1000 r-xp 00000000 00:00 0" + " " * 34 + "[vectors]\n" in maps  # the path column: 74
    assert re.search(r"^be[0-9a-f]{6}-bf000000 rw[x-]p 00000000 00:00 0 +\[stack\]$", maps, re.M)
    assert f"{BUF:08x}-{BUF + 0x4000:08x} rw-p 00000000 00:00 0\n" in maps
    assert _read_generated(proc, b"/proc/%d/cmdline" % proc.pid) == b"prog\0"
    auxv = _read_generated(proc, b"/proc/self/auxv")
    pairs = dict(struct.iter_unpack("<II", auxv))
    assert pairs[6] == 4096 and pairs[16] == proc.cpu.hwcap and auxv.endswith(bytes(8))  # AT_PAGESZ, AT_HWCAP
    stat = _read_generated(proc, b"/proc/thread-self/stat").split()
    assert stat[:4] == [str(proc.pid).encode(), b"(prog)", b"R", str(os.getppid()).encode()] and len(stat) == 44


def test_proc_cpuinfo_is_a_cortex_a15(proc) -> None:
    text = _read_generated(proc, b"/proc/cpuinfo").decode()
    features = [n for n, bit in HWCAP_BITS.items() if proc.cpu.hwcap & bit]
    assert f"Features\t: {' '.join(features)}\n" in text
    assert "CPU implementer\t: 0x41\nCPU architecture: 7\nCPU variant\t: 0x2\nCPU part\t: 0xc0f\n" in text
    assert text.count("processor\t: ") == os.cpu_count()


def test_file_mappings_are_named_and_forgotten(proc, tmp_path) -> None:
    path = tmp_path / "mapped"
    path.write_bytes(b"m" * 0x3000)
    fd = os.open(path, os.O_RDONLY)
    addr = call(proc, "mmap2", 0, 0x2000, 1, 2, fd, 1)  # PROT_READ, MAP_PRIVATE, from file page 1
    maps = _read_generated(proc, b"/proc/self/maps").decode()
    assert re.search(rf"^{addr:08x}-{addr + 0x2000:08x} r--p 00001000 .* {path}$", maps, re.M), maps
    assert call(proc, "munmap", addr, 0x1000) == 0
    maps = _read_generated(proc, b"/proc/self/maps").decode()
    assert re.search(rf"^{addr + 0x1000:08x}-{addr + 0x2000:08x} r--p 00002000 .* {path}$", maps, re.M), maps
    assert f"{addr:08x}-" not in maps


def test_ioctl_and_socket_strace_lines(proc, trace) -> None:
    r, _w = os.pipe()
    assert call(proc, "ioctl", r, 0x5451, 0) == 0  # FIOCLEX: no argument
    proc.mem.write(BUF, (1).to_bytes(4, "little"))
    assert call(proc, "ioctl", r, 0x5421, BUF) == 0  # FIONBIO: the int it points to
    assert call(proc, "ioctl", r, 0x541B, BUF) == 0  # FIONREAD: the result after the return value
    s = call(proc, "socket", 2, 2, 0)
    proc.mem.write(BUF + 64, struct.pack("<HH4s8x", 2, 0, bytes([127, 0, 0, 1])))
    assert call(proc, "bind", s, BUF + 64, 16) == 0
    text = trace()
    assert f"ioctl({r},FIOCLEX) = 0\n" in text
    assert f"ioctl({r},FIONBIO,1) = 0\n" in text
    assert f"ioctl({r},FIONREAD,0x{BUF:08x}) = 0 (0)\n" in text
    assert "socket(PF_INET,SOCK_DGRAM,IPPROTO_IP) = " in text
    assert f'bind({s},{{sin_family=AF_INET,sin_port=htons(0),sin_addr=inet_addr("127.0.0.1")}}, 16) = 0' in text


def test_unknown_ioctl_and_fcntl_are_logged(proc, trace) -> None:
    r, _w = os.pipe()
    assert call(proc, "ioctl", r, 0x1234, 0) == -errno.ENOTTY
    assert call(proc, "fcntl64", r, 999, 0) == -errno.EINVAL
    text = trace()
    assert "Unsupported ioctl: cmd=0x1234" in text and "Unsupported fcntl command: 999" in text


def test_abi_layout_sizes() -> None:
    assert (abi.STATFS64.size, abi.STATFS32.size, abi.FLOCK64.size, abi.FLOCK32.size) == (84, 64, 32, 16)
    assert (abi.EPOLL_EVENT.size, abi.RUSAGE.size, abi.TMS.size) == (16, 72, 16)


def test_epoll_pwait2_takes_a_64_bit_timespec(proc) -> None:
    ep = call(proc, "epoll_create1", 0)
    r, w = os.pipe()
    proc.mem.write(BUF, struct.pack("<I4xQ", 1, 7))
    assert call(proc, "epoll_ctl", ep, 1, r, BUF) == 0
    proc.mem.write(BUF + 32, struct.pack("<qq", 0, 1000))  # 1 microsecond: rounds up to a millisecond
    assert call(proc, "epoll_pwait2", ep, BUF + 64, 4, BUF + 32, 0, 8) == 0
    proc.mem.write(BUF + 32, struct.pack("<qq", 0, 1_000_000_000))
    assert call(proc, "epoll_pwait2", ep, BUF + 64, 4, BUF + 32, 0, 8) == -errno.EINVAL
    os.write(w, b"!")
    assert call(proc, "epoll_pwait2", ep, BUF + 64, 4, 0, 0, 8) == 1  # NULL: wait until ready
    assert struct.unpack("<I4xQ", proc.mem.read(BUF + 64, 16)) == (1, 7)
