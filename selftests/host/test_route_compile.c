// SPDX-License-Identifier: GPL-2.0
/*
 * test_route_compile.c: host unit tests of loader/lib/kvmtrap_route_compile.c,
 * the compiler of route_table's rules into the table of disjoint intervals
 * that the policy searches (bpf/route_table.h).  The table must decide
 * every call exactly as the documented precedence does when applied to the
 * rules one by one (route_rule_better() over the matching rules): checked
 * against that brute force on fixed and on random rule sets (seed printed)
 * with the policy's own lookup order, and for the table's invariants
 * (sorted, each present class covering every function ID, no interval
 * repeating its neighbour, the size bounds).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libkvmtrap.h"

#include "host_tap.h"

#define HVC	KVM_TRAP_CONDUIT_HVC
#define SMC	KVM_TRAP_CONDUIT_SMC
#define PAPR	KVM_TRAP_CONDUIT_PAPR_HCALL
#define ANY	ROUTE_CONDUIT_ANY
#define IANY	ROUTE_IMM_ANY

static struct route_table_value table;

static struct route_rule rule(uint32_t conduit, uint32_t imm, uint64_t first,
			      uint64_t last, uint32_t verdict)
{
	return (struct route_rule){
		.key = { conduit, imm, first, last },
		.val.verdict = verdict,
	};
}

/* The documented answer: the best matching rule, 1-based; 0 for none. */
static uint32_t brute(const struct route_rule *rules, int n, uint32_t conduit,
		      uint32_t imm, uint64_t f)
{
	int i, best = -1;

	for (i = 0; i < n; i++)
		if (route_rule_matches(&rules[i].key, conduit, imm, f) &&
		    (best < 0 || route_rule_better(&rules[i].key, &rules[best].key)))
			best = i;
	return best + 1;
}

/* The policy's lookup (route_table.bpf.c): the class, then its interval. */
static int find(uint64_t class, uint64_t f)
{
	uint32_t lo = 0, hi = table.nr_classes, base, n, half;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (table.classes[mid].class < class)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= table.nr_classes || table.classes[lo].class != class)
		return -1;
	base = table.classes[lo].first_iv;
	n = table.classes[lo].nr_iv;
	while (n > 1) {
		half = n / 2;
		if (table.iv[base + half].first <= f)
			base += half;
		n -= half;
	}
	return base;
}

static uint32_t lookup(uint32_t conduit, uint32_t imm, uint64_t f)
{
	int at = find((uint64_t)conduit << 32 | imm, f);

	if (at < 0)
		at = find((uint64_t)conduit << 32 | ROUTE_IMM_OTHER, f);
	return at < 0 ? 0 : table.iv[at].rule;
}

/* Classes sorted and back to back; each complete and merged; bounds. */
static void check_invariants(const struct route_rule *rules, int n)
{
	uint32_t k, i, next = 0;

	CHECK_INT(table.nr_rules, n);
	CHECK(table.nr_intervals <= ROUTE_TABLE_MAX, "%u intervals",
	      table.nr_intervals);
	for (i = 0; i < (uint32_t)n; i++)
		CHECK(!memcmp(&table.rules[i], &rules[i], sizeof(rules[i])),
		      "rule %u not copied", i);
	for (k = 0; k < table.nr_classes; k++) {
		const struct route_class *c = &table.classes[k];

		CHECK(!k || table.classes[k - 1].class < c->class,
		      "class order at %u", k);
		CHECK(c->first_iv == next && c->nr_iv, "class %u at %u (+%u)", k,
		      c->first_iv, c->nr_iv);
		next = c->first_iv + c->nr_iv;
		CHECK(table.iv[c->first_iv].first == 0, "class %u starts late", k);
		CHECK(table.iv[next - 1].last == UINT64_MAX, "class %u ends early",
		      k);
		for (i = c->first_iv; i < next; i++) {
			const struct route_interval *iv = &table.iv[i];

			CHECK(iv->first <= iv->last, "interval %u: first > last", i);
			CHECK(iv->rule <= (uint32_t)n, "interval %u: rule %u", i,
			      iv->rule);
			if (i == c->first_iv)
				continue;
			CHECK(iv[-1].last + 1 == iv->first, "hole or overlap at %u", i);
			CHECK(iv[-1].rule != iv->rule, "unmerged neighbours at %u", i);
		}
	}
	CHECK_INT(next, table.nr_intervals);
}

