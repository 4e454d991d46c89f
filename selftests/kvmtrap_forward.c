// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_forward - the KVM_TRAP_FORWARD verdict and the KVM_EXIT_HYPERCALL
 * exit it shares with the upstream SMCCC filter's FWD_TO_USER:
 *
 *  - FORWARD exits with nr = ctx.func_id, args[0..5] = x1..x6 (narrowed for
 *    SMC32 calls), flags SMC (for SMC) | BPF | IMM (imm != 0), never 16BIT
 *    or AARCH32 for an A64 guest, imm = the immediate.
 *  - x0 is preset to NOT_SUPPORTED (32 bits of it for SMC32): a VMM that
 *    just resumes gives the guest NOT_SUPPORTED, with x1..x3 its own.
 *  - KVM_HYPERCALL_EXIT_RET_REGS set by the VMM before the next KVM_RUN
 *    returns ret_regs[0..3] in x0..x3 (narrowed for SMC32 calls, whole
 *    for calls with an immediate), x4.. untouched; only for that exit.
 *  - The filter's FWD_TO_USER exit carries x1..x6 and the same flags
 *    without BPF; x0 is not preset; RET_REGS works for it too.
 *  - A vCPU reset (KVM_ARM_VCPU_INIT) drops an answer not yet applied.
 *  - Only a VMM that opted in (KVM_ENABLE_CAP(KVM_CAP_TRAP_BPF,
 *    KVM_TRAP_ENABLE_FORWARD), before or after its links exist) gets the
 *    exit; for any other FORWARD acts as DENY, counted in
 *    trap_bpf_forward_refused.  The opt-in is sticky, checked, the VMM's
 *    own, and shown in the VM fd's fdinfo.  The filter's FWD_TO_USER needs
 *    no opt-in: the VMM asked for it by installing the filter.
 *
 * One behaviour per test_*(), one VM per test.
 */
#include "kvmtrap_vm.h"

#define RET_BASE 0xc0ffee0011110000ull
#define IMM_X0 0x0123456783000042ull
#define SMC32_X0 (0xdeadbeef00000000ull | KT_FUNC_32)

/*
 * A VMM that takes forwards: it opts in before its program is linked (the
 * other order is test_opt_in_after_link).
 */
static void fwd_env_init(struct kt_env *e)
{
	e->vm = kt_create_vm(&e->vcpu);
	kt_accept_forwards(e->vm);
	e->skel = kt_policy_load();
	e->link = kt_policy_attach(e->skel, e->vm);
}

static uint64_t get_x0(struct kvm_vcpu *vcpu)
{
	uint64_t x0;

	vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[0]), &x0);
	return x0;
}

/* The hypercall exit of call @c: nr, args, flags, imm. */
static void assert_exit(struct kvm_vcpu *vcpu, const struct kt_call *c,
			uint64_t nr, uint64_t flags, bool narrow)
{
	struct kvm_run *run = vcpu->run;
	uint64_t want;
	int i;

	kt_assert_hypercall_exit(vcpu);
	TEST_ASSERT(run->hypercall.nr == nr, "hypercall.nr 0x%llx, expected 0x%lx",
		    run->hypercall.nr, nr);
	TEST_ASSERT(run->hypercall.flags == flags,
		    "hypercall.flags 0x%llx, expected 0x%lx",
		    run->hypercall.flags, flags);
	TEST_ASSERT(run->hypercall.imm == c->imm, "hypercall.imm 0x%x, expected 0x%x",
		    run->hypercall.imm, c->imm);
	for (i = 0; i < 6; i++) {
		want = narrow ? (uint32_t)c->x[i + 1] : c->x[i + 1];
		TEST_ASSERT(run->hypercall.args[i] == want,
			    "hypercall.args[%d] 0x%llx, expected 0x%lx", i,
			    run->hypercall.args[i], want);
	}
}

/* The program forwards call @c: check the exit, resume without a word. */
static void check_forward_exit(const struct kt_call *c, uint64_t nr,
			       uint64_t flags, bool narrow)
{
	struct kt_regs r;
	struct kt_env e;

	fwd_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_FORWARD, RET_BASE);
	kt_start(e.vcpu, c);
	assert_exit(e.vcpu, c, nr, flags | KVM_HYPERCALL_EXIT_BPF, narrow);
	kt_assert_runs(e.skel, 1);
	kt_assert_stats(e.vm, 0, 0, 1, 0, 0, 0);
	kt_finish(e.vcpu, &r);
	kt_env_free(&e);
}

