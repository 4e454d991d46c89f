// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_bench.bpf.c - the programs `make bench` attaches: the least a
 * program can do to give each verdict, so that the benchmark measures the
 * router (context, run, sanitisation, exit) and not a policy.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("kvm_trap")
int bench_pass(struct kvm_trap_ctx *ctx)
{
	return KVM_TRAP_PASS;
}

/* Answers like a vendor "get version" call: x0 = 0, x1..x3 a version. */
SEC("kvm_trap")
int bench_handled(struct kvm_trap_ctx *ctx)
{
	ctx->ret[0] = 0;
	ctx->ret[1] = 1;
	ctx->ret[2] = 2;
	ctx->ret[3] = 3;
	return KVM_TRAP_HANDLED;
}

SEC("kvm_trap")
int bench_forward(struct kvm_trap_ctx *ctx)
{
	return KVM_TRAP_FORWARD;
}

SEC("kvm_trap")
int bench_deny(struct kvm_trap_ctx *ctx)
{
	return KVM_TRAP_DENY;
}

SEC("kvm_trap")
int bench_undef(struct kvm_trap_ctx *ctx)
{
	return KVM_TRAP_UNDEF;
}

char LICENSE[] SEC("license") = "GPL";
