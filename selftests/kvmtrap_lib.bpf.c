// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_lib.bpf.c - the policy the libkvmtrap selftests load by path
 * (/usr/libexec/kvmtrap/bpf/kvmtrap_lib.bpf.o) and configure with
 * kvmtrap_policy_set(): one read-only global per kind of variable the
 * library can set, each visible in what the program answers.
 *
 * A call to @func_id (any call when 0) gets @verdict; with HANDLED, x0..x3
 * are @ret0 + @delta, @small, @tag[0] and @flag, and the call is counted
 * in the VM's handled-call list (kvmtrap_note_handled()).  Other calls
 * pass.  @reject makes the verifier refuse the program: with the default
 * 0 the branch is dead code, removed before verification.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap.bpf.h"

const volatile enum kvm_trap_verdict verdict = KVM_TRAP_PASS;
const volatile __u64 func_id;
const volatile __u64 ret0;
const volatile __s32 delta;
const volatile __u8 small;
const volatile bool flag;
const volatile char tag[8];
const volatile __u32 reject;

/* Not read-only: kvmtrap_policy_set() must not find it. */
__u64 runs;

SEC("kvm_trap")
int lib_policy(struct kvm_trap_ctx *ctx)
{
	__sync_fetch_and_add(&runs, 1);
	if (reject)
		ctx->func_id = 0;	/* only ret[] is writable */
	if (func_id && ctx->func_id != func_id)
		return KVM_TRAP_PASS;
	if (verdict != KVM_TRAP_HANDLED)
		return verdict;
	ctx->ret[0] = ret0 + delta;
	ctx->ret[1] = small;
	ctx->ret[2] = tag[0];
	ctx->ret[3] = flag;
	return kvmtrap_note_handled(ctx);
}

char LICENSE[] SEC("license") = "GPL";
