// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_query - "kvmtrap query" and "kvmtrap test" as a user runs
 * them, against real VMs held by test VMM processes: query at each stage
 * (native, default, bpf, the SMCCC filter), each prediction checked
 * against the guest's registers, queries counted nowhere; test, which runs
 * the policy without a VM, with each verdict and the context as KVM would
 * build it.
 *
 * The test VMM, run() and the JSON parser: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* An SMCCC call of @func with x1..x7 = 0, as "kvmtrap query" describes it. */
static struct kt_call plain_call(uint32_t conduit, uint32_t imm, uint64_t func)
{
	return (struct kt_call){
		.conduit = conduit, .imm = imm, .x = { func },
	};
}

/* The query's ret is what the guest got from the same call. */
static void expect_query_ret_is(const struct qres *q, const char *what,
				const struct kt_regs *r)
{
	int i;

	CHECK(q->has_ret, "query %s: ret null, the guest got x0 0x%lx", what,
	      r->x[0]);
	for (i = 0; i < 4; i++)
		CHECK(q->ret[i] == r->x[i],
		      "query %s: ret[%d] 0x%lx, the guest got x%d = 0x%lx", what,
		      i, q->ret[i], i, r->x[i]);
}

static const char *conduit_word(uint32_t conduit)
{
	return conduit == KVM_TRAP_CONDUIT_SMC ? "smc" : "hvc";
}

/* ---- Tests: query -------------------------------------------------------- */

/*
 * Native calls (by name, either case) are stage native, verdict handled,
 * on both conduits, with the guest's own answer when ret is given; an
 * unknown call without a program is stage default, deny, with the guest's
 * NOT_SUPPORTED.  The text answer reads "hvc NAME (ID): stage, verdict".
 */
static void test_query_native_and_default(void)
{
	static const char *const names[] = { "PSCI_VERSION", "psci_version",
					     "SMCCC_VERSION", "TRNG_VERSION",
					     "KVM_VENDOR_HYP_CALL_UID" };
	static const uint32_t conduits[] = { KVM_TRAP_CONDUIT_HVC,
					     KVM_TRAP_CONDUIT_SMC };
	struct kt_regs regs;
	struct kt_call c;
	char what[64];
	struct qres q;
	struct vmm v;
	struct run r;
	size_t i, j;

	vmm_start(&v, NULL);
	for (j = 0; j < ARRAY_SIZE(conduits); j++) {
		const char *cw = conduit_word(conduits[j]);

		for (i = 0; i < ARRAY_SIZE(names); i++) {
			size_t k;
			uint64_t id = 0;

			for (k = 0; k < ARRAY_SIZE(known_funcs); k++)
				if (!strcasecmp(known_funcs[k].name, names[i]))
					id = known_funcs[k].id;
			snprintf(what, sizeof(what), "%s %s", cw, names[i]);
			q = cli_query(&v, 0, "%s %s", cw, names[i]);
			expect_query(&q, what, "native", "handled");
			CHECK(q.func_id == id && q.has_name &&
			      !strcasecmp(q.name, names[i]) &&
			      isupper(q.name[0]) &&
			      !strcmp(q.conduit, cw) && !q.imm && !q.el2,
			      "query %s: func_id 0x%lx name %s conduit %s imm %u el2 %d",
			      what, q.func_id, q.has_name ? q.name : "null",
			      q.conduit, q.imm, q.el2);
			c = plain_call(conduits[j], 0, id);
			regs = vmm_call(&v, 0, &c, NULL);
			if (q.has_ret)
				expect_query_ret_is(&q, what, &regs);
		}

		snprintf(what, sizeof(what), "%s 0x%x", cw, FUNC_A);
		q = cli_query(&v, 0, "%s 0x%x", cw, FUNC_A);
		expect_query(&q, what, "default", "deny");
		CHECK(!q.has_name, "query %s: name %s, expected null", what, q.name);
		c = plain_call(conduits[j], 0, FUNC_A);
		regs = vmm_call(&v, 0, &c, NULL);
		expect_query_ret_is(&q, what, &regs);
		expect_query_ret(&q, what, NOT_SUPPORTED, 0, 0, 0);
	}
	expect_stats_equal(vmm_stats(&v, 0), (struct kt_stats){},
			   "statistics without a program");

	run(&r, "kvmtrap query --vm %d hvc psci_version", v.pid);
	expect_ok(&r);
	CHECK(!strncmp(r.out, "hvc PSCI_VERSION (0x84000000): native, handled",
		       strlen("hvc PSCI_VERSION (0x84000000): native, handled")),
	      "query in text: " RUN_FMT, RUN_ARGS(&r));
}

