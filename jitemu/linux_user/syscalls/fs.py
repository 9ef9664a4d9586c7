"""File and file-descriptor system calls: I/O, open/close, seeking, stat, ioctl, paths.

Guest file descriptors are host file descriptors (as in qemu-arm).  Paths are passed through, except
that ``/proc/self/exe`` (and ``/proc/PID/exe``) names the guest program rather than the Python binary,
that the /proc files describing the process are the guest's (``procfs``), and that calls which look
files up (open, stat, access, readlink, chdir) try an absolute path under the ``-L`` guest root first,
as qemu-arm does, so a dynamic linker finds the guest's libraries there.
"""

from __future__ import annotations

import errno
import fcntl
import os
from typing import TYPE_CHECKING

from jitemu import log
from jitemu.linux_user import abi, procfs
from jitemu.linux_user.signals import SI_USER, SIGPIPE
from jitemu.memory import PAGE_MASK, PROT_READ, PROT_WRITE, GuestMemory

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

PATH_MAX = 4096
IOV_MAX = 1024
MAX_RW_COUNT = 0x7FFFF000  # the kernel's cap on one read/write


# ---- helpers -------------------------------------------------------------------------------------------
def accessible_span(mem: GuestMemory, addr: int, count: int, need: int) -> int:
    """How many bytes from ``addr`` (at most ``count``) the guest can access with ``need`` permissions,
    contiguously: a read into a buffer that runs into an unmapped page stops there, as in Linux."""
    end = min(addr + count, 1 << 32)
    a = addr
    perms = mem.perms
    while a < end and perms[a >> 12] & need == need:
        a = (a | PAGE_MASK) + 1
    return max(0, min(a, end) - addr)


def read_path(p: Process, addr: int) -> bytes:
    """A guest path argument."""
    path = p.mem.read_cstring(addr, PATH_MAX + 1)
    if len(path) > PATH_MAX:
        raise OSError(errno.ENAMETOOLONG, "path too long")
    return path


def host_path(p: Process, path: bytes) -> bytes:
    """The host path for a guest path that names an existing file."""
    if procfs.exe_link(p, path):
        return os.fsencode(p.exe_path)
    if p.ld_prefix and path.startswith(b"/"):
        under = os.fsencode(p.ld_prefix).rstrip(b"/") + path
        if os.path.lexists(under):
            return under
    return path


def dirfd_arg(fd: int) -> int | None:
    return None if fd == abi.AT_FDCWD else fd


def pipe_broken(p: Process) -> None:
    """Writing to a pipe with no reader: the kernel sends SIGPIPE as well as returning EPIPE."""
    p.send_self(SIGPIPE, SI_USER)


# ---- read / write --------------------------------------------------------------------------------------
def sys_read(p: Process, fd: int, buf: int, count: int) -> int:
    n = accessible_span(p.mem, buf, min(count, MAX_RW_COUNT), PROT_WRITE)
    if count and not n:
        return -errno.EFAULT
    data = os.read(fd, n)
    p.mem.write(buf, data)
    return len(data)


def sys_write(p: Process, fd: int, buf: int, count: int) -> int:
    n = accessible_span(p.mem, buf, min(count, MAX_RW_COUNT), PROT_READ)
    if count and not n:
        return -errno.EFAULT
    try:
        return os.write(fd, p.mem.read(buf, n))
    except BrokenPipeError:
        pipe_broken(p)
        raise


def iovecs(p: Process, iov: int, iovcnt: int) -> list[tuple[int, int]]:
    if iovcnt < 0 or iovcnt > IOV_MAX:
        raise OSError(errno.EINVAL, "bad iovcnt")
    raw = p.mem.read(iov, abi.IOVEC.size * iovcnt)
    vecs = [abi.IOVEC.unpack_from(raw, i * abi.IOVEC.size) for i in range(iovcnt)]
    if sum(length for _, length in vecs) > 0x7FFFFFFF:
        raise OSError(errno.EINVAL, "total length overflows")
    return vecs


def readv_into(p: Process, vecs: list[tuple[int, int]], reader) -> int:
    """Scatter what ``reader(buffers)`` reads into the guest's iovecs (checked writable first)."""
    for base, length in vecs:
        if length:
            p.mem.check_range(base, length, PROT_WRITE)
    bufs = [bytearray(length) for _, length in vecs]
    n = reader(bufs)
    left = n
    for (base, _), buf in zip(vecs, bufs, strict=True):
        chunk = bytes(buf[:left])
        p.mem.write(base, chunk)
        left -= len(chunk)
    return n


