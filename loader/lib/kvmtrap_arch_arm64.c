// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_arch_arm64.c: the calls of arm64 guests: SMCCC function IDs over
 * HVC and SMC (ARM DEN0028), their names, and the context KVM gives the
 * programs for a described call, so that a policy run with
 * BPF_PROG_TEST_RUN (kvmtrap_policy_test(), "kvmtrap test") sees what it
 * would see behind a real trap.  The context mirrors
 * kvm_arm_trap_fill_ctx() and smccc_call_is_narrow() of the kernel; the
 * kvmtrap_query selftest compares the two through KVM_TRAP_QUERY.
 *
 * Plain C with no libbpf, so that the host unit tests build it too.
 */
#include <errno.h>
#include <string.h>

#include "kvmtrap_arch.h"
#include "libkvmtrap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * SMCCC function IDs (ARM DEN0028): fast call bit 31, SMC64 bit 30, the
 * owning service in bits 29:24, the function number in 15:0.  Spelled out
 * here because include/linux/arm-smccc.h is not UAPI.
 */
#define SMCCC_FAST		0x80000000u
#define SMCCC_64		0x40000000u
#define SMCCC_ID(conv, owner, fn) \
	(SMCCC_FAST | (conv) | ((uint32_t)(owner) << 24) | (fn))
#define SMCCC_OWNER_ARCH		0
#define SMCCC_OWNER_STANDARD		4
#define SMCCC_OWNER_STANDARD_HYP	5
#define SMCCC_OWNER_VENDOR_HYP		6

#define ARCH32(fn)	SMCCC_ID(0, SMCCC_OWNER_ARCH, fn)
#define STD32(fn)	SMCCC_ID(0, SMCCC_OWNER_STANDARD, fn)
#define STD64(fn)	SMCCC_ID(SMCCC_64, SMCCC_OWNER_STANDARD, fn)
#define STDHYP64(fn)	SMCCC_ID(SMCCC_64, SMCCC_OWNER_STANDARD_HYP, fn)
#define VHYP32(fn)	SMCCC_ID(0, SMCCC_OWNER_VENDOR_HYP, fn)
#define VHYP64(fn)	SMCCC_ID(SMCCC_64, SMCCC_OWNER_VENDOR_HYP, fn)

/*
 * The calls Linux's KVM knows (include/linux/arm-smccc.h,
 * include/uapi/linux/psci.h), named after those headers without their
 * ARM_SMCCC_/PSCI_x_y_FN prefixes.  A call that exists in both calling
 * conventions has its SMC32 ID under the plain name and its SMC64 ID under
 * the name with "_64"; a call that exists in one convention only has the
 * plain name (PV_TIME_ST is SMC64, TRNG_RND64 is its own function).
 */
static const struct kvmtrap_func_name arm64_funcs[] = {
	/* Arm architecture calls */
	{ "SMCCC_VERSION",		ARCH32(0) },
	{ "SMCCC_ARCH_FEATURES",	ARCH32(1) },
	{ "SMCCC_ARCH_SOC_ID",		ARCH32(2) },
	{ "SMCCC_ARCH_WORKAROUND_1",	ARCH32(0x8000) },
	{ "SMCCC_ARCH_WORKAROUND_2",	ARCH32(0x7fff) },
	{ "SMCCC_ARCH_WORKAROUND_3",	ARCH32(0x3fff) },
	/* PSCI 0.2, 1.0, 1.1 */
	{ "PSCI_VERSION",		STD32(0) },
	{ "PSCI_CPU_SUSPEND",		STD32(1) },
	{ "PSCI_CPU_SUSPEND_64",	STD64(1) },
	{ "PSCI_CPU_OFF",		STD32(2) },
	{ "PSCI_CPU_ON",		STD32(3) },
	{ "PSCI_CPU_ON_64",		STD64(3) },
	{ "PSCI_AFFINITY_INFO",		STD32(4) },
	{ "PSCI_AFFINITY_INFO_64",	STD64(4) },
	{ "PSCI_MIGRATE",		STD32(5) },
	{ "PSCI_MIGRATE_64",		STD64(5) },
	{ "PSCI_MIGRATE_INFO_TYPE",	STD32(6) },
	{ "PSCI_MIGRATE_INFO_UP_CPU",	STD32(7) },
	{ "PSCI_MIGRATE_INFO_UP_CPU_64", STD64(7) },
	{ "PSCI_SYSTEM_OFF",		STD32(8) },
	{ "PSCI_SYSTEM_RESET",		STD32(9) },
	{ "PSCI_FEATURES",		STD32(10) },
	{ "PSCI_CPU_FREEZE",		STD32(11) },
	{ "PSCI_CPU_DEFAULT_SUSPEND",	STD32(12) },
	{ "PSCI_CPU_DEFAULT_SUSPEND_64", STD64(12) },
	{ "PSCI_NODE_HW_STATE",		STD32(13) },
	{ "PSCI_NODE_HW_STATE_64",	STD64(13) },
	{ "PSCI_SYSTEM_SUSPEND",	STD32(14) },
	{ "PSCI_SYSTEM_SUSPEND_64",	STD64(14) },
	{ "PSCI_SET_SUSPEND_MODE",	STD32(15) },
	{ "PSCI_STAT_RESIDENCY",	STD32(16) },
	{ "PSCI_STAT_RESIDENCY_64",	STD64(16) },
	{ "PSCI_STAT_COUNT",		STD32(17) },
	{ "PSCI_STAT_COUNT_64",		STD64(17) },
	{ "PSCI_SYSTEM_RESET2",		STD32(18) },
	{ "PSCI_SYSTEM_RESET2_64",	STD64(18) },
	{ "PSCI_MEM_PROTECT",		STD32(19) },
	{ "PSCI_MEM_PROTECT_CHECK_RANGE", STD32(20) },
	{ "PSCI_MEM_PROTECT_CHECK_RANGE_64", STD64(20) },
	/* TRNG (ARM DEN0098) */
	{ "TRNG_VERSION",		STD32(0x50) },
	{ "TRNG_FEATURES",		STD32(0x51) },
	{ "TRNG_GET_UUID",		STD32(0x52) },
	{ "TRNG_RND32",			STD32(0x53) },
	{ "TRNG_RND64",			STD64(0x53) },
	/* Paravirtualised time (ARM DEN0057A) */
	{ "PV_TIME_FEATURES",		STDHYP64(0x20) },
	{ "PV_TIME_ST",			STDHYP64(0x21) },
	/* KVM's vendor hypervisor service */
	{ "KVM_VENDOR_HYP_CALL_UID",	VHYP32(0xff01) },
	{ "KVM_VENDOR_HYP_FEATURES",	VHYP32(0) },
	{ "KVM_PTP",			VHYP32(1) },
	{ "KVM_HYP_MEMINFO",		VHYP64(2) },
	{ "KVM_MEM_SHARE",		VHYP64(3) },
	{ "KVM_MEM_UNSHARE",		VHYP64(4) },
	{ "KVM_MMIO_GUARD",		VHYP64(7) },
};

