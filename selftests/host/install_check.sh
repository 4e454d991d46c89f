#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of "make install" as a VMM author uses it: install for arm64
# into a scratch DESTDIR with a PREFIX of its own, check what lands where
# (CLI, man page, policies, headers, libkvmtrap shared with its soname and
# static, pkg-config file), then build the example VMM (examples/vmm)
# against the installed library with nothing but
# "pkg-config --cflags --libs libkvmtrap" and Linux 6.12's UAPI headers,
# linked dynamically and statically.  TAP output.
#
# It builds what make install needs (for arm64: the kernel tree, libbpf,
# the CLI, the policies), the same the arm64 part of make check builds.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/kvmtrap-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
prefix=/opt/kvmtrap
d=$root$prefix
cc=aarch64-linux-gnu-gcc
. "$(dirname "$0")/host_tap.inc"

echo "TAP version 13"
echo "# make install KARCH=arm64 DESTDIR=$root PREFIX=$prefix"
if ! make -s --no-print-directory -C "$top" install KARCH=arm64 \
	DESTDIR="$root" PREFIX="$prefix" >"$tmp/install.log" 2>&1; then
	sed 's/^/# /' "$tmp/install.log" | tail -30
	echo "1..1"
	echo "not ok 1 make install"
	exit 1
fi
echo "1..10"

# Nothing outside DESTDIR$PREFIX.
stray=$(cd "$root" && find . -mindepth 1 ! -path ".$prefix" ! -path ".$prefix/*" \
	! -path ./opt | head -3)
result $([ -z "$stray" ] && echo 0 || echo 1) "everything under DESTDIR/PREFIX${stray:+ (also: $stray)}"

ok=0
for f in sbin/kvmtrap share/man/man8/kvmtrap.8 lib/kvmtrap/policies/route_table.bpf.o \
	lib/kvmtrap/policies/deny_unknown.bpf.o include/kvmtrap/libkvmtrap.h \
	include/kvmtrap/kvmtrap_handled.h include/kvmtrap/route_table.h \
	include/kvmtrap/linux/kvm_trap.h include/kvmtrap/bpf/libbpf.h \
	lib/libkvmtrap.a lib/pkgconfig/libkvmtrap.pc; do
	[ -f "$d/$f" ] || { echo "# missing: $f"; ok=1; }
done
# Outputs read whole, then matched: "cmd | grep -q" under pipefail fails
# when grep leaves early and cmd dies of SIGPIPE.
what=$(file "$d/sbin/kvmtrap")
grep -q 'ARM aarch64' <<<"$what" || { echo "# kvmtrap is not an arm64 binary"; ok=1; }
result $ok "CLI, man page, policies, headers, static library and pkg-config file installed"

# The man page is a man page: troff with the title and its sections.
ok=0
for s in '^\.TH "\?KVMTRAP"\? "\?8' '^\.SH SYNOPSIS' '^\.SH COMMANDS' '^\.SH FORWARDS'; do
	grep -q "$s" "$d/share/man/man8/kvmtrap.8" || { echo "# no $s in kvmtrap.8"; ok=1; }
done
result $ok "kvmtrap.8 is troff with its title and sections"

# libkvmtrap.so -> .so.0 -> .so.0.1.0, whose soname is libkvmtrap.so.0.
ok=0
[ "$(readlink "$d/lib/libkvmtrap.so")" = libkvmtrap.so.0 ] || ok=1
real=$(readlink "$d/lib/libkvmtrap.so.0")
[ -n "$real" ] && [ -f "$d/lib/$real" ] || ok=1
what=$(aarch64-linux-gnu-readelf -d "$d/lib/libkvmtrap.so" 2>/dev/null)
grep -q 'Library soname: \[libkvmtrap.so.0\]' <<<"$what" || ok=1
# The libbpf it carries exports libbpf's API, the kvm_trap attach included.
aarch64-linux-gnu-nm -D --defined-only "$d/lib/libkvmtrap.so" >"$tmp/syms" 2>/dev/null || ok=1
for sym in kvmtrap_vm_open kvmtrap_parse_rule bpf_program__attach_kvm_trap \
	bpf_object__open_file; do
	grep -q " T $sym\$" "$tmp/syms" || { echo "# $sym not exported"; ok=1; }
done
result $ok "shared library with soname libkvmtrap.so.0, exporting libkvmtrap's and libbpf's API"

export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$d/lib/pkgconfig
ver=$(pkg-config --modversion libkvmtrap 2>&1)
cflags=$(pkg-config --cflags libkvmtrap 2>&1 | sed "s/ *$//")
result $([ "$ver" = 0.1.0 ] && [ "$cflags" = "-I$d/include/kvmtrap" ] && echo 0 || echo 1) \
	"pkg-config: version $ver, cflags $cflags"

# The example VMM against the installed library.  Linux 6.12's UAPI headers
# (KVM's SMCCC filter, ...) are the VMM's own business: the tree's.
khdr=$top/build/kernel-arm64/usr/include
srcs=("$top"/examples/vmm/*.c)
# shellcheck disable=SC2046
if $cc -O2 -Wall -I"$top/examples/vmm" $(pkg-config --cflags libkvmtrap) \
	-isystem "$khdr" "${srcs[@]}" -o "$tmp/vmm-dyn" \
	$(pkg-config --libs libkvmtrap) >"$tmp/cc.log" 2>&1; then ok=0; else ok=1; fi
sed 's/^/# /' "$tmp/cc.log" | head -20
result $ok "examples/vmm compiles and links with pkg-config --cflags --libs libkvmtrap"

ok=0
what=$(aarch64-linux-gnu-readelf -d "$tmp/vmm-dyn" 2>/dev/null)
grep -q 'Shared library: \[libkvmtrap.so.0\]' <<<"$what" || ok=1
result $ok "the dynamically linked VMM needs libkvmtrap.so.0"

# shellcheck disable=SC2046
if $cc -O2 -Wall -static -I"$top/examples/vmm" $(pkg-config --static --cflags libkvmtrap) \
	-isystem "$khdr" "${srcs[@]}" -o "$tmp/vmm-static" \
	$(pkg-config --static --libs libkvmtrap) >"$tmp/cc.log" 2>&1; then ok=0; else ok=1; fi
sed 's/^/# /' "$tmp/cc.log" | head -20
result $ok "examples/vmm links statically with pkg-config --static --libs libkvmtrap"

ok=0
what=$(file "$tmp/vmm-static")
grep -q 'statically linked' <<<"$what" || ok=1
result $ok "the statically linked VMM is static"

# A header of the library includes nothing from this source tree.
ok=0
echo '#include <libkvmtrap.h>
int main(void) { return kvmtrap_rule_add(-1, 0) == 0; }' >"$tmp/t.c"
# shellcheck disable=SC2046
$cc -c $(pkg-config --cflags libkvmtrap) -isystem "$khdr" "$tmp/t.c" -o "$tmp/t.o" \
	>"$tmp/cc.log" 2>&1 || ok=1
sed 's/^/# /' "$tmp/cc.log" | head -10
result $ok "libkvmtrap.h compiles from the installed include directory alone"

totals
