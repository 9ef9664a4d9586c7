"""The project's own C programs under jitemu compared with qemu-arm: stdout and exit status (or signal),
in A32 and Thumb-2, at -O0 and -O2, under every engine."""

from __future__ import annotations

import os

import pytest
from guest import VARIANTS, build, run_jitemu, run_qemu

ENGINES = ["interp", "jit"]

# (program, guest arguments)
CASES = [
    ("hello", []),
    ("hello", ["one", "two words", "3"]),
    ("arith", []),
    ("strings", []),
    ("sort", []),
    ("bytecode", ["150"]),
]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["JITEMU_TEST_VAR"] = "from the host"
    return env


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name,args", CASES, ids=[f"{n}-{len(a)}" for n, a in CASES])
def test_program_matches_qemu(name: str, args: list[str], variant: str, engine: str) -> None:
    prog = build(name, variant)
    want = run_qemu(prog, args, env=_env())
    got = run_jitemu(prog, args, opts=["-engine", engine], env=_env())
    assert got.stdout == want.stdout, got.stderr.decode(errors="replace")[-2000:]
    assert got.returncode == want.returncode, got.stderr.decode(errors="replace")[-2000:]


# floating-point programs: also built for a Cortex-A15 with VFPv4 (fused multiply-add) and IEEE half precision
FLOAT_CASES = [("float", ())] + [("float", ("-mcpu=cortex-a15", "-mfpu=neon-vfpv4", "-mfp16-format=ieee"))]


# the JIT compiles much of libc and libm for these (tens of seconds): its runs are limited to -O2
FLOAT_RUNS = [(v, "interp") for v in VARIANTS] + [("arm-O2", "jit"), ("thumb-O2", "jit")]


@pytest.mark.parametrize("variant,engine", FLOAT_RUNS, ids=[f"{v}-{e}" for v, e in FLOAT_RUNS])
@pytest.mark.parametrize("name,extra", FLOAT_CASES, ids=["vfpv3", "vfpv4"])
def test_float_program_matches_qemu(name: str, extra: tuple[str, ...], variant: str, engine: str) -> None:
    prog = build(name, variant, extra, libs=("-lm",))
    want = run_qemu(prog)
    got = run_jitemu(prog, opts=["-engine", engine, "-jit-threshold", "500"])  # compiles the hot libm loops
    assert want.returncode == 0 and b"libm acc" in want.stdout  # the program ran to its end under qemu-arm
    assert got.stdout == want.stdout, got.stderr.decode(errors="replace")[-2000:]
    assert got.returncode == want.returncode, got.stderr.decode(errors="replace")[-2000:]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("variant", ["arm-O2", "thumb-O2"])
@pytest.mark.parametrize("name,signame", [("segv", "Segmentation fault"), ("undef", "Illegal instruction"),
                                           ("abort", "Aborted")])  # fmt: skip
def test_guest_signal_death(name: str, signame: str, variant: str, engine: str) -> None:
    prog = build(name, variant)
    want = run_qemu(prog)
    got = run_jitemu(prog, opts=["-engine", engine])
    assert want.returncode < 0  # died by a signal under qemu-arm
    assert got.returncode == want.returncode
    assert got.stdout == want.stdout
    assert f"uncaught target signal {-want.returncode} ({signame})".encode() in got.stderr
    assert b"Traceback" not in got.stderr


@pytest.mark.parametrize("variant", ["arm-O2", "thumb-O2"])
@pytest.mark.parametrize("engine", ["interp", "jit"])
@pytest.mark.parametrize("cpu", ["cortex-a9", "cortex-a15"])
def test_cpu_model_lacking_integer_divide(cpu: str, engine: str, variant: str) -> None:
    """Built for the Cortex-A15 the program divides with SDIV/UDIV: a Cortex-A9 dies by SIGILL."""
    prog = build("sdiv", variant, extra=("-mcpu=cortex-a15",))
    want = run_qemu(prog, env=dict(os.environ, QEMU_CPU=cpu))
    assert want.returncode == (-4 if cpu == "cortex-a9" else 0)
    got = run_jitemu(prog, opts=["-cpu", cpu, "-engine", engine, "-jit-threshold", "1", "-jit-cache", "off"])
    assert (got.stdout, got.returncode) == (want.stdout, want.returncode), got.stderr[-2000:]


# NEON programs: integer and data-movement intrinsics (built with -mfpu=neon) in every variant interpreted and
# at -O2 under the JIT, where the compiler keeps vectors in registers, with a threshold low enough that the hot
# NEON blocks compile; floating point: auto-vectorised -O3 float loops (GCC vectorises float code for NEON only
# with -ffast-math, as NEON flushes denormals) and float intrinsics on special values, printed as bit patterns.
# name -> (compiler flags, arguments, a line its complete run prints, JIT threshold, variants interpreted)
NEON_FP_FLAGS = ("-O3", "-mcpu=cortex-a15", "-mfpu=neon-vfpv4", "-ffast-math", "-mfp16-format=ieee")
NEON_PROGRAMS = {
    "neon_int": (("-mfpu=neon",), [], b"qc 1", "50", VARIANTS),
    "neon_mem": (("-mfpu=neon",), ["30"], b"narrow", "20", VARIANTS),
    "neon_fp": (NEON_FP_FLAGS, [], b"newton", "20", ["arm-O2", "thumb-O2"]),
}
NEON_RUNS = [(n, v, "interp") for n, p in NEON_PROGRAMS.items() for v in p[4]] + [
    (n, v, "jit") for n in NEON_PROGRAMS for v in ("arm-O2", "thumb-O2")
]


@pytest.mark.parametrize("name,variant,engine", NEON_RUNS, ids=["-".join(r) for r in NEON_RUNS])
def test_neon_program_matches_qemu(name: str, variant: str, engine: str) -> None:
    flags, args, marker, threshold, _ = NEON_PROGRAMS[name]
    prog = build(name, variant, flags)
    want = run_qemu(prog, args, env=dict(os.environ, QEMU_CPU="max"))
    got = run_jitemu(prog, args, opts=["-engine", engine, "-jit-threshold", threshold])
    assert want.returncode == 0 and marker in want.stdout  # the program ran to its end under qemu-arm
    assert got.stdout == want.stdout, got.stderr.decode(errors="replace")[-2000:]
    assert got.returncode == want.returncode, got.stderr.decode(errors="replace")[-2000:]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("variant", ["arm-O2", "thumb-O0"])
def test_neon_alignment_faults_match_qemu(variant: str, engine: str) -> None:
    """NEON alignment qualifiers: SIGBUS (BUS_ADRALN, the address) for misaligned addresses, caught and
    printed by the program; compiled from the first run (-jit-threshold 1) under the JIT."""
    prog = build("neon_align", variant, ("-mfpu=neon",))
    want = run_qemu(prog)
    got = run_jitemu(prog, opts=["-engine", engine, "-jit-threshold", "1"])
    assert want.returncode == 0 and b"signal 7 code 1" in want.stdout
    assert got.stdout == want.stdout, got.stderr.decode(errors="replace")[-2000:]
    assert got.returncode == want.returncode
