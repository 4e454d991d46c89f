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
 * same way but counts nothing.  Every decision but PASS is streamed to
 * "kvmtrap trace" while someone reads the stream.
 *
 * Handled calls: the policy keeps no per-call entry in the VM's
 * handled-call list.  Its HANDLED rules are the calls it answers in the
 * kernel and their hits the count; libkvmtrap adds them to the list when
 * someone reads it (kvmtrap_handled_read(), "kvmtrap handled"), so a call
 * pays for one atomic add in its rule and nothing more.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Counted in the rules, not call by call: see "Handled calls" above. */
#define KVMTRAP_NO_HANDLED_MAP
#include "kvmtrap.bpf.h"
#include "route_table.h"

const volatile enum kvm_trap_verdict miss = KVM_TRAP_PASS;

struct route_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	/*
	 * Sizes, not types: an inner map's value type is emitted as a mere
	 * declaration, which libbpf cannot size; libkvmtrap creates the
	 * tables without BTF anyway.
	 */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct route_table_value));
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

#define IV_MASK		(ROUTE_TABLE_MAX - 1)
#define CLASS_MASK	(ROUTE_CLASSES_MAX - 1)

/*
 * All ones when @a <= @b (unsigned), 0 otherwise, without a branch: the
 * borrow of b - a, minus one.  The search below has no branch in its
 * steps, so the verifier walks each loop once per possible length instead
 * of once per path through it (2^steps); the empty asm keeps the compiler
 * from turning the arithmetic back into a compare and branch.
 */
static __always_inline __u64 route_le_mask(__u64 a, __u64 b)
{
	__u64 nb = ~b, d = b - a, borrow;

	asm volatile("" : "+r"(nb), "+r"(d));
	borrow = ((nb & a) | ((nb | a) & d)) >> 63;
	asm volatile("" : "+r"(borrow));
	return borrow - 1;
}

/*
 * The interval of (@class, @func_id) in @t, or -1 when the class has none:
 * the last class not above @class, which must be it, then the last of its
 * intervals that starts at or below the call (they cover every function
 * ID).  Each step halves what is left; 64-bit indices, masked for the
 * verifier (the sizes are powers of two, the counts never exceed them).
 */
static __always_inline long route_find(struct route_table_value *t,
				       __u64 class, __u64 func_id)
{
	__u64 base = 0, n = t->nr_classes, half, i;
	struct route_class *c;

	if (!n)
		return -1;
	for (i = 0; i < ROUTE_SEARCH_STEPS && n > 1; i++) {
		half = n >> 1;
		base += half & route_le_mask(t->classes[(base + half) & CLASS_MASK].class,
					     class);
		n -= half;
	}
	c = &t->classes[base & CLASS_MASK];
	if (c->class != class)
		return -1;
	base = c->first_iv;
	n = c->nr_iv;
	for (i = 0; i < ROUTE_SEARCH_STEPS && n > 1; i++) {
		half = n >> 1;
		base += half & route_le_mask(t->iv[(base + half) & IV_MASK].first,
					     func_id);
		n -= half;
	}
	return base & IV_MASK;
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
	__u64 class = (__u64)ctx->conduit << 32, func_id = ctx->func_id;
	struct route_table_value *t;
	struct route_rule *r;
	__u32 zero = 0, rule;
	__u32 verdict;
	void *map;
	long at;

	map = bpf_map_lookup_elem(&route_rules, &zero);
	if (!map)
		return route_miss(ctx);
	t = bpf_map_lookup_elem(map, &zero);
	if (!t)
		return route_miss(ctx);
	/* Values, not the context: it must not be read at a computed offset. */
	asm volatile("" : "+r"(func_id), "+r"(class));
	at = route_find(t, class | ctx->imm, func_id);
	if (at < 0)
		at = route_find(t, class | ROUTE_IMM_OTHER, func_id);
	if (at < 0)
		return route_miss(ctx);
	rule = t->iv[at & IV_MASK].rule;
	if (!rule || rule > ROUTE_RULES_MAX)
		return route_miss(ctx);
	r = &t->rules[(rule - 1) & (ROUTE_RULES_MAX - 1)];

	verdict = kvmtrap_verdict(r->val.verdict);
	if (!(ctx->flags & KVM_TRAP_F_QUERY))
		__sync_fetch_and_add(&r->val.hits, 1);
	if (verdict == KVM_TRAP_HANDLED) {
		ctx->ret[0] = r->val.ret[0];
		ctx->ret[1] = r->val.ret[1];
		ctx->ret[2] = r->val.ret[2];
		ctx->ret[3] = r->val.ret[3];
	}
	if (verdict == KVM_TRAP_PASS)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, verdict);
}

char LICENSE[] SEC("license") = "GPL";