/*
 * With links: a call a program answers is stage bpf with that link and
 * program and the guest's answer; one it passes is default; a call with
 * an immediate reaches the programs with x0 whole; --vcpu and --aarch32
 * reach the program, which sees KVM_TRAP_F_QUERY.  Queries count nowhere:
 * not in the statistics, not in the handled list.
 */
static void test_query_stage_bpf(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	struct kt_stats st0;
	struct kt_regs regs;
	struct attached a, e;
	struct kt_call c;
	struct qres q;
	struct jv *o;
	struct vmm v;
	struct run r;
	int n;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	e = cli_attach(&v, 0, "--set verdict=1 --set echo=1");
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	st0 = vmm_stats(&v, 0);

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "hvc FUNC_A", "bpf", "handled");
	CHECK(q.link_id == a.link_id && q.prog_id == a.prog_id && !q.el2,
	      "query hvc FUNC_A: link %u prog %u el2 %d, expected link %u prog %u",
	      q.link_id, q.prog_id, q.el2, a.link_id, a.prog_id);
	c = plain_call(KVM_TRAP_CONDUIT_HVC, 0, FUNC_A);
	regs = vmm_call(&v, 0, &c, NULL);
	expect_query_ret_is(&q, "hvc FUNC_A", &regs);
	expect_query_ret(&q, "hvc FUNC_A", ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
			 ANSWER_A + 3);
	st0.handled++;	/* the guest's call, not the query */
	expect_stats_equal(vmm_stats(&v, 0), st0, "statistics around a query");

	/* Passed by the first link, answered by the echo of the second. */
	q = cli_query(&v, 0, "--vcpu 3 hvc #0x42 0x1122334455667788 1 2");
	expect_query(&q, "hvc #0x42", "bpf", "handled");
	CHECK(q.link_id == e.link_id && q.prog_id == e.prog_id &&
	      q.imm == 0x42 && q.func_id == 0x1122334455667788ull,
	      "query hvc #0x42: link %u imm 0x%x func_id 0x%lx", q.link_id, q.imm,
	      q.func_id);
	expect_query_ret(&q, "hvc #0x42 --vcpu 3", 0x1122334455667788ull, 1, 2,
			 KVM_TRAP_F_QUERY | 0x42 << 8 | 3 << 24);
	c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_42, 0x1122334455667788ull);
	c.x[1] = 1;
	c.x[2] = 2;
	regs = vmm_call(&v, 0, &c, NULL);
	kt_assert_ret(&c, &regs, 0x1122334455667788ull, 1, 2, 0x42 << 8);

	q = cli_query(&v, 0, "--aarch32 hvc 0xc3000099 0x1111111122222222");
	expect_query(&q, "--aarch32 hvc", "bpf", "handled");
	expect_query_ret(&q, "--aarch32 hvc", 0xc3000099, 0x22222222, 0,
			 KVM_TRAP_F_QUERY | KVM_TRAP_F_AARCH32);
	q = cli_query(&v, 0, "smc 0x83000099 0x1111111122222222");
	expect_query(&q, "smc SMC32", "bpf", "handled");
	expect_query_ret(&q, "smc SMC32", 0x83000099, 0x22222222, 0,
			 KVM_TRAP_F_QUERY | KVM_TRAP_F_SMC32);

	/* After the echo link is gone, the first link passes: default. */
	run(&r, "kvmtrap detach --vm %d --link %u", v.pid, e.link_id);
	expect_ok(&r);
	q = cli_query(&v, 0, "hvc 0x%x", FUNC_OTHER);
	expect_query(&q, "hvc FUNC_OTHER", "default", "deny");
	expect_query_ret(&q, "hvc FUNC_OTHER", NOT_SUPPORTED, 0, 0, 0);

	o = cli_status(&v, 0, &r);
	expect_stats_equal(json_stats(o), vmm_stats(&v, 0), "status after queries");
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	/* The guest's 2 calls of FUNC_A, none of the queries. */
	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, 2);
	CHECK(!find_hentry(h, n, "hvc", 0, 0xc3000099) &&
	      !find_hentry(h, n, "smc", 0, 0x83000099),
	      "queried calls entered in the handled list:\n%s", r.out);
}

