"""Dynamically linked programs with ``-L`` under both engines, compared with ``qemu-arm -L``: the project's
hello and an auxiliary-vector check (AT_BASE, AT_ENTRY, AT_PHDR... for the interpreter case, PIE and not),
the ELF interpreter run as the program, a dynamic program executed by a static one (the prefix is passed
on), and Debian's hello:armhf extracted from its package (scripts/setup-tests.sh)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from guest import PROGRAMS, ROOT, Result, build, require_tool, run_group, run_jitemu, run_qemu_exec

LINUX_PROGRAMS = Path(__file__).resolve().parent / "programs"
SYSROOT = "/usr/arm-linux-gnueabihf"
LD_SO = f"{SYSROOT}/lib/ld-linux-armhf.so.3"
DEBIAN = ROOT / "tests" / "programs" / "build" / "debian" / "root"
BUSYBOX = DEBIAN / "bin" / "busybox"
ENGINES = {"interp": ["-engine", "interp"], "jit": ["-engine", "jit", "-jit-threshold", "32"]}


def _qemu(argv: list, env: dict | None = None) -> Result:
    return run_group([require_tool("qemu-arm"), "-L", SYSROOT, *map(str, argv)], env=env, timeout=120)


def _same(got: Result, want: Result) -> None:
    err = got.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in got.stderr and b"internal error" not in got.stderr, err
    assert got.stdout == want.stdout, err
    assert got.returncode == want.returncode, err


@pytest.fixture(scope="module", autouse=True)
def sysroot() -> None:
    assert os.path.exists(LD_SO), "the ARM sysroot comes with the cross compiler (scripts/setup-tests.sh)"


@pytest.mark.parametrize("engine", ENGINES)
def test_dynamic_hello(engine: str) -> None:
    prog = build("hello", "thumb-O2", src_dir=PROGRAMS, static=False)
    env = dict(os.environ, JITEMU_TEST_VAR="dynamic")
    _same(run_jitemu(prog, ["a", "b"], opts=["-L", SYSROOT, *ENGINES[engine]], env=env), _qemu([prog, "a", "b"], env))


@pytest.mark.parametrize(("engine", "extra"), [("interp", ()), ("interp", ("-no-pie",)), ("jit", ())])
def test_auxv_of_a_dynamic_program(engine: str, extra: tuple[str, ...]) -> None:
    prog = build("dynaux", "arm-O2", extra, src_dir=LINUX_PROGRAMS, static=False)
    want = _qemu([prog, "x"])
    assert b"AT_BASE is the interpreter's load address=1" in want.stdout
    _same(run_jitemu(prog, ["x"], opts=["-L", SYSROOT, *ENGINES[engine]]), want)


def test_interpreter_run_as_the_program() -> None:
    prog = build("dynaux", "arm-O2", src_dir=LINUX_PROGRAMS, static=False)
    want = _qemu([LD_SO, prog, "x"])
    assert b"base nonzero=0" in want.stdout
    _same(run_jitemu(LD_SO, [str(prog), "x"], opts=["-L", SYSROOT, "-engine", "interp"]), want)


def test_exec_of_a_dynamic_program_keeps_the_prefix() -> None:
    """A static program (busybox sh) executes a dynamic one: the new jitemu gets -L too."""
    assert BUSYBOX.exists(), f"{BUSYBOX} is missing: scripts/setup-tests.sh downloads it"
    prog = build("dynaux", "thumb-O2", src_dir=LINUX_PROGRAMS, static=False)
    script = f"{prog} one two; echo status $?"
    env = {"PATH": "/usr/bin:/bin", "QEMU_LD_PREFIX": SYSROOT}
    want = run_qemu_exec([BUSYBOX, "sh", "-c", script], env=env)
    assert b"status 3" in want.stdout
    _same(run_jitemu(BUSYBOX, ["sh", "-c", script], opts=["-engine", "interp"], env=env), want)


@pytest.mark.parametrize(("engine", "locale"), [("interp", "C"), ("interp", "C.UTF-8"), ("jit", "C")])
def test_debian_hello(engine: str, locale: str) -> None:
    hello = DEBIAN / "usr" / "bin" / "hello"
    assert hello.exists(), f"{hello} is missing: scripts/setup-tests.sh downloads it"
    for args in ([], ["-g", "Greetings from armhf"]):
        env = dict(os.environ, LC_ALL=locale)
        _same(run_jitemu(hello, args, opts=["-L", SYSROOT, *ENGINES[engine]], env=env), _qemu([hello, *args], env))
