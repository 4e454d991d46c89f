// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_arch_ppc64.c: the calls of POWER guests: PAPR hcalls made with
 * sc 1, hcall number in r3 and arguments in r4..r12, their names, and the
 * context KVM gives the programs for a described call, as
 * kvmppc_trap_fill_ctx() in the kernel builds it.
 *
 * Plain C with no libbpf, so that the host unit tests build it too.
 */
#include <errno.h>
#include <string.h>

#include "kvmtrap_arch.h"
#include "libkvmtrap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The status of an hcall nobody implements (PAPR; hvcall.h is not UAPI). */
#define H_FUNCTION	((uint64_t)-2)

/*
 * The hcalls Linux's KVM (HV or PR) implements or punts to the VMM, and
 * the VMM's usual ones (console, RTAS), with their numbers from PAPR and
 * arch/powerpc/include/asm/hvcall.h.
 */
static const struct kvmtrap_func_name ppc64_funcs[] = {
	/* Hash page table */
	{ "H_REMOVE",			0x04 },
	{ "H_ENTER",			0x08 },
	{ "H_READ",			0x0c },
	{ "H_CLEAR_MOD",		0x10 },
	{ "H_CLEAR_REF",		0x14 },
	{ "H_PROTECT",			0x18 },
	{ "H_BULK_REMOVE",		0x124 },
	{ "H_CLEAR_HPT",		0x358 },
	{ "H_RESIZE_HPT_PREPARE",	0x36c },
	{ "H_RESIZE_HPT_COMMIT",	0x370 },
	/* DMA windows (TCE) */
	{ "H_GET_TCE",			0x1c },
	{ "H_PUT_TCE",			0x20 },
	{ "H_STUFF_TCE",		0x138 },
	{ "H_PUT_TCE_INDIRECT",		0x13c },
	/* Processor and partition */
	{ "H_SET_SPRG0",		0x24 },
	{ "H_SET_DABR",			0x28 },
	{ "H_PAGE_INIT",		0x2c },
	{ "H_SET_XDABR",		0x134 },
	{ "H_LOGICAL_CI_LOAD",		0x3c },
	{ "H_LOGICAL_CI_STORE",		0x40 },
	{ "H_REGISTER_VPA",		0xdc },
	{ "H_CEDE",			0xe0 },
	{ "H_CONFER",			0xe4 },
	{ "H_PROD",			0xe8 },
	{ "H_GET_PPP",			0xec },
	{ "H_SET_PPP",			0xf0 },
	{ "H_PURR",			0xf4 },
	{ "H_GET_CPU_CHARACTERISTICS",	0x1c8 },
	{ "H_HOME_NODE_ASSOCIATIVITY",	0x2ec },
	{ "H_RANDOM",			0x300 },
	{ "H_SET_MODE",			0x31c },
	{ "H_REGISTER_PROC_TBL",	0x37c },
	{ "H_SIGNAL_SYS_RESET",		0x380 },
	{ "H_RPT_INVALIDATE",		0x448 },
	{ "H_WATCHDOG",			0x45c },
	/* Console */
	{ "H_GET_TERM_CHAR",		0x54 },
	{ "H_PUT_TERM_CHAR",		0x58 },
	/* XICS interrupt controller */
	{ "H_EOI",			0x64 },
	{ "H_CPPR",			0x68 },
	{ "H_IPI",			0x6c },
	{ "H_IPOLL",			0x70 },
	{ "H_XIRR",			0x74 },
	{ "H_XIRR_X",			0x2fc },
	/* XIVE interrupt controller */
	{ "H_INT_GET_SOURCE_INFO",	0x3a8 },
	{ "H_INT_SET_SOURCE_CONFIG",	0x3ac },
	{ "H_INT_GET_SOURCE_CONFIG",	0x3b0 },
	{ "H_INT_GET_QUEUE_INFO",	0x3b4 },
	{ "H_INT_SET_QUEUE_CONFIG",	0x3b8 },
	{ "H_INT_GET_QUEUE_CONFIG",	0x3bc },
	{ "H_INT_ESB",			0x3c8 },
	{ "H_INT_SYNC",			0x3cc },
	{ "H_INT_RESET",		0x3d0 },
	/* Outside the PAPR table: RTAS, nested HV, secure VMs */
	{ "H_RTAS",			0xf000 },
	{ "H_LOGICAL_MEMOP",		0xf001 },
	{ "H_SET_PARTITION_TABLE",	0xf800 },
	{ "H_ENTER_NESTED",		0xf804 },
	{ "H_TLB_INVALIDATE",		0xf808 },
	{ "H_COPY_TOFROM_GUEST",	0xf80c },
	{ "H_SVM_PAGE_IN",		0xef00 },
	{ "H_SVM_PAGE_OUT",		0xef04 },
	{ "H_SVM_INIT_START",		0xef08 },
	{ "H_SVM_INIT_DONE",		0xef0c },
	{ "H_SVM_INIT_ABORT",		0xef14 },
};

