#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the kvmtrap test kernel in QEMU with KVM working inside it, run one
# job in it and pass the job's exit status back.  arm64: the "virt" machine
# with EL2 (modes vhe, nvhe).  ppc64le: mode hv, the "pseries" machine with
# QEMU's nested KVM-HV (the kernel is a guest that may run guests of its own
# with KVM-HV); mode pr, the "powernv8" machine, bare-metal POWER8 with
# skiboot's OPAL, where the kernel runs KVM-PR guests.
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
#   --arch arm64|ppc64le              the kernel's architecture (default arm64)
#   --mode MODE                       KVM mode: vhe|nvhe (arm64, default vhe),
#                                     hv|pr (ppc64le, default hv)
#   --log FILE                        console log (default: vm.log beside the initramfs)
#   --timeout SECONDS                 whole boot (default 1200)
#   --shell                           interactive shell on this terminal
#   --quiet                           do not echo the job's output
#   --icount                          one vCPU, -icount shift=0: the virtual
#                                     clock counts instructions (make bench)
#   --time-scale N                    how much slower than the default kernel
#                                     this one runs (the debug kernel: 3); the
#                                     VM exports it as KVMTRAP_TIME_SCALE and
#                                     the tests stretch their own deadlines
set -uo pipefail

kernel= initrd= arch=arm64 mode= log= tmo=1200 shell=0 quiet=0 icount=0 scale=1
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--arch) arch=$2; shift 2 ;;
	--initramfs) initrd=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--quiet) quiet=1; shift ;;
	--icount) icount=1; shift ;;
	--time-scale) scale=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "vm-run: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
cmd="$*"

die() { echo "vm-run: $*" >&2; exit 2; }
[ -r "$kernel" ] || die "kernel image '$kernel' not found: run 'make kernel'"
[ -r "$initrd" ] || die "initramfs '$initrd' not found: run 'make initramfs'"
# The machine of each mode, its console and what the kernel is told.
case "$arch" in
arm64)
	mode=${mode:-vhe}
	case "$mode" in
	vhe) modearg= ;;
	nvhe) modearg=kvm-arm.mode=nvhe ;;
	*) die "--mode must be vhe or nvhe for arm64, not '$mode'" ;;
	esac
	qemu_bin=qemu-system-aarch64
	machine=(-M virt,virtualization=on,gic-version=3 -cpu max)
	console=ttyAMA0
	;;
ppc64le)
	mode=${mode:-hv}
	modearg=
	qemu_bin=qemu-system-ppc64
	case "$mode" in
	# The kernel runs on POWER9 as a guest of QEMU's emulated hypervisor
	# and hosts KVM-HV guests through the nested-HV hcalls, which KVM-HV
	# uses only under a radix MMU: disable_radix=no, since allnoconfig
	# leaves PPC_RADIX_MMU_DEFAULT off (hash otherwise).  TCG has no
	# Spectre mitigations to offer: say so instead of having QEMU warn.
	hv) machine=(-M pseries,cap-nested-hv=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
		-cpu power9 -vga none)
		modearg=disable_radix=no ;;
	# skiboot (QEMU's default firmware) loads the kernel and initrd.
	pr) machine=(-M powernv8) ;;
	*) die "--mode must be hv or pr for ppc64le, not '$mode'" ;;
	esac
	console=hvc0
	;;
*) die "--arch must be arm64 or ppc64le, not '$arch'" ;;
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

# kvmtrap.mode: the VM's /init exports it as KVMTRAP_MODE for the tests.
# The RCU stall timeout: the VM is an emulated machine on host cores that
# other jobs share, and a vCPU thread the host leaves unscheduled for the
# default 21 s is the host's load, not a stall of this kernel (seen under
# a parallel kernel build).  120 s still reports a CPU stuck in the trap
# path well within a test's time limit.
append="console=$console loglevel=5 panic=-1${modearg:+ $modearg} kvmtrap.mode=$mode"
append="$append rcupdate.rcu_cpu_stall_timeout=120 kvmtrap.time_scale=$scale"
[ $shell = 1 ] && append="$append kvmtrap.shell"
cpus=(-smp 2)
# One instruction, one virtual nanosecond; a second vCPU would share the
# emulator's instruction stream and blur what is counted.
[ $icount = 1 ] && cpus=(-smp 1 -icount shift=0)
qemu=("$qemu_bin" "${machine[@]}"
	"${cpus[@]}" -m 2048 -no-reboot -nographic
	-kernel "$kernel" -initrd "$tmp/initrd" -append "$append")

if [ $shell = 1 ]; then
	echo "vm-run: interactive shell ($mode); Ctrl-A X quits QEMU; console log: $log"
	"${qemu[@]}" | tee "$log"
	exit "${PIPESTATUS[0]}"
fi

# Echo the job's own lines: after the start marker, not the kernel's
# timestamped lines (nor skiboot's, "[ 12.345678901,5]", on powernv), until
# the result line.
show() {
	awk -v quiet="$quiet" '
		{ sub(/\r$/, "") }
		/^KVMTRAP-BEGIN/ { on = 1; next }
		/^KVMTRAP-RESULT:/ { on = 0 }
		on && !quiet && !/^\[ *[0-9]+\.[0-9]+(,[0-9])?\]/ { print; fflush() }
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
