#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: guest instructions per call, the unpatched kernel and the
# kvmtrap kernel side by side.  Both kernels boot the same initramfs under
# QEMU -icount shift=0 with one vCPU and run bench/kvmtrap_bench in the VM;
# this script puts their lines in one table per KVM mode and checks the
# targets.  Instruction counts are deterministic: a rerun prints the same
# table.
#
# usage: bench.sh BASE_IMAGE KVMTRAP_IMAGE INITRAMFS OUTDIR MODE...
# env:   VMRUN (vm-run.sh with its fixed options), BENCH_ARGS (passed to
#        the benchmark, e.g. one case name), BENCH_PROG (the benchmark in
#        the VM's /usr/libexec/kvmtrap/bench, default kvmtrap_bench),
#        BENCH_TABLE (the awk script of scripts/ that makes the table,
#        default bench-table.awk)
set -euo pipefail

base=$1 ours=$2 initrd=$3 out=$4
shift 4
modes=("$@")
mkdir -p "$out"

die() { echo "bench: $*" >&2; exit 2; }

run() {
	local image=$1 mode=$2 res=$3
	echo "  BENCH   $(basename "$res") ($image)"
	if ! $VMRUN --kernel "$image" --initramfs "$initrd" --icount --mode "$mode" \
		--log "$res.log" -- \
		"/usr/libexec/kvmtrap/bench/${BENCH_PROG:-kvmtrap_bench} ${BENCH_ARGS:-}" >"$res.out"; then
		cat "$res.out" >&2
		die "the benchmark failed in the VM; console: $res.log"
	fi
	# A case only kvmtrap has gives the unpatched kernel nothing to do.
	grep '^BENCH ' "$res.out" >"$res" || true
}

status=0
for mode in "${modes[@]}"; do
	run "$base" "$mode" "$out/base-$mode"
	run "$ours" "$mode" "$out/kvmtrap-$mode"
	[ -s "$out/kvmtrap-$mode" ] || die "no result in $out/kvmtrap-$mode.out"
	rel=$(grep -o 'Linux version [^ ]*' "$out/kvmtrap-$mode.log" | head -1 | cut -d' ' -f3)
	awk -v mode="$mode" -v rel="$rel" -f "$(dirname "$0")/${BENCH_TABLE:-bench-table.awk}" \
		"$out/base-$mode" "$out/kvmtrap-$mode" | tee "$out/table-$mode.txt" || status=1
done
exit $status
