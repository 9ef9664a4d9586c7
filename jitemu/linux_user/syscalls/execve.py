"""execve and execveat: the guest replaces itself with another program.

What the new program is decides who runs it, as ``binfmt`` handlers decide in the kernel:

- an ARM ELF file runs under jitemu itself, with the same jitemu options (engine, ``-L``, ``-cpu``,
  JIT and logging options: ``Process.exec_options``), the guest's argv[0] (``-0``) and exactly the
  environment the guest passes.  The host process execs ``sys.executable -I -c BOOT``: isolated mode, so
  the guest's environment (PYTHONPATH, PYTHONHOME...) cannot change what runs, and BOOT puts back the
  module search path of this jitemu;
- a ``#!`` script is resolved as fs/binfmt_script.c does, in the guest's view: the interpreter path is
  looked up under the ``-L`` prefix first, its argv is ``interpreter [argument] script args...``, and at
  most ``MAX_DEPTH`` interpreters are followed (then ELOOP);
- anything else (a host program, a script whose interpreter is a host program) is executed by the host
  kernel, as qemu-arm does.

Errors are the ones Linux returns (ENOENT, ENOTDIR, EACCES for something not a regular executable file,
ENOEXEC for a bad script line or a damaged ARM ELF file, ELOOP, E2BIG...) and a failed exec returns to
the guest with nothing changed.  Before the host exec, the guest's ignored signals are ignored on the
host and its signal mask is the host's, since exec keeps both; for an ARM program they are passed on to
the new jitemu (``-exec-signals``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import stat
import sys
from typing import TYPE_CHECKING

import jitemu
from jitemu import log
from jitemu.linux_user import abi
from jitemu.linux_user.loader import EM_ARM, LoadError, find_interpreter, inspect_elf
from jitemu.linux_user.signals import NSIG, SIGKILL, SIGSTOP, Disposition
from jitemu.linux_user.syscalls.fs import PATH_MAX, host_path, read_path

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

BINPRM_BUF_SIZE = 256  # how much of the file the kernel looks at to pick a format
MAX_DEPTH = 5  # interpreters followed (fs/exec.c: exec_binprm gives up with ELOOP beyond)
MAX_ARG_STRLEN = 32 * 4096  # one argument or environment string, with its NUL
MAX_ARG_STRINGS = 0x7FFFFFFF
_libc = ctypes.CDLL(None, use_errno=True)
BOOT = "import sys; sys.path[:0] = {path!r}; from jitemu.linux_user.main import exec_main; sys.exit(exec_main())"


def _string_array(p: Process, addr: int) -> list[bytes]:
    """A NULL-terminated array of guest string pointers (argv, envp); NULL is an empty array."""
    out: list[bytes] = []
    while addr:
        ptr = p.mem.load(addr, 4)
        if not ptr:
            break
        s = p.mem.read_cstring(ptr, MAX_ARG_STRLEN)
        if len(s) >= MAX_ARG_STRLEN:
            raise OSError(errno.E2BIG, "argument too long")
        out.append(s)
        addr += 4
    return out


def _header(path: bytes) -> bytes:
    """Open ``path`` for exec as the kernel does and return its first bytes (OSError on failure)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode) or not os.access(path, os.X_OK):
        raise OSError(errno.EACCES, "not an executable regular file")
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, BINPRM_BUF_SIZE)
    finally:
        os.close(fd)


def _is_arm_elf(header: bytes) -> bool:
    return header[:4] == b"\x7fELF" and len(header) >= 20 and int.from_bytes(header[18:20], "little") == EM_ARM


def _find(buf: bytes, start: int, end: int, chars: bytes, want: bool) -> int | None:
    """The first index in [start, end) whose byte is (``want``) or is not in ``chars``."""
    for i in range(start, end):
        if (buf[i] in chars) == want:
            return i
    return None


def parse_shebang(header: bytes) -> tuple[bytes, bytes | None]:
    """The interpreter and optional argument of a ``#!`` line, as fs/binfmt_script.c finds them in the
    first BINPRM_BUF_SIZE bytes of the file; ENOEXEC if there is none or it may be truncated."""
    buf = header[:BINPRM_BUF_SIZE].ljust(BINPRM_BUF_SIZE, b"\0")
    last = BINPRM_BUF_SIZE - 1
    end = buf.find(b"\n")
    if end < 0:
        first = _find(buf, 2, last + 1, b" \t", False)
        if first is None or _find(buf, first, last + 1, b" \t\0", True) is None:
            raise OSError(errno.ENOEXEC, "#! line too long")
        end = last
    while buf[end - 1] in b" \t":
        end -= 1
    name = _find(buf, 2, end, b" \t", False)
    if name is None or name == end:
        raise OSError(errno.ENOEXEC, "no interpreter in the #! line")
    sep = _find(buf, name, end, b" \t\0", True)
    interp = buf[name : end if sep is None else sep]
    arg = None
    if sep is not None and buf[sep] != 0:
        start = _find(buf, sep, end, b" \t", False)
        if start is not None:
            arg = buf[start:end].split(b"\0", 1)[0]
    return interp, arg


def _check_arm(p: Process, path: bytes) -> None:
    """What the kernel checks before committing to an ARM ELF file: headers, and the interpreter exists."""
    try:
        info = inspect_elf(os.fsdecode(path))
    except LoadError:
        raise OSError(errno.ENOEXEC, "bad ELF file") from None
    if info.interp is not None:
        interp = find_interpreter(info.interp, p.ld_prefix)
        if not os.path.exists(interp):
            raise OSError(errno.ENOENT, "no ELF interpreter")


