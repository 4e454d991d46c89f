// SPDX-License-Identifier: GPL-2.0
/*
 * trap_bpf.c: arm64 glue of kvmtrap.
 *
 * Builds the context of an HVC/SMC that KVM does not handle natively, runs
 * the VM's programs and applies their verdict with the fixed sanitisation
 * that no program can change: only x0..x3 are ever written, narrowed to 32
 * bits where the calling convention says so, and an undefined-instruction
 * exception is taken at the HVC/SMC itself.
 */
#include <linux/arm-smccc.h>
#include <linux/kvm_host.h>
#include <linux/kvm_trap_bpf.h>
#include <linux/kvm_trap_bpf_run.h>

#include <asm/kvm_emulate.h>
#include <asm/kvm_trap_bpf.h>

#include <kvm/arm_hypercalls.h>

static bool kvm_arm_trap_is_smc(struct kvm_vcpu *vcpu)
{
	u8 ec = ESR_ELx_EC(kvm_vcpu_get_esr(vcpu));

	return ec == ESR_ELx_EC_SMC32 || ec == ESR_ELx_EC_SMC64;
}

/*
 * The architecture service range holds the Spectre mitigation calls: their
 * answers must come from KVM alone, as the SMCCC filter also insists.
 */
static bool kvm_arm_trap_is_arch_range(u32 func_id)
{
	return ARM_SMCCC_IS_FAST_CALL(func_id) &&
	       ARM_SMCCC_OWNER_NUM(func_id) == ARM_SMCCC_OWNER_ARCH;
}

/*
 * Every field is written, none twice: this runs for each call offered to
 * the programs, and a memset() of the whole context costs more than the
 * stores it would save.
 */
static void kvm_arm_trap_fill_ctx(struct kvm_vcpu *vcpu, u32 imm, u64 mask,
				  struct kvm_trap_ctx *ctx)
{
	u64 x0 = vcpu_get_reg(vcpu, 0);
	u32 flags = 0;

	if (vcpu_mode_is_32bit(vcpu))
		flags |= KVM_TRAP_F_AARCH32;
	if (!imm && !ARM_SMCCC_IS_64(x0))
		flags |= KVM_TRAP_F_SMC32;

	ctx->conduit = kvm_arm_trap_is_smc(vcpu) ? KVM_TRAP_CONDUIT_SMC :
						   KVM_TRAP_CONDUIT_HVC;
	ctx->flags = flags;
	/* An SMCCC function ID is w0; other calls may use all of x0. */
	ctx->func_id = imm ? x0 & mask : lower_32_bits(x0);
	ctx->imm = imm;
	ctx->vcpu_id = vcpu->vcpu_id;

	/* x1..x7, narrowed for 32-bit callers */
	ctx->args[0] = vcpu_get_reg(vcpu, 1) & mask;
	ctx->args[1] = vcpu_get_reg(vcpu, 2) & mask;
	ctx->args[2] = vcpu_get_reg(vcpu, 3) & mask;
	ctx->args[3] = vcpu_get_reg(vcpu, 4) & mask;
	ctx->args[4] = vcpu_get_reg(vcpu, 5) & mask;
	ctx->args[5] = vcpu_get_reg(vcpu, 6) & mask;
	ctx->args[6] = vcpu_get_reg(vcpu, 7) & mask;
	ctx->args[7] = 0;
	ctx->args[8] = 0;

	/* What the guest gets from HANDLED if the program sets nothing. */
	ctx->ret[0] = SMCCC_RET_NOT_SUPPORTED;
	ctx->ret[1] = 0;
	ctx->ret[2] = 0;
	ctx->ret[3] = 0;
	ctx->ret[4] = 0;
	ctx->ret[5] = 0;
	ctx->ret[6] = 0;
	ctx->ret[7] = 0;
	ctx->ret[8] = 0;
	ctx->ret[9] = 0;
}

