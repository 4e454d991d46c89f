// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_route_compile.c: route_table's rules compiled into the table the
 * policy searches (bpf/route_table.h): for each class of calls (conduit,
 * immediate), the function IDs cut into disjoint intervals, each with the
 * rule that route_rule_better() prefers among those that match it.  A
 * sweep over the rules' starts and ends with a heap of the open rules:
 * O(n log n) per class.
 *
 * Plain C with no libbpf, so that the host unit tests build it too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "libkvmtrap.h"

/* A binary heap of rule indices, best (route_rule_better()) on top. */
struct heap {
	const struct route_rule *rules;
	int *a;
	int n;
};

static bool heap_before(const struct heap *h, int x, int y)
{
	return route_rule_better(&h->rules[h->a[x]].key, &h->rules[h->a[y]].key);
}

static void heap_swap(struct heap *h, int x, int y)
{
	int t = h->a[x];

	h->a[x] = h->a[y];
	h->a[y] = t;
}

static void heap_push(struct heap *h, int rule)
{
	int i = h->n++;

	h->a[i] = rule;
	while (i && heap_before(h, i, (i - 1) / 2)) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_pop(struct heap *h)
{
	int i = 0, c;

	h->a[0] = h->a[--h->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && heap_before(h, c + 1, c))
			c++;
		if (!heap_before(h, c, i))
			break;
		heap_swap(h, c, i);
		i = c;
	}
}

struct compiler {
	struct route_table_value *t;
	const struct route_rule *rules;
	int n;
	int *order;			/* candidates of a class, by first */
	int *heap;
	struct route_interval *out;	/* the intervals */
	int nr;				/* intervals so far */
};

static int by_first(const void *a, const void *b, void *rules)
{
	const struct route_rule *x = (const struct route_rule *)rules + *(const int *)a;
	const struct route_rule *y = (const struct route_rule *)rules + *(const int *)b;

	return x->key.first < y->key.first ? -1 : x->key.first > y->key.first;
}

/* The next interval of the class being compiled, merged with the last. */
static int emit(struct compiler *c, int class_start, __u64 first, __u64 last,
		__u32 rule)
{
	struct route_interval *prev = c->nr > class_start ? &c->out[c->nr - 1] : NULL;

	if (prev && prev->rule == rule && prev->last + 1 == first) {
		prev->last = last;
		return 0;
	}
	if (c->nr == ROUTE_TABLE_MAX)
		return -E2BIG;
	c->out[c->nr] = (struct route_interval){
		.first = first, .last = last, .rule = rule,
	};
	c->nr++;
	return 0;
}

/*
 * The intervals of class (@conduit, @imm) (@imm ROUTE_IMM_OTHER: the
 * immediates no rule names): every function ID, each with the best rule
 * that matches it, by a sweep over the candidates' starts and ends.
 */
static int compile_class(struct compiler *c, __u32 conduit, __u32 imm)
{
	__u64 class = (__u64)conduit << 32 | imm, pos = 0;
	struct heap h = { .rules = c->rules, .a = c->heap };
	int nc = 0, next = 0, exact = 0, start = c->nr, i, err;
	struct route_table_value *t = c->t;

	for (i = 0; i < c->n; i++) {
		const struct route_rule_key *k = &c->rules[i].key;

		if ((k->conduit == ROUTE_CONDUIT_ANY || k->conduit == conduit) &&
		    (k->imm == ROUTE_IMM_ANY || k->imm == imm)) {
			c->order[nc++] = i;
			exact += k->imm == imm;
		}
	}
	/*
	 * No interval: the class is looked up as OTHER, which has the same
	 * candidates when none names this immediate.
	 */
	if (!nc || (imm != ROUTE_IMM_OTHER && !exact))
		return 0;
	if (t->nr_classes == ROUTE_CLASSES_MAX)
		return -E2BIG;
	qsort_r(c->order, nc, sizeof(int), by_first, (void *)c->rules);

	for (;;) {
		__u64 end = UINT64_MAX;
		__u32 rule = 0;

		while (next < nc && c->rules[c->order[next]].key.first == pos)
			heap_push(&h, c->order[next++]);
		while (h.n && c->rules[h.a[0]].key.last < pos)
			heap_pop(&h);
		/* This piece ends before the next start or the winner's end. */
		if (next < nc)
			end = c->rules[c->order[next]].key.first - 1;
		if (h.n) {
			rule = 1 + h.a[0];
			if (c->rules[h.a[0]].key.last < end)
				end = c->rules[h.a[0]].key.last;
		}
		err = emit(c, start, pos, end, rule);
		if (err)
			return err;
		if (end == UINT64_MAX)
			break;
		pos = end + 1;
	}
	t->classes[t->nr_classes++] = (struct route_class){
		.class = class, .first_iv = start, .nr_iv = c->nr - start,
	};
	return 0;
}

static int by_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int route_table_compile(struct route_table_value *t,
			const struct route_rule *rules, int n)
{
	static const __u32 conduits[] = { KVM_TRAP_CONDUIT_HVC,
					  KVM_TRAP_CONDUIT_SMC,
					  KVM_TRAP_CONDUIT_PAPR_HCALL };
	struct compiler c = { .t = t, .rules = rules, .n = n, .out = t->iv };
	__u32 imms[ROUTE_RULES_MAX + 1];
	int nimm = 0, i, j, err = 0;
	t->nr_classes = 0;

	c.order = calloc(n + 1, sizeof(int));
	c.heap = calloc(n + 1, sizeof(int));
	if (!c.order || !c.heap) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		t->rules[i] = rules[i];
		if (rules[i].key.imm != ROUTE_IMM_ANY)
			imms[nimm++] = rules[i].key.imm;
	}
	qsort(imms, nimm, sizeof(*imms), by_u32);
	for (i = j = 0; i < nimm; i++)
		if (!j || imms[j - 1] != imms[i])
			imms[j++] = imms[i];
	nimm = j;
	imms[nimm++] = ROUTE_IMM_OTHER;	/* sorts last */

	for (i = 0; i < (int)(sizeof(conduits) / sizeof(conduits[0])) && !err; i++)
		for (j = 0; j < nimm && !err; j++)
			err = compile_class(&c, conduits[i], imms[j]);
	t->nr_rules = n;
	t->nr_intervals = c.nr;
out:
	free(c.order);
	free(c.heap);
	return err;
}
