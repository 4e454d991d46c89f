// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_policy.bpf.c - the configurable kvm_trap program of the kvmtrap
 * selftests.  Each loaded instance (one skeleton) is one program with its
 * own rule (struct kt_rule in .bss, changeable while linked) and its own
 * record of what it saw (struct kt_seen); instances that share the order
 * map (bpf_map__reuse_fd) record their position in a chain of links.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap_policy.h"

struct kt_rule rule;
struct kt_seen seen;

/* Programs run on this call so far, shared by the instances of a chain. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} order SEC(".maps");

/*
 * Field by field with constant offsets: the verifier takes no ctx access
 * through a pointer the compiler derived from ctx (as a loop may produce).
 */
#define COPY(f) (seen.ctx.f = ctx->f)

static __always_inline void record(const struct kvm_trap_ctx *ctx)
{
	__u32 zero = 0;
	__u64 *n;

	COPY(conduit);
	COPY(flags);
	COPY(func_id);
	COPY(imm);
	COPY(vcpu_id);
	COPY(args[0]); COPY(args[1]); COPY(args[2]); COPY(args[3]);
	COPY(args[4]); COPY(args[5]); COPY(args[6]); COPY(args[7]);
	COPY(args[8]);
	COPY(ret[0]); COPY(ret[1]); COPY(ret[2]); COPY(ret[3]); COPY(ret[4]);
	COPY(ret[5]); COPY(ret[6]); COPY(ret[7]); COPY(ret[8]); COPY(ret[9]);

	__sync_fetch_and_add(&seen.runs, 1);

	/* Only the chain tests read it, with one vCPU: no atomics needed. */
	n = bpf_map_lookup_elem(&order, &zero);
	if (n) {
		*n += 1;
		seen.order = *n;
	}
}

#define SET_RET(i) (ctx->ret[i] = rule.ret[i])

/*
 * The rule is data, so the verifier cannot know its verdicts: bound them,
 * as it insists, to what a kvm_trap program may return.
 */
static __always_inline int verdict_of(__u32 v)
{
	return v <= KVM_TRAP_UNDEF ? v : KVM_TRAP_PASS;
}

SEC("kvm_trap")
int policy(struct kvm_trap_ctx *ctx)
{
	record(ctx);

	if ((rule.match_func && ctx->func_id != rule.func_id) ||
	    (rule.match_imm && ctx->imm != rule.imm))
		return verdict_of(rule.verdict_other);

	__sync_fetch_and_add(&seen.matched, 1);
	if (rule.set_ret) {
		SET_RET(0); SET_RET(1); SET_RET(2); SET_RET(3); SET_RET(4);
		SET_RET(5); SET_RET(6); SET_RET(7); SET_RET(8); SET_RET(9);
	}
	return verdict_of(rule.verdict);
}

char LICENSE[] SEC("license") = "GPL";
