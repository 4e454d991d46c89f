/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * route_table.h: the rules of the route_table policy (route_table.bpf.c),
 * shared by the policy, libkvmtrap (kvmtrap_rule_*()) and the kvmtrap CLI
 * ("kvmtrap rule add|del|list").
 *
 * A rule maps (conduit, immediate, function-ID range) to a verdict, and
 * for HANDLED to the values of x0..x3 (r3..r6 on POWER).  Of the rules that
 * match a call, the most specific one decides (route_rule_better()).
 *
 * The policy does not look at the rules one by one.  libkvmtrap compiles
 * them into a table of disjoint intervals, sorted by (conduit, immediate,
 * first function ID), each naming the rule that decides it, and the policy
 * finds a call's interval by binary search: O(log n) per call for n
 * rules.  A table is the one value of an array map (struct
 * route_table_value: the rules with their hit counts, the intervals), and
 * the policy reads it through the one slot of an array-of-maps named
 * "route_rules".  An edit
 * builds a whole new table and swaps the slot, so that every call sees the
 * old table or the new one, never a mixture; the swap returns once no
 * call still reads the old one, whose hit counts are then carried over
 * (kvmtrap_rule_add() and its kind in libkvmtrap_rules.c).
 *
 * Of the rules that match a call, the most specific one decides
 * (route_rule_better(), the same code in the policy and in user space):
 *
 *  1. a rule for the call's conduit beats a rule for any conduit;
 *  2. a rule for the call's immediate beats a rule for any immediate;
 *  3. a narrower range (fewer function IDs) beats a wider one;
 *  4. between overlapping ranges of the same width, the lower first ID.
 *
 * Two different keys never tie, so the answer does not depend on the
 * order of the rules in the map.  A call no rule matches is passed on
 * (KVM_TRAP_PASS) to the VM's next policy, or to KVM's default.
 */
#ifndef __ROUTE_TABLE_H
#define __ROUTE_TABLE_H

#ifndef __VMLINUX_H__
#include <errno.h>
#include <linux/kvm_trap.h>
#include <linux/types.h>
#endif

/* The map's name, as "kvmtrap rule" finds it among a VM's programs' maps. */
#define ROUTE_RULES_MAP_NAME	"route_rules"
/* At most this many rules per route_table instance. */
#define ROUTE_RULES_MAX		1024
/*
 * At most this many intervals in a compiled table.  A set of rules for one
 * conduit and immediate needs at most 2n + 1; a rule for any conduit or
 * any immediate is repeated for each conduit and each immediate that other
 * rules name, so a set that would need more is refused (-E2BIG).
 */
#define ROUTE_TABLE_MAX		8192
/* Binary search steps that cover any table: 2^13 = ROUTE_TABLE_MAX. */
#define ROUTE_SEARCH_STEPS	14

/* route_rule_key::conduit: any conduit (else enum kvm_trap_conduit). */
#define ROUTE_CONDUIT_ANY	0
/* route_rule_key::imm: any immediate, 0 (SMCCC) included. */
#define ROUTE_IMM_ANY		0xffffffffU

struct route_rule_key {
	__u32 conduit;		/* KVM_TRAP_CONDUIT_HVC, _SMC or _ANY */
	__u32 imm;		/* 0 for SMCCC calls, 1..0xffff, or _ANY */
	__u64 first;		/* function ID (w0; x0 with an immediate) */
	__u64 last;		/* inclusive, >= first */
};

struct route_rule_val {
	__u32 verdict;		/* enum kvm_trap_verdict */
	__u32 pad;		/* zero */
	__u64 ret[4];		/* HANDLED: x0..x3 (narrowed), r3..r6 */
	__u64 hits;		/* calls this rule decided (not queries) */
};

struct route_rule {
	struct route_rule_key key;
	struct route_rule_val val;
};

/* route_class::class of the calls whose immediate no rule names. */
#define ROUTE_IMM_OTHER		ROUTE_IMM_ANY
/* Classes (conduit, immediate) a table may have: a power of two. */
#define ROUTE_CLASSES_MAX	4096

/*
 * The calls (conduit, immediate, first..last) that rules[@rule - 1]
 * decides; @rule 0: none does (a gap, the policy's miss verdict).  The
 * intervals of one class cover every function ID, gaps included, so that
 * a call's interval is the last of its class that starts at or below its
 * function ID.
 */