static void kvm_arm_trap_set_ret(struct kvm_vcpu *vcpu, const u64 *ret,
				 u64 mask)
{
	vcpu_set_reg(vcpu, 0, ret[0] & mask);
	vcpu_set_reg(vcpu, 1, ret[1] & mask);
	vcpu_set_reg(vcpu, 2, ret[2] & mask);
	vcpu_set_reg(vcpu, 3, ret[3] & mask);
}

/*
 * Make the HVC/SMC itself undefined: the exception is taken with the PC
 * at the trapping instruction, as if the guest had run an instruction its
 * CPU does not implement.
 */
static void kvm_arm_trap_undef(struct kvm_vcpu *vcpu)
{
	if (kvm_arm_trap_is_smc(vcpu)) {
		/* handle_smc() has already scheduled the skip of the SMC. */
		vcpu_clear_flag(vcpu, INCREMENT_PC);
	} else {
		/* An HVC exception returns after the HVC: step back over it. */
		*vcpu_pc(vcpu) -= kvm_vcpu_trap_il_is32bit(vcpu) ? 4 : 2;
	}
	kvm_inject_undefined(vcpu);
}

int __kvm_arm_trap_bpf_offer(struct kvm_vcpu *vcpu, u32 imm)
{
	/* fill_ctx() writes every byte: no auto-initialisation needed */
	struct kvm_trap_ctx ctx __uninitialized;
	enum kvm_trap_verdict verdict;
	u64 x0, mask;

	/*
	 * An HVC #imm that the programs passed goes on as without kvmtrap,
	 * as an SMCCC call of x0: they have had their say on it, with its
	 * immediate, and must not be offered it again as an SMCCC call.
	 */
	if (!imm && kvm_vcpu_hvc_get_imm(vcpu))
		return KVM_ARM_TRAP_UNDECIDED;

	x0 = vcpu_get_reg(vcpu, 0);
	if (!imm && kvm_arm_trap_is_arch_range(x0))
		return KVM_ARM_TRAP_UNDECIDED;

	/* 32-bit callers get and give 32-bit values, whatever a program does. */
	mask = smccc_call_is_narrow(vcpu, x0, imm) ? U32_MAX : U64_MAX;
	kvm_arm_trap_fill_ctx(vcpu, imm, mask, &ctx);

	verdict = kvm_trap_bpf_run(vcpu->kvm, &ctx);
	/*
	 * A call answered by a program is the one whose cost is the point of
	 * kvmtrap (the others exit, fault or fail anyway): test for it first.
	 */
	if (likely(verdict == KVM_TRAP_HANDLED)) {
		kvm_arm_trap_set_ret(vcpu, ctx.ret, mask);
		return 1;
	}

	switch (verdict) {
	case KVM_TRAP_PASS:
		return KVM_ARM_TRAP_UNDECIDED;
	case KVM_TRAP_FORWARD:
		/*
		 * Only a VMM that asked for them gets these exits: one that
		 * does not know the exit may end its guest.  For the others
		 * the forward is a DENY.
		 */
		if (kvm_trap_bpf_forwards(&vcpu->kvm->trap)) {
			kvm_prepare_hypercall_exit(vcpu, ctx.func_id, imm,
						   KVM_HYPERCALL_EXIT_BPF);
			/* A VMM that ignores the exit returns a defined error. */
			vcpu_set_reg(vcpu, 0, (u64)SMCCC_RET_NOT_SUPPORTED & mask);
			return 0;
		}
		atomic64_inc(&vcpu->kvm->stat.generic.trap_bpf_forward_refused);
		fallthrough;
	case KVM_TRAP_DENY:
		smccc_set_retval(vcpu, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		return 1;
	case KVM_TRAP_UNDEF:
		kvm_arm_trap_undef(vcpu);
		return 1;
	default:
		/* HANDLED is done above; no other verdict is returned. */
		WARN_ON_ONCE(1);
		return KVM_ARM_TRAP_UNDECIDED;
	}
}
