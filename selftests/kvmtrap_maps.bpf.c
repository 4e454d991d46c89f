// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_maps.bpf.c - a policy that updates, on every call, maps whose
 * update takes a lock that sleeps on PREEMPT_RT (spinlock_t): an LPM trie
 * (its trie lock) and a hash map without preallocation.  Run on a trap,
 * such a program is only legal where the trap path keeps preemption on.
 * It answers HANDLED with x0 = how often it has seen the function ID.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct lpm_key {
	__u32 prefixlen;
	__u32 func_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u64);
} trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u64);
} hash SEC(".maps");

SEC("kvm_trap")
int count_calls(struct kvm_trap_ctx *ctx)
{
	struct lpm_key key = { .prefixlen = 32, .func_id = ctx->func_id };
	__u64 func = ctx->func_id, n = 1, *old;

	old = bpf_map_lookup_elem(&trie, &key);
	if (old)
		n = *old + 1;
	/* Replace rather than add in place: the update is what locks. */
	bpf_map_update_elem(&trie, &key, &n, BPF_ANY);
	bpf_map_delete_elem(&hash, &func);
	bpf_map_update_elem(&hash, &func, &n, BPF_NOEXIST);

	ctx->ret[0] = n;
	return KVM_TRAP_HANDLED;
}

char LICENSE[] SEC("license") = "GPL";
