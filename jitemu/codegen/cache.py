"""The persistent code cache: compiled objects on disk, so a second run of the same program skips LLVM.

An entry is keyed by everything that determines the machine code: the guest code bytes and addresses of
every block in the module's regions, the CPU model, the jitemu and LLVM versions, the host CPU and its
features, and code-generation options.  Files use the checked, atomically written format of
``jitemu.diskcache``; an entry that fails its checks is ignored and rebuilt.
"""

from __future__ import annotations

from pathlib import Path

from jitemu.diskcache import digest, read_entry, write_entry

MAGIC = b"JITEMU-OBJ1\n"


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
        return digest(self.salt, parts)

    def _path(self, key: str) -> Path:
        assert self.dir is not None
        return self.dir / key[:2] / f"{key[2:]}.o"

    def load(self, key: str) -> tuple[dict, bytes] | None:
        if self.dir is None:
            return None
        path = self._path(key)
        entry = read_entry(path, MAGIC, key)
        if entry is None:
            self.misses += 1
            self.rejected += path.exists()
            return None
        self.hits += 1
        return entry

    def store(self, key: str, meta: dict, obj: bytes) -> None:
        if self.dir is not None:
            write_entry(self._path(key), MAGIC, key, meta, obj)
