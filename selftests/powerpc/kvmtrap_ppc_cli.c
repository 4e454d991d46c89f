// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_cli - the kvmtrap CLI on a POWER VM, in the KVM flavour under
 * test ($KVMTRAP_MODE), as an operator runs it: query, test, attach, rule,
 * handled, status, trace and detach with the papr conduit, each answer
 * checked against what the guest gets from the same hcall.
 *
 * The VMM is this process: it holds the VM and its vCPU and runs the guest
 * (lib/ppc_vm.h) between the commands, which name the VM by our pid and
 * take its fd with pidfd_getfd() as they would from any VMM.  H_RANDOM is
 * the hcall of these tests: KVM knows it but leaves it disabled unless the
 * VMM enables it (KVM_CAP_PPC_ENABLE_HCALL), so for this VM it is not
 * native and reaches the programs, in both flavours.
 *
 * One behaviour per test_*(), one VM per test.  KVMTRAP_CLI_VERBOSE=1 in
 * the environment shows every command run and its output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/kvm_trap.h>

#include "kvmtrap_test.h"
#include "ppc_vm.h"

/* What kvmtrap_run.h expects of the test library around it. */
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define TEST_FAIL(fmt, ...) \
	ppc_fail(__FILE__, __LINE__, "check", fmt, ##__VA_ARGS__)
#include "kvmtrap_run.h"

#define POLICY_DIR	"/usr/lib/kvmtrap/policies"
#define PIN_ROOT	"/sys/fs/bpf/kvmtrap"
#define H_RANDOM	0x300
#define H_SUCCESS	0
#define RANDOM_VALUE	0x5eed5eed12345678ull

struct env {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	pid_t pid;
};

static void env_init(struct env *e)
{
	e->vm = ppc_vm_create(ppc_kvm_type());
	e->vcpu = ppc_vcpu_add(e->vm);
	e->pid = getpid();
}

/* Nothing of the test stays linked or pinned. */
static void env_free(struct env *e)
{
	struct run r;
	char dir[64];
	struct stat st;

	snprintf(dir, sizeof(dir), PIN_ROOT "/%d-%d", e->pid, e->vm->fd);
	run(&r, "kvmtrap detach --vm %d --all", e->pid);
	expect_ok(&r);
	ppc_vm_free(e->vm);
	CHECK(stat(dir, &st) && errno == ENOENT, "%s still exists", dir);
}

/* H_RANDOM from the guest. */
static void guest_random(struct env *e, struct ppc_result *res)
{
	struct ppc_call c = ppc_hcall(H_RANDOM, 0);

	ppc_call(e->vcpu, &c, res);
}

static struct jv *query_json(struct env *e, struct run *r, const char *call)
{
	struct jv *o;

	run(r, "kvmtrap --json query --vm %d %s", e->pid, call);
	expect_ok(r);
	o = run_json(r);
	jexpect_str(o, "conduit", "papr");
	jexpect_u64(o, "imm", 0);
	return o;
}

static void attach_route_table(struct env *e)
{
	struct run r;

	run(&r, "kvmtrap attach " POLICY_DIR "/route_table.bpf.o --vm %d", e->pid);
	expect_ok(&r);
	/* No warning: POWER forwards need no opt-in. */
	CHECK(!*r.err, "attach wrote to stderr: " RUN_FMT, RUN_ARGS(&r));
}

/* ---- Tests ---------------------------------------------------------------- */

/*
 * A native hcall is stage native, handled, by its PAPR name; the guest
 * gets its answer from KVM, not from the VMM.  One that answers at once in
 * this flavour: H_PROD to the caller itself (KVM-HV), H_SET_MODE of the
 * address translation mode to 0 (KVM-PR).
 */
static void test_query_native(void)
{
	bool pr = ppc_kvm_type() == PPC_KVM_PR;
	uint64_t nr = pr ? H_SET_MODE : H_PROD;
	struct ppc_call c = ppc_hcall(nr, 0);
	struct ppc_result res;
	struct run r;
	struct jv *o;
	struct env e;
	int i;

	env_init(&e);
	for (i = 1; i < 10; i++)
		c.r[i] = 0;
	if (pr)
		c.r[2] = 3;	/* H_SET_MODE_RESOURCE_ADDR_TRANS_MODE */
	o = query_json(&e, &r, pr ? "papr H_SET_MODE 0 3" : "papr H_PROD 0");
	jexpect_u64(o, "func_id", nr);
	jexpect_str(o, "name", pr ? "H_SET_MODE" : "H_PROD");
	jexpect_str(o, "stage", "native");
	jexpect_str(o, "verdict", "handled");
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], 0);
	env_free(&e);
}