def sys_readv(p: Process, fd: int, iov: int, iovcnt: int) -> int:
    return readv_into(p, iovecs(p, iov, iovcnt), lambda bufs: os.readv(fd, bufs))


def sys_writev(p: Process, fd: int, iov: int, iovcnt: int) -> int:
    data = [p.mem.read(base, length) for base, length in iovecs(p, iov, iovcnt)]
    try:
        return os.writev(fd, data)
    except BrokenPipeError:
        pipe_broken(p)
        raise


# ---- open / close / seek -------------------------------------------------------------------------------
def sys_openat(p: Process, dirfd: int, path: int, flags: int, mode: int) -> int:
    name = read_path(p, path)
    if name.startswith(b"/proc/"):
        fd = procfs.open_special(p, name, bool(flags & abi.O_CLOEXEC))
        if fd is not None:
            return fd
    fd = os.open(host_path(p, name), abi.open_flags_to_host(flags), mode, dir_fd=dirfd_arg(dirfd))
    if not flags & abi.O_CLOEXEC:
        os.set_inheritable(fd, True)  # Python opens everything close-on-exec; the guest did not ask for it
    return fd


def sys_open(p: Process, path: int, flags: int, mode: int) -> int:
    return sys_openat(p, abi.AT_FDCWD, path, flags, mode)


def sys_creat(p: Process, path: int, mode: int) -> int:
    return sys_openat(p, abi.AT_FDCWD, path, abi.O_CREAT | abi.O_WRONLY | abi.O_TRUNC, mode)


def sys_close(p: Process, fd: int) -> int:
    os.close(fd)
    return 0


def sys_lseek(p: Process, fd: int, offset: int, whence: int) -> int:
    pos = os.lseek(fd, offset, whence)
    return -errno.EOVERFLOW if pos > 0x7FFFFFFF else pos


def sys__llseek(p: Process, fd: int, offset_high: int, offset_low: int, result: int, whence: int) -> int:
    offset = offset_high << 32 | offset_low
    if offset >= 1 << 63:
        offset -= 1 << 64
    pos = os.lseek(fd, offset, whence)
    p.mem.write(result, pos.to_bytes(8, "little"))
    return 0


def sys_dup(p: Process, fd: int) -> int:
    new = os.dup(fd)
    os.set_inheritable(new, True)
    return new


def sys_dup3(p: Process, fd: int, fd2: int, flags: int) -> int:
    if flags & ~abi.O_CLOEXEC or fd == fd2:
        return -errno.EINVAL
    return os.dup2(fd, fd2, inheritable=not flags & abi.O_CLOEXEC)


def sys_dup2(p: Process, fd: int, fd2: int) -> int:
    if fd == fd2:
        os.fstat(fd)  # EBADF check
        return fd2
    return os.dup2(fd, fd2)


def sys_pipe2(p: Process, fds: int, flags: int) -> int:
    r, w = os.pipe2(abi.open_flags_to_host(flags))
    try:
        p.mem.write(fds, r.to_bytes(4, "little") + w.to_bytes(4, "little"))
    except Exception:
        os.close(r)
        os.close(w)
        raise
    return 0


def sys_pipe(p: Process, fds: int) -> int:
    return sys_pipe2(p, fds, 0)


F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC = 0, 1, 2, 3, 4, 1030
F_GETLK, F_SETLK, F_SETLKW, F_GETLK64, F_SETLK64, F_SETLKW64 = 5, 6, 7, 12, 13, 14
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_SETOWN_EX, F_GETOWN_EX = 15, 16  # struct f_owner_ex {int type; pid_t pid}: the same on ARM and the host
# commands whose argument is an int, the same on ARM and the host: F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG,
# F_SETLEASE, F_GETLEASE, F_NOTIFY, F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS
_INT_FCNTLS = (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, 8, 9, 10, 11, 1024, 1025, 1026, 1031, 1032, 1033, 1034)
# lock command -> (host command, guest structure)
_LOCK_FCNTLS = {
    F_GETLK: (F_GETLK, abi.FLOCK32), F_SETLK: (F_SETLK, abi.FLOCK32), F_SETLKW: (F_SETLKW, abi.FLOCK32),
    F_GETLK64: (F_GETLK, abi.FLOCK64), F_SETLK64: (F_SETLK, abi.FLOCK64), F_SETLKW64: (F_SETLKW, abi.FLOCK64),
    F_OFD_GETLK: (F_OFD_GETLK, abi.FLOCK64), F_OFD_SETLK: (F_OFD_SETLK, abi.FLOCK64),
    F_OFD_SETLKW: (F_OFD_SETLKW, abi.FLOCK64),
}  # fmt: skip


