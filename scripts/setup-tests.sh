#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine: the ARM cross compiler and C library
# (to build the guest test programs), qemu-user (the reference oracle), and jitemu with its test extra.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
python3 -m pip install -q -e '.[test]'

# Debian armhf packages the tests run (busybox-static; hello, a dynamically linked program whose only
# dependency is libc6), extracted into tests/programs/build/debian/ (git-ignored).  A failed download
# fails the setup, and so the test run: these tests are never skipped.
DEBS=(busybox-static hello)
DEST=tests/programs/build/debian
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! dpkg --print-foreign-architectures | grep -qx armhf; then
    $SUDO dpkg --add-architecture armhf
    $SUDO apt-get update -q
fi
mkdir -p "$DEST/debs"
for deb in "${DEBS[@]}"; do
    [ -f "$DEST/$deb.done" ] && continue
    rm -f "$DEST/debs/${deb}"_*_armhf.deb
    if ! (cd "$DEST/debs" && apt-get download -q "$deb:armhf"); then
        $SUDO apt-get update -q  # stale package lists: refresh once and retry
        (cd "$DEST/debs" && apt-get download -q "$deb:armhf")
    fi
    dpkg-deb -x "$DEST/debs/${deb}"_*_armhf.deb "$DEST/root"
    touch "$DEST/$deb.done"
done

# byte-compile now (an editable install does not, and PYTHONDONTWRITEBYTECODE may forbid it later), so each
# of the many jitemu runs in the tests does not compile the package from source again
python3 -m compileall -q jitemu >/dev/null