static int ppc64_call_valid(const struct kvm_trap_query *q)
{
	/* sc 1 has no immediate; the only flag is MSR[SF] = 0. */
	if (q->conduit != KVM_TRAP_CONDUIT_PAPR_HCALL || q->imm ||
	    (q->flags & ~KVM_TRAP_QUERY_32BIT))
		return -EINVAL;
	return 0;
}

static int ppc64_ctx_from_call(const struct kvm_trap_query *q,
			       struct kvm_trap_ctx *ctx)
{
	unsigned int i;
	int err;

	err = ppc64_call_valid(q);
	if (err)
		return err;
	memset(ctx, 0, sizeof(*ctx));
	ctx->conduit = q->conduit;
	/* Flagged, not narrowed: KVM's PAPR path has no 32-bit convention. */
	if (q->flags & KVM_TRAP_QUERY_32BIT)
		ctx->flags = KVM_TRAP_F_32BIT;
	ctx->func_id = q->regs[0];
	ctx->vcpu_id = q->vcpu_id;
	/* r4..r12 */
	for (i = 0; i < KVM_TRAP_NR_ARGS; i++)
		ctx->args[i] = q->regs[i + 1];
	ctx->ret[0] = H_FUNCTION;
	return 0;
}

/* Registers go both ways whole, whatever MSR[SF]. */
static uint64_t ppc64_ret_mask(const struct kvm_trap_ctx *ctx)
{
	return UINT64_MAX;
}

/* No hcall is KVM's whatever the VM's configuration. */
static bool ppc64_is_arch_range(uint32_t imm, uint64_t func_id)
{
	return false;
}

static const uint32_t ppc64_conduits[] = {
	KVM_TRAP_CONDUIT_PAPR_HCALL,
};

const struct kvmtrap_arch kvmtrap_arch_ppc64 = {
	.name			= "ppc64",
	.conduits		= ppc64_conduits,
	.nr_conduits		= ARRAY_SIZE(ppc64_conduits),
	.conduit_alts		= "papr",
	.conduit_list		= "papr",
	.conduit_list_any	= "papr or any",
	.imm_max		= 0,
	.func_what		= "a PAPR hcall name (e.g. H_RANDOM)",
	.reg_prefix		= "r",
	.reg_first		= 3,
	.arg_regs		= "r4..r12",
	.nr_args		= 9,
	.ret_regs		= "r3..r12",
	.nr_ret			= 10,
	.forward_opt_in		= false,
	.funcs			= ppc64_funcs,
	.nr_funcs		= ARRAY_SIZE(ppc64_funcs),
	.call_valid		= ppc64_call_valid,
	.ctx_from_call		= ppc64_ctx_from_call,
	.ret_mask		= ppc64_ret_mask,
	.is_arch_range		= ppc64_is_arch_range,
};
