// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_verdicts - what one kvm_trap program sees of a guest HVC/SMC and
 * what each of its verdicts does to the guest, on both conduits:
 *
 *  - The context: conduit, flags (SMC32 for a function ID with bit 30
 *    clear), func_id = w0, imm 0, vcpu_id, args = x1..x7 (zero-extended
 *    from 32 bits for SMC32 calls), args[7..8] = 0, ret[] preset to
 *    NOT_SUPPORTED, 0, 0...
 *  - PASS: the default answer (NOT_SUPPORTED, x1..x3 = 0).
 *  - HANDLED: x0..x3 = ret[0..3] (truncated to 32 bits for SMC32 calls),
 *    x4..x7 untouched; with ret[] left alone, the preset.
 *  - DENY: NOT_SUPPORTED and x1..x3 = 0, whatever ret[] holds.
 *  - UNDEF: an undefined-instruction exception (EC 0) at the HVC/SMC.
 *  - A return value outside the verdicts cannot happen: the verifier
 *    rejects such programs (kvmtrap_prog).
 *  - HVC #imm / SMC #imm (imm != 0): func_id is the whole x0, nothing is
 *    narrowed, ctx.imm is the immediate, the verdict applies, and on PASS
 *    the call gets the upstream answer (HVC: the SMCCC call in x0; SMC:
 *    x0 = ~0).
 *  - The VM statistics count one final verdict per call offered.
 *
 * FORWARD is in kvmtrap_forward, which calls are offered at all in
 * kvmtrap_routing.  One behaviour per test_*(), one VM per test.
 */
#include "kvmtrap_vm.h"

/* Return registers with both halves non-zero, 32-bit truncation visible. */
#define RET_BASE 0xfeedf00d00000000ull

/* A 64-bit x0 with bit 30 clear, for calls with an immediate. */
#define IMM_X0 0x0123456783000042ull

/* An SMC32 function ID with garbage in the upper half of x0. */
#define SMC32_X0 (0xdeadbeef00000000ull | KT_FUNC_32)

static void check_ctx(uint32_t conduit, uint64_t x0, uint32_t flags,
		      uint64_t func_id, bool narrow)
{
	struct kt_call c = kt_smccc(conduit, x0);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_ctx(e.skel, &c, 0, flags, func_id, narrow);
	kt_env_free(&e);
}

static void test_ctx_hvc_smc64(void)
{
	check_ctx(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64, 0, KT_FUNC_64, false);
}

static void test_ctx_smc_smc64(void)
{
	check_ctx(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64, 0, KT_FUNC_64, false);
}

static void test_ctx_hvc_smc32_narrowed(void)
{
	check_ctx(KVM_TRAP_CONDUIT_HVC, SMC32_X0, KVM_TRAP_F_SMC32,
		  KT_FUNC_32, true);
}

static void test_ctx_smc_smc32_narrowed(void)
{
	check_ctx(KVM_TRAP_CONDUIT_SMC, SMC32_X0, KVM_TRAP_F_SMC32,
		  KT_FUNC_32, true);
}

/* Each vCPU's calls carry its own id. */
static void test_ctx_vcpu_id(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kvmtrap_policy *skel = kt_policy_load();
	struct kvm_vcpu *vcpus[3];
	struct bpf_link *link;
	struct kvm_vm *vm;
	struct kt_regs r;
	int i;

	vm = kt_create_vm_n(3, vcpus, guest_main);
	link = kt_policy_attach(skel, vm);
	for (i = 2; i >= 0; i--) {
		kt_run_call(vcpus[i], &c, &r);
		kt_assert_ctx(skel, &c, i, 0, KT_FUNC_64, false);
	}
	kt_assert_runs(skel, 3);
	bpf_link__destroy(link);
	kvmtrap_policy__destroy(skel);
	kvm_vm_free(vm);
}

static void check_pass(uint32_t conduit)
{
	struct kt_call c = kt_smccc(conduit, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_PASS, RET_BASE);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_not_supported(&c, &r);
	kt_env_free(&e);
}

static void test_hvc_pass_default(void)
{
	check_pass(KVM_TRAP_CONDUIT_HVC);
}

static void test_smc_pass_default(void)
{
	check_pass(KVM_TRAP_CONDUIT_SMC);
}

static void check_handled(uint32_t conduit, uint64_t x0, bool narrow)
{
	struct kt_call c = kt_smccc(conduit, x0);
	uint64_t m = narrow ? 0xffffffffull : ~0ull;
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, RET_BASE);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_ret(&c, &r, RET_BASE & m, (RET_BASE + 1) & m,
		      (RET_BASE + 2) & m, (RET_BASE + 3) & m);
	kt_env_free(&e);
}

static void test_hvc_handled(void)
{
	check_handled(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64, false);
}

static void test_smc_handled(void)
{
	check_handled(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64, false);
}

static void test_hvc_handled_smc32_truncated(void)
{
	check_handled(KVM_TRAP_CONDUIT_HVC, SMC32_X0, true);
}

static void test_smc_handled_smc32_truncated(void)
{
	check_handled(KVM_TRAP_CONDUIT_SMC, SMC32_X0, true);
}

