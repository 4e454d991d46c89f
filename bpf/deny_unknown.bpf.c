// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * deny_unknown.bpf.c: the closing policy of a VM.  Every call that reaches
 * it gets one verdict, by default an undefined-instruction exception at
 * the HVC/SMC, as on a machine without the service (so a guest probing for
 * a firmware interface sees what real hardware without it would show).
 * Attach it last: the calls KVM handles natively, and those that policies
 * linked before it answer, never reach it.
 *
 * Knobs (kvmtrap attach --set KEY=VALUE):
 *
 *   verdict	undef (default) or deny (SMCCC NOT_SUPPORTED, x1..x3 = 0);
 *		(any other value makes the policy pass every call)
 *   imm_only	true: only calls with a non-zero immediate, SMCCC calls
 *		are passed on (default false: every call)
 *
 * Every decision is streamed to "kvmtrap trace".  Stateless: a query
 * (KVM_TRAP_F_QUERY) gets the same answer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KVMTRAP_NO_HANDLED_MAP	/* never answers HANDLED */
#include "kvmtrap.bpf.h"

const volatile enum kvm_trap_verdict verdict = KVM_TRAP_UNDEF;
const volatile bool imm_only = false;

SEC("kvm_trap")
int deny_unknown(struct kvm_trap_ctx *ctx)
{
	/* Only the two refusing verdicts make sense for "unknown". */
	if (verdict != KVM_TRAP_UNDEF && verdict != KVM_TRAP_DENY)
		return KVM_TRAP_PASS;
	if (imm_only && !ctx->imm)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, verdict);
}

char LICENSE[] SEC("license") = "GPL";
