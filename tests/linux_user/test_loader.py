"""The ELF loader: bad files give one-line LoadErrors, good ones land in memory with the right permissions,
and the initial stack holds argc/argv/envp/auxv exactly where Linux puts them."""

from __future__ import annotations

import os
import random
import struct
import subprocess

import pytest

from jitemu.linux_user import layout, stack
from jitemu.linux_user.cpus import lookup
from jitemu.linux_user.loader import LoadError, inspect_elf, load_program
from jitemu.memory import PROT_EXEC, PROT_READ, PROT_WRITE, GuestMemory

from .elfgen import PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, Seg, make_elf, simple_elf

CPU = lookup("max")
HELLO_C = b'#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n'


@pytest.fixture(scope="module")
def hello(tmp_path_factory) -> str:
    """A real static ARM program."""
    d = tmp_path_factory.mktemp("hello")
    (d / "hello.c").write_bytes(HELLO_C)
    out = d / "hello"
    subprocess.run(["arm-linux-gnueabihf-gcc", "-static", "-O2", str(d / "hello.c"), "-o", str(out)], check=True)
    return str(out)


def _load(path: str, argv=(b"prog",), envp=(b"A=1",), **kw):
    mem = GuestMemory()
    return mem, load_program(mem, path, list(argv), list(envp), cpu=CPU, **kw)


def _write(tmp_path, data: bytes, name: str = "prog") -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


# ---- bad files -----------------------------------------------------------------------------------------
def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


