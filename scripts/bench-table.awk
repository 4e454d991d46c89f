# SPDX-License-Identifier: GPL-2.0
#
# The table of `make bench` (scripts/bench.sh): the BENCH lines of the
# unpatched kernel (a file named base-*) and of kvmtrap (any other file),
# side by side, then the issue's targets.  Exits 1 when a target is missed.
#
# usage: awk -v mode=vhe -v rel=6.12.x -f bench-table.awk BASE KVMTRAP
BEGIN {
	split("native native-psci native-linked default default-smc " \
	      "bpf-pass bpf-handled bpf-handled-smc bpf-deny bpf-undef " \
	      "bpf-fwd-retregs bpf-fwd-onereg filter-fwd-onereg " \
	      "filter-fwd-retregs policy-handled-in-bpf " \
	      "policy-route-table-1 policy-route-table-1-trace " \
	      "policy-route-table-16 policy-route-table-64 " \
	      "policy-route-table-256 policy-route-table-1024 " \
	      "policy-deny-unknown policy-ratelimit", order, " ")
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
	what["policy-handled-in-bpf"] = "policy handled_in_bpf, SiP Call UID"
	what["policy-route-table-1"] = "policy route_table, 1 rule, HANDLED"
	what["policy-route-table-1-trace"] = "  the same, kvmtrap trace reading"
	what["policy-route-table-16"] = "policy route_table, 16 rules, HANDLED"
	what["policy-route-table-64"] = "policy route_table, 64 rules, HANDLED"
	what["policy-route-table-256"] = "policy route_table, 256 rules, HANDLED"
	what["policy-route-table-1024"] = "policy route_table, 1024 rules, HANDLED"
	what["policy-deny-unknown"] = "policy deny_unknown (UNDEF + handler)"
	what["policy-ratelimit"] = "policy ratelimit, under rate, default"
}
{ v[FILENAME ~ /\/base-[^\/]*$/ ? 1 : 2, $2] = $3 }
function cell(f, k) { return ((f, k) in v) ? sprintf("%10.1f", v[f, k]) : sprintf("%10s", "-") }
function ok(c) { if (!c) bad = 1; return c ? "met" : "MISSED" }
function have(k) { return ((1, k) in v) && ((2, k) in v) }
END {
	printf "\nGuest instructions per call, QEMU -icount shift=0, KVM %s, Linux %s\n\n", toupper(mode), rel
	printf "%-40s %10s %10s %8s\n", "call", "unpatched", "kvmtrap", "delta"
	for (i = 1; i in order; i++) {
		k = order[i]
		if (!((1, k) in v) && !((2, k) in v))
			continue
		d = have(k) ? sprintf("%+8.1f", v[2, k] - v[1, k]) : ""
		printf "%-40s %s %s %8s\n", what[k], cell(1, k), cell(2, k), d
	}
	if (have("native") || ((2, "bpf-handled") in v && (2, "default") in v) ||
	    ((2, "bpf-fwd-retregs") in v && (1, "filter-fwd-onereg") in v))
		printf "\nTargets:\n"
	if (have("native") && have("native-psci")) {
		dn = v[2, "native"] - v[1, "native"]
		dp = v[2, "native-psci"] - v[1, "native-psci"]
		printf "  no program, native calls vs unpatched: %+.1f (SMCCC_VERSION), %+.1f (PSCI_VERSION), target +0: %s\n", dn, dp, ok(dn <= 0 && dp <= 0)
	}
	if ((2, "bpf-handled") in v && (2, "default") in v) {
		r = v[2, "bpf-handled"] / v[2, "default"]
		printf "  BPF HANDLED / default NOT_SUPPORTED: %.1f / %.1f = %.4fx, target <= 1.10x: %s\n", v[2, "bpf-handled"], v[2, "default"], r, ok(r <= 1.10)
		if ((1, "default") in v) {
			r = v[2, "bpf-handled"] / v[1, "default"]
			printf "  BPF HANDLED / unpatched default NOT_SUPPORTED: %.1f / %.1f = %.4fx, target <= 1.10x: %s\n", v[2, "bpf-handled"], v[1, "default"], r, ok(r <= 1.10)
		}
	}
	# The policy library against the minimal HANDLED program.
	if ((2, "bpf-handled") in v) {
		h = v[2, "bpf-handled"]
		split("policy-handled-in-bpf 1.15 policy-route-table-1 1.20 " \
		      "policy-route-table-64 1.30 policy-route-table-1024 1.40", pt, " ")
		for (i = 1; i in pt; i += 2) {
			k = pt[i]
			if (!((2, k) in v))
				continue
			r = v[2, k] / h
			printf "  %s / BPF HANDLED: %.1f / %.1f = %.4fx, target <= %.2fx: %s\n", what[k], v[2, k], h, r, pt[i + 1], ok(r <= pt[i + 1])
		}
	}
	# Logarithmic growth: per doubling of the rules, 64 -> 1024 costs no
	# more than 16 -> 64 (1.5x, plus 10 instructions of slack).
	if ((2, "policy-route-table-16") in v && (2, "policy-route-table-64") in v &&
	    (2, "policy-route-table-1024") in v) {
		d1 = (v[2, "policy-route-table-64"] - v[2, "policy-route-table-16"]) / 2
		d2 = (v[2, "policy-route-table-1024"] - v[2, "policy-route-table-64"]) / 4
		printf "  route_table per doubling of rules: %.1f (16 -> 64), %.1f (64 -> 1024), target 64 -> 1024 <= 1.5x + 10: %s\n", d1, d2, ok(d2 <= 1.5 * (d1 > 0 ? d1 : 0) + 10)
	}
	if ((2, "policy-route-table-1") in v && (2, "policy-route-table-1-trace") in v)
		printf "  route_table, 1 rule: an event for a reader costs %+.1f\n", v[2, "policy-route-table-1-trace"] - v[2, "policy-route-table-1"]
	if ((2, "bpf-fwd-retregs") in v && (1, "filter-fwd-onereg") in v) {
		f = v[2, "bpf-fwd-retregs"]; u = v[1, "filter-fwd-onereg"]
		printf "  BPF FORWARD + ret_regs vs unpatched filter + ONE_REG: %.1f vs %.1f (%.2fx), target fewer: %s\n", f, u, f / u, ok(f < u)
	}
	exit bad
}
