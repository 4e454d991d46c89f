#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Read a test VM's console log: print the job's exit status, or fail.
#
# Exits 0 and prints the status from "KVMTRAP-RESULT: <rc>" when the log is
# clean.  Exits 1 with the reason on stderr when the VM reported no result or
# when any kernel line (live console or the final dmesg dump) shows a
# WARNING, BUG (KASAN included), Oops, panic, call trace (arm64's "Call
# trace:", powerpc's "Call Trace:"), hung task, RCU stall, a lockdep
# report, or kmemleak found unreferenced objects.  Only
# kernel lines (with a printk timestamp) count, so a test that prints the
# word WARNING does not trip it; kmemleak's report is read from debugfs
# and has no timestamp, hence its own pattern.
#
# usage: vm-log-check.sh LOG
set -uo pipefail

log=${1:?usage: vm-log-check.sh LOG}
[ -r "$log" ] || { echo "vm-log-check: cannot read $log" >&2; exit 1; }

splat='^\[ *[0-9]+\.[0-9]+\] .*(WARNING:|BUG:|Oops|Unable to handle kernel|Kernel panic|Call trace:|Call Trace:|INFO: task .* blocked|rcu: INFO|self-detected stall|new suspected memory leaks)|^unreferenced object'

bad=0
if grep -Eq "$splat" "$log"; then
	echo "kernel reported a problem:" >&2
	grep -E "$splat" "$log" | sed 's/^\[ *[0-9.]*\] //' | sort | uniq -c | sort -rn | head -n 20 >&2
	bad=1
fi
rc=$(sed -n 's/^KVMTRAP-RESULT: \([0-9]*\)\r\{0,1\}$/\1/p' "$log" | tail -n 1)
if [ -z "$rc" ]; then
	echo "the VM reported no result; last lines:" >&2
	tail -n 20 "$log" >&2
	bad=1
fi
[ $bad = 0 ] || exit 1
echo "$rc"
