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
#            [--kvm KVMDIR TEST...] [--qemu QEMUDIR] [--qemu-suite FILE...] \
#            [--guests FILE...] [--libexec FILE...]
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
# --qemu: Debian's qemu-system-aarch64 as fetch-qemu-arm64.sh unpacked it
# (bin/, lib/): the binary and its libraries in /opt/qemu, the dynamic
# loader where the binary's PT_INTERP says (/lib/ld-linux-aarch64.so.1),
# and /usr/bin/qemu-system-aarch64, which runs it with /opt/qemu/lib as
# its library path.  The one dynamically linked program of the VM.
# --qemu-suite: the qemu suite's tests, in /usr/libexec/kvmtrap/qemu.
# --guests: guest images those tests and the demo boot (the bare-metal
# guest, a Linux kernel Image and its initramfs), in
# /usr/libexec/kvmtrap/guests; not checked as static binaries.
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
	--qemu) where=qemu; continue ;;
	--qemu-suite) where=qemusuite; continue ;;
	--guests) where=guests; continue ;;
	--libexec) where=libexec; continue ;;
	esac
	case "$where" in
	sbin) install -m 755 "$a" "$root/usr/sbin/" ;;
	policies) install -D -m 644 "$a" "$root/usr/lib/kvmtrap/policies/$(basename "$a")" ;;
	share) install -D -m 644 "$a" "$root/usr/share/kvmtrap/$(basename "$a")" ;;
	self) install -m 755 "$a" "$lib/selftests/" ;;
	bpf) install -m 644 "$a" "$lib/bpf/" ;;
	bench) install -m 755 "$a" "$lib/bench/" ;;
	libexec) install -m 755 "$a" "$lib/" ;;
	kvmdir) kvmdir=$a; where=kvm ;;
	qemu)
		[ -x "$a/bin/qemu-system-aarch64" ] && [ -f "$a/lib/ld-linux-aarch64.so.1" ] ||
			{ echo "mkinitramfs: $a has no qemu-system-aarch64 and loader" >&2; exit 1; }
		mkdir -p "$root/opt/qemu/bin" "$root/opt/qemu/lib" "$root/lib"
		install -m 755 "$a/bin/qemu-system-aarch64" "$root/opt/qemu/bin/"
		install -m 755 "$a"/lib/* "$root/opt/qemu/lib/"
		ln -s /opt/qemu/lib/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"
		# exec: QEMU keeps the pid the caller started, and its own comm.
		printf '%s\n' '#!/bin/sh' \
			'LD_LIBRARY_PATH=/opt/qemu/lib exec /opt/qemu/bin/qemu-system-aarch64 "$@"' \
			>"$root/usr/bin/qemu-system-aarch64"
		chmod 755 "$root/usr/bin/qemu-system-aarch64"
		;;
	qemusuite) install -D -m 755 "$a" "$lib/qemu/$(basename "$a")" ;;
	guests) install -D -m 644 "$a" "$lib/guests/$(basename "$a")" ;;
	kvm)
		mkdir -p "$lib/kvm/$(dirname "$a")"
		install -m 755 "$kvmdir/$a" "$lib/kvm/$a"
		echo "$a" >>"$lib/kvm/list"
		;;
	*) echo "mkinitramfs: stray argument $a" >&2; exit 2 ;;
	esac
done

for f in "$root/bin/busybox" "$root"/usr/sbin/* "$lib"/* "$lib"/selftests/* "$lib"/bench/* "$lib"/kvm/*/* "$lib"/kvm/* \
	"$lib"/qemu/*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	# Read whole, then matched: "file | grep -q" under pipefail can fail
	# when grep quits before file has written (SIGPIPE).
	desc=$(file -b "$f")
	if grep -q 'ELF' <<<"$desc" && ! grep -q "$elf" <<<"$desc"; then
		echo "mkinitramfs: $f is not a static $arch binary: $desc" >&2
		exit 1
	fi
done

# QEMU is Debian's, dynamically linked: of the VM's architecture all the same.
for f in "$root"/opt/qemu/bin/* "$root"/opt/qemu/lib/*; do
	[ -f "$f" ] || continue
	desc=$(file -b "$f")
	if ! grep -q "ARM aarch64" <<<"$desc"; then
		echo "mkinitramfs: $f is not an arm64 ELF file: $desc" >&2
		exit 1
	fi
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "  CPIO    $out ($(du -h "$out" | cut -f1))"
