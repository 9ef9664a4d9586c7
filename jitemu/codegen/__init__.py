"""Backends that run IR blocks: the portable interpreter and (later) the LLVM JIT."""
