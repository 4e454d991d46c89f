// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_policies - the policy library (bpf/<name>.bpf.c) as users load it:
 * the installed objects /usr/lib/kvmtrap/policies/<name>.bpf.o, opened,
 * configured, loaded and attached with libkvmtrap.
 *
 * For each of the seven policies (route_table, deny_unknown,
 * forward_vendor, hvc_imm, audit, ratelimit, handled_in_bpf):
 *
 *  - BPF_PROG_TEST_RUN (kvmtrap_policy_test() on the context KVM would
 *    build, kvmtrap_ctx_from_call()): the verdict and ret[] for
 *    representative calls and the edges: range bounds, immediates, SMC32
 *    vs SMC64 IDs, AArch32 callers, knobs, and KVM_TRAP_F_QUERY leaving
 *    state (hits, counters, tokens, events) alone;
 *  - a real guest in a VM (kvmtrap_vm.h): what the guest sees in x0..x3,
 *    undefined-instruction exceptions, forwarded calls answered by the
 *    VMM through RET_REGS, the VM's verdict statistics, the handled-call
 *    list, ring buffer events and KVM_TRAP_QUERY.
 *
 * And "kvmtrap rule add|del|list" (the route_table's rules) run as a user
 * runs it against this process's VM: --json parsed, precedence as the
 * guest sees it, errors (exit 1, one line naming object, errno and fix)
 * and usage errors (exit 2).
 *
 * Running the tools and parsing their --json: kvmtrap_run.h, shared with
 * the kvmtrap_cli_* suites.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>

#include "kvmtrap_vm.h"
#include "kvmtrap_run.h"
#include "libkvmtrap.h"
#include "../bpf/audit.h"
#include "../bpf/ratelimit.h"

#define POLICY_DIR	"/usr/lib/kvmtrap/policies"

/* SMCCC function IDs by owner: 64- and 32-bit fast calls. */
#define SIP64(n)	(0xc2000000ull | (n))
#define SIP32(n)	(0x82000000ull | (n))
#define OEM64(n)	(0xc3000000ull | (n))
#define OEM32(n)	(0x83000000ull | (n))
#define CPU64(n)	(0xc1000000ull | (n))
#define VHYP64(n)	(0xc6000000ull | (n))
#define PSCI_VERSION_ID	0x84000000ull

#define HVC		KVM_TRAP_CONDUIT_HVC
#define SMC		KVM_TRAP_CONDUIT_SMC
#define NS		KT_NOT_SUPPORTED

/* handled_in_bpf's default Call UID */
#define UID0		0x3a5e8f2c
#define UID1		0x6b1d4e0a
#define UID2		0x9c475d2b
#define UID3		0x8e91f03a

static int ok_(long r, const char *what)
{
	CHECK(r >= 0, "%s: %s (%ld)", what, strerror(-r), r);
	return r;
}

/* @expr succeeds (returns >= 0); its value. */
#define OK(expr) ok_((expr), #expr)

/* @expr fails with -@e. */
#define ERR(expr, e) do {						\
	long __r = (expr);						\
									\
	CHECK(__r == -(e), "%s: %ld (%s), expected -%s", #expr, __r,	\
	      __r < 0 ? strerror(-__r) : "success", #e);		\
} while (0)

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* ---- Policies ------------------------------------------------------------ */

/*
 * Open POLICY_DIR/<name>.bpf.o and set its knobs: @sets is "KEY=VALUE"
 * words separated by spaces, or NULL.
 */
static struct kvmtrap_policy *pol_open(const char *name, const char *sets)
{
	struct kvmtrap_policy *p;
	char path[256], *words, *w, *save, *eq;
	int r;

	snprintf(path, sizeof(path), POLICY_DIR "/%s.bpf.o", name);
	r = kvmtrap_policy_open(path, &p);
	CHECK(!r, "kvmtrap_policy_open(%s): %s", path, strerror(-r));
	if (!sets)
		return p;
	words = strdup(sets);
	for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		eq = strchr(w, '=');
		CHECK(eq, "bad setting '%s'", w);
		*eq = 0;
		r = kvmtrap_policy_set(p, w, eq + 1);
		CHECK(!r, "%s: kvmtrap_policy_set(%s, %s): %s", name, w, eq + 1,
		      strerror(-r));
	}
	free(words);
	return p;
}

/* ... and load it, for @vm (its handled-call list) or without a VM. */
static struct kvmtrap_policy *pol_load(const char *name, const char *sets,
				       struct kvmtrap_vm *vm)
{
	struct kvmtrap_policy *p = pol_open(name, sets);
	int r = kvmtrap_policy_load(p, vm);

	CHECK(!r, "kvmtrap_policy_load(%s): %s (%d)", name, strerror(-r), r);
	return p;
}

static int pol_map(struct kvmtrap_policy *p, const char *map)
{
	struct bpf_map *m;

	m = bpf_object__find_map_by_name(kvmtrap_policy_object(p), map);
	CHECK(m, "the policy has no map \"%s\"", map);
	return bpf_map__fd(m);
}

/* ---- BPF_PROG_TEST_RUN --------------------------------------------------- */

/* How a described call is made (tflags of trun()) */
#define T_AARCH32	(1U << 0)	/* by an AArch32 vCPU */
#define T_QUERY		(1U << 1)	/* as a KVM_TRAP_QUERY dry run */

static const char *tdesc(uint32_t conduit, uint32_t imm, uint64_t x0,
			 uint32_t tflags, uint32_t vcpu)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s #0x%x x0 0x%lx%s%s vcpu %u",
		 kt_conduit_str(conduit), imm, x0,
		 tflags & T_AARCH32 ? " aarch32" : "",
		 tflags & T_QUERY ? " query" : "", vcpu);
	return buf;
}

/*
 * Run @p on the context KVM gives it for the call (x1..x7 = KT_ARG(n));
 * the verdict, the context as the program left it in *@ctx.
 */
static uint32_t trun(struct kvmtrap_policy *p, uint32_t conduit,
		     uint32_t imm, uint64_t x0, uint32_t tflags, uint32_t vcpu,
		     struct kvm_trap_ctx *ctx)
{
	struct kvm_trap_query q = {
		.conduit	= conduit,
		.flags		= tflags & T_AARCH32 ? KVM_TRAP_QUERY_AARCH32 : 0,
		.imm		= imm,
		.vcpu_id	= vcpu,
		.regs		= { x0 },
	};
	uint32_t v;
	int i, r;

	for (i = 1; i < 8; i++)
		q.regs[i] = KT_ARG(i);
	kvmtrap_ctx_from_call(&q, ctx);
	if (tflags & T_QUERY)
		ctx->flags |= KVM_TRAP_F_QUERY;
	r = kvmtrap_policy_test(p, ctx, &v);
	CHECK(!r, "kvmtrap_policy_test(%s): %s",
	      tdesc(conduit, imm, x0, tflags, vcpu), strerror(-r));
	return v;
}

/* Verdict @want, ret[] as preset (only HANDLED may change it). */
static void tv_(struct kvmtrap_policy *p, uint32_t conduit, uint32_t imm,
		uint64_t x0, uint32_t tflags, uint32_t vcpu, uint32_t want)
{
	struct kvm_trap_ctx ctx;
	uint32_t v = trun(p, conduit, imm, x0, tflags, vcpu, &ctx);

	CHECK(v == want, "%s: verdict %s (%u), expected %s",
	      tdesc(conduit, imm, x0, tflags, vcpu),
	      kvmtrap_verdict_name(v) ?: "?", v, kvmtrap_verdict_name(want));
	CHECK(ctx.ret[0] == NS && !ctx.ret[1] && !ctx.ret[2] && !ctx.ret[3],
	      "%s: verdict %s changed ret[] to 0x%llx 0x%llx 0x%llx 0x%llx",
	      tdesc(conduit, imm, x0, tflags, vcpu), kvmtrap_verdict_name(v),
	      ctx.ret[0], ctx.ret[1], ctx.ret[2], ctx.ret[3]);
}

#define TV(p, c, imm, x0, fl, want) tv_(p, c, imm, x0, fl, 0, want)

/* HANDLED with ret[0..3] = @r0..@r3. */
static void th_(struct kvmtrap_policy *p, uint32_t conduit, uint32_t imm,
		uint64_t x0, uint32_t tflags, uint64_t r0, uint64_t r1,
		uint64_t r2, uint64_t r3)
{
	const uint64_t want[4] = { r0, r1, r2, r3 };
	struct kvm_trap_ctx ctx;
	uint32_t v = trun(p, conduit, imm, x0, tflags, 0, &ctx);
	int i;

	CHECK(v == KVM_TRAP_HANDLED, "%s: verdict %s (%u), expected handled",
	      tdesc(conduit, imm, x0, tflags, 0),
	      kvmtrap_verdict_name(v) ?: "?", v);
	for (i = 0; i < 4; i++)
		CHECK(ctx.ret[i] == want[i], "%s: ret[%d] 0x%llx, expected 0x%lx",
		      tdesc(conduit, imm, x0, tflags, 0), i, ctx.ret[i],
		      want[i]);
}

#define TH(p, c, imm, x0, fl, r0, r1, r2, r3) \
	th_(p, c, imm, x0, fl, r0, r1, r2, r3)

/* ---- Rules ---------------------------------------------------------------- */

static struct route_rule rule(uint32_t conduit, uint32_t imm, uint64_t first,
			      uint64_t last, uint32_t verdict, uint64_t r0)
{
	struct route_rule r = {
		.key = { conduit, imm, first, last },
		.val = { .verdict = verdict },
	};
	int i;

	/* A handled rule answers r0, r0 + 1, r0 + 2, r0 + 3. */
	if (verdict == KVM_TRAP_HANDLED)
		for (i = 0; i < 4; i++)
			r.val.ret[i] = r0 + i;
	return r;
}

