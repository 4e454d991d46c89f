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
	struct pid *vm_pid;
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

/*
 * Programs must stay on one CPU (per-CPU maps, the verifier's per-CPU
 * stacks).  Preemption off does that and costs nothing on a kernel without
 * preemption, where migrate_disable() is still two calls per trap.  On
 * PREEMPT_RT a program may take a map's spinlock_t, which sleeps there
 * (LPM trie updates, for one), so only migration is disabled: the trap
 * path runs in task context with preemption on, as bpf_prog_run_pin_on_cpu()
 * expects.
 */
static __always_inline void kvm_trap_bpf_pin(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_disable();
	else
		preempt_disable();
}

static __always_inline void kvm_trap_bpf_unpin(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_enable();
	else
		preempt_enable();
}

/*
 * Run the VM's programs on @ctx in attach order.  Returns the first verdict
 * other than PASS, or PASS, and counts it in the VM's statistics unless
 * @ctx is a query or no program ran.  With @who (a query), the link and
 * program that decided are stored there, read while they cannot go away.
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
	kvm_trap_bpf_pin();
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
			/*
			 * The verifier bounds the return value (see
			 * check_return_code()); it indexes the counters.
			 */
			if (WARN_ON_ONCE(v >= KVM_TRAP_NR_VERDICTS))
				continue;
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
	kvm_trap_bpf_unpin();
	rcu_read_unlock();

	return verdict;
}

static __always_inline enum kvm_trap_verdict
kvm_trap_bpf_run(struct kvm *kvm, struct kvm_trap_ctx *ctx)
{
	return __kvm_trap_bpf_run(kvm, ctx, NULL);
}

#endif /* __LINUX_KVM_TRAP_BPF_RUN_H */
