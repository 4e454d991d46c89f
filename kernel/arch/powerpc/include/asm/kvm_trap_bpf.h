/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_trap_bpf.h: POWER (Book3S) entry into kvmtrap, for the PAPR hcall
 * paths of KVM-HV and KVM-PR.
 */
#ifndef __POWERPC_KVM_TRAP_BPF_H__
#define __POWERPC_KVM_TRAP_BPF_H__

#include <linux/kvm_host.h>

#include <asm/kvm_ppc.h>

/*
 * What a flavour does with an hcall number for a VM, without running it
 * (kvmppc_ops->hcall_kind, for KVM_TRAP_QUERY and KVM_TRAP_NATIVE_LIST).
 */
enum kvmppc_hcall_kind {
	KVMPPC_HCALL_UNKNOWN,	/* not KVM's: offered to the programs */
	KVMPPC_HCALL_NATIVE,	/* KVM answers it */
	KVMPPC_HCALL_PUNT,	/* KVM answers it or hands it to the VMM */
};

/* What __kvmppc_trap_bpf_offer() did with the hcall. */
enum kvmppc_trap_result {
	/* No program decided: the hcall goes on as if there were none. */
	KVMPPC_TRAP_UNDECIDED,
	/* Answered (HANDLED, DENY or UNDEF): resume the guest. */
	KVMPPC_TRAP_RESUME,
	/* FORWARD: the hcall exits to the VMM as KVM_EXIT_PAPR_HCALL. */
	KVMPPC_TRAP_EXIT,
};

#ifdef CONFIG_KVM_TRAP_BPF
enum kvmppc_trap_result __kvmppc_trap_bpf_offer(struct kvm_vcpu *vcpu);

/*
 * Offer an hcall that KVM does not handle for this VM (unknown, or
 * disabled with KVM_CAP_PPC_ENABLE_HCALL) to the VM's programs.  The
 * static key keeps it to a patched-out branch while no VM has a link.
 */
static __always_inline bool kvmppc_trap_bpf_answered(struct kvm_vcpu *vcpu)
{
	return kvm_trap_bpf_active(&vcpu->kvm->trap) &&
	       __kvmppc_trap_bpf_offer(vcpu) == KVMPPC_TRAP_RESUME;
}
#else
static inline bool kvmppc_trap_bpf_answered(struct kvm_vcpu *vcpu)
{
	return false;
}
#endif

/*
 * KVM-HV, in kvmppc_pseries_do_hcall(): the exit to the VMM is already
 * prepared (KVM_EXIT_PAPR_HCALL, hcall_needed), so an hcall a program
 * answered only has to cancel it.
 */
static __always_inline int kvmppc_trap_bpf_hcall_hv(struct kvm_vcpu *vcpu)
{
	if (kvmppc_trap_bpf_answered(vcpu)) {
		vcpu->arch.hcall_needed = 0;
		return RESUME_GUEST;
	}
	return RESUME_HOST;
}

/*
 * KVM-PR, in kvmppc_h_pr(): EMULATE_FAIL makes the caller (sc 1 or
 * FAKE_SC1) prepare the exit to the VMM.
 */
static __always_inline int kvmppc_trap_bpf_hcall_pr(struct kvm_vcpu *vcpu)
{
	return kvmppc_trap_bpf_answered(vcpu) ? EMULATE_DONE : EMULATE_FAIL;
}

#endif /* __POWERPC_KVM_TRAP_BPF_H__ */
