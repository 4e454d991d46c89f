/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_policy.h - what kvmtrap_policy.bpf.c and the kvmtrap selftests
 * share: the rule one instance of the policy program applies (in its .bss,
 * so a test may change it while the program is linked) and what it saw.
 *
 * Include after vmlinux.h (BPF) or <linux/kvm_trap.h> (user space): both
 * define struct kvm_trap_ctx.
 */
#ifndef KVMTRAP_POLICY_H
#define KVMTRAP_POLICY_H

/* Mirrors of KVM_TRAP_NR_ARGS/KVM_TRAP_NR_RET, which BTF does not carry. */
#define KT_NR_ARGS	9
#define KT_NR_RET	10

/*
 * A call matches when every enabled test holds; matching calls get
 * @verdict (and ret[] when @set_ret), the others @verdict_other.
 */
struct kt_rule {
	__u32 verdict;
	__u32 verdict_other;
	__u32 match_func;	/* compare ctx->func_id with @func_id */
	__u32 match_imm;	/* compare ctx->imm with @imm */
	__u64 func_id;
	__u32 imm;
	__u32 set_ret;		/* write ret[0..9] from @ret on a match */
	__u64 ret[KT_NR_RET];
};

/* What the program saw; written on every run. */
struct kt_seen {
	__u64 runs;		/* every run */
	__u64 matched;		/* runs on a matching call */
	__u64 order;		/* position in the chain, from the shared order map */
	struct kvm_trap_ctx ctx;	/* the context at entry of the last run */
};

#endif /* KVMTRAP_POLICY_H */