/*
 * The SMCCC filter decides before anything else: DENY and FWD_TO_USER
 * ranges are stage filter even with a program answering every call.
 */
static void test_query_stage_filter(void)
{
	struct vmm_opts o = {
		.nr_vms = 1,
		.nr_filters = 2,
		.filter = {
			{ .base = 0x83000042, .nr_functions = 1,
			  .action = KVM_SMCCC_FILTER_DENY },
			{ .base = FUNC_OTHER, .nr_functions = 1,
			  .action = KVM_SMCCC_FILTER_FWD_TO_USER },
		},
	};
	struct kt_regs regs;
	struct kt_call c;
	uint32_t exits;
	struct qres q;
	struct vmm v;

	vmm_start(&v, &o);
	cli_attach(&v, 0, "--set verdict=1 --set ret=0xa000000000000a00");

	q = cli_query(&v, 0, "hvc 0x83000042");
	expect_query(&q, "hvc denied by the filter", "filter", "deny");
	c = plain_call(KVM_TRAP_CONDUIT_HVC, 0, 0x83000042);
	regs = vmm_call(&v, 0, &c, &exits);
	CHECK(!exits, "a denied call exited to the VMM");
	expect_query_ret_is(&q, "hvc denied by the filter", &regs);

	q = cli_query(&v, 0, "smc 0x83000042");
	expect_query(&q, "smc denied by the filter", "filter", "deny");

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_OTHER);
	expect_query(&q, "hvc forwarded by the filter", "filter", "forward");
	CHECK(!q.has_ret, "query hvc forwarded by the filter: ret given, the VMM decides");
	c = plain_call(KVM_TRAP_CONDUIT_HVC, 0, FUNC_OTHER);
	vmm_call(&v, 0, &c, &exits);
	CHECK(exits == 1, "the forwarded call made %u exits, expected 1", exits);

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "hvc FUNC_A", "bpf", "handled");
	expect_query_ret(&q, "hvc FUNC_A", ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
			 ANSWER_A + 3);
}

/* ---- Tests: test --------------------------------------------------------- */

static const char *const verdict_names[] = {
	"pass", "handled", "forward", "deny", "undef",
};

/* "kvmtrap --json test CLI_OBJ ARGS", its shape checked. */
static struct jv *__printf(2, 3)
cli_test(struct run *r, const char *fmt, ...)
{
	char args[512];
	struct jv *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	run(r, "kvmtrap --json test " CLI_OBJ " %s", args);
	o = run_json(r);
	jkeys(o, "conduit,imm,func_id,name,verdict,ret");
	return o;
}

/*
 * test runs the policy without a VM: each verdict by name, ret[] preset
 * to NOT_SUPPORTED, 0... or what the program wrote, a function by name.
 * No VM, no pin, no link is involved.
 */
