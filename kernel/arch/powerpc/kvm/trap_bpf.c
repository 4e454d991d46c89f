// SPDX-License-Identifier: GPL-2.0
/*
 * trap_bpf.c: POWER (Book3S, KVM-HV and KVM-PR) glue of kvmtrap.
 *
 * Builds the context of a PAPR hcall that KVM does not handle for the VM,
 * runs the VM's programs and applies their verdict with the fixed
 * sanitisation that no program can change: only r3..r12 are ever written,
 * and an UNDEF is the program interrupt a guest sees of an HEAI, taken at
 * the sc 1 itself.
 *
 * Both KVM flavours call in after every native handler and after the
 * KVM_CAP_PPC_ENABLE_HCALL bitmap, in virtual mode: POWER7/8 real-mode
 * hcall handlers fall back to the same path, so no program runs in real
 * mode.  Under nested HV, hcalls of an L2 guest are reflected to its L1
 * (kvmppc_handle_nested_exit()) and never reach this file at L0.
 */
#include <linux/kvm_host.h>
#include <linux/kvm_trap_bpf.h>
#include <linux/kvm_trap_bpf_run.h>

#include <asm/hvcall.h>
#include <asm/kvm_book3s.h>
#include <asm/kvm_ppc.h>
#include <asm/kvm_trap_bpf.h>
#include <asm/reg.h>

/*
 * Every field is written, none twice: this runs for each hcall offered to
 * the programs.  PAPR has no 32-bit calling convention in KVM: a guest in
 * 32-bit mode (MSR[SF]=0) is flagged, its registers are passed as they are.
 */
static void kvmppc_trap_fill_ctx(struct kvm_vcpu *vcpu,
				 struct kvm_trap_ctx *ctx)
{
	ctx->conduit = KVM_TRAP_CONDUIT_PAPR_HCALL;
	ctx->flags = (kvmppc_get_msr(vcpu) & MSR_SF) ? 0 : KVM_TRAP_F_32BIT;
	ctx->func_id = kvmppc_get_gpr(vcpu, 3);
	ctx->imm = 0;
	ctx->vcpu_id = vcpu->vcpu_id;

	/* r4..r12 */
	ctx->args[0] = kvmppc_get_gpr(vcpu, 4);
	ctx->args[1] = kvmppc_get_gpr(vcpu, 5);
	ctx->args[2] = kvmppc_get_gpr(vcpu, 6);
	ctx->args[3] = kvmppc_get_gpr(vcpu, 7);
	ctx->args[4] = kvmppc_get_gpr(vcpu, 8);
	ctx->args[5] = kvmppc_get_gpr(vcpu, 9);
	ctx->args[6] = kvmppc_get_gpr(vcpu, 10);
	ctx->args[7] = kvmppc_get_gpr(vcpu, 11);
	ctx->args[8] = kvmppc_get_gpr(vcpu, 12);

	/*
	 * What the guest gets from HANDLED if the program sets nothing: the
	 * status of an unknown hcall and no outputs, never the inputs.
	 */
	ctx->ret[0] = (u64)H_FUNCTION;
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

/* HANDLED: the status in r3, the outputs in r4..r12, nothing else. */
static void kvmppc_trap_set_ret(struct kvm_vcpu *vcpu, const u64 *ret)
{
	int i;

	for (i = 0; i < KVM_TRAP_NR_RET; i++)
		kvmppc_set_gpr(vcpu, 3 + i, ret[i]);
}

/*
 * UNDEF: what a guest sees of an HEAI, which KVM reflects as a program
 * interrupt for an illegal instruction with SRR0 at the instruction.  The
 * PC is after the sc 1 (the system call interrupt's SRR0; PR steps over
 * its emulated FAKE_SC1 before the hcall too): one instruction back is
 * the hcall's own address.
 */
static void kvmppc_trap_undef(struct kvm_vcpu *vcpu)
{
	kvmppc_set_pc(vcpu, kvmppc_get_pc(vcpu) - 4);
	kvmppc_core_queue_program(vcpu, SRR1_PROGILL);
}

enum kvmppc_trap_result __kvmppc_trap_bpf_offer(struct kvm_vcpu *vcpu)
{
	/* fill_ctx() writes every byte: no auto-initialisation needed */
	struct kvm_trap_ctx ctx __uninitialized;
	enum kvm_trap_verdict verdict;

	kvmppc_trap_fill_ctx(vcpu, &ctx);
	verdict = kvm_trap_bpf_run(vcpu->kvm, &ctx);
	/* The verdict whose cost is the point of kvmtrap comes first. */
	if (likely(verdict == KVM_TRAP_HANDLED)) {
		kvmppc_trap_set_ret(vcpu, ctx.ret);
		return KVMPPC_TRAP_RESUME;
	}

	switch (verdict) {
	case KVM_TRAP_PASS:
		return KVMPPC_TRAP_UNDECIDED;
	case KVM_TRAP_FORWARD:
		/*
		 * The exit every POWER VMM already takes for an hcall KVM
		 * does not know, and would get here with no program at all;
		 * so unlike arm64 it needs no KVM_TRAP_ENABLE_FORWARD.  The
		 * flag tells a VMM that knows it who sent the hcall.
		 */
		vcpu->run->papr_hcall.flags |= KVM_PAPR_HCALL_EXIT_BPF;
		return KVMPPC_TRAP_EXIT;
	case KVM_TRAP_DENY:
		kvmppc_set_gpr(vcpu, 3, (u64)H_FUNCTION);
		return KVMPPC_TRAP_RESUME;
	case KVM_TRAP_UNDEF:
		kvmppc_trap_undef(vcpu);
		return KVMPPC_TRAP_RESUME;
	default:
		/* HANDLED is done above; no other verdict is returned. */
		WARN_ON_ONCE(1);
		return KVMPPC_TRAP_UNDECIDED;
	}
}
EXPORT_SYMBOL_GPL(__kvmppc_trap_bpf_offer);

/* Both flavours test the static key on their hcall paths: nothing to swap. */
void kvm_arch_trap_bpf_enable(bool enable)
{
}
