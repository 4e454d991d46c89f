#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack Debian's busybox-static for the VM's architecture (arm64 or
# ppc64el) into the build directory.  It is not installed on the host: the
# package would put a foreign /bin/busybox there (and conflicts with the
# host's busybox), which the host's initramfs-tools would then pick up.
#
# usage: fetch-busybox.sh [--arch arm64|ppc64le] OUTDIR
#        (gives OUTDIR/bin/busybox; default arm64)
set -euo pipefail

arch=arm64
if [ "${1:-}" = --arch ]; then
	arch=${2:?usage: fetch-busybox.sh [--arch arm64|ppc64le] OUTDIR}
	shift 2
fi
out=${1:?usage: fetch-busybox.sh [--arch arm64|ppc64le] OUTDIR}
# Debian's name of the architecture.
case "$arch" in
arm64) deb_arch=arm64 ;;
ppc64le) deb_arch=ppc64el ;;
*) echo "fetch-busybox: --arch must be arm64 or ppc64le, not '$arch'" >&2; exit 2 ;;
esac
pkg=busybox-static:$deb_arch
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# As root, apt's sandbox user cannot write here; say so instead of warning.
sandbox=()
[ "$(id -u)" != 0 ] || sandbox=(-o APT::Sandbox::User=root)
(cd "$out.tmp" && apt-get download -q "${sandbox[@]}" "$pkg") || {
	echo "fetch-busybox: cannot download $pkg;" \
		"is the $deb_arch architecture added (scripts/deps.sh)?" >&2
	exit 1
}
deb=$(echo "$out.tmp"/busybox-static_*_"$deb_arch".deb)
dpkg-deb -x "$deb" "$out.tmp/root"
ver=$(dpkg-deb -f "$deb" Version)
rm -rf "$out"
mkdir -p "$out/bin"
mv "$out.tmp/root/bin/busybox" "$out/bin/busybox"
# The package's own mtime is older than this script: make would fetch again
# on every initramfs build.
touch "$out/bin/busybox"
rm -rf "$out.tmp"
echo "  FETCH   $pkg $ver"