/* HANDLED with ret[] as preset: NOT_SUPPORTED, 0, 0, 0. */
static void test_handled_preset_ret(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_HANDLED);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_not_supported(&c, &r);
	kt_env_free(&e);
}

static void check_deny(uint32_t conduit)
{
	struct kt_call c = kt_smccc(conduit, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	/* ret[] set by the program must not leak into the answer. */
	kt_rule_ret(e.skel, KVM_TRAP_DENY, RET_BASE);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_not_supported(&c, &r);
	kt_env_free(&e);
}

static void test_hvc_deny(void)
{
	check_deny(KVM_TRAP_CONDUIT_HVC);
}

static void test_smc_deny(void)
{
	check_deny(KVM_TRAP_CONDUIT_SMC);
}

/*
 * UNDEF: the guest takes EC 0 with ELR at the HVC/SMC itself, and its
 * registers are as it left them.
 */
static void check_undef(const struct kt_call *c)
{
	struct kt_regs r;
	struct kt_env e;
	int i;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_UNDEF, RET_BASE);
	kt_run_call(e.vcpu, c, &r);
	kt_assert_runs(e.skel, 1);
	TEST_ASSERT(r.undef_count == 1, "%s #0x%x: %lu undefined-instruction exceptions, expected 1",
		    kt_conduit_str(c->conduit), c->imm, r.undef_count);
	TEST_ASSERT(r.undef_elr == r.pc, "ELR 0x%lx, expected the %s at 0x%lx",
		    r.undef_elr, kt_conduit_str(c->conduit), r.pc);
	TEST_ASSERT(((r.undef_esr >> ESR_EC_SHIFT) & ESR_EC_MASK) == ESR_EC_UNKNOWN,
		    "ESR 0x%lx, expected EC 0 (unknown)", r.undef_esr);
	for (i = 0; i < 8; i++)
		TEST_ASSERT(r.x[i] == c->x[i], "x%d = 0x%lx, expected 0x%lx (unchanged)",
			    i, r.x[i], c->x[i]);
	kt_assert_stats(e.vm, 0, 0, 0, 0, 1, 0);
	kt_env_free(&e);
}

static void test_hvc_undef(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);

	check_undef(&c);
}

static void test_smc_undef(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);

	check_undef(&c);
}

/* ---- immediates ---- */

static void check_ctx_imm(uint32_t conduit, uint32_t imm)
{
	struct kt_call c = kt_imm_call(conduit, imm, IMM_X0);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_DENY);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	/* Not an SMCCC call: all of x0, all of x1..x7, no SMC32 flag. */
	kt_assert_ctx(e.skel, &c, 0, 0, IMM_X0, false);
	kt_env_free(&e);
}

static void test_ctx_hvc_imm(void)
{
	check_ctx_imm(KVM_TRAP_CONDUIT_HVC, KT_IMM_42);
}

static void test_ctx_smc_imm(void)
{
	check_ctx_imm(KVM_TRAP_CONDUIT_SMC, KT_IMM_FFFF);
}

/* HANDLED applies to calls with an immediate, not narrowed either. */
static void check_imm_handled(uint32_t conduit, uint32_t imm)
{
	struct kt_call c = kt_imm_call(conduit, imm, IMM_X0);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, RET_BASE);
	e.skel->bss->rule.match_imm = 1;
	e.skel->bss->rule.imm = imm;
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_ret(&c, &r, RET_BASE, RET_BASE + 1, RET_BASE + 2,
		      RET_BASE + 3);
	kt_env_free(&e);
}

static void test_hvc_imm_handled(void)
{
	check_imm_handled(KVM_TRAP_CONDUIT_HVC, KT_IMM_1);
}

static void test_smc_imm_handled(void)
{
	check_imm_handled(KVM_TRAP_CONDUIT_SMC, KT_IMM_1);
}

static void test_hvc_imm_deny(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_FFFF,
				       ARM_SMCCC_VERSION_FUNC_ID);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_DENY, RET_BASE);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	/* DENY wins over the native SMCCC_VERSION the HVC's x0 asks for. */
	kt_assert_not_supported(&c, &r);
	kt_env_free(&e);
}

static void test_hvc_imm_undef(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_42, IMM_X0);

	check_undef(&c);
}

static void test_smc_imm_undef(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_SMC, KT_IMM_42, IMM_X0);

	check_undef(&c);
}

/* PASS on HVC #imm: upstream handles x0 as an SMCCC call, imm ignored. */
static void test_hvc_imm_pass_upstream(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_1,
				       ARM_SMCCC_VERSION_FUNC_ID);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_PASS, RET_BASE);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	TEST_ASSERT(e.skel->bss->seen.ctx.imm == KT_IMM_1, "ctx.imm 0x%x",
		    e.skel->bss->seen.ctx.imm);
	TEST_ASSERT(r.x[0] == ARM_SMCCC_VERSION_1_1,
		    "HVC #1 SMCCC_VERSION after PASS: x0 = 0x%lx, expected 0x%x",
		    r.x[0], ARM_SMCCC_VERSION_1_1);
	kt_assert_stats(e.vm, 1, 0, 0, 0, 0, 0);
	kt_env_free(&e);
}

