"""The JIT engine on programs built to stress it, compared with qemu-arm and with the interpreter:
chaining across A32/Thumb interworking, indirect-branch lookup, self-modifying code, faults inside
compiled code, the persistent code cache (hit, miss, corrupt entry) and the persistent translation cache
(hit, stale page, corrupt entry)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from guest import build, run_jitemu, run_qemu

VARIANTS = ["arm-O2", "thumb-O2"]


def _stats(stderr: bytes) -> dict[str, float]:
    return {k.decode(): float(v) for k, v in re.findall(rb"jitemu: ([a-z -]+): ([0-9.]+)", stderr)}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("threshold", ["1", "16"])
@pytest.mark.parametrize("name,args", [("interwork", []), ("bytecode", ["300"]), ("sort", ["2000"]), ("smc", []),
                                       ("hotfault", [])])  # fmt: skip
def test_jit_matches_qemu(name: str, args: list[str], variant: str, threshold: str, tmp_path: Path) -> None:
    prog = build(name, variant)
    want = run_qemu(prog, args)
    got = run_jitemu(prog, args, opts=["-engine", "jit", "-jit-threshold", threshold, "-jit-cache", str(tmp_path)])
    assert got.stdout == want.stdout, got.stderr[-2000:]
    assert got.returncode == want.returncode, got.stderr[-2000:]


def test_smc_with_cacheflush() -> None:
    prog = build("smc", "arm-O2", extra=("-DCLEAR_CACHE",))
    want = run_qemu(prog)
    got = run_jitemu(prog, opts=["-engine", "jit", "-jit-threshold", "1", "-jit-cache", "off"])
    assert (got.stdout, got.returncode) == (want.stdout, want.returncode), got.stderr[-2000:]


def test_hot_code_stays_native() -> None:
    """Once hot, the interworking loop runs without coming back to Python."""
    prog = build("interwork", "thumb-O2")
    got = run_jitemu(prog, opts=["-engine", "jit", "-jit-cache", "off", "-d", "stats"])
    st = _stats(got.stderr)
    assert got.returncode == 0
    assert st["guest instructions"] > 2_000_000
    assert st["python re-entries per million guest instructions"] < 100, st


def test_short_run_compiles_nothing() -> None:
    """At the default threshold nothing is compiled before 32 x 256 interpreted blocks: a hello (about 6500)
    runs without starting LLVM, and with the output qemu-arm gives."""
    prog = build("hello", "thumb-O2")
    got = run_jitemu(prog, opts=["-engine", "jit", "-jit-cache", "off", "-d", "stats"])
    assert (got.stdout, got.returncode) == (run_qemu(prog).stdout, 0), got.stderr[-2000:]
    st = _stats(got.stderr)
    assert st["modules compiled"] == 0 and st["entries into generated code"] == 0, st


def test_code_cache_hit_miss_and_corrupt_entry(tmp_path: Path) -> None:
    prog = build("sort", "thumb-O2")
    opts = ["-engine", "jit", "-jit-cache", str(tmp_path), "-d", "stats"]
    want = run_qemu(prog, ["3000"])
    first = run_jitemu(prog, ["3000"], opts=opts)
    assert first.stdout == want.stdout
    s1 = _stats(first.stderr)
    assert s1["code cache hits"] == 0 and s1["code cache misses"] > 0
    entries = sorted(tmp_path.rglob("*.o"))
    assert entries, "nothing was stored"
    second = run_jitemu(prog, ["3000"], opts=opts)
    s2 = _stats(second.stderr)
    assert second.stdout == want.stdout
    assert s2["code cache hits"] == s1["code cache misses"] and s2["code cache misses"] == 0
    assert s2["compile seconds"] == 0
    _damage(entries)
    third = run_jitemu(prog, ["3000"], opts=opts)
    s3 = _stats(third.stderr)
    assert third.stdout == want.stdout and third.returncode == 0
    assert s3["code cache hits"] == 0 and s3["code cache misses"] == s1["code cache misses"]
    fourth = run_jitemu(prog, ["3000"], opts=opts)  # rebuilt by the third run
    assert _stats(fourth.stderr)["code cache hits"] == s1["code cache misses"]


def _damage(entries: list[Path]) -> None:
    """Damage every cache entry in a different way: truncated, flipped byte, emptied, garbage."""
    for i, e in enumerate(entries):
        data = e.read_bytes()
        e.write_bytes(
            [data[: len(data) // 2], data[:-9] + bytes([data[-9] ^ 0xFF]) + data[-8:], b"", b"\x7fELF junk"][i % 4]
        )


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_translation_cache_hit_stale_and_corrupt(engine: str, tmp_path: Path) -> None:
    """A second run takes its blocks from the translation cache; code that differs at the same address
    (smc with another argument) is translated afresh; damaged entries are ignored and rewritten."""
    env = dict(os.environ, JITEMU_CACHE_SYNC="1")  # write the cache before exiting, so the next run sees it
    opts = ["-engine", engine, "-jit-threshold", "8", "-jit-cache", str(tmp_path), "-d", "stats"]
    hello = build("hello", "thumb-O2")
    smc = build("smc", "arm-O2", extra=("-DCLEAR_CACHE",))
    want = {args: run_qemu(smc, list(args)) for args in [("0",), ("10",)]}
    assert want[("0",)].stdout != want[("10",)].stdout
    first = run_jitemu(hello, opts=opts, env=env)
    assert first.stdout == run_qemu(hello).stdout
    s1 = _stats(first.stderr)
    assert s1["blocks from the translation cache"] == 0 and s1["blocks translated"] > 100
    second = run_jitemu(hello, opts=opts, env=env)
    s2 = _stats(second.stderr)
    assert second.stdout == first.stdout and second.returncode == 0
    assert s2["blocks from the translation cache"] >= 0.9 * s1["blocks translated"], s2
    assert s2["blocks translated"] <= 0.1 * s1["blocks translated"], s2
    for args in [("0",), ("10",), ("0",), ("10",)]:  # same addresses, different code: never a stale block
        got = run_jitemu(smc, list(args), opts=opts, env=env)
        assert (got.stdout, got.returncode) == (want[args].stdout, want[args].returncode), got.stderr[-2000:]
    entries = sorted(tmp_path.rglob("*.tb"))
    assert entries, "nothing was stored"
    _damage(entries)
    third = run_jitemu(hello, opts=opts, env=env)
    assert third.stdout == first.stdout and third.returncode == 0
    s3 = _stats(third.stderr)
    assert s3["blocks translated"] >= 0.5 * s1["blocks translated"], s3
    fourth = run_jitemu(hello, opts=opts, env=env)  # rewritten by the third run
    assert _stats(fourth.stderr)["blocks translated"] <= 0.1 * s1["blocks translated"]


def test_background_compiler_matches_qemu() -> None:
    """With -jit-background, modules compile on a worker thread and are linked in while the guest runs."""
    prog = build("sort", "thumb-O2")
    want = run_qemu(prog, ["20000"])
    opts = ["-engine", "jit", "-jit-background", "-jit-threshold", "4", "-jit-cache", "off", "-d", "stats"]
    got = run_jitemu(prog, ["20000"], opts=opts)
    assert (got.stdout, got.returncode) == (want.stdout, want.returncode), got.stderr[-2000:]
    assert _stats(got.stderr)["modules compiled"] > 1


def test_out_asm_shows_ir_and_host_code_also_from_the_cache(tmp_path: Path) -> None:
    """-d out_asm: each compiled module's LLVM IR and its x86-64 code (capstone); a module loaded from the
    code cache has no IR, but its host code is still shown."""
    prog = build("interwork", "thumb-O2")
    cache = tmp_path / "cache"
    for run in ("compiled", "cached"):
        log = tmp_path / f"{run}.log"
        opts = ["-engine", "jit", "-jit-threshold", "16", "-jit-cache", str(cache), "-d", "out_asm", "-D", str(log)]
        got = run_jitemu(prog, opts=opts)
        assert got.returncode == 0, got.stderr[-2000:]
        text = log.read_text()
        modules = text.count("OUT: [")
        assert modules > 0
        assert re.search(r"(?m)^tb_[0-9a-f]+_[at]_\w+:\n  0x[0-9a-f]+:  push ", text), "no host code listing"
        if run == "compiled":
            assert text.count("\ndefine i32 @") >= modules
        else:  # (a module may still be compiled: tier-2 batches depend on timing)
            assert "(loaded from the code cache: no LLVM IR)" in text
