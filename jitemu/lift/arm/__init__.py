"""ARMv7-A lift functions, one module per instruction family; importing this registers them all."""

from jitemu.lift.arm import (  # noqa: F401
    branch,
    dataproc,
    loadstore,
    media,
    multiply,
    neon_fp,
    neon_int,
    neon_perm,
    system,
    vfp,
    vfp_arith,
)
