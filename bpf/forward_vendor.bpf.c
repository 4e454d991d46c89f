// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forward_vendor.bpf.c: send chosen SMCCC services to the VMM, refuse the
 * rest.  An SMCCC call (immediate 0) whose owner (function ID bits 29:24)
 * is in @owners is forwarded (KVM_EXIT_HYPERCALL, the VMM answers); any
 * other SMCCC call that reaches the policy gets @other.  The defaults
 * forward SiP (2), OEM (3) and vendor-specific hypervisor (6) calls, the
 * services a VMM emulates for its guests' drivers, and deny the rest.
 * KVM's own services (PSCI, TRNG, its vendor hypervisor calls ...) never
 * reach a policy, so they keep working.
 *
 * Knobs (kvmtrap attach --set KEY=VALUE):
 *
 *   owners	bit N set: forward owner N (0..63); default 0x4c, bits
 *		2, 3 and 6.  Owner numbers: 0 Arm architecture, 1 CPU,
 *		2 SiP, 3 OEM, 4 standard secure, 5 standard hypervisor,
 *		6 vendor hypervisor, 48-49 trusted applications, 50-63
 *		trusted OS
 *   verdict	for those calls (default forward)
 *   other	for every other SMCCC call (default deny); pass leaves them
 *		to the VM's next policy
 *   conduit	0 both conduits (default), 1 only HVC, 2 only SMC: calls
 *		of the other conduit are passed on (PAPR hcalls always are)
 *
 * A call with a non-zero immediate is not an SMCCC call and is passed on
 * (see hvc_imm).  Both SMC32 and SMC64 IDs of an owner match.  Every
 * decision but PASS is streamed to "kvmtrap trace"; stateless.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KVMTRAP_NO_HANDLED_MAP	/* never answers HANDLED */
#include "kvmtrap.bpf.h"

/* SMCCC: the owner of a call is bits 29:24 of its function ID. */
#define SMCCC_OWNER_SHIFT	24
#define SMCCC_OWNER_MASK	0x3f

const volatile __u64 owners = (1ULL << 2) | (1ULL << 3) | (1ULL << 6);
const volatile enum kvm_trap_verdict verdict = KVM_TRAP_FORWARD;
const volatile enum kvm_trap_verdict other = KVM_TRAP_DENY;
const volatile __u32 conduit = 0;

SEC("kvm_trap")
int forward_vendor(struct kvm_trap_ctx *ctx)
{
	__u32 owner;
	int v;

	if (!kvmtrap_is_smccc(ctx) || ctx->imm ||
	    (conduit && ctx->conduit != conduit))
		return KVM_TRAP_PASS;
	owner = (ctx->func_id >> SMCCC_OWNER_SHIFT) & SMCCC_OWNER_MASK;
	v = (owners >> owner) & 1 ? verdict : other;
	if (v == KVM_TRAP_PASS)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, v);
}

char LICENSE[] SEC("license") = "GPL";
