"""Host compare-and-swap for the interpreter, without LLVM: the C runtime's libatomic through ctypes.

The interpreter's CMPXCHG (STREX, the kuser cmpxchg helpers) must be atomic against every other store to
the same word, including the plain stores other guest threads make while the GIL lets them run between
the interpreter's load and store (a spin lock's release lost that way left the lock taken forever).  A
host ``lock cmpxchg`` is; ctypes releases the GIL around it.  ``make_cas`` returns, per access size, a
function (host address, expected, new) -> old value, the same shape as the JIT tier's compiled one.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

SEQ_CST = 5  # __ATOMIC_SEQ_CST
_TYPES = {1: ctypes.c_uint8, 2: ctypes.c_uint16, 4: ctypes.c_uint32, 8: ctypes.c_uint64}
_lib: ctypes.CDLL | None = None


def _libatomic() -> ctypes.CDLL | None:
    global _lib  # noqa: PLW0603 - loaded once per process
    if _lib is None:
        try:
            _lib = ctypes.CDLL("libatomic.so.1")  # the soname: no ldconfig run (find_library's) at every start
        except OSError:
            from ctypes.util import find_library  # noqa: PLC0415 - only when the soname is not found

            name = find_library("atomic")
            if name is None:
                return None
            try:
                _lib = ctypes.CDLL(name)
            except OSError:
                return None
        for size, ctype in _TYPES.items():
            f = getattr(_lib, f"__atomic_compare_exchange_{size}")
            f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctype, ctypes.c_int, ctypes.c_int]
            f.restype = ctypes.c_bool
    return _lib


def make_cas() -> dict[int, Callable[[int, int, int], int]] | None:
    """Per access size, a host compare-and-swap returning the old value; None without libatomic.  Each
    call of ``make_cas`` has its own buffers for the expected value: one set per guest thread."""
    lib = _libatomic()
    if lib is None:
        return None
    return {size: _cas(getattr(lib, f"__atomic_compare_exchange_{size}"), ctype()) for size, ctype in _TYPES.items()}


def _cas(fn: Callable, box: ctypes._SimpleCData) -> Callable[[int, int, int], int]:
    ref = ctypes.byref(box)

    def cas(addr: int, expected: int, new: int) -> int:
        box.value = expected
        fn(addr, ref, new, SEQ_CST, SEQ_CST)  # on failure it writes the value it found into the box
        return box.value

    return cas
