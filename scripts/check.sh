#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check, in three steps: the host tests (selftests/host/*, on the build
# machine), then for each architecture a test VM booted once per KVM mode
# with every suite run in it, then the total of all.  The first two print
# one summary line per suite (and mode) and their own count, and leave that
# count in a result file; the last adds the result files up and prints the
# closing line, "check: N passed, N failed, N skipped".
#
# usage: check.sh host LOGPREFIX
#        check.sh vm ARCH VERSIONFILE LOGPREFIX MODE...
#        check.sh total NAME=RESULTFILE...
# env:   host: HOST_TESTS (the built C host tests);
#        vm: VMRUN (vm-run.sh + args), KVMTRAP_TEST_TIMEOUT (seconds per
#        test binary in the VM, default 300), SUITES (run-tests' suites,
#        default its own choice), VM_ENV (NAME=VALUE words for the tests,
#        make stress's sizes and seed)
# Logs: LOGPREFIX-host.log, LOGPREFIX-MODE.log (the VM console).
# Results: LOGPREFIX-host.result, LOGPREFIX.result: "PASS FAIL SKIP STATUS".
# total prints one line per NAME (host, arm64, ...); a result file that is
# missing (the build of that architecture failed) counts as one failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	echo "usage: check.sh host LOGPREFIX | vm ARCH VERSIONFILE LOGPREFIX MODE... |" \
		"total NAME=RESULTFILE..." >&2
	exit 2
}

# summary LOGPREFIX PART...: one line per suite of each LOGPREFIX-PART.log,
# then its "not ok" lines; sets pass, fail and skip.
summary() {
	local logp=$1 part log suite p f s
	shift
	pass=0 fail=0 skip=0
	for part in "$@"; do
		log=$logp-$part.log
		[ -f "$log" ] || continue
		while read -r suite p f s; do
			printf '  %-4s %-14s pass:%-3s fail:%-3s skip:%s\n' "$part" "$suite" "$p" "$f" "$s"
			pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		done < <(awk '
			/^# suite: / { suite = $3 }
			/^# Totals: / {
				split($3, p, ":"); split($4, f, ":"); split($5, s, ":")
				print suite, p[2], f[2], s[2]
			}' "$log")
		grep -E '^not ok ' "$log" | sed "s/^/  $part: /"
	done
}

step=${1:-}
shift || true
case "$step" in
host)
	[ $# = 1 ] || usage
	logp=$1
	rm -f "$logp-host.log" "$logp-host.result"
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
	status=${PIPESTATUS[0]}
	echo "=== summary (host)"
	summary "$logp" host
	[ "$status" = 0 ] || [ $fail -gt 0 ] || fail=$((fail + 1))
	echo "check host: $pass passed, $fail failed, $skip skipped"
	echo "$pass $fail $skip $status" >"$logp-host.result"
	exit "$status"
	;;
vm)
	[ $# -ge 3 ] || usage
	arch=$1 verfile=$2 logp=$3
	shift 3
	[ $# -gt 0 ] || { echo "check: no KVM mode to test for $arch (MODES is empty)" >&2; exit 2; }
	read -r ver rel pkg <"$verfile"
	echo "kvmtrap check $arch: Linux $ver ($rel) from Debian linux-source-6.12 $pkg; modes: $*"
	# A stale log or result of an earlier run must never be counted for this one.
	for mode in "$@"; do
		rm -f "$logp-$mode.log"
	done
	rm -f "$logp.result"
	status=0
	for mode in "$@"; do
		log=$logp-$mode.log
		echo "=== $arch $mode: booting (console: $log)"
		$VMRUN --mode "$mode" --log "$log" -- \
			"KVMTRAP_TEST_TIMEOUT=${KVMTRAP_TEST_TIMEOUT:-300} ${VM_ENV:-} run-tests $mode ${SUITES:-}" ||
			status=1
	done
	# One line per suite and mode, from the TAP the VM printed.
	echo "=== summary ($arch, kernel $rel)"
	summary "$logp" "$@"
	# A mode whose VM died before its report counts as a failure too.
	[ $status = 0 ] || [ $fail -gt 0 ] || fail=$((fail + 1))
	echo "check $arch: $pass passed, $fail failed, $skip skipped"
	echo "$pass $fail $skip $status" >"$logp.result"
	exit $status
	;;
total)
	[ $# -gt 0 ] || usage
	pass=0 fail=0 skip=0 status=0
	echo "=== total"
	for arg in "$@"; do
		name=${arg%%=*} r=${arg#*=}
		if [ -f "$r" ] && read -r p f s st <"$r" && [ -n "$st" ]; then
			printf '  %-8s pass:%-3s fail:%-3s skip:%s\n' "$name" "$p" "$f" "$s"
		else
			printf '  %-8s no result: its build or run stopped early (see above)\n' "$name"
			p=0 f=1 s=0 st=1
		fi
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		[ "$st" = 0 ] || status=1
	done
	[ $fail = 0 ] || status=1
	echo "check: $pass passed, $fail failed, $skip skipped"
	exit $status
	;;
*)
	usage
	;;
esac
