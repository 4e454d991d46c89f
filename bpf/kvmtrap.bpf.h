/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kvmtrap.bpf.h: what a kvmtrap policy (a SEC("kvm_trap") program) uses
 * to show its work to the host:
 *
 *  - kvmtrap_note_handled(ctx): count the call in the VM's handled-call
 *    list ("kvmtrap handled", bpftool map dump) as answered by a policy;
 *  - kvmtrap_emit(ctx, verdict): stream the decision to "kvmtrap trace";
 *  - kvmtrap_verdict(v): a verdict taken from data (a map, a global),
 *    bounded as the verifier requires.
 *
 *	#include "vmlinux.h"
 *	#include <bpf/bpf_helpers.h>
 *	#include "kvmtrap.bpf.h"
 *
 *	SEC("kvm_trap")
 *	int answer(struct kvm_trap_ctx *ctx)
 *	{
 *		if (ctx->func_id != MY_CALL)
 *			return kvmtrap_emit(ctx, KVM_TRAP_PASS);
 *		ctx->ret[0] = 0;
 *		kvmtrap_note_handled(ctx);
 *		return kvmtrap_emit(ctx, KVM_TRAP_HANDLED);
 *	}
 *
 * Including this header defines the two maps the helpers write:
 * "kvmtrap_handled", which libkvmtrap replaces at load time with the VM's
 * pinned list (kvmtrap_policy_load() with a VM; without one it stays a
 * private map), and the ring buffer "kvmtrap_events".  A policy that
 * wants neither defines KVMTRAP_NO_HANDLED_MAP or KVMTRAP_NO_EVENTS_MAP
 * first; KVMTRAP_EVENTS_SIZE sets the ring buffer's size.
 *
 * Both helpers do nothing for a query (KVM_TRAP_F_QUERY): a dry run is
 * not a call the guest made, so it is neither counted nor traced.
 */
#ifndef __KVMTRAP_BPF_H
#define __KVMTRAP_BPF_H

#include "kvmtrap_handled.h"

/* The context's flags are macros, which vmlinux.h does not carry. */
#ifndef KVM_TRAP_F_AARCH32
#define KVM_TRAP_F_AARCH32	(1U << 0)
#define KVM_TRAP_F_SMC32	(1U << 1)
#define KVM_TRAP_F_QUERY	(1U << 2)
#endif

/*
 * The verifier rejects a kvm_trap program whose return value may fall
 * outside enum kvm_trap_verdict.  A verdict read from a map or a global
 * (not a const volatile knob, which the verifier reads at load time) is
 * unbounded to it: pass it through here, which makes anything that is no
 * verdict a PASS.
 */
/*
 * An SMCCC call (HVC or SMC), whose function ID the SMCCC policies decode;
 * they pass the calls of other conduits (POWER's PAPR hcalls) on.
 */
static __always_inline bool kvmtrap_is_smccc(const struct kvm_trap_ctx *ctx)
{
	return ctx->conduit == KVM_TRAP_CONDUIT_HVC ||
	       ctx->conduit == KVM_TRAP_CONDUIT_SMC;
}

static __always_inline int kvmtrap_verdict(__u64 v)
{
	return v <= KVM_TRAP_UNDEF ? v : KVM_TRAP_PASS;
}

#ifndef KVMTRAP_EVENTS_SIZE
#define KVMTRAP_EVENTS_SIZE	(64 * 1024)
#endif

/*
 * The handled-call list's definition.  libkvmtrap creates each VM's list
 * from this same definition (loader/lib/kvmtrap_handled_map.bpf.c), so that a
 * policy's map and the pinned list it is replaced with agree.
 */
#define KVMTRAP_HANDLED_MAP_DEF						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(max_entries, KVMTRAP_HANDLED_MAX);		\
		__type(key, struct kvmtrap_handled_key);		\
		__type(value, struct kvmtrap_handled_val);		\
	}

#ifndef KVMTRAP_NO_HANDLED_MAP
KVMTRAP_HANDLED_MAP_DEF KVMTRAP_HANDLED_MAP SEC(".maps");

/*
 * Count @ctx's call as answered by this policy: its entry (conduit,
 * immediate, function ID, route BPF, owner POLICY) is created on the first
 * call and its hits bumped on each.  Call it where the policy returns
 * KVM_TRAP_HANDLED; it returns KVM_TRAP_HANDLED for "return
 * kvmtrap_note_handled(ctx);".  When the list is full (KVMTRAP_HANDLED_MAX
 * entries) a new call is not entered.
 */
