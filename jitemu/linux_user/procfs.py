"""The /proc files that must describe the guest rather than the emulator: /proc/self/maps, auxv, cmdline,
stat and exe (also as /proc/PID/... and /proc/thread-self/...), and /proc/cpuinfo.

``open_special`` is asked first by open/openat: for these paths it generates the contents and returns a
real descriptor (a memfd holding them), so read, lseek, fstat, mmap and close work as for any file.
Every other /proc path is the host's.  /proc/self/exe is the guest program itself (``exe_link``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from jitemu.linux_user import layout
from jitemu.linux_user.cpus import HWCAP_BITS
from jitemu.memory import PAGE_SHIFT, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

_RUNS = re.compile(rb"\x01+|\x02+|\x03+|\x04+|\x05+|\x06+|\x07+")
_PROT_ONLY = bytes(b & 7 for b in range(256))
MAPS_NAME_COLUMN = 73  # where Linux (64-bit) and qemu start the path column


def _self_prefixes(p: Process) -> tuple[bytes, ...]:
    return b"/proc/self/", b"/proc/%d/" % p.pid, b"/proc/thread-self/", b"/proc/%d/task/%d/" % (p.pid, p.tid)


def proc_self_entry(p: Process, path: bytes) -> bytes | None:
    """``maps`` for /proc/self/maps, /proc/PID/maps...; None for any other path."""
    path = os.path.normpath(path) if path.startswith(b"/proc/") else path
    for prefix in _self_prefixes(p):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return None


def exe_link(p: Process, path: bytes) -> bool:
    return proc_self_entry(p, path) == b"exe"


# ---- the generated files -------------------------------------------------------------------------------
def maps(p: Process) -> bytes:
    """The guest's mappings in Linux's format: runs of equal permissions, split where the backing file or
    the heap, stack and vector page boundaries are."""
    named = {
        (p.brk_start, p.brk_mapped_end): "[heap]",
        (p.program.stack_low, layout.STACK_TOP): "[stack]",
        (layout.KUSER_PAGE, layout.KUSER_PAGE + PAGE_SIZE): "[vectors]",
    }
    cuts = p.file_maps.boundaries() | {a for span in named for a in span}
    perms = bytes(p.mem.perms).translate(_PROT_ONLY)
    lines = []
    for run in _RUNS.finditer(perms):
        first, last = run.start() << PAGE_SHIFT, run.end() << PAGE_SHIFT
        prot = perms[run.start()]
        points = sorted({first, last} | {c for c in cuts if first < c < last})
        for start, end in zip(points, points[1:], strict=False):
            lines.append(_maps_line(p, start, end, prot, named))
    return "".join(lines).encode()


def _maps_line(p: Process, start: int, end: int, prot: int, named: dict) -> str:
    flags = "".join(c if prot & bit else "-" for c, bit in (("r", PROT_READ), ("w", PROT_WRITE), ("x", PROT_EXEC)))
    fm = p.file_maps.find(start)
    offset, dev, ino, name = 0, 0, 0, ""
    if fm is not None:
        offset, dev, ino, name = fm.at(start), fm.dev, fm.ino, fm.path
    else:
        name = next((n for (lo, hi), n in named.items() if lo <= start < hi), "")
    head = f"{start:08x}-{end:08x} {flags}p {offset:08x} {os.major(dev):02x}:{os.minor(dev):02x} {ino} "
    return (head.ljust(MAPS_NAME_COLUMN) + name if name else head.rstrip()) + "\n"


def auxv(p: Process) -> bytes:
    return b"".join(k.to_bytes(4, "little") + (v & 0xFFFFFFFF).to_bytes(4, "little") for k, v in p.program.stack.auxv)


def cmdline(p: Process) -> bytes:
    return b"".join(p.mem.read_cstring(a, 1 << 17) + b"\0" for a in p.program.stack.argv)


def stat(p: Process) -> bytes:
    """Like qemu: 44 fields of which pid, (command), state, ppid, start time and the stack start are real."""
    with open("/proc/self/stat", "rb") as f:
        host = f.read().rsplit(b")", 1)[1].split()
    comm = os.path.basename(p.exe_path)[:15]
    fields = ["0"] * 44
    fields[0], fields[1], fields[2], fields[3] = str(p.pid), f"({comm})", "R", str(os.getppid())
    fields[21] = host[19].decode()  # starttime (field 22; host[0] is field 3)
    fields[27] = str(p.program.stack.sp)  # startstack
    return (" ".join(fields) + "\n").encode()


# Cortex-A15 r2p1, the MIDR qemu gives its cortex-a15
CPU_IMPLEMENTER, CPU_VARIANT, CPU_PART, CPU_REVISION = 0x41, 0x2, 0xC0F, 1


def cpuinfo(p: Process) -> bytes:
    """What ARM Linux prints for a Cortex-A15, one entry per host CPU, with the CPU model's features."""
    features = " ".join(name for name, bit in HWCAP_BITS.items() if p.cpu.hwcap & bit)
    entry = (
        "processor\t: {n}\n"
        f"model name\t: ARMv7 Processor rev {CPU_REVISION} ({p.cpu.platform})\n"
        "BogoMIPS\t: 100.00\n"
        f"Features\t: {features}\n"
        f"CPU implementer\t: {CPU_IMPLEMENTER:#x}\n"
        "CPU architecture: 7\n"
        f"CPU variant\t: {CPU_VARIANT:#x}\n"
        f"CPU part\t: {CPU_PART:#x}\n"
        f"CPU revision\t: {CPU_REVISION}\n\n"
    )
    text = "".join(entry.format(n=n) for n in range(os.cpu_count() or 1))
    return (text + "Hardware\t: jitemu\nRevision\t: 0000\nSerial\t\t: 0000000000000000\n").encode()


SELF_FILES: dict[bytes, Callable[[Process], bytes]] = {b"maps": maps, b"auxv": auxv, b"cmdline": cmdline, b"stat": stat}


def contents(p: Process, path: bytes) -> bytes | None:
    """The generated contents for ``path``, or None when the host's file is the right one."""
    if os.path.normpath(path) == b"/proc/cpuinfo":
        return cpuinfo(p)
    entry = proc_self_entry(p, path)
    make = SELF_FILES.get(entry) if entry is not None else None
    return make(p) if make else None


def open_special(p: Process, path: bytes, cloexec: bool) -> int | None:
    """A descriptor holding the generated file ``path``, or None for paths that are not generated."""
    data = contents(p, path)
    if data is None:
        return None
    mfd = os.memfd_create("jitemu-proc", os.MFD_CLOEXEC)
    try:
        os.write(mfd, data)
        fd = os.open(f"/proc/self/fd/{mfd}", os.O_RDONLY | (os.O_CLOEXEC if cloexec else 0))  # read-only, as /proc's
    finally:
        os.close(mfd)
    if not cloexec:
        os.set_inheritable(fd, True)
    return fd
