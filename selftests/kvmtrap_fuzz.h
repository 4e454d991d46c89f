/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_fuzz.h - what kvmtrap_fuzz.bpf.c and kvmtrap_fuzz.c share: a
 * small table of rules, each mapping a range of calls to one verdict, in
 * the program's .bss so that the fuzzer can change it while it is linked
 * and compute, for any call, what the program must answer.
 *
 * Include after vmlinux.h (BPF) or <linux/kvm_trap.h> (user space).
 */
#ifndef KVMTRAP_FUZZ_H
#define KVMTRAP_FUZZ_H

#define KF_NR_RULES	8

/* KVM_TRAP_F_QUERY, a #define that BTF (vmlinux.h) does not carry */
#define KF_F_QUERY	(1U << 2)

/* struct kf_rule::imm_mode */
#define KF_IMM_ANY	0
#define KF_IMM_EQ	1	/* ctx->imm == imm */
#define KF_IMM_NONZERO	2
#define KF_IMM_ZERO	3

/*
 * A call matches when conduit (0: any), imm_mode and lo <= func_id <= hi
 * hold.  The first matching rule decides: its verdict, and on HANDLED
 * ret[0..3] = ret[] (with @mix, each XORed with func_id, args[0], args[1]
 * and the imm/conduit/args[6] word, so that the answer depends on what the
 * kernel put in the context).  No match: PASS.
 */
struct kf_rule {
	__u32 verdict;
	__u32 conduit;
	__u32 imm_mode;
	__u32 imm;
	__u64 lo, hi;
	__u32 mix;
	__u32 pad;
	__u64 ret[4];
};

struct kf_rules {
	__u32 nr;
	__u32 pad;
	struct kf_rule r[KF_NR_RULES];
};

#endif /* KVMTRAP_FUZZ_H */