/*
 * With no program, a disabled hcall is stage default: it exits to the VMM,
 * which is what the guest's H_RANDOM does (without the program flag).
 */
static void test_query_default_exits(void)
{
	struct ppc_result res;
	struct run r;
	struct jv *o;
	struct env e;

	env_init(&e);
	o = query_json(&e, &r, "papr H_RANDOM");
	jexpect_u64(o, "func_id", H_RANDOM);
	jexpect_str(o, "name", "H_RANDOM");
	jexpect_str(o, "stage", "default");
	jexpect_str(o, "verdict", "forward");
	jexpect_null(o, "ret");

	run(&r, "kvmtrap query --vm %d papr 0x300", e.pid);
	expect_ok(&r);
	CHECK(has_line_prefix(r.out, "papr H_RANDOM (0x300): default, forward"),
	      "query in text: " RUN_FMT, RUN_ARGS(&r));

	guest_random(&e, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.nr, H_RANDOM);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, 0);
	env_free(&e);
}

/*
 * route_table attached by the CLI, a papr rule added: the guest's H_RANDOM
 * is answered in the kernel with the rule's r3 and r4, query predicts it
 * exactly, and rule list, handled and status count the one hcall.
 */
static void test_rule_answers_guest(void)
{
	uint64_t want[10] = { H_SUCCESS, RANDOM_VALUE };
	struct ppc_result res;
	struct jv *o, *a;
	struct run r;
	struct env e;
	int i;

	env_init(&e);
	attach_route_table(&e);
	run(&r, "kvmtrap rule add --vm %d papr H_RANDOM handled 0 %#llx", e.pid,
	    RANDOM_VALUE);
	expect_ok(&r);

	o = query_json(&e, &r, "papr H_RANDOM");
	jexpect_str(o, "stage", "bpf");
	jexpect_str(o, "verdict", "handled");
	jexpect_u64s(o, "ret", want, 10);

	guest_random(&e, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	for (i = 0; i < 10; i++)
		PPC_ASSERT_EQ(res.r[i], want[i]);

	run(&r, "kvmtrap --json rule list --vm %d", e.pid);
	expect_ok(&r);
	a = jarr(run_json(&r), "rules");
	CHECK(a->n == 1, "%d rules: %s", a->n, r.out);
	jexpect_str(jat(a, 0), "conduit", "papr");
	jexpect_u64(jat(a, 0), "first", H_RANDOM);
	jexpect_u64(jat(a, 0), "hits", 1);

	run(&r, "kvmtrap --json handled --vm %d", e.pid);
	expect_ok(&r);
	a = jarr(run_json(&r), "handled");
	for (i = 0; i < a->n; i++)
		if (!strcmp(jstr(jat(a, i), "conduit"), "papr") &&
		    ju64(jat(a, i), "first") == H_RANDOM &&
		    !strcmp(jstr(jat(a, i), "route"), "bpf"))
			break;
	CHECK(i < a->n, "H_RANDOM not in the handled list: %s", r.out);
	jexpect_u64(jat(a, i), "hits", 1);
	jexpect_str(jat(a, i), "name", "H_RANDOM");

	run(&r, "kvmtrap --json status --vm %d", e.pid);
	expect_ok(&r);
	o = jobj(run_json(&r), "stats");
	jexpect_u64(o, "handled", 1);
	jexpect_u64(o, "forward", 0);
	jexpect_u64(o, "forward_refused", 0);
	env_free(&e);
}

/* detach --all: the next H_RANDOM exits to the VMM again. */
static void test_detach_restores_exit(void)
{
	struct ppc_result res;
	struct run r;
	struct env e;

	env_init(&e);
	attach_route_table(&e);
	run(&r, "kvmtrap rule add --vm %d papr H_RANDOM deny", e.pid);
	expect_ok(&r);
	guest_random(&e, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], (uint64_t)H_FUNCTION);

	run(&r, "kvmtrap detach --vm %d --all", e.pid);
	expect_ok(&r);
	guest_random(&e, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.nr, H_RANDOM);
	env_free(&e);
}

/* A rule that forwards: the exit carries the program's flag. */
static void test_rule_forward_flagged(void)
{
	struct ppc_result res;
	struct jv *o;
	struct run r;
	struct env e;

	env_init(&e);
	attach_route_table(&e);
	run(&r, "kvmtrap rule add --vm %d papr H_RANDOM forward", e.pid);
	expect_ok(&r);
	o = query_json(&e, &r, "papr H_RANDOM");
	jexpect_str(o, "stage", "bpf");
	jexpect_str(o, "verdict", "forward");
	jexpect_bool(o, "refused", false);
	guest_random(&e, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, KVM_PAPR_HCALL_EXIT_BPF);
	ppc_answer(e.vcpu, 0x42, &res);
	PPC_ASSERT_EQ(res.r[0], 0x42);
	env_free(&e);
}

