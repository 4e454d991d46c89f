// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_fuzz.bpf.c - the rule-table policy of the kvmtrap fuzzer
 * (kvmtrap_fuzz.c): first matching rule of .bss wins, as the fuzzer's
 * model computes it in user space.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap_fuzz.h"

struct kf_rules rules;
/* Runs that were not dry runs (KVM_TRAP_F_QUERY), for BPF_PROG_TEST_RUN. */
__u64 runs;

SEC("kvm_trap")
int fuzz(struct kvm_trap_ctx *ctx)
{
	/*
	 * Every context field is read once at a constant offset: the
	 * verifier takes no ctx access through a pointer the compiler
	 * derived from ctx, as the loop below could produce.
	 */
	__u32 conduit = ctx->conduit;
	__u32 flags = ctx->flags;
	__u64 func_id = ctx->func_id;
	__u32 imm = ctx->imm;
	__u64 a0 = ctx->args[0], a1 = ctx->args[1], a6 = ctx->args[6];
	const struct kf_rule *r;
	__u32 i, nr = rules.nr;
	int hit = -1;

	if (!(flags & KF_F_QUERY))
		__sync_fetch_and_add(&runs, 1);

	for (i = 0; i < KF_NR_RULES; i++) {
		if (i >= nr)
			break;
		r = &rules.r[i];
		if (r->conduit && r->conduit != conduit)
			continue;
		if ((r->imm_mode == KF_IMM_EQ && imm != r->imm) ||
		    (r->imm_mode == KF_IMM_NONZERO && !imm) ||
		    (r->imm_mode == KF_IMM_ZERO && imm))
			continue;
		if (func_id < r->lo || func_id > r->hi)
			continue;
		hit = i;
		break;
	}
	if (hit < 0)
		return KVM_TRAP_PASS;

	r = &rules.r[hit & (KF_NR_RULES - 1)];
	if (r->verdict == KVM_TRAP_HANDLED) {
		__u64 m = r->mix ? ~0ull : 0;

		ctx->ret[0] = r->ret[0] ^ (func_id & m);
		ctx->ret[1] = r->ret[1] ^ (a0 & m);
		ctx->ret[2] = r->ret[2] ^ (a1 & m);
		ctx->ret[3] = r->ret[3] ^
			      (((__u64)imm | (__u64)conduit << 16 | a6 << 20) & m);
	}
	/* Data, so the verifier cannot know it: bound it to a verdict. */
	return r->verdict <= KVM_TRAP_UNDEF ? r->verdict : KVM_TRAP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
