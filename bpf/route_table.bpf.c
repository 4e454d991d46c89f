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
 * Up to ROUTE_RULES_MAX (1024) rules, compiled by libkvmtrap into a table
 * of disjoint intervals (bpf/route_table.h) that each call searches in
 * O(log n): about a dozen steps for a thousand rules.  A rule's "hits"
 * counts the calls it decided; a query (KVM_TRAP_F_QUERY) is answered the
 * same way but counts nothing.  Calls answered HANDLED go into the VM's
 * handled-call list, and every decision but PASS is streamed to "kvmtrap
 * trace" while someone reads the stream.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap.bpf.h"
#include "route_table.h"

const volatile enum kvm_trap_verdict miss = KVM_TRAP_PASS;

struct route_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ROUTE_ENTRIES);
	/*
	 * Sizes, not types: an inner map's value type is emitted as a mere
	 * declaration, which libbpf cannot size; libkvmtrap creates the
	 * tables without BTF anyway.
	 */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct route_entry));
	/* libkvmtrap writes a new table in place before it swaps it in. */
	__uint(map_flags, BPF_F_MMAPABLE);
};

/* Slot 0: the table in use, swapped whole by libkvmtrap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct route_table);
} route_rules SEC(".maps");

/*
 * The interval of (@class, @func_id) among entries [@lo, @hi) of table @t,
 * sorted by (class, first); 0 when the class has none.  The last entry
 * not after the call is the one, the class's intervals covering every
 * function ID.
 */
static __always_inline __u32 route_find(void *t, __u32 lo, __u32 hi,
					__u64 class, __u64 func_id)
{
	__u32 base = lo, i, at;
	struct route_entry *e;

	for (i = 0; i < ROUTE_SEARCH_STEPS && lo < hi; i++) {
		__u32 mid = (lo + hi) / 2;

		e = bpf_map_lookup_elem(t, &mid);
		if (!e)
			return 0;
		if (e->iv.class < class ||
		    (e->iv.class == class && e->iv.first <= func_id))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo <= base)
		return 0;
	at = lo - 1;
	e = bpf_map_lookup_elem(t, &at);
	if (!e || e->iv.class != class || func_id > e->iv.last)
		return 0;
	return at;
}

static __always_inline int route_miss(struct kvm_trap_ctx *ctx)
{
	if (miss == KVM_TRAP_PASS)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, miss);
}

SEC("kvm_trap")
int route_table(struct kvm_trap_ctx *ctx)
{
	__u64 class = (__u64)ctx->conduit << 32;
	struct route_entry *e;
	__u32 zero = 0, lo, hi, at;
	__u32 verdict;
	void *t;

	t = bpf_map_lookup_elem(&route_rules, &zero);
	if (!t)
		return route_miss(ctx);
	e = bpf_map_lookup_elem(t, &zero);
	if (!e)
		return route_miss(ctx);
	lo = 1 + e->hdr.nr_rules;
	hi = lo + e->hdr.nr_intervals;

	at = route_find(t, lo, hi, class | ctx->imm, ctx->func_id);
	if (!at)
		at = route_find(t, lo, hi, class | ROUTE_IMM_OTHER, ctx->func_id);
	e = at ? bpf_map_lookup_elem(t, &at) : NULL;
	if (!e || !e->iv.rule)
		return route_miss(ctx);
	at = e->iv.rule;
	e = bpf_map_lookup_elem(t, &at);
	if (!e)
		return route_miss(ctx);

	verdict = kvmtrap_verdict(e->rule.val.verdict);
	if (!(ctx->flags & KVM_TRAP_F_QUERY))
		__sync_fetch_and_add(&e->rule.val.hits, 1);
	if (verdict == KVM_TRAP_HANDLED) {
		ctx->ret[0] = e->rule.val.ret[0];
		ctx->ret[1] = e->rule.val.ret[1];
		ctx->ret[2] = e->rule.val.ret[2];
		ctx->ret[3] = e->rule.val.ret[3];
		kvmtrap_note_handled(ctx);
	}
	if (verdict == KVM_TRAP_PASS)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, verdict);
}

char LICENSE[] SEC("license") = "GPL";
