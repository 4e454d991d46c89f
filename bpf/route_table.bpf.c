// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * route_table.bpf.c: table-driven routing, no BPF to write.  Each rule of
 * the "route_rules" map (bpf/route_table.h) maps (conduit, immediate,
 * function-ID range) to a verdict, and for HANDLED to x0..x3:
 *
 *	kvmtrap attach /usr/lib/kvmtrap/policies/route_table.bpf.o --vm PID
 *	kvmtrap rule add --vm PID smc 0xc2000000..0xc200ffff forward
 *	kvmtrap rule add --vm PID any 0xc2000010 handled 0 7
 *	kvmtrap rule add --vm PID hvc '#any' all deny
 *	kvmtrap rule list --vm PID
 *
 * Of the rules matching a call the most specific decides: exact conduit
 * beats any conduit, then exact immediate beats any immediate, then the
 * narrower range, then the lower first ID (route_rule_better()).  No
 * match: KVM_TRAP_PASS, to the VM's next policy or KVM's default.
 *
 * Knobs (kvmtrap attach --set KEY=VALUE):
 *
 *   miss	the verdict for a call no rule matches (default pass)
 *
 * The map holds at most ROUTE_RULES_MAX (64) rules; each call visits all
 * of them.  A rule's "hits" counts the calls it decided; a query
 * (KVM_TRAP_F_QUERY) is answered the same way but counts nothing.  Calls
 * answered HANDLED go into the VM's handled-call list, and every decision
 * but PASS is streamed to "kvmtrap trace".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap.bpf.h"
#include "route_table.h"

const volatile enum kvm_trap_verdict miss = KVM_TRAP_PASS;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ROUTE_RULES_MAX);
	__type(key, struct route_rule_key);
	__type(value, struct route_rule_val);
} route_rules SEC(".maps");

struct route_search {
	__u32 conduit;
	__u32 imm;
	__u64 func_id;
	bool found;
	struct route_rule_key best;
};

static long route_visit(struct bpf_map *map, struct route_rule_key *key,
			struct route_rule_val *val, struct route_search *s)
{
	if (!route_rule_matches(key, s->conduit, s->imm, s->func_id))
		return 0;
	if (!s->found || route_rule_better(key, &s->best)) {
		s->best = *key;
		s->found = true;
	}
	return 0;
}

SEC("kvm_trap")
int route_table(struct kvm_trap_ctx *ctx)
{
	struct route_search s = {
		.conduit	= ctx->conduit,
		.imm		= ctx->imm,
		.func_id	= ctx->func_id,
	};
	struct route_rule_val *v;
	__u32 verdict;

	bpf_for_each_map_elem(&route_rules, route_visit, &s, 0);
	/* A rule deleted since the walk counts as no rule. */
	v = s.found ? bpf_map_lookup_elem(&route_rules, &s.best) : NULL;
	if (!v) {
		if (miss == KVM_TRAP_PASS)
			return KVM_TRAP_PASS;
		return kvmtrap_emit(ctx, miss);
	}

	verdict = kvmtrap_verdict(v->verdict);
	if (!(ctx->flags & KVM_TRAP_F_QUERY))
		__sync_fetch_and_add(&v->hits, 1);
	if (verdict == KVM_TRAP_HANDLED) {
		ctx->ret[0] = v->ret[0];
		ctx->ret[1] = v->ret[1];
		ctx->ret[2] = v->ret[2];
		ctx->ret[3] = v->ret[3];
		kvmtrap_note_handled(ctx);
	}
	if (verdict == KVM_TRAP_PASS)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, verdict);
}

char LICENSE[] SEC("license") = "GPL";
