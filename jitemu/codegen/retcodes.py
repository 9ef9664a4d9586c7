"""What generated code returns to the run loop (besides ``jitemu.ir.ExitKind`` values for SYSCALL, UNDEF, BKPT
and ALIGN exits).  A module of its own so that the engine knows them without loading LLVM."""

from jitemu.ir import ExitKind

RET_MISS = 0  # left compiled code (target not compiled, or the host set exit_request); r15/thumb: where to go
RET_SLOW = 0x40  # an access the inline check did not pass: r15/thumb/itstate = its instruction, to interpret
RET_HOT = 0x41  # a tier-1 region got hot: exit_arg = its entry's pc word, r15/thumb = where to go on

assert not {RET_MISS, RET_SLOW, RET_HOT} & {int(k) for k in ExitKind}, "return codes must not be exit kinds"
