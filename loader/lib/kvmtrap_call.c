// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_call.c: the context KVM gives the programs for a described call,
 * so that a policy run with BPF_PROG_TEST_RUN (kvmtrap_policy_test(),
 * "kvmtrap test") sees what it would see behind a real trap.  Mirrors
 * kvm_arm_trap_fill_ctx() and smccc_call_is_narrow() of the kernel; the
 * kvmtrap_query selftest compares the two through KVM_TRAP_QUERY.
 *
 * Plain C with no libbpf, so that the host unit tests build it too.
 */
#include <errno.h>
#include <string.h>

#include "libkvmtrap.h"

#define SMCCC_64		0x40000000u	/* SMC64/HVC64 convention */
#define SMCCC_NOT_SUPPORTED	((uint64_t)-1)

int kvmtrap_call_valid(const struct kvm_trap_query *q)
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

int kvmtrap_ctx_from_call(const struct kvm_trap_query *q,
			  struct kvm_trap_ctx *ctx)
{
	uint64_t x0 = q->regs[0], mask;
	uint32_t flags = 0;
	int i, err;

	err = kvmtrap_call_valid(q);
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

uint64_t kvmtrap_ctx_ret_mask(const struct kvm_trap_ctx *ctx)
{
	return ctx->flags & (KVM_TRAP_F_AARCH32 | KVM_TRAP_F_SMC32) ?
	       UINT32_MAX : UINT64_MAX;
}
