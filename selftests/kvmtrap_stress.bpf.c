// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_stress.bpf.c - the program of the torture test: each loaded
 * instance answers the stress call with constants set before loading (its
 * epoch and its VM's tag), so the guest can tell which program, of which
 * VM, answered each of its calls.  Every other call is left alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap_stress.h"

const volatile __u64 epoch;
const volatile __u64 vm_tag;

SEC("kvm_trap")
int stress_answer(struct kvm_trap_ctx *ctx)
{
	if (ctx->func_id != KT_STRESS_FUNC)
		return KVM_TRAP_PASS;
	ctx->ret[0] = 0;
	ctx->ret[1] = epoch;
	ctx->ret[2] = vm_tag;
	ctx->ret[3] = ctx->args[0] ^ KT_STRESS_ECHO;
	return KVM_TRAP_HANDLED;
}

char LICENSE[] SEC("license") = "GPL";
