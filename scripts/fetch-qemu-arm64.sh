#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's arm64 qemu-system-aarch64 (package qemu-system-arm) and
# exactly the shared libraries it loads, for the test VM: a real, unmodified
# VMM under kvmtrap.  Nothing is installed on the host.
#
# The libraries are resolved from the binary, not from the package's
# dependency tree (which pulls in GTK, SDL, spice ... for the UI modules):
# starting from the ELF NEEDED entries of qemu-system-aarch64, each soname is
# looked up in the packages unpacked so far; the sonames still missing are
# searched in the Depends of the packages that provided a library, which are
# downloaded (apt-get download) and unpacked (dpkg-deb -x) round by round.
# Only the binary, the libraries it needs (recursively) and the dynamic
# loader are kept.  QEMU needs no data file for "-M virt -nodefaults
# -no-user-config" with no firmware, no NIC and no display.
#
# usage: fetch-qemu-arm64.sh OUTDIR
# gives: OUTDIR/bin/qemu-system-aarch64, OUTDIR/lib/<soname>...,
#        OUTDIR/lib/ld-linux-aarch64.so.1 (the binary's PT_INTERP is
#        /lib/ld-linux-aarch64.so.1: mkinitramfs.sh puts a link there),
#        OUTDIR/packages (each package used, with its version)
set -euo pipefail

out=${1:?usage: fetch-qemu-arm64.sh OUTDIR}
arch=arm64
bin=usr/bin/qemu-system-aarch64
interp=ld-linux-aarch64.so.1
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/debs" "$tmp/root"

# As root, apt's sandbox user cannot write here; say so instead of warning.
sandbox=()
[ "$(id -u)" != 0 ] || sandbox=(-o APT::Sandbox::User=root)

die() { echo "fetch-qemu: $*" >&2; exit 1; }

# download PKG...: fetch the arm64 .debs and unpack each into root/PKG.
download() {
	local p deb
	(cd "$tmp/debs" && apt-get download -q "${sandbox[@]}" "${@/%/:$arch}" >/dev/null) ||
		die "cannot download $*; is the $arch architecture added (scripts/deps.sh)?"
	for p in "$@"; do
		deb=$(ls "$tmp/debs/${p}_"*"_$arch.deb" 2>/dev/null | head -n1)
		[ -n "$deb" ] || die "apt-get download gave no .deb for $p:$arch"
		dpkg-deb -x "$deb" "$tmp/root/$p"
		echo "$p $(dpkg-deb -f "$deb" Version)" >>"$tmp/fetched"
	done
}

# The package names among the (Pre-)Depends of PKG's .deb, first
# alternatives, without versions.
deps_of() {
	local deb
	deb=$(ls "$tmp/debs/${1}_"*"_$arch.deb" | head -n1)
	{ dpkg-deb -f "$deb" Pre-Depends; dpkg-deb -f "$deb" Depends; } |
		tr ',' '\n' | sed 's/|.*//; s/(.*//; s/:.*//; s/[[:space:]]//g' | sed '/^$/d'
}

# Of the packages PKG..., those of Debian's "libs" sections: the only ones
# that ship the shared libraries a binary loads.
libs_only() {
	[ $# -gt 0 ] || return 0
	apt-cache show --no-all-versions "${@/%/:$arch}" 2>/dev/null |
		awk '/^Package: / { p = $2 } /^Section: / && $2 ~ /(^|\/)(old)?libs$/ { print p }' |
		sort -u
}

# NEEDED sonames of an ELF file.
needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'
}

# The unpacked file of soname $1 in any package so far, in the library
# directories the arm64 loader searches; prints "PKG PATH".
find_soname() {
	local d f
	for d in "$tmp"/root/*; do
		for f in "$d"/{usr/,}lib/aarch64-linux-gnu/"$1" "$d"/{usr/,}lib/"$1"; do
			if [ -e "$f" ]; then
				echo "$(basename "$d") $f"
				return 0
			fi
		done
	done
	return 1
}

download qemu-system-arm
[ -x "$tmp/root/qemu-system-arm/$bin" ] || die "qemu-system-arm has no /$bin"

declare -A have=()	# soname -> path of the unpacked file
declare -A used=()	# package -> 1 when a library of it is kept
declare -A tried=()	# package -> 1 when downloaded
tried[qemu-system-arm]=1
used[qemu-system-arm]=1
todo=$(needed "$tmp/root/qemu-system-arm/$bin")
todo="$todo $interp"
while :; do
	# Resolve what the packages unpacked so far provide; each new
	# library brings its own NEEDED entries.
	missing=
	progress=1
	while [ $progress = 1 ]; do
		progress=0
		missing=
		for so in $todo; do
			[ -z "${have[$so]:-}" ] || continue
			if r=$(find_soname "$so"); then
				have[$so]=${r#* }
				used[${r%% *}]=1
				todo="$todo $(needed "${have[$so]}")"
				progress=1
			else
				missing="$missing $so"
			fi
		done
	done
	[ -n "$missing" ] || break
	# Candidates: the library packages that the packages we use depend
	# on, not yet downloaded.
	cand=()
	for p in "${!used[@]}"; do
		for d in $(deps_of "$p"); do
			[ -z "${tried[$d]:-}" ] || continue
			tried[$d]=1
			cand+=("$d")
		done
	done
	mapfile -t cand < <(libs_only "${cand[@]}")
	[ ${#cand[@]} -gt 0 ] ||
		die "no package left to search for:$missing"
	download "${cand[@]}"
done

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
install -m 755 "$tmp/root/qemu-system-arm/$bin" "$out/bin/"
# Each library under its soname, symlinks resolved.
for so in "${!have[@]}"; do
	install -m 755 "$(readlink -f "${have[$so]}")" "$out/lib/$so"
done
for p in "${!used[@]}"; do
	grep "^$p " "$tmp/fetched"
done | sort >"$out/packages"
rm -rf "$tmp"
echo "  FETCH   qemu-system-arm $(sed -n 's/^qemu-system-arm //p' "$out/packages"):" \
	"$(($(wc -l <"$out/packages") - 1)) library packages, ${#have[@]} files," \
	"$(du -sh "$out" | cut -f1)"
