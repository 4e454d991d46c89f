#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build a test kernel (arm64 or ppc64le) out of tree.
#
# The config is allnoconfig plus our fragments.  It is regenerated only when a
# fragment changes, so that an incremental build after touching one source
# file recompiles that file and relinks, nothing more.  Every option of the
# fragments is checked against the .config after each build: an option
# Kconfig dropped (unmet dependency, renamed symbol) stops the build here.
#
# usage: kernel-build.sh SRCDIR OBJDIR FRAGMENT...
# env:   KARCH (arm64, default, or ppc64le), CROSS_COMPILE, KCC (compiler;
#        default: ccache + cross gcc), JOBS, V
set -euo pipefail

src=${1:?usage: kernel-build.sh SRCDIR OBJDIR FRAGMENT...}
obj=${2:?}
shift 2
frags=("$@")
[ ${#frags[@]} -gt 0 ] || { echo "kernel-build: no config fragment" >&2; exit 1; }

# The kernel's ARCH, the cross compiler and what QEMU boots: arm64's
# Image; POWER's vmlinux, an ELF that QEMU loads on pseries and powernv
# alike (the debug sections are not loaded).
case ${KARCH:-arm64} in
arm64) karch=arm64 cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
	target=Image image=arch/arm64/boot/Image ;;
ppc64le) karch=powerpc cross=${CROSS_COMPILE:-powerpc64le-linux-gnu-}
	target=vmlinux image=vmlinux ;;
*) echo "kernel-build: KARCH must be arm64 or ppc64le, not '$KARCH'" >&2; exit 1 ;;
esac
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

# No padding NOPs before branch targets: GCC aligns loop and jump targets
# to 8 or 16 bytes counted from the function's address, which moves with
# every unrelated change elsewhere in the kernel.  An instruction count
# (make bench) must not depend on where the linker put a function, so
# every kernel built here, the unpatched baseline too, has none.
kcflags="-falign-jumps=4 -falign-loops=4 -falign-labels=4"

kmake() {
	make --no-print-directory -C "$src" O="$obj" ARCH=$karch CROSS_COMPILE="$cross" CC="$kcc" \
		KCFLAGS="$kcflags" \
		KBUILD_BUILD_USER=kvmtrap KBUILD_BUILD_HOST=kvmtrap LOCALVERSION= \
		-j"$jobs" ${V:+V=$V} "$@"
}

# Every option of the fragments must be in the .config as written; the last
# fragment wins for a symbol set twice (debug over base).
check_config() {
	local line sym s bad=0
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
		"# "*)
			if grep -q "^$sym=" "$obj/.config"; then
				echo "kernel-build: $sym is set, a fragment wants it unset" >&2
				bad=1
			fi
			;;
		*)
			if ! grep -qxF "$line" "$obj/.config"; then
				echo "kernel-build: $line did not stick (unmet dependency?):" \
					"$(grep "^$sym=\|# $sym " "$obj/.config" || echo absent)" >&2
				bad=1
			fi
			;;
		esac
	done
	return $bad
}

want=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.kvmtrap-config" 2>/dev/null)" != "$want" ]; then
	echo "  CONFIG  allnoconfig + ${frags[*]##*/}"
	rm -f "$obj/.kvmtrap-config"
	cat "${frags[@]}" >"$obj/kvmtrap.fragment"
	kmake -s KCONFIG_ALLCONFIG="$obj/kvmtrap.fragment" allnoconfig
	check_config || { rm -f "$obj/.config"; exit 1; }
	echo "$want" >"$obj/.kvmtrap-config"
fi

kmake $target
# Kbuild re-resolves .config when a patch or a new tree changes Kconfig;
# check again after every build, not only after a fresh config.
if ! check_config; then
	rm -f "$obj/.kvmtrap-config"
	echo "kernel-build: the kernel's Kconfig no longer gives the fragments' options" >&2
	exit 1
fi
kmake -s headers_install >/dev/null

ver=$(kmake -s kernelversion)
rel=$(kmake -s kernelrelease)
pkg=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
echo "$ver $rel $pkg" >"$obj/kvmtrap-version"
echo "  KERNEL  Linux $ver ($rel, Debian linux-source-6.12 $pkg): $obj/$image"
