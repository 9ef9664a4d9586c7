"""Sockets: socket/socketpair, bind/connect/listen/accept, names, send/recv variants, sendmsg/recvmsg
with control messages, socket options, shutdown.

ARM EABI has a system call for each socket operation (no socketcall).  Socket addresses (AF_UNIX,
AF_INET, AF_INET6...), socket types and flags, MSG_* flags and most option values are the same on ARM
and the host, so addresses and int options pass through as bytes.  What differs is converted:
``struct msghdr`` and ``struct cmsghdr`` (32-bit pointers and lengths, 4-aligned control data; the
payload of SCM_RIGHTS and SCM_CREDENTIALS is the same), and SO_RCVTIMEO/SO_SNDTIMEO (a 32-bit
``struct timeval`` in the old options, a 64-bit one in the _NEW ones).
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from jitemu.linux_user.syscalls import host
from jitemu.linux_user.syscalls.fs import MAX_RW_COUNT, accessible_span, iovecs, pipe_broken
from jitemu.memory import PROT_READ, PROT_WRITE

if TYPE_CHECKING:
    from jitemu.linux_user.process import Process

MSG_NOSIGNAL = 0x4000
SOL_SOCKET = 1
SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW = 20, 21, 66, 67
# option -> (the host's option, the guest's struct timeval)
_TIMEOUT_OPTS = {
    SO_RCVTIMEO_OLD: (SO_RCVTIMEO_OLD, struct.Struct("<ii")),
    SO_SNDTIMEO_OLD: (SO_SNDTIMEO_OLD, struct.Struct("<ii")),
    SO_RCVTIMEO_NEW: (SO_RCVTIMEO_OLD, struct.Struct("<qq")),
    SO_SNDTIMEO_NEW: (SO_SNDTIMEO_OLD, struct.Struct("<qq")),
}
HOST_TIMEVAL = struct.Struct("<qq")
MSGHDR = struct.Struct("<IIIIIIi")  # ARM struct msghdr: name, namelen, iov, iovlen, control, controllen, flags
CMSGHDR = struct.Struct("<Iii")  # ARM struct cmsghdr: len, level, type; data 4-aligned
SOCKADDR_MAX = 128  # sizeof(struct sockaddr_storage)


def _align(n: int, to: int) -> int:
    return (n + to - 1) & -to


# ---- creating and connecting ---------------------------------------------------------------------------
def sys_socket(p: Process, domain: int, type_: int, protocol: int) -> int:
    return host.call("socket", domain, type_, protocol)


def sys_socketpair(p: Process, domain: int, type_: int, protocol: int, sv: int) -> int:
    p.mem.check_range(sv, 8, PROT_WRITE)
    fds = host.buffer(8)
    host.call("socketpair", domain, type_, protocol, fds)
    p.mem.write(sv, fds.raw[:8])
    return 0


def _sockaddr(p: Process, addr: int, addrlen: int) -> tuple[host.ctypes.Array | None, int]:
    if not addr:
        return None, 0
    if not 0 <= addrlen <= SOCKADDR_MAX:
        raise OSError(errno.EINVAL, "bad address length")
    return host.buffer(p.mem.read(addr, addrlen)), addrlen


def sys_bind(p: Process, fd: int, addr: int, addrlen: int) -> int:
    return host.call("bind", fd, *_sockaddr(p, addr, addrlen))


def sys_connect(p: Process, fd: int, addr: int, addrlen: int) -> int:
    return host.call("connect", fd, *_sockaddr(p, addr, addrlen))


def sys_listen(p: Process, fd: int, backlog: int) -> int:
    return host.call("listen", fd, backlog)


def sys_shutdown(p: Process, fd: int, how: int) -> int:
    return host.call("shutdown", fd, how)


def _with_name(p: Process, addr: int, addrlen: int, op) -> int:
    """Run ``op(buffer, length pointer)`` (NULLs when ``addr`` is NULL) and give the guest the address it
    returned, truncated to the guest's buffer, and its full length."""
    if not addr:
        return op(None, None)
    room = int.from_bytes(p.mem.read(addrlen, 4), "little")
    if room >= 1 << 31:
        return -errno.EINVAL
    buf, length = host.buffer(SOCKADDR_MAX), host.buffer(SOCKADDR_MAX.to_bytes(4, "little"))
    result = op(buf, length)
    full = int.from_bytes(length.raw[:4], "little")
    p.mem.write(addr, buf.raw[: min(room, full)])
    p.mem.write(addrlen, full.to_bytes(4, "little"))
    return result


def sys_accept4(p: Process, fd: int, addr: int, addrlen: int, flags: int) -> int:
    return _with_name(p, addr, addrlen, lambda buf, length: host.call("accept4", fd, buf, length, flags))


def sys_accept(p: Process, fd: int, addr: int, addrlen: int) -> int:
    return sys_accept4(p, fd, addr, addrlen, 0)