static void add_rule(int fd, struct route_rule r)
{
	int e = kvmtrap_rule_add(fd, &r);

	CHECK(!e, "kvmtrap_rule_add(conduit %u imm 0x%x 0x%llx..0x%llx): %s",
	      r.key.conduit, r.key.imm, r.key.first, r.key.last,
	      strerror(-e));
}

#define ANY	ROUTE_CONDUIT_ANY
#define IANY	ROUTE_IMM_ANY

/*
 * The rule set of the precedence tests: each pair shows one step of the
 * order (comments: which rule wins where).
 */
static void add_precedence_rules(int fd)
{
	/* R1 any conduit vs R2 the SMC conduit: SMC calls get R2 */
	add_rule(fd, rule(ANY, 0, OEM64(0), OEM64(0xffff), KVM_TRAP_DENY, 0));
	add_rule(fd, rule(SMC, 0, OEM64(0), OEM64(0xffff), KVM_TRAP_FORWARD, 0));
	/* R3 narrower than R1: wins for HVC, loses to R2's conduit for SMC */
	add_rule(fd, rule(ANY, 0, OEM64(0x40), OEM64(0x4f), KVM_TRAP_HANDLED,
			  0x10));
	/* R4 any immediate vs R5 immediate 0x42 */
	add_rule(fd, rule(ANY, IANY, OEM32(0), OEM32(0xffff), KVM_TRAP_UNDEF, 0));
	add_rule(fd, rule(ANY, 0x42, OEM32(0), OEM32(0xffff), KVM_TRAP_HANDLED,
			  0x20));
	/* R6, R7: overlapping, the same width: the lower first ID wins */
	add_rule(fd, rule(ANY, 0, 0xc4000000, 0xc400000f, KVM_TRAP_DENY, 0));
	add_rule(fd, rule(ANY, 0, 0xc4000008, 0xc4000017, KVM_TRAP_HANDLED,
			  0x30));
	/* R8 HVC any immediate vs R9 any conduit immediate 0: conduit first */
	add_rule(fd, rule(HVC, IANY, 0xc5000000, 0xc5000000, KVM_TRAP_UNDEF, 0));
	add_rule(fd, rule(ANY, 0, 0xc5000000, 0xc5000000, KVM_TRAP_HANDLED,
			  0x40));
}

static void test_route_table_precedence(void)
{
	struct kvmtrap_policy *p = pol_load("route_table", NULL, NULL);
	int fd = OK(kvmtrap_policy_rules_fd(p));

	/* No rule: every call passes. */
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_PASS);
	add_precedence_rules(fd);

	/* R1 and its bounds */
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, OEM64(0), 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, OEM64(0xffff), 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, OEM64(0) - 1, 0, KVM_TRAP_PASS);
	TV(p, HVC, 0, OEM64(0x10000), 0, KVM_TRAP_PASS);
	/* exact conduit beats any conduit, also a narrower any rule */
	TV(p, SMC, 0, OEM64(1), 0, KVM_TRAP_FORWARD);
	TV(p, SMC, 0, OEM64(0x41), 0, KVM_TRAP_FORWARD);
	/* the narrower R3 and its bounds */
	TH(p, HVC, 0, OEM64(0x40), 0, 0x10, 0x11, 0x12, 0x13);
	TH(p, HVC, 0, OEM64(0x4f), 0, 0x10, 0x11, 0x12, 0x13);
	TV(p, HVC, 0, OEM64(0x3f), 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, OEM64(0x50), 0, KVM_TRAP_DENY);
	TH(p, HVC, 0, OEM64(0x41), T_AARCH32, 0x10, 0x11, 0x12, 0x13);
	/* SMC32 ID: R4 (any immediate includes 0); the SMC64 ID is R1/R2's */
	TV(p, SMC, 0, OEM32(5), 0, KVM_TRAP_UNDEF);
	TV(p, HVC, 0, OEM32(5), 0, KVM_TRAP_UNDEF);
	TV(p, HVC, 0, OEM64(5), 0, KVM_TRAP_DENY);
	/* exact immediate beats any immediate */
	TH(p, HVC, 0x42, OEM32(5), 0, 0x20, 0x21, 0x22, 0x23);
	TH(p, SMC, 0x42, OEM32(5), 0, 0x20, 0x21, 0x22, 0x23);
	TV(p, HVC, 0x1, OEM32(5), 0, KVM_TRAP_UNDEF);
	TV(p, HVC, 0xffff, OEM32(5), 0, KVM_TRAP_UNDEF);
	/* with an immediate, the ID is all of x0 ... */
	TV(p, HVC, 0x42, (1ull << 32) | OEM32(5), 0, KVM_TRAP_PASS);
	/* ... but only w0 from an AArch32 caller */
	TH(p, HVC, 0x42, (1ull << 32) | OEM32(5), T_AARCH32,
	   0x20, 0x21, 0x22, 0x23);
	/* same width: the lower first ID */
	TV(p, HVC, 0, 0xc4000007, 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, 0xc400000a, 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, 0xc400000f, 0, KVM_TRAP_DENY);
	TH(p, HVC, 0, 0xc4000010, 0, 0x30, 0x31, 0x32, 0x33);
	TH(p, HVC, 0, 0xc4000017, 0, 0x30, 0x31, 0x32, 0x33);
	TV(p, HVC, 0, 0xc4000018, 0, KVM_TRAP_PASS);
	/* conduit before immediate */
	TV(p, HVC, 0, 0xc5000000, 0, KVM_TRAP_UNDEF);
	TH(p, SMC, 0, 0xc5000000, 0, 0x40, 0x41, 0x42, 0x43);
	/* a query is answered the same way */
	TV(p, SMC, 0, OEM64(1), T_QUERY, KVM_TRAP_FORWARD);
	TH(p, HVC, 0, OEM64(0x40), T_QUERY, 0x10, 0x11, 0x12, 0x13);
	kvmtrap_policy_close(p);
}

/* The hits of the rule of @key in @fd, which must be there. */
static uint64_t rule_hits(int fd, struct route_rule_key key)
{
	struct route_rule rules[ROUTE_RULES_MAX];
	int n = OK(kvmtrap_rule_list(fd, rules, ROUTE_RULES_MAX)), i;

	for (i = 0; i < n; i++)
		if (!memcmp(&rules[i].key, &key, sizeof(key)))
			return rules[i].val.hits;
	CHECK(0, "no rule 0x%llx..0x%llx", key.first, key.last);
	return 0;
}

/* Hits count real calls, not queries; "miss" answers what no rule matches. */
static void test_route_table_hits_miss(void)
{
	struct kvmtrap_policy *p = pol_load("route_table", NULL, NULL);
	struct route_rule r1 = rule(ANY, 0, OEM64(0), OEM64(0xff),
				    KVM_TRAP_DENY, 0);
	struct route_rule r2 = rule(HVC, 0, OEM64(7), OEM64(7),
				    KVM_TRAP_HANDLED, 0x70);
	int fd = OK(kvmtrap_policy_rules_fd(p));

	add_rule(fd, r1);
	add_rule(fd, r2);
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_DENY);
	TV(p, SMC, 0, OEM64(2), 0, KVM_TRAP_DENY);
	TV(p, SMC, 0, OEM64(7), 0, KVM_TRAP_DENY);
	TH(p, HVC, 0, OEM64(7), 0, 0x70, 0x71, 0x72, 0x73);
	TV(p, HVC, 0, OEM64(1), T_QUERY, KVM_TRAP_DENY);
	TH(p, HVC, 0, OEM64(7), T_QUERY, 0x70, 0x71, 0x72, 0x73);
	CHECK(rule_hits(fd, r1.key) == 3, "rule 1 hits %lu, expected 3",
	      rule_hits(fd, r1.key));
	CHECK(rule_hits(fd, r2.key) == 1, "rule 2 hits %lu, expected 1",
	      rule_hits(fd, r2.key));
	kvmtrap_policy_close(p);

	p = pol_load("route_table", "miss=deny", NULL);
	fd = OK(kvmtrap_policy_rules_fd(p));
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_DENY);
	add_rule(fd, rule(HVC, 0, OEM64(1), OEM64(1), KVM_TRAP_PASS, 0));
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_PASS);
	TV(p, SMC, 0, OEM64(1), 0, KVM_TRAP_DENY);
	kvmtrap_policy_close(p);
}

