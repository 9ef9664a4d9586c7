"""Random valid Advanced SIMD encodings: the perm family (see ``enc_neon`` for the conventions)."""

from __future__ import annotations

from collections.abc import Callable

CLASSES: dict[str, dict[str, Callable]] = {}
