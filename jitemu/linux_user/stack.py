"""The initial process stack: argc, argv, envp and the ELF auxiliary vector, laid out as Linux does.

From the top of the stack down (fs/binfmt_elf.c ``create_elf_tables`` and fs/exec.c):

- a zero word, the file name (AT_EXECFN), the environment strings, the argument strings;
- the platform string (AT_PLATFORM) and 16 random bytes (AT_RANDOM);
- padding so that the final stack pointer is 16-byte aligned;
- argc, argv[0..argc-1], NULL, envp[0..], NULL, then (type, value) auxv pairs ending with AT_NULL.

``build_stack`` writes this into already-mapped guest memory and returns the new stack pointer together
with the addresses it used, so tests (and later /proc/self/auxv) can read them back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from jitemu.memory import GuestMemory

# auxv types (include/uapi/linux/auxvec.h)
AT_NULL, AT_IGNORE, AT_EXECFD, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE = 0, 1, 2, 3, 4, 5, 6, 7
AT_FLAGS, AT_ENTRY, AT_NOTELF, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PLATFORM = 8, 9, 10, 11, 12, 13, 14, 15
AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_BASE_PLATFORM, AT_RANDOM, AT_HWCAP2 = 16, 17, 23, 24, 25, 26
AT_EXECFN = 31

CLOCK_TICKS = 100  # USER_HZ


@dataclass(slots=True)
class ProcessImage:
    """What the auxiliary vector describes: the program as loaded, and the CPU it runs on."""

    phdr: int  # guest address of the program headers
    phent: int
    phnum: int
    entry: int  # the program's own entry point (AT_ENTRY), not the interpreter's
    interp_base: int  # load address of the ELF interpreter, 0 without one (AT_BASE)
    hwcap: int
    hwcap2: int
    platform: str
    execfn: bytes  # the program path as given on the command line


@dataclass(slots=True)
class InitialStack:
    sp: int
    argv: list[int] = field(default_factory=list)  # guest addresses of the argument strings
    envp: list[int] = field(default_factory=list)
    auxv: list[tuple[int, int]] = field(default_factory=list)
    random: int = 0  # address of the AT_RANDOM bytes
    execfn: int = 0


def _ids() -> tuple[int, int, int, int]:
    return os.getuid(), os.geteuid(), os.getgid(), os.getegid()


def build_stack(
    mem: GuestMemory,
    top: int,
    limit: int,
    argv: list[bytes],
    envp: list[bytes],
    image: ProcessImage,
    random_bytes: bytes,
) -> InitialStack:
    """Write the initial stack below ``top``; raise ValueError if it would go below ``limit``."""
    assert len(random_bytes) == 16
    p = top - 4  # the kernel leaves one zero word at the very top

    def push_bytes(data: bytes) -> int:
        nonlocal p
        p -= len(data)
        if p < limit:
            raise ValueError("arguments and environment do not fit on the stack")
        mem.write_raw(p, data)
        return p

    result = InitialStack(sp=0)
    result.execfn = push_bytes(image.execfn + b"\0")
    # Strings are copied last-first so that they end up in order, envp above argv, as execve does.
    env_addrs = [push_bytes(s + b"\0") for s in reversed(envp)][::-1]
    arg_addrs = [push_bytes(s + b"\0") for s in reversed(argv)][::-1]
    p &= ~3
    platform = push_bytes(image.platform.encode() + b"\0")
    p &= ~3
    result.random = push_bytes(random_bytes)

    uid, euid, gid, egid = _ids()
    auxv = [
        (AT_HWCAP, image.hwcap),
        (AT_PAGESZ, 4096),
        (AT_CLKTCK, CLOCK_TICKS),
        (AT_PHDR, image.phdr),
        (AT_PHENT, image.phent),
        (AT_PHNUM, image.phnum),
        (AT_BASE, image.interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, image.entry),
        (AT_UID, uid),
        (AT_EUID, euid),
        (AT_GID, gid),
        (AT_EGID, egid),
        (AT_SECURE, 0),
        (AT_RANDOM, result.random),
        (AT_HWCAP2, image.hwcap2),
        (AT_EXECFN, result.execfn),
        (AT_PLATFORM, platform),
        (AT_NULL, 0),
    ]
    words = [len(argv), *arg_addrs, 0, *env_addrs, 0]
    for key, value in auxv:
        words += [key, value & 0xFFFFFFFF]
    sp = (p - 4 * len(words)) & ~15
    if sp < limit:
        raise ValueError("arguments and environment do not fit on the stack")
    mem.write_raw(sp, b"".join(w.to_bytes(4, "little") for w in words))
    result.sp, result.argv, result.envp, result.auxv = sp, arg_addrs, env_addrs, auxv
    return result
