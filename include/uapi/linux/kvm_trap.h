/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvm_trap.h: the one UAPI of kvmtrap, shared by the kernel, BPF policies
 * and user space.
 *
 * A guest hypervisor call that KVM does not handle natively (an arm64
 * HVC/SMC that no native SMCCC service recognises, or that carries a
 * non-zero immediate) is offered to the BPF_PROG_TYPE_KVM_TRAP programs
 * linked to that VM.  Each program sees a struct kvm_trap_ctx and returns
 * one of enum kvm_trap_verdict.  See Documentation/kvm-trap-api.rst.
 */
#ifndef _UAPI_LINUX_KVM_TRAP_H
#define _UAPI_LINUX_KVM_TRAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF) returns the maximum number of
 * kvm_trap links per VM, or 0 when the kernel cannot route calls to BPF.
 *
 * Upstream numbers its capabilities in one dense sequence (246 by late
 * 2026); an extension that takes the next free one meets upstream's next
 * capability sooner or later.  'k' 't' in the upper half keeps this one
 * out of that sequence for good.
 */
#define KVM_CAP_TRAP_BPF		0x6b740000

/*
 * KVM_ENABLE_CAP(KVM_CAP_TRAP_BPF) on the VM fd, by the VMM: args[0] is a
 * set of the flags below, the other args and flags must be zero.  Enabled
 * flags stay enabled for the VM's lifetime.
 *
 * KVM_TRAP_ENABLE_FORWARD: the VMM handles KVM_EXIT_HYPERCALL exits for
 * calls that a program FORWARDs.  Without it a FORWARD verdict acts as
 * DENY: programs are often linked by a third party (kvmtrap attach --vm),
 * and a VMM that never asked for such exits may not survive one.
 */
#define KVM_TRAP_ENABLE_FORWARD		(1ULL << 0)
#define KVM_TRAP_ENABLE_ALL		KVM_TRAP_ENABLE_FORWARD

/* The instruction that trapped (struct kvm_trap_ctx::conduit). */
enum kvm_trap_conduit {
	KVM_TRAP_CONDUIT_HVC		= 1,	/* arm64 HVC */
	KVM_TRAP_CONDUIT_SMC		= 2,	/* arm64 SMC */
	KVM_TRAP_CONDUIT_PAPR_HCALL	= 3,	/* POWER sc 1 */
};

/* struct kvm_trap_ctx::flags */
/* The caller runs in a 32-bit mode: AArch32 (arm64), MSR[SF]=0 (POWER). */
#define KVM_TRAP_F_32BIT	(1U << 0)
#define KVM_TRAP_F_AARCH32	KVM_TRAP_F_32BIT	/* its arm64 name */
#define KVM_TRAP_F_SMC32	(1U << 1)	/* arm64 SMC32/HVC32 convention */
#define KVM_TRAP_F_QUERY	(1U << 2)	/* a dry run: no side effects */
#define KVM_TRAP_F_ALL		(KVM_TRAP_F_32BIT | KVM_TRAP_F_SMC32 | \
				 KVM_TRAP_F_QUERY)

#define KVM_TRAP_NR_ARGS	9
#define KVM_TRAP_NR_RET		10

/*
 * The context of one trapped call.  Programs may read all of it and may
 * write only ret[].
 *
 * arm64: func_id is w0 for an SMCCC call (immediate 0) and the whole x0
 * for a call with a non-zero immediate; args[0..6] are x1..x7 and
 * ret[0..3] are x0..x3 (ret[4..] are ignored).  Arguments of SMC32/HVC32
 * calls and of AArch32 guests are zero-extended from 32 bits.  ret[] is
 * preset to { SMCCC_RET_NOT_SUPPORTED, 0, 0, 0, ... }.
 *
 * POWER: func_id is the hcall number (r3), args[] are r4..r12 and ret[]
 * are r3..r12, all 64 bits whatever MSR[SF] (KVM_TRAP_F_32BIT).  ret[] is
 * preset to { H_FUNCTION, 0, ... }.
 */
struct kvm_trap_ctx {
	__u32 conduit;			/* enum kvm_trap_conduit */
	__u32 flags;			/* KVM_TRAP_F_* */
	__u64 func_id;
	__u32 imm;			/* HVC/SMC immediate, 0 for SMCCC */
	__u32 vcpu_id;
	__u64 args[KVM_TRAP_NR_ARGS];
	__u64 ret[KVM_TRAP_NR_RET];
};

/*
 * What a program returns.  The verifier rejects a program whose return
 * value may fall outside this range.
 */
enum kvm_trap_verdict {
	KVM_TRAP_PASS		= 0,	/* no opinion: ask the next program */
	KVM_TRAP_HANDLED	= 1,	/* answered: return registers from ret[] */
	/* exit to the VMM if it enabled KVM_TRAP_ENABLE_FORWARD, else DENY */
	KVM_TRAP_FORWARD	= 2,
	KVM_TRAP_DENY		= 3,	/* SMCCC NOT_SUPPORTED / PAPR H_FUNCTION */
	KVM_TRAP_UNDEF		= 4,	/* undefined instruction at the call */
	KVM_TRAP_NR_VERDICTS,
};

/*
 * Additions to the KVM_EXIT_HYPERCALL exit on arm64 (run->hypercall), on
 * top of the upstream KVM_HYPERCALL_EXIT_SMC and KVM_HYPERCALL_EXIT_16BIT
 * flags, set by KVM on exit:
 */
#define KVM_HYPERCALL_EXIT_AARCH32	(1ULL << 2)	/* AArch32 guest */
#define KVM_HYPERCALL_EXIT_BPF		(1ULL << 3)	/* a program forwarded it */
#define KVM_HYPERCALL_EXIT_IMM		(1ULL << 4)	/* imm field is valid */
/*
 * ... and set by the VMM before the next KVM_RUN: take x0..x3 from
 * run->hypercall.ret_regs[] instead of leaving the registers as they are.
 */
