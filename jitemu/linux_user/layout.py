"""Where things go in the guest's 32-bit address space (the same choices as ARM Linux with ASLR off).

- ``ET_EXEC`` programs load at their link address (usually 0x10000); the heap (brk) follows them.
- Position-independent programs (``ET_DYN``) load at ``PIE_BASE`` (ARM Linux's ELF_ET_DYN_BASE, 4 MiB).
- ``mmap`` without an address, and the ELF interpreter, go bottom-up from ``MMAP_BASE``
  (ARM Linux's TASK_UNMAPPED_BASE in the legacy layout).
- The stack ends at ``STACK_TOP`` (ARM Linux's TASK_SIZE with the 3G/1G split); nothing the guest
  maps may reach above it, so the kuser helper page at ``KUSER_PAGE`` stays out of the guest's way.
"""

from __future__ import annotations

MIN_ADDR = 0x1000  # like Linux's mmap_min_addr: page 0 stays unmapped so NULL dereferences fault
PIE_BASE = 0x0040_0000
MMAP_BASE = 0x4000_0000
STACK_TOP = 0xBF00_0000
TASK_SIZE = STACK_TOP  # the guest may map [MIN_ADDR, TASK_SIZE)
STACK_GUARD = 0x1_0000  # unmapped gap kept below the stack (the kernel's stack_guard_gap is larger)
DEFAULT_STACK_SIZE = 8 << 20  # like qemu-arm and a default RLIMIT_STACK
KUSER_PAGE = 0xFFFF_0000
