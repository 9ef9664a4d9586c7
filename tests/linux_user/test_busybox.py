"""Debian's busybox-static for armhf under jitemu, compared with qemu-arm: applets and ``sh -c`` scripts
(pipelines, subshells, loops, functions, redirections, exit statuses, a command killed by a signal).

Each case runs with a fresh temporary directory as its cwd and a fixed environment, under qemu-arm in a
private binfmt_misc namespace (busybox sh re-executes /proc/self/exe for some applets: those run under
qemu-arm too) and under jitemu; stdout and the exit status must agree.  Every case runs with the
interpreter; a subset also with the JIT at a low threshold (CI time).  scripts/setup-tests.sh fetches the
package (``apt-get download busybox-static:armhf``) into tests/programs/build/debian/.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from guest import ROOT, Result, run_group, run_qemu_exec

BUSYBOX = ROOT / "tests" / "programs" / "build" / "debian" / "root" / "bin" / "busybox"
JITEMU = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
          "from jitemu.linux_user.main import main; sys.exit(main())"]  # fmt: skip
ENGINES = {"interp": ["-engine", "interp"], "jit": ["-engine", "jit", "-jit-threshold", "64"]}

SETUP = "printf 'b\\na\\nc\\na\\n' > f; mkdir d; echo x > d/one; echo yy > d/two; "

# id -> busybox arguments; sh scripts run after SETUP made some files.
CASES: dict[str, list[str]] = {
    "echo": ["echo", "hello", "world"],
    "echo-n": ["echo", "-n", "no newline"],
    "echo-e": ["echo", "-e", "a\\tb\\nc"],
    "printf": ["printf", "%s=%d %x %5.2f|%-4s|\\n", "n", "42", "255", "3.14159", "ab"],
    "true": ["true"],
    "false": ["false"],
    "expr-add": ["expr", "3", "+", "4"],
    "expr-mul": ["expr", "6", "*", "7"],
    "expr-zero": ["expr", "0", "+", "0"],
    "expr-match": ["expr", "hello", ":", "hel"],
    "test-true": ["test", "3", "-lt", "5"],
    "test-false": ["test", "abc", "=", "abd"],
    "basename": ["basename", "/usr/lib/libfoo.so", ".so"],
    "dirname": ["dirname", "/usr/lib/libfoo.so"],
    "seq": ["seq", "1", "3", "10"],
    "seq-w": ["seq", "-w", "8", "11"],
    "factor": ["factor", "360", "97", "1001"],
    "date": ["date", "-u", "-d", "@1234567890", "+%Y-%m-%d %H:%M:%S %a %j"],
    "yes-head": ["sh", "-c", "yes abc | head -n 3"],
    "cat": ["sh", "-c", SETUP + "cat f d/one"],
    "wc": ["sh", "-c", SETUP + "wc -l f; wc -c < f; printf 'a b  c\\n' | wc -w"],
    "sort": ["sh", "-c", SETUP + "sort f; sort -r f; sort -u f"],
    "sort-n": ["sh", "-c", "printf '10\\n9\\n100\\n-1\\n' | sort -n"],
    "uniq": ["sh", "-c", SETUP + "sort f | uniq -c"],
    "head-tail": ["sh", "-c", "seq 1 20 | head -n 5 | tail -n 2"],
    "tail-c": ["sh", "-c", "echo abcdef | tail -c 3"],
    "cut": ["sh", "-c", "echo a:b:c:d | cut -d: -f2,4; echo hello | cut -c2-4"],
    "tr": ["sh", "-c", "echo Hello World | tr a-z A-Z; echo aabbcc | tr -d b; echo aaabbb | tr -s ab"],
    "sed": ["sh", "-c", "echo hello world | sed 's/o/0/g'; seq 1 5 | sed -n '2,4p'; echo abc | sed 'y/abc/xyz/'"],
    "grep": ["sh", "-c", SETUP + "grep a f; grep -c a f; grep -v a f; grep -n c f"],
    "grep-none": ["sh", "-c", SETUP + "grep zzz f; echo status $?"],
    "awk": ["sh", "-c", "seq 1 5 | awk '{s += $1} END {print s, s / 2}'"],
    "awk-fields": ["sh", "-c", "echo 'a b c' | awk '{print $3, $1; print NF}'"],
    "ls": ["sh", "-c", SETUP + "ls; ls d; ls -1 d"],
    "mkdir-rm": ["sh", "-c", "mkdir -p a/b/c && ls a/b && rm -r a && ls"],
    "cp-mv": ["sh", "-c", SETUP + "cp f g && mv g h && cat h && ls"],
    "touch": ["sh", "-c", "touch new && test -f new && echo exists"],
    "find": ["sh", "-c", SETUP + "find . -type f | sort"],
    "find-name": ["sh", "-c", SETUP + "find d -name 't*'"],
    "xargs": ["sh", "-c", "echo 1 2 3 | xargs -n 1 echo item"],
    "md5sum": ["sh", "-c", "echo hello | md5sum"],
    "sha256sum": ["sh", "-c", "echo hello | sha256sum"],
    "base64": ["sh", "-c", "echo hello world | base64; echo aGVsbG8K | base64 -d"],
    "od": ["sh", "-c", "printf 'AB\\001' | od -c"],
    "hexdump": ["sh", "-c", "printf 'hello' | hexdump -C"],
    "tee": ["sh", "-c", "echo teed | tee out; cat out"],
    "env": ["sh", "-c", "env | sort"],
    "env-set": ["sh", "-c", "env -i A=1 B=2 env | sort"],  # sorted: qemu-arm reverses the environment's order
    "exit-3": ["sh", "-c", "exit 3"],
    "exit-status": ["sh", "-c", "false; echo $?; true; echo $?"],
    "killed": ["sh", "-c", "kill -9 $$"],
    "child-killed": ["sh", "-c", "sh -c 'kill -TERM $$'; echo child status $?"],
    "pipeline": ["sh", "-c", "seq 1 10 | grep -v 5 | sort -rn | head -n 3"],
    "subshell": ["sh", "-c", "x=1; (x=2; echo inner $x); echo outer $x"],
    "command-subst": ["sh", "-c", "n=$(echo abc | wc -c); echo count $n; echo `expr 2 + 3`"],
    "for-loop": ["sh", "-c", "for i in 1 2 3; do echo i=$i; done"],
    "while-loop": ["sh", "-c", "i=0; while [ $i -lt 5 ]; do i=$((i + 1)); echo $i; done"],
    "function": ["sh", "-c", "f() { echo args $# $1; return 4; }; f a b; echo ret $?"],
    "redirect": ["sh", "-c", "echo one > o; echo two >> o; cat < o; ls nothing 2> e; wc -l < e"],
    "heredoc": ["sh", "-c", "cat <<EOF\nline $((1 + 1))\nEOF"],
    "case": ["sh", "-c", "for w in apple banana; do case $w in a*) echo A;; *) echo other;; esac; done"],
    "and-or": ["sh", "-c", "true && echo yes; false || echo no; false && echo never"],
    "arith": ["sh", "-c", "echo $((7 * 6)) $((17 % 5)) $((1 << 4))"],
    "exec-applet": ["sh", "-c", "exec echo replaced; echo not reached"],
    "sh-script-file": ["sh", "-c", "printf 'echo script $1\\nexit 5\\n' > s.sh; sh s.sh arg; echo $?"],
    "nested-sh": ["sh", "-c", "sh -c 'sh -c \"echo deep\"'"],
    "background-wait": ["sh", "-c", "(echo bg) & wait; echo done"],
    "read-loop": ["sh", "-c", SETUP + "while read l; do echo got $l; done < f"],
    "printf-loop": ["sh", "-c", "for i in $(seq 3); do printf '%03d\\n' $i; done | tac"],
    "stat-size": ["sh", "-c", "printf 12345 > s; stat -c %s s; du -b s"],
    "ln-readlink": ["sh", "-c", "echo t > t; ln -s t l; readlink l; cat l"],
}


def _env(cwd: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PWD": str(cwd), "LC_ALL": "C", "TZ": "UTC"}


def _run_jitemu(args: list[str], opts: list[str], cwd: Path, cache: Path) -> Result:
    # HOME is the test directory: keep jitemu's caches out of the guest's view (find, ls)
    cmd = [*JITEMU, *opts, "-jit-cache", str(cache), "arm", str(BUSYBOX), *args]
    return run_group(cmd, env=_env(cwd), cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def busybox() -> Path:
    assert BUSYBOX.exists(), f"{BUSYBOX} is missing: scripts/setup-tests.sh downloads it"
    return BUSYBOX


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:  # noqa: ANN001
    """One code cache for the module's runs, outside the guest's view: busybox's code compiled for one case
    is loaded by the next (the cache is content-keyed, so this changes no result)."""
    return tmp_path_factory.mktemp("busybox-cache")


@pytest.mark.parametrize(
    ("case", "engine"),
    [(c, e) for c in CASES for e in ENGINES],
)
def test_busybox_matches_qemu(busybox: Path, cache: Path, tmp_path: Path, case: str, engine: str) -> None:
    args = CASES[case]
    cwd = tmp_path / "w"  # the same path for both runs, emptied in between
    cwd.mkdir()
    want = run_qemu_exec([busybox, *args], env=_env(cwd), cwd=cwd)
    shutil.rmtree(cwd)
    cwd.mkdir()
    got = _run_jitemu(args, ENGINES[engine], cwd, cache)
    err = got.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in got.stderr and b"internal error" not in got.stderr, err
    assert got.stdout == want.stdout, err
    assert got.returncode == want.returncode, err
