"""Advanced SIMD floating point on f32 lanes: ``jitemu.fpu`` operations with the standard FPSCR (flush to
zero, default NaN, round to nearest) whose exception flags land in the real FPSCR; VRECPE/VRSQRTE
estimates and the VRECPS/VRSQRTS steps (registered in ``jitemu.fpu.FP_OPS``)."""

from __future__ import annotations
