/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_trap_bpf.h: arm64 entry into kvmtrap, for the HVC/SMC exit handlers.
 */
#ifndef __ARM64_KVM_TRAP_BPF_H__
#define __ARM64_KVM_TRAP_BPF_H__

#include <linux/kvm_host.h>

#ifdef CONFIG_KVM_TRAP_BPF
bool __kvm_arm_trap_bpf_offer(struct kvm_vcpu *vcpu, u32 imm, int *ret);
#endif

/*
 * Offer the trapped HVC/SMC of @vcpu (with immediate @imm, 0 for an SMCCC
 * call) to the VM's kvmtrap programs.  Returns false when none decided:
 * the caller goes on as if they did not exist.  Returns true when one did;
 * the verdict has been applied and *@ret is the exit handler's result
 * (1: resume the guest, 0: exit to the VMM).
 */
static __always_inline bool kvm_arm_trap_bpf_offer(struct kvm_vcpu *vcpu,
						   u32 imm, int *ret)
{
#ifdef CONFIG_KVM_TRAP_BPF
	if (kvm_trap_bpf_active(&vcpu->kvm->trap))
		return __kvm_arm_trap_bpf_offer(vcpu, imm, ret);
#endif
	return false;
}

#endif /* __ARM64_KVM_TRAP_BPF_H__ */
