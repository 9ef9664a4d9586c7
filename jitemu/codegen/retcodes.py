"""What generated code returns to the run loop (besides ``jitemu.ir.ExitKind`` values for SYSCALL, UNDEF and
BKPT exits).  A module of its own so that the engine knows them without loading LLVM."""

RET_MISS = 0  # left compiled code (target not compiled, or the host set exit_request); r15/thumb: where to go
RET_FAULT = 6  # a guest memory fault: r15/itstate = the faulting instruction, exit_arg = the address
RET_HOT = 7  # a tier-1 region got hot: exit_arg = its entry's pc word, r15/thumb = where to go on