/* PASS on SMC #imm: upstream sets x0 = ~0 and nothing else. */
static void test_smc_imm_pass_upstream(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_SMC, KT_IMM_1, IMM_X0);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_PASS, RET_BASE);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_ret(&c, &r, ~0ull, c.x[1], c.x[2], c.x[3]);
	kt_env_free(&e);
}

/*
 * An HVC #imm that the programs PASS gets the upstream answer for its x0:
 * for a function ID nobody implements, NOT_SUPPORTED.  The programs
 * already had their say on this call, with its immediate; the SMCCC
 * fallback must not offer it to them a second time (as an imm 0 call it
 * is not) -- one call, one decision in the statistics.
 */
static void test_hvc_imm_pass_not_reoffered(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_1,
				       KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	/* PASS for the HVC #1, HANDLED for anything else. */
	kt_rule_ret(e.skel, KVM_TRAP_PASS, RET_BASE);
	e.skel->bss->rule.match_imm = 1;
	e.skel->bss->rule.imm = KT_IMM_1;
	e.skel->bss->rule.verdict_other = KVM_TRAP_HANDLED;
	kt_run_call(e.vcpu, &c, &r);
	TEST_ASSERT(e.skel->bss->seen.runs == 1,
		    "HVC #1, x0 = 0x%lx: offered %llu times (last with imm 0x%x), expected once",
		    c.x[0], e.skel->bss->seen.runs, e.skel->bss->seen.ctx.imm);
	kt_assert_not_supported(&c, &r);
	kt_assert_stats(e.vm, 1, 0, 0, 0, 0, 0);
	kt_env_free(&e);
}

/* ---- statistics ---- */

/*
 * One VM, one call per verdict: exactly one counter moves per call, and a
 * FORWARD the VMM did not ask for moves trap_bpf_forward_refused too.
 */
static void test_stats_per_verdict(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_assert_stats(e.vm, 0, 0, 0, 0, 0, 0);

	kt_rule_all(e.skel, KVM_TRAP_PASS);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_stats(e.vm, 1, 0, 0, 0, 0, 0);

	kt_rule_all(e.skel, KVM_TRAP_HANDLED);
	kt_run_call(e.vcpu, &c, &r);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_stats(e.vm, 1, 2, 0, 0, 0, 0);

	kt_rule_all(e.skel, KVM_TRAP_FORWARD);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_stats(e.vm, 1, 2, 1, 0, 0, 1);

	kt_accept_forwards(e.vm);
	kt_start(e.vcpu, &c);
	kt_assert_hypercall_exit(e.vcpu);
	kt_finish(e.vcpu, &r);
	kt_assert_stats(e.vm, 1, 2, 2, 0, 0, 1);

	kt_rule_all(e.skel, KVM_TRAP_DENY);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_stats(e.vm, 1, 2, 2, 1, 0, 1);

	kt_rule_all(e.skel, KVM_TRAP_UNDEF);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_stats(e.vm, 1, 2, 2, 1, 1, 1);

	/* Calls never offered count nowhere. */
	c = kt_smccc(KVM_TRAP_CONDUIT_SMC, ARM_SMCCC_VERSION_FUNC_ID);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_stats(e.vm, 1, 2, 2, 1, 1, 1);
	kt_assert_runs(e.skel, 7);
	kt_env_free(&e);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_ctx_hvc_smc64),
	KVMTRAP_TEST(test_ctx_smc_smc64),
	KVMTRAP_TEST(test_ctx_hvc_smc32_narrowed),
	KVMTRAP_TEST(test_ctx_smc_smc32_narrowed),
	KVMTRAP_TEST(test_ctx_vcpu_id),
	KVMTRAP_TEST(test_hvc_pass_default),
	KVMTRAP_TEST(test_smc_pass_default),
	KVMTRAP_TEST(test_hvc_handled),
	KVMTRAP_TEST(test_smc_handled),
	KVMTRAP_TEST(test_hvc_handled_smc32_truncated),
	KVMTRAP_TEST(test_smc_handled_smc32_truncated),
	KVMTRAP_TEST(test_handled_preset_ret),
	KVMTRAP_TEST(test_hvc_deny),
	KVMTRAP_TEST(test_smc_deny),
	KVMTRAP_TEST(test_hvc_undef),
	KVMTRAP_TEST(test_smc_undef),
	KVMTRAP_TEST(test_ctx_hvc_imm),
	KVMTRAP_TEST(test_ctx_smc_imm),
	KVMTRAP_TEST(test_hvc_imm_handled),
	KVMTRAP_TEST(test_smc_imm_handled),
	KVMTRAP_TEST(test_hvc_imm_deny),
	KVMTRAP_TEST(test_hvc_imm_undef),
	KVMTRAP_TEST(test_smc_imm_undef),
	KVMTRAP_TEST(test_hvc_imm_pass_upstream),
	KVMTRAP_TEST(test_smc_imm_pass_upstream),
	KVMTRAP_TEST(test_hvc_imm_pass_not_reoffered),
	KVMTRAP_TEST(test_stats_per_verdict),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
