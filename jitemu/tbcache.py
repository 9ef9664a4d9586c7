"""The persistent translation cache: prepared blocks on disk, so the next run skips decoding and lifting.

Entries are content-addressed per guest code page: the file for a page is keyed by the page's address,
a SHA-256 of its 4 KiB as they were when its first block was translated, and a salt (jitemu version,
CPU model).  It holds that page's blocks in the interpreter's exported form (``Interpreter.export``:
the prepared code plus the optimised IR, decoded only if the block gets hot).  Blocks are only taken
from a record whose page still holds the same bytes, so a stale entry can never run; a guest write to
a code page drops the page's record (the engine calls ``forget``) and the next translation starts a
new one.  Blocks that run past their page are not stored.  Shared libraries and the C library's
start-up code hit across different programs, since only the page bytes matter.

Files use the checked, atomic format of ``jitemu.diskcache`` (``tb/`` under the cache directory);
``save`` at the end of a run writes the pages that gained blocks.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jitemu.diskcache import digest, read_entry, write_entry
from jitemu.memory import PAGE_SHIFT, PAGE_SIZE, GuestMemory

MAGIC = b"JITEMU-TB1\n"
Key = tuple[int, int, int]  # (pc, thumb, itstate), as the engine's block cache


@dataclass(slots=True)
class _Page:
    key: str
    entries: dict[Key, tuple] = field(default_factory=dict)  # loaded from disk
    fresh: set[Key] = field(default_factory=set)  # translated this run from the same page bytes


class TranslationCache:
    def __init__(self, directory: Path, salt: str):
        self.dir = directory / "tb"
        self.salt = salt
        self.pages: dict[int, _Page] = {}
        self.hits = 0
        self.misses = 0

    def _open(self, mem: GuestMemory, page: int) -> _Page:
        base = page << PAGE_SHIFT
        content = hashlib.sha256(mem.read_raw(base, PAGE_SIZE)).digest()
        key = digest(self.salt, [base.to_bytes(4, "little"), content])
        rec = _Page(key)
        entry = read_entry(self._path(key), MAGIC, key)
        if entry is not None:
            try:
                entries = marshal.loads(entry[1])
            except (ValueError, EOFError, TypeError):
                entries = None
            if isinstance(entries, dict):
                rec.entries = entries
        self.pages[page] = rec
        return rec

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key[2:]}.tb"

    def lookup(self, mem: GuestMemory, key: Key) -> tuple | None:
        """The stored export of the block at ``key``, if its page holds the bytes it was made from."""
        page = key[0] >> PAGE_SHIFT
        rec = self.pages.get(page) or self._open(mem, page)
        data = rec.entries.get(key)
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
        return data

    def note(self, key: Key) -> None:
        """The block at ``key`` was just translated from its page's current bytes: store it at ``save``
        (blocks that run past their page must not be noted)."""
        rec = self.pages.get(key[0] >> PAGE_SHIFT)
        if rec is not None:
            rec.fresh.add(key)

    def forget(self, page: int) -> None:
        """The page's bytes changed (or it was unmapped): its record no longer describes it."""
        self.pages.pop(page, None)

    def has_fresh(self) -> bool:
        return any(rec.fresh for rec in self.pages.values())

    def save(self, export: Callable[[Key], tuple | None]) -> int:
        """Write every page record that gained blocks; ``export`` gives a block's data (None: skip it).
        Returns the number of blocks written."""
        written = 0
        for rec in self.pages.values():
            new = {}
            for k in rec.fresh:
                data = export(k)
                if data is not None:
                    new[k] = data
            if new:
                write_entry(self._path(rec.key), MAGIC, rec.key, {}, marshal.dumps({**rec.entries, **new}))
                written += len(new)
            rec.entries.update(new)
            rec.fresh.clear()
        return written
