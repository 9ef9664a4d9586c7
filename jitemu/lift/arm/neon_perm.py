"""Advanced SIMD data movement: element and structure loads/stores (VLDn/VSTn), VDUP, VEXT, VREV,
VZIP/VUZP/VTRN, VTBL/VTBX, VSWP and the narrowing/widening moves (semantics: ``jitemu.neon.perm``)."""

from __future__ import annotations