def _signal_state(p: Process) -> tuple[int, int]:
    """The guest's ignored signals and blocked mask, as bit n-1 for signal n."""
    ignored = 0
    for sig in range(1, NSIG + 1):
        if p.signals.disposition(sig) == Disposition.IGNORE:
            ignored |= 1 << (sig - 1)
    return ignored, p.signals.blocked


def _execve(path: bytes, argv: list[bytes], envp: list[bytes]) -> None:
    """The host execve(2) itself (os.execve refuses an empty argv or argv[0], which Linux allows)."""
    c_argv = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
    c_envp = (ctypes.c_char_p * (len(envp) + 1))(*envp, None)
    _libc.execve(path, c_argv, c_envp)
    err = ctypes.get_errno()
    raise OSError(err, os.strerror(err))


def _host_exec(p: Process, path: bytes, argv: list[bytes], envp: list[bytes]) -> None:
    """Exec ``path`` on the host with the guest's signal dispositions and mask; OSError if it fails."""
    ignored, blocked = _signal_state(p)
    saved = {}
    for sig in range(1, signal.NSIG):
        if sig in (SIGKILL, SIGSTOP):
            continue
        try:
            saved[sig] = signal.signal(sig, signal.SIG_IGN if ignored >> (sig - 1) & 1 else signal.SIG_DFL)
        except (OSError, ValueError):  # the host's own real-time signals (glibc reserves two)
            continue
    old_mask = signal.pthread_sigmask(signal.SIG_SETMASK, {s for s in range(1, NSIG + 1) if blocked >> (s - 1) & 1})
    log.flush()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    try:
        _execve(path, argv, envp)
    finally:  # only reached when the exec failed
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        for sig, handler in saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def jitemu_command(p: Process, path: bytes, argv: list[bytes], env_fd: int) -> list[bytes]:
    """The host command line that runs the ARM program ``path`` under jitemu as the guest asked."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(jitemu.__file__)))
    boot = BOOT.format(path=[root, *sys.path])
    ignored, blocked = _signal_state(p)
    opts = [*p.exec_options, "-exec-signals", f"{ignored:#x}:{blocked:#x}", "-exec-env-fd", str(env_fd)]
    return [
        os.fsencode(sys.executable), b"-I", b"-c", boot.encode(),
        *(os.fsencode(o) for o in opts), b"-0", argv[0] if argv else b"",
        b"arm", os.path.abspath(path), *argv[1:],
    ]  # fmt: skip


def _exec_jitemu(p: Process, path: bytes, argv: list[bytes], envp: list[bytes]) -> None:
    """Exec jitemu on the ARM program ``path``.  The guest environment goes through an inherited memfd
    rather than the new process's environment: Python changes its own (LC_CTYPE for the C locale)."""
    fd = os.memfd_create("jitemu-exec-env", 0)
    try:
        os.set_inheritable(fd, True)
        os.write(fd, b"".join(e + b"\0" for e in envp))
        os.lseek(fd, 0, os.SEEK_SET)
        command = jitemu_command(p, path, argv, fd)
        _host_exec(p, command[0], command, envp)
    finally:
        os.close(fd)


def do_execve(p: Process, filename: bytes, argv: list[bytes], envp: list[bytes], nofollow: bool = False) -> int:
    """Resolve and run ``filename`` (a guest path); return only with a negative errno."""
    if not filename:
        return -errno.ENOENT
    guest_name = filename
    path = host_path(p, filename)
    if nofollow and os.path.islink(path):
        return -errno.ELOOP
    for depth in range(MAX_DEPTH + 2):
        header = _header(path)
        if _is_arm_elf(header):
            _check_arm(p, path)
            _exec_jitemu(p, path, argv, envp)
        if header[:2] != b"#!":
            _host_exec(p, path, argv, envp)  # the host kernel decides (a host program, or ENOEXEC)
        if depth == MAX_DEPTH:
            return -errno.ELOOP
        interp, arg = parse_shebang(header)
        argv = [interp, *([arg] if arg is not None else []), guest_name, *argv[1:]]
        guest_name = interp
        path = host_path(p, interp)
    return -errno.ELOOP


def sys_execve(p: Process, filename: int, argv: int, envp: int) -> int:
    return do_execve(p, read_path(p, filename), _string_array(p, argv), _string_array(p, envp))


def sys_execveat(p: Process, dirfd: int, filename: int, argv: int, envp: int, flags: int) -> int:
    if flags & ~(abi.AT_EMPTY_PATH | abi.AT_SYMLINK_NOFOLLOW):
        return -errno.EINVAL
    name = read_path(p, filename)
    args, env = _string_array(p, argv), _string_array(p, envp)
    if not name.startswith(b"/") and dirfd != abi.AT_FDCWD:
        if not name:
            if not flags & abi.AT_EMPTY_PATH:
                return -errno.ENOENT
            name = b"/proc/self/fd/%d" % dirfd
        else:
            name = b"/proc/self/fd/%d/%s" % (dirfd, name)
        if len(name) > PATH_MAX:
            return -errno.ENAMETOOLONG
    return do_execve(p, name, args, env, nofollow=bool(flags & abi.AT_SYMLINK_NOFOLLOW))
