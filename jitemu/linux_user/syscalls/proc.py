"""Process system calls: exit, identity, resource limits, uname/sysinfo, randomness, futex, TLS.

Guest threads are host threads of this process, so the guest's pid and tids are the host's; futexes are
the process's own wait queues (``jitemu.linux_user.futex``).
"""

from __future__ import annotations

import errno
import os
import resource
import struct
import time
from typing import TYPE_CHECKING

from jitemu.linux_user import abi
from jitemu.linux_user.futex import FUTEX_BITSET_MATCH_ANY
from jitemu.linux_user.signals import SIGTRAP, TRAP_BRKPT, SigInfo
from jitemu.linux_user.syscalls import GuestExit
from jitemu.memory import PROT_WRITE

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process


# ---- exit ----------------------------------------------------------------------------------------------
def sys_exit(p: Process, status: int) -> int:
    """The calling thread ends; the process ends with the last of its threads."""
    from jitemu.linux_user.threads import GuestThread, ThreadExit, wait_for_threads  # noqa: PLC0415

    if isinstance(p, GuestThread):
        raise ThreadExit
    wait_for_threads(p)  # the main thread: the others carry on without it
    raise GuestExit(status & 0xFF)


def sys_exit_group(p: Process, status: int) -> int:
    raise GuestExit(status & 0xFF)


# ---- identity ------------------------------------------------------------------------------------------
def sys_getpid(p: Process) -> int:
    return p.pid


def sys_gettid(p: Process) -> int:
    return p.tid


def sys_getppid(p: Process) -> int:
    return os.getppid()


def sys_getuid32(p: Process) -> int:
    return os.getuid()


def sys_geteuid32(p: Process) -> int:
    return os.geteuid()


def sys_getgid32(p: Process) -> int:
    return os.getgid()


def sys_getegid32(p: Process) -> int:
    return os.getegid()


def _id16(impl):
    """The old 16-bit id calls: ids above 65535 read as the overflow id 65534."""

    def sys_id16(p: Process) -> int:
        value = impl(p)
        return value if value < 0x10000 else 65534

    sys_id16.__name__ = impl.__name__.removesuffix("32")
    return sys_id16


sys_getuid = _id16(sys_getuid32)
sys_geteuid = _id16(sys_geteuid32)
sys_getgid = _id16(sys_getgid32)
sys_getegid = _id16(sys_getegid32)


def sys_set_tid_address(p: Process, tidptr: int) -> int:
    p.clear_child_tid = tidptr
    return p.tid


def sys_set_robust_list(p: Process, head: int, length: int) -> int:
    if length != 12:  # sizeof(struct robust_list_head) on ARM
        return -errno.EINVAL
    p.robust_list = (head, length)
    return 0


# ---- resource limits -----------------------------------------------------------------------------------
RLIM64_INFINITY = (1 << 64) - 1
RLIM32_INFINITY = 0xFFFFFFFF
RLIMIT_DATA, RLIMIT_STACK, RLIMIT_AS = 2, 3, 9
RLIM_NLIMITS = 16  # RLIMIT_CPU..RLIMIT_RTTIME
_GUEST_ONLY = (RLIMIT_DATA, RLIMIT_STACK, RLIMIT_AS)  # limits of the emulator's own memory: not passed on


def _host_limit(v: int) -> int:
    return RLIM64_INFINITY if v == resource.RLIM_INFINITY or v < 0 else v


def _to_host(v: int) -> int:
    return resource.RLIM_INFINITY if v == RLIM64_INFINITY else v


def sys_prlimit64(p: Process, pid: int, res: int, new: int, old: int) -> int:
    if pid not in (0, p.pid):
        return -errno.EPERM
    if not 0 <= res < RLIM_NLIMITS:
        return -errno.EINVAL
    cur = tuple(_host_limit(v) for v in resource.getrlimit(res))
    if new:
        soft, hard = abi.RLIMIT64.unpack(p.mem.read(new, abi.RLIMIT64.size))
        if soft > hard:
            return -errno.EINVAL
        if res not in _GUEST_ONLY:
            resource.setrlimit(res, (_to_host(soft), _to_host(hard)))
    if old:
        p.mem.write(old, abi.RLIMIT64.pack(*cur))
    return 0


