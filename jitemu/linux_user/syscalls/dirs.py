"""Directory entries and the file system's names and metadata: getdents, link/symlink, chmod, chown,
utimes/utimensat, renameat2, mknod, statfs, extended attributes.

Directory reading goes through the host's getdents64, whose record layout ARM shares; the old getdents
converts each record to the 32-bit ``struct linux_dirent`` (inode and offset truncated, as qemu does).
The 16-bit id calls (chown, lchown, fchown) widen 0xffff ("unchanged") to -1.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

from jitemu.linux_user import abi
from jitemu.linux_user.syscalls import host
from jitemu.linux_user.syscalls.fs import dirfd_arg, host_path, read_path
from jitemu.memory import PROT_WRITE

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

GETDENTS_MAX = 1 << 20  # the most one call reads from the host (a larger guest buffer just gets less)


# ---- directory entries ---------------------------------------------------------------------------------
def _host_dirents(p: Process, fd: int, buf: int, count: int) -> bytes:
    p.mem.check_range(buf, min(count, 1), PROT_WRITE)
    return host.getdents64(fd, min(count, GETDENTS_MAX))


def sys_getdents64(p: Process, fd: int, buf: int, count: int) -> int:
    data = _host_dirents(p, fd, buf, count)
    p.mem.write(buf, data)
    return len(data)


def sys_getdents(p: Process, fd: int, buf: int, count: int) -> int:
    data = _host_dirents(p, fd, buf, count)
    out = bytearray()
    pos = 0
    while pos < len(data):
        ino, off, reclen, dtype = abi.DIRENT64_HEAD.unpack_from(data, pos)
        name = data[pos + abi.DIRENT64_HEAD.size : pos + reclen].split(b"\0", 1)[0]
        size = (abi.DIRENT32_HEAD.size + len(name) + 2 + 3) & ~3
        off32 = (off + (1 << 31)) % (1 << 32) - (1 << 31)
        record = abi.DIRENT32_HEAD.pack(ino & 0xFFFFFFFF, off32, size) + name
        out += record.ljust(size - 1, b"\0") + bytes([dtype])
        pos += reclen
    p.mem.write(buf, bytes(out))
    return len(out)


# ---- links ---------------------------------------------------------------------------------------------
def sys_linkat(p: Process, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    if flags & ~(abi.AT_SYMLINK_FOLLOW | abi.AT_EMPTY_PATH):
        return -errno.EINVAL
    os.link(read_path(p, old), read_path(p, new), src_dir_fd=dirfd_arg(olddirfd), dst_dir_fd=dirfd_arg(newdirfd),
            follow_symlinks=bool(flags & abi.AT_SYMLINK_FOLLOW))  # fmt: skip
    return 0


def sys_link(p: Process, old: int, new: int) -> int:
    return sys_linkat(p, abi.AT_FDCWD, old, abi.AT_FDCWD, new, 0)


def sys_symlinkat(p: Process, target: int, newdirfd: int, linkpath: int) -> int:
    os.symlink(read_path(p, target), read_path(p, linkpath), dir_fd=dirfd_arg(newdirfd))
    return 0


def sys_symlink(p: Process, target: int, linkpath: int) -> int:
    return sys_symlinkat(p, target, abi.AT_FDCWD, linkpath)


RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT = 1, 2, 4


def sys_renameat2(p: Process, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    host.renameat2(olddirfd, read_path(p, old), newdirfd, read_path(p, new), flags)
    return 0


def sys_mknodat(p: Process, dirfd: int, path: int, mode: int, dev: int) -> int:
    os.mknod(read_path(p, path), mode, abi.decode_dev(dev), dir_fd=dirfd_arg(dirfd))
    return 0


def sys_mknod(p: Process, path: int, mode: int, dev: int) -> int:
    return sys_mknodat(p, abi.AT_FDCWD, path, mode, dev)


# ---- permissions and owners ----------------------------------------------------------------------------
def sys_fchmodat(p: Process, dirfd: int, path: int, mode: int) -> int:
    os.chmod(read_path(p, path), mode & 0o7777, dir_fd=dirfd_arg(dirfd))
    return 0


def sys_chmod(p: Process, path: int, mode: int) -> int:
    return sys_fchmodat(p, abi.AT_FDCWD, path, mode)


def sys_fchmod(p: Process, fd: int, mode: int) -> int:
    os.fchmod(fd, mode & 0o7777)
    return 0


def sys_fchownat(p: Process, dirfd: int, path: int, uid: int, gid: int, flags: int) -> int:
    if flags & ~(abi.AT_SYMLINK_NOFOLLOW | abi.AT_EMPTY_PATH):
        return -errno.EINVAL
    name = read_path(p, path)
    if not name and flags & abi.AT_EMPTY_PATH:
        os.chown(dirfd, uid, gid)
    else:
        os.chown(name, uid, gid, dir_fd=dirfd_arg(dirfd), follow_symlinks=not flags & abi.AT_SYMLINK_NOFOLLOW)
    return 0


def sys_chown32(p: Process, path: int, uid: int, gid: int) -> int:
    return sys_fchownat(p, abi.AT_FDCWD, path, uid, gid, 0)


def sys_lchown32(p: Process, path: int, uid: int, gid: int) -> int:
    return sys_fchownat(p, abi.AT_FDCWD, path, uid, gid, abi.AT_SYMLINK_NOFOLLOW)


def sys_fchown32(p: Process, fd: int, uid: int, gid: int) -> int:
    os.chown(fd, uid, gid)
    return 0


def id16(v: int) -> int:
    """A 16-bit uid/gid argument: 0xffff means -1 ("unchanged")."""
    v &= 0xFFFF
    return -1 if v == 0xFFFF else v


def sys_chown(p: Process, path: int, uid: int, gid: int) -> int:
    return sys_chown32(p, path, id16(uid), id16(gid))


def sys_lchown(p: Process, path: int, uid: int, gid: int) -> int:
    return sys_lchown32(p, path, id16(uid), id16(gid))


def sys_fchown(p: Process, fd: int, uid: int, gid: int) -> int:
    return sys_fchown32(p, fd, id16(uid), id16(gid))


# ---- timestamps ----------------------------------------------------------------------------------------
def _utimens(p: Process, dirfd: int, path: int, times: tuple | None, flags: int) -> int:
    if flags & ~abi.AT_SYMLINK_NOFOLLOW:
        return -errno.EINVAL
    if times is not None and any(ns not in (abi.UTIME_NOW, abi.UTIME_OMIT) and not 0 <= ns < 10**9
                                 for _, ns in times):  # fmt: skip
        return -errno.EINVAL
    name = read_path(p, path) if path else None
    host.utimensat(dirfd, name, times, flags)
    return 0


def _timespecs(p: Process, addr: int, layout) -> tuple | None:
    if not addr:
        return None
    raw = p.mem.read(addr, 2 * layout.size)
    return layout.unpack_from(raw, 0), layout.unpack_from(raw, layout.size)


def sys_utimensat(p: Process, dirfd: int, path: int, times: int, flags: int) -> int:
    return _utimens(p, dirfd, path, _timespecs(p, times, abi.TIMESPEC32), flags)


def sys_utimensat_time64(p: Process, dirfd: int, path: int, times: int, flags: int) -> int:
    return _utimens(p, dirfd, path, _timespecs(p, times, abi.TIMESPEC64), flags)


def sys_futimesat(p: Process, dirfd: int, path: int, times: int) -> int:
    """struct timeval[2] (microseconds)."""
    tv = _timespecs(p, times, abi.TIMESPEC32)
    if tv is not None:
        if any(not 0 <= us < 1_000_000 for _, us in tv):
            return -errno.EINVAL
        tv = tuple((sec, us * 1000) for sec, us in tv)
    return _utimens(p, dirfd, path, tv, 0)


def sys_utimes(p: Process, path: int, times: int) -> int:
    return sys_futimesat(p, abi.AT_FDCWD, path, times)


# ---- file system information ---------------------------------------------------------------------------
def _statfs(p: Process, target: int | None, path: int) -> tuple:
    return host.statfs(host_path(p, read_path(p, path)) if target is None else target)


def _put_statfs64(p: Process, st: tuple, size: int, buf: int) -> int:
    if size not in (abi.STATFS64.size, abi.STATFS64_EABI_SIZE):
        return -errno.EINVAL
    p.mem.write(buf, abi.STATFS64.pack(*(v & 0xFFFFFFFF for v in st[:2]), *st[2:7], *st[7:9],
                                       *(v & 0xFFFFFFFF for v in st[9:])))  # fmt: skip
    return 0


def _put_statfs32(p: Process, st: tuple, buf: int) -> int:
    if any(v >> 32 for v in st[2:7]):
        return -errno.EOVERFLOW
    p.mem.write(buf, abi.STATFS32.pack(*(v & 0xFFFFFFFF for v in st[:7]), *st[7:9], *(v & 0xFFFFFFFF for v in st[9:])))
    return 0


def sys_statfs64(p: Process, path: int, size: int, buf: int) -> int:
    return _put_statfs64(p, _statfs(p, None, path), size, buf)


def sys_fstatfs64(p: Process, fd: int, size: int, buf: int) -> int:
    return _put_statfs64(p, _statfs(p, fd, 0), size, buf)


def sys_statfs(p: Process, path: int, buf: int) -> int:
    return _put_statfs32(p, _statfs(p, None, path), buf)


def sys_fstatfs(p: Process, fd: int, buf: int) -> int:
    return _put_statfs32(p, _statfs(p, fd, 0), buf)


# ---- extended attributes -------------------------------------------------------------------------------
XATTR_SIZE_MAX = 65536


def _xattr_target(p: Process, target: int, by_fd: bool) -> bytes | int:
    return target if by_fd else host_path(p, read_path(p, target))


def _give(p: Process, data: bytes, buf: int, size: int) -> int:
    """The size-query protocol of getxattr/listxattr: size 0 asks how much is needed."""
    if size == 0:
        return len(data)
    if len(data) > size:
        return -errno.ERANGE
    p.mem.write(buf, data)
    return len(data)


def _getxattr(p: Process, target: int, name: int, buf: int, size: int, by_fd: bool = False,
              follow: bool = True) -> int:  # fmt: skip
    attr = p.mem.read_cstring(name, 256)
    return _give(p, os.getxattr(_xattr_target(p, target, by_fd), attr, follow_symlinks=follow), buf, size)


def _listxattr(p: Process, target: int, buf: int, size: int, by_fd: bool = False, follow: bool = True) -> int:
    names = os.listxattr(_xattr_target(p, target, by_fd), follow_symlinks=follow)
    return _give(p, b"".join(os.fsencode(n) + b"\0" for n in names), buf, size)


def _setxattr(p: Process, target: int, name: int, value: int, size: int, flags: int, by_fd: bool = False,
              follow: bool = True) -> int:  # fmt: skip
    if size > XATTR_SIZE_MAX:
        return -errno.E2BIG
    attr, data = p.mem.read_cstring(name, 256), p.mem.read(value, size) if size else b""
    os.setxattr(_xattr_target(p, target, by_fd), attr, data, flags, follow_symlinks=follow)
    return 0


def _removexattr(p: Process, target: int, name: int, by_fd: bool = False, follow: bool = True) -> int:
    os.removexattr(_xattr_target(p, target, by_fd), p.mem.read_cstring(name, 256), follow_symlinks=follow)
    return 0


def sys_getxattr(p: Process, path: int, name: int, buf: int, size: int) -> int:
    return _getxattr(p, path, name, buf, size)


def sys_lgetxattr(p: Process, path: int, name: int, buf: int, size: int) -> int:
    return _getxattr(p, path, name, buf, size, follow=False)


def sys_fgetxattr(p: Process, fd: int, name: int, buf: int, size: int) -> int:
    return _getxattr(p, fd, name, buf, size, by_fd=True)


def sys_listxattr(p: Process, path: int, buf: int, size: int) -> int:
    return _listxattr(p, path, buf, size)


def sys_llistxattr(p: Process, path: int, buf: int, size: int) -> int:
    return _listxattr(p, path, buf, size, follow=False)


def sys_flistxattr(p: Process, fd: int, buf: int, size: int) -> int:
    return _listxattr(p, fd, buf, size, by_fd=True)


def sys_setxattr(p: Process, path: int, name: int, value: int, size: int, flags: int) -> int:
    return _setxattr(p, path, name, value, size, flags)


def sys_lsetxattr(p: Process, path: int, name: int, value: int, size: int, flags: int) -> int:
    return _setxattr(p, path, name, value, size, flags, follow=False)


def sys_fsetxattr(p: Process, fd: int, name: int, value: int, size: int, flags: int) -> int:
    return _setxattr(p, fd, name, value, size, flags, by_fd=True)


def sys_removexattr(p: Process, path: int, name: int) -> int:
    return _removexattr(p, path, name)


def sys_lremovexattr(p: Process, path: int, name: int) -> int:
    return _removexattr(p, path, name, follow=False)


def sys_fremovexattr(p: Process, fd: int, name: int) -> int:
    return _removexattr(p, fd, name, by_fd=True)