/* Every rule's ends, their neighbours and a few others, in every class. */
static void check_against_brute(const struct route_rule *rules, int n)
{
	static const uint32_t conduits[] = { HVC, SMC, PAPR };
	uint32_t imms[8] = { 0, 1, 5, 0x42, 0xffff };
	int nimm = 5, c, k, i, d;

	for (i = 0; i < n && nimm < 8; i++)
		if (rules[i].key.imm != IANY)
			imms[nimm++] = rules[i].key.imm;
	for (c = 0; c < 3; c++) {
		for (k = 0; k < nimm; k++) {
			for (i = 0; i < n; i++) {
				uint64_t pts[4] = { rules[i].key.first,
						    rules[i].key.last };

				pts[2] = pts[0] - 1;
				pts[3] = pts[1] + 1;
				for (d = 0; d < 4; d++) {
					uint32_t want = brute(rules, n, conduits[c],
							      imms[k], pts[d]);
					uint32_t got = lookup(conduits[c], imms[k],
							      pts[d]);

					if (got != want) {
						CHECK(0, "conduit %u #0x%x 0x%llx: rule %u, brute force %u",
						      conduits[c], imms[k],
						      (unsigned long long)pts[d], got, want);
						return;
					}
				}
			}
			CHECK_INT(lookup(conduits[c], imms[k], UINT64_MAX),
				  brute(rules, n, conduits[c], imms[k], UINT64_MAX));
			CHECK_INT(lookup(conduits[c], imms[k], 0),
				  brute(rules, n, conduits[c], imms[k], 0));
		}
	}
}

static void compile_and_check(const struct route_rule *rules, int n)
{
	memset(&table, 0, sizeof(table));
	CHECK_INT(route_table_compile(&table, rules, n), 0);
	check_invariants(rules, n);
	check_against_brute(rules, n);
}

/* No rule: no interval, every call a miss. */
static void test_empty(void)
{
	memset(&table, 0xff, sizeof(table));
	CHECK_INT(route_table_compile(&table, NULL, 0), 0);
	CHECK_INT(table.nr_rules, 0);
	CHECK_INT(table.nr_intervals, 0);
	CHECK_INT(table.nr_classes, 0);
	CHECK_INT(lookup(HVC, 0, 0x84000000), 0);
}

/* One rule: the gap before, the rule, the gap after. */
static void test_one_rule(void)
{
	struct route_rule r = rule(HVC, 0, 0xc3000042, 0xc3000042,
				   KVM_TRAP_HANDLED);

	compile_and_check(&r, 1);
	CHECK_INT(table.nr_intervals, 3);
	CHECK_INT(lookup(HVC, 0, 0xc3000042), 1);
	CHECK_INT(lookup(HVC, 0, 0xc3000043), 0);
	CHECK_INT(lookup(SMC, 0, 0xc3000042), 0);
	CHECK_INT(lookup(HVC, 1, 0xc3000042), 0);
}

/* The documented precedence, each step against the next. */
static void test_precedence(void)
{
	const struct route_rule rules[] = {
		/* 1: any conduit, any immediate, all */
		rule(ANY, IANY, 0, UINT64_MAX, KVM_TRAP_DENY),
		/* 2: any conduit, #0, a wide range */
		rule(ANY, 0, 0xc0000000, 0xc3ffffff, KVM_TRAP_UNDEF),
		/* 3: HVC, any immediate, the same wide range */
		rule(HVC, IANY, 0xc0000000, 0xc3ffffff, KVM_TRAP_FORWARD),
		/* 4: HVC #0, a narrower range inside */
		rule(HVC, 0, 0xc2000000, 0xc200ffff, KVM_TRAP_PASS),
		/* 5: HVC #0, one ID inside that */
		rule(HVC, 0, 0xc2000010, 0xc2000010, KVM_TRAP_HANDLED),
		/* 6, 7: two overlapping ranges of one width: the lower wins */
		rule(SMC, 0, 0x100, 0x1ff, KVM_TRAP_DENY),
		rule(SMC, 0, 0x180, 0x27f, KVM_TRAP_UNDEF),
		/* 8: HVC #5: an immediate of its own */
		rule(HVC, 5, 0, 0xffffffff, KVM_TRAP_HANDLED),
		/* 9: PAPR, one hcall */
		rule(PAPR, 0, 0x300, 0x300, KVM_TRAP_HANDLED),
	};

	compile_and_check(rules, ARRAY_SIZE(rules));
	CHECK_INT(lookup(HVC, 0, 0xc2000010), 5);
	CHECK_INT(lookup(HVC, 0, 0xc2000011), 4);
	CHECK_INT(lookup(HVC, 0, 0xc3000000), 3);	/* conduit before #0 */
	CHECK_INT(lookup(HVC, 7, 0xc3000000), 3);
	CHECK_INT(lookup(SMC, 0, 0xc3000000), 2);
	CHECK_INT(lookup(SMC, 7, 0xc3000000), 1);
	CHECK_INT(lookup(SMC, 0, 0x1a0), 6);
	CHECK_INT(lookup(SMC, 0, 0x200), 7);
	CHECK_INT(lookup(HVC, 5, 0x42), 8);
	CHECK_INT(lookup(HVC, 5, 0x100000000ull), 1);
	CHECK_INT(lookup(PAPR, 0, 0x300), 9);
	CHECK_INT(lookup(PAPR, 0, 0x304), 1);
}

