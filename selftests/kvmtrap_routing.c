// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_routing - which guest calls reach the VM's kvm_trap programs,
 * under a program that answers HANDLED to everything it sees:
 *
 *  - SMCCC IDs no native handler recognises are offered (OEM, SiP, trusted
 *    OS, unused standard/vendor function numbers, yielding calls), on
 *    both conduits, SMC32 and SMC64.
 *  - A native service the VMM hid through the firmware pseudo-registers
 *    (KVM_REG_ARM_STD_BMAP) is unknown to that VM, so it is offered.
 *  - Native calls (SMCCC_VERSION, PSCI, TRNG, the KVM vendor UID) keep
 *    their native answers and the program never runs for them.
 *  - The architecture range 0x8000_xxxx/0xC000_xxxx never reaches the
 *    programs: NOT_SUPPORTED, program not run.
 *  - Calls that the upstream SMCCC filter denies or forwards to user space
 *    never reach the programs; the IDs next to them still do.
 *  - A VM's programs see only that VM's calls.
 *
 * No offer, no statistic: trap_bpf_* stay 0 for calls never offered.
 * One behaviour per test_*(), one VM per test.
 */
#include <linux/psci.h>

#include "kvmtrap_vm.h"

#define RET_BASE 0x5a5a000012340000ull

#define FAST32(owner, fn) ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, \
	ARM_SMCCC_SMC_32, owner, fn)
#define FAST64(owner, fn) ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, \
	ARM_SMCCC_SMC_64, owner, fn)

/* The program answers HANDLED, ret[i] = RET_BASE + i, to everything. */
static void init_handle_all(struct kt_env *e)
{
	kt_env_init(e);
	kt_rule_ret(e->skel, KVM_TRAP_HANDLED, RET_BASE);
}

/* @func is offered exactly once and the program's answer is the guest's. */
static void assert_offered(struct kt_env *e, uint32_t conduit, uint32_t func)
{
	struct kt_call c = kt_smccc(conduit, func);
	uint64_t runs = e->skel->bss->seen.runs;
	uint64_t m = ARM_SMCCC_IS_64(func) ? ~0ull : 0xffffffffull;
	struct kt_regs r;

	kt_run_call(e->vcpu, &c, &r);
	TEST_ASSERT(e->skel->bss->seen.runs == runs + 1,
		    "%s 0x%x: the program ran %llu times, expected once",
		    kt_conduit_str(conduit), func,
		    e->skel->bss->seen.runs - runs);
	TEST_ASSERT(e->skel->bss->seen.ctx.func_id == func,
		    "%s 0x%x: ctx.func_id 0x%llx", kt_conduit_str(conduit),
		    func, e->skel->bss->seen.ctx.func_id);
	kt_assert_ret(&c, &r, RET_BASE & m, (RET_BASE + 1) & m,
		      (RET_BASE + 2) & m, (RET_BASE + 3) & m);
}

/* @func gets the answer @want0..3 without the program running. */
static void assert_not_offered(struct kt_env *e, uint32_t conduit,
			       uint32_t func, uint64_t w0, uint64_t w1,
			       uint64_t w2, uint64_t w3)
{
	struct kt_call c = kt_smccc(conduit, func);
	uint64_t runs = e->skel->bss->seen.runs;
	struct kt_regs r;

	kt_run_call(e->vcpu, &c, &r);
	TEST_ASSERT(e->skel->bss->seen.runs == runs,
		    "%s 0x%x: the program ran (ctx.func_id 0x%llx), expected no offer",
		    kt_conduit_str(conduit), func,
		    e->skel->bss->seen.ctx.func_id);
	kt_assert_ret(&c, &r, w0, w1, w2, w3);
}

