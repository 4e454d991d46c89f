#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build needs from Debian, once.  Idempotent and fast when
# everything is present (one dpkg-query), so the Makefile calls it every time.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

# Host tools: kernel build, BPF toolchain (clang/llvm 16 for -target bpf),
# pahole for BTF, QEMU, cpio for the initramfs, docutils for the docs
# check and the man page, binutils' readelf for the libraries of the VM's
# QEMU (fetch-qemu-arm64.sh).
host_pkgs=(
	linux-source-6.12 make gcc libc6-dev bc flex bison libssl-dev
	libelf-dev zlib1g-dev libzstd-dev libcap-dev pkg-config dwarves
	python3 python3-docutils python3-ply cpio gzip file xz-utils rsync git ccache
	binutils
	clang-16 llvm-16 lld-16
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-system-arm ipxe-qemu
	gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
	qemu-system-ppc
)
# arm64 static userspace: libbpf/bpftool link these.  (busybox-static:arm64,
# the VM's shell, is unpacked into build/ by fetch-busybox.sh, not installed.)
arm64_pkgs=(
	libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64
)
# The same for the ppc64le (POWER) userspace; busybox-static:ppc64el the same
# way as arm64's.
ppc64el_pkgs=(
	libelf-dev:ppc64el zlib1g-dev:ppc64el libzstd-dev:ppc64el
)

# A package counts for the host when installed for the native architecture
# or "all"; a name with an explicit :arch counts only for that one.
missing() {
	local p want
	local native
	native=$(dpkg --print-architecture)
	for p in "$@"; do
		case "$p" in
		*:*) want="${p#*:}" ;;
		*) want="$native|all" ;;
		esac
		dpkg-query -W -f='${Architecture} ${db:Status-Status}\n' "$p" 2>/dev/null |
			grep -Eq "^($want) installed$" || echo "$p"
	done
}

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo

need=$(missing "${host_pkgs[@]}" "${arm64_pkgs[@]}" "${ppc64el_pkgs[@]}")
[ -n "$need" ] || exit 0

echo "  DEPS    installing: $(echo $need)"
for arch in arm64 ppc64el; do
	if ! grep -qx $arch <<<"$(dpkg --print-foreign-architectures)"; then
		$sudo dpkg --add-architecture $arch
	fi
done
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $need

need=$(missing "${host_pkgs[@]}" "${arm64_pkgs[@]}" "${ppc64el_pkgs[@]}")
if [ -n "$need" ]; then
	echo "deps: still missing after apt-get install: $need" >&2
	exit 1
fi
