// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_default - the routing of guest hypervisor calls with no kvmtrap
 * program attached, i.e. what every later kvmtrap test is measured against.
 *
 *  - An HVC or SMC with a function ID no native handler knows is answered
 *    in the kernel with SMCCC_RET_NOT_SUPPORTED in x0 and zero in x1..x3,
 *    without an exit to user space.
 *  - SMCCC_VERSION is answered natively with SMCCC v1.1, on both conduits.
 *
 * One behaviour per test_*(), one VM per test; new tests copy this file.
 */
#include <linux/arm-smccc.h>
#include <stdint.h>

#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

#include "kvmtrap_test.h"

enum conduit {
	CONDUIT_HVC,
	CONDUIT_SMC,
};

/* OEM service owner: nothing in KVM implements it, for 64- and 32-bit. */
#define FUNC_UNKNOWN_64 ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, \
	ARM_SMCCC_SMC_64, ARM_SMCCC_OWNER_OEM, 0x42)
#define FUNC_UNKNOWN_32 ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, \
	ARM_SMCCC_SMC_32, ARM_SMCCC_OWNER_OEM, 0x42)

/* Arguments that a handler leaking them into x1..x3 would give away. */
#define ARG(n) (0x1111111111111111ull * (n))

static void guest_call(uint32_t func_id, enum conduit conduit)
{
	struct arm_smccc_res res;

	if (conduit == CONDUIT_SMC)
		smccc_smc(func_id, ARG(1), ARG(2), ARG(3), ARG(4), ARG(5),
			  ARG(6), ARG(7), &res);
	else
		smccc_hvc(func_id, ARG(1), ARG(2), ARG(3), ARG(4), ARG(5),
			  ARG(6), ARG(7), &res);

	GUEST_SYNC_ARGS(0, res.a0, res.a1, res.a2, res.a3);
	GUEST_DONE();
}

static struct kvm_vm *setup_vm(struct kvm_vcpu **vcpu, uint32_t func_id,
			       enum conduit conduit)
{
	struct kvm_vcpu_init init;
	struct kvm_vm *vm;

	vm = vm_create(1);
	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	/* PSCI 0.2+ in the kernel, as every real VMM configures it. */
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	*vcpu = aarch64_vcpu_add(vm, 0, &init, guest_call);
	vcpu_args_set(*vcpu, 2, (uint64_t)func_id, (uint64_t)conduit);
	return vm;
}

/*
 * Run the guest's one call; the answer must come from the kernel, so the
 * first exit is the guest's report, never KVM_EXIT_HYPERCALL.
 */
static void do_call(uint32_t func_id, enum conduit conduit, uint64_t ret[4])
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;

	vm = setup_vm(&vcpu, func_id, conduit);
	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		memcpy(ret, &uc.args[2], 4 * sizeof(uint64_t));
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("call 0x%x via %s: unexpected exit %s", func_id,
			  conduit == CONDUIT_SMC ? "SMC" : "HVC",
			  exit_reason_str(vcpu->run->exit_reason));
	}
	kvm_vm_free(vm);
}

static void assert_not_supported(uint32_t func_id, enum conduit conduit)
{
	uint64_t r[4];

	do_call(func_id, conduit, r);
	TEST_ASSERT(r[0] == (uint64_t)SMCCC_RET_NOT_SUPPORTED,
		    "x0 = 0x%lx, expected NOT_SUPPORTED", r[0]);
	TEST_ASSERT(!r[1] && !r[2] && !r[3],
		    "x1..x3 = 0x%lx 0x%lx 0x%lx, expected 0", r[1], r[2], r[3]);
}

static void assert_smccc_version(enum conduit conduit)
{
	uint64_t r[4];

	do_call(ARM_SMCCC_VERSION_FUNC_ID, conduit, r);
	TEST_ASSERT(r[0] == ARM_SMCCC_VERSION_1_1,
		    "SMCCC_VERSION x0 = 0x%lx, expected 0x%x", r[0],
		    ARM_SMCCC_VERSION_1_1);
}

static void test_hvc_unknown_not_supported(void)
{
	assert_not_supported(FUNC_UNKNOWN_64, CONDUIT_HVC);
}

static void test_smc_unknown_not_supported(void)
{
	assert_not_supported(FUNC_UNKNOWN_64, CONDUIT_SMC);
}

static void test_hvc_unknown_smc32_not_supported(void)
{
	assert_not_supported(FUNC_UNKNOWN_32, CONDUIT_HVC);
}

static void test_smc_unknown_smc32_not_supported(void)
{
	assert_not_supported(FUNC_UNKNOWN_32, CONDUIT_SMC);
}

static void test_hvc_smccc_version_native(void)
{
	assert_smccc_version(CONDUIT_HVC);
}

static void test_smc_smccc_version_native(void)
{
	assert_smccc_version(CONDUIT_SMC);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_hvc_unknown_not_supported),
	KVMTRAP_TEST(test_smc_unknown_not_supported),
	KVMTRAP_TEST(test_hvc_unknown_smc32_not_supported),
	KVMTRAP_TEST(test_smc_unknown_smc32_not_supported),
	KVMTRAP_TEST(test_hvc_smccc_version_native),
	KVMTRAP_TEST(test_smc_smccc_version_native),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