def sys_ugetrlimit(p: Process, res: int, rlim: int) -> int:
    if not 0 <= res < RLIM_NLIMITS:
        return -errno.EINVAL
    soft, hard = (min(_host_limit(v), RLIM32_INFINITY) for v in resource.getrlimit(res))
    p.mem.write(rlim, abi.RLIMIT32.pack(soft, hard))
    return 0


def sys_setrlimit(p: Process, res: int, rlim: int) -> int:
    if not 0 <= res < RLIM_NLIMITS:
        return -errno.EINVAL
    soft, hard = (RLIM64_INFINITY if v == RLIM32_INFINITY else v for v in abi.RLIMIT32.unpack(p.mem.read(rlim, 8)))
    if soft > hard:
        return -errno.EINVAL
    if res not in _GUEST_ONLY:
        resource.setrlimit(res, (_to_host(soft), _to_host(hard)))
    return 0


# ---- system information --------------------------------------------------------------------------------
def sys_uname(p: Process, buf: int) -> int:
    host = os.uname()
    try:
        with open("/proc/sys/kernel/domainname", "rb") as f:
            domain = f.read().strip()
    except OSError:
        domain = b"(none)"
    fields = [host.sysname, host.nodename, p.uname_release or host.release, host.version, p.cpu.machine]
    data = b"".join(f.encode()[: abi.UTSNAME_FIELD - 1].ljust(abi.UTSNAME_FIELD, b"\0") for f in fields)
    data += domain[: abi.UTSNAME_FIELD - 1].ljust(abi.UTSNAME_FIELD, b"\0")
    p.mem.write(buf, data)
    return 0


def _meminfo() -> dict[str, int]:
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, _, rest = line.partition(":")
            info[key] = int(rest.split()[0]) if rest.split() else 0
    return info


def sys_sysinfo(p: Process, buf: int) -> int:
    """Host figures, in KiB units (mem_unit=1024) so they fit 32-bit fields."""
    m = _meminfo()
    with open("/proc/uptime") as f:
        uptime = int(float(f.read().split()[0]))
    with open("/proc/loadavg") as f:
        procs = int(f.read().split()[3].split("/")[1])
    loads = [min(int(x * 65536), 0xFFFFFFFF) for x in os.getloadavg()]
    mem = [m.get(k, 0) & 0xFFFFFFFF for k in ("MemTotal", "MemFree", "Shmem", "Buffers", "SwapTotal", "SwapFree")]
    p.mem.write(buf, abi.SYSINFO.pack(uptime, *loads, *mem, min(procs, 0xFFFF), 0, 0, 0, 1024))
    return 0


def sys_sched_getaffinity(p: Process, pid: int, size: int, mask: int) -> int:
    cpus = os.sched_getaffinity(0 if pid in (0, p.pid) else pid)
    nbytes = ((os.cpu_count() or 1) + 31) // 32 * 4  # the kernel's cpumask size, in whole longs
    if size < nbytes or size & 3:
        return -errno.EINVAL
    bits = sum(1 << c for c in cpus)
    p.mem.write(mask, bits.to_bytes(nbytes, "little"))
    return nbytes


def sys_sched_yield(p: Process) -> int:
    os.sched_yield()
    return 0


def sys_getrandom(p: Process, buf: int, count: int, flags: int) -> int:
    if flags & ~7:  # GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE
        return -errno.EINVAL
    count = min(count, 0x2000000)
    p.mem.check_range(buf, count, PROT_WRITE)
    p.mem.write(buf, p.random_bytes(count))
    return count


# ---- futex ---------------------------------------------------------------------------------------------
FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = 9, 10
FUTEX_CMD_MASK = 0x7F  # without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME


