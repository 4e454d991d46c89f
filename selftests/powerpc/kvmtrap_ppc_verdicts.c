// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_verdicts - what a kvm_trap program sees of a POWER guest's
 * PAPR hcall and what each verdict does to the guest, in the KVM flavour
 * under test ($KVMTRAP_MODE: hv, KVM-HV nested under pseries; pr, KVM-PR):
 *
 *  - The context: conduit PAPR_HCALL, flags 0 (MSR[SF]=1), func_id = r3,
 *    imm 0, vcpu_id, args = r4..r12, ret[] preset to H_FUNCTION, 0...
 *  - PASS: KVM_EXIT_PAPR_HCALL as without kvmtrap, flags 0.
 *  - HANDLED: r3..r12 = ret[0..9]; with ret[] left alone, the preset.
 *  - DENY: r3 = H_FUNCTION, r4..r12 as the guest left them, no exit.
 *  - UNDEF: a program interrupt (0x700) for an illegal instruction with
 *    SRR0 at the sc 1 itself.
 *  - FORWARD: KVM_EXIT_PAPR_HCALL with KVM_PAPR_HCALL_EXIT_BPF, the
 *    VMM's answer in r3 (no opt-in on POWER: see kvm-trap-api.rst).
 *  - An hcall KVM handles for the VM is never offered; the same hcall
 *    disabled with KVM_CAP_PPC_ENABLE_HCALL is.
 *  - The VM statistics count one verdict per call offered.
 *  - KVM-PR's emulated FAKE_SC1 is offered as sc 1 is.
 *
 * One behaviour per test_*(), one VM per test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <linux/kvm_trap.h>

#include "kvmtrap_policy.h"
#include "kvmtrap_policy.skel.h"
#include "kvmtrap_test.h"
#include "ppc_vm.h"

/* No hcall of PAPR or KVM: KVM's own switch ends in its default case. */
#define UNKNOWN_HCALL	0xf3f0
#define RET_BASE	0xfeedf00d00000000ull
#define ARG_BASE	0x1111222233330000ull

struct env {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct kvmtrap_policy *skel;
	struct bpf_link *link;
};

static void env_init(struct env *e, uint32_t verdict)
{
	e->vm = ppc_vm_create(ppc_kvm_type());
	e->vcpu = ppc_vcpu_add(e->vm);
	e->skel = kvmtrap_policy__open_and_load();
	PPC_ASSERT(e->skel, "kvmtrap_policy__open_and_load");
	e->skel->bss->rule.verdict = verdict;
	e->link = bpf_program__attach_kvm_trap(e->skel->progs.policy,
					       e->vm->fd);
	PPC_ASSERT(e->link, "bpf_program__attach_kvm_trap");
}

static void env_free(struct env *e)
{
	bpf_link__destroy(e->link);
	kvmtrap_policy__destroy(e->skel);
	ppc_vm_free(e->vm);
}

static void assert_answer(const struct ppc_result *res, const uint64_t *r)
{
	int i;

	PPC_ASSERT(res->outcome == PPC_ANSWERED, "outcome %d, vector %#llx",
		   res->outcome, (unsigned long long)res->vector);
	for (i = 0; i < 10; i++)
		PPC_ASSERT(res->r[i] == r[i], "r%d = %#llx, want %#llx", 3 + i,
			   (unsigned long long)res->r[i],
			   (unsigned long long)r[i]);
}

static void test_ctx(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	const struct kvm_trap_ctx *ctx;
	struct ppc_result res;
	struct env e;
	int i;

	env_init(&e, KVM_TRAP_HANDLED);
	ppc_call(e.vcpu, &c, &res);
	ctx = &e.skel->bss->seen.ctx;
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 1);
	PPC_ASSERT_EQ(ctx->conduit, KVM_TRAP_CONDUIT_PAPR_HCALL);
	PPC_ASSERT_EQ(ctx->flags, 0);
	PPC_ASSERT_EQ(ctx->func_id, UNKNOWN_HCALL);
	PPC_ASSERT_EQ(ctx->imm, 0);
	PPC_ASSERT_EQ(ctx->vcpu_id, 0);
	for (i = 0; i < KT_NR_ARGS; i++)
		PPC_ASSERT_EQ(ctx->args[i], c.r[1 + i]);
	PPC_ASSERT_EQ(ctx->ret[0], (uint64_t)H_FUNCTION);
	for (i = 1; i < KT_NR_RET; i++)
		PPC_ASSERT_EQ(ctx->ret[i], 0);
	env_free(&e);
}

/* Each vCPU's hcalls carry its own id. */
static void test_ctx_vcpu_id(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct ppc_vcpu *v[3];
	struct ppc_result res;
	struct env e;
	int i;

	env_init(&e, KVM_TRAP_HANDLED);
	v[0] = e.vcpu;
	v[1] = ppc_vcpu_add(e.vm);
	v[2] = ppc_vcpu_add(e.vm);
	for (i = 2; i >= 0; i--) {
		ppc_call(v[i], &c, &res);
		PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
		PPC_ASSERT_EQ(e.skel->bss->seen.ctx.vcpu_id, i);
	}
	env_free(&e);
}