static void test_hvc_forward_exit(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);

	check_forward_exit(&c, KT_FUNC_64, 0, false);
}

static void test_smc_forward_exit(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);

	check_forward_exit(&c, KT_FUNC_64, KVM_HYPERCALL_EXIT_SMC, false);
}

static void test_hvc_forward_exit_smc32_narrowed(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, SMC32_X0);

	check_forward_exit(&c, KT_FUNC_32, 0, true);
}

static void test_smc_forward_exit_smc32_narrowed(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, SMC32_X0);

	check_forward_exit(&c, KT_FUNC_32, KVM_HYPERCALL_EXIT_SMC, true);
}

/* With an immediate: nr is all of x0, nothing narrowed, IMM and imm set. */
static void test_hvc_imm_forward_exit(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_42, IMM_X0);

	check_forward_exit(&c, IMM_X0, KVM_HYPERCALL_EXIT_IMM, false);
}

static void test_smc_imm_forward_exit(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_SMC, KT_IMM_FFFF,
				       IMM_X0);

	check_forward_exit(&c, IMM_X0,
			   KVM_HYPERCALL_EXIT_SMC | KVM_HYPERCALL_EXIT_IMM, false);
}

/*
 * The VMM resumes without answering: x0 was preset to NOT_SUPPORTED (as
 * the guest sees it at the exit already), x1..x3 are the guest's own.
 */
static void check_forward_ignored(uint32_t conduit, uint64_t x0, bool narrow)
{
	struct kt_call c = kt_smccc(conduit, x0);
	uint64_t ns = narrow ? (uint32_t)KT_NOT_SUPPORTED : KT_NOT_SUPPORTED;
	struct kt_regs r;
	struct kt_env e;

	fwd_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_FORWARD, RET_BASE);
	kt_start(e.vcpu, &c);
	kt_assert_hypercall_exit(e.vcpu);
	TEST_ASSERT(get_x0(e.vcpu) == ns, "x0 at the exit 0x%lx, expected 0x%lx",
		    get_x0(e.vcpu), ns);
	kt_finish(e.vcpu, &r);
	kt_assert_ret(&c, &r, ns, c.x[1], c.x[2], c.x[3]);
	kt_env_free(&e);
}

static void test_hvc_forward_ignored_not_supported(void)
{
	check_forward_ignored(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64, false);
}

static void test_smc_forward_ignored_not_supported(void)
{
	check_forward_ignored(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64, false);
}

static void test_forward_ignored_smc32_not_supported(void)
{
	check_forward_ignored(KVM_TRAP_CONDUIT_SMC, SMC32_X0, true);
}

/* The VMM answers through kvm_run: x0..x3 = ret_regs, narrowed or not. */
static void answer_ret_regs(struct kvm_vcpu *vcpu, uint64_t base)
{
	int i;

	vcpu->run->hypercall.flags |= KVM_HYPERCALL_EXIT_RET_REGS;
	for (i = 0; i < 4; i++)
		vcpu->run->hypercall.ret_regs[i] = base + i;
}

static void check_ret_regs(const struct kt_call *c, bool narrow)
{
	uint64_t m = narrow ? 0xffffffffull : ~0ull;
	struct kt_regs r;
	struct kt_env e;

	fwd_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_FORWARD, RET_BASE);
	kt_start(e.vcpu, c);
	kt_assert_hypercall_exit(e.vcpu);
	answer_ret_regs(e.vcpu, ~RET_BASE);
	kt_finish(e.vcpu, &r);
	kt_assert_ret(c, &r, ~RET_BASE & m, (~RET_BASE + 1) & m,
		      (~RET_BASE + 2) & m, (~RET_BASE + 3) & m);
	kt_env_free(&e);
}

static void test_hvc_forward_ret_regs(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);

	check_ret_regs(&c, false);
}

static void test_smc_forward_ret_regs(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);

	check_ret_regs(&c, false);
}

static void test_hvc_forward_ret_regs_smc32_narrowed(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, SMC32_X0);

	check_ret_regs(&c, true);
}