def sys_getsockname(p: Process, fd: int, addr: int, addrlen: int) -> int:
    if not addr:
        return -errno.EFAULT
    return _with_name(p, addr, addrlen, lambda buf, length: host.call("getsockname", fd, buf, length))


def sys_getpeername(p: Process, fd: int, addr: int, addrlen: int) -> int:
    if not addr:
        return -errno.EFAULT
    return _with_name(p, addr, addrlen, lambda buf, length: host.call("getpeername", fd, buf, length))


# ---- data ----------------------------------------------------------------------------------------------
def _sent(p: Process, flags: int, send) -> int:
    try:
        return send()
    except BrokenPipeError:
        if not flags & MSG_NOSIGNAL:
            pipe_broken(p)
        raise


def sys_sendto(p: Process, fd: int, buf: int, length: int, flags: int, addr: int, addrlen: int) -> int:
    n = accessible_span(p.mem, buf, min(length, MAX_RW_COUNT), PROT_READ)
    if length and not n:
        return -errno.EFAULT
    data, (name, namelen) = host.buffer(p.mem.read(buf, n)), _sockaddr(p, addr, addrlen)
    return _sent(p, flags, lambda: host.call("sendto", fd, data, n, flags, name, namelen))


def sys_send(p: Process, fd: int, buf: int, length: int, flags: int) -> int:
    return sys_sendto(p, fd, buf, length, flags, 0, 0)


def sys_recvfrom(p: Process, fd: int, buf: int, length: int, flags: int, addr: int, addrlen: int) -> int:
    n = accessible_span(p.mem, buf, min(length, MAX_RW_COUNT), PROT_WRITE)
    if length and not n:
        return -errno.EFAULT
    data = host.buffer(n)
    got = _with_name(p, addr, addrlen, lambda name, namelen: host.call("recvfrom", fd, data, n, flags, name, namelen))
    p.mem.write(buf, data.raw[: min(got, n)])
    return got


def sys_recv(p: Process, fd: int, buf: int, length: int, flags: int) -> int:
    return sys_recvfrom(p, fd, buf, length, flags, 0, 0)


# ---- sendmsg / recvmsg ---------------------------------------------------------------------------------
def _control_to_host(data: bytes) -> bytes:
    out, pos = b"", 0
    while pos + CMSGHDR.size <= len(data):
        length, level, type_ = CMSGHDR.unpack_from(data, pos)
        if length < CMSGHDR.size or pos + length > len(data):
            raise OSError(errno.EINVAL, "bad control message")
        payload = data[pos + CMSGHDR.size : pos + length]
        head = host.HOST_CMSGHDR.pack(host.HOST_CMSGHDR.size + len(payload), level, type_)
        out += head + payload.ljust(_align(len(payload), 8), b"\0")
        pos += _align(length, 4)
    return out


def _control_to_guest(data: bytes, room: int) -> tuple[bytes, bool]:
    """Host control messages as ARM ones, as many as fit in ``room`` bytes (truncated: MSG_CTRUNC)."""
    out, pos, truncated = b"", 0, False
    while pos + host.HOST_CMSGHDR.size <= len(data):
        length, level, type_ = host.HOST_CMSGHDR.unpack_from(data, pos)
        payload = data[pos + host.HOST_CMSGHDR.size : pos + length]
        record = CMSGHDR.pack(CMSGHDR.size + len(payload), level, type_) + payload
        if len(out) + len(record) > room:
            truncated = True
            break
        out += record.ljust(_align(len(record), 4), b"\0")[: room - len(out)]
        pos += _align(length, 8)
    return out, truncated


def sys_sendmsg(p: Process, fd: int, msg: int, flags: int) -> int:
    name, namelen, iov, iovlen, control, controllen, _ = MSGHDR.unpack(p.mem.read(msg, MSGHDR.size))
    data = host.buffer(b"".join(p.mem.read(base, length) for base, length in iovecs(p, iov, iovlen)))
    name_buf, namelen = _sockaddr(p, name, namelen)
    cmsg = host.buffer(_control_to_host(p.mem.read(control, controllen) if control else b""))
    vec = host.buffer(struct.pack("<QQ", host.address(data), len(data.raw) if iovlen else 0))
    hdr = host.buffer(host.HOST_MSGHDR.pack(host.address(name_buf) if name_buf else 0, namelen, host.address(vec),
                                            1, host.address(cmsg) if control else 0, len(cmsg.raw) if control else 0,
                                            0))  # fmt: skip
    return _sent(p, flags, lambda: host.call("sendmsg", fd, hdr, flags))