/* kvmtrap_rule_add/del/list(): errors, a full table, the listing order. */
static void test_route_table_rule_lib(void)
{
	struct kvmtrap_policy *p = pol_load("route_table", NULL, NULL);
	static struct route_rule rules[ROUTE_RULES_MAX + 1];
	struct route_rule r;
	int fd = OK(kvmtrap_policy_rules_fd(p)), n, i;

	ERR(kvmtrap_policy_rules_fd(pol_load("deny_unknown", NULL, NULL)),
	    ENOENT);
	add_precedence_rules(fd);
	n = OK(kvmtrap_rule_list(fd, rules, ROUTE_RULES_MAX));
	CHECK(n == 9, "%d rules listed, expected 9", n);
	/* most specific first: every rule is better than the next */
	for (i = 0; i + 1 < n; i++)
		CHECK(route_rule_better(&rules[i].key, &rules[i + 1].key) &&
		      !route_rule_better(&rules[i + 1].key, &rules[i].key),
		      "rule %d (0x%llx..0x%llx) listed before a better one", i,
		      rules[i].key.first, rules[i].key.last);
	/* exact conduit and immediate: R2 before R8 (HVC, any immediate) */
	CHECK(rules[0].key.conduit == SMC && rules[0].key.first == OEM64(0),
	      "the SMC rule is not listed first");
	CHECK(rules[1].key.conduit == HVC && rules[1].key.first == 0xc5000000,
	      "the HVC rule is not listed second");
	CHECK(rules[n - 1].key.imm == IANY, "the #any rule is not listed last");
	/* a short buffer gets the first ones, the count is all of them */
	n = OK(kvmtrap_rule_list(fd, rules, 1));
	CHECK(n == 9 && rules[0].key.first == OEM64(0),
	      "list with room for 1: %d, first 0x%llx", n, rules[0].key.first);

	r = rule(ANY, 0, OEM64(0), OEM64(0xffff), KVM_TRAP_HANDLED, 1);
	ERR(kvmtrap_rule_add(fd, &r), EEXIST);
	r = rule(ANY, 0, 2, 1, KVM_TRAP_DENY, 0);
	ERR(kvmtrap_rule_add(fd, &r), EINVAL);
	/* Conduit 3, POWER's PAPR hcalls, has rules too; 4 is no conduit. */
	r = rule(4, 0, 1, 2, KVM_TRAP_DENY, 0);
	ERR(kvmtrap_rule_add(fd, &r), EINVAL);
	r = rule(HVC, 0x10000, 1, 2, KVM_TRAP_DENY, 0);
	ERR(kvmtrap_rule_add(fd, &r), EINVAL);
	r = rule(HVC, 0, 1, 2, KVM_TRAP_NR_VERDICTS, 0);
	ERR(kvmtrap_rule_add(fd, &r), EINVAL);
	r = rule(HVC, 0, 1, 2, KVM_TRAP_DENY, 0);
	r.val.ret[3] = 1;
	ERR(kvmtrap_rule_add(fd, &r), EINVAL);
	r = rule(HVC, 0, 1, 2, KVM_TRAP_DENY, 0);
	ERR(kvmtrap_rule_del(fd, &r.key), ENOENT);

	/*
	 * Fill the table in one swap (the 9 rules and more up to the
	 * maximum): the next rule does not fit.
	 */
	n = OK(kvmtrap_rule_list(fd, rules, ROUTE_RULES_MAX));
	for (i = n; i < ROUTE_RULES_MAX; i++)
		rules[i] = rule(SMC, 0, i, i, KVM_TRAP_DENY, 0);
	OK(kvmtrap_rules_set(fd, rules, ROUTE_RULES_MAX));
	r = rule(SMC, 0, 5000, 5000, KVM_TRAP_DENY, 0);
	ERR(kvmtrap_rule_add(fd, &r), ENOSPC);
	ERR(kvmtrap_rules_set(fd, rules, ROUTE_RULES_MAX + 1), ENOSPC);
	n = OK(kvmtrap_rule_list(fd, rules, ROUTE_RULES_MAX + 1));
	CHECK(n == ROUTE_RULES_MAX, "%d rules, expected %d", n,
	      ROUTE_RULES_MAX);
	/* the policy finds any of them in the compiled table */
	TV(p, SMC, 0, ROUTE_RULES_MAX - 1, 0, KVM_TRAP_DENY);
	TV(p, SMC, 0, 9, 0, KVM_TRAP_DENY);
	TV(p, SMC, 0, 8, 0, KVM_TRAP_PASS);
	r = rule(SMC, 0, 9, 9, KVM_TRAP_DENY, 0);
	OK(kvmtrap_rule_del(fd, &r.key));
	TV(p, SMC, 0, 9, 0, KVM_TRAP_PASS);
	r = rule(SMC, 0, 5000, 5000, KVM_TRAP_DENY, 0);
	OK(kvmtrap_rule_add(fd, &r));
	TV(p, SMC, 0, 5000, 0, KVM_TRAP_DENY);
	kvmtrap_policy_close(p);
}

static void test_deny_unknown_run(void)
{
	struct kvmtrap_policy *p = pol_load("deny_unknown", NULL, NULL);

	TV(p, HVC, 0, OEM64(0x42), 0, KVM_TRAP_UNDEF);
	TV(p, SMC, 0, OEM32(0x42), 0, KVM_TRAP_UNDEF);
	TV(p, SMC, 0x42, 0, 0, KVM_TRAP_UNDEF);
	TV(p, HVC, 0xffff, ~0ull, T_AARCH32, KVM_TRAP_UNDEF);
	TV(p, HVC, 0, OEM64(0x42), T_QUERY, KVM_TRAP_UNDEF);
	kvmtrap_policy_close(p);

	p = pol_load("deny_unknown", "verdict=deny", NULL);
	TV(p, HVC, 0, OEM64(0x42), 0, KVM_TRAP_DENY);
	TV(p, SMC, 1, 0, 0, KVM_TRAP_DENY);
	kvmtrap_policy_close(p);

	/* a verdict that is not a refusal makes it pass everything */
	p = pol_load("deny_unknown", "verdict=handled", NULL);
	TV(p, HVC, 0, OEM64(0x42), 0, KVM_TRAP_PASS);
	kvmtrap_policy_close(p);

	p = pol_load("deny_unknown", "imm_only=true", NULL);
	TV(p, HVC, 0, OEM64(0x42), 0, KVM_TRAP_PASS);
	TV(p, HVC, 1, OEM64(0x42), 0, KVM_TRAP_UNDEF);
	kvmtrap_policy_close(p);
}

static void test_forward_vendor_run(void)
{
	struct kvmtrap_policy *p = pol_load("forward_vendor", NULL, NULL);

	/* SiP (2), OEM (3), vendor hypervisor (6), both widths, bounds */
	TV(p, SMC, 0, SIP64(0), 0, KVM_TRAP_FORWARD);
	TV(p, HVC, 0, SIP32(0xffff), 0, KVM_TRAP_FORWARD);
	TV(p, SMC, 0, OEM32(0x42), 0, KVM_TRAP_FORWARD);
	TV(p, HVC, 0, OEM64(0xffff), T_AARCH32, KVM_TRAP_FORWARD);
	TV(p, HVC, 0, VHYP64(0x10), 0, KVM_TRAP_FORWARD);
	/* the neighbours: owners 1, 4, 5, 7 and 63 are denied */
	TV(p, HVC, 0, SIP64(0) - 1, 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, 0xc4000000, 0, KVM_TRAP_DENY);
	TV(p, HVC, 0, 0x85000000, 0, KVM_TRAP_DENY);
	TV(p, SMC, 0, 0xc7000000, 0, KVM_TRAP_DENY);
	TV(p, SMC, 0, 0xff000001, 0, KVM_TRAP_DENY);
	TV(p, SMC, 0, 0xbf00ffff, 0, KVM_TRAP_DENY);
	/* not SMCCC: passed on, whatever x0 says */
	TV(p, HVC, 1, SIP64(1), 0, KVM_TRAP_PASS);
	TV(p, SMC, 0xffff, CPU64(1), 0, KVM_TRAP_PASS);
	kvmtrap_policy_close(p);

	p = pol_load("forward_vendor", "owners=0x2 other=pass conduit=2", NULL);
	TV(p, SMC, 0, CPU64(1), 0, KVM_TRAP_FORWARD);
	TV(p, SMC, 0, SIP64(1), 0, KVM_TRAP_PASS);
	TV(p, HVC, 0, CPU64(1), 0, KVM_TRAP_PASS);
	kvmtrap_policy_close(p);

	p = pol_load("forward_vendor", "owners=0x8000000000000000 verdict=undef",
		     NULL);
	TV(p, HVC, 0, 0xbf000000, 0, KVM_TRAP_UNDEF);
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_DENY);
	kvmtrap_policy_close(p);
}

static void test_hvc_imm_run(void)
{
	struct kvmtrap_policy *p = pol_load("hvc_imm", NULL, NULL);

	TV(p, HVC, 1, 0x1234, 0, KVM_TRAP_FORWARD);
	TV(p, HVC, 0xffff, ~0ull, 0, KVM_TRAP_FORWARD);
	TV(p, HVC, 0x42, 0, T_AARCH32, KVM_TRAP_FORWARD);
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_PASS);
	TV(p, SMC, 1, 0x1234, 0, KVM_TRAP_PASS);
	kvmtrap_policy_close(p);

	p = pol_load("hvc_imm", "smc=true imm_min=0x10 imm_max=0x42", NULL);
	TV(p, HVC, 0xf, 0, 0, KVM_TRAP_PASS);
	TV(p, HVC, 0x10, 0, 0, KVM_TRAP_FORWARD);
	TV(p, SMC, 0x42, 0, 0, KVM_TRAP_FORWARD);
	TV(p, SMC, 0x43, 0, 0, KVM_TRAP_PASS);
	TV(p, SMC, 0, OEM64(1), 0, KVM_TRAP_PASS);
	kvmtrap_policy_close(p);

	/* imm_min 0 does not make SMCCC calls "immediate" calls */
	p = pol_load("hvc_imm", "imm_min=0 verdict=deny", NULL);
	TV(p, HVC, 0, OEM64(1), 0, KVM_TRAP_PASS);
	TV(p, HVC, 7, OEM64(1), 0, KVM_TRAP_DENY);
	kvmtrap_policy_close(p);
}

/* ---- audit: events from the ring buffer ---------------------------------- */

struct events {
	int n;
	struct kvmtrap_event e[16];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;

	CHECK(size == sizeof(struct kvmtrap_event), "event of %zu bytes",
	      size);
	if (ev->n < 16)
		memcpy(&ev->e[ev->n], data, size);
	ev->n++;
	return 0;
}

static void read_events(struct kvmtrap_policy *p, struct events *ev)
{
	struct ring_buffer *rb;

	memset(ev, 0, sizeof(*ev));
	rb = ring_buffer__new(pol_map(p, KVMTRAP_EVENTS_MAP_NAME), on_event,
			      ev, NULL);
	CHECK(rb, "ring_buffer__new: %s", strerror(errno));
	OK(ring_buffer__consume(rb));
	ring_buffer__free(rb);
}

