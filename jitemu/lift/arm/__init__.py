"""ARMv7-A lift functions, one module per instruction family; importing this registers them all."""

from jitemu.lift.arm import branch, dataproc, loadstore, media, multiply, neon, system, vfp, vfp_arith  # noqa: F401