static void test_test_verdicts(void)
{
	const uint64_t preset[4] = { NOT_SUPPORTED, 0, 0, 0 };
	const uint64_t ans[4] = { ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
				  ANSWER_A + 3 };
	char *before = pin_snapshot();
	uint32_t id = 0, links = 0;
	struct jv *o;
	struct run r;
	int v;

	while (!bpf_link_get_next_id(id, &id))
		links++;
	errno = 0;
	for (v = 0; v < 5; v++) {
		o = cli_test(&r, "--set verdict=%d hvc 0x%x", v, FUNC_A);
		jexpect_str(o, "conduit", "hvc");
		jexpect_u64(o, "imm", 0);
		jexpect_u64(o, "func_id", FUNC_A);
		jexpect_null(o, "name");
		jexpect_str(o, "verdict", verdict_names[v]);
		jexpect_u64s(o, "ret", preset, 4);
	}
	o = cli_test(&r, "--set verdict=1 --set ret=0x%llx hvc 0x%x", ANSWER_A,
		     FUNC_A);
	jexpect_str(o, "verdict", "handled");
	jexpect_u64s(o, "ret", ans, 4);

	/* The rule matches on func_id: others get @other. */
	o = cli_test(&r, "--set verdict=1 --set func_id=0x%x --set other=4 hvc 0x%x",
		     FUNC_A, FUNC_OTHER);
	jexpect_str(o, "verdict", "undef");

	o = cli_test(&r, "--set verdict=3 smc psci_version");
	jexpect_str(o, "conduit", "smc");
	jexpect_u64(o, "func_id", 0x84000000);
	jexpect_str(o, "name", "PSCI_VERSION");
	jexpect_str(o, "verdict", "deny");

	run(&r, "kvmtrap test " CLI_OBJ " --set verdict=4 hvc 0x%x", FUNC_A);
	expect_ok(&r);
	CHECK(has_word(r.out, "undef"), "test in text does not say undef: " RUN_FMT,
	      RUN_ARGS(&r));

	expect_pins_unchanged(before, "test");
	for (id = 0, v = 0; !bpf_link_get_next_id(id, &id); )
		v++;
	errno = 0;
	CHECK((uint32_t)v == links, "%u links before test, %d after", links, v);
}

/*
 * test builds the context as KVM would: SMC32 for immediate 0 and bit 30
 * clear, arguments and ret narrowed for 32-bit callers, w0 for AArch32,
 * the immediate, the vCPU.  The echo policy returns what it saw.
 */
static void test_test_context(void)
{
	const uint64_t a1 = KT_ARG(1), a2 = KT_ARG(2);
	struct jv *o;
	struct run r;

	o = cli_test(&r, "--set verdict=1 --set echo=1 hvc 0x%x 0x%lx 0x%lx",
		     FUNC_A, a1, a2);
	jexpect_u64s(o, "ret", (uint64_t[]){ FUNC_A, a1, a2, 0 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 smc 0x%x 0x%lx 0x%lx",
		     KT_FUNC_32, a1, a2);
	jexpect_u64(o, "func_id", KT_FUNC_32);
	jexpect_u64s(o, "ret", (uint64_t[]){ KT_FUNC_32, (uint32_t)a1,
		     (uint32_t)a2, KVM_TRAP_F_SMC32 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 --aarch32 --vcpu 5 hvc #0x42 0x1234567890 0x%lx",
		     a1);
	jexpect_u64(o, "imm", 0x42);
	jexpect_u64(o, "func_id", 0x34567890);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0x34567890, (uint32_t)a1, 0,
		     KVM_TRAP_F_AARCH32 | 0x42 << 8 | 5 << 24 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 hvc #0xffff 0xfedcba9876543210 0x%lx",
		     a1);
	jexpect_u64(o, "imm", 0xffff);
	jexpect_u64(o, "func_id", 0xfedcba9876543210ull);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0xfedcba9876543210ull, a1, 0,
		     0xffff << 8 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 --vcpu 7 smc 0x%x 0x%lx",
		     FUNC_A, a1);
	jexpect_u64s(o, "ret", (uint64_t[]){ FUNC_A, a1, 0, 7 << 24 }, 4);

	o = cli_test(&r, "--set verdict=1 --set ret=0xa0000000a0000a00 smc 0x%x",
		     KT_FUNC_32);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0xa0000a00, 0xa0000a01, 0xa0000a02,
		     0xa0000a03 }, 4);
	o = cli_test(&r, "--set verdict=1 --set ret=0xa0000000a0000a00 hvc 0x%x",
		     FUNC_A);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0xa0000000a0000a00ull,
		     0xa0000000a0000a01ull, 0xa0000000a0000a02ull,
		     0xa0000000a0000a03ull }, 4);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_query_native_and_default),
		KVMTRAP_TEST(test_query_stage_bpf),
		KVMTRAP_TEST(test_query_stage_filter),
		KVMTRAP_TEST(test_test_verdicts),
		KVMTRAP_TEST(test_test_context),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