/* trace prints the guest's hcall with its number, name and arguments. */
static void test_trace_papr(void)
{
	struct ppc_call c = ppc_hcall(H_RANDOM, 0x1000);
	uint64_t args[3] = { 0x1001, 0x1002, 0x1003 };
	struct ppc_result res;
	char line[1024];
	struct proc p;
	struct run r;
	struct jv *o;
	struct env e;
	int calls;

	env_init(&e);
	attach_route_table(&e);
	run(&r, "kvmtrap rule add --vm %d papr H_RANDOM deny", e.pid);
	expect_ok(&r);
	spawn(&p, &r, 0, "kvmtrap --json trace --vm %d --count 1 --timeout 60",
	      e.pid);
	/* Until the trace has subscribed and seen one. */
	for (calls = 0; !proc_exited(&p) && calls < 3000; calls++) {
		ppc_call(e.vcpu, &c, &res);
		PPC_ASSERT_EQ(res.r[0], (uint64_t)H_FUNCTION);
		usleep(20000);
	}
	finish(&p, CLI_TIMEOUT_MS);
	expect_ok(&r);
	CHECK(count_lines(r.out) == 1, "trace --count 1: " RUN_FMT, RUN_ARGS(&r));
	CHECK(line_at(r.out, 0, line, sizeof(line)), "no line");
	o = json_parse(line);
	jexpect_str(o, "conduit", "papr");
	jexpect_u64(o, "func_id", H_RANDOM);
	jexpect_str(o, "name", "H_RANDOM");
	jexpect_u64s(o, "args", args, 3);
	jexpect_str(o, "verdict", "deny");
	env_free(&e);
}

/*
 * test runs a policy on a described hcall without any VM: deny_unknown
 * makes H_RANDOM UNDEF (its default) or DENY (--set); handled_in_bpf, an
 * SMCCC policy, passes even an hcall numbered like an SMCCC call it
 * answers.
 */
static void test_test_papr(void)
{
	struct run r;
	struct jv *o;

	run(&r, "kvmtrap --json test " POLICY_DIR "/deny_unknown.bpf.o papr H_RANDOM 1 2");
	expect_ok(&r);
	o = run_json(&r);
	jexpect_str(o, "conduit", "papr");
	jexpect_u64(o, "func_id", H_RANDOM);
	jexpect_str(o, "name", "H_RANDOM");
	jexpect_str(o, "verdict", "undef");

	run(&r, "kvmtrap --json test " POLICY_DIR "/deny_unknown.bpf.o --set verdict=deny papr H_RANDOM");
	expect_ok(&r);
	jexpect_str(run_json(&r), "verdict", "deny");

	run(&r, "kvmtrap test " POLICY_DIR "/deny_unknown.bpf.o papr H_RANDOM");
	expect_ok(&r);
	CHECK(has_line_prefix(r.out, "papr H_RANDOM (0x300): undef"),
	      "test in text: " RUN_FMT, RUN_ARGS(&r));

	run(&r, "kvmtrap --json test " POLICY_DIR "/handled_in_bpf.bpf.o papr 0x8200ff01");
	expect_ok(&r);
	jexpect_str(run_json(&r), "verdict", "pass");
}

/*
 * An hcall has no immediate: a usage error that says so, and a usage line
 * in POWER's words.
 */
static void test_papr_no_immediate(void)
{
	struct run r;

	run(&r, "kvmtrap test " POLICY_DIR "/deny_unknown.bpf.o papr #1 H_RANDOM");
	expect_usage(&r);
	expect_err_has(&r, "bad immediate '#1': papr calls have none");
	expect_err_has(&r, "papr FUNC [ARG...]");
	CHECK(!strstr(r.err, "hvc"), "arm64 words on POWER: " RUN_FMT,
	      RUN_ARGS(&r));
	run(&r, "kvmtrap rule add --vm 1 papr #0 H_RANDOM deny");
	expect_usage(&r);
	expect_err_has(&r, "papr calls have none");
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_query_native),
		KVMTRAP_TEST(test_query_default_exits),
		KVMTRAP_TEST(test_rule_answers_guest),
		KVMTRAP_TEST(test_detach_restores_exit),
		KVMTRAP_TEST(test_rule_forward_flagged),
		KVMTRAP_TEST(test_trace_papr),
		KVMTRAP_TEST(test_test_papr),
		KVMTRAP_TEST(test_papr_no_immediate),
	};

	printf("# %s\n", ppc_kvm_name(ppc_kvm_type()));
	return kvmtrap_run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