static void expect_event(const struct events *ev, int i, uint32_t conduit,
			 uint32_t imm, uint64_t func_id, uint32_t vcpu,
			 uint32_t flags, uint64_t arg0)
{
	const struct kvmtrap_event *e = &ev->e[i];

	CHECK(i < ev->n, "event %d missing, %d events", i, ev->n);
	CHECK(e->conduit == conduit && e->imm == imm && e->func_id == func_id &&
	      e->vcpu_id == vcpu && e->flags == flags &&
	      e->verdict == KVM_TRAP_PASS && e->args[0] == arg0 && e->time_ns,
	      "event %d: conduit %u imm 0x%x func 0x%llx vcpu %u flags 0x%x verdict %u x1 0x%llx time %llu, expected %u 0x%x 0x%lx %u 0x%x pass 0x%lx",
	      i, e->conduit, e->imm, e->func_id, e->vcpu_id, e->flags,
	      e->verdict, e->args[0], e->time_ns, conduit, imm, func_id, vcpu,
	      flags, arg0);
}

/* Count the test in as a reader of @p's events: it writes them from now on. */
static void join_readers(struct kvmtrap_policy *p)
{
	int n = kvmtrap_readers_add(pol_map(p, KVMTRAP_READERS_MAP_NAME), 1);

	CHECK(n == 1, "kvmtrap_readers_add: %d, expected 1 reader", n);
}

static uint64_t audit_count(struct kvmtrap_policy *p, uint32_t slot)
{
	uint64_t n;

	OK(bpf_map_lookup_elem(pol_map(p, AUDIT_COUNTS_MAP_NAME), &slot, &n));
	return n;
}

static void test_audit_run(void)
{
	struct kvmtrap_policy *p = pol_load("audit", NULL, NULL);
	struct kvm_trap_ctx ctx;
	struct events ev;

	join_readers(p);
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	tv_(p, SMC, 0x42, 0x5, 0, 3, KVM_TRAP_PASS);
	tv_(p, HVC, 0, SIP32(2), T_AARCH32, AUDIT_MAX_VCPUS + 3,
	    KVM_TRAP_PASS);
	/* a query: passed, neither streamed nor counted */
	tv_(p, HVC, 0, OEM64(9), T_QUERY, 0, KVM_TRAP_PASS);
	read_events(p, &ev);
	CHECK(ev.n == 3, "%d events, expected 3", ev.n);
	expect_event(&ev, 0, HVC, 0, OEM64(1), 0, 0, KT_ARG(1));
	expect_event(&ev, 1, SMC, 0x42, 0x5, 3, 0, KT_ARG(1));
	expect_event(&ev, 2, HVC, 0, SIP32(2), AUDIT_MAX_VCPUS + 3,
		     KVM_TRAP_F_AARCH32 | KVM_TRAP_F_SMC32,
		     (uint32_t)KT_ARG(1));
	CHECK(ev.e[0].time_ns <= ev.e[1].time_ns &&
	      ev.e[1].time_ns <= ev.e[2].time_ns, "event times go backwards");
	CHECK(audit_count(p, 0) == 1 && audit_count(p, 3) == 2,
	      "audit_counts[0] %lu [3] %lu, expected 1 and 2 (vcpu 3 and %d share slot 3)",
	      audit_count(p, 0), audit_count(p, 3), AUDIT_MAX_VCPUS + 3);
	kvmtrap_policy_close(p);

	p = pol_load("audit", "func_first=0xc3000000 func_last=0xc3000001",
		     NULL);
	join_readers(p);
	trun(p, HVC, 0, OEM64(0) - 1, 0, 0, &ctx);
	trun(p, HVC, 0, OEM64(0), 0, 0, &ctx);
	trun(p, HVC, 0, OEM64(1), 0, 0, &ctx);
	trun(p, HVC, 0, OEM64(2), 0, 0, &ctx);
	read_events(p, &ev);
	CHECK(ev.n == 2 && audit_count(p, 0) == 2,
	      "%d events, %lu counted, expected 2 in the range", ev.n,
	      audit_count(p, 0));
	kvmtrap_policy_close(p);
}

/* ---- ratelimit ------------------------------------------------------------ */

static struct ratelimit_count rl_count(struct kvmtrap_policy *p,
				       uint32_t slot)
{
	struct ratelimit_count c;

	OK(bpf_map_lookup_elem(pol_map(p, RATELIMIT_COUNTS_MAP_NAME), &slot,
			       &c));
	return c;
}

#define EXPECT_RL(p, slot, pa, li) do {					\
	struct ratelimit_count __c = rl_count(p, slot);			\
									\
	CHECK(__c.passed == (pa) && __c.limited == (li),		\
	      "rl_counts[%u] passed %llu limited %llu, expected %u %u",	\
	      slot, __c.passed, __c.limited, pa, li);			\
} while (0)

static void test_ratelimit_run(void)
{
	struct kvmtrap_policy *p;
	int i;

	/* per vCPU: a burst of 3, no refill */
	p = pol_load("ratelimit", "vcpu_burst=3 vcpu_rate=0", NULL);
	/* queries take no token */
	for (i = 0; i < 5; i++)
		tv_(p, HVC, 0, OEM64(1), T_QUERY, 0, KVM_TRAP_PASS);
	for (i = 0; i < 3; i++)
		tv_(p, HVC, 0, OEM64(i), 0, 0, KVM_TRAP_PASS);
	tv_(p, SMC, 0x42, 0, 0, 0, KVM_TRAP_DENY);
	tv_(p, HVC, 0, OEM64(1), T_QUERY, 0, KVM_TRAP_DENY);
	/* another vCPU has its own bucket; vcpu 64 shares vcpu 0's */
	tv_(p, HVC, 0, OEM64(1), 0, 1, KVM_TRAP_PASS);
	tv_(p, HVC, 0, OEM64(1), 0, RATELIMIT_MAX_VCPUS, KVM_TRAP_DENY);
	EXPECT_RL(p, 0, 3, 2);
	EXPECT_RL(p, 1, 1, 0);
	EXPECT_RL(p, RATELIMIT_VM_SLOT, 4, 2);
	kvmtrap_policy_close(p);

	/* per VM: 4 calls across vCPUs, then every vCPU is limited */
	p = pol_load("ratelimit", "vcpu_burst=0 vm_burst=4 verdict=undef",
		     NULL);
	for (i = 0; i < 4; i++)
		tv_(p, HVC, 0, OEM64(1), 0, i, KVM_TRAP_PASS);
	for (i = 0; i < 4; i++)
		tv_(p, HVC, 0, OEM64(1), 0, i, KVM_TRAP_UNDEF);
	EXPECT_RL(p, RATELIMIT_VM_SLOT, 4, 4);
	kvmtrap_policy_close(p);

	/* both: the VM's refusal gives the vCPU its token back */
	p = pol_load("ratelimit",
		     "vcpu_burst=2 vcpu_rate=0 vm_burst=3 vm_rate=0", NULL);
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_DENY);	/* vCPU 0 empty */
	tv_(p, HVC, 0, OEM64(1), 0, 1, KVM_TRAP_PASS);	/* VM now empty */
	tv_(p, HVC, 0, OEM64(1), 0, 1, KVM_TRAP_DENY);	/* by the VM */
	tv_(p, HVC, 0, OEM64(1), 0, 1, KVM_TRAP_DENY);
	EXPECT_RL(p, 0, 2, 1);
	EXPECT_RL(p, 1, 1, 2);
	EXPECT_RL(p, RATELIMIT_VM_SLOT, 3, 3);
	kvmtrap_policy_close(p);

	/* only the configured range is limited (and counted) */
	p = pol_load("ratelimit",
		     "vcpu_burst=1 vcpu_rate=0 func_first=0xc3000000 func_last=0xc3000000",
		     NULL);
	tv_(p, HVC, 0, OEM64(0), 0, 0, KVM_TRAP_PASS);
	tv_(p, HVC, 0, OEM64(0), 0, 0, KVM_TRAP_DENY);
	for (i = 0; i < 3; i++)
		tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	EXPECT_RL(p, 0, 1, 1);
	kvmtrap_policy_close(p);

	/*
	 * A burst whose size in nanoseconds of refill (2^55 * 10^9) does not
	 * fit 64 bits is no limit, not an empty bucket (it wrapped to 0).
	 */
	p = pol_load("ratelimit",
		     "vcpu_burst=0x80000000000000 vcpu_rate=1 vm_burst=0x80000000000000 vm_rate=1",
		     NULL);
	for (i = 0; i < 3; i++)
		tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	EXPECT_RL(p, 0, 3, 0);
	kvmtrap_policy_close(p);
}

/* Tokens come back at the rate: 10 per second, one every 100 ms. */
static void test_ratelimit_refill(void)
{
	struct kvmtrap_policy *p;

	p = pol_load("ratelimit", "vcpu_burst=1 vcpu_rate=10", NULL);
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_DENY);
	usleep(250 * 1000);
	/* one token back, not more: the bucket holds vcpu_burst */
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_DENY);
	EXPECT_RL(p, 0, 2, 2);
	kvmtrap_policy_close(p);
}