static void test_pass_exits_to_vmm(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct ppc_result res;
	struct env e;
	int i;

	env_init(&e, KVM_TRAP_PASS);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.nr, UNKNOWN_HCALL);
	for (i = 0; i < 9; i++)
		PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.args[i], c.r[1 + i]);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, 0);
	ppc_answer(e.vcpu, 0x4242, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], 0x4242);
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 1);
	env_free(&e);
}

static void test_handled_sets_r3_r12(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct ppc_result res;
	uint64_t want[10];
	struct env e;
	int i;

	env_init(&e, KVM_TRAP_HANDLED);
	e.skel->bss->rule.set_ret = 1;
	for (i = 0; i < 10; i++)
		want[i] = e.skel->bss->rule.ret[i] = RET_BASE + i;
	ppc_call(e.vcpu, &c, &res);
	assert_answer(&res, want);
	env_free(&e);
}

/* A program that sets nothing answers H_FUNCTION and no outputs. */
static void test_handled_preset(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	uint64_t want[10] = { (uint64_t)H_FUNCTION };
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_HANDLED);
	ppc_call(e.vcpu, &c, &res);
	assert_answer(&res, want);
	env_free(&e);
}

static void test_deny_h_function(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct ppc_result res;
	uint64_t want[10];
	struct env e;
	int i;

	env_init(&e, KVM_TRAP_DENY);
	/* What a program writes is not what the guest gets. */
	e.skel->bss->rule.set_ret = 1;
	for (i = 0; i < 10; i++)
		e.skel->bss->rule.ret[i] = RET_BASE + i;
	want[0] = (uint64_t)H_FUNCTION;
	for (i = 1; i < 10; i++)
		want[i] = c.r[i];
	ppc_call(e.vcpu, &c, &res);
	assert_answer(&res, want);
	env_free(&e);
}

static void test_undef_program_interrupt_at_sc(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_UNDEF);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT(res.outcome == PPC_INTERRUPT, "outcome %d", res.outcome);
	PPC_ASSERT_EQ(res.vector, 0x700);
	PPC_ASSERT_EQ(res.srr0, PPC_GUEST_CALL);
	PPC_ASSERT(res.srr1 & PPC_SRR1_PROGILL, "SRR1 %#llx",
		   (unsigned long long)res.srr1);
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 1);
	env_free(&e);
}

static void test_forward_exit_flagged(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct ppc_result res;
	struct env e;
	int i;

	env_init(&e, KVM_TRAP_FORWARD);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.nr, UNKNOWN_HCALL);
	for (i = 0; i < 9; i++)
		PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.args[i], c.r[1 + i]);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, KVM_PAPR_HCALL_EXIT_BPF);
	ppc_answer(e.vcpu, 0x77, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], 0x77);
	env_free(&e);
}

/*
 * A native hcall that answers at once in this flavour: H_PROD to the
 * caller itself (KVM-HV), H_SET_MODE of the address translation mode to 0
 * (KVM-PR).  Both are enabled by default.
 */
static struct ppc_call native_call(uint64_t *nr)
{
	struct ppc_call c = ppc_hcall(H_PROD, 0);
	int i;

	for (i = 1; i < 10; i++)
		c.r[i] = 0;
	if (ppc_kvm_type() == PPC_KVM_PR) {
		c.r[0] = H_SET_MODE;
		c.r[2] = 3;	/* H_SET_MODE_RESOURCE_ADDR_TRANS_MODE */
	}
	*nr = c.r[0];
	return c;
}

static void test_native_never_offered(void)
{
	struct ppc_result res;
	struct env e;
	uint64_t nr;
	struct ppc_call c = native_call(&nr);

	env_init(&e, KVM_TRAP_UNDEF);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], H_SUCCESS);
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 0);
	env_free(&e);
}

/* The same native hcall, disabled for the VM: no longer KVM's. */
static void test_disabled_native_offered(void)
{
	struct ppc_result res;
	struct env e;
	uint64_t nr;
	struct ppc_call c = native_call(&nr);

	env_init(&e, KVM_TRAP_HANDLED);
	ppc_vm_enable_hcall(e.vm, nr, false);
	e.skel->bss->rule.set_ret = 1;
	e.skel->bss->rule.ret[0] = 0x5150;
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], 0x5150);
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 1);
	PPC_ASSERT_EQ(e.skel->bss->seen.ctx.func_id, nr);
	env_free(&e);
}

/* One counter per verdict in the VM's fdinfo, one count per call. */
static uint64_t fdinfo_counter(struct ppc_vm *vm, const char *name)
{
	char path[64], line[256];
	unsigned long long v;
	size_t len = strlen(name);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm->fd);
	f = fopen(path, "r");
	PPC_ASSERT(f, "open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%llu", &v) == 1) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	PPC_ASSERT(0, "%s not in %s", name, path);
	return 0;
}

