#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs: busybox, bpftool, our /init and test runner,
# our selftests, and the upstream KVM selftests with their list.  All static
# binaries of the VM's architecture (--arch, default arm64; every ELF file is
# checked); owned by root in the archive whoever builds it.
#
# usage: mkinitramfs.sh [--arch arm64|ppc64le] OUT.cpio.gz BUSYBOX BPFTOOL SCRIPTDIR \
#            [--sbin FILE...] [--policies OBJ...] [--share FILE...] \
#            --selftests FILE... [--bpf OBJ...] [--bench FILE...] \
#            [--kvm KVMDIR TEST...] [--guest FILE...] [--libexec FILE...]
#
# --sbin: tools for /usr/sbin (the kvmtrap CLI, the example VMM).
# --policies: the policy library's objects, in /usr/lib/kvmtrap/policies.
# --share: the example VMM's call scripts and policy sets, in
# /usr/share/kvmtrap.
# --bpf: BPF objects the selftests load themselves (e.g. programs the
# verifier must reject), installed in /usr/libexec/kvmtrap/bpf.
# --bench: the benchmark, in /usr/libexec/kvmtrap/bench (not a test: the
# test runner does not look there).
# --kvm: the upstream KVM selftests and their list (arm64; POWER has none).
# --guest: what a VMM in the VM boots as its own guest (a kernel Image, its
# initramfs), in /usr/share/kvmtrap/guest; not checked as static binaries.
# --libexec: helper programs of the tests and the demo, in
# /usr/libexec/kvmtrap.
set -euo pipefail

arch=arm64
if [ "${1:-}" = --arch ]; then
	arch=$2
	shift 2
fi
# What file(1) says of a static binary of the architecture.
case "$arch" in
arm64) elf='ARM aarch64.*statically linked' ;;
ppc64le) elf='64-bit LSB .*PowerPC.*statically linked' ;;
*) echo "mkinitramfs: --arch must be arm64 or ppc64le, not '$arch'" >&2; exit 2 ;;
esac
out=$1 busybox=$2 bpftool=$3 vmdir=$4
shift 4
root=$out.d
rm -rf "$root"
lib=$root/usr/libexec/kvmtrap
mkdir -p "$root"/{bin,sbin,etc/kvmtrap,usr/bin,usr/sbin,root} "$lib/selftests" "$lib/kvm" \
	"$lib/bpf" "$lib/bench"

install -m 755 "$busybox" "$root/bin/busybox"
install -m 755 "$bpftool" "$root/usr/sbin/bpftool"
install -m 755 "$vmdir/init" "$root/init"
install -m 755 "$vmdir/run-tests" "$lib/run-tests"
install -m 755 "$vmdir/demo" "$lib/demo"

where=
kvmdir=
for a in "$@"; do
	case "$a" in
	--sbin) where=sbin; continue ;;
	--policies) where=policies; continue ;;
	--share) where=share; continue ;;
	--selftests) where=self; continue ;;
	--bpf) where=bpf; continue ;;
	--bench) where=bench; continue ;;
	--kvm) where=kvmdir; continue ;;
	--guest) where=guest; continue ;;
	--libexec) where=libexec; continue ;;
	esac
	case "$where" in
	sbin) install -m 755 "$a" "$root/usr/sbin/" ;;
	policies) install -D -m 644 "$a" "$root/usr/lib/kvmtrap/policies/$(basename "$a")" ;;
	share) install -D -m 644 "$a" "$root/usr/share/kvmtrap/$(basename "$a")" ;;
	self) install -m 755 "$a" "$lib/selftests/" ;;
	bpf) install -m 644 "$a" "$lib/bpf/" ;;
	bench) install -m 755 "$a" "$lib/bench/" ;;
	guest) install -D -m 644 "$a" "$root/usr/share/kvmtrap/guest/$(basename "$a")" ;;
	libexec) install -m 755 "$a" "$lib/" ;;
	kvmdir) kvmdir=$a; where=kvm ;;
	kvm)
		mkdir -p "$lib/kvm/$(dirname "$a")"
		install -m 755 "$kvmdir/$a" "$lib/kvm/$a"
		echo "$a" >>"$lib/kvm/list"
		;;
	*) echo "mkinitramfs: stray argument $a" >&2; exit 2 ;;
	esac
done

for f in "$root/bin/busybox" "$root"/usr/sbin/* "$lib"/* "$lib"/selftests/* "$lib"/bench/* "$lib"/kvm/*/* "$lib"/kvm/*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	if file -b "$f" | grep -q 'ELF' && ! file -b "$f" | grep -q "$elf"; then
		echo "mkinitramfs: $f is not a static $arch binary: $(file -b "$f")" >&2
		exit 1
	fi
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "  CPIO    $out ($(du -h "$out" | cut -f1))"