static const uint32_t unknown_ids[] = {
	FAST32(ARM_SMCCC_OWNER_OEM, 0x42),
	FAST64(ARM_SMCCC_OWNER_OEM, 0x42),
	FAST32(ARM_SMCCC_OWNER_SIP, 0x1),
	FAST64(ARM_SMCCC_OWNER_SIP, 0xffff),
	FAST32(ARM_SMCCC_OWNER_TRUSTED_OS, 0x0),
	FAST64(ARM_SMCCC_OWNER_TRUSTED_OS_END, 0x7),
	/* Standard service, past PSCI (0..0x1f) and not TRNG (0x50..0x53). */
	FAST32(ARM_SMCCC_OWNER_STANDARD, 0x42),
	/* Standard hypervisor service, not PV time (0x20, 0x21). */
	FAST64(ARM_SMCCC_OWNER_STANDARD_HYP, 0x42),
	/* Vendor hypervisor service, not KVM's UID, features or PTP. */
	FAST32(ARM_SMCCC_OWNER_VENDOR_HYP, 0x42),
	FAST64(ARM_SMCCC_OWNER_VENDOR_HYP, 0x42),
	/* A yielding (not fast) call. */
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_STD_CALL, ARM_SMCCC_SMC_64,
			   ARM_SMCCC_OWNER_OEM, 0x42),
};

static void test_unknown_ids_offered(void)
{
	struct kt_env e;
	int i;

	init_handle_all(&e);
	for (i = 0; i < ARRAY_SIZE(unknown_ids); i++) {
		assert_offered(&e, KVM_TRAP_CONDUIT_HVC, unknown_ids[i]);
		assert_offered(&e, KVM_TRAP_CONDUIT_SMC, unknown_ids[i]);
	}
	kt_assert_stats(e.vm, 0, 2 * ARRAY_SIZE(unknown_ids), 0, 0, 0, 0);
	kt_env_free(&e);
}

/* TRNG hidden by the VMM: the VM does not know it, the program may. */
static void test_hidden_service_offered(void)
{
	struct kt_env e;

	init_handle_all(&e);
	vcpu_set_reg(e.vcpu, KVM_REG_ARM_STD_BMAP, 0);
	assert_offered(&e, KVM_TRAP_CONDUIT_HVC, ARM_SMCCC_TRNG_VERSION);
	assert_offered(&e, KVM_TRAP_CONDUIT_SMC, ARM_SMCCC_TRNG_RND64);
	/* PSCI is not behind the bitmap: still native. */
	assert_not_offered(&e, KVM_TRAP_CONDUIT_HVC, PSCI_0_2_FN_PSCI_VERSION,
			   PSCI_VERSION(1, 1), 0, 0, 0);
	kt_env_free(&e);
}

static void check_native(uint32_t conduit)
{
	struct kt_env e;

	init_handle_all(&e);
	assert_not_offered(&e, conduit, ARM_SMCCC_VERSION_FUNC_ID,
			   ARM_SMCCC_VERSION_1_1, 0, 0, 0);
	assert_not_offered(&e, conduit, PSCI_0_2_FN_PSCI_VERSION,
			   PSCI_VERSION(1, 1), 0, 0, 0);
	assert_not_offered(&e, conduit, ARM_SMCCC_TRNG_VERSION,
			   0x10000, 0, 0, 0);
	assert_not_offered(&e, conduit, ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID,
			   ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_0,
			   ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_1,
			   ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_2,
			   ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_3);
	/* In PSCI's function range, unknown to PSCI: still PSCI's answer. */
	assert_not_offered(&e, conduit, FAST32(ARM_SMCCC_OWNER_STANDARD, 0x1f),
			   (uint64_t)PSCI_RET_NOT_SUPPORTED, 0, 0, 0);
	kt_assert_stats(e.vm, 0, 0, 0, 0, 0, 0);
	kt_env_free(&e);
}

static void test_hvc_native_not_offered(void)
{
	check_native(KVM_TRAP_CONDUIT_HVC);
}

static void test_smc_native_not_offered(void)
{
	check_native(KVM_TRAP_CONDUIT_SMC);
}

