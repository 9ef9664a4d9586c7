"""Advanced SIMD permutes and moves that are not plain IR: table lookups, zips/unzips/transposes,
narrowing and widening (registered in ``jitemu.fpu.FP_OPS``)."""

from __future__ import annotations
