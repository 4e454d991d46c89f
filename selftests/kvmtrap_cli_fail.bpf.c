// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_fail.bpf.c - a policy object the verifier rejects, for the
 * kvmtrap CLI selftests: exactly one kvm_trap program (so that libkvmtrap
 * opens it and the failure comes from the kernel at load time), which
 * writes a guest argument, a read-only part of the context ("invalid
 * bpf_context access").  It has the maps of bpf/kvmtrap.bpf.h like any
 * policy, so that loading it for a VM creates the VM's handled-call list,
 * which the failed attach must take back.  Installed in the VM as
 * /usr/libexec/kvmtrap/bpf/kvmtrap_cli_fail.bpf.o; no skeleton.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap.bpf.h"

SEC("kvm_trap")
int cli_write_arg(struct kvm_trap_ctx *ctx)
{
	ctx->args[0] = 0x42;
	kvmtrap_note_handled(ctx);
	return kvmtrap_emit(ctx, KVM_TRAP_HANDLED);
}

char LICENSE[] SEC("license") = "GPL";
