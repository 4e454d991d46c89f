// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ratelimit.bpf.c: a token bucket per vCPU and one per VM.  A call that
 * finds a token in both buckets is passed on (KVM_TRAP_PASS: the VM's
 * next policy decides) and uses one token of each; a call over either
 * rate gets @verdict (default DENY: SMCCC NOT_SUPPORTED).  A guest
 * flooding its VMM with calls that exit to user space, or making a noisy
 * call in a loop, is slowed to what the VMM is ready to serve.
 *
 * Knobs (kvmtrap attach --set KEY=VALUE):
 *
 *   vcpu_burst	tokens in each vCPU's bucket, i.e. calls allowed at
 *		once (default 100; 0: no per-vCPU limit)
 *   vcpu_rate	tokens added per second to each vCPU's bucket (default
 *		1000; 0: none, so a vCPU has vcpu_burst calls in all)
 *   vm_burst	tokens in the VM's bucket (default 0: no VM limit)
 *   vm_rate	tokens added per second to the VM's bucket (default 0)
 *   verdict	for a call over the rate (default deny)
 *   func_first, func_last
 *		limit only function IDs in this range (default all); other
 *		calls are passed on and not counted
 *
 * Buckets start full.  vCPUs share a bucket when their vcpu_id are equal
 * modulo RATELIMIT_MAX_VCPUS (64).  A call refused by the VM's bucket
 * gives its vCPU's token back.
 *
 * Counters: the "rl_counts" array (bpf/ratelimit.h), per vCPU slot and
 * for the VM, of calls passed and limited.
 *
 * A query (KVM_TRAP_F_QUERY) gets the verdict the call would get now but
 * takes no token and counts nothing.  Decisions over the rate are
 * streamed to "kvmtrap trace".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KVMTRAP_NO_HANDLED_MAP	/* never answers HANDLED */
#include "kvmtrap.bpf.h"
#include "ratelimit.h"

#define NSEC_PER_SEC	1000000000ULL

const volatile __u64 vcpu_burst = 100;
const volatile __u64 vcpu_rate = 1000;
const volatile __u64 vm_burst = 0;
const volatile __u64 vm_rate = 0;
const volatile enum kvm_trap_verdict verdict = KVM_TRAP_DENY;
const volatile __u64 func_first = 0;
const volatile __u64 func_last = ~0ULL;

/*
 * A bucket holds "credit" in nanoseconds of refill time: a token costs
 * NSEC_PER_SEC / rate of it, so refilling is adding the time elapsed,
 * with no division on the hot path beyond the cost.  Without a rate a
 * token costs 1 and nothing refills.
 */
struct rl_bucket {
	struct bpf_spin_lock lock;
	__u32 full;		/* 0 before the first call: then full */
	__u64 credit;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RATELIMIT_MAX_VCPUS + 1);
	__type(key, __u32);
	__type(value, struct rl_bucket);
} rl_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RATELIMIT_MAX_VCPUS + 1);
	__type(key, __u32);
	__type(value, struct ratelimit_count);
} rl_counts SEC(".maps");

static __always_inline __u64 token_cost(__u64 rate)
{
	/* More than one token per ns is no limit worth the name: cap it. */
	if (!rate || rate >= NSEC_PER_SEC)
		return 1;
	return NSEC_PER_SEC / rate;
}

/*
 * The credit of a full bucket, burst * cost.  Saturated: a burst of
 * 2^55 tokens at 1 per second would wrap to 0, a bucket that never holds
 * a token; one too large to count in nanoseconds is as good as no limit.
 */
static __always_inline __u64 bucket_cap(__u64 burst, __u64 cost)
{
	__u64 max_burst = ~0ULL / cost;

	/* Else clang folds the test into a 128-bit multiply BPF lacks. */
	barrier_var(max_burst);
	return burst > max_burst ? ~0ULL : burst * cost;
}

/*
 * Take a token from bucket @slot (just look when @query).  True when
 * there was one.
 */
static __always_inline bool take(__u32 slot, __u64 burst, __u64 rate,
				 __u64 now, bool query)
{
	__u64 cost = token_cost(rate), cap = bucket_cap(burst, cost);
	__u64 credit, room;
	struct rl_bucket *b;
	bool ok;

	b = bpf_map_lookup_elem(&rl_buckets, &slot);
	if (!b)
		return true;
	bpf_spin_lock(&b->lock);
	credit = b->full ? b->credit : cap;
	if (rate && b->full && now > b->last_ns) {
		room = cap > credit ? cap - credit : 0;
		credit += now - b->last_ns < room ? now - b->last_ns : room;
	}
	ok = credit >= cost;
	if (!query) {
		if (ok)
			credit -= cost;
		b->credit = credit;
		b->last_ns = now;
		b->full = 1;
	}
	bpf_spin_unlock(&b->lock);
	return ok;
}

/* Give back the token take() took from bucket @slot. */
static __always_inline void give_back(__u32 slot, __u64 burst, __u64 rate)
{
	__u64 cost = token_cost(rate), cap = bucket_cap(burst, cost);
	struct rl_bucket *b;

	b = bpf_map_lookup_elem(&rl_buckets, &slot);
	if (!b)
		return;
	bpf_spin_lock(&b->lock);
	b->credit = cap - b->credit > cost ? b->credit + cost : cap;
	bpf_spin_unlock(&b->lock);
}

static __always_inline void rl_count(__u32 slot, bool limited)
{
	struct ratelimit_count *c = bpf_map_lookup_elem(&rl_counts, &slot);

	if (!c)
		return;
	if (limited)
		__sync_fetch_and_add(&c->limited, 1);
	else
		__sync_fetch_and_add(&c->passed, 1);
}

SEC("kvm_trap")
int ratelimit(struct kvm_trap_ctx *ctx)
{
	bool query = ctx->flags & KVM_TRAP_F_QUERY;
	__u32 slot = ctx->vcpu_id % RATELIMIT_MAX_VCPUS;
	bool limited = false, took = false;
	__u64 now;

	if (ctx->func_id < func_first || ctx->func_id > func_last)
		return KVM_TRAP_PASS;
	now = bpf_ktime_get_ns();
	if (vcpu_burst) {
		limited = !take(slot, vcpu_burst, vcpu_rate, now, query);
		took = !limited && !query;
	}
	if (!limited && vm_burst) {
		limited = !take(RATELIMIT_VM_SLOT, vm_burst, vm_rate, now,
				query);
		if (limited && took)
			give_back(slot, vcpu_burst, vcpu_rate);
	}
	if (query)
		return limited ? verdict : KVM_TRAP_PASS;
	rl_count(slot, limited);
	rl_count(RATELIMIT_VM_SLOT, limited);
	if (!limited)
		return KVM_TRAP_PASS;
	return kvmtrap_emit(ctx, verdict);
}

char LICENSE[] SEC("license") = "GPL";
