#!/bin/sh
# Run "$@" with a private binfmt_misc entry that hands ARM ELF files to qemu-arm, so that programs an ARM
# program executes run under qemu-arm too (the reference for jitemu's execve).  Meant to run inside
# `unshare --user --map-root-user --mount` (tests/guest.py: run_qemu_exec): the binfmt_misc mount and the
# entry belong to that namespace and change nothing outside it.  Flags: F opens qemu-arm now, P passes the
# guest's argv[0] on (busybox picks its applet by it).
set -e
QEMU=$(command -v qemu-arm)
mount -t binfmt_misc none /proc/sys/fs/binfmt_misc
printf '%s' ":qemu-arm:M::\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:$QEMU:FP" \
    > /proc/sys/fs/binfmt_misc/register
exec "$@"
