# SPDX-License-Identifier: GPL-2.0
#
# The POWER table of `make bench` (scripts/bench.sh, KVM-HV nested under
# QEMU's pseries machine): the BENCH lines of the unpatched kernel (a file
# named base-*) and of kvmtrap, side by side, then the targets, those of
# arm64 in PAPR's terms.  Exits 1 when a target is missed.
#
# usage: awk -v mode=hv -v rel=6.12.x -f bench-table-ppc64le.awk BASE KVMTRAP
BEGIN {
	split("native native-linked default bpf-pass bpf-handled bpf-deny " \
	      "bpf-undef bpf-forward policy-route-table-1 policy-route-table-64 " \
	      "policy-route-table-1024", order, " ")
	what["native"] = "native H_PROD (to itself)"
	what["native-linked"] = "native H_PROD, program linked"
	what["default"] = "unknown hcall, exit to the VMM"
	what["bpf-pass"] = "BPF PASS, then exit to the VMM"
	what["bpf-handled"] = "BPF HANDLED"
	what["bpf-deny"] = "BPF DENY (H_FUNCTION)"
	what["bpf-undef"] = "BPF UNDEF (+ guest handler)"
	what["bpf-forward"] = "BPF FORWARD + VMM answer"
	what["policy-route-table-1"] = "policy route_table, 1 rule, HANDLED"
	what["policy-route-table-64"] = "policy route_table, 64 rules, HANDLED"
	what["policy-route-table-1024"] = "policy route_table, 1024 rules, HANDLED"
}
{ v[FILENAME ~ /\/base-[^\/]*$/ ? 1 : 2, $2] = $3 }
function cell(f, k) { return ((f, k) in v) ? sprintf("%10.1f", v[f, k]) : sprintf("%10s", "-") }
function ok(c) { if (!c) bad = 1; return c ? "met" : "MISSED" }
function have(k) { return ((1, k) in v) && ((2, k) in v) }
END {
	printf "\nGuest instructions per hcall, QEMU -icount shift=0, POWER KVM-%s (nested, pseries power9), Linux %s\n\n", toupper(mode), rel
	printf "%-40s %10s %10s %8s\n", "hcall", "unpatched", "kvmtrap", "delta"
	for (i = 1; i in order; i++) {
		k = order[i]
		if (!((1, k) in v) && !((2, k) in v))
			continue
		d = have(k) ? sprintf("%+8.1f", v[2, k] - v[1, k]) : ""
		printf "%-40s %s %s %8s\n", what[k], cell(1, k), cell(2, k), d
	}
	printf "\nTargets:\n"
	if (have("native")) {
		d = v[2, "native"] - v[1, "native"]
		printf "  no program, native hcall vs unpatched: %+.1f, target +0: %s\n", d, ok(d <= 0)
	}
	if ((2, "bpf-handled") in v && (2, "native") in v) {
		r = v[2, "bpf-handled"] / v[2, "native"]
		printf "  BPF HANDLED / native in-kernel hcall: %.1f / %.1f = %.4fx, target <= 1.10x: %s\n", v[2, "bpf-handled"], v[2, "native"], r, ok(r <= 1.10)
	}
	if ((2, "bpf-handled") in v && (1, "default") in v) {
		r = v[2, "bpf-handled"] / v[1, "default"]
		printf "  BPF HANDLED / unpatched exit to the VMM: %.1f / %.1f = %.2fx, target < 1: %s\n", v[2, "bpf-handled"], v[1, "default"], r, ok(r < 1)
	}
	# The policy library against the minimal HANDLED program, as on arm64.
	if ((2, "bpf-handled") in v) {
		h = v[2, "bpf-handled"]
		split("policy-route-table-1 1.20 policy-route-table-64 1.30 " \
		      "policy-route-table-1024 1.40", pt, " ")
		for (i = 1; i in pt; i += 2) {
			k = pt[i]
			if (!((2, k) in v))
				continue
			r = v[2, k] / h
			printf "  %s / BPF HANDLED: %.1f / %.1f = %.4fx, target <= %.2fx: %s\n", what[k], v[2, k], h, r, pt[i + 1], ok(r <= pt[i + 1])
		}
	}
	if ((2, "bpf-forward") in v && (1, "default") in v) {
		r = v[2, "bpf-forward"] / v[1, "default"]
		printf "  BPF FORWARD / unpatched exit to the VMM: %.1f / %.1f = %.4fx, target <= 1.10x: %s\n", v[2, "bpf-forward"], v[1, "default"], r, ok(r <= 1.10)
	}
	exit bad
}
