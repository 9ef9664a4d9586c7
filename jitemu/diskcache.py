"""Where jitemu keeps its caches on disk, and the one checked file format they share.

An entry file is: a magic line naming the kind of cache, a little-endian length, a JSON header (the key
asked for, a SHA-256 of the payload, free metadata) and the payload.  Entries are written to a temporary
file and renamed into place, so two runs at once never see a half-written entry; a read that finds a
missing, truncated, corrupt or foreign entry returns None and the caller rebuilds it.

Where: ``$JITEMU_CACHE_DIR``, else ``$XDG_CACHE_HOME/jitemu``, else ``~/.cache/jitemu``;
``JITEMU_CACHE_DIR=off`` (or ``-jit-cache off``) disables every cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path


def default_dir() -> Path | None:
    env = os.environ.get("JITEMU_CACHE_DIR")
    if env:
        return None if env == "off" else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jitemu"


@functools.cache
def code_identity() -> str:
    """An identity of the jitemu code itself, part of every cache key: the names, sizes and modification
    times of the package's source files.  The version number alone does not change while the code does
    (development trees, several checkouts sharing one cache), and an entry made by other code (a
    translation that was UNDEF then, an object compiled before a fix) must never be used.  A rebuilt but
    identical tree only costs misses."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        st = p.stat()
        h.update(f"{p.relative_to(root)} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def digest(salt: str, parts: list[bytes]) -> str:
    """A key over ``salt`` and ``parts`` (length-prefixed, so the split between parts matters)."""
    h = hashlib.sha256(salt.encode())
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def write_entry(path: Path, magic: bytes, key: str, meta: dict, payload: bytes) -> None:
    """Store an entry atomically; a cache that cannot be written is only slower, so errors are ignored."""
    header = json.dumps({"key": key, "sha256": hashlib.sha256(payload).hexdigest(), "meta": meta}).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(magic + len(header).to_bytes(4, "little") + header + payload)
        os.replace(tmp, path)
    except OSError:
        pass


def read_entry(path: Path, magic: bytes, key: str) -> tuple[dict, bytes] | None:
    """(metadata, payload) if the file holds the whole entry for ``key``, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(magic) or len(data) < len(magic) + 4:
        return None
    start = len(magic) + 4
    n = int.from_bytes(data[len(magic) : start], "little")
    try:
        header = json.loads(data[start : start + n])
    except ValueError:
        return None
    payload = data[start + n :]
    if (
        not isinstance(header, dict)
        or header.get("key") != key
        or header.get("sha256") != hashlib.sha256(payload).hexdigest()
    ):
        return None
    meta = header.get("meta", {})
    return (meta if isinstance(meta, dict) else {}), payload