/* A thousand single IDs: 2n + 1 intervals in one class, found each. */
static void test_many_rules(void)
{
	static struct route_rule rules[ROUTE_RULES_MAX];
	int i;

	for (i = 0; i < ROUTE_RULES_MAX; i++)
		rules[i] = rule(HVC, 0, 0xc3000000 + 2 * i, 0xc3000000 + 2 * i,
				KVM_TRAP_DENY);
	compile_and_check(rules, ROUTE_RULES_MAX);
	CHECK_INT(table.nr_intervals, 2 * ROUTE_RULES_MAX + 1);
	for (i = 0; i < ROUTE_RULES_MAX; i++) {
		CHECK_INT(lookup(HVC, 0, 0xc3000000 + 2 * i), i + 1);
		CHECK_INT(lookup(HVC, 0, 0xc3000001 + 2 * i), 0);
	}
}

/* A set whose classes need more than ROUTE_TABLE_MAX intervals. */
static void test_too_big(void)
{
	static struct route_rule rules[ROUTE_RULES_MAX];
	int i;

	/* 512 rules for any immediate, each repeated in 512 immediates */
	for (i = 0; i < 512; i++) {
		rules[i] = rule(HVC, IANY, 4 * i, 4 * i, KVM_TRAP_DENY);
		rules[512 + i] = rule(HVC, i + 1, 0x10000 + i, 0x10000 + i,
				      KVM_TRAP_DENY);
	}
	memset(&table, 0, sizeof(table));
	CHECK_INT(route_table_compile(&table, rules, ROUTE_RULES_MAX), -E2BIG);
}

/* Random sets against the brute force; the seed replays a failure. */
static void test_random(void)
{
	static struct route_rule rules[64];
	unsigned int seed = getenv("ROUTE_SEED") ? (unsigned int)atoi(getenv("ROUTE_SEED")) :
			    (unsigned int)time(NULL);
	static const uint32_t conduits[] = { ANY, HVC, SMC, PAPR };
	static const uint32_t imms[] = { IANY, 0, 0, 1, 5 };
	int round, n, i;

	printf("# test_random: ROUTE_SEED=%u\n", seed);
	srand(seed);
	for (round = 0; round < 300 && !host_test_failed; round++) {
		n = 1 + rand() % 64;
		for (i = 0; i < n; i++) {
			uint64_t a = rand() % 200, w = rand() % 3 ? rand() % 20 :
				      rand() % 150;
			bool dup;
			int k;

			do {
				rules[i] = rule(conduits[rand() % 4],
						imms[rand() % 5], a, a + w,
						rand() % KVM_TRAP_NR_VERDICTS);
				if (!(rand() % 10))
					rules[i].key.last = UINT64_MAX;
				for (k = 0, dup = false; k < i; k++)
					dup |= !memcmp(&rules[k].key, &rules[i].key,
						       sizeof(rules[i].key));
				a = rand() % 200;
			} while (dup);
		}
		compile_and_check(rules, n);
	}
}

static const struct host_test tests[] = {
	HOST_TEST(test_empty),
	HOST_TEST(test_one_rule),
	HOST_TEST(test_precedence),
	HOST_TEST(test_many_rules),
	HOST_TEST(test_too_big),
	HOST_TEST(test_random),
};

int main(void)
{
	return host_run_tests(tests, ARRAY_SIZE(tests));
}
