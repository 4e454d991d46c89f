/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kvmtrap_arch.h: what libkvmtrap and the kvmtrap CLI know of the calls
 * of one architecture, in one table: the conduits a guest calls through,
 * the names of its calls, how the user writes a call and its registers,
 * and how KVM builds a program's context from a described call.
 *
 * arm64 (SMCCC over HVC and SMC, kvmtrap_arch_arm64.c) and POWER (PAPR
 * hcalls over sc 1, kvmtrap_arch_ppc64.c); KVMTRAP_ARCH below is the one
 * of the machine the code is built for.  What still speaks arm64 outside
 * the table: the name of the --aarch32 option (MSR[SF] = 0 on POWER); the
 * CLI's help texts choose their words by the same build-time test.
 */
#ifndef __KVMTRAP_ARCH_H
#define __KVMTRAP_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm_trap.h>

struct kvmtrap_func_name {
	const char *name;
	uint64_t id;
};

struct kvmtrap_arch {
	const char *name;
	/* The conduits of a described call (KVM_TRAP_CONDUIT_*). */
	const uint32_t *conduits;
	unsigned int nr_conduits;
	/* The same as the messages spell them: "hvc|smc", "hvc or smc" */
	const char *conduit_alts;
	const char *conduit_list;
	const char *conduit_list_any;	/* with "any", for rules */
	uint32_t imm_max;		/* the largest #IMM */
	/* What FUNC may be besides a number, for errors. */
	const char *func_what;
	const char *reg_prefix;		/* of the register names: x0 */
	unsigned int reg_first;		/* the number of FUNC's register */
	const char *arg_regs;		/* the arguments after FUNC */
	unsigned int nr_args;		/* how many there are, at most */
	const char *ret_regs;		/* what a HANDLED call returns */
	unsigned int nr_ret;		/* how many registers that is */
	/* The calls the architecture's KVM knows, by name. */
	const struct kvmtrap_func_name *funcs;
	unsigned int nr_funcs;
	/* See kvmtrap_call_valid() and the next ones in libkvmtrap.h. */
	int (*call_valid)(const struct kvm_trap_query *q);
	int (*ctx_from_call)(const struct kvm_trap_query *q,
			     struct kvm_trap_ctx *ctx);
	uint64_t (*ret_mask)(const struct kvm_trap_ctx *ctx);
	/*
	 * Whether a FORWARD exits only to a VMM that enabled
	 * KVM_TRAP_ENABLE_FORWARD (arm64), or always (POWER: the exit is
	 * the one every VMM takes for an hcall KVM does not handle).
	 */
	bool forward_opt_in;
	/* Whether KVM keeps the call to itself, never offered to programs. */
	bool (*is_arch_range)(uint32_t imm, uint64_t func_id);
};

extern const struct kvmtrap_arch kvmtrap_arch_arm64;
extern const struct kvmtrap_arch kvmtrap_arch_ppc64;

/*
 * The architecture whose calls are described, named and run: the one the
 * library runs on (the host unit tests, built for the build machine, test
 * arm64's).
 */
#if defined(__powerpc64__)
#define KVMTRAP_ARCH (&kvmtrap_arch_ppc64)
#else
#define KVMTRAP_ARCH (&kvmtrap_arch_arm64)
#endif

/* Whether @conduit is one of the architecture's. */
bool kvmtrap_arch_conduit(uint32_t conduit);

#endif /* __KVMTRAP_ARCH_H */