static void test_smc_forward_ret_regs_smc32_narrowed(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, SMC32_X0);

	check_ret_regs(&c, true);
}

static void test_smc_imm_forward_ret_regs(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_SMC, KT_IMM_1, IMM_X0);

	check_ret_regs(&c, false);
}

/*
 * RET_REGS answers the one exit it was set on: the next forwarded call,
 * resumed with the flags KVM wrote, gets the preset NOT_SUPPORTED.
 */
static void test_forward_ret_regs_once(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	fwd_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_FORWARD);
	kt_start(e.vcpu, &c);
	kt_assert_hypercall_exit(e.vcpu);
	answer_ret_regs(e.vcpu, RET_BASE);
	kt_finish(e.vcpu, &r);
	kt_assert_ret(&c, &r, RET_BASE, RET_BASE + 1, RET_BASE + 2,
		      RET_BASE + 3);

	kt_start(e.vcpu, &c);
	kt_assert_hypercall_exit(e.vcpu);
	TEST_ASSERT(!(e.vcpu->run->hypercall.flags & KVM_HYPERCALL_EXIT_RET_REGS),
		    "RET_REGS still set by KVM on the next exit: flags 0x%llx",
		    e.vcpu->run->hypercall.flags);
	kt_finish(e.vcpu, &r);
	kt_assert_ret(&c, &r, KT_NOT_SUPPORTED, c.x[1], c.x[2], c.x[3]);
	kt_assert_runs(e.skel, 2);
	kt_env_free(&e);
}

/*
 * The answer is applied at the very start of the next KVM_RUN, before the
 * immediate_exit check: a KVM_RUN with immediate_exit set shows in x0
 * whether it was applied, without running the guest.  With @reset, the VMM
 * resets the vCPU in between (KVM_ARM_VCPU_INIT) and sets x0 itself; the
 * answer to a call the reset threw away must not overwrite it.
 */
#define X0_AFTER_RESET 0x5eed0000ull

static uint64_t x0_after_answer(bool reset)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kvm_vcpu_init init;
	struct kt_env e;
	uint64_t x0;
	int r;

	fwd_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_FORWARD);
	kt_start(e.vcpu, &c);
	kt_assert_hypercall_exit(e.vcpu);
	answer_ret_regs(e.vcpu, RET_BASE);
	if (reset) {
		vm_ioctl(e.vm, KVM_ARM_PREFERRED_TARGET, &init);
		init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
		vcpu_ioctl(e.vcpu, KVM_ARM_VCPU_INIT, &init);
		vcpu_set_reg(e.vcpu, ARM64_CORE_REG(regs.regs[0]),
			     X0_AFTER_RESET);
	}
	e.vcpu->run->immediate_exit = 1;
	r = __vcpu_run(e.vcpu);
	TEST_ASSERT(r == -1 && errno == EINTR,
		    "KVM_RUN with immediate_exit: %d (%s), expected EINTR", r,
		    strerror(errno));
	e.vcpu->run->immediate_exit = 0;
	x0 = get_x0(e.vcpu);
	kt_env_free(&e);
	return x0;
}

/* The control for the next test: without a reset the answer does land. */
static void test_ret_regs_applied_on_next_run(void)
{
	uint64_t x0 = x0_after_answer(false);

	TEST_ASSERT(x0 == RET_BASE, "x0 = 0x%lx after the answered KVM_RUN, expected 0x%llx",
		    x0, RET_BASE);
}

static void test_ret_regs_dropped_by_vcpu_reset(void)
{
	uint64_t x0 = x0_after_answer(true);

	TEST_ASSERT(x0 == X0_AFTER_RESET,
		    "x0 = 0x%lx: the answer to a call from before KVM_ARM_VCPU_INIT overwrote the VMM's 0x%llx",
		    x0, X0_AFTER_RESET);
}

/* ---- the upstream SMCCC filter's FWD_TO_USER ---- */

/* No KVM_TRAP_ENABLE_FORWARD: installing the filter is the VMM's request. */
static void init_filter_fwd(struct kt_env *e, uint32_t func)
{
	kt_env_init(e);
	/* The program would answer; the filter goes first. */
	kt_rule_ret(e->skel, KVM_TRAP_HANDLED, RET_BASE);
	kt_set_filter(e->vm, func, 1, KVM_SMCCC_FILTER_FWD_TO_USER);
}