BAD_FILES = {
    "empty": (b"", "not an ELF file"),
    "text": (b"#!/bin/sh\necho hi\n", "not an ELF file"),
    "magic-only": (b"\x7fELF", "truncated ELF header"),
    "64-bit": (b"\x7fELF\x02\x01\x01" + bytes(57), "not a 32-bit ELF file"),
    "bad-class": (b"\x7fELF\x07\x01\x01" + bytes(57), "invalid ELF class"),
    "big-endian": (b"\x7fELF\x01\x02\x01" + bytes(57), "not a little-endian ELF file"),
    "x86": (simple_elf(machine=3), "not for ARM"),
    "relocatable": (simple_elf(e_type=1), "not an executable"),
    "core": (simple_elf(e_type=4), "not an executable"),
    "bad-phentsize": (simple_elf(phentsize=56), "invalid program header size"),
    "no-phdrs": (_patched(simple_elf(), 44, "<H", 0), "no program headers"),
    "phdrs-past-eof": (_patched(simple_elf(), 28, "<I", 0x7FFFFFF0), "past the end of the file"),
    "too-many-phdrs": (_patched(simple_elf(), 44, "<H", 0xFFFF), "too many program headers"),
    "filesz>memsz": (make_elf([Seg(0x10000, b"x" * 100, memsz=10)]), "file size larger than memory size"),
    "data-past-eof": (make_elf([Seg(0x10000, b"x" * 16, filesz=1 << 20)]), "past the end of the file"),
    "beyond-4g": (make_elf([Seg(0xFFFFF000, b"x", memsz=0x2000)]), "outside the 32-bit address space"),
    "not-congruent": (make_elf([Seg(0x10010, b"x", offset=0x1000)]), "not congruent"),
    "no-load": (make_elf([Seg(0, b"", p_type=PT_GNU_STACK)]), "no loadable segments"),
    "page-zero": (make_elf([Seg(0x0, b"x")]), "outside the user address space"),
    "over-kuser": (make_elf([Seg(0xFFFF0000, b"x")]), "outside the user address space"),
    "in-stack": (make_elf([Seg(layout.STACK_TOP - 0x1000, b"x")]), "overlaps the stack"),
    "huge": (make_elf([Seg(0x10000, b"x", memsz=0xFFF00000)]), "too large"),
    "interp-not-terminated": (
        make_elf([Seg(0x10000, b"x"), Seg(0, b"/lib/ld.so", p_type=PT_INTERP)]),
        "invalid PT_INTERP path",
    ),  # fmt: skip
    "interp-missing": (
        make_elf([Seg(0x10000, b"x"), Seg(0, b"/nonexistent/ld.so\0", p_type=PT_INTERP)]),
        "ELF interpreter /nonexistent/ld.so: No such file or directory",
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_file_is_a_load_error(tmp_path, name: str) -> None:
    data, reason = BAD_FILES[name]
    with pytest.raises(LoadError) as e:
        _load(_write(tmp_path, data))
    assert reason in str(e.value)
    assert "\n" not in str(e.value)


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(LoadError, match="No such file or directory"):
        _load(str(tmp_path / "nope"))
    with pytest.raises(LoadError, match="Is a directory"):
        _load(str(tmp_path))


def test_fifo_does_not_hang(tmp_path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(LoadError, match="not a regular file"):
        _load(str(fifo))


def test_host_program_is_rejected() -> None:
    with pytest.raises(LoadError, match="not a 32-bit ELF file"):
        _load("/bin/true")


def test_truncated_real_program(tmp_path, hello: str) -> None:
    data = open(hello, "rb").read()
    loaded_end = max(s.offset + s.filesz for s in inspect_elf(hello).segments)
    for cut in (1, 4, 5, 16, 40, 52, 60, 100, 200, 300, 4096, loaded_end // 2, loaded_end - 1):
        path = _write(tmp_path, data[:cut])
        with pytest.raises(LoadError):
            _load(path)
    _load(_write(tmp_path, data[:loaded_end]))  # the section headers after the segments are not needed


def test_random_header_damage_never_escapes_as_another_exception(tmp_path, hello: str) -> None:
    data = open(hello, "rb").read()
    rng = random.Random(1234)
    for _ in range(300):
        damaged = bytearray(data[:8192])
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(0, 52 + 7 * 32)] = rng.randrange(256)
        path = _write(tmp_path, bytes(damaged))
        try:
            _load(path)
        except LoadError as e:
            assert "\n" not in str(e)


# ---- good files ----------------------------------------------------------------------------------------
def test_static_program_segments_and_brk(hello: str) -> None:
    info = inspect_elf(hello)
    mem, prog = _load(hello)
    assert prog.load_bias == 0 and prog.entry == info.entry and prog.start == info.entry
    for s in info.segments:
        assert mem.perms[s.vaddr >> 12] & 7 == s.prot
        with open(hello, "rb") as f:
            f.seek(s.offset)
            assert mem.read_raw(s.vaddr, s.filesz) == f.read(s.filesz)
        bss = s.vaddr + s.filesz
        assert mem.read_raw(bss, s.memsz - s.filesz) == bytes(s.memsz - s.filesz)
    assert prog.brk == max(s.vaddr + s.memsz for s in info.segments) + 0xFFF & ~0xFFF
    assert prog.exe_path == os.path.realpath(hello)


def test_pie_loads_at_pie_base(tmp_path) -> None:
    mem, prog = _load(_write(tmp_path, simple_elf(e_type=3)))
    assert prog.load_bias == layout.PIE_BASE - 0x10000
    assert prog.start == layout.PIE_BASE
    assert mem.read_raw(layout.PIE_BASE, 4) == bytes.fromhex("0000a0e3")


def test_thumb_entry_sets_bit0(tmp_path) -> None:
    mem, prog = _load(_write(tmp_path, simple_elf(entry=0x10001)))
    assert prog.start == 0x10001


def test_segments_sharing_a_page_get_both_permissions(tmp_path) -> None:
    code = Seg(0x10000, b"\x11" * 0x100, flags=PF_R | PF_X)
    data = Seg(0x10800, b"\x22" * 0x10, memsz=0x2000, flags=PF_R | PF_W)
    mem, prog = _load(_write(tmp_path, make_elf([code, data])))
    assert mem.perms[0x10] & 7 == PROT_READ | PROT_WRITE | PROT_EXEC
    assert mem.perms[0x11] & 7 == PROT_READ | PROT_WRITE
    assert mem.read_raw(0x10000, 0x100) == b"\x11" * 0x100
    assert mem.read_raw(0x10800, 0x10) == b"\x22" * 0x10
    assert mem.read_raw(0x10810, 0x1FF0) == bytes(0x1FF0)  # bss
    assert prog.brk == 0x13000


def test_stack_permissions_follow_pt_gnu_stack(tmp_path) -> None:
    nx = make_elf([Seg(0x10000, b"x"), Seg(0, b"", p_type=PT_GNU_STACK, flags=PF_R | PF_W)])
    mem, prog = _load(_write(tmp_path, nx))
    assert mem.perms[(layout.STACK_TOP - 1) >> 12] & 7 == PROT_READ | PROT_WRITE
    mem, prog = _load(_write(tmp_path, simple_elf(), "old"))
    assert mem.perms[(layout.STACK_TOP - 1) >> 12] & 7 == PROT_READ | PROT_WRITE | PROT_EXEC


def test_stack_size_and_guard(tmp_path) -> None:
    mem, prog = _load(_write(tmp_path, simple_elf()), stack_size=64 << 10)
    assert prog.stack_low == layout.STACK_TOP - (64 << 10)
    assert mem.is_mapped(prog.stack_low, 64 << 10)
    assert not mem.is_mapped(prog.stack_low - 1, 1)


def test_arguments_too_big_for_the_stack(tmp_path) -> None:
    with pytest.raises(LoadError, match="Argument list too long"):
        _load(_write(tmp_path, simple_elf()), argv=[b"x" * 40000], stack_size=16 << 10)


def test_kuser_page_is_mapped_read_exec(tmp_path) -> None:
    mem, _ = _load(_write(tmp_path, simple_elf()))
    assert mem.perms[layout.KUSER_PAGE >> 12] & 7 == PROT_READ | PROT_EXEC
    assert mem.load(0xFFFF0FFC, 4) == 5


# ---- the initial stack ---------------------------------------------------------------------------------
def _words(mem: GuestMemory, addr: int, n: int) -> list[int]:
    return list(struct.unpack(f"<{n}I", mem.read(addr, 4 * n)))


def test_initial_stack_layout(hello: str) -> None:
    argv = [b"/bin/prog", b"one", b"two words", b""]
    envp = [b"A=1", b"HOME=/root", b"EMPTY="]
    mem, prog = _load(hello, argv=argv, envp=envp, random_bytes=bytes(range(16)))
    sp = prog.stack.sp
    assert sp % 16 == 0
    argc = mem.load(sp, 4)
    assert argc == len(argv)
    argv_ptrs = _words(mem, sp + 4, argc + 1)
    assert argv_ptrs[-1] == 0
    assert [mem.read_cstring(a) for a in argv_ptrs[:-1]] == argv
    env_at = sp + 4 * (argc + 2)
    env_ptrs = _words(mem, env_at, len(envp) + 1)
    assert env_ptrs[-1] == 0
    assert [mem.read_cstring(a) for a in env_ptrs[:-1]] == envp
    # the strings are contiguous and in order: argv first, then envp, then the file name at the top
    assert argv_ptrs[0] < argv_ptrs[1] < env_ptrs[0] < env_ptrs[-2]
    auxv_at = env_at + 4 * (len(envp) + 1)
    auxv: dict[int, int] = {}
    at = auxv_at
    while True:
        key, value = _words(mem, at, 2)
        at += 8
        if key == stack.AT_NULL:
            break
        auxv[key] = value

    info = inspect_elf(hello)
    assert auxv[stack.AT_PAGESZ] == 4096
    assert auxv[stack.AT_ENTRY] == info.entry
    assert auxv[stack.AT_PHNUM] == info.phnum and auxv[stack.AT_PHENT] == 32
    with open(hello, "rb") as f:
        f.seek(info.phoff)
        assert mem.read(auxv[stack.AT_PHDR], 32 * info.phnum) == f.read(32 * info.phnum)
    assert auxv[stack.AT_BASE] == 0 and auxv[stack.AT_FLAGS] == 0
    assert auxv[stack.AT_HWCAP] == CPU.hwcap == 0x1FB0D7
    assert auxv[stack.AT_HWCAP2] == 0
    assert mem.read_cstring(auxv[stack.AT_PLATFORM]) == b"v7l"
    assert mem.read(auxv[stack.AT_RANDOM], 16) == bytes(range(16))
    assert mem.read_cstring(auxv[stack.AT_EXECFN]) == hello.encode()
    assert auxv[stack.AT_CLKTCK] == 100 and auxv[stack.AT_SECURE] == 0
    assert (auxv[stack.AT_UID], auxv[stack.AT_EUID]) == (os.getuid(), os.geteuid())
    assert (auxv[stack.AT_GID], auxv[stack.AT_EGID]) == (os.getgid(), os.getegid())
    # the file name sits just below the zero word at the top of the stack
    execfn = auxv[stack.AT_EXECFN]
    assert execfn + len(hello) + 1 == layout.STACK_TOP - 4
    assert mem.load(layout.STACK_TOP - 4, 4) == 0