def _wake_op(p: Process, uaddr2: int, encoded: int) -> int:
    """FUTEX_WAKE_OP's atomic update of *uaddr2 (include/uapi/linux/futex.h); returns the old value."""
    op, oparg = encoded >> 28 & 7, encoded >> 12 & 0xFFF
    if encoded >> 31:  # FUTEX_OP_OPARG_SHIFT
        oparg = 1 << (oparg & 31)
    old = p.mem.load(uaddr2, 4)
    new = {0: oparg, 1: old + oparg, 2: old | oparg, 3: old & ~oparg, 4: old ^ oparg}.get(op)
    if new is None:
        raise OSError(errno.ENOSYS, "bad FUTEX_WAKE_OP operation")
    p.mem.store(uaddr2, 4, new & 0xFFFFFFFF)
    return old


def _wake_op_cond(old: int, encoded: int) -> bool:
    """FUTEX_WAKE_OP's comparison of the old value of *uaddr2 with its argument (signed, as the kernel)."""
    cmp, cmparg = encoded >> 24 & 15, encoded & 0xFFF
    old = old - (1 << 32) if old >> 31 else old
    return {0: old == cmparg, 1: old != cmparg, 2: old < cmparg, 3: old <= cmparg, 4: old > cmparg,
            5: old >= cmparg}.get(cmp, False)  # fmt: skip


def _timeout(p: Process, timeout: int, absolute: bool, realtime: bool, ts: struct.Struct) -> float | None:
    if not timeout:
        return None
    sec, nsec = ts.unpack(p.mem.read(timeout, ts.size))
    if not 0 <= nsec < 1_000_000_000:
        raise OSError(errno.EINVAL, "bad timeout")
    value = sec + nsec / 1e9
    if absolute:
        value -= time.time() if realtime else time.monotonic()
    return max(value, 0.0)


def _futex(p: Process, uaddr: int, op: int, val: int, timeout: int, uaddr2: int, val3: int, ts: struct.Struct) -> int:
    cmd = op & FUTEX_CMD_MASK
    table = p.futexes
    if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        bitset = val3 if cmd == FUTEX_WAIT_BITSET else FUTEX_BITSET_MATCH_ANY
        if bitset == 0:
            return -errno.EINVAL
        wait = _timeout(p, timeout, cmd == FUTEX_WAIT_BITSET, bool(op & 256), ts)
        return table.wait(p.mem, uaddr, val, bitset, wait, p)
    if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        bitset = val3 if cmd == FUTEX_WAKE_BITSET else FUTEX_BITSET_MATCH_ANY
        return -errno.EINVAL if bitset == 0 else table.wake(uaddr, val, bitset)
    if cmd in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
        # the timeout register carries the number of waiters to requeue
        return table.requeue(p.mem, uaddr, uaddr2, val, timeout, val3 if cmd == FUTEX_CMP_REQUEUE else None)
    if cmd == FUTEX_WAKE_OP:
        with table.lock:
            old = _wake_op(p, uaddr2, val3)
            n = table._wake(uaddr, val, FUTEX_BITSET_MATCH_ANY)
            if _wake_op_cond(old, val3):
                n += table._wake(uaddr2, timeout, FUTEX_BITSET_MATCH_ANY)
        return n
    return -errno.ENOSYS


def sys_futex(p: Process, uaddr: int, op: int, val: int, timeout: int, uaddr2: int, val3: int) -> int:
    return _futex(p, uaddr, op, val, timeout, uaddr2, val3, abi.TIMESPEC32)


def sys_futex_time64(p: Process, uaddr: int, op: int, val: int, timeout: int, uaddr2: int, val3: int) -> int:
    return _futex(p, uaddr, op, val, timeout, uaddr2, val3, abi.TIMESPEC64)


# ---- ARM private -------------------------------------------------------------------------------------
def sys_set_tls(p: Process, value: int) -> int:
    p.state.tpidruro = value
    return 0


def sys_get_tls(p: Process) -> int:
    return p.state.tpidruro


def sys_breakpoint(p: Process) -> int:
    """__ARM_NR_breakpoint: a SIGTRAP at the SVC."""
    p.signals.queue(SigInfo(SIGTRAP, TRAP_BRKPT, addr=(p.state.r[15] - (2 if p.state.thumb else 4)) & 0xFFFFFFFF))
    return 0
