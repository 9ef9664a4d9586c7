"""Guest signal handling end to end: tests/linux_user/programs/signals.c, one case per run, compared with
qemu-arm under the interpreter and the JIT (threshold 1, so handlers and trampolines run compiled too),
in A32 and Thumb-2; a timer interrupting a hot compiled loop at the default threshold; a signal sent by
another process; the -strace lines for delivered signals and sigreturn."""

from __future__ import annotations

import errno
import os
import re
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from guest import ROOT, Result, require_tool, run_jitemu, run_qemu
from guest import build as build_program

from jitemu.linux_user import sigframe
from jitemu.linux_user.process import GuestKilled, Process
from jitemu.linux_user.signals import SA_SIGINFO, SI_TKILL, SIGSEGV, SIGUSR1, SigAction
from jitemu.state import get_cpsr, set_cpsr

from . import test_syscalls
from .test_syscalls import BUF, call

proc = test_syscalls.proc  # the fixture: a loaded process with a scratch page at BUF

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


# ---- in-process: frames, sigreturn and the signal system calls ---------------------------------------
def _fill_state(p: Process) -> None:
    s = p.state
    for i in range(16):
        s.r[i] = 0x1000 * i + i
    s.r[13] = STACK
    s.r[15] = 0x8000
    set_cpsr(s, 0xF80F0000 | 0x0600FC00 | 1 << 5)  # NZCVQ, GE, a full ITSTATE, Thumb
    for i in range(32):
        s.d[i] = 0x0101010101010101 * (i + 1)
    s.fpscr = 0xF8000000


def _snapshot(p: Process) -> tuple:
    s = p.state
    return tuple(s.r), get_cpsr(s), tuple(s.d), s.fpscr, p.signals.blocked


STACK = BUF + 0x3000


@pytest.mark.parametrize("flags", [0, SA_SIGINFO])
def test_sigreturn_restores_what_the_frame_saved(proc, flags: int) -> None:
    _fill_state(proc)
    before = _snapshot(proc)
    proc.signals.set_action(SIGUSR1, SigAction(handler=0x9001, flags=flags))
    proc.send_self(SIGUSR1, SI_TKILL)
    proc.deliver_signals()
    s = proc.state
    rt = bool(flags)
    frame = s.r[13]
    assert frame % 8 == 0 and STACK - frame >= (888 if rt else 760)  # qemu's frame sizes
    assert (s.r[0], s.r[15], s.thumb, s.itstate) == (SIGUSR1, 0x9000, 1, 0)
    assert s.r[14] == sigframe.TRAMPOLINES[(rt, True)][0] | 1
    uc = frame + 128 if rt else frame
    if rt:
        assert (s.r[1], s.r[2]) == (frame, uc)
        assert proc.mem.read(frame, 12) == struct.pack("<iii", SIGUSR1, 0, SI_TKILL)
    assert proc.mem.load(uc + 20 + 4 * 18, 4) == 0x8000  # sigcontext.arm_pc
    assert proc.mem.load(uc + 232, 4) == 0x56465001  # the VFP block's magic
    assert proc.signals.is_blocked(SIGUSR1)
    for i in range(16):  # the handler clobbers everything
        s.r[i] = 0 if i != 13 else frame
    set_cpsr(s, 0x10)
    s.d[5] = s.fpscr = 0
    assert call(proc, "rt_sigreturn" if rt else "sigreturn") == before[0][0]
    assert _snapshot(proc) == before


def test_bad_frame_is_a_sigsegv(proc) -> None:
    proc.state.r[13] = STACK  # no VFP magic there
    call(proc, "rt_sigreturn")
    with pytest.raises(GuestKilled) as e:
        proc.deliver_signals()
    assert e.value.info.sig == SIGSEGV


def test_sigaltstack_errors(proc) -> None:
    proc.mem.write(BUF, struct.pack("<IiI", 0x30000, 0, 100))
    assert call(proc, "sigaltstack", BUF, 0) == -errno.ENOMEM
    proc.mem.write(BUF, struct.pack("<IiI", 0x30000, 5, 8192))
    assert call(proc, "sigaltstack", BUF, 0) == -errno.EINVAL
    proc.mem.write(BUF, struct.pack("<IiI", 0x30000, 0, 8192))
    assert call(proc, "sigaltstack", BUF, BUF + 16) == 0
    assert struct.unpack("<IiI", proc.mem.read(BUF + 16, 12)) == (0, 2, 0)  # SS_DISABLE before
    proc.state.r[13] = 0x31000  # running on the alternate stack: it cannot change
    assert call(proc, "sigaltstack", BUF, BUF + 16) == -errno.EPERM
    assert struct.unpack("<IiI", proc.mem.read(BUF + 16, 12)) == (0x30000, 1, 8192)  # SS_ONSTACK


def test_sigpending_and_sigtimedwait(proc) -> None:
    proc.mem.write(BUF, (1 << (SIGUSR1 - 1)).to_bytes(8, "little"))
    call(proc, "rt_sigprocmask", 0, BUF, 0, 8)
    call(proc, "tgkill", proc.pid, proc.tid, SIGUSR1)
    assert call(proc, "rt_sigpending", BUF + 8, 8) == 0
    assert proc.mem.read(BUF + 8, 8) == proc.mem.read(BUF, 8)
    proc.mem.write(BUF + 16, bytes(8))  # timeout 0
    assert call(proc, "rt_sigtimedwait", BUF, BUF + 32, BUF + 16, 8) == SIGUSR1
    assert struct.unpack("<iii", proc.mem.read(BUF + 32, 12)) == (SIGUSR1, 0, SI_TKILL)
    assert call(proc, "rt_sigtimedwait", BUF, BUF + 32, BUF + 16, 8) == -errno.EAGAIN
    assert call(proc, "rt_sigtimedwait", BUF, BUF + 32, BUF + 16, 4) == -errno.EINVAL