static void test_handled_in_bpf_run(void)
{
	struct kvmtrap_policy *p = pol_load("handled_in_bpf", NULL, NULL);
	struct kvmtrap_handled_entry ent;
	__u32 slot = 3;		/* the UID (2), over SMC (+1) */

	TH(p, HVC, 0, SIP32(0xff00), 0, 3, 0, 0, 0);
	TH(p, SMC, 0, SIP32(0xff01), 0, UID0, UID1, UID2, UID3);
	TH(p, SMC, 0, SIP32(0xff01), T_AARCH32, UID0, UID1, UID2, UID3);
	TH(p, HVC, 0, SIP32(0xff03), 0, 1, 0, 0, 0);
	/* the SMC64 IDs, the neighbours, an immediate, another owner */
	TV(p, HVC, 0, SIP64(0xff00), 0, KVM_TRAP_PASS);
	TV(p, SMC, 0, SIP64(0xff01), 0, KVM_TRAP_PASS);
	TV(p, HVC, 0, SIP32(0xff02), 0, KVM_TRAP_PASS);
	TV(p, HVC, 0, SIP32(0xff04), 0, KVM_TRAP_PASS);
	TV(p, HVC, 1, SIP32(0xff00), 0, KVM_TRAP_PASS);
	TV(p, HVC, 0, OEM32(0xff00), 0, KVM_TRAP_PASS);
	/* answered for a query too, but not counted */
	TH(p, SMC, 0, SIP32(0xff01), T_QUERY, UID0, UID1, UID2, UID3);
	/* counted in place, in its slot, as a handled-list entry */
	OK(bpf_map_lookup_elem(pol_map(p, KVMTRAP_HANDLED_COUNTS_MAP_NAME),
			       &slot, &ent));
	CHECK(ent.val.hits == 2 && ent.val.route == KVMTRAP_ROUTE_BPF &&
	      ent.val.owner == KVMTRAP_OWNER_POLICY && ent.key.conduit == SMC &&
	      ent.key.first == SIP32(0xff01) && ent.key.last == SIP32(0xff01),
	      "counted slot: hits %llu route %u owner %u conduit %u 0x%llx, expected 2 bpf policy SMC UID",
	      ent.val.hits, ent.val.route, ent.val.owner, ent.key.conduit,
	      ent.key.first);
	kvmtrap_policy_close(p);

	p = pol_load("handled_in_bpf",
		     "owner=3 count=9 uid0=1 uid1=2 uid2=3 uid3=0xffffffff major=2 minor=7 conduit=1",
		     NULL);
	TH(p, HVC, 0, OEM32(0xff00), 0, 9, 0, 0, 0);
	TH(p, HVC, 0, OEM32(0xff01), 0, 1, 2, 3, 0xffffffff);
	TH(p, HVC, 0, OEM32(0xff03), 0, 2, 7, 0, 0);
	TV(p, SMC, 0, OEM32(0xff03), 0, KVM_TRAP_PASS);
	TV(p, HVC, 0, SIP32(0xff03), 0, KVM_TRAP_PASS);
	kvmtrap_policy_close(p);
}

/* ---- In a VM -------------------------------------------------------------- */

struct venv {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu[2];
	struct kvmtrap_vm *kvm;
	struct kvmtrap_policy *pol[4];
	int link[4];
	int n;
};

static void venv_init(struct venv *e, unsigned int nr_vcpus)
{
	memset(e, 0, sizeof(*e));
	e->vm = kt_create_vm_n(nr_vcpus, e->vcpu, guest_main);
	OK(kvmtrap_vm_open(e->vm->fd, &e->kvm));
}

/* Load @name for the VM and link it after the VM's other links. */
static struct kvmtrap_policy *venv_attach(struct venv *e, const char *name,
					  const char *sets)
{
	struct kvmtrap_policy *p = pol_load(name, sets, e->kvm);

	e->link[e->n] = OK(kvmtrap_policy_attach(p, e->kvm));
	e->pol[e->n++] = p;
	return p;
}

static uint32_t venv_link_id(struct venv *e, int i)
{
	struct kvmtrap_link_info li;

	OK(kvmtrap_link_info(e->link[i], &li));
	return li.link_id;
}

static void venv_free(struct venv *e)
{
	char name[KVMTRAP_VM_NAME_LEN];
	int i;

	snprintf(name, sizeof(name), "%s", kvmtrap_vm_name(e->kvm));
	for (i = 0; i < e->n; i++) {
		close(e->link[i]);
		kvmtrap_policy_close(e->pol[i]);
	}
	kvmtrap_vm_close(e->kvm);
	kvm_vm_free(e->vm);
	/* the handled-call list pinned by the loads */
	OK(kvmtrap_vm_cleanup(name));
}

/* The guest makes the call and the kernel answers it: x0..x3 = @w. */
static void vret(struct kvm_vcpu *vcpu, uint32_t conduit, uint32_t imm,
		 uint64_t x0, uint64_t w0, uint64_t w1, uint64_t w2,
		 uint64_t w3)
{
	struct kt_call c = kt_imm_call(conduit, imm, x0);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	kt_assert_ret(&c, &r, w0, w1, w2, w3);
}

/* The guest takes an undefined-instruction exception at the call. */
static void vundef(struct kvm_vcpu *vcpu, uint32_t conduit, uint32_t imm,
		   uint64_t x0)
{
	struct kt_call c = kt_imm_call(conduit, imm, x0);
	struct kt_regs r;
	int i;

	kt_run_call(vcpu, &c, &r);
	CHECK(r.undef_count == 1 && r.undef_elr == r.pc &&
	      !(r.undef_esr >> 26 & 0x3f),
	      "%s #0x%x x0 0x%lx: %lu exceptions, ELR 0x%lx ESR 0x%lx, expected one EC 0 at 0x%lx",
	      kt_conduit_str(conduit), imm, x0, r.undef_count, r.undef_elr,
	      r.undef_esr, r.pc);
	for (i = 0; i < 8; i++)
		CHECK(r.x[i] == c.x[i], "x%d changed by an UNDEF", i);
}

/*
 * The call exits to the VMM (KVM_EXIT_HYPERCALL from a program) with @nr;
 * the VMM answers @a0..@a3 through RET_REGS and the guest sees @w0..@w3.
 */
static void vforward(struct kvm_vcpu *vcpu, uint32_t conduit, uint32_t imm,
		     uint64_t x0, uint64_t nr, const uint64_t a[4],
		     const uint64_t w[4])
{
	struct kt_call c = kt_imm_call(conduit, imm, x0);
	struct kvm_run *run = vcpu->run;
	uint64_t want_flags = KVM_HYPERCALL_EXIT_BPF;
	struct kt_regs r;

	if (conduit == SMC)
		want_flags |= KVM_HYPERCALL_EXIT_SMC;
	if (imm)
		want_flags |= KVM_HYPERCALL_EXIT_IMM;
	kt_start(vcpu, &c);
	kt_assert_hypercall_exit(vcpu);
	CHECK(run->hypercall.nr == nr && run->hypercall.flags == want_flags &&
	      run->hypercall.imm == imm && run->hypercall.args[0] ==
	      (nr == (uint32_t)nr && !imm && !(nr & (1u << 30)) ?
	       (uint32_t)KT_ARG(1) : KT_ARG(1)),
	      "%s #0x%x x0 0x%lx: exit nr 0x%llx flags 0x%llx imm 0x%x args[0] 0x%llx, expected nr 0x%lx flags 0x%lx",
	      kt_conduit_str(conduit), imm, x0, run->hypercall.nr,
	      run->hypercall.flags, run->hypercall.imm,
	      run->hypercall.args[0], nr, want_flags);
	run->hypercall.flags |= KVM_HYPERCALL_EXIT_RET_REGS;
	memcpy(run->hypercall.ret_regs, a, 4 * sizeof(*a));
	kt_finish(vcpu, &r);
	kt_assert_ret(&c, &r, w[0], w[1], w[2], w[3]);
}

/* The entry of the VM's handled-call list for one call, which must exist. */
static struct kvmtrap_handled_val handled_entry(struct venv *e,
						uint32_t conduit, uint32_t imm,
						uint64_t func)
{
	struct kvmtrap_handled_entry ent[256];
	int n = OK(kvmtrap_handled_read(kvmtrap_vm_name(e->kvm), ent, 256));
	int i;

	for (i = 0; i < n && i < 256; i++)
		if (ent[i].key.conduit == conduit && ent[i].key.imm == imm &&
		    ent[i].key.first == func && ent[i].key.last == func)
			return ent[i].val;
	CHECK(0, "no handled-call list entry for %s #0x%x 0x%lx",
	      kt_conduit_str(conduit), imm, func);
	return (struct kvmtrap_handled_val){};
}

/*
 * The entry of the VM's handled-call list for route_table's rule of
 * (@conduit, @imm, @first..@last): the policy counts in its rules, and the
 * list gets its HANDLED rules when it is read.
 */
static struct kvmtrap_handled_val handled_rule(struct venv *e, uint32_t conduit,
					       uint32_t imm, uint64_t first,
					       uint64_t last)
{
	struct kvmtrap_handled_entry ent[256];
	int n = OK(kvmtrap_handled_read(kvmtrap_vm_name(e->kvm), ent, 256));
	int i;

	for (i = 0; i < n && i < 256; i++)
		if (ent[i].key.conduit == conduit && ent[i].key.imm == imm &&
		    ent[i].key.first == first && ent[i].key.last == last)
			return ent[i].val;
	CHECK(0, "no handled-call list entry for rule %u #0x%x 0x%lx..0x%lx",
	      conduit, imm, first, last);
	return (struct kvmtrap_handled_val){};
}

static struct kvm_trap_query vquery(struct venv *e, uint32_t conduit,
				    uint32_t imm, uint64_t x0, uint32_t vcpu)
{
	struct kvm_trap_query q = { .conduit = conduit, .imm = imm,
				    .vcpu_id = vcpu, .regs = { x0 } };

	OK(kvmtrap_query(e->kvm, &q));
	return q;
}

