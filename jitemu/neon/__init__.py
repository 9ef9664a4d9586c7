"""Advanced SIMD (NEON) semantics on bit patterns: what each NEON operation computes, lane by lane.

A D register is a 64-bit value and a Q register a 128-bit value (the IR carries both as plain integers of
that width; lane 0 is the least significant element, as on a little-endian ARM).  Each operation is an
entry of ``jitemu.fpu.FP_OPS`` - the one table of operations of the floating-point and Advanced SIMD unit,
which the IR's ``FP`` op names - so both engines and the persistent caches treat NEON and VFP alike: the
operation takes its operand bit patterns and the FPSCR, and returns ``(result bits, new FPSCR)``.  Integer
operations only touch the FPSCR's cumulative saturation flag QC; floating-point ones compute with the
"standard FPSCR value" (flush-to-zero, default NaN, round to nearest) and set the cumulative exception flags
in the real FPSCR, as the ARM ARM's Advanced SIMD pseudocode does.

Names are ``<operation>.<element type>.<d|q>`` (``add.i8.q``, ``qadd.s16.d``, ``mul.f32.q``...): the last
part is the register width of the operands.  The submodules register the families: ``integer``
(arithmetic, shifts, comparisons, saturation...), ``perm`` (permutes, table lookups, narrowing and
widening moves) and ``fp`` (floating point, estimates).  ``lanes`` holds the lane helpers they share.
"""

from jitemu.neon import fp, integer, perm  # noqa: F401 - importing registers the operations
