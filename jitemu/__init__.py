"""jitemu: a hackable ARM CPU emulator in Python with an IR interpreter and an LLVM JIT."""

__version__ = "0.1.0"
