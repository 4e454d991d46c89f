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
#        kvmtrap_bench, e.g. one case name)
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
		"/usr/libexec/kvmtrap/bench/kvmtrap_bench ${BENCH_ARGS:-}" >"$res.out"; then
		cat "$res.out" >&2
		die "the benchmark failed in the VM; console: $res.log"
	fi
	grep '^BENCH ' "$res.out" >"$res" || die "no result in $res.out"
}

status=0
for mode in "${modes[@]}"; do
	run "$base" "$mode" "$out/base-$mode"
	run "$ours" "$mode" "$out/kvmtrap-$mode"
	rel=$(grep -o 'Linux version [^ ]*' "$out/kvmtrap-$mode.log" | head -1 | cut -d' ' -f3)
	awk -v mode="$mode" -v rel="$rel" '
	BEGIN {
		split("native native-psci native-linked default default-smc " \
		      "bpf-pass bpf-handled bpf-handled-smc bpf-deny bpf-undef " \
		      "bpf-fwd-retregs bpf-fwd-onereg filter-fwd-onereg " \
		      "filter-fwd-retregs", order, " ")
		what["native"] = "native SMCCC_VERSION (HVC)"
		what["native-psci"] = "native PSCI_VERSION (HVC)"
		what["native-linked"] = "native SMCCC_VERSION, program linked"
		what["default"] = "default NOT_SUPPORTED (HVC)"
		what["default-smc"] = "default NOT_SUPPORTED (SMC)"
		what["bpf-pass"] = "BPF PASS, then default"
		what["bpf-handled"] = "BPF HANDLED (HVC)"
		what["bpf-handled-smc"] = "BPF HANDLED (SMC)"
		what["bpf-deny"] = "BPF DENY"
		what["bpf-undef"] = "BPF UNDEF (+ guest handler)"
		what["bpf-fwd-retregs"] = "BPF FORWARD + resume, ret_regs"
		what["bpf-fwd-onereg"] = "BPF FORWARD + resume, ONE_REG"
		what["filter-fwd-onereg"] = "filter FWD_TO_USER + resume, ONE_REG"
		what["filter-fwd-retregs"] = "filter FWD_TO_USER + resume, ret_regs"
	}
	FNR == 1 { file++ }
	{ v[file, $2] = $3 }
	function cell(f, k) { return ((f, k) in v) ? sprintf("%10.1f", v[f, k]) : sprintf("%10s", "-") }
	function ok(c) { if (!c) bad = 1; return c ? "met" : "MISSED" }
	END {
		printf "\nGuest instructions per call, QEMU -icount shift=0, KVM %s, Linux %s\n\n", toupper(mode), rel
		printf "%-40s %10s %10s %8s\n", "call", "unpatched", "kvmtrap", "delta"
		for (i = 1; i in order; i++) {
			k = order[i]
			d = ((1, k) in v) && ((2, k) in v) ? sprintf("%+8.1f", v[2, k] - v[1, k]) : ""
			printf "%-40s %s %s %8s\n", what[k], cell(1, k), cell(2, k), d
		}
		printf "\nTargets:\n"
		dn = v[2, "native"] - v[1, "native"]
		dp = v[2, "native-psci"] - v[1, "native-psci"]
		printf "  no program, native calls vs unpatched: %+.1f (SMCCC_VERSION), %+.1f (PSCI_VERSION), target +0: %s\n", dn, dp, ok(dn <= 0 && dp <= 0)
		r = v[2, "bpf-handled"] / v[2, "default"]
		printf "  BPF HANDLED / default NOT_SUPPORTED: %.1f / %.1f = %.3fx, target <= 1.10x: %s\n", v[2, "bpf-handled"], v[2, "default"], r, ok(r <= 1.10)
		f = v[2, "bpf-fwd-retregs"]; u = v[1, "filter-fwd-onereg"]
		printf "  BPF FORWARD + ret_regs vs unpatched filter + ONE_REG: %.1f vs %.1f (%.2fx), target fewer: %s\n", f, u, f / u, ok(f < u)
		exit bad
	}' "$out/base-$mode" "$out/kvmtrap-$mode" | tee "$out/table-$mode.txt" || status=1
done
exit $status
