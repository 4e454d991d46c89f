// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_prog_fail.bpf.c - kvm_trap programs the verifier must reject,
 * one per SEC("kvm_trap") function, plus one it must accept (ok_*) that
 * touches the edges of what is allowed.  Not a skeleton: built to
 * kvmtrap_prog_fail.bpf.o, installed in the VM's /usr/libexec/kvmtrap/bpf
 * and loaded one program at a time by kvmtrap_prog.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Allowed: read the last argument, write every return register, any size. */
SEC("kvm_trap")
int ok_edges(struct kvm_trap_ctx *ctx)
{
	ctx->ret[0] = ctx->args[8];
	ctx->ret[9] = ctx->func_id;
	*(__u32 *)&ctx->ret[1] = ctx->imm;
	*(__u8 *)&ctx->ret[2] = (__u8)ctx->conduit;
	return 1;
}

/* The guest's arguments are input only. */
SEC("kvm_trap")
int write_arg(struct kvm_trap_ctx *ctx)
{
	ctx->args[0] = 0x42;
	return 1;
}

SEC("kvm_trap")
int write_func_id(struct kvm_trap_ctx *ctx)
{
	ctx->func_id = 0x83000042;
	return 0;
}

SEC("kvm_trap")
int write_conduit(struct kvm_trap_ctx *ctx)
{
	ctx->conduit = 2;
	return 0;
}

/* The last 4 bytes before ret[]: the tail of args[8]. */
SEC("kvm_trap")
int write_arg_tail(struct kvm_trap_ctx *ctx)
{
	*(__u32 *)((char *)ctx + __builtin_offsetof(struct kvm_trap_ctx, ret) - 4) = 0;
	return 0;
}

/* Just past the end of struct kvm_trap_ctx. */
SEC("kvm_trap")
int read_oob(struct kvm_trap_ctx *ctx)
{
	return *(__u64 *)((char *)ctx + sizeof(*ctx));
}

SEC("kvm_trap")
int write_oob(struct kvm_trap_ctx *ctx)
{
	*(__u64 *)((char *)ctx + sizeof(*ctx)) = 1;
	return 0;
}

SEC("kvm_trap")
int read_negative(struct kvm_trap_ctx *ctx)
{
	return *(__u64 *)((char *)ctx - 8);
}

/* An 8-byte load at offset 4: not aligned to its size. */
SEC("kvm_trap")
int read_misaligned(struct kvm_trap_ctx *ctx)
{
	return *(__u64 *)((char *)ctx + 4);
}

/* ---- return values: only the verdicts, 0..KVM_TRAP_UNDEF ---- */

SEC("kvm_trap")
int ret_five(struct kvm_trap_ctx *ctx)
{
	return 5;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} verdict_map SEC(".maps");

/* Whatever user space stored: the verifier cannot bound it. */
SEC("kvm_trap")
int ret_map_value(struct kvm_trap_ctx *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&verdict_map, &zero);

	return v ? *v : 0;
}

SEC("kvm_trap")
int ok_map_value_bounded(struct kvm_trap_ctx *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&verdict_map, &zero);

	return v && *v <= KVM_TRAP_UNDEF ? *v : KVM_TRAP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
