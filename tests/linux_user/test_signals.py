"""Guest signal handling end to end: tests/linux_user/programs/signals.c, one case per run, compared with
qemu-arm under the interpreter and the JIT (threshold 1, so handlers and trampolines run compiled too),
in A32 and Thumb-2; a timer interrupting a hot compiled loop at the default threshold; a signal sent by
another process; the -strace lines for delivered signals and sigreturn."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from guest import ROOT, Result, require_tool, run_jitemu, run_qemu
from guest import build as build_program

PROGRAMS = Path(__file__).resolve().parent / "programs"
VARIANTS = {"arm": "arm-O2", "thumb": "thumb-O2"}
CASES = ["basic", "mask", "flags", "altstack", "segv", "traps", "ucontext", "fp", "wait", "loop", "eintr",
         "blocked_segv", "trampoline", "badframe"]  # fmt: skip


@pytest.fixture(scope="session")
def jit_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("jit-cache")


def _engine_opts(engine: str, cache: Path) -> list[str]:
    if engine == "interp":
        return ["-engine", "interp"]
    return ["-engine", "jit", "-jit-threshold", "1", "-jit-cache", str(cache)]


def _same(got: Result, want: Result) -> None:
    err = got.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in got.stderr, err
    assert got.stdout == want.stdout, err
    assert got.returncode == want.returncode, err


@pytest.mark.parametrize("engine", ["interp", "jit"])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES)
def test_signal_case_matches_qemu(jit_cache, case: str, variant: str, engine: str) -> None:
    prog = build_program("signals", VARIANTS[variant], src_dir=PROGRAMS)
    want = run_qemu(prog, [case])
    assert want.returncode in (0, -11), want.stderr
    _same(run_jitemu(prog, [case], opts=_engine_opts(engine, jit_cache)), want)


def test_timer_interrupts_compiled_loop() -> None:
    """At the default threshold the spin loop is compiled during its warm-up; only the C-level host
    handler (exit_request) can stop it, otherwise the run would time out."""
    prog = build_program("signals", "arm-O2", src_dir=PROGRAMS)
    got = run_jitemu(prog, ["loop"], opts=["-engine", "jit", "-jit-cache", "off", "-d", "stats"], timeout=120)
    _same(got, run_qemu(prog, ["loop"]))
    compiled = re.search(rb"blocks compiled: (\d+)", got.stderr)
    assert compiled and int(compiled.group(1)) > 0, got.stderr


def _run_external(cmd: list[str], env: dict | None = None) -> Result:
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        line = p.stdout.readline()
        assert line == b"ready\n", p.stderr.read()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=120)
    finally:
        p.kill()
    return Result(p.returncode, line + out, err)


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_signal_from_another_process(jit_cache, engine: str) -> None:
    prog = build_program("signals", "thumb-O2", src_dir=PROGRAMS)
    want = _run_external([require_tool("qemu-arm"), str(prog), "external"])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    got = _run_external([sys.executable, "-m", "jitemu", *_engine_opts(engine, jit_cache), "arm", str(prog),
                         "external"], env)  # fmt: skip
    assert want.stdout.endswith(b"external: sig=15 code=0 from_parent=1\n"), want
    _same(got, want)


def _signal_lines(stderr: bytes) -> list[str]:
    """The strace lines about signals: deliveries, sigreturn, interrupted calls (pids dropped)."""
    out = []
    for line in stderr.decode().splitlines():
        line = re.sub(r"^\d+ ", "", line)
        if line.startswith("---") or "sigreturn" in line or "errno=4 " in line or "errno=512 " in line:
            line = re.sub(r"si_pid=\d+", "si_pid=PID", re.sub(r"\(.*\) =", "(...) =", line))
            out.append(re.sub(r"si_addr=0x(?!0000)[0-9a-f]{8}", "si_addr=MAPPED", line))  # mmap placement differs
    return out


@pytest.mark.parametrize("case", ["basic", "eintr", "segv"])
def test_strace_signal_lines_match_qemu(case: str) -> None:
    prog = build_program("signals", "arm-O2", src_dir=PROGRAMS)
    want = run_qemu(prog, [case], env=dict(os.environ, QEMU_STRACE="1"))
    got = run_jitemu(prog, [case], opts=["-engine", "interp", "-strace"])
    assert got.stdout == want.stdout
    assert _signal_lines(got.stderr) == _signal_lines(want.stderr)
    assert any(line.startswith("---") for line in _signal_lines(got.stderr))
