"""``#!`` lines parsed as the kernel does (fs/binfmt_script.c), with the host kernel as the reference: each
line is put in a host script whose interpreter prints the arguments it receives, and
``execve.parse_shebang`` must find the same interpreter argument, or fail with the same errno."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jitemu.linux_user.syscalls.execve import parse_shebang

LONG = b"/" + b"x" * 300
LINES = {
    "plain": b"#!{i}\n",
    "argument": b"#!{i} -x\n",
    "spaces": b"#!  {i}   one two  \t\nrest\n",
    "tabs": b"#!\t{i}\targ\t\n",
    "no newline": b"#!{i} arg",
    "nul in argument": b"#!{i} a\0b\n",
    "carriage return": b"#!{i} arg\r\n",
    "long argument": b"#!{i} " + b"a" * 300,
    "empty": b"#!\n",
    "blank": b"#!   \t \n",
    "long interpreter": b"#!" + LONG,
}


@pytest.mark.parametrize("name", LINES)
def test_shebang_like_the_host_kernel(tmp_path: Path, name: str) -> None:
    printer = tmp_path / "printer"
    printer.write_text('#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\n')
    printer.chmod(0o755)
    script = tmp_path / "script"
    script.write_bytes(LINES[name].replace(b"{i}", bytes(printer)))
    script.chmod(0o755)
    header = script.read_bytes()[:256]
    try:
        out = subprocess.run([str(script), "X"], capture_output=True, check=True).stdout
    except OSError as e:
        with pytest.raises(OSError) as got:
            parse_shebang(header)
        assert got.value.errno == e.errno
        return
    interp, arg = parse_shebang(header)
    assert interp == bytes(printer)
    want_args = out[1:-1].split(b"][")  # [arg] [script] [X]
    assert want_args == [*([arg] if arg is not None else []), bytes(script), b"X"]
