#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack Debian's busybox-static:arm64 into the build directory.  It is not
# installed on the host: the package would put an arm64 /bin/busybox there
# (and conflicts with the host's busybox), which the host's initramfs-tools
# would then pick up.
#
# usage: fetch-busybox.sh OUTDIR     (gives OUTDIR/bin/busybox)
set -euo pipefail

out=${1:?usage: fetch-busybox.sh OUTDIR}
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# As root, apt's sandbox user cannot write here; say so instead of warning.
sandbox=()
[ "$(id -u)" != 0 ] || sandbox=(-o APT::Sandbox::User=root)
(cd "$out.tmp" && apt-get download -q "${sandbox[@]}" busybox-static:arm64) || {
	echo "fetch-busybox: cannot download busybox-static:arm64;" \
		"is the arm64 architecture added (scripts/deps.sh)?" >&2
	exit 1
}
deb=$(echo "$out.tmp"/busybox-static_*_arm64.deb)
dpkg-deb -x "$deb" "$out.tmp/root"
ver=$(dpkg-deb -f "$deb" Version)
rm -rf "$out"
mkdir -p "$out/bin"
mv "$out.tmp/root/bin/busybox" "$out/bin/busybox"
# The package's own mtime is older than this script: make would fetch again
# on every initramfs build.
touch "$out/bin/busybox"
rm -rf "$out.tmp"
echo "  FETCH   busybox-static:arm64 $ver"
