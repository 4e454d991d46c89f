// SPDX-License-Identifier: GPL-2.0
/*
 * trap_bpf_query.c: arm64's half of the VM ioctls of kvmtrap
 * (virt/kvm/kvm_trap_query.c), which let user space ask what happens to a
 * call before a guest makes it.
 *
 * KVM_TRAP_QUERY replays the decision of the HVC/SMC exit handlers for a
 * described call: the EL2 fast path, the SMCCC filter, the native services,
 * the VM's programs, the default.  KVM_TRAP_NATIVE_LIST lists the calls the
 * kernel answers itself.  Both take their answers from the code that routes
 * trapped calls (hypercalls.c, the programs), never from a second table,
 * so that they cannot drift from what a guest gets.
 */
#include <linux/arm-smccc.h>
#include <linux/kvm_host.h>
#include <linux/kvm_trap_bpf.h>
#include <linux/kvm_trap_bpf_run.h>

#include <asm/kvm_trap_bpf.h>

#include <kvm/arm_hypercalls.h>

/*
 * hyp-entry.S answers these HVCs at EL2 (x0 = 0, x1 clobbered to 0) before
 * KVM sees an exit, whatever the immediate and the VM's configuration.
 */
static bool kvm_arm_trap_is_el2_call(u32 func_id)
{
	return func_id == ARM_SMCCC_ARCH_WORKAROUND_1 ||
	       func_id == ARM_SMCCC_ARCH_WORKAROUND_2 ||
	       func_id == ARM_SMCCC_ARCH_WORKAROUND_3;
}

static void kvm_arm_trap_query_ret(struct kvm_trap_query *q, u64 x0, u64 x1,
				   u64 x2, u64 x3)
{
	q->out_flags |= KVM_TRAP_QUERY_RET;
	q->ret[0] = x0;
	q->ret[1] = x1;
	q->ret[2] = x2;
	q->ret[3] = x3;
}

/*
 * Offer the call to the VM's programs as the exit handler would (the
 * context of kvm_arm_trap_fill_ctx(), plus KVM_TRAP_F_QUERY).  Returns
 * false when no program decided.
 */
