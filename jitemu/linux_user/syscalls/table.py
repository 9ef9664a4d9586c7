"""THE system call table: for every implemented ARM EABI call, its implementation and argument kinds.

A row is ``(name, implementation, argument kinds[, result kind])``; the number comes from the kernel's
table (``syscall_names``).  Argument kinds (``strace.KINDS``) say how each register is converted and
logged; ``cmode`` is a creation mode shown only when the flags create a file.  Calls listed in
``syscall_names`` but not here return -ENOSYS.
"""

from __future__ import annotations

from jitemu.linux_user.syscall_names import NUMBERS
from jitemu.linux_user.syscalls import SyscallDef, clock, dirs, fileio, fs, mem, proc, sig

_ROWS = (
    # process
    ("exit", proc.sys_exit, "int"),
    ("exit_group", proc.sys_exit_group, "int"),
    ("getpid", proc.sys_getpid, ""),
    ("gettid", proc.sys_gettid, ""),
    ("getppid", proc.sys_getppid, ""),
    ("getuid", proc.sys_getuid, ""),
    ("geteuid", proc.sys_geteuid, ""),
    ("getgid", proc.sys_getgid, ""),
    ("getegid", proc.sys_getegid, ""),
    ("getuid32", proc.sys_getuid32, ""),
    ("geteuid32", proc.sys_geteuid32, ""),
    ("getgid32", proc.sys_getgid32, ""),
    ("getegid32", proc.sys_getegid32, ""),
    ("set_tid_address", proc.sys_set_tid_address, "ptr"),
    ("set_robust_list", proc.sys_set_robust_list, "ptr uint"),
    ("prlimit64", proc.sys_prlimit64, "int int ptr ptr"),
    ("ugetrlimit", proc.sys_ugetrlimit, "int ptr"),
    ("getrlimit", proc.sys_ugetrlimit, "int ptr"),
    ("setrlimit", proc.sys_setrlimit, "int ptr"),
    ("uname", proc.sys_uname, "ptr"),
    ("sysinfo", proc.sys_sysinfo, "ptr"),
    ("sched_getaffinity", proc.sys_sched_getaffinity, "int uint ptr"),
    ("sched_yield", proc.sys_sched_yield, ""),
    ("getrandom", proc.sys_getrandom, "buf uint uint"),
    ("futex", proc.sys_futex, "ptr futexop uint ptr ptr uint"),
    ("futex_time64", proc.sys_futex_time64, "ptr futexop uint ptr ptr uint"),
    ("set_tls", proc.sys_set_tls, "hex"),
    ("get_tls", proc.sys_get_tls, "", "ptr"),
    ("breakpoint", proc.sys_breakpoint, ""),
    # signals
    ("rt_sigaction", sig.sys_rt_sigaction, "sig ptr ptr uint"),
    ("rt_sigprocmask", sig.sys_rt_sigprocmask, "sighow ptr ptr uint"),
    ("kill", sig.sys_kill, "int sig"),
    ("tgkill", sig.sys_tgkill, "int int sig"),
    ("tkill", sig.sys_tkill, "int sig"),
    # time
    ("clock_gettime", clock.sys_clock_gettime, "clock ptr"),
    ("clock_gettime64", clock.sys_clock_gettime64, "clock ptr"),
    ("clock_getres", clock.sys_clock_getres, "clock ptr"),
    ("clock_getres_time64", clock.sys_clock_getres_time64, "clock ptr"),
    ("gettimeofday", clock.sys_gettimeofday, "ptr ptr"),
    ("nanosleep", clock.sys_nanosleep, "ptr ptr"),
    ("clock_nanosleep", clock.sys_clock_nanosleep, "clock int ptr ptr"),
    ("clock_nanosleep_time64", clock.sys_clock_nanosleep_time64, "clock int ptr ptr"),
    # memory
    ("brk", mem.sys_brk, "ptr", "ptr"),
    ("mmap2", mem.sys_mmap2, "ptr uint prot mflags fd uint", "ptr"),
    ("mmap", mem.sys_mmap, "ptr", "ptr"),
    ("munmap", mem.sys_munmap, "ptr uint"),
    ("mprotect", mem.sys_mprotect, "ptr uint prot"),
    ("mremap", mem.sys_mremap, "ptr uint uint mremap ptr", "ptr"),
    ("madvise", mem.sys_madvise, "ptr uint madvice"),
    ("cacheflush", mem.sys_cacheflush, "ptr ptr hex"),
    # files
    ("read", fs.sys_read, "fd buf uint"),
    ("write", fs.sys_write, "fd buf uint"),
    ("readv", fs.sys_readv, "fd ptr int"),
    ("writev", fs.sys_writev, "fd ptr int"),
    ("open", fs.sys_open, "str oflags cmode"),
    ("openat", fs.sys_openat, "atfd str oflags cmode"),
    ("close", fs.sys_close, "fd"),
    ("lseek", fs.sys_lseek, "fd int whence"),
    ("_llseek", fs.sys__llseek, "fd uint uint ptr whence"),
    ("dup", fs.sys_dup, "fd"),
    ("dup2", fs.sys_dup2, "fd fd"),
    ("dup3", fs.sys_dup3, "fd fd oflags"),
    ("pipe", fs.sys_pipe, "ptr"),
    ("pipe2", fs.sys_pipe2, "ptr oflags"),
    ("fcntl", fs.sys_fcntl64, "fd fcntl int"),
    ("fcntl64", fs.sys_fcntl64, "fd fcntl int"),
    ("stat64", fs.sys_stat64, "str ptr"),
    ("lstat64", fs.sys_lstat64, "str ptr"),
    ("fstat64", fs.sys_fstat64, "fd ptr"),
    ("fstatat64", fs.sys_fstatat64, "atfd str ptr atflags"),
    ("statx", fs.sys_statx, "atfd str atflags statx ptr"),
    ("ioctl", fs.sys_ioctl, "fd ioctl ptr"),
    ("readlink", fs.sys_readlink, "str buf int"),
    ("readlinkat", fs.sys_readlinkat, "atfd str buf int"),
    ("access", fs.sys_access, "str access"),
    ("faccessat", fs.sys_faccessat, "atfd str access"),
    ("faccessat2", fs.sys_faccessat2, "atfd str access atflags"),
    ("getcwd", fs.sys_getcwd, "buf uint"),
    ("chdir", fs.sys_chdir, "str"),
    ("fchdir", fs.sys_fchdir, "fd"),
    ("mkdir", fs.sys_mkdir, "str octal"),
    ("mkdirat", fs.sys_mkdirat, "atfd str octal"),
    ("unlink", fs.sys_unlink, "str"),
    ("unlinkat", fs.sys_unlinkat, "atfd str atflags"),
    ("rmdir", fs.sys_rmdir, "str"),
    ("rename", fs.sys_rename, "str str"),
    ("renameat", fs.sys_renameat, "atfd str atfd str"),
    ("umask", fs.sys_umask, "octal"),
    ("fsync", fs.sys_fsync, "fd"),
    # directories, names and metadata
    ("getdents64", dirs.sys_getdents64, "fd ptr uint"),
    ("getdents", dirs.sys_getdents, "fd ptr uint"),
    ("link", dirs.sys_link, "str str"),
    ("linkat", dirs.sys_linkat, "atfd str atfd str atflags"),
    ("symlink", dirs.sys_symlink, "str str"),
    ("symlinkat", dirs.sys_symlinkat, "str atfd str"),
    ("renameat2", dirs.sys_renameat2, "atfd str atfd str renameflags"),
    ("mknod", dirs.sys_mknod, "str octal hex"),
    ("mknodat", dirs.sys_mknodat, "atfd str octal hex"),
    ("chmod", dirs.sys_chmod, "str octal"),
    ("fchmod", dirs.sys_fchmod, "fd octal"),
    ("fchmodat", dirs.sys_fchmodat, "atfd str octal"),
    ("chown", dirs.sys_chown, "str uint uint"),
    ("lchown", dirs.sys_lchown, "str uint uint"),
    ("fchown", dirs.sys_fchown, "fd uint uint"),
    ("chown32", dirs.sys_chown32, "str int int"),
    ("lchown32", dirs.sys_lchown32, "str int int"),
    ("fchown32", dirs.sys_fchown32, "fd int int"),
    ("fchownat", dirs.sys_fchownat, "atfd str int int atflags"),
    ("utimensat", dirs.sys_utimensat, "atfd str ptr atflags"),
    ("utimensat_time64", dirs.sys_utimensat_time64, "atfd str ptr atflags"),
    ("futimesat", dirs.sys_futimesat, "atfd str ptr"),
    ("utimes", dirs.sys_utimes, "str ptr"),
    ("statfs", dirs.sys_statfs, "str ptr"),
    ("fstatfs", dirs.sys_fstatfs, "fd ptr"),
    ("statfs64", dirs.sys_statfs64, "str uint ptr"),
    ("fstatfs64", dirs.sys_fstatfs64, "fd uint ptr"),
    # positioned and bulk I/O, sizes, locks
    ("pread64", fileio.sys_pread64, "fd buf uint pad off64 hi"),
    ("pwrite64", fileio.sys_pwrite64, "fd buf uint pad off64 hi"),
    ("preadv", fileio.sys_preadv, "fd ptr int off64 hi"),
    ("pwritev", fileio.sys_pwritev, "fd ptr int off64 hi"),
    ("preadv2", fileio.sys_preadv2, "fd ptr int off64 hi hex"),
    ("pwritev2", fileio.sys_pwritev2, "fd ptr int off64 hi hex"),
    ("sendfile", fileio.sys_sendfile, "fd fd ptr uint"),
    ("sendfile64", fileio.sys_sendfile64, "fd fd ptr uint"),
    ("copy_file_range", fileio.sys_copy_file_range, "fd ptr fd ptr uint uint"),
    ("truncate", fileio.sys_truncate, "str int"),
    ("ftruncate", fileio.sys_ftruncate, "fd int"),
    ("truncate64", fileio.sys_truncate64, "str pad off64 hi"),
    ("ftruncate64", fileio.sys_ftruncate64, "fd pad off64 hi"),
    ("fallocate", fileio.sys_fallocate, "fd int off64 hi off64 hi"),
    ("arm_fadvise64_64", fileio.sys_arm_fadvise64_64, "fd int off64 hi off64 hi"),
    ("readahead", fileio.sys_readahead, "fd pad off64 hi uint"),
    ("flock", fileio.sys_flock, "fd int"),
    ("sync", fileio.sys_sync, ""),
    ("syncfs", fileio.sys_syncfs, "fd"),
    ("fdatasync", fileio.sys_fdatasync, "fd"),
    ("memfd_create", fileio.sys_memfd_create, "str hex"),
    ("close_range", fileio.sys_close_range, "uint uint hex"),
)


def _build() -> dict[int, SyscallDef]:
    table = {}
    for name, impl, kinds, *result in _ROWS:
        nr = NUMBERS[name]
        assert nr not in table, f"syscall {name} listed twice"
        table[nr] = SyscallDef(nr, name, impl, tuple(kinds.split()), *result)
    return table


SYSCALLS: dict[int, SyscallDef] = _build()
