"""The persistent code cache: compiled objects on disk, so a second run of the same program skips LLVM.

An entry is keyed by everything that determines the machine code: the guest code bytes and addresses of
every block in the module's regions, the CPU model, the jitemu and LLVM versions, the host CPU and its
features, and code-generation options.  Its file holds a small header (magic, JSON metadata, a SHA-256 of
the object) and the object file.  Entries are written to a temporary file and renamed into place, so two
runs at once never see a half-written entry; an entry that fails its checks is ignored and rebuilt.

Where: ``$JITEMU_CACHE_DIR``, else ``$XDG_CACHE_HOME/jitemu``, else ``~/.cache/jitemu``.  ``-jit-cache off``
(or ``JITEMU_CACHE_DIR=off``) disables it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

MAGIC = b"JITEMU-OBJ1\n"


def default_dir() -> Path | None:
    env = os.environ.get("JITEMU_CACHE_DIR")
    if env:
        return None if env == "off" else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jitemu"


class CodeCache:
    """Compiled objects on disk (``directory`` None: a cache that never hits and never stores)."""

    def __init__(self, directory: Path | None, salt: str):
        self.dir = directory
        self.salt = salt  # versions, host CPU, CPU model, options
        self.hits = 0
        self.misses = 0
        self.rejected = 0

    @property
    def enabled(self) -> bool:
        return self.dir is not None

    def key(self, parts: list[bytes]) -> str:
        h = hashlib.sha256(self.salt.encode())
        for p in parts:
            h.update(len(p).to_bytes(8, "little"))
            h.update(p)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        assert self.dir is not None
        return self.dir / key[:2] / f"{key[2:]}.o"

    def load(self, key: str) -> tuple[dict, bytes] | None:
        if self.dir is None:
            return None
        try:
            data = self._path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        entry = _parse(data, key)
        if entry is None:
            self.rejected += 1
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def store(self, key: str, meta: dict, obj: bytes) -> None:
        if self.dir is None:
            return
        path = self._path(key)
        header = json.dumps({"key": key, "sha256": hashlib.sha256(obj).hexdigest(), "meta": meta}).encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + len(header).to_bytes(4, "little") + header + obj)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written is only slower


def _parse(data: bytes, key: str) -> tuple[dict, bytes] | None:
    """(metadata, object) if the entry is whole and is the one asked for, else None."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        return None
    n = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "little")
    start = len(MAGIC) + 4
    try:
        header = json.loads(data[start : start + n])
    except ValueError:
        return None
    obj = data[start + n :]
    if (
        not isinstance(header, dict)
        or header.get("key") != key
        or header.get("sha256") != hashlib.sha256(obj).hexdigest()
    ):
        return None
    return header.get("meta", {}), obj
