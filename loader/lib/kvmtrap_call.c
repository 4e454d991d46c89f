// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_call.c: the context KVM gives the programs for a described call,
 * as the architecture's table (kvmtrap_arch.h) builds it, so that
 * libkvmtrap's API stays the same whatever the architecture.
 *
 * Plain C with no libbpf, so that the host unit tests build it too.
 */
#include "kvmtrap_arch.h"
#include "libkvmtrap.h"

int kvmtrap_call_valid(const struct kvm_trap_query *q)
{
	return KVMTRAP_ARCH->call_valid(q);
}

int kvmtrap_ctx_from_call(const struct kvm_trap_query *q,
			  struct kvm_trap_ctx *ctx)
{
	return KVMTRAP_ARCH->ctx_from_call(q, ctx);
}

uint64_t kvmtrap_ctx_ret_mask(const struct kvm_trap_ctx *ctx)
{
	return KVMTRAP_ARCH->ret_mask(ctx);
}