static void test_route_table_vm(void)
{
	static const uint64_t a[4] = { 0x55, 0x66, 0x77, 0x88 };
	struct kvmtrap_handled_val hv;
	struct kvm_trap_query q;
	struct kvmtrap_policy *p;
	struct route_rule r;
	struct venv e;
	int fd;

	venv_init(&e, 1);
	kt_accept_forwards(e.vm);
	p = venv_attach(&e, "route_table", NULL);
	fd = OK(kvmtrap_policy_rules_fd(p));
	add_rule(fd, rule(ANY, 0, OEM64(0), OEM64(0xffff), KVM_TRAP_DENY, 0));
	add_rule(fd, rule(SMC, 0, OEM64(0), OEM64(0xffff), KVM_TRAP_FORWARD, 0));
	r = rule(ANY, 0, OEM64(0x40), OEM64(0x4f), KVM_TRAP_HANDLED, 0);
	r.val.ret[0] = 0xa0a0a0a000000001ull;
	add_rule(fd, r);
	add_rule(fd, rule(ANY, IANY, OEM32(0), OEM32(0xffff), KVM_TRAP_UNDEF, 0));
	add_rule(fd, rule(ANY, 0x42, OEM32(0), OEM32(0xffff), KVM_TRAP_HANDLED,
			  0x100000005ull));
	add_rule(fd, rule(ANY, 0, SIP32(0), SIP32(0xffff), KVM_TRAP_HANDLED,
			  0xffffffff00000009ull));

	vret(e.vcpu[0], HVC, 0, OEM64(0x42), 0xa0a0a0a000000001ull, 1, 2, 3);
	vret(e.vcpu[0], HVC, 0, OEM64(1), NS, 0, 0, 0);
	vforward(e.vcpu[0], SMC, 0, OEM64(1), OEM64(1), a, a);
	vundef(e.vcpu[0], SMC, 0, OEM32(5));
	/* an immediate call is 64-bit: nothing narrowed */
	vret(e.vcpu[0], HVC, 0x42, OEM32(5), 0x100000005ull, 0x100000006ull,
	     0x100000007ull, 0x100000008ull);
	vundef(e.vcpu[0], HVC, 1, OEM32(5));
	/* an SMC32 call gets 32 bits of the rule's values */
	vret(e.vcpu[0], HVC, 0, SIP32(7), 9, 0xa, 0xb, 0xc);
	/* no rule: KVM's default */
	vret(e.vcpu[0], HVC, 0, OEM64(0x10000), NS, 0, 0, 0);
	kt_assert_stats(e.vm, 1, 3, 1, 1, 2, 0);

	/* The HANDLED rules are the list's entries, with their hits. */
	hv = handled_rule(&e, ANY, 0, OEM64(0x40), OEM64(0x4f));
	CHECK(hv.hits == 1 && hv.owner == KVMTRAP_OWNER_POLICY &&
	      hv.route == KVMTRAP_ROUTE_BPF,
	      "handled entry hits %llu owner %u route %u", hv.hits, hv.owner,
	      hv.route);
	hv = handled_rule(&e, ANY, 0x42, OEM32(0), OEM32(0xffff));
	CHECK(hv.hits == 1, "handled entry of HVC #0x42 hits %llu", hv.hits);
	hv = handled_rule(&e, ANY, 0, SIP32(0), SIP32(0xffff));
	CHECK(hv.hits == 1, "handled entry of the SiP range hits %llu", hv.hits);

	/* KVM_TRAP_QUERY sees the same rules, and counts no hit */
	q = vquery(&e, HVC, 0, OEM64(0x42), 0);
	CHECK(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_HANDLED &&
	      q.link_id == venv_link_id(&e, 0) &&
	      q.ret[0] == 0xa0a0a0a000000001ull,
	      "query: stage %u verdict %u link %u ret 0x%llx", q.stage,
	      q.verdict, q.link_id, q.ret[0]);
	hv = handled_rule(&e, ANY, 0, OEM64(0x40), OEM64(0x4f));
	CHECK(hv.hits == 1, "a query counted in the handled list");
	r = rule(ANY, 0, OEM64(0x40), OEM64(0x4f), 0, 0);
	CHECK(rule_hits(fd, r.key) == 1, "a query counted as a rule hit");

	/* a rule deleted while the VM runs: the next call sees it gone */
	OK(kvmtrap_rule_del(fd, &r.key));
	vret(e.vcpu[0], HVC, 0, OEM64(0x42), NS, 0, 0, 0);
	venv_free(&e);
}

static void test_deny_unknown_vm(void)
{
	struct kt_call c = kt_smccc(HVC, PSCI_VERSION_ID);
	struct kt_regs r;
	struct venv e;

	venv_init(&e, 1);
	venv_attach(&e, "deny_unknown", NULL);
	vundef(e.vcpu[0], HVC, 0, OEM64(0x42));
	vundef(e.vcpu[0], SMC, 0, OEM32(0x42));
	vundef(e.vcpu[0], SMC, 0x42, 0);
	vundef(e.vcpu[0], HVC, 0xffff, ~0ull);
	/* native calls never reach it */
	kt_run_call(e.vcpu[0], &c, &r);
	CHECK(!r.undef_count && r.x[0] != NS && r.x[0] >> 16 == 1,
	      "PSCI_VERSION: x0 0x%lx, %lu exceptions", r.x[0], r.undef_count);
	kt_assert_stats(e.vm, 0, 0, 0, 0, 4, 0);
	venv_free(&e);

	venv_init(&e, 1);
	venv_attach(&e, "deny_unknown", "verdict=deny");
	vret(e.vcpu[0], HVC, 0, OEM64(0x42), NS, 0, 0, 0);
	vret(e.vcpu[0], SMC, 0, OEM32(0x42), NS, 0, 0, 0);
	kt_assert_stats(e.vm, 0, 0, 0, 2, 0, 0);
	venv_free(&e);
}

static void test_forward_vendor_vm(void)
{
	static const uint64_t a[4] = { 0x100000001ull, 0x100000002ull,
				       0x100000003ull, 0x100000004ull };
	static const uint64_t w32[4] = { 1, 2, 3, 4 };
	struct kt_call c = kt_smccc(SMC, PSCI_VERSION_ID);
	struct kt_regs r;
	struct venv e;

	venv_init(&e, 1);
	kt_accept_forwards(e.vm);
	venv_attach(&e, "forward_vendor", NULL);
	vforward(e.vcpu[0], SMC, 0, SIP64(1), SIP64(1), a, a);
	/* an SMC32 caller gets 32 bits of the VMM's answer */
	vforward(e.vcpu[0], HVC, 0, OEM32(0xff00), OEM32(0xff00), a, w32);
	vforward(e.vcpu[0], HVC, 0, VHYP64(0x10), VHYP64(0x10), a, a);
	vret(e.vcpu[0], HVC, 0, CPU64(1), NS, 0, 0, 0);
	vret(e.vcpu[0], SMC, 0, 0xc7000000, NS, 0, 0, 0);
	kt_run_call(e.vcpu[0], &c, &r);
	CHECK(!r.undef_count && r.x[0] != NS,
	      "PSCI_VERSION over SMC: x0 0x%lx", r.x[0]);
	kt_assert_stats(e.vm, 0, 0, 3, 2, 0, 0);
	venv_free(&e);
}

/*
 * forward_vendor linked by a third party to a VMM that never asked for
 * forwards: the guest gets NOT_SUPPORTED and no exit reaches the VMM (the
 * call's report is its first exit), until the VMM opts in.
 */
static void test_forward_vendor_refused_until_opt_in(void)
{
	static const uint64_t a[4] = { 0x100000001ull, 0x100000002ull,
				       0x100000003ull, 0x100000004ull };
	struct venv e;

	venv_init(&e, 1);
	venv_attach(&e, "forward_vendor", NULL);
	vret(e.vcpu[0], SMC, 0, SIP64(1), NS, 0, 0, 0);
	vret(e.vcpu[0], HVC, 0, VHYP64(0x10), NS, 0, 0, 0);
	kt_assert_stats(e.vm, 0, 0, 2, 0, 0, 2);

	kt_accept_forwards(e.vm);
	vforward(e.vcpu[0], SMC, 0, SIP64(1), SIP64(1), a, a);
	kt_assert_stats(e.vm, 0, 0, 3, 0, 0, 2);
	venv_free(&e);
}

static void test_hvc_imm_vm(void)
{
	static const uint64_t a[4] = { 0xdead, 1, 2, 0xffffffffffffffffull };
	struct venv e;

	venv_init(&e, 1);
	kt_accept_forwards(e.vm);
	venv_attach(&e, "hvc_imm", NULL);
	vforward(e.vcpu[0], HVC, 0x42, 0x1234, 0x1234, a, a);
	vforward(e.vcpu[0], HVC, 0xffff, 0xfedcba9876543210ull,
		 0xfedcba9876543210ull, a, a);
	vforward(e.vcpu[0], HVC, 1, 0, 0, a, a);
	/* SMCCC calls and SMC #imm are passed on: KVM's defaults */
	vret(e.vcpu[0], HVC, 0, OEM64(0x42), NS, 0, 0, 0);
	vret(e.vcpu[0], SMC, 0x42, OEM64(0x42), ~0ull, KT_ARG(1), KT_ARG(2),
	     KT_ARG(3));
	kt_assert_stats(e.vm, 2, 0, 3, 0, 0, 0);
	venv_free(&e);

	venv_init(&e, 1);
	venv_attach(&e, "hvc_imm", "smc=true verdict=deny");
	vret(e.vcpu[0], SMC, 0x42, OEM64(0x42), NS, 0, 0, 0);
	vret(e.vcpu[0], HVC, 1, 0, NS, 0, 0, 0);
	kt_assert_stats(e.vm, 0, 0, 0, 2, 0, 0);
	venv_free(&e);
}

/*
 * Events cost only while someone reads them: with no reader audit writes
 * none (its counters still count), with one it writes each call's, and
 * once the reader has left none again.
 */
