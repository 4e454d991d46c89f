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

static void kvm_arm_trap_fill_ctx(struct kvm_vcpu *vcpu, u32 imm, bool narrow,
				  struct kvm_trap_ctx *ctx)
{
	u64 x0 = vcpu_get_reg(vcpu, 0);
	u64 arg;
	int i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->conduit = kvm_arm_trap_is_smc(vcpu) ? KVM_TRAP_CONDUIT_SMC :
						   KVM_TRAP_CONDUIT_HVC;
	if (vcpu_mode_is_32bit(vcpu))
		ctx->flags |= KVM_TRAP_F_AARCH32;
	if (!imm && !ARM_SMCCC_IS_64(x0))
		ctx->flags |= KVM_TRAP_F_SMC32;

	/* An SMCCC function ID is w0; other calls may use all of x0. */
	ctx->func_id = (narrow || !imm) ? lower_32_bits(x0) : x0;
	ctx->imm = imm;
	ctx->vcpu_id = vcpu->vcpu_id;

	/* x1..x7 */
	for (i = 0; i < 7; i++) {
		arg = vcpu_get_reg(vcpu, i + 1);
		ctx->args[i] = narrow ? lower_32_bits(arg) : arg;
	}

	/* What the guest gets from HANDLED if the program sets nothing. */
	ctx->ret[0] = SMCCC_RET_NOT_SUPPORTED;
}

static void kvm_arm_trap_set_ret(struct kvm_vcpu *vcpu, const u64 *ret,
				 bool narrow)
{
	int i;

	for (i = 0; i < 4; i++)
		vcpu_set_reg(vcpu, i, narrow ? lower_32_bits(ret[i]) : ret[i]);
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

bool __kvm_arm_trap_bpf_offer(struct kvm_vcpu *vcpu, u32 imm, int *ret)
{
	const u64 not_supported = SMCCC_RET_NOT_SUPPORTED;
	struct kvm_trap_ctx ctx;
	bool narrow;

	/*
	 * An HVC #imm that the programs passed goes on as without kvmtrap,
	 * as an SMCCC call of x0: they have had their say on it, with its
	 * immediate, and must not be offered it again as an SMCCC call.
	 */
	if (!imm && kvm_vcpu_hvc_get_imm(vcpu))
		return false;

	narrow = smccc_call_is_narrow(vcpu, vcpu_get_reg(vcpu, 0), imm);
	if (!imm && kvm_arm_trap_is_arch_range(vcpu_get_reg(vcpu, 0)))
		return false;

	kvm_arm_trap_fill_ctx(vcpu, imm, narrow, &ctx);

	switch (kvm_trap_bpf_run(vcpu->kvm, &ctx)) {
	case KVM_TRAP_PASS:
		return false;
	case KVM_TRAP_HANDLED:
		kvm_arm_trap_set_ret(vcpu, ctx.ret, narrow);
		*ret = 1;
		return true;
	case KVM_TRAP_FORWARD:
		kvm_prepare_hypercall_exit(vcpu, ctx.func_id, imm,
					   KVM_HYPERCALL_EXIT_BPF);
		/*
		 * A VMM that ignores the exit returns a defined error.  (Not
		 * a ?: of the int -1 and a u32: that is 0xffffffff for all.)
		 */
		vcpu_set_reg(vcpu, 0, narrow ? lower_32_bits(not_supported) :
					       not_supported);
		*ret = 0;
		return true;
	case KVM_TRAP_DENY:
		smccc_set_retval(vcpu, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		*ret = 1;
		return true;
	case KVM_TRAP_UNDEF:
		kvm_arm_trap_undef(vcpu);
		*ret = 1;
		return true;
	default:
		/* kvm_trap_bpf_run() only returns valid verdicts. */
		WARN_ON_ONCE(1);
		return false;
	}
}
