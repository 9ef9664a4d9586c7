"""Tunable defaults of the execution engines (chosen from the measurements in bench/)."""

JIT_THRESHOLD = 256  # interpreted runs of a block before it is compiled (bench: 16, 64, 256, 512, 1024 tried)
JIT_BATCH = 64  # most regions compiled in one LLVM module
REGION_MAX = 16  # most blocks in one region