def _fcntl_lock(p: Process, fd: int, cmd: int, arg: int) -> int:
    host_cmd, layout = _LOCK_FCNTLS[cmd]
    fields = layout.unpack(p.mem.read(arg, layout.size))
    result = abi.HOST_FLOCK.unpack(fcntl.fcntl(fd, host_cmd, abi.HOST_FLOCK.pack(*fields)))
    if host_cmd in (F_GETLK, F_OFD_GETLK):
        if layout is abi.FLOCK32 and any(not -(1 << 31) <= v < 1 << 31 for v in result[2:4]):
            return -errno.EOVERFLOW
        p.mem.write(arg, layout.pack(*result))
    return 0


def sys_fcntl64(p: Process, fd: int, cmd: int, arg: int) -> int:
    if cmd in _INT_FCNTLS:
        return fcntl.fcntl(fd, cmd, arg)
    if cmd == F_GETFL:
        return abi.open_flags_to_guest(fcntl.fcntl(fd, F_GETFL))
    if cmd == F_SETFL:
        return fcntl.fcntl(fd, F_SETFL, abi.open_flags_to_host(arg & 0xFFFFFFFF))
    if cmd in _LOCK_FCNTLS:
        return _fcntl_lock(p, fd, cmd, arg)
    if cmd == F_SETOWN_EX:
        fcntl.fcntl(fd, cmd, p.mem.read(arg, 8))
        return 0
    if cmd == F_GETOWN_EX:
        p.mem.check_range(arg, 8, PROT_WRITE)
        p.mem.write(arg, fcntl.fcntl(fd, cmd, bytes(8)))
        return 0
    if log.enabled("unimp"):
        log.write(f"Unsupported fcntl command: {cmd}\n")
    return -errno.EINVAL


# ---- stat ----------------------------------------------------------------------------------------------
def _stat(p: Process, dirfd: int, path_addr: int, flags: int) -> os.stat_result:
    path = read_path(p, path_addr)
    if not path:
        if not flags & abi.AT_EMPTY_PATH:
            raise OSError(errno.ENOENT, "empty path")
        return os.stat(dirfd if dirfd != abi.AT_FDCWD else ".")
    follow = not flags & abi.AT_SYMLINK_NOFOLLOW
    if not follow and procfs.exe_link(p, path):
        return os.stat(path, follow_symlinks=False)  # the link itself, as lstat sees it
    return os.stat(host_path(p, path), dir_fd=dirfd_arg(dirfd), follow_symlinks=follow)


def sys_fstatat64(p: Process, dirfd: int, path: int, buf: int, flags: int) -> int:
    p.mem.write(buf, abi.pack_stat64(_stat(p, dirfd, path, flags)))
    return 0


def sys_stat64(p: Process, path: int, buf: int) -> int:
    return sys_fstatat64(p, abi.AT_FDCWD, path, buf, 0)


def sys_lstat64(p: Process, path: int, buf: int) -> int:
    return sys_fstatat64(p, abi.AT_FDCWD, path, buf, abi.AT_SYMLINK_NOFOLLOW)


def sys_fstat64(p: Process, fd: int, buf: int) -> int:
    p.mem.write(buf, abi.pack_stat64(os.fstat(fd)))
    return 0


def sys_statx(p: Process, dirfd: int, path: int, flags: int, mask: int, buf: int) -> int:
    p.mem.write(buf, abi.pack_statx(_stat(p, dirfd, path, flags)))
    return 0


# ---- ioctl ---------------------------------------------------------------------------------------------
def sys_ioctl(p: Process, fd: int, request: int, arg: int) -> int:
    os.fstat(fd)  # EBADF comes before ENOTTY
    known = abi.IOCTLS.get(request)
    if known is None:
        if log.enabled("unimp"):
            log.write(f"Unsupported ioctl: cmd=0x{request:04x}\n")
        return -errno.ENOTTY
    _, size, how = known
    if how == "out":
        p.mem.check_range(arg, size, PROT_WRITE)
        p.mem.write(arg, fcntl.ioctl(fd, request, bytes(size)))
    elif how == "in":
        fcntl.ioctl(fd, request, p.mem.read(arg, size))
    else:
        fcntl.ioctl(fd, request, arg if how == "value" else 0)
    return 0


