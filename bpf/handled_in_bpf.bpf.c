// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * handled_in_bpf.bpf.c: answer a vendor service's general queries in the
 * kernel, without an exit to the VMM.  SMCCC reserves calls at the top
 * of each service's range (SMCCC 1.4, "General Service Queries"), all
 * SMC32/HVC32 fast calls; 0xff02 is reserved and passed on:
 *
 *   0x8N00ff00  Call Count	w0 = @count (deprecated by SMCCC, still probed)
 *   0x8N00ff01  Call UID	w0..w3 = @uid0..@uid3 (the service's UUID)
 *   0x8N00ff03  Revision	w0 = @major, w1 = @minor
 *
 * where N is the owner (@owner, default 2: SiP, the silicon provider's
 * service a guest driver probes before using it).  A driver asks these on
 * every boot and module load; answering them here keeps the VMM out of the
 * path while the service's real calls go on to it (forward_vendor).
 *
 * Knobs (kvmtrap attach --set KEY=VALUE):
 *
 *   owner		the SMCCC owner (0..63; default 2, SiP)
 *   count		Call Count answer (default 3)
 *   uid0..uid3		Call UID answer, w0..w3 (default the UUID
 *			3a5e8f2c-6b1d-4e0a-9c47-5d2b8e91f03a)
 *   major, minor	Revision answer (default 1.0)
 *   conduit		0 both conduits (default), 1 only HVC, 2 only SMC
 *			(PAPR hcalls are always passed on)
 *
 * The SMC64/HVC64 forms of these IDs (bit 30 set) are not SMCCC's and are
 * passed on, as are calls with an immediate and every other call.  Calls
 * it answers (HANDLED) go into the VM's handled-call list
 * (counted in slots of their own, kvmtrap_count_handled()) and are
 * streamed to "kvmtrap trace";
 * stateless otherwise, so a query gets the same answer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Its three answers on two conduits, counted in place. */
#define KVMTRAP_NO_HANDLED_MAP
#define KVMTRAP_HANDLED_COUNTS	6
#include "kvmtrap.bpf.h"

#define SMCCC_FAST_32		0x80000000U
#define SMCCC_OWNER_SHIFT	24
/* As ARM_SMCCC_FUNC_QUERY_CALL_UID and OP-TEE's OPTEE_SMC_FUNCID_CALLS_*. */
#define SMCCC_CALL_COUNT	0xff00
#define SMCCC_CALL_UID		0xff01
#define SMCCC_REVISION		0xff03

const volatile __u32 owner = 2;
const volatile __u32 count = 3;
const volatile __u32 uid0 = 0x3a5e8f2c;
const volatile __u32 uid1 = 0x6b1d4e0a;
const volatile __u32 uid2 = 0x9c475d2b;
const volatile __u32 uid3 = 0x8e91f03a;
const volatile __u32 major = 1;
const volatile __u32 minor = 0;
const volatile __u32 conduit = 0;

SEC("kvm_trap")
int handled_in_bpf(struct kvm_trap_ctx *ctx)
{
	__u64 base = SMCCC_FAST_32 | (__u64)(owner & 0x3f) << SMCCC_OWNER_SHIFT;

	if (!kvmtrap_is_smccc(ctx) || ctx->imm ||
	    (conduit && ctx->conduit != conduit))
		return KVM_TRAP_PASS;
	__u32 slot = ctx->conduit == KVM_TRAP_CONDUIT_SMC;

	if (ctx->func_id == (base | SMCCC_CALL_COUNT)) {
		ctx->ret[0] = count;
		ctx->ret[1] = 0;
		ctx->ret[2] = 0;
		ctx->ret[3] = 0;
	} else if (ctx->func_id == (base | SMCCC_CALL_UID)) {
		slot += 2;
		ctx->ret[0] = uid0;
		ctx->ret[1] = uid1;
		ctx->ret[2] = uid2;
		ctx->ret[3] = uid3;
	} else if (ctx->func_id == (base | SMCCC_REVISION)) {
		slot += 4;
		ctx->ret[0] = major;
		ctx->ret[1] = minor;
		ctx->ret[2] = 0;
		ctx->ret[3] = 0;
	} else {
		return KVM_TRAP_PASS;
	}
	kvmtrap_count_handled(ctx, slot);
	return kvmtrap_emit(ctx, KVM_TRAP_HANDLED);
}

char LICENSE[] SEC("license") = "GPL";
