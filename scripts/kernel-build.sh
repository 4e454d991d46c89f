#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the arm64 test kernel out of tree.
#
# The config is allnoconfig plus our fragments.  It is regenerated only when a
# fragment changes, so that an incremental build after touching one source
# file recompiles that file and relinks, nothing more.  Every option of the
# fragments is then checked against the result: an option Kconfig dropped
# (unmet dependency, renamed symbol) stops the build here.
#
# usage: kernel-build.sh SRCDIR OBJDIR FRAGMENT...
# env:   CROSS_COMPILE, KCC (compiler; default: ccache + cross gcc), JOBS, V
set -euo pipefail

src=${1:?usage: kernel-build.sh SRCDIR OBJDIR FRAGMENT...}
obj=${2:?}
shift 2
frags=("$@")
[ ${#frags[@]} -gt 0 ] || { echo "kernel-build: no config fragment" >&2; exit 1; }

cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
# Decided here, after deps.sh ran, so a first build on a fresh machine uses
# the same compiler command as the next ones (a changed CC rebuilds all).
if [ -z "${KCC:-}" ] && command -v ccache >/dev/null; then
	kcc="ccache ${cross}gcc"
else
	kcc=${KCC:-${cross}gcc}
fi
jobs=${JOBS:-$(nproc)}

mkdir -p "$obj"
obj=$(cd "$obj" && pwd)

kmake() {
	make --no-print-directory -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE="$cross" CC="$kcc" \
		KBUILD_BUILD_USER=kvmtrap KBUILD_BUILD_HOST=kvmtrap LOCALVERSION= \
		-j"$jobs" ${V:+V=$V} "$@"
}

want=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.kvmtrap-config" 2>/dev/null)" != "$want" ]; then
	echo "  CONFIG  allnoconfig + ${frags[*]##*/}"
	cat "${frags[@]}" >"$obj/kvmtrap.fragment"
	kmake -s KCONFIG_ALLCONFIG="$obj/kvmtrap.fragment" allnoconfig

	# The last fragment wins for a symbol set twice (debug over base).
	bad=0
	declare -A val=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) val[${line%%=*}]=$line ;;
		"# CONFIG_"*" is not set") s=${line#\# }; val[${s%% *}]=$line ;;
		esac
	done < <(cat "${frags[@]}")
	for sym in "${!val[@]}"; do
		line=${val[$sym]}
		case "$line" in
		"# "*) grep -q "^$sym=" "$obj/.config" && { echo "kernel-build: $sym is set, fragment wants it unset" >&2; bad=1; } ;;
		*) grep -qxF "$line" "$obj/.config" || { echo "kernel-build: $line did not stick (unmet dependency?): $(grep "^$sym=\|# $sym " "$obj/.config" || echo absent)" >&2; bad=1; } ;;
		esac
	done
	[ $bad = 0 ] || { rm -f "$obj/.config"; exit 1; }
	echo "$want" >"$obj/.kvmtrap-config"
fi

kmake Image
kmake -s headers_install >/dev/null

ver=$(kmake -s kernelversion)
rel=$(kmake -s kernelrelease)
pkg=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
echo "$ver $rel $pkg" >"$obj/kvmtrap-version"
echo "  KERNEL  Linux $ver ($rel, Debian linux-source-6.12 $pkg): $obj/arch/arm64/boot/Image"