# ---- paths ---------------------------------------------------------------------------------------------
def sys_readlinkat(p: Process, dirfd: int, path: int, buf: int, size: int) -> int:
    if size <= 0:
        return -errno.EINVAL
    name = read_path(p, path)
    if procfs.exe_link(p, name):
        target = os.fsencode(p.exe_path)
    else:
        target = os.readlink(host_path(p, name), dir_fd=dirfd_arg(dirfd))
    target = target[:size]
    p.mem.write(buf, target)
    return len(target)


def sys_readlink(p: Process, path: int, buf: int, size: int) -> int:
    return sys_readlinkat(p, abi.AT_FDCWD, path, buf, size)


def sys_faccessat2(p: Process, dirfd: int, path: int, mode: int, flags: int) -> int:
    if mode & ~7:
        return -errno.EINVAL
    name = host_path(p, read_path(p, path))
    dfd = dirfd_arg(dirfd)
    follow = not flags & abi.AT_SYMLINK_NOFOLLOW
    if flags & abi.AT_EMPTY_PATH and not name:
        name, dfd = os.fsencode(f"/proc/self/fd/{dirfd}"), None
    if os.access(name, mode, dir_fd=dfd, effective_ids=bool(flags & abi.AT_EACCESS), follow_symlinks=follow):
        return 0
    os.stat(name, dir_fd=dfd, follow_symlinks=follow)  # raises ENOENT, ENOTDIR, ELOOP... if that is the cause
    return -errno.EACCES


def sys_faccessat(p: Process, dirfd: int, path: int, mode: int) -> int:
    return sys_faccessat2(p, dirfd, path, mode, 0)


def sys_access(p: Process, path: int, mode: int) -> int:
    return sys_faccessat2(p, abi.AT_FDCWD, path, mode, 0)


def sys_getcwd(p: Process, buf: int, size: int) -> int:
    cwd = os.getcwdb() + b"\0"
    if len(cwd) > size:
        return -errno.ERANGE
    p.mem.write(buf, cwd)
    return len(cwd)


def sys_chdir(p: Process, path: int) -> int:
    os.chdir(host_path(p, read_path(p, path)))
    return 0


def sys_fchdir(p: Process, fd: int) -> int:
    os.chdir(fd)
    return 0


def sys_mkdirat(p: Process, dirfd: int, path: int, mode: int) -> int:
    os.mkdir(read_path(p, path), mode, dir_fd=dirfd_arg(dirfd))
    return 0


def sys_mkdir(p: Process, path: int, mode: int) -> int:
    return sys_mkdirat(p, abi.AT_FDCWD, path, mode)


def sys_unlinkat(p: Process, dirfd: int, path: int, flags: int) -> int:
    if flags & ~abi.AT_REMOVEDIR:
        return -errno.EINVAL
    remove = os.rmdir if flags & abi.AT_REMOVEDIR else os.unlink
    remove(read_path(p, path), dir_fd=dirfd_arg(dirfd))
    return 0


def sys_unlink(p: Process, path: int) -> int:
    return sys_unlinkat(p, abi.AT_FDCWD, path, 0)


def sys_rmdir(p: Process, path: int) -> int:
    return sys_unlinkat(p, abi.AT_FDCWD, path, abi.AT_REMOVEDIR)


def sys_renameat(p: Process, olddirfd: int, oldpath: int, newdirfd: int, newpath: int) -> int:
    os.rename(read_path(p, oldpath), read_path(p, newpath), src_dir_fd=dirfd_arg(olddirfd),
              dst_dir_fd=dirfd_arg(newdirfd))  # fmt: skip
    return 0


def sys_rename(p: Process, oldpath: int, newpath: int) -> int:
    return sys_renameat(p, abi.AT_FDCWD, oldpath, abi.AT_FDCWD, newpath)


def sys_umask(p: Process, mask: int) -> int:
    return os.umask(mask & 0o777)


def sys_fsync(p: Process, fd: int) -> int:
    os.fsync(fd)
    return 0
