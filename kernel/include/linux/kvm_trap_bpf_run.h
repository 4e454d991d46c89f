/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_trap_bpf_run.h: the per-call part of kvmtrap, inlined into each
 * architecture's trap handler.
 *
 * Running the VM's programs is the whole cost of a call handled by BPF, so
 * it is not a function call of its own: the loop, the verdict count and the
 * architecture's context and sanitisation end up in one function.  Only
 * the architecture glue includes this header (it pulls in linux/filter.h,
 * which linux/kvm_host.h must not).
 */
#ifndef __LINUX_KVM_TRAP_BPF_RUN_H
#define __LINUX_KVM_TRAP_BPF_RUN_H

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/kvm_host.h>
#include <linux/kvm_trap_bpf.h>

struct kvm_trap_link {
	struct bpf_link link;
	/* NULL once the link left its VM; written under the kvmtrap mutex. */
	struct kvm *kvm;
	/* The VM's name, kept so a defunct link can still say whose it was. */
	pid_t vm_pid;
	u32 vm_fd;
};

/* A VM's links in attach order, replaced whole on every change. */
struct kvm_trap_array {
	struct rcu_head rcu;
	unsigned int nr;
	struct kvm_trap_link *links[KVM_TRAP_MAX_LINKS];
};

/* Which link decided a query (KVM_TRAP_QUERY), for user space. */
struct kvm_trap_decider {
	u32 link_id;
	u32 prog_id;
};

void kvm_trap_bpf_invalid(struct kvm *kvm, struct kvm_trap_link *tl, u32 v);

/*
 * Run the VM's programs on @ctx in attach order.  Returns the first verdict
 * other than PASS, or PASS, and counts it in the VM's statistics unless
 * @ctx is a query or no program ran.  A value outside enum kvm_trap_verdict
 * is the program's bug, not the guest's: it counts as PASS and is reported
 * on its own (kvm_trap_bpf_invalid()).  With @who (a query), the link and
 * program that decided are stored there, read while they cannot go away.
 *
 * Programs run with preemption off rather than migration off: it pins them
 * to the CPU just as well, and costs nothing on a kernel without
 * preemption, where migrate_disable() is still two calls per trap.
 */
static __always_inline enum kvm_trap_verdict
__kvm_trap_bpf_run(struct kvm *kvm, struct kvm_trap_ctx *ctx,
		   struct kvm_trap_decider *who)
{
	enum kvm_trap_verdict verdict = KVM_TRAP_PASS;
	struct kvm_trap_array *arr;
	struct bpf_prog *prog;
	unsigned int i;
	u32 v;

	rcu_read_lock();
	preempt_disable();
	arr = rcu_dereference(kvm->trap.array);
	/*
	 * No array: the VM's last link went away after the caller saw one.
	 * No program runs, so the call was not offered and counts nowhere.
	 */
	if (likely(arr)) {
		for (i = 0; i < arr->nr; i++) {
			prog = READ_ONCE(arr->links[i]->link.prog);
			v = bpf_prog_run(prog, ctx);
			if (v == KVM_TRAP_PASS)
				continue;
			if (unlikely(v >= KVM_TRAP_NR_VERDICTS)) {
				kvm_trap_bpf_invalid(kvm, arr->links[i], v);
				continue;
			}
			verdict = v;
			if (who) {
				who->link_id = arr->links[i]->link.id;
				who->prog_id = prog->aux->id;
			}
			break;
		}
		if (!(ctx->flags & KVM_TRAP_F_QUERY))
			atomic64_inc(&kvm->stat.generic.trap_bpf_verdict[verdict]);
	}
	preempt_enable();
	rcu_read_unlock();

	return verdict;
}

static __always_inline enum kvm_trap_verdict
kvm_trap_bpf_run(struct kvm *kvm, struct kvm_trap_ctx *ctx)
{
	return __kvm_trap_bpf_run(kvm, ctx, NULL);
}

#endif /* __LINUX_KVM_TRAP_BPF_RUN_H */