def sys_recvmsg(p: Process, fd: int, msg: int, flags: int) -> int:
    name, namelen, iov, iovlen, control, controllen, _ = MSGHDR.unpack(p.mem.read(msg, MSGHDR.size))
    vecs = iovecs(p, iov, iovlen)
    for base, length in vecs:
        if length:
            p.mem.check_range(base, length, PROT_WRITE)
    total = sum(length for _, length in vecs)
    data, name_buf = host.buffer(total), host.buffer(SOCKADDR_MAX)
    cmsg = host.buffer(controllen * 2 + 64 if control else 0)  # host records are larger
    vec = host.buffer(struct.pack("<QQ", host.address(data), total))
    hdr = host.buffer(host.HOST_MSGHDR.pack(host.address(name_buf) if name else 0, SOCKADDR_MAX if name else 0,
                                            host.address(vec), 1, host.address(cmsg) if control else 0,
                                            len(cmsg.raw) if control else 0, 0))  # fmt: skip
    n = host.call("recvmsg", fd, hdr, flags)
    _, got_namelen, _, _, _, got_controllen, msg_flags = host.HOST_MSGHDR.unpack_from(hdr.raw)
    pos = 0
    for base, length in vecs:
        take = min(length, n - pos)
        p.mem.write(base, data.raw[pos : pos + take])
        pos += take
    out_control = b""
    if control:
        out_control, truncated = _control_to_guest(cmsg.raw[:got_controllen], controllen)
        if truncated:
            msg_flags |= 0x8  # MSG_CTRUNC
        p.mem.write(control, out_control)
    if name:
        p.mem.write(name, name_buf.raw[: min(namelen, got_namelen)])
    p.mem.write(msg + 4, (got_namelen if name else 0).to_bytes(4, "little"))
    p.mem.write(msg + 20, len(out_control).to_bytes(4, "little"))
    p.mem.write(msg + 24, (msg_flags & 0xFFFFFFFF).to_bytes(4, "little"))
    return n


# ---- options -------------------------------------------------------------------------------------------
def sys_setsockopt(p: Process, fd: int, level: int, name: int, value: int, length: int) -> int:
    if length < 0:
        return -errno.EINVAL
    data = p.mem.read(value, length) if value else b""
    if level == SOL_SOCKET and name in _TIMEOUT_OPTS:
        host_name, tv = _TIMEOUT_OPTS[name]
        if length < tv.size:
            return -errno.EINVAL
        sec, usec = tv.unpack_from(data)
        data, name = HOST_TIMEVAL.pack(sec, usec), host_name
    buf = host.buffer(data) if value else None
    return host.call("setsockopt", fd, level, name, buf, len(data) if value else length)


def sys_getsockopt(p: Process, fd: int, level: int, name: int, value: int, lenptr: int) -> int:
    room = int.from_bytes(p.mem.read(lenptr, 4), "little", signed=True)
    if room < 0:
        return -errno.EINVAL
    timeout = _TIMEOUT_OPTS.get(name) if level == SOL_SOCKET else None
    host_name = timeout[0] if timeout else name
    buf = host.buffer(max(room, 256))
    length = host.buffer((len(buf.raw)).to_bytes(4, "little"))
    host.call("getsockopt", fd, level, host_name, buf, length)
    got = int.from_bytes(length.raw[:4], "little")
    data = buf.raw[:got]
    if timeout:
        data = timeout[1].pack(*HOST_TIMEVAL.unpack_from(data))
    data = data[:room]
    p.mem.write(value, data)
    p.mem.write(lenptr, len(data).to_bytes(4, "little"))
    return 0


# ---- several messages at once --------------------------------------------------------------------------
MMSGHDR_SIZE = MSGHDR.size + 4  # struct mmsghdr: a msghdr, then msg_len
UIO_MAXIOV = 1024
MSG_DONTWAIT, MSG_WAITFORONE = 0x40, 0x10000


def _each_message(p: Process, msgvec: int, vlen: int, flags: int, one) -> int:
    """Run ``one(msghdr address, flags)`` for each mmsghdr, storing its msg_len; stop at the first error
    after at least one message (which is then not reported), as Linux does."""
    done = 0
    for i in range(min(vlen, UIO_MAXIOV)):
        hdr = msgvec + i * MMSGHDR_SIZE
        try:
            n = one(hdr, flags)
        except OSError:
            if done:
                break
            raise
        if n < 0:
            if done:
                break
            return n
        p.mem.write(hdr + MSGHDR.size, n.to_bytes(4, "little"))
        done += 1
        if flags & MSG_WAITFORONE:
            flags |= MSG_DONTWAIT
    return done


def sys_sendmmsg(p: Process, fd: int, msgvec: int, vlen: int, flags: int) -> int:
    return _each_message(p, msgvec, vlen, flags, lambda hdr, f: sys_sendmsg(p, fd, hdr, f))


def sys_recvmmsg(p: Process, fd: int, msgvec: int, vlen: int, flags: int, timeout: int) -> int:
    """The timeout is not applied (it is only checked between messages under Linux too)."""
    return _each_message(p, msgvec, vlen, flags, lambda hdr, f: sys_recvmsg(p, fd, hdr, f))


def sys_recvmmsg_time64(p: Process, fd: int, msgvec: int, vlen: int, flags: int, timeout: int) -> int:
    return sys_recvmmsg(p, fd, msgvec, vlen, flags, timeout)
