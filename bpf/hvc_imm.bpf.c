// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hvc_imm.bpf.c: send HVC #imm calls (a non-zero immediate) to the VMM.
 * An immediate other than 0 is not SMCCC: guests written for other
 * hypervisors (or a VMM's own paravirtual interface) use it to select a
 * service.  Without kvmtrap, KVM ignores the immediate of an HVC and
 * handles it as the SMCCC call of x0.  This policy forwards such calls
 * (KVM_EXIT_HYPERCALL with KVM_HYPERCALL_EXIT_IMM and the immediate in
 * run->hypercall.imm, nr = x0) so the VMM can implement them.
 *
 * Knobs (kvmtrap attach --set KEY=VALUE):
 *
 *   imm_min	first immediate routed (default 1; 0 is never routed: that
 *		is SMCCC)
 *   imm_max	last immediate routed (default 0xffff)
 *   verdict	what those calls get (default forward)
 *   smc	true: also SMC #imm (default false: HVC only)
 *
 * Every other call is passed on.  Every decision but PASS is streamed to
 * "kvmtrap trace"; stateless.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KVMTRAP_NO_HANDLED_MAP	/* never answers HANDLED */
#include "kvmtrap.bpf.h"

const volatile __u32 imm_min = 1;
const volatile __u32 imm_max = 0xffff;
const volatile enum kvm_trap_verdict verdict = KVM_TRAP_FORWARD;
const volatile bool smc = false;

SEC("kvm_trap")
int hvc_imm(struct kvm_trap_ctx *ctx)
{
	if (!ctx->imm || ctx->imm < imm_min || ctx->imm > imm_max)
		return KVM_TRAP_PASS;
	if (ctx->conduit != KVM_TRAP_CONDUIT_HVC &&
	    !(smc && ctx->conduit == KVM_TRAP_CONDUIT_SMC))
		return KVM_TRAP_PASS;
	if (verdict == KVM_TRAP_PASS)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, verdict);
}

char LICENSE[] SEC("license") = "GPL";