static void test_stats_per_verdict(void)
{
	static const struct { uint32_t verdict; const char *name; } v[] = {
		{ KVM_TRAP_PASS, "trap_bpf_pass" },
		{ KVM_TRAP_HANDLED, "trap_bpf_handled" },
		{ KVM_TRAP_FORWARD, "trap_bpf_forward" },
		{ KVM_TRAP_DENY, "trap_bpf_deny" },
		{ KVM_TRAP_UNDEF, "trap_bpf_undef" },
	};
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct ppc_result res;
	struct env e;
	unsigned int i, j;

	env_init(&e, KVM_TRAP_PASS);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		e.skel->bss->rule.verdict = v[i].verdict;
		for (j = 0; j <= i; j++) {
			ppc_call(e.vcpu, &c, &res);
			if (res.outcome == PPC_HCALL_EXIT)
				ppc_answer(e.vcpu, 0, &res);
		}
	}
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		PPC_ASSERT(fdinfo_counter(e.vm, v[i].name) == i + 1,
			   "%s = %llu, want %u", v[i].name,
			   (unsigned long long)fdinfo_counter(e.vm, v[i].name),
			   i + 1);
	PPC_ASSERT_EQ(fdinfo_counter(e.vm, "trap_bpf_forward_refused"), 0);
	env_free(&e);
}

/*
 * KVM-PR's FAKE_SC1 reaches the programs as sc 1 does, with every verdict
 * as the guest sees it.  KVM-HV has no such instruction (it is illegal
 * there): skipped.
 */
static void fake_sc1(uint32_t verdict, struct ppc_result *res,
		     struct env *e)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);

	if (ppc_kvm_type() != PPC_KVM_PR) {
		printf("# FAKE_SC1 is KVM-PR's\n");
		exit(KSFT_SKIP);
	}
	env_init(e, verdict);
	e->skel->bss->rule.set_ret = 1;
	e->skel->bss->rule.ret[0] = 0xfa4e;
	ppc_call_at(e->vcpu, PPC_GUEST_FAKE_SC1, &c, res);
	PPC_ASSERT_EQ(e->skel->bss->seen.runs, 1);
	PPC_ASSERT_EQ(e->skel->bss->seen.ctx.func_id, UNKNOWN_HCALL);
}

static void test_fake_sc1_handled(void)
{
	struct ppc_result res;
	struct env e;

	fake_sc1(KVM_TRAP_HANDLED, &res, &e);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], 0xfa4e);
	env_free(&e);
}

/*
 * UNDEF points SRR0 at the FAKE_SC1 itself, as at an sc 1.  The emulator
 * used to step over the instruction after the hcall, so the vCPU resumed
 * one instruction into the program interrupt vector.
 */
static void test_fake_sc1_undef(void)
{
	struct ppc_result res;
	struct env e;

	fake_sc1(KVM_TRAP_UNDEF, &res, &e);
	PPC_ASSERT(res.outcome == PPC_INTERRUPT, "outcome %d", res.outcome);
	PPC_ASSERT_EQ(res.vector, 0x700);
	PPC_ASSERT_EQ(res.srr0, PPC_GUEST_FAKE_SC1);
	PPC_ASSERT(res.srr1 & PPC_SRR1_PROGILL, "SRR1 %#llx",
		   (unsigned long long)res.srr1);
	env_free(&e);
}

static void test_fake_sc1_deny(void)
{
	struct ppc_result res;
	struct env e;

	fake_sc1(KVM_TRAP_DENY, &res, &e);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], (uint64_t)H_FUNCTION);
	PPC_ASSERT_EQ(res.r[1], ARG_BASE + 1);
	env_free(&e);
}

static void test_fake_sc1_forward(void)
{
	struct ppc_result res;
	struct env e;

	fake_sc1(KVM_TRAP_FORWARD, &res, &e);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.nr, UNKNOWN_HCALL);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, KVM_PAPR_HCALL_EXIT_BPF);
	ppc_answer(e.vcpu, 0x78, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], 0x78);
	env_free(&e);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_ctx),
		KVMTRAP_TEST(test_ctx_vcpu_id),
		KVMTRAP_TEST(test_pass_exits_to_vmm),
		KVMTRAP_TEST(test_handled_sets_r3_r12),
		KVMTRAP_TEST(test_handled_preset),
		KVMTRAP_TEST(test_deny_h_function),
		KVMTRAP_TEST(test_undef_program_interrupt_at_sc),
		KVMTRAP_TEST(test_forward_exit_flagged),
		KVMTRAP_TEST(test_native_never_offered),
		KVMTRAP_TEST(test_disabled_native_offered),
		KVMTRAP_TEST(test_stats_per_verdict),
		KVMTRAP_TEST(test_fake_sc1_handled),
		KVMTRAP_TEST(test_fake_sc1_undef),
		KVMTRAP_TEST(test_fake_sc1_deny),
		KVMTRAP_TEST(test_fake_sc1_forward),
	};

	printf("# %s\n", ppc_kvm_name(ppc_kvm_type()));
	return kvmtrap_run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
