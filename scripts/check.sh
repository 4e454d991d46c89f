#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: boot the test VM once per KVM mode, run every suite in it, and
# print one summary line per suite and mode, then the overall count.
#
# Host tests (selftests/host/*) run first, on the build machine.
#
# usage: check.sh VERSIONFILE LOGPREFIX MODE...   env: VMRUN (vm-run.sh + args),
#        KVMTRAP_TEST_TIMEOUT (seconds per test binary in the VM, default 300)
# Logs: LOGPREFIX-host.log and LOGPREFIX-MODE.log (the VM console).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
verfile=$1 logp=$2
shift 2
[ $# -gt 0 ] || { echo "check: no KVM mode to test (MODES is empty)" >&2; exit 2; }
read -r ver rel pkg <"$verfile"
echo "kvmtrap check: Linux $ver ($rel) from Debian linux-source-6.12 $pkg; modes: $*"

# A stale log of an earlier run must never be counted for this one.
rm -f "$logp"-*.log
status=0
echo "=== host tests"
{
	hs=0
	for t in "$top"/selftests/host/*.sh; do
		echo "# suite: $(basename "$t" .sh)"
		if [ ! -x "$t" ]; then
			echo "not ok: $t is not executable"
			hs=1
			continue
		fi
		"$t" || hs=1
	done
	# Built by make (selftests/host/*.c): unit tests of pure C.
	for t in ${HOST_TESTS:-}; do
		echo "# suite: $(basename "$t")"
		"$t" || hs=1
	done
	exit $hs
} 2>&1 | tee "$logp-host.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
for mode in "$@"; do
	log=$logp-$mode.log
	echo "=== $mode: booting (console: $log)"
	$VMRUN --mode "$mode" --log "$log" -- \
		"KVMTRAP_TEST_TIMEOUT=${KVMTRAP_TEST_TIMEOUT:-300} run-tests $mode" ||
		status=1
done

# One line per suite and mode, from the TAP the VM printed.
echo "=== summary (kernel $rel)"
pass=0 fail=0 skip=0
for mode in host "$@"; do
	log=$logp-$mode.log
	[ -f "$log" ] || continue
	while read -r suite p f s; do
		printf '  %-4s %-14s pass:%-3s fail:%-3s skip:%s\n' "$mode" "$suite" "$p" "$f" "$s"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	done < <(awk '
		/^# suite: / { suite = $3 }
		/^# Totals: / {
			split($3, p, ":"); split($4, f, ":"); split($5, s, ":")
			print suite, p[2], f[2], s[2]
		}' "$log")
	grep -E '^not ok ' "$log" | sed "s/^/  $mode: /"
done
# A mode whose VM died before its report counts as a failure too.
[ $status = 0 ] || [ $fail -gt 0 ] || fail=$((fail + 1))
echo "check: $pass passed, $fail failed, $skip skipped"
exit $status
