"""``-d ITEMS`` / ``-D FILE`` logging, in the spirit of qemu's ``-d``.

One table of log items; every part of jitemu asks ``log.enabled(item)`` and writes with ``log.write``.
"""

from __future__ import annotations

import sys
from typing import TextIO

ITEMS: dict[str, str] = {
    "in_asm": "show guest instructions of each translated block (capstone)",
    "op": "show the IR of each translated block",
    "out_asm": "show generated host code (JIT engine)",
    "exec": "show each block as it is executed",
    "cpu": "show the CPU registers before each block is executed",
    "unimp": "log unimplemented instructions and syscalls",
    "strace": "log each syscall (same as -strace)",
    "page": "log guest memory mappings made by the loader",
    "stats": "print execution statistics at exit",
}

_enabled: set[str] = set()
_out: TextIO = sys.stderr


def help_text() -> str:
    lines = ["Log items (comma separated):"]
    lines += [f"{name:<10}{desc}" for name, desc in ITEMS.items()]
    return "\n".join(lines)


def parse_items(spec: str) -> set[str]:
    """Parse ``a,b,c``; raise ValueError naming an unknown item."""
    items = {s.strip() for s in spec.split(",") if s.strip()}
    for it in items:
        if it not in ITEMS and it != "all":
            raise ValueError(f"unknown log item '{it}'")
    return set(ITEMS) if "all" in items else items


def configure(items: set[str], path: str | None = None) -> None:
    global _out
    _enabled.clear()
    _enabled.update(items)
    if path:
        _out = open(path, "w", buffering=1)  # noqa: SIM115 - lives for the whole run


def enable(item: str) -> None:
    _enabled.add(item)


def enabled(item: str) -> bool:
    return item in _enabled


def write(text: str) -> None:
    _out.write(text)


def flush() -> None:
    _out.flush()