#define KVM_HYPERCALL_EXIT_RET_REGS	(1ULL << 32)

/*
 * POWER: run->papr_hcall.flags of a KVM_EXIT_PAPR_HCALL exit, zero for
 * the exits KVM made before kvmtrap.
 */
#define KVM_PAPR_HCALL_EXIT_BPF		(1ULL << 0)	/* a program forwarded it */

/*
 * KVM_TRAP_QUERY (VM ioctl): run the whole decision for a described
 * call, as if a vCPU of the VM made it, without a vCPU and without side
 * effects: programs see KVM_TRAP_F_QUERY and their verdicts are not
 * counted.  See Documentation/kvm-trap-api.rst.
 */
/* struct kvm_trap_query::flags: the caller runs AArch32, or MSR[SF] = 0 */
#define KVM_TRAP_QUERY_32BIT	(1U << 0)
#define KVM_TRAP_QUERY_AARCH32	KVM_TRAP_QUERY_32BIT	/* its arm64 name */

/* Which step of the decision settled the call (struct kvm_trap_query). */
enum kvm_trap_stage {
	KVM_TRAP_STAGE_FILTER	= 1,	/* the SMCCC filter: DENY or FORWARD */
	KVM_TRAP_STAGE_NATIVE	= 2,	/* a KVM service: HANDLED */
	KVM_TRAP_STAGE_BPF	= 3,	/* the program of link_id */
	/* nobody: the call fails (arm64: DENY) or exits (POWER: FORWARD) */
	KVM_TRAP_STAGE_DEFAULT	= 4,
};

/* struct kvm_trap_query::out_flags */
/* ret[] is what the registers get: x0..x3 (arm64), r3..r12 (POWER) */
#define KVM_TRAP_QUERY_RET	(1U << 0)
#define KVM_TRAP_QUERY_EL2	(1U << 1)	/* answered at EL2, before KVM */
/*
 * The deciding program returned FORWARD, which this VM does not accept
 * (no KVM_TRAP_ENABLE_FORWARD): verdict is DENY, what the guest gets.
 */
#define KVM_TRAP_QUERY_REFUSED	(1U << 2)
/*
 * POWER, STAGE_NATIVE: KVM may hand the hcall to the VMM instead of
 * answering it (H_TOO_HARD and the like); it never reaches the programs.
 */
#define KVM_TRAP_QUERY_PUNT	(1U << 3)

/* The caller's registers and the answer's (struct kvm_trap_query) */
#define KVM_TRAP_QUERY_NR_REGS	10

struct kvm_trap_query {
	/* in */
	__u32 conduit;			/* enum kvm_trap_conduit */
	__u32 flags;			/* KVM_TRAP_QUERY_32BIT */
	/* immediate: HVC and A64 SMC 0..0xffff; an A32 SMC has none (0) */
	__u32 imm;
	__u32 vcpu_id;			/* what the programs see as vcpu_id */
	/* arm64: x0..x7, regs[8..9] zero; POWER: r3..r12 */
	__u64 regs[KVM_TRAP_QUERY_NR_REGS];
	/* out: must be zero on entry */
	__u32 stage;			/* enum kvm_trap_stage */
	__u32 verdict;			/* enum kvm_trap_verdict */
	__u32 link_id;			/* STAGE_BPF: the deciding link */
	__u32 prog_id;			/* STAGE_BPF: its program */
	__u32 out_flags;		/* KVM_TRAP_QUERY_* */
	__u32 pad;
	/* after the call: arm64 x0..x3, ret[4..9] zero; POWER r3..r12 */
	__u64 ret[KVM_TRAP_QUERY_NR_REGS];
};

/*
 * KVM_TRAP_NATIVE_LIST (VM ioctl): the calls KVM itself answers for this
 * VM, as ranges of function IDs per conduit: on arm64 after its SMCCC
 * filter and firmware feature bitmaps, on POWER after its hcall enable
 * bitmap.  Ranges never overlap and come sorted by conduit, then function
 * ID.  A PAPR range holds the hcall numbers first, first + 4, ... last.
 */
#define KVM_TRAP_RANGE_EL2	(1U << 0)	/* answered at EL2, before KVM */
#define KVM_TRAP_RANGE_PUNT	(1U << 1)	/* see KVM_TRAP_QUERY_PUNT */

struct kvm_trap_range {
	__u32 conduit;			/* enum kvm_trap_conduit */
	__u32 flags;			/* KVM_TRAP_RANGE_* */
	__u64 first;			/* first function ID (w0, r3) */
	__u64 last;			/* last function ID, inclusive */
};

struct kvm_trap_native_list {
	__u32 nr;			/* in: room in ranges[]; out: ranges */
	__u32 pad;			/* must be zero */
	struct kvm_trap_range ranges[];
};

/*
 * VM ioctls.  Not on KVMIO (0xAE): upstream hands out KVMIO numbers in
 * sequence (0xd5 in 6.12, 0xd6 proposed for Arm CCA), and all of KVM's
 * own ioctls are KVMIO, so a type of our own can never meet one on the
 * VM fd.  0xA6 is free in ioctl-number.rst.
 */
#define KVM_TRAP_IOC		0xA6
#define KVM_TRAP_QUERY		_IOWR(KVM_TRAP_IOC, 0x00, struct kvm_trap_query)
#define KVM_TRAP_NATIVE_LIST	_IOWR(KVM_TRAP_IOC, 0x01, struct kvm_trap_native_list)

#endif /* _UAPI_LINUX_KVM_TRAP_H */