struct route_interval {
	__u64 first;
	__u64 last;
	__u32 rule;
	__u32 pad;
};

/*
 * A class of calls, (conduit, immediate), with intervals of its own:
 * iv[first_iv .. first_iv + nr_iv - 1].  A call whose class is not in the
 * table is looked up in the class of ROUTE_IMM_OTHER for its conduit.
 */
struct route_class {
	__u64 class;		/* conduit << 32 | immediate or ROUTE_IMM_OTHER */
	__u32 first_iv;
	__u32 nr_iv;
};

/*
 * A compiled table: the one value of a one-element array map, so that the
 * policy finds everything with one lookup and indexes it directly while
 * it searches, first the call's class, then its interval.
 */
struct route_table_value {
	__u32 nr_rules;
	__u32 nr_intervals;
	__u32 nr_classes;
	__u32 pad;
	struct route_rule rules[ROUTE_RULES_MAX];	/* hits counted here */
	struct route_class classes[ROUTE_CLASSES_MAX];
	struct route_interval iv[ROUTE_TABLE_MAX];
};

/*
 * Is @r a rule the policy can use?  0 if so, else a negative errno
 * (-EINVAL): conduit not ANY, HVC, SMC or PAPR_HCALL; immediate above
 * 0xffff and not
 * ANY; first > last; verdict not one of enum kvm_trap_verdict; pad or
 * hits not zero; x0..x3 given for a verdict other than HANDLED.
 */
#ifndef __VMLINUX_H__	/* user space only */
static inline int route_rule_check(const struct route_rule *r)
{
	const struct route_rule_key *k = &r->key;
	const struct route_rule_val *v = &r->val;

	if (k->conduit != ROUTE_CONDUIT_ANY &&
	    k->conduit != KVM_TRAP_CONDUIT_HVC &&
	    k->conduit != KVM_TRAP_CONDUIT_SMC &&
	    k->conduit != KVM_TRAP_CONDUIT_PAPR_HCALL)
		return -EINVAL;
	if (k->imm != ROUTE_IMM_ANY && k->imm > 0xffff)
		return -EINVAL;
	if (k->first > k->last || v->verdict >= KVM_TRAP_NR_VERDICTS ||
	    v->pad || v->hits)
		return -EINVAL;
	if (v->verdict != KVM_TRAP_HANDLED &&
	    (v->ret[0] || v->ret[1] || v->ret[2] || v->ret[3]))
		return -EINVAL;
	return 0;
}
#endif

#ifndef __VMLINUX_H__	/* user space only */
/*
 * Write the table of the @n @rules into @t: the rules (hits as given), the
 * intervals of every class in (conduit, immediate) order.  -E2BIG: more
 * than ROUTE_TABLE_MAX intervals; -ENOMEM.  libkvmtrap
 * (kvmtrap_route_compile.c).
 */
int route_table_compile(struct route_table_value *t,
			const struct route_rule *rules, int n);
#endif

/* Does the rule of @k match the call (@conduit, @imm, @func_id)? */
static inline int route_rule_matches(const struct route_rule_key *k,
				     __u32 conduit, __u32 imm, __u64 func_id)
{
	return (k->conduit == ROUTE_CONDUIT_ANY || k->conduit == conduit) &&
	       (k->imm == ROUTE_IMM_ANY || k->imm == imm) &&
	       func_id >= k->first && func_id <= k->last;
}

/*
 * Is rule @a more specific than rule @b (both matching one call)?  The
 * precedence above, as a strict total order on different keys.
 */
static inline int route_rule_better(const struct route_rule_key *a,
				     const struct route_rule_key *b)
{
	int a_any = a->conduit == ROUTE_CONDUIT_ANY;
	int b_any = b->conduit == ROUTE_CONDUIT_ANY;

	if (a_any != b_any)
		return !a_any;
	a_any = a->imm == ROUTE_IMM_ANY;
	b_any = b->imm == ROUTE_IMM_ANY;
	if (a_any != b_any)
		return !a_any;
	if (a->last - a->first != b->last - b->first)
		return a->last - a->first < b->last - b->first;
	if (a->first != b->first)
		return a->first < b->first;
	/* Same width and start: the same range; order by conduit, imm. */
	if (a->conduit != b->conduit)
		return a->conduit < b->conduit;
	return a->imm < b->imm;
}

#endif /* __ROUTE_TABLE_H */
