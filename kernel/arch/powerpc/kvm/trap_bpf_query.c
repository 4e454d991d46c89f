// SPDX-License-Identifier: GPL-2.0
/*
 * trap_bpf_query.c: POWER's half of the VM ioctls of kvmtrap
 * (virt/kvm/kvm_trap_query.c), which let user space ask what happens to
 * an hcall before a guest makes it.
 *
 * Whether KVM handles an hcall for a VM is the flavour's answer
 * (kvmppc_ops->hcall_kind): its enable bitmap and the cases of its hcall
 * switch, next to that switch.  The programs are run as the trap path
 * runs them, with KVM_TRAP_F_QUERY.
 */
#include <linux/kvm_host.h>
#include <linux/kvm_trap_bpf.h>
#include <linux/kvm_trap_bpf_run.h>

#include <asm/hvcall.h>
#include <asm/kvm_ppc.h>
#include <asm/kvm_trap_bpf.h>

/* What the guest's r3..r12 are after the hcall. */
static void kvmppc_trap_query_ret(struct kvm_trap_query *q, const u64 *r)
{
	int i;

	q->out_flags |= KVM_TRAP_QUERY_RET;
	for (i = 0; i < KVM_TRAP_QUERY_NR_REGS; i++)
		q->ret[i] = r[i];
}

/*
 * Offer the hcall to the VM's programs with the context that
 * kvmppc_trap_fill_ctx() gives a real one.  False when none decided.
 */
static bool kvmppc_trap_query_bpf(struct kvm *kvm, struct kvm_trap_query *q)
{
	struct kvm_trap_decider who = {};
	enum kvm_trap_verdict verdict;
	struct kvm_trap_ctx ctx = {};
	u64 deny[KVM_TRAP_QUERY_NR_REGS];
	int i;

	if (!kvm_trap_bpf_active(&kvm->trap))
		return false;

	ctx.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL;
	ctx.flags = KVM_TRAP_F_QUERY;
	if (q->flags & KVM_TRAP_QUERY_32BIT)
		ctx.flags |= KVM_TRAP_F_32BIT;
	ctx.func_id = q->regs[0];
	ctx.vcpu_id = q->vcpu_id;
	for (i = 0; i < KVM_TRAP_NR_ARGS; i++)
		ctx.args[i] = q->regs[i + 1];
	ctx.ret[0] = (u64)H_FUNCTION;

	verdict = __kvm_trap_bpf_run(kvm, &ctx, &who);
	if (verdict == KVM_TRAP_PASS)
		return false;

	q->stage = KVM_TRAP_STAGE_BPF;
	q->verdict = verdict;
	q->link_id = who.link_id;
	q->prog_id = who.prog_id;
	switch (verdict) {
	case KVM_TRAP_HANDLED:
		kvmppc_trap_query_ret(q, ctx.ret);
		break;
	case KVM_TRAP_DENY:
		/* H_FUNCTION in r3, r4..r12 as the guest left them */
		deny[0] = (u64)H_FUNCTION;
		for (i = 1; i < KVM_TRAP_QUERY_NR_REGS; i++)
			deny[i] = q->regs[i];
		kvmppc_trap_query_ret(q, deny);
		break;
	default:
		/* FORWARD: the VMM answers; UNDEF: the registers stay. */
		break;
	}
	return true;
}

int kvm_arch_trap_query(struct kvm *kvm, struct kvm_trap_query *q)
{
	/* sc 1 has no immediate; KVM_TRAP_QUERY_32BIT is MSR[SF] = 0. */
	if (q->conduit != KVM_TRAP_CONDUIT_PAPR_HCALL || q->imm ||
	    (q->flags & ~KVM_TRAP_QUERY_32BIT))
		return -EINVAL;

	switch (kvm->arch.kvm_ops->hcall_kind(kvm, q->regs[0])) {
	case KVMPPC_HCALL_PUNT:
		q->out_flags |= KVM_TRAP_QUERY_PUNT;
		fallthrough;
	case KVMPPC_HCALL_NATIVE:
		/* KVM answers; only a vCPU can run the handler. */
		q->stage = KVM_TRAP_STAGE_NATIVE;
		q->verdict = KVM_TRAP_HANDLED;
		return 0;
	default:
		break;
	}
	if (kvmppc_trap_query_bpf(kvm, q))
		return 0;
	/* Nobody: the hcall exits to the VMM, as without kvmtrap. */
	q->stage = KVM_TRAP_STAGE_DEFAULT;
	q->verdict = KVM_TRAP_FORWARD;
	return 0;
}

/*
 * Where KVM has hcall numbers: PAPR's table up to MAX_HCALL_OPCODE and
 * the private windows of secure VMs, RTAS and nested HV.
 */
static const struct {
	u64 first, last;
} kvmppc_trap_hcall_windows[] = {
	{ H_REMOVE, MAX_HCALL_OPCODE },
	{ H_SVM_PAGE_IN, H_SVM_PAGE_IN + 0xfc },
	{ H_RTAS, H_RTAS + 0xfc },
	{ H_SET_PARTITION_TABLE, H_SET_PARTITION_TABLE + 0xfc },
};

int kvm_arch_trap_native_build(struct kvm *kvm, struct kvm_trap_native *n)
{
	u64 nr;
	int i, r, kind;

	for (i = 0; i < ARRAY_SIZE(kvmppc_trap_hcall_windows); i++) {
		for (nr = kvmppc_trap_hcall_windows[i].first;
		     nr <= kvmppc_trap_hcall_windows[i].last; nr += 4) {
			kind = kvm->arch.kvm_ops->hcall_kind(kvm, nr);
			if (kind == KVMPPC_HCALL_UNKNOWN)
				continue;
			r = kvm_trap_native_add(n, KVM_TRAP_CONDUIT_PAPR_HCALL,
						kind == KVMPPC_HCALL_PUNT ?
						KVM_TRAP_RANGE_PUNT : 0,
						nr, nr, 4);
			if (r)
				return r;
		}
	}
	return 0;
}
