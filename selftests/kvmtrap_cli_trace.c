// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_trace - "kvmtrap trace" as a user runs it, against real VMs
 * held by test VMM processes: --count prints the policy's next decisions
 * as JSON lines in the order of the guest's calls; a policy without a
 * ring buffer; --timeout.
 *
 * The test VMM, run() and the JSON parser: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* ---- Tests: trace -------------------------------------------------------- */

/*
 * trace --count 3 prints the next three decisions of the policy, one JSON
 * object per line, in the order of the guest's calls, and exits.
 */
static void test_trace_count(void)
{
	uint64_t k0 = 0, t_prev = 0, args[3];
	char line[1024];
	struct kt_call c;
	struct kt_regs regs;
	struct proc p;
	struct run r;
	struct jv *o;
	struct vmm v;
	int i, calls = 0;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	spawn(&p, &r, 0, "kvmtrap --json trace --vm %d --count 3 --timeout 60",
	      v.pid);
	/* Calls until the trace has its three, each with its own arguments. */
	while (!proc_exited(&p) && calls < 3000) {
		c = kt_smccc(KVM_TRAP_CONDUIT_HVC, FUNC_A);
		c.x[1] = 0x1000 + calls;
		c.x[2] = 0x2000 + calls;
		c.x[3] = 0x3000 + calls;
		regs = vmm_call(&v, 0, &c, NULL);
		kt_assert_ret(&c, &regs, ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
			      ANSWER_A + 3);
		calls++;
		if (calls > 3)
			sleep_ms(20);
	}
	finish(&p, CLI_TIMEOUT_MS);
	expect_ok(&r);
	CHECK(count_lines(r.out) == 3, "trace --count 3 printed %d lines:\n%s",
	      count_lines(r.out), r.out);
	for (i = 0; i < 3; i++) {
		CHECK(line_at(r.out, i, line, sizeof(line)), "line %d", i);
		o = json_parse(line);
		jkeys(o, "time_ns,vcpu,conduit,imm,func_id,name,args,verdict");
		jexpect_u64(o, "vcpu", 0);
		jexpect_str(o, "conduit", "hvc");
		jexpect_u64(o, "imm", 0);
		jexpect_u64(o, "func_id", FUNC_A);
		jexpect_null(o, "name");
		jexpect_str(o, "verdict", "handled");
		if (!i)
			k0 = jat_u64(jarr(o, "args"), 0) - 0x1000;
		CHECK(k0 + 3 <= (uint64_t)calls, "event of call %lu, %d calls made",
		      k0, calls);
		args[0] = 0x1000 + k0 + i;
		args[1] = 0x2000 + k0 + i;
		args[2] = 0x3000 + k0 + i;
		jexpect_u64s(o, "args", args, 3);
		CHECK(ju64(o, "time_ns") > t_prev, "time_ns %lu after %lu",
		      ju64(o, "time_ns"), t_prev);
		t_prev = ju64(o, "time_ns");
	}

	/* In text: one line per event. */
	spawn(&p, &r, 0, "kvmtrap trace --vm %d --count 1 --timeout 60", v.pid);
	for (calls = 0; !proc_exited(&p) && calls < 3000; calls++) {
		call_expect(&v, 0, FUNC_A, ANSWER_A);
		sleep_ms(20);
	}
	finish(&p, CLI_TIMEOUT_MS);
	expect_ok(&r);
	CHECK(count_lines(r.out) == 1 && has_word(r.out, "hvc") &&
	      has_word(r.out, "handled"),
	      "trace --count 1 in text is not one line with hvc, handled: " RUN_FMT,
	      RUN_ARGS(&r));
}

/* Without a policy with "kvmtrap_events": the documented error. */
static void test_trace_no_ring_buffer(void)
{
	char want[128];
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	snprintf(want, sizeof(want),
		 "VM %s has no policy with a kvmtrap_events ring buffer", v.name[0]);
	run(&r, "kvmtrap trace --vm %d --count 1 --timeout 5", v.pid);
	expect_failure(&r);
	expect_err_has(&r, want);

	cli_attach_obj(&v, 0, POLICY_OBJ, "policy", "");
	run(&r, "kvmtrap --json trace --vm %d --count 1 --timeout 5", v.pid);
	expect_failure(&r);
	expect_err_has(&r, want);
}

/* --timeout ends a trace that saw nothing: exit 0, no output. */
static void test_trace_timeout(void)
{
	struct vmm v;
	struct run r;
	uint64_t t0;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	t0 = now_ms();
	run(&r, "kvmtrap --json trace --vm %d --timeout 1", v.pid);
	expect_ok(&r);
	CHECK(!r.out_len, "trace printed without calls:\n%s", r.out);
	CHECK(now_ms() - t0 >= 900, "trace --timeout 1 ended after %lu ms",
	      now_ms() - t0);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_trace_count),
		KVMTRAP_TEST(test_trace_no_ring_buffer),
		KVMTRAP_TEST(test_trace_timeout),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
