"""Linux user mode end to end: the C programs in tests/linux_user/programs run under jitemu-user (through
the CPU engine) and under qemu-arm, in A32 and Thumb-2; stdout and the exit status or signal must agree.
Also: -strace, -d page, -0/-E/-U, -seed and a dynamically linked program with -L."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from guest import Result, require_tool, run_jitemu, run_qemu
from guest import build as build_program

import jitemu.engine  # noqa: F401 - these tests need the CPU engine

PROGRAMS = Path(__file__).resolve().parent / "programs"
VARIANTS = {"arm": "arm-O2", "thumb": "thumb-O2"}
ARM_SYSROOT = "/usr/arm-linux-gnueabihf"


@pytest.fixture(scope="session")
def build():
    def _build(name: str, variant: str = "arm", static: bool = True) -> Path:
        return build_program(name, VARIANTS[variant], src_dir=PROGRAMS, static=static)

    return _build


def _same(got: Result, want: Result) -> None:
    err = got.stderr.decode(errors="replace")[-3000:]
    assert got.stdout == want.stdout, err
    assert got.returncode == want.returncode, err
    assert b"Traceback" not in got.stderr


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", ["memory", "kuser"])
def test_program_matches_qemu(build, name: str, variant: str) -> None:
    prog = build(name, variant)
    _same(run_jitemu(prog), run_qemu(prog))


@pytest.mark.parametrize("variant", VARIANTS)
def test_file_syscalls_match_qemu(build, tmp_path, variant: str) -> None:
    prog = build("files", variant)
    (tmp_path / "q").mkdir()
    (tmp_path / "j").mkdir()
    want = run_qemu(prog, [str(tmp_path / "q")])
    got = run_jitemu(prog, [str(tmp_path / "j")])
    assert want.returncode == 0, want.stderr
    _same(got, want)


@pytest.mark.parametrize(
    "how",
    [["exit", "0"], ["exit", "3"], ["exit", "255"], ["raise", "6"], ["raise", "15"], ["raise", "10"], ["raise", "11"],
     ["sigpipe", "-"], ["ignored", "-"]],
)  # fmt: skip
def test_ways_to_end_match_qemu(build, how: list[str]) -> None:
    prog = build("ending", "thumb")
    want, got = run_qemu(prog, how), run_jitemu(prog, how)
    _same(got, want)
    if want.returncode in (-4, -5, -6, -7, -8, -11):  # signals that dump core: qemu's message, our name
        assert f"jitemu: uncaught target signal {-want.returncode} (".encode() in got.stderr


def test_auxv_environment_and_arguments(build) -> None:
    prog = build("auxv", "arm")
    env = dict(os.environ, JITEMU_AUXV_TEST="from the host", REMOVE_ME="x")
    got = run_jitemu(prog, ["a b", ""], opts=["-0", "argv-zero", "-U", "REMOVE_ME", "-E", "EXTRA=1"], env=env)
    out = got.stdout.decode()
    assert got.returncode == 0, got.stderr
    assert "argc=3\nargv[0]=argv-zero\nargv[1]=a b\nargv[2]=\n" in out
    assert "JITEMU_AUXV_TEST=from the host\n" in out
    assert "pagesz=4096 clktck=100 secure=0\n" in out
    assert "hwcap=0x1fb0d7 hwcap2=0 platform=v7l\n" in out
    assert f"execfn={prog}\n" in out
    assert "machine=armv7l sysname=Linux\n" in out
    env_dump = run_jitemu(build("auxv", "arm"), opts=["-E", "JITEMU_AUXV_TEST=set by -E"], env=env)
    assert b"JITEMU_AUXV_TEST=set by -E\n" in env_dump.stdout


def test_seed_makes_at_random_reproducible(build) -> None:
    prog = build("auxv", "arm")
    runs = [run_jitemu(prog, opts=["-seed", seed]).stdout for seed in ("1", "1", "2")]
    random_lines = [re.search(rb"random=(\w+)", r).group(1) for r in runs]
    assert random_lines[0] == random_lines[1] != random_lines[2]


def test_strace_output(build) -> None:
    prog = build("ending", "arm")
    got = run_jitemu(prog, ["exit", "5"], opts=["-strace"])
    assert got.returncode == 5
    lines = got.stderr.decode().splitlines()
    pid = lines[0].split()[0]
    assert all(line.startswith(pid + " ") for line in lines), lines
    assert re.fullmatch(rf"{pid} brk\(NULL\) = 0x[0-9a-f]{{8}}", lines[0])
    assert any(re.fullmatch(rf"{pid} write\(1,0x[0-9a-f]+,\d+\) = \d+", line) for line in lines)
    assert lines[-1] == f"{pid} exit_group(5)"


def test_signal_death_is_traced(build) -> None:
    got = run_jitemu(build("ending", "arm"), ["raise", "6"], opts=["-strace"])
    assert got.returncode == -6
    err = got.stderr.decode()
    assert re.search(r"tgkill\(\d+,\d+,SIGABRT\) = 0\n--- SIGABRT \{si_signo=SIGABRT, si_code=SI_TKILL,", err)
    assert err.endswith("jitemu: uncaught target signal 6 (Aborted) - core dumped\n")


def test_page_log(build) -> None:
    got = run_jitemu(build("ending", "arm"), ["exit", "0"], opts=["-d", "page"])
    assert got.returncode == 0
    err = got.stderr.decode()
    assert err.startswith("start    end      size     prot\n00010000-")
    assert "ffff0000-ffff1000 00001000 r-x\n" in err


def test_dynamically_linked_program_with_sysroot(build) -> None:
    assert os.path.exists(f"{ARM_SYSROOT}/lib/ld-linux-armhf.so.3"), "the ARM sysroot comes with the cross compiler"
    prog = build("memory", "thumb", static=False)
    want = subprocess.run([require_tool("qemu-arm"), "-L", ARM_SYSROOT, str(prog)], capture_output=True, timeout=60)
    got = run_jitemu(prog, opts=["-L", ARM_SYSROOT])
    _same(got, Result(want.returncode, want.stdout, want.stderr))


def test_missing_interpreter_explains_minus_L(build) -> None:
    got = run_jitemu(build("memory", "arm", static=False))
    lines = got.stderr.decode().splitlines()
    assert got.returncode == 1 and len(lines) == 1
    assert "ELF interpreter /lib/ld-linux-armhf.so.3: No such file or directory" in lines[0]
    assert "-L" in lines[0]