static const uint32_t arch_ids[] = {
	FAST32(ARM_SMCCC_OWNER_ARCH, 0x42),
	FAST64(ARM_SMCCC_OWNER_ARCH, 0x42),
	FAST32(ARM_SMCCC_OWNER_ARCH, 0xffff),
	FAST64(ARM_SMCCC_OWNER_ARCH, 0x7fff),
};

static void test_arch_range_not_offered(void)
{
	struct kt_env e;
	int i;

	init_handle_all(&e);
	for (i = 0; i < ARRAY_SIZE(arch_ids); i++) {
		assert_not_offered(&e, KVM_TRAP_CONDUIT_HVC, arch_ids[i],
				   KT_NOT_SUPPORTED, 0, 0, 0);
		assert_not_offered(&e, KVM_TRAP_CONDUIT_SMC, arch_ids[i],
				   KT_NOT_SUPPORTED, 0, 0, 0);
	}
	kt_assert_stats(e.vm, 0, 0, 0, 0, 0, 0);
	kt_env_free(&e);
}

static void test_filter_deny_not_offered(void)
{
	struct kt_env e;

	init_handle_all(&e);
	kt_set_filter(e.vm, KT_FUNC_64, 1, KVM_SMCCC_FILTER_DENY);
	kt_set_filter(e.vm, KT_FUNC_32, 1, KVM_SMCCC_FILTER_DENY);
	assert_not_offered(&e, KVM_TRAP_CONDUIT_HVC, KT_FUNC_64,
			   KT_NOT_SUPPORTED, 0, 0, 0);
	assert_not_offered(&e, KVM_TRAP_CONDUIT_SMC, KT_FUNC_32,
			   KT_NOT_SUPPORTED, 0, 0, 0);
	/* The next function ID is not filtered: the program decides. */
	assert_offered(&e, KVM_TRAP_CONDUIT_HVC, KT_FUNC_64 + 1);
	kt_assert_stats(e.vm, 0, 1, 0, 0, 0, 0);
	kt_env_free(&e);
}

static void test_filter_fwd_not_offered(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	init_handle_all(&e);
	kt_set_filter(e.vm, KT_FUNC_64, 1, KVM_SMCCC_FILTER_FWD_TO_USER);
	kt_start(e.vcpu, &c);
	kt_assert_hypercall_exit(e.vcpu);
	TEST_ASSERT(!(e.vcpu->run->hypercall.flags & KVM_HYPERCALL_EXIT_BPF),
		    "filter exit flagged as a program's: flags 0x%llx",
		    e.vcpu->run->hypercall.flags);
	kt_finish(e.vcpu, &r);
	kt_assert_runs(e.skel, 0);
	assert_offered(&e, KVM_TRAP_CONDUIT_SMC, KT_FUNC_64 + 1);
	kt_assert_stats(e.vm, 0, 1, 0, 0, 0, 0);
	kt_env_free(&e);
}

/* A program linked to one VM never runs for another VM's calls. */
static void test_other_vm_not_offered(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kvm_vcpu *vcpu2;
	struct kvm_vm *vm2;
	struct kt_regs r;
	struct kt_env e;

	init_handle_all(&e);
	vm2 = kt_create_vm(&vcpu2);
	kt_run_call(vcpu2, &c, &r);
	kt_assert_not_supported(&c, &r);
	kt_assert_runs(e.skel, 0);
	kt_assert_stats(vm2, 0, 0, 0, 0, 0, 0);
	assert_offered(&e, KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	kvm_vm_free(vm2);
	kt_env_free(&e);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_unknown_ids_offered),
	KVMTRAP_TEST(test_hidden_service_offered),
	KVMTRAP_TEST(test_hvc_native_not_offered),
	KVMTRAP_TEST(test_smc_native_not_offered),
	KVMTRAP_TEST(test_arch_range_not_offered),
	KVMTRAP_TEST(test_filter_deny_not_offered),
	KVMTRAP_TEST(test_filter_fwd_not_offered),
	KVMTRAP_TEST(test_other_vm_not_offered),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