static void test_events_need_a_reader(void)
{
	struct kvmtrap_policy *p = pol_load("audit", NULL, NULL);
	int fd = pol_map(p, KVMTRAP_READERS_MAP_NAME);
	struct events ev;

	tv_(p, HVC, 0, OEM64(1), 0, 0, KVM_TRAP_PASS);
	read_events(p, &ev);
	CHECK(ev.n == 0, "%d events without a reader", ev.n);
	CHECK(audit_count(p, 0) == 1, "audit counted %lu calls",
	      audit_count(p, 0));
	CHECK(kvmtrap_readers_add(fd, 1) == 1, "first reader");
	CHECK(kvmtrap_readers_add(fd, 1) == 2, "second reader");
	tv_(p, HVC, 0, OEM64(2), 0, 0, KVM_TRAP_PASS);
	read_events(p, &ev);
	CHECK(ev.n == 1, "%d events with two readers, expected 1", ev.n);
	expect_event(&ev, 0, HVC, 0, OEM64(2), 0, 0, KT_ARG(1));
	CHECK(kvmtrap_readers_add(fd, -1) == 1, "a reader left");
	CHECK(kvmtrap_readers_add(fd, -1) == 0, "the last reader left");
	tv_(p, HVC, 0, OEM64(3), 0, 0, KVM_TRAP_PASS);
	read_events(p, &ev);
	CHECK(ev.n == 0, "%d events after the readers left", ev.n);
	/* Not a readers map: refused. */
	CHECK(kvmtrap_readers_add(pol_map(p, KVMTRAP_EVENTS_MAP_NAME), 1) == -EINVAL,
	      "kvmtrap_readers_add on the ring buffer");
	kvmtrap_policy_close(p);
}

static void test_audit_vm(void)
{
	struct kvmtrap_policy *p;
	struct kvm_trap_query q;
	struct events ev;
	struct venv e;

	venv_init(&e, 2);
	p = venv_attach(&e, "audit", NULL);
	join_readers(p);
	vret(e.vcpu[0], HVC, 0, OEM64(1), NS, 0, 0, 0);
	vret(e.vcpu[1], SMC, 0x42, 0x5, ~0ull, KT_ARG(1), KT_ARG(2), KT_ARG(3));
	vret(e.vcpu[0], HVC, 0, SIP32(2), NS, 0, 0, 0);
	/* a query passes through it without a trace */
	q = vquery(&e, HVC, 0, OEM64(9), 1);
	CHECK(q.stage == KVM_TRAP_STAGE_DEFAULT, "query: stage %u", q.stage);
	read_events(p, &ev);
	CHECK(ev.n == 3, "%d events, expected 3", ev.n);
	expect_event(&ev, 0, HVC, 0, OEM64(1), 0, 0, KT_ARG(1));
	expect_event(&ev, 1, SMC, 0x42, 0x5, 1, 0, KT_ARG(1));
	expect_event(&ev, 2, HVC, 0, SIP32(2), 0, KVM_TRAP_F_SMC32,
		     (uint32_t)KT_ARG(1));
	CHECK(audit_count(p, 0) == 2 && audit_count(p, 1) == 1,
	      "audit_counts %lu %lu, expected 2 1", audit_count(p, 0),
	      audit_count(p, 1));
	kt_assert_stats(e.vm, 3, 0, 0, 0, 0, 0);
	venv_free(&e);
}

/*
 * ratelimit chained before handled_in_bpf: within the rate the call goes
 * on to be answered in the kernel, over it the guest gets NOT_SUPPORTED.
 */
static void test_ratelimit_vm(void)
{
	struct kvm_trap_query q;
	struct kvmtrap_policy *p;
	struct venv e;

	venv_init(&e, 2);
	p = venv_attach(&e, "ratelimit",
			"vcpu_burst=2 vcpu_rate=0 vm_burst=3 vm_rate=0");
	venv_attach(&e, "handled_in_bpf", NULL);

	vret(e.vcpu[0], HVC, 0, SIP32(0xff00), 3, 0, 0, 0);
	/* a query takes no token, and names the link that would answer */
	q = vquery(&e, HVC, 0, SIP32(0xff00), 0);
	CHECK(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_HANDLED &&
	      q.link_id == venv_link_id(&e, 1) && q.ret[0] == 3,
	      "query: stage %u verdict %u link %u", q.stage, q.verdict,
	      q.link_id);
	vret(e.vcpu[0], HVC, 0, SIP32(0xff00), 3, 0, 0, 0);
	vret(e.vcpu[0], HVC, 0, SIP32(0xff00), NS, 0, 0, 0);	/* vCPU 0 */
	q = vquery(&e, HVC, 0, SIP32(0xff00), 0);
	CHECK(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_DENY &&
	      q.link_id == venv_link_id(&e, 0),
	      "query over the rate: stage %u verdict %u link %u", q.stage,
	      q.verdict, q.link_id);
	vret(e.vcpu[1], SMC, 0, SIP32(0xff01), UID0, UID1, UID2, UID3);
	vret(e.vcpu[1], SMC, 0, SIP32(0xff01), NS, 0, 0, 0);	/* the VM */
	EXPECT_RL(p, 0, 2, 1);
	EXPECT_RL(p, 1, 1, 1);
	EXPECT_RL(p, RATELIMIT_VM_SLOT, 3, 2);
	kt_assert_stats(e.vm, 0, 3, 0, 2, 0, 0);
	venv_free(&e);
}

static void test_handled_in_bpf_vm(void)
{
	struct kvmtrap_handled_val hv;
	struct kvm_trap_query q;
	struct venv e;

	venv_init(&e, 1);
	venv_attach(&e, "handled_in_bpf", NULL);
	vret(e.vcpu[0], SMC, 0, SIP32(0xff01), UID0, UID1, UID2, UID3);
	vret(e.vcpu[0], HVC, 0, SIP32(0xff01), UID0, UID1, UID2, UID3);
	vret(e.vcpu[0], HVC, 0, SIP32(0xff00), 3, 0, 0, 0);
	vret(e.vcpu[0], HVC, 0, SIP32(0xff03), 1, 0, 0, 0);
	vret(e.vcpu[0], HVC, 0, SIP64(0xff00), NS, 0, 0, 0);
	q = vquery(&e, SMC, 0, SIP32(0xff01), 0);
	CHECK(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_HANDLED &&
	      (q.out_flags & KVM_TRAP_QUERY_RET) && q.ret[0] == UID0 &&
	      q.ret[3] == UID3, "query: stage %u verdict %u ret 0x%llx",
	      q.stage, q.verdict, q.ret[0]);
	hv = handled_entry(&e, SMC, 0, SIP32(0xff01));
	CHECK(hv.hits == 1 && hv.route == KVMTRAP_ROUTE_BPF &&
	      hv.owner == KVMTRAP_OWNER_POLICY,
	      "handled entry SMC Call UID: hits %llu route %u owner %u",
	      hv.hits, hv.route, hv.owner);
	hv = handled_entry(&e, HVC, 0, SIP32(0xff00));
	CHECK(hv.hits == 1, "handled entry HVC Call Count: hits %llu",
	      hv.hits);
	kt_assert_stats(e.vm, 1, 4, 0, 0, 0, 0);
	venv_free(&e);

	venv_init(&e, 1);
	venv_attach(&e, "handled_in_bpf",
		    "owner=3 uid0=0xaaaa uid1=0xbbbb uid2=0xcccc uid3=0xdddd major=2 minor=7");
	vret(e.vcpu[0], HVC, 0, OEM32(0xff01), 0xaaaa, 0xbbbb, 0xcccc, 0xdddd);
	vret(e.vcpu[0], SMC, 0, OEM32(0xff03), 2, 7, 0, 0);
	vret(e.vcpu[0], SMC, 0, SIP32(0xff03), NS, 0, 0, 0);
	venv_free(&e);
}

/* ---- kvmtrap rule ----------------------------------------------------------- */

/* "kvmtrap attach route_table.bpf.o" to our VM: the link ID. */
static uint32_t cli_attach_route_table(void)
{
	struct run r;
	struct jv *j;

	run(&r, "kvmtrap attach " POLICY_DIR "/route_table.bpf.o --vm %d --json",
	    getpid());
	j = run_json(&r);
	return ju64(j, "link_id");
}

/* One member of "rule list --json" is the rule described. */
static void jexpect_rule(const struct jv *rules, int i, const char *conduit,
			 int64_t imm, uint64_t first, uint64_t last,
			 const char *verdict, const uint64_t ret[4],
			 uint64_t hits)
{
	static const uint64_t zero[4];
	struct jv *o = jat(rules, i);

	jkeys(o, "conduit,imm,first,last,verdict,ret,hits");
	jexpect_str(o, "conduit", conduit);
	if (imm < 0)
		jexpect_null(o, "imm");
	else
		jexpect_u64(o, "imm", imm);
	jexpect_u64(o, "first", first);
	jexpect_u64(o, "last", last);
	jexpect_str(o, "verdict", verdict);
	jexpect_u64s(o, "ret", ret ? ret : zero, 4);
	jexpect_u64(o, "hits", hits);
}

