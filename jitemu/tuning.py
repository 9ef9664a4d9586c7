"""Tunable defaults of the execution engines (chosen from the measurements in bench/)."""

JIT_THRESHOLD = 256  # interpreted runs of a block before it is compiled (bench: 16, 64, 256, 512, 1024 tried)
JIT_BATCH = 64  # most regions compiled in one LLVM module
REGION_MAX = 16  # most blocks in one region
# a tier-2 batch becomes one function when its regions hold MERGE_SHARING times as many blocks as the function
# would (bench: libm's 129 blocks in 35, 2x faster to compile; sort and bytecode, about 2x, ran slower merged)
# and the function has at most MERGED_MAX blocks; else a function per region
MERGE_SHARING = 3
MERGED_MAX = 96
# a tier-1 region is compiled again at tier 2 after JIT_PROMOTE x the JIT threshold arrivals at its blocks
# (bench, sort/bytecode/matmul: 80, 800 and never tried; tier 1 code runs 1.5-3x slower than tier 2)
JIT_PROMOTE = 800
# nothing is compiled before a thread has interpreted JIT_START x the JIT threshold blocks (8192 by default, in
# blocks' costs: FP operations count extra; a static hello interprets about 6500, so short runs never load LLVM);
# a threshold below the default turns this off (it asks for early compilation)
JIT_START = 32