static bool kvm_arm_trap_query_bpf(struct kvm *kvm, struct kvm_trap_query *q,
				   u32 imm)
{
	bool aarch32 = q->flags & KVM_TRAP_QUERY_AARCH32;
	struct kvm_trap_decider who = {};
	enum kvm_trap_verdict verdict;
	struct kvm_trap_ctx ctx = {};
	u64 x0 = q->regs[0];
	u64 mask;
	int i;

	if (!kvm_trap_bpf_active(&kvm->trap))
		return false;

	mask = aarch32 || (!imm && !ARM_SMCCC_IS_64(x0)) ? U32_MAX : U64_MAX;
	ctx.conduit = q->conduit;
	ctx.flags = KVM_TRAP_F_QUERY;
	if (aarch32)
		ctx.flags |= KVM_TRAP_F_AARCH32;
	if (!imm && !ARM_SMCCC_IS_64(x0))
		ctx.flags |= KVM_TRAP_F_SMC32;
	ctx.func_id = imm ? x0 & mask : lower_32_bits(x0);
	ctx.imm = imm;
	ctx.vcpu_id = q->vcpu_id;
	for (i = 0; i < 7; i++)
		ctx.args[i] = q->regs[i + 1] & mask;
	ctx.ret[0] = SMCCC_RET_NOT_SUPPORTED;

	verdict = __kvm_trap_bpf_run(kvm, &ctx, &who);
	if (verdict == KVM_TRAP_PASS)
		return false;

	q->stage = KVM_TRAP_STAGE_BPF;
	q->verdict = verdict;
	q->link_id = who.link_id;
	q->prog_id = who.prog_id;
	/* What __kvm_arm_trap_bpf_offer() makes of a forward it refuses. */
	if (verdict == KVM_TRAP_FORWARD && !kvm_trap_bpf_forwards(&kvm->trap)) {
		q->verdict = KVM_TRAP_DENY;
		q->out_flags |= KVM_TRAP_QUERY_REFUSED;
	}
	switch (q->verdict) {
	case KVM_TRAP_HANDLED:
		kvm_arm_trap_query_ret(q, ctx.ret[0] & mask, ctx.ret[1] & mask,
				       ctx.ret[2] & mask, ctx.ret[3] & mask);
		break;
	case KVM_TRAP_DENY:
		kvm_arm_trap_query_ret(q, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		break;
	default:
		/* FORWARD: the VMM answers; UNDEF: the registers stay. */
		break;
	}
	return true;
}

/* The order of __handle_hvc()/__handle_smc() and kvm_smccc_call_handler(). */
static void kvm_arm_trap_query_decide(struct kvm *kvm, struct kvm_trap_query *q)
{
	bool hvc = q->conduit == KVM_TRAP_CONDUIT_HVC;
	u32 func_id = lower_32_bits(q->regs[0]);

	if (hvc && kvm_arm_trap_is_el2_call(func_id)) {
		q->stage = KVM_TRAP_STAGE_NATIVE;
		q->verdict = KVM_TRAP_HANDLED;
		q->out_flags |= KVM_TRAP_QUERY_EL2;
		kvm_arm_trap_query_ret(q, 0, 0, q->regs[2], q->regs[3]);
		return;
	}

	if (q->imm) {
		if (kvm_arm_trap_query_bpf(kvm, q, q->imm))
			return;
		/* SMC #imm: reserved by SMCCC, KVM sets x0 to ~0 and nothing else. */
		if (!hvc) {
			q->stage = KVM_TRAP_STAGE_DEFAULT;
			q->verdict = KVM_TRAP_DENY;
			kvm_arm_trap_query_ret(q, ~0ULL, q->regs[1], q->regs[2],
					       q->regs[3]);
			return;
		}
		/* HVC #imm goes on as an SMCCC call, not offered again. */
	}

	switch (kvm_smccc_query_action(kvm, func_id)) {
	case KVM_SMCCC_FILTER_HANDLE:
		/* A native service answers; only a vCPU can run it. */
		q->stage = KVM_TRAP_STAGE_NATIVE;
		q->verdict = KVM_TRAP_HANDLED;
		return;
	case KVM_SMCCC_FILTER_DENY:
		q->stage = KVM_TRAP_STAGE_FILTER;
		q->verdict = KVM_TRAP_DENY;
		kvm_arm_trap_query_ret(q, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		return;
	case KVM_SMCCC_FILTER_FWD_TO_USER:
		q->stage = KVM_TRAP_STAGE_FILTER;
		q->verdict = KVM_TRAP_FORWARD;
		return;
	default:
		/* The architecture range is never offered, as in the trap path. */
		if (!q->imm && !(ARM_SMCCC_IS_FAST_CALL(func_id) &&
				 ARM_SMCCC_OWNER_NUM(func_id) == ARM_SMCCC_OWNER_ARCH) &&
		    kvm_arm_trap_query_bpf(kvm, q, 0))
			return;
		q->stage = KVM_TRAP_STAGE_DEFAULT;
		q->verdict = KVM_TRAP_DENY;
		kvm_arm_trap_query_ret(q, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		return;
	}
}

int kvm_arch_trap_query(struct kvm *kvm, struct kvm_trap_query *q)
{
	if (q->flags & ~KVM_TRAP_QUERY_AARCH32)
		return -EINVAL;
	if (q->conduit != KVM_TRAP_CONDUIT_HVC &&
	    q->conduit != KVM_TRAP_CONDUIT_SMC)
		return -EINVAL;
	/* x0..x7: an SMCCC caller has no more registers to give. */
	if (q->regs[8] || q->regs[9])
		return -EINVAL;
	/*
	 * What KVM can see of an immediate: 16 bits, and none at all for an
	 * A32 SMC, whose syndrome holds only its condition (ESR ISS 18:0).
	 */
	if (q->imm > U16_MAX ||
	    (q->imm && q->conduit == KVM_TRAP_CONDUIT_SMC &&
	     (q->flags & KVM_TRAP_QUERY_AARCH32)))
		return -EINVAL;

	kvm_arm_trap_query_decide(kvm, q);
	return 0;
}

/* The EL1 handlers of HVC and SMC take the same decision. */
static int kvm_trap_native_add_el1(struct kvm *kvm, struct kvm_trap_native *n,
				   u32 conduit)
{
	u32 first, last;
	u64 pos = 0;
	int r;

	while (kvm_smccc_next_native(kvm, &pos, &first, &last)) {
		r = kvm_trap_native_add(n, conduit, 0, first, last, 1);
		if (r)
			return r;
	}
	return 0;
}

int kvm_arch_trap_native_build(struct kvm *kvm, struct kvm_trap_native *n)
{
	static const u32 el2_ids[] = {
		ARM_SMCCC_ARCH_WORKAROUND_3,
		ARM_SMCCC_ARCH_WORKAROUND_2,
		ARM_SMCCC_ARCH_WORKAROUND_1,
	};
	int i, r;

	/* The filter and the bitmaps are written under config_lock. */
	mutex_lock(&kvm->arch.config_lock);
	r = kvm_trap_native_add_el1(kvm, n, KVM_TRAP_CONDUIT_HVC);
	if (!r)
		r = kvm_trap_native_add_el1(kvm, n, KVM_TRAP_CONDUIT_SMC);
	mutex_unlock(&kvm->arch.config_lock);
	if (r)
		return r;

	/* In ascending order, one at a time, so that adjacent ones merge. */
	for (i = 0; i < ARRAY_SIZE(el2_ids); i++) {
		r = kvm_trap_native_add(n, KVM_TRAP_CONDUIT_HVC,
					KVM_TRAP_RANGE_EL2, el2_ids[i],
					el2_ids[i], 1);
		if (r)
			return r;
	}
	return 0;
}