static void test_rule_cli(void)
{
	static const uint64_t ret1234[4] = { 1, 2, 3, 4 };
	static const uint64_t ret42[4] = { 0x42 };
	static const uint64_t a[4] = { 7, 8, 9, 10 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct jv *j, *rules;
	uint32_t link;
	pid_t pid = getpid();
	struct run r;
	int i;

	vm = kt_create_vm(&vcpu);
	kt_accept_forwards(vm);	/* route_table may forward: we take them */
	link = cli_attach_route_table();

	run(&r, "kvmtrap rule list --vm %d --json", pid);
	j = run_json(&r);
	jkeys(j, "vm,link_id,rules");
	jexpect_u64(j, "link_id", link);
	CHECK(jarr(j, "rules")->n == 0, "a new table has rules");
	run(&r, "kvmtrap rule list --vm %d", pid);
	expect_ok(&r);
	CHECK(strstr(r.out, "no rules"), "empty table not said: " RUN_FMT,
	      RUN_ARGS(&r));

	run(&r, "kvmtrap rule add --vm %d any 0xc3000000..0xc300ffff deny", pid);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d smc 0xc3000000..0xc300ffff forward",
	    pid);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d hvc 0xc3000042 handled 1 2 3 4", pid);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d hvc #0x42 all handled 0x42", pid);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d any #any all undef --json", pid);
	j = run_json(&r);
	jexpect_str(j, "action", "add");
	jexpect_u64(j, "link_id", link);
	jexpect_str(jobj(j, "rule"), "verdict", "undef");

	/* listed most specific first */
	run(&r, "kvmtrap rule list --vm %d --json", pid);
	j = run_json(&r);
	rules = jarr(j, "rules");
	CHECK(rules->n == 5, "%d rules listed, expected 5", rules->n);
	jexpect_rule(rules, 0, "hvc", 0, 0xc3000042, 0xc3000042, "handled",
		     ret1234, 0);
	jexpect_rule(rules, 1, "smc", 0, 0xc3000000, 0xc300ffff, "forward",
		     NULL, 0);
	jexpect_rule(rules, 2, "hvc", 0x42, 0, UINT64_MAX, "handled", ret42, 0);
	jexpect_rule(rules, 3, "any", 0, 0xc3000000, 0xc300ffff, "deny", NULL,
		     0);
	jexpect_rule(rules, 4, "any", -1, 0, UINT64_MAX, "undef", NULL, 0);

	/* what the guest sees, rule by rule */
	vret(vcpu, HVC, 0, 0xc3000042, 1, 2, 3, 4);
	vforward(vcpu, SMC, 0, 0xc3000042, 0xc3000042, a, a);
	vret(vcpu, HVC, 0x42, 0x5, 0x42, 0, 0, 0);
	vret(vcpu, HVC, 0, 0xc3000001, NS, 0, 0, 0);
	/* (owner 7 is no KVM service: 0xc4000000 would be PSCI's) */
	vundef(vcpu, HVC, 0, 0xc7000000);
	vundef(vcpu, SMC, 1, 0);

	run(&r, "kvmtrap rule list --vm %d --json", pid);
	j = run_json(&r);
	rules = jarr(j, "rules");
	for (i = 0; i < 4; i++)
		jexpect_u64(jat(rules, i), "hits", 1);
	jexpect_u64(jat(rules, 4), "hits", 2);

	run(&r, "kvmtrap rule list --vm %d", pid);
	expect_ok(&r);
	CHECK(count_lines(r.out) == 6 && !strncmp(r.out, "CONDUIT", 7),
	      "the table is not a header and 5 rules: " RUN_FMT, RUN_ARGS(&r));
	CHECK(strstr(r.out, "\nhvc ") && strstr(r.out, "0x1 0x2 0x3 0x4"),
	      "the handled rule's line is missing: " RUN_FMT, RUN_ARGS(&r));

	/* deleted: the next less specific rule decides */
	run(&r, "kvmtrap rule del --vm %d hvc 0xc3000042", pid);
	expect_ok(&r);
	vret(vcpu, HVC, 0, 0xc3000042, NS, 0, 0, 0);
	run(&r, "kvmtrap rule del --vm %d any #any all --json", pid);
	j = run_json(&r);
	jexpect_str(j, "action", "del");
	vret(vcpu, HVC, 0, 0xc7000000, NS, 0, 0, 0);
	run(&r, "kvmtrap rule list --vm %d --json", pid);
	j = run_json(&r);
	CHECK(jarr(j, "rules")->n == 3, "%d rules after 2 deletions",
	      jarr(j, "rules")->n);

	run(&r, "kvmtrap detach --vm %d --all", pid);
	expect_ok(&r);
	kvm_vm_free(vm);
}

static void test_rule_cli_errors(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pid_t pid = getpid();
	struct run r;

	vm = kt_create_vm(&vcpu);
	kt_accept_forwards(vm);	/* route_table may forward: we take them */

	/* no route_table linked yet */
	run(&r, "kvmtrap rule list --vm %d", pid);
	expect_failure(&r);
	expect_err_has(&r, "No such file or directory");
	expect_err_has(&r, "route_table.bpf.o");

	cli_attach_route_table();
	run(&r, "kvmtrap rule add --vm %d any 0x1..0x10 deny", pid);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d any 0x1..0x10 handled 5", pid);
	expect_failure(&r);
	expect_err_has(&r, "File exists");
	expect_err_has(&r, "any 0x1..0x10");
	expect_err_has(&r, "rule del");
	run(&r, "kvmtrap rule del --vm %d smc 0x1..0x10", pid);
	expect_failure(&r);
	expect_err_has(&r, "No such file or directory");
	expect_err_has(&r, "rule list");
	run(&r, "kvmtrap rule list --vm %d --link 4000000000", pid);
	expect_failure(&r);
	expect_err_has(&r, "No such process");

	/* bad command lines */
	run(&r, "kvmtrap rule add --vm %d hvc 0x1 maybe", pid);
	expect_usage(&r);
	expect_err_has(&r, "bad verdict 'maybe'");
	run(&r, "kvmtrap rule add --vm %d hvc 0x2..0x1 deny", pid);
	expect_usage(&r);
	expect_err_has(&r, "FIRST is above LAST");
	run(&r, "kvmtrap rule add --vm %d hvc 0x1 deny 5", pid);
	expect_usage(&r);
	expect_err_has(&r, "only a handled rule");
	run(&r, "kvmtrap rule add --vm %d hvc #0x10000 0x1 deny", pid);
	expect_usage(&r);
	expect_err_has(&r, "bad immediate");
	run(&r, "kvmtrap rule add --vm %d papr 0x1 deny", pid);
	expect_usage(&r);
	expect_err_has(&r, "bad conduit");
	run(&r, "kvmtrap rule add --vm %d hvc 0x1 handled 1 2 3 4 5", pid);
	expect_usage(&r);
	run(&r, "kvmtrap rule del --vm %d hvc 0x1 deny", pid);
	expect_usage(&r);
	run(&r, "kvmtrap rule frob --vm %d", pid);
	expect_usage(&r);
	run(&r, "kvmtrap rule list");
	expect_usage(&r);
	expect_err_has(&r, "missing --vm");
	run(&r, "kvmtrap rule");
	expect_usage(&r);

	/* nothing changed by the failures */
	run(&r, "kvmtrap rule list --vm %d --json", pid);
	CHECK(jarr(run_json(&r), "rules")->n == 1, "the failures changed the table");

	run(&r, "kvmtrap detach --vm %d --all", pid);
	expect_ok(&r);
	kvm_vm_free(vm);
}

/* Two route_table links: --link chooses, without it the CLI asks for it. */
static void test_rule_cli_link(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pid_t pid = getpid();
	uint32_t l1, l2;
	struct run r;

	vm = kt_create_vm(&vcpu);
	kt_accept_forwards(vm);	/* route_table may forward: we take them */
	l1 = cli_attach_route_table();
	l2 = cli_attach_route_table();

	run(&r, "kvmtrap rule add --vm %d hvc 0xc3000001 deny", pid);
	expect_failure(&r);
	expect_err_has(&r, "--link");
	run(&r, "kvmtrap rule add --vm %d --link %u hvc 0xc3000001 handled 9",
	    pid, l2);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d --link %u hvc 0xc3000001 deny", pid,
	    l1);
	expect_ok(&r);
	/* the first link decides: its rule */
	vret(vcpu, HVC, 0, 0xc3000001, NS, 0, 0, 0);
	run(&r, "kvmtrap rule del --vm %d --link %u hvc 0xc3000001", pid, l1);
	expect_ok(&r);
	vret(vcpu, HVC, 0, 0xc3000001, 9, 0, 0, 0);
	run(&r, "kvmtrap rule list --vm %d --link %u --json", pid, l1);
	CHECK(jarr(run_json(&r), "rules")->n == 0, "link %u has rules", l1);

	run(&r, "kvmtrap detach --vm %d --all", pid);
	expect_ok(&r);
	kvm_vm_free(vm);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_route_table_precedence),
		KVMTRAP_TEST(test_route_table_hits_miss),
		KVMTRAP_TEST(test_route_table_rule_lib),
		KVMTRAP_TEST(test_deny_unknown_run),
		KVMTRAP_TEST(test_forward_vendor_run),
		KVMTRAP_TEST(test_hvc_imm_run),
		KVMTRAP_TEST(test_audit_run),
		KVMTRAP_TEST(test_events_need_a_reader),
		KVMTRAP_TEST(test_ratelimit_run),
		KVMTRAP_TEST(test_ratelimit_refill),
		KVMTRAP_TEST(test_handled_in_bpf_run),
		KVMTRAP_TEST(test_route_table_vm),
		KVMTRAP_TEST(test_deny_unknown_vm),
		KVMTRAP_TEST(test_forward_vendor_vm),
		KVMTRAP_TEST(test_forward_vendor_refused_until_opt_in),
		KVMTRAP_TEST(test_hvc_imm_vm),
		KVMTRAP_TEST(test_audit_vm),
		KVMTRAP_TEST(test_ratelimit_vm),
		KVMTRAP_TEST(test_handled_in_bpf_vm),
		KVMTRAP_TEST(test_rule_cli),
		KVMTRAP_TEST(test_rule_cli_errors),
		KVMTRAP_TEST(test_rule_cli_link),
	};

	libbpf_set_print(quiet);
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