static void check_filter_fwd_exit(uint32_t conduit, uint64_t x0, bool narrow)
{
	struct kt_call c = kt_smccc(conduit, x0);
	struct kt_regs r;
	struct kt_env e;

	init_filter_fwd(&e, (uint32_t)x0);
	kt_start(e.vcpu, &c);
	assert_exit(e.vcpu, &c, (uint32_t)x0,
		    conduit == KVM_TRAP_CONDUIT_SMC ? KVM_HYPERCALL_EXIT_SMC : 0,
		    narrow);
	/* Not preset: a VMM that ignores the exit leaves x0..x3 as they were. */
	kt_finish(e.vcpu, &r);
	kt_assert_ret(&c, &r, c.x[0], c.x[1], c.x[2], c.x[3]);
	kt_assert_runs(e.skel, 0);
	kt_assert_stats(e.vm, 0, 0, 0, 0, 0, 0);
	kt_env_free(&e);
}

static void test_hvc_filter_fwd_exit_args(void)
{
	check_filter_fwd_exit(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64, false);
}

static void test_smc_filter_fwd_exit_args(void)
{
	check_filter_fwd_exit(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64, false);
}

static void test_filter_fwd_exit_smc32_narrowed(void)
{
	check_filter_fwd_exit(KVM_TRAP_CONDUIT_SMC, SMC32_X0, true);
}

static void test_filter_fwd_ret_regs(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, SMC32_X0);
	uint64_t m = 0xffffffffull;
	struct kt_regs r;
	struct kt_env e;

	init_filter_fwd(&e, KT_FUNC_32);
	kt_start(e.vcpu, &c);
	kt_assert_hypercall_exit(e.vcpu);
	answer_ret_regs(e.vcpu, ~RET_BASE);
	kt_finish(e.vcpu, &r);
	kt_assert_ret(&c, &r, ~RET_BASE & m, (~RET_BASE + 1) & m,
		      (~RET_BASE + 2) & m, (~RET_BASE + 3) & m);
	kt_assert_runs(e.skel, 0);
	kt_env_free(&e);
}

/* ---- the VMM's opt-in ---- */

/*
 * A VMM that never asked for forwards gets no exit: the guest sees DENY's
 * answer, the program's FORWARD is counted, and counted as refused.
 */
static void check_forward_refused(const struct kt_call *c)
{
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_FORWARD, RET_BASE);
	kt_run_call(e.vcpu, c, &r);
	kt_assert_not_supported(c, &r);
	kt_assert_runs(e.skel, 1);
	kt_assert_stats(e.vm, 0, 0, 1, 0, 0, 1);
	kt_env_free(&e);
}

static void test_hvc_forward_refused_without_opt_in(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);

	check_forward_refused(&c);
}

static void test_smc_imm_forward_refused_without_opt_in(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_SMC, KT_IMM_42, IMM_X0);

	check_forward_refused(&c);
}

/* The same VMM, once it opts in with its program linked, gets the exit. */
static void test_opt_in_after_link(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_FORWARD, RET_BASE);
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_not_supported(&c, &r);

	kt_accept_forwards(e.vm);
	kt_start(e.vcpu, &c);
	assert_exit(e.vcpu, &c, KT_FUNC_64, KVM_HYPERCALL_EXIT_BPF, false);
	kt_finish(e.vcpu, &r);
	kt_assert_stats(e.vm, 0, 0, 2, 0, 0, 1);
	kt_env_free(&e);
}

/* The "trap_forward:" line of the VM fd's fdinfo. */
static int fdinfo_forward(struct kvm_vm *vm)
{
	char path[64], line[128];
	int val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm->fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "trap_forward: %d", &val) == 1)
			break;
	fclose(f);
	TEST_ASSERT(val == 0 || val == 1, "no \"trap_forward:\t0|1\" line in %s",
		    path);
	return val;
}

