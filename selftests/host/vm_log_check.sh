#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of scripts/vm-log-check.sh, the judge of every VM run: a clean
# log passes with the job's status; kernel splats and a missing result fail;
# a test's own output that merely mentions WARNING does not.  TAP output.
set -uo pipefail

check=$(cd "$(dirname "$0")/../.." && pwd)/scripts/vm-log-check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/host_tap.inc"
boot='[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x000f0510]
[    0.512345] kvm [1]: VHE mode initialized successfully
KVMTRAP-BEGIN 6.12.117-kvmtrap'

# expect NAME WANT_EXIT WANT_OUTPUT LOG-TEXT
expect() {
	local name=$1 want_rc=$2 want_out=$3 out rc
	n=$((n + 1))
	printf '%s\n' "$4" >"$tmp/log"
	out=$("$check" "$tmp/log" 2>"$tmp/err")
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name # exit $rc (want $want_rc), output '$out' (want '$want_out')"
		sed 's/^/# /' "$tmp/err"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..10"
expect "clean log passes with status 0" 0 0 "$boot
ok 1 kvmtrap: kvmtrap_default
KVMTRAP-RESULT: 0"
expect "job status is passed back" 0 3 "$boot
KVMTRAP-RESULT: 3"
expect "serial CRLF line ends are accepted" 0 0 "$boot"$'\r\nKVMTRAP-RESULT: 0\r'
expect "no result line fails" 1 "" "$boot
[    5.000000] Kernel panic - not syncing: Attempted to kill init!"
expect "WARNING splat fails" 1 "" "$boot
[    3.141592] WARNING: CPU: 1 PID: 77 at arch/arm64/kvm/hypercalls.c:300 kvm_smccc_call_handler+0x1c/0x2a0
KVMTRAP-RESULT: 0"
expect "KASAN report fails" 1 "" "$boot
[    4.000000] BUG: KASAN: slab-use-after-free in kvm_vm_release+0x10/0x20
KVMTRAP-RESULT: 0"
expect "lockdep report fails" 1 "" "$boot
[    4.000000] WARNING: possible circular locking dependency detected
KVMTRAP-RESULT: 0"
expect "kmemleak report fails" 1 "" "$boot
unreferenced object 0xffff000002a4c000 (size 64):
KVMTRAP-RESULT: 0"
expect "splat in the final dmesg dump fails" 1 "" "$boot
KVMTRAP-RESULT: 0
KVMTRAP-DMESG-BEGIN
[    6.000000] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008
KVMTRAP-DMESG-END"
expect "a test printing WARNING is not a splat" 0 0 "$boot
# WARNING: this test prints the word on purpose
# BUG: so does this line
KVMTRAP-RESULT: 0"
totals
