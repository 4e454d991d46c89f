/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_trap_bpf.h: arm64 entry into kvmtrap, for the HVC/SMC exit handlers.
 */
#ifndef __ARM64_KVM_TRAP_BPF_H__
#define __ARM64_KVM_TRAP_BPF_H__

#include <linux/kvm_host.h>

/* No program decided: the exit handler goes on as if there were none. */
#define KVM_ARM_TRAP_UNDECIDED	(-1)

#ifdef CONFIG_KVM_TRAP_BPF
int __kvm_arm_trap_bpf_offer(struct kvm_vcpu *vcpu, u32 imm);
#endif

/*
 * Offer the trapped HVC/SMC of @vcpu (with immediate @imm, 0 for an SMCCC
 * call) to the VM's kvmtrap programs.  Returns KVM_ARM_TRAP_UNDECIDED when
 * none decided.  Otherwise the verdict has been applied and the return
 * value is the exit handler's result (1: resume the guest, 0: exit to the
 * VMM); returned rather than passed through a pointer so that nothing is
 * kept on the stack of the native handlers.
 */
static __always_inline int kvm_arm_trap_bpf_offer(struct kvm_vcpu *vcpu,
						  u32 imm)
{
#ifdef CONFIG_KVM_TRAP_BPF
	if (kvm_trap_bpf_active(&vcpu->kvm->trap))
		return __kvm_arm_trap_bpf_offer(vcpu, imm);
#endif
	return KVM_ARM_TRAP_UNDECIDED;
}

#endif /* __ARM64_KVM_TRAP_BPF_H__ */
