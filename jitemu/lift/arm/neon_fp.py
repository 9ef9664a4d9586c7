"""Advanced SIMD floating point: arithmetic, multiply-accumulate, comparisons, min/max, pairwise, estimates
and conversions on f32 lanes with the standard FPSCR (semantics: ``jitemu.neon.fp``)."""

from __future__ import annotations
