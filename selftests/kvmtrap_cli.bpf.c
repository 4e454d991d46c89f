// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli.bpf.c - the policy the kvmtrap CLI selftests (kvmtrap_cli_*.c)
 * attach, replace, test and trace by path, as a user would:
 * /usr/libexec/kvmtrap/bpf/kvmtrap_cli.bpf.o.  One kvm_trap program, its
 * behaviour chosen with "kvmtrap ... --set KEY=VALUE" on its read-only
 * globals:
 *
 *   func_id  the call it answers with @verdict (0: every call)
 *   verdict  for that call; @other for every other call
 *   ret      on HANDLED, when not 0: ret[0..3] = ret + 0..3
 *   echo     on HANDLED, when set: ret[0..3] = func_id, x1, x2 and
 *            flags | imm << 8 | vcpu_id << 24 of the context, so that a
 *            test reads back what the program saw
 *
 * Like a real policy it enters the calls it answers in the VM's
 * handled-call list and streams every decision to "kvmtrap_events"
 * (bpf/kvmtrap.bpf.h; both skip queries).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "kvmtrap.bpf.h"

/* Zero-initialised, but explicitly: read-only data, not .bss. */
const volatile __u64 func_id = 0;
const volatile enum kvm_trap_verdict verdict = KVM_TRAP_PASS;
const volatile enum kvm_trap_verdict other = KVM_TRAP_PASS;
const volatile __u64 ret = 0;
const volatile bool echo = false;

SEC("kvm_trap")
int cli_policy(struct kvm_trap_ctx *ctx)
{
	int v = (!func_id || ctx->func_id == func_id) ? verdict : other;

	if (v != KVM_TRAP_HANDLED)
		return kvmtrap_emit(ctx, v);

	if (echo) {
		ctx->ret[0] = ctx->func_id;
		ctx->ret[1] = ctx->args[0];
		ctx->ret[2] = ctx->args[1];
		ctx->ret[3] = ctx->flags | (__u64)ctx->imm << 8 |
			      (__u64)ctx->vcpu_id << 24;
	} else if (ret) {
		ctx->ret[0] = ret;
		ctx->ret[1] = ret + 1;
		ctx->ret[2] = ret + 2;
		ctx->ret[3] = ret + 3;
	}
	kvmtrap_note_handled(ctx);
	return kvmtrap_emit(ctx, v);
}

char LICENSE[] SEC("license") = "GPL";