/* Sticky: enabling again is no error, and there is no way back. */
static void test_opt_in_fdinfo_sticky(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	int r;

	TEST_ASSERT(fdinfo_forward(vm) == 0, "a new VM accepts forwards");
	kt_accept_forwards(vm);
	TEST_ASSERT(fdinfo_forward(vm) == 1, "fdinfo: no forwards after the opt-in");
	kt_accept_forwards(vm);
	r = __vm_enable_cap(vm, KVM_CAP_TRAP_BPF, 0);
	TEST_ASSERT(!r, "KVM_ENABLE_CAP with no flag: %s, expected 0",
		    strerror(errno));
	TEST_ASSERT(fdinfo_forward(vm) == 1, "fdinfo: the opt-in went away");
	kvm_vm_free(vm);
}

static void test_opt_in_bad_args_einval(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_TRAP_BPF };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	int r;

	cap.args[0] = KVM_TRAP_ENABLE_FORWARD << 1;
	r = __vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
	TEST_ASSERT(r == -1 && errno == EINVAL, "unknown flag 0x%llx: %d (%s), expected EINVAL",
		    cap.args[0], r, strerror(errno));
	cap.args[0] = KVM_TRAP_ENABLE_FORWARD;
	cap.args[1] = 1;
	r = __vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
	TEST_ASSERT(r == -1 && errno == EINVAL, "args[1] = 1: %d (%s), expected EINVAL",
		    r, strerror(errno));
	cap.args[1] = 0;
	cap.flags = 1;
	r = __vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
	TEST_ASSERT(r == -1 && errno == EINVAL, "flags = 1: %d (%s), expected EINVAL",
		    r, strerror(errno));
	TEST_ASSERT(fdinfo_forward(vm) == 0, "a rejected KVM_ENABLE_CAP enabled forwards");
	kvm_vm_free(vm);
}

/*
 * Only the VMM opts in: another process holding the VM fd (a tool that
 * took it with pidfd_getfd(), here a forked child) gets EIO, as for every
 * VM ioctl that is not kvmtrap's read-only pair.
 */
static void test_opt_in_vmm_only(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	int status;
	pid_t pid;

	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		int r = __vm_enable_cap(vm, KVM_CAP_TRAP_BPF,
					KVM_TRAP_ENABLE_FORWARD);

		_exit(r == -1 && errno == EIO ? 0 : 1);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status),
		    "KVM_ENABLE_CAP from another process did not fail with EIO");
	TEST_ASSERT(fdinfo_forward(vm) == 0, "another process enabled forwards");
	kvm_vm_free(vm);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_hvc_forward_exit),
	KVMTRAP_TEST(test_smc_forward_exit),
	KVMTRAP_TEST(test_hvc_forward_exit_smc32_narrowed),
	KVMTRAP_TEST(test_smc_forward_exit_smc32_narrowed),
	KVMTRAP_TEST(test_hvc_imm_forward_exit),
	KVMTRAP_TEST(test_smc_imm_forward_exit),
	KVMTRAP_TEST(test_hvc_forward_ignored_not_supported),
	KVMTRAP_TEST(test_smc_forward_ignored_not_supported),
	KVMTRAP_TEST(test_forward_ignored_smc32_not_supported),
	KVMTRAP_TEST(test_hvc_forward_ret_regs),
	KVMTRAP_TEST(test_smc_forward_ret_regs),
	KVMTRAP_TEST(test_hvc_forward_ret_regs_smc32_narrowed),
	KVMTRAP_TEST(test_smc_forward_ret_regs_smc32_narrowed),
	KVMTRAP_TEST(test_smc_imm_forward_ret_regs),
	KVMTRAP_TEST(test_forward_ret_regs_once),
	KVMTRAP_TEST(test_ret_regs_applied_on_next_run),
	KVMTRAP_TEST(test_ret_regs_dropped_by_vcpu_reset),
	KVMTRAP_TEST(test_hvc_filter_fwd_exit_args),
	KVMTRAP_TEST(test_smc_filter_fwd_exit_args),
	KVMTRAP_TEST(test_filter_fwd_exit_smc32_narrowed),
	KVMTRAP_TEST(test_filter_fwd_ret_regs),
	KVMTRAP_TEST(test_hvc_forward_refused_without_opt_in),
	KVMTRAP_TEST(test_smc_imm_forward_refused_without_opt_in),
	KVMTRAP_TEST(test_opt_in_after_link),
	KVMTRAP_TEST(test_opt_in_fdinfo_sticky),
	KVMTRAP_TEST(test_opt_in_bad_args_einval),
	KVMTRAP_TEST(test_opt_in_vmm_only),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
