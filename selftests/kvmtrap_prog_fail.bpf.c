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

/* Into ret[0], but 4 bytes at offset 2: not aligned to its size. */
SEC("kvm_trap")
int write_ret_misaligned(struct kvm_trap_ctx *ctx)
{
	/* In asm: clang would move the context pointer first. */
	asm volatile("r2 = 1;"
		     "*(u32 *)(r1 + 98) = r2;"
		     ::: "r2", "memory");
	return 1;
}

/* The context is not memory a program may update atomically. */
SEC("kvm_trap")
int atomic_ret(struct kvm_trap_ctx *ctx)
{
	__sync_fetch_and_add(&ctx->ret[0], 1);
	return 1;
}

/*
 * The context pointer moved by a constant: every access must be at a
 * fixed offset from the context itself, so the verifier can check it.
 */
SEC("kvm_trap")
int ctx_ptr_moved(struct kvm_trap_ctx *ctx)
{
	asm volatile("r1 += 96;"
		     "r2 = 1;"
		     "*(u64 *)(r1 + 0) = r2;"
		     ::: "r1", "r2", "memory");
	return 1;
}

/* ... or by what the guest passed: which ret[] it writes is unknown. */
SEC("kvm_trap")
int ctx_var_offset(struct kvm_trap_ctx *ctx)
{
	asm volatile("r2 = *(u64 *)(r1 + 24);"
		     "r2 &= 0x38;"
		     "r1 += r2;"
		     "r3 = 1;"
		     "*(u64 *)(r1 + 96) = r3;"
		     ::: "r1", "r2", "r3", "memory");
	return 1;
}

/* A helper of tracing programs, not of this type (nor the base set). */
SEC("kvm_trap")
int helper_send_signal(struct kvm_trap_ctx *ctx)
{
	bpf_send_signal(9);
	return 1;
}

/*
 * A kernel address in a return register, which the guest would read.
 * The verifier lets only loaders with CAP_PERFMON (or CAP_SYS_ADMIN)
 * leak pointers (allow_ptr_leaks); without it this is rejected.
 */
SEC("kvm_trap")
int ptr_in_ret(struct kvm_trap_ctx *ctx)
{
	ctx->ret[1] = (__u64)ctx;
	return 1;
}

/* Tail calls stay within the type: the prog array takes only kvm_trap. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jmp_table SEC(".maps");

SEC("kvm_trap")
int ok_tail_call(struct kvm_trap_ctx *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 0);
	return 0;
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