static __always_inline int kvmtrap_note_handled(const struct kvm_trap_ctx *ctx)
{
	struct kvmtrap_handled_key key = {};
	struct kvmtrap_handled_val *v;

	if (ctx->flags & KVM_TRAP_F_QUERY)
		return KVM_TRAP_HANDLED;
	key.conduit = ctx->conduit;
	key.imm = ctx->imm;
	key.first = ctx->func_id;
	key.last = ctx->func_id;

	v = bpf_map_lookup_elem(&KVMTRAP_HANDLED_MAP, &key);
	if (!v) {
		struct kvmtrap_handled_val nv = {
			.route	= KVMTRAP_ROUTE_BPF,
			.owner	= KVMTRAP_OWNER_POLICY,
			.hits	= 1,
		};

		if (!bpf_map_update_elem(&KVMTRAP_HANDLED_MAP, &key, &nv,
					 BPF_NOEXIST))
			return KVM_TRAP_HANDLED;
		/* Another vCPU entered it first: count on its entry. */
		v = bpf_map_lookup_elem(&KVMTRAP_HANDLED_MAP, &key);
		if (!v)
			return KVM_TRAP_HANDLED;
	}
	__sync_fetch_and_add(&v->hits, 1);
	return KVM_TRAP_HANDLED;
}
#endif /* KVMTRAP_NO_HANDLED_MAP */

#ifdef KVMTRAP_HANDLED_COUNTS
/*
 * The cheap way for a policy that answers a few calls it knows in advance:
 * one slot per call in an array of handled-list entries, counted in place
 * (an array lookup and an atomic add instead of a hash lookup per call),
 * and added to the VM's handled-call list by libkvmtrap when the list is
 * read.  Define KVMTRAP_HANDLED_COUNTS to the number of slots before the
 * include, and call kvmtrap_count_handled(ctx, slot) where the policy
 * answers HANDLED; a slot must always count the same call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KVMTRAP_HANDLED_COUNTS);
	__type(key, __u32);
	__type(value, struct kvmtrap_handled_entry);
} kvmtrap_counted SEC(".maps");

static __always_inline int kvmtrap_count_handled(const struct kvm_trap_ctx *ctx,
						 __u32 slot)
{
	struct kvmtrap_handled_entry *e;

	if (ctx->flags & KVM_TRAP_F_QUERY)
		return KVM_TRAP_HANDLED;
	e = bpf_map_lookup_elem(&kvmtrap_counted, &slot);
	if (!e)
		return KVM_TRAP_HANDLED;
	/* The first calls of a slot write the same key: no race to lose. */
	if (!e->val.hits) {
		e->key.conduit = ctx->conduit;
		e->key.imm = ctx->imm;
		e->key.first = ctx->func_id;
		e->key.last = ctx->func_id;
		e->val.route = KVMTRAP_ROUTE_BPF;
		e->val.owner = KVMTRAP_OWNER_POLICY;
	}
	__sync_fetch_and_add(&e->val.hits, 1);
	return KVM_TRAP_HANDLED;
}
#endif /* KVMTRAP_HANDLED_COUNTS */

#ifndef KVMTRAP_NO_EVENTS_MAP
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KVMTRAP_EVENTS_SIZE);
} kvmtrap_events SEC(".maps");

/*
 * How many readers the stream has: "kvmtrap trace" adds itself while it
 * runs (an atomic add on the mmap()ed value), so that nobody pays for
 * events that nobody reads (struct kvmtrap_event's comment).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(map_flags, BPF_F_MMAPABLE);
} kvmtrap_readers SEC(".maps");

/*
 * Stream one struct kvmtrap_event for @ctx's call decided with @verdict,
 * and return @verdict ("return kvmtrap_emit(ctx, KVM_TRAP_DENY);").  With
 * no reader it costs a load and a test.  An event that finds the ring
 * buffer full is dropped: tracing never changes or delays the decision.
 */
static __always_inline int kvmtrap_emit(const struct kvm_trap_ctx *ctx,
					int verdict)
{
	struct kvmtrap_event *e;
	__u32 zero = 0, *readers;

	if (ctx->flags & KVM_TRAP_F_QUERY)
		return verdict;
	readers = bpf_map_lookup_elem(&kvmtrap_readers, &zero);
	if (!readers || !*readers)
		return verdict;
	e = bpf_ringbuf_reserve(&kvmtrap_events, sizeof(*e), 0);
	if (!e)
		return verdict;
	e->time_ns = bpf_ktime_get_ns();
	e->func_id = ctx->func_id;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	e->args[2] = ctx->args[2];
	e->vcpu_id = ctx->vcpu_id;
	e->conduit = ctx->conduit;
	e->imm = ctx->imm;
	e->flags = ctx->flags;
	e->verdict = verdict;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	return verdict;
}
#endif /* KVMTRAP_NO_EVENTS_MAP */

#endif /* __KVMTRAP_BPF_H */
