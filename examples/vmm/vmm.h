/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm.h: what the three parts of the example VMM kvmtrap-vmm share.
 *
 *  - script.c reads call scripts (*.calls: the HVC/SMC calls the guest
 *    makes, and SMCCC filter ranges) and policy sets (*.policies: the BPF
 *    policies the VMM attaches to its VM, with their settings);
 *  - guest.c writes the guest: an EL1 exception vector and a payload that
 *    makes the scripted calls one after the other, as A64 instructions;
 *  - vmm.c creates the VM with KVM, attaches the policies with
 *    libkvmtrap, runs the guest, serves the calls forwarded to it and
 *    prints what happened.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libkvmtrap.h"	/* struct route_rule (bpf/route_table.h) */

/*
 * Guest physical memory: one memslot, the code at its start (the vector
 * table first: VBAR_EL1 needs 2 KiB alignment), one result slot per call
 * at GUEST_RESULTS.  The guest runs with its MMU off, so these are also
 * the addresses its instructions use.
 */
#define GUEST_BASE		0x80000000ull
#define GUEST_SIZE		0x100000ull	/* 1 MiB */
#define GUEST_VECTORS		GUEST_BASE		/* VBAR_EL1 */
#define GUEST_CODE		(GUEST_BASE + 0x800)	/* first PC */
#define GUEST_RESULTS		(GUEST_BASE + 0x80000)
#define GUEST_CODE_MAX		(GUEST_RESULTS - GUEST_CODE)

/*
 * MMIO: addresses outside the memslot, so that a store there exits to
 * the VMM with KVM_EXIT_MMIO.  The guest says that call n is over (its
 * results stored), that all calls are over, or that it took an exception
 * it did not expect.
 */
#define MMIO_BASE		0x10000000ull
#define MMIO_STEP		(MMIO_BASE + 0x00)	/* data: call index */
#define MMIO_DONE		(MMIO_BASE + 0x08)	/* data: number of calls */
#define MMIO_FAULT_ESR		(MMIO_BASE + 0x10)	/* data: ESR_EL1 */
#define MMIO_FAULT_ELR		(MMIO_BASE + 0x18)	/* data: ELR_EL1 */
#define MMIO_FAULT_VEC		(MMIO_BASE + 0x20)	/* data: vector slot */

/* What the guest stores for each call, 64 bytes, in call order. */
struct guest_result {
	uint64_t x[4];		/* x0..x3 after the call */
	uint64_t done;		/* RESULT_DONE | index once it returned */
	uint64_t esr;		/* ESR_EL1 of an exception taken at the call */
	uint64_t elr;		/* its ELR_EL1: the HVC/SMC's address */
	uint64_t pad;
};

#define RESULT_DONE		0x4b56540000000000ull	/* "KVT" */

/* Offsets the generated code uses; checked against the struct. */
#define RESULT_X_OFF		0
#define RESULT_DONE_OFF		32
#define RESULT_ESR_OFF		40
#define RESULT_ELR_OFF		48

#define MAX_CALLS		256
#define MAX_FILTERS		16
#define MAX_POLICIES		8	/* KVM_CAP_TRAP_BPF links per VM */
#define MAX_SETS		16
#define LINE_MAX_LEN		256

/* One HVC or SMC of the guest, as the call script describes it. */
struct call {
	uint32_t conduit;	/* KVM_TRAP_CONDUIT_HVC or _SMC */
	uint32_t imm;		/* the instruction's immediate */
	uint64_t x[8];		/* x0..x7 at the call */
	int nr_args;		/* how many of x1..x7 the script gave */
	uint64_t pc;		/* guest address of the HVC/SMC (guest.c) */
	char text[LINE_MAX_LEN];	/* the script's line, as written */
};

/* "filter deny|fwd FIRST [LAST]": one KVM_ARM_VM_SMCCC_FILTER range. */
struct filter {
	uint32_t action;	/* KVM_SMCCC_FILTER_DENY or _FWD_TO_USER */
	uint32_t first, last;
};

struct script {
	struct call calls[MAX_CALLS];
	int nr_calls;
	struct filter filters[MAX_FILTERS];
	int nr_filters;
};

/*
 * One line of a policy set: an object and its --set style settings, and
 * for route_table the rules of the "rule ..." lines that follow it.
 */
struct policy_line {
	char path[LINE_MAX_LEN];
	char *key[MAX_SETS], *value[MAX_SETS];
	int nr_sets;
	bool route_table;	/* route_table: "rule" lines may follow */
	struct route_rule rules[ROUTE_RULES_MAX];
	int nr_rules;
	int rule_lineno[ROUTE_RULES_MAX];	/* for messages */
	char file[LINE_MAX_LEN];		/* the set's file, for messages */
	char text[LINE_MAX_LEN];	/* the set's line, as written */
	char buf[LINE_MAX_LEN];		/* key[] and value[] point here */
};

struct policy_set {
	struct policy_line lines[MAX_POLICIES];
	int nr;
};

/* Where a policy named without a path is found: <dir>/<name>.bpf.o */
#define POLICY_DIR		"/usr/lib/kvmtrap/policies"

/* script.c: each returns 0 or -1 after printing "FILE:LINE: what" */
int script_add_line(struct script *s, const char *line, const char *file,
		    int lineno);
int script_read(struct script *s, const char *path);
int policy_add_line(struct policy_set *ps, const char *line,
		    const char *file, int lineno);
int policy_read(struct policy_set *ps, const char *path);

/*
 * guest.c: write the vector table and the payload for @s into @mem (the
 * memslot, GUEST_SIZE bytes, mapped at GUEST_BASE) and set each call's
 * pc.  Returns the payload's size in bytes, or -1 when it does not fit.
 */
long guest_build(void *mem, struct script *s);

#endif /* VMM_H */
