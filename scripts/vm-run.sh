#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the kvmtrap test kernel in QEMU (arm64 "virt" with EL2, so KVM runs
# inside), run one job in it and pass the job's exit status back.
#
# The job is a shell script appended to the initramfs as a second cpio
# archive; the VM's /init runs it and prints "KVMTRAP-RESULT: <rc>".  The
# whole console goes to the log file; what the job prints (not the kernel's
# own lines) is echoed live.  The run fails when the job fails, when no
# result is reported (crash, hang, timeout), or when the kernel log shows a
# WARNING, BUG, Oops, KASAN, lockdep, RCU stall or kmemleak report
# (scripts/vm-log-check.sh).
#
# usage: vm-run.sh [options] [--] [SHELL COMMAND]
#   --kernel IMAGE --initramfs CPIO   what to boot (required)
#   --mode vhe|nvhe                   KVM mode (default vhe)
#   --log FILE                        console log (default: vm.log beside the initramfs)
#   --timeout SECONDS                 whole boot (default 1200)
#   --shell                           interactive shell on this terminal
#   --quiet                           do not echo the job's output
#   --icount                          one vCPU, -icount shift=0: the virtual
#                                     clock counts instructions (make bench)
set -uo pipefail

kernel= initrd= mode=vhe log= tmo=1200 shell=0 quiet=0 icount=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--initramfs) initrd=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--quiet) quiet=1; shift ;;
	--icount) icount=1; shift ;;
	--) shift; break ;;
	-*) echo "vm-run: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
cmd="$*"

die() { echo "vm-run: $*" >&2; exit 2; }
[ -r "$kernel" ] || die "kernel image '$kernel' not found: run 'make kernel'"
[ -r "$initrd" ] || die "initramfs '$initrd' not found: run 'make initramfs'"
case "$mode" in
vhe) modearg= ;;
nvhe) modearg=kvm-arm.mode=nvhe ;;
*) die "--mode must be vhe or nvhe, not '$mode'" ;;
esac
[ $shell = 1 ] || [ -n "$cmd" ] || die "nothing to run: give a command or --shell"
log=${log:-$(dirname "$initrd")/vm.log}
mkdir -p "$(dirname "$log")"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/etc/kvmtrap"
[ -n "$cmd" ] && printf '%s\n' "$cmd" >"$tmp/root/etc/kvmtrap/job"
(cd "$tmp/root" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$tmp/job.cpio.gz"
cat "$initrd" "$tmp/job.cpio.gz" >"$tmp/initrd"

append="console=ttyAMA0 loglevel=5 panic=-1 $modearg"
[ $shell = 1 ] && append="$append kvmtrap.shell"
cpus=(-smp 2)
# One instruction, one virtual nanosecond; a second vCPU would share the
# emulator's instruction stream and blur what is counted.
[ $icount = 1 ] && cpus=(-smp 1 -icount shift=0)
qemu=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max
	"${cpus[@]}" -m 2048 -no-reboot -nographic
	-kernel "$kernel" -initrd "$tmp/initrd" -append "$append")

if [ $shell = 1 ]; then
	echo "vm-run: interactive shell ($mode); Ctrl-A X quits QEMU; console log: $log"
	"${qemu[@]}" | tee "$log"
	exit "${PIPESTATUS[0]}"
fi

# Echo the job's own lines: after the start marker, not the kernel's
# timestamped lines, until the result line.
show() {
	awk -v quiet="$quiet" '
		{ sub(/\r$/, "") }
		/^KVMTRAP-BEGIN/ { on = 1; next }
		/^KVMTRAP-RESULT:/ { on = 0 }
		on && !quiet && !/^\[ *[0-9]+\.[0-9]+\]/ { print; fflush() }
	'
}

timeout --foreground -k 10 "$tmo" "${qemu[@]}" </dev/null 2>&1 |
	tee "$log" | show
qrc=${PIPESTATUS[0]}
sed -i 's/\r$//' "$log"

fail=0
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm-run: timed out after ${tmo}s ($mode); console: $log" >&2
	fail=1
fi
if ! rc=$("$(dirname "$0")/vm-log-check.sh" "$log"); then
	echo "vm-run: failed run ($mode, qemu exit $qrc); console: $log" >&2
	fail=1
	rc=1
fi
[ "$fail" = 0 ] || { [ "$rc" != 0 ] && exit "$rc"; exit 1; }
exit "$rc"
