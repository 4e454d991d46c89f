// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * audit.bpf.c: watch, never decide.  Every call that reaches the policy is
 * passed on (KVM_TRAP_PASS) and streamed as one struct kvmtrap_event
 * (time, vCPU, conduit, function ID, immediate, x1..x3, flags) through the
 * "kvmtrap_events" ring buffer, which "kvmtrap trace --vm VM" prints.
 * Attach it first to see every call offered to the VM's policies (calls
 * KVM handles natively are never offered); attached last it sees only
 * what the other policies passed on.  The event's verdict is PASS: what
 * audit itself decided.
 *
 * It also counts the calls it saw per vCPU in the "audit_counts" array
 * (AUDIT_MAX_VCPUS entries, vcpu_id modulo that, bpf/audit.h), for a VMM
 * that wants numbers rather than a stream.
 *
 * Knobs (kvmtrap attach --set KEY=VALUE):
 *
 *   func_first, func_last   audit only function IDs in this range
 *			     (default all)
 *
 * A query (KVM_TRAP_F_QUERY) is neither streamed nor counted: it is not a
 * call the guest made.  A full ring buffer drops the event, never delays
 * the call.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KVMTRAP_NO_HANDLED_MAP	/* never answers HANDLED */
#include "kvmtrap.bpf.h"
#include "audit.h"

const volatile __u64 func_first = 0;
const volatile __u64 func_last = ~0ULL;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AUDIT_MAX_VCPUS);
	__type(key, __u32);
	__type(value, __u64);
} audit_counts SEC(".maps");

SEC("kvm_trap")
int audit(struct kvm_trap_ctx *ctx)
{
	__u32 slot = ctx->vcpu_id % AUDIT_MAX_VCPUS;
	__u64 *n;

	if (ctx->flags & KVM_TRAP_F_QUERY)
		return KVM_TRAP_PASS;
	if (ctx->func_id < func_first || ctx->func_id > func_last)
		return KVM_TRAP_PASS;
	n = bpf_map_lookup_elem(&audit_counts, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
	return kvmtrap_emit(ctx, KVM_TRAP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