#define SMCCC_NOT_SUPPORTED	((uint64_t)-1)
#define SMCCC_OWNER(id)		(((id) >> 24) & 0x3f)

static int arm64_call_valid(const struct kvm_trap_query *q)
{
	if (q->conduit != KVM_TRAP_CONDUIT_HVC &&
	    q->conduit != KVM_TRAP_CONDUIT_SMC)
		return -EINVAL;
	if (q->imm > 0xffff || (q->flags & ~KVM_TRAP_QUERY_AARCH32))
		return -EINVAL;
	/*
	 * An A32 SMC has no immediate: its ISS holds only the condition, so
	 * KVM always sees #0.  (An A32 HVC has a 16-bit one, as A64's.)
	 */
	if ((q->flags & KVM_TRAP_QUERY_AARCH32) &&
	    q->conduit == KVM_TRAP_CONDUIT_SMC && q->imm)
		return -EINVAL;
	return 0;
}

static int arm64_ctx_from_call(const struct kvm_trap_query *q,
			       struct kvm_trap_ctx *ctx)
{
	uint64_t x0 = q->regs[0], mask;
	uint32_t flags = 0;
	int i, err;

	err = arm64_call_valid(q);
	if (err)
		return err;
	if (q->flags & KVM_TRAP_QUERY_AARCH32)
		flags |= KVM_TRAP_F_AARCH32;
	if (!q->imm && !(x0 & SMCCC_64))
		flags |= KVM_TRAP_F_SMC32;
	mask = flags ? UINT32_MAX : UINT64_MAX;

	memset(ctx, 0, sizeof(*ctx));
	ctx->conduit = q->conduit;
	ctx->flags = flags;
	/* An SMCCC function ID is w0; other calls may use all of x0. */
	ctx->func_id = q->imm ? x0 & mask : (uint32_t)x0;
	ctx->imm = q->imm;
	ctx->vcpu_id = q->vcpu_id;
	/* x1..x7 */
	for (i = 0; i < 7; i++)
		ctx->args[i] = q->regs[i + 1] & mask;
	ctx->ret[0] = SMCCC_NOT_SUPPORTED;
	return 0;
}

static uint64_t arm64_ret_mask(const struct kvm_trap_ctx *ctx)
{
	return ctx->flags & (KVM_TRAP_F_AARCH32 | KVM_TRAP_F_SMC32) ?
	       UINT32_MAX : UINT64_MAX;
}

/*
 * An SMCCC call (immediate 0) of the architecture service range,
 * 0x8000xxxx and 0xc000xxxx: KVM answers it itself.
 */
static bool arm64_is_arch_range(uint32_t imm, uint64_t func_id)
{
	uint32_t w0 = func_id;

	return !imm && (w0 & SMCCC_FAST) &&
	       SMCCC_OWNER(w0) == SMCCC_OWNER_ARCH;
}

static const uint32_t arm64_conduits[] = {
	KVM_TRAP_CONDUIT_HVC,
	KVM_TRAP_CONDUIT_SMC,
};

const struct kvmtrap_arch kvmtrap_arch_arm64 = {
	.name			= "arm64",
	.conduits		= arm64_conduits,
	.nr_conduits		= ARRAY_SIZE(arm64_conduits),
	.conduit_alts		= "hvc|smc",
	.conduit_list		= "hvc or smc",
	.conduit_list_any	= "hvc, smc or any",
	.imm_max		= 0xffff,
	.func_what		= "an SMCCC name (e.g. PSCI_VERSION)",
	.reg_prefix		= "x",
	.reg_first		= 0,
	.arg_regs		= "x1..x7",
	.nr_args		= 7,
	.ret_regs		= "x0..x3",
	.nr_ret			= 4,
	.forward_opt_in		= true,
	.funcs			= arm64_funcs,
	.nr_funcs		= ARRAY_SIZE(arm64_funcs),
	.call_valid		= arm64_call_valid,
	.ctx_from_call		= arm64_ctx_from_call,
	.ret_mask		= arm64_ret_mask,
	.is_arch_range		= arm64_is_arch_range,
};
