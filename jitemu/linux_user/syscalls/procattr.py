"""Process attributes: CPU times and resource usage, priorities and scheduling, user and group ids (16- and
32-bit calls), prctl, personality, getcpu.

These are the host process's own attributes (the guest is this process), converted to ARM's 32-bit
structures: ``struct tms`` (four clock_t), ``struct rusage`` (32-bit timevals and longs).  The 16-bit
id calls read ids above 65535 as the overflow id 65534 and take 0xffff as -1 ("unchanged").
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import resource
from typing import TYPE_CHECKING

from jitemu.linux_user import abi
from jitemu.linux_user.syscalls import host
from jitemu.linux_user.syscalls.dirs import id16
from jitemu.memory import PROT_WRITE

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

CLK_TCK = 100  # USER_HZ: what AT_CLKTCK tells the guest
OVERFLOW_ID = 65534


# ---- time and resource usage ---------------------------------------------------------------------------
def sys_times(p: Process, buf: int) -> int:
    t = os.times()
    if buf:
        ticks = [int(v * CLK_TCK) & 0xFFFFFFFF for v in (t.user, t.system, t.children_user, t.children_system)]
        p.mem.write(buf, abi.TMS.pack(*ticks))
    return int(t.elapsed * CLK_TCK) & 0x7FFFFFFF


RUSAGE_WHO = {0: resource.RUSAGE_SELF, -1: resource.RUSAGE_CHILDREN, 1: resource.RUSAGE_THREAD}


def sys_getrusage(p: Process, who: int, buf: int) -> int:
    if who not in RUSAGE_WHO:
        return -errno.EINVAL
    r = resource.getrusage(RUSAGE_WHO[who])
    p.mem.write(buf, abi.pack_rusage(r[0], r[1], r[2:16]))
    return 0


# ---- priorities and scheduling -------------------------------------------------------------------------
def sys_getpriority(p: Process, which: int, who: int) -> int:
    return 20 - os.getpriority(which, who)  # the system call's unbiased form: 1 (nice 19) .. 40 (nice -20)


def sys_setpriority(p: Process, which: int, who: int, prio: int) -> int:
    os.setpriority(which, who, max(-20, min(19, prio)))
    return 0


def sys_nice(p: Process, inc: int) -> int:
    os.nice(max(-40, min(40, inc)))
    return 0


def sys_sched_getscheduler(p: Process, pid: int) -> int:
    return os.sched_getscheduler(pid) if pid >= 0 else -errno.EINVAL


def sys_sched_getparam(p: Process, pid: int, param: int) -> int:
    if pid < 0 or not param:
        return -errno.EINVAL
    p.mem.write(param, os.sched_getparam(pid).sched_priority.to_bytes(4, "little", signed=True))
    return 0


def _param(p: Process, param: int) -> os.sched_param:
    if not param:
        raise OSError(errno.EINVAL, "no parameters")
    return os.sched_param(int.from_bytes(p.mem.read(param, 4), "little", signed=True))


def sys_sched_setparam(p: Process, pid: int, param: int) -> int:
    if pid < 0:
        return -errno.EINVAL
    os.sched_setparam(pid, _param(p, param))
    return 0


def sys_sched_setscheduler(p: Process, pid: int, policy: int, param: int) -> int:
    if pid < 0:
        return -errno.EINVAL
    os.sched_setscheduler(pid, policy, _param(p, param))
    return 0


def sys_sched_get_priority_max(p: Process, policy: int) -> int:
    return os.sched_get_priority_max(policy)


def sys_sched_get_priority_min(p: Process, policy: int) -> int:
    return os.sched_get_priority_min(policy)


def _rr_interval(p: Process, pid: int, tp: int, layout) -> int:
    sec, nsec = divmod(round(os.sched_rr_get_interval(pid) * 1e9), 1_000_000_000)
    p.mem.write(tp, layout.pack(sec, nsec))
    return 0


def sys_sched_rr_get_interval(p: Process, pid: int, tp: int) -> int:
    return _rr_interval(p, pid, tp, abi.TIMESPEC32)


def sys_sched_rr_get_interval_time64(p: Process, pid: int, tp: int) -> int:
    return _rr_interval(p, pid, tp, abi.TIMESPEC64)


def sys_sched_setaffinity(p: Process, pid: int, size: int, mask: int) -> int:
    bits = int.from_bytes(p.mem.read(mask, size), "little")
    os.sched_setaffinity(pid, [cpu for cpu in range(size * 8) if bits >> cpu & 1])
    return 0


def sys_getcpu(p: Process, cpu: int, node: int, cache: int) -> int:
    here = host.call("sched_getcpu")
    if cpu:
        p.mem.write(cpu, here.to_bytes(4, "little"))
    if node:
        p.mem.write(node, bytes(4))  # one NUMA node, as on the boards this guest expects
    return 0


# ---- user and group ids --------------------------------------------------------------------------------
def _groups(p: Process, size: int, buf: int, width: int) -> int:
    groups = os.getgroups()
    if size < 0:
        return -errno.EINVAL
    if size:
        if size < len(groups):
            return -errno.EINVAL
        fit = (1 << 8 * width) - 1
        p.mem.write(buf, b"".join((g if g <= fit else OVERFLOW_ID).to_bytes(width, "little") for g in groups))
    return len(groups)


def sys_getgroups32(p: Process, size: int, buf: int) -> int:
    return _groups(p, size, buf, 4)


def sys_getgroups(p: Process, size: int, buf: int) -> int:
    return _groups(p, size, buf, 2)


def _setgroups(p: Process, size: int, buf: int, width: int) -> int:
    if not 0 <= size <= 65536:
        return -errno.EINVAL
    raw = p.mem.read(buf, size * width) if size else b""
    os.setgroups([int.from_bytes(raw[i : i + width], "little") for i in range(0, len(raw), width)])
    return 0


def sys_setgroups32(p: Process, size: int, buf: int) -> int:
    return _setgroups(p, size, buf, 4)


def sys_setgroups(p: Process, size: int, buf: int) -> int:
    return _setgroups(p, size, buf, 2)


def sys_setuid32(p: Process, uid: int) -> int:
    os.setuid(uid)
    return 0


def sys_setgid32(p: Process, gid: int) -> int:
    os.setgid(gid)
    return 0


def sys_setreuid32(p: Process, ruid: int, euid: int) -> int:
    os.setreuid(ruid, euid)
    return 0


def sys_setregid32(p: Process, rgid: int, egid: int) -> int:
    os.setregid(rgid, egid)
    return 0


def sys_setresuid32(p: Process, ruid: int, euid: int, suid: int) -> int:
    os.setresuid(ruid, euid, suid)
    return 0


def sys_setresgid32(p: Process, rgid: int, egid: int, sgid: int) -> int:
    os.setresgid(rgid, egid, sgid)
    return 0


def _put_ids(p: Process, ids: tuple[int, int, int], ptrs: tuple[int, int, int], width: int) -> int:
    for ptr in ptrs:
        p.mem.check_range(ptr, width, PROT_WRITE)
    fit = (1 << 8 * width) - 1
    for ptr, v in zip(ptrs, ids, strict=True):
        p.mem.write(ptr, (v if v <= fit else OVERFLOW_ID).to_bytes(width, "little"))
    return 0


def sys_getresuid32(p: Process, r: int, e: int, s: int) -> int:
    return _put_ids(p, os.getresuid(), (r, e, s), 4)


def sys_getresgid32(p: Process, r: int, e: int, s: int) -> int:
    return _put_ids(p, os.getresgid(), (r, e, s), 4)


def sys_getresuid(p: Process, r: int, e: int, s: int) -> int:
    return _put_ids(p, os.getresuid(), (r, e, s), 2)


def sys_getresgid(p: Process, r: int, e: int, s: int) -> int:
    return _put_ids(p, os.getresgid(), (r, e, s), 2)


def sys_setfsuid32(p: Process, uid: int) -> int:
    return host.call("setfsuid", uid)  # returns the previous id, never fails


def sys_setfsgid32(p: Process, gid: int) -> int:
    return host.call("setfsgid", gid)


def _narrow(impl, count: int):
    """The 16-bit form of a set*id call: each id widened by ``id16``."""

    @functools.wraps(impl)  # the same parameters (the table's test compares them with the argument kinds)
    def sys_id16(p: Process, *ids: int) -> int:
        return impl(p, *(id16(v) for v in ids[:count]))

    sys_id16.__name__ = impl.__name__.removesuffix("32")
    return sys_id16


sys_setuid = _narrow(sys_setuid32, 1)
sys_setgid = _narrow(sys_setgid32, 1)
sys_setreuid = _narrow(sys_setreuid32, 2)
sys_setregid = _narrow(sys_setregid32, 2)
sys_setresuid = _narrow(sys_setresuid32, 3)
sys_setresgid = _narrow(sys_setresgid32, 3)
sys_setfsuid = _narrow(sys_setfsuid32, 1)
sys_setfsgid = _narrow(sys_setfsgid32, 1)


# ---- capabilities --------------------------------------------------------------------------------------
CAP_HEADER = 8  # struct __user_cap_header_struct {u32 version; int pid}: the same on ARM and the host
CAP_DATA = 12  # struct __user_cap_data_struct {u32 effective, permitted, inheritable}
_LINUX_CAPABILITY_VERSION_1 = 0x19980330


def _cap_words(p: Process, header: int) -> int:
    version = int.from_bytes(p.mem.read(header, 4), "little")
    return 1 if version == _LINUX_CAPABILITY_VERSION_1 else 2  # versions 2 and 3 take two data structs


def sys_capget(p: Process, header: int, data: int) -> int:
    hdr = host.buffer(p.mem.read(header, CAP_HEADER))
    n = _cap_words(p, header)
    out = host.buffer(CAP_DATA * n)
    try:
        host.call("capget", hdr, out if data else None)
    finally:
        p.mem.write(header, hdr.raw[:CAP_HEADER])  # the kernel tells its preferred version on EINVAL
    if data:
        p.mem.write(data, out.raw[: CAP_DATA * n])
    return 0


def sys_capset(p: Process, header: int, data: int) -> int:
    n = _cap_words(p, header)
    return host.call("capset", host.buffer(p.mem.read(header, CAP_HEADER)), host.buffer(p.mem.read(data, CAP_DATA * n)))


# ---- prctl and personality -----------------------------------------------------------------------------
PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_NAME, PR_GET_NAME, PR_GET_CHILD_SUBREAPER = 1, 2, 15, 16, 37
TASK_COMM_LEN = 16
# options whose arguments are plain numbers and that only change this process: passed to the host
# (dumpable, keepcaps, timer slack, subreaper, no_new_privs, capability bounding/ambient sets, THP)
_PRCTL_NUMERIC = (PR_SET_PDEATHSIG, 3, 4, 7, 8, 23, 24, 29, 30, 36, 38, 39, 41, 42, 47)


def _prctl_int_out(p: Process, option: int, addr: int) -> int:
    value = ctypes.c_int(0)
    host.call("prctl", option, ctypes.byref(value), 0, 0, 0)
    p.mem.write(addr, value.value.to_bytes(4, "little", signed=True))
    return 0


def sys_prctl(p: Process, option: int, arg2: int, arg3: int, arg4: int, arg5: int) -> int:
    if option in _PRCTL_NUMERIC:
        return host.call("prctl", option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(arg4),
                         ctypes.c_ulong(arg5))  # fmt: skip
    if option in (PR_GET_PDEATHSIG, PR_GET_CHILD_SUBREAPER):
        return _prctl_int_out(p, option, arg2)
    if option == PR_SET_NAME:
        name = p.mem.read_cstring(arg2, TASK_COMM_LEN)[: TASK_COMM_LEN - 1]
        return host.call("prctl", option, name, 0, 0, 0)
    if option == PR_GET_NAME:
        buf = host.buffer(TASK_COMM_LEN)
        host.call("prctl", option, buf, 0, 0, 0)
        p.mem.write(arg2, buf.raw[:TASK_COMM_LEN])
        return 0
    return -errno.EINVAL  # seccomp, PR_SET_MM and the rest would act on the emulator itself


def sys_personality(p: Process, persona: int) -> int:
    """The host's personality (the guest's execution domain is PER_LINUX, as on the host)."""
    return host.call("personality", ctypes.c_ulong(persona))
