"""THE system call table: for every implemented ARM EABI call, its implementation and argument kinds.

A row is ``(name, implementation, argument kinds[, result kind])``; the number comes from the kernel's
table (``syscall_names``).  Argument kinds (``strace.KINDS``) say how each register is converted and
logged; ``cmode`` is a creation mode shown only when the flags create a file.  Calls listed in
``syscall_names`` but not here return -ENOSYS.
"""

from __future__ import annotations

from jitemu.linux_user.syscall_names import NUMBERS
from jitemu.linux_user.syscalls import SyscallDef, clock, execve, fs, mem, proc, procs, sig

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
    # processes
    ("fork", procs.sys_fork, ""),
    ("vfork", procs.sys_vfork, ""),
    ("clone", procs.sys_clone, "clone ptr ptr hex ptr"),
    ("wait4", procs.sys_wait4, "int ptr waitopt ptr"),
    ("waitid", procs.sys_waitid, "idtype int ptr waitopt ptr"),
    ("execve", execve.sys_execve, "str ptr ptr"),
    ("execveat", execve.sys_execveat, "atfd str ptr ptr atflags"),
    ("setpgid", procs.sys_setpgid, "int int"),
    ("getpgid", procs.sys_getpgid, "int"),
    ("getpgrp", procs.sys_getpgrp, ""),
    ("setsid", procs.sys_setsid, ""),
    ("getsid", procs.sys_getsid, "int"),
    # signals
    ("rt_sigaction", sig.sys_rt_sigaction, "sig ptr ptr uint"),
    ("rt_sigprocmask", sig.sys_rt_sigprocmask, "sighow ptr ptr uint"),
    ("kill", sig.sys_kill, "int sig"),
    ("tgkill", sig.sys_tgkill, "int int sig"),
    ("tkill", sig.sys_tkill, "int sig"),
    ("rt_sigqueueinfo", sig.sys_rt_sigqueueinfo, "int sig ptr"),
    ("rt_tgsigqueueinfo", sig.sys_rt_tgsigqueueinfo, "int int sig ptr"),
    ("rt_sigpending", sig.sys_rt_sigpending, "ptr uint"),
    ("rt_sigsuspend", sig.sys_rt_sigsuspend, "ptr uint"),
    ("sigsuspend", sig.sys_sigsuspend, "int int hex"),
    ("pause", sig.sys_pause, ""),
    ("rt_sigtimedwait", sig.sys_rt_sigtimedwait, "ptr ptr ptr uint"),
    ("rt_sigtimedwait_time64", sig.sys_rt_sigtimedwait_time64, "ptr ptr ptr uint"),
    ("sigreturn", sig.sys_sigreturn, "", "sigreturn"),
    ("rt_sigreturn", sig.sys_rt_sigreturn, "", "sigreturn"),
    ("sigaltstack", sig.sys_sigaltstack, "ptr ptr"),
    ("setitimer", sig.sys_setitimer, "int ptr ptr"),
    ("getitimer", sig.sys_getitimer, "int ptr"),
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
)


def _build() -> dict[int, SyscallDef]:
    table = {}
    for name, impl, kinds, *result in _ROWS:
        nr = NUMBERS[name]
        assert nr not in table, f"syscall {name} listed twice"
        table[nr] = SyscallDef(nr, name, impl, tuple(kinds.split()), *result)
    return table


SYSCALLS: dict[int, SyscallDef] = _build()
