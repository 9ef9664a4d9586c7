"""The jitemu-user command line: qemu-arm compatible options and environment variables, and one-line
errors (never a traceback) for everything a user can get wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jitemu.linux_user import main as cli
from jitemu.linux_user.main import Options, UsageError, guest_environment, main, parse_args, parse_size

from .elfgen import simple_elf

ROOT = Path(__file__).resolve().parents[2]


def parse(*argv: str, env: dict[str, str] | None = None) -> Options:
    return parse_args(list(argv), env or {})


# ---- option parsing ------------------------------------------------------------------------------------
def test_options_before_and_after_the_arch_word() -> None:
    o = parse("-strace", "arm", "-cpu", "cortex-a15", "prog", "-x", "--y", "arm")
    assert o.strace and o.cpu == "cortex-a15"
    assert o.program == "prog" and o.args == ["-x", "--y", "arm"]


def test_double_dash_options_and_end_of_options() -> None:
    o = parse("--engine", "jit", "arm", "--", "-prog-with-dash", "a")
    assert o.engine == "jit" and o.program == "-prog-with-dash" and o.args == ["a"]


def test_program_without_arch_word() -> None:
    o = parse("-s", "1M", "./prog", "arg")
    assert o.program == "./prog" and o.args == ["arg"] and o.stack_size == 1 << 20


def test_program_named_arm() -> None:
    assert parse("arm", "arm").program == "arm"


def test_every_option() -> None:
    o = parse("-engine", "interp", "-cpu", "max", "-E", "A=1", "-U", "B", "-0", "argv0", "-L", "/sysroot",
              "-s", "512k", "-r", "5.10", "-seed", "42", "-strace", "-d", "in_asm,unimp", "-D", "/tmp/x.log",
              "arm", "prog")  # fmt: skip
    assert o.engine == "interp" and o.cpu == "max"
    assert o.env_changes == [("set", "A=1"), ("unset", "B")]
    assert o.argv0 == "argv0" and o.ld_prefix == "/sysroot" and o.stack_size == 512 << 10
    assert o.uname_release == "5.10" and o.seed == 42 and o.strace
    assert o.log_items == {"in_asm", "unimp"} and o.log_file == "/tmp/x.log"


def test_environment_variables_and_command_line_precedence() -> None:
    env = {
        "QEMU_CPU": "cortex-a15",
        "QEMU_STRACE": "1",
        "QEMU_STACK_SIZE": "2M",
        "QEMU_LD_PREFIX": "/r",
        "QEMU_SET_ENV": "A=1,B=2",
        "QEMU_UNSET_ENV": "C",
        "QEMU_ARGV0": "zero",
        "QEMU_LOG": "unimp",
        "QEMU_LOG_FILENAME": "/tmp/l",
        "QEMU_UNAME": "6.1",
        "QEMU_RAND_SEED": "7",
        "JITEMU_ENGINE": "jit",
    }
    o = parse("arm", "prog", env=env)
    assert o.cpu == "cortex-a15" and o.strace and o.stack_size == 2 << 20 and o.ld_prefix == "/r"
    assert o.env_changes == [("set", "A=1"), ("set", "B=2"), ("unset", "C")]
    assert o.argv0 == "zero" and o.log_items == {"unimp"} and o.log_file == "/tmp/l"
    assert o.uname_release == "6.1" and o.seed == 7 and o.engine == "jit"
    assert parse("-cpu", "max", "-engine", "interp", "arm", "prog", env=env).cpu == "max"


SIZES = [("8M", 8 << 20), ("512k", 512 << 10), ("1G", 1 << 30), ("65536", 65536), ("0x10000", 0x10000), ("16K", 16384)]


@pytest.mark.parametrize("text,size", SIZES)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_guest_environment_changes_apply_in_order() -> None:
    o = parse("-E", "A=new", "-U", "B", "-E", "C=x=y", "-U", "C", "-E", "D=", "arm", "p")
    env = guest_environment(o, {b"A": b"old", b"B": b"b", b"KEEP": b"k"})
    assert env == [b"A=new", b"KEEP=k", b"D="]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["-foo", "arm", "p"], "unknown option '-foo'"),
        (["-cpu"], "option '-cpu' needs an argument"),
        (["-cpu", "cortex-m3", "arm", "p"], "unable to find CPU model 'cortex-m3'"),
        (["-engine", "fast", "arm", "p"], "unknown engine 'fast'"),
        (["-s", "12x", "arm", "p"], "invalid size '12x'"),
        (["-s", "1k", "arm", "p"], "must be between"),
        (["-d", "bogus", "arm", "p"], "unknown log item 'bogus'"),
        (["-E", "NOEQUALS", "arm", "p"], "invalid environment setting"),
        (["-seed", "abc", "arm", "p"], "invalid seed"),
        ([], "no program given"),
        (["arm"], "no program given"),
        (["-strace"], "no program given"),
        (["x86_64", "p"], "unsupported guest architecture 'x86_64'"),
    ],
)
def test_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse(*argv)


# ---- main(): what the user sees ------------------------------------------------------------------------
def _one_error_line(capsys, argv: list[str], expect: str) -> None:
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc != 0
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("jitemu-user: ") and expect in lines[0], lines[0]
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("argv,expect", [(["-foo", "arm", "p"], "unknown option"), ([], "no program given")])
def test_main_usage_errors(capsys, argv: list[str], expect: str) -> None:
    _one_error_line(capsys, argv, expect)


def test_main_bad_programs(capsys, tmp_path) -> None:
    text = tmp_path / "script.sh"
    text.write_text("#!/bin/sh\n")
    trunc = tmp_path / "trunc"
    trunc.write_bytes(simple_elf()[:60])
    cases = [
        (str(tmp_path / "missing"), "missing: No such file or directory"),
        (str(tmp_path), ": Is a directory"),
        (str(text), "script.sh: not an ELF file"),
        ("/bin/true", "/bin/true: not a 32-bit ELF file"),
        (str(trunc), "trunc: program headers lie past the end of the file"),
    ]
    for path, expect in cases:
        _one_error_line(capsys, ["arm", path], f"jitemu-user: {path}" if path != str(tmp_path) else expect)
        _one_error_line(capsys, [path], expect)


def test_main_unwritable_log_file(capsys, tmp_path) -> None:
    prog = tmp_path / "prog"
    prog.write_bytes(simple_elf())
    _one_error_line(capsys, ["-D", str(tmp_path / "no" / "such" / "dir.log"), "arm", str(prog)], "cannot open log file")


@pytest.mark.parametrize(
    "argv,expect",
    [
        (["-h"], "usage: jitemu-user"),
        (["-help", "arm", "p"], "usage: jitemu-user"),
        (["-version"], "jitemu-user version"),
        (["-cpu", "help"], "cortex-a15"),
        (["-d", "help"], "unimp"),
    ],
)
def test_information_requests(capsys, argv: list[str], expect: str) -> None:
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert expect in out and err == ""


def test_internal_error_is_one_line(capsys, monkeypatch, tmp_path) -> None:
    def broken(o):
        raise KeyError("oops")

    monkeypatch.setattr(cli, "run", broken)
    monkeypatch.delenv("JITEMU_DEBUG", raising=False)
    rc = main(["arm", "whatever"])
    err = capsys.readouterr().err
    assert rc == cli.EXIT_INTERNAL == 70
    assert err == "jitemu-user: internal error: KeyError: 'oops'\n"

    monkeypatch.setenv("JITEMU_DEBUG", "1")
    assert main(["arm", "whatever"]) == 70
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("jitemu-user: internal error: KeyError: 'oops'")


# ---- as a real process ---------------------------------------------------------------------------------
def _run(*argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("JITEMU_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "jitemu", *argv], capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("argv", [["arm", "/nonexistent/prog"], ["arm", "/bin/true"], ["arm", "/"], ["-nope"],
                                  ["arm"]])  # fmt: skip
def test_process_errors_are_one_line(argv: list[str]) -> None:
    p = _run(*argv)
    assert p.returncode == 1
    assert p.stdout == b""
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jitemu-user: ")


def test_help_into_a_closed_pipe_is_quiet() -> None:
    r, w = os.pipe()
    os.close(r)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "jitemu", "-h"], stdout=w, stderr=subprocess.PIPE, env=env, timeout=60)
    os.close(w)
    assert p.returncode == 0 and p.stderr == b""


def test_bad_environment_variable_names_itself() -> None:
    with pytest.raises(UsageError, match="^QEMU_STACK_SIZE: invalid size 'lots'$"):
        parse("arm", "prog", env={"QEMU_STACK_SIZE": "lots"})
