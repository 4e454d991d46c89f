// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap-ppc-vmm: a POWER VMM that answers one PAPR hcall in the kernel
 * through a kvmtrap policy it attaches to its own VM.
 *
 * A pseries guest asks H_GET_CPU_CHARACTERISTICS (which Spectre-class
 * mitigations the machine has and wants) at boot and again from user
 * space (/sys/devices/system/cpu/vulnerabilities); KVM does not know the
 * hcall, so each one exits to the VMM, whose answer never changes.  This
 * VMM answers it itself first, then hands the same answer to the kernel:
 * it loads the bundled route_table policy with libkvmtrap, links it to its
 * VM and adds one rule, after which the guest's hcalls get the VMM's
 * values without leaving the kernel.  Every other hcall still reaches the
 * VMM, and when the VMM closes the policy the exits come back.
 *
 * The guest and the VM plumbing (a PAPR vCPU in real mode, one hcall or a
 * loop of them, then an MMIO report) are the POWER selftests' library,
 * selftests/powerpc/lib; what this file shows is the libkvmtrap part.
 *
 * usage: kvmtrap-ppc-vmm [-n CALLS]	(KVMTRAP_MODE=pr for a KVM-PR VM)
 * Exits 0 when the guest got the VMM's answer both ways and the policy
 * kept the hcalls in the kernel, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm_trap.h>

#include "libkvmtrap.h"
#include "ppc_vm.h"

#define POLICY		"/usr/lib/kvmtrap/policies/route_table.bpf.o"
#define H_SUCCESS	0
#define H_GET_CPU_CHARACTERISTICS	0x1c8
/* The VMM's answer (bits as in Linux's asm/hvcall.h, IBM bit 0 the MSB). */
#define CHAR_SPEC_BAR_ORI31	(1ull << 63)
#define CHAR_L1D_FLUSH_ORI30	(1ull << 61)
#define BEHAV_FAVOUR_SECURITY	(1ull << 63)
#define BEHAV_L1D_FLUSH_PR	(1ull << 62)
#define CHARACTERISTICS	(CHAR_SPEC_BAR_ORI31 | CHAR_L1D_FLUSH_ORI30)
#define BEHAVIOUR	(BEHAV_FAVOUR_SECURITY | BEHAV_L1D_FLUSH_PR)

static int failed;

static void expect(int ok, const char *what)
{
	if (!ok) {
		printf("kvmtrap-ppc-vmm: FAILED: %s\n", what);
		failed = 1;
	}
}

/* What the VMM does with an exit: answer this one hcall, refuse others. */
static void serve_exit(struct ppc_vcpu *vcpu, struct ppc_result *res,
		       unsigned long *exits)
{
	while (res->outcome == PPC_HCALL_EXIT) {
		struct kvm_run *run = vcpu->run;

		(*exits)++;
		if (run->papr_hcall.nr != H_GET_CPU_CHARACTERISTICS) {
			ppc_answer(vcpu, H_FUNCTION, res);
			continue;
		}
		/*
		 * KVM returns papr_hcall.ret in r3 and papr_hcall.args[] in
		 * r4..r12 when the next KVM_RUN completes the hcall.
		 */
		run->papr_hcall.args[0] = CHARACTERISTICS;
		run->papr_hcall.args[1] = BEHAVIOUR;
		ppc_answer(vcpu, H_SUCCESS, res);
	}
}

static void show(const char *how, const struct ppc_result *res,
		 unsigned long exits)
{
	printf("   guest got r3 %#llx r4 %#llx r5 %#llx (%lu exit%s to the VMM)\n",
	       (unsigned long long)res->r[0], (unsigned long long)res->r[1],
	       (unsigned long long)res->r[2], exits, exits == 1 ? "" : "s");
	expect(res->outcome == PPC_ANSWERED && res->r[0] == H_SUCCESS &&
	       res->r[1] == CHARACTERISTICS && res->r[2] == BEHAVIOUR, how);
}

/* Ask KVM where the hcall goes now, as "kvmtrap query" does. */
static void query(struct kvmtrap_vm *kvm)
{
	struct kvm_trap_query q = {
		.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL,
		.regs = { H_GET_CPU_CHARACTERISTICS },
	};
	int r = kvmtrap_query(kvm, &q);

	if (r) {
		printf("   KVM_TRAP_QUERY: %s\n", strerror(-r));
		failed = 1;
		return;
	}
	printf("   KVM_TRAP_QUERY: stage %s, verdict %s\n",
	       kvmtrap_stage_name(q.stage), kvmtrap_verdict_name(q.verdict));
}

int main(int argc, char **argv)
{
	struct ppc_call c = ppc_hcall(H_GET_CPU_CHARACTERISTICS, 0);
	struct route_rule rule = {
		.key = {
			.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL,
			.first = H_GET_CPU_CHARACTERISTICS,
			.last = H_GET_CPU_CHARACTERISTICS,
		},
		.val.verdict = KVM_TRAP_HANDLED,
		.val.ret = { H_SUCCESS, CHARACTERISTICS, BEHAVIOUR },
	};
	unsigned long exits;
	uint64_t calls = 1000;
	struct kvmtrap_policy *policy;
	char name[KVMTRAP_VM_NAME_LEN];
	struct kvmtrap_vm *kvm;
	struct ppc_result res;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int opt, r, link_fd = -1;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || kvmtrap_parse_u64(optarg, 1000000, &calls) ||
		    !calls) {
			fprintf(stderr, "usage: kvmtrap-ppc-vmm [-n CALLS (1..1000000)]\n");
			return 2;
		}
	}

	vm = ppc_vm_create(ppc_kvm_type());
	vcpu = ppc_vcpu_add(vm);
	r = kvmtrap_vm_open(vm->fd, &kvm);
	if (r) {
		fprintf(stderr, "kvmtrap-ppc-vmm: kvmtrap_vm_open: %s\n", strerror(-r));
		return 1;
	}
	snprintf(name, sizeof(name), "%s", kvmtrap_vm_name(kvm));
	printf("kvmtrap-ppc-vmm: %s VM %s; the guest calls H_GET_CPU_CHARACTERISTICS (%#x)\n",
	       ppc_kvm_name(vm->type), name, H_GET_CPU_CHARACTERISTICS);

	printf("1. no policy: KVM does not know the hcall, the VMM answers it\n");
	query(kvm);
	exits = 0;
	ppc_call(vcpu, &c, &res);
	serve_exit(vcpu, &res, &exits);
	show("the VMM's answer", &res, exits);
	expect(exits == 1, "one exit without a policy");

	printf("2. the VMM links %s to its VM and adds a rule with its answer\n",
	       POLICY);
	/* Load it for this VM, link it (the link is ours: not pinned). */
	r = kvmtrap_policy_open(POLICY, &policy);
	if (!r)
		r = kvmtrap_policy_load(policy, kvm);
	if (!r)
		r = link_fd = kvmtrap_policy_attach(policy, kvm);
	if (r >= 0)
		r = kvmtrap_rule_add(kvmtrap_policy_rules_fd(policy), &rule);
	if (r) {
		fprintf(stderr, "kvmtrap-ppc-vmm: %s: %s\n", POLICY, strerror(-r));
		return 1;
	}
	query(kvm);
	exits = 0;
	ppc_call(vcpu, &c, &res);
	serve_exit(vcpu, &res, &exits);
	show("the policy's answer", &res, exits);
	expect(exits == 0, "no exit with the policy");
	ppc_call_loop(vcpu, &c, calls, &res);
	serve_exit(vcpu, &res, &exits);
	printf("   %llu more in a loop:\n", (unsigned long long)calls);
	show("the policy's answers in a loop", &res, exits);
	expect(exits == 0, "no exit in the loop");

	printf("3. the VMM closes the policy: the hcall exits to it again\n");
	close(link_fd);
	kvmtrap_policy_close(policy);
	query(kvm);
	exits = 0;
	ppc_call(vcpu, &c, &res);
	serve_exit(vcpu, &res, &exits);
	show("the VMM's answer again", &res, exits);
	expect(exits == 1, "one exit after the policy is gone");

	kvmtrap_vm_close(kvm);
	ppc_vm_free(vm);
	/* The VM's handled-call list, pinned by the load. */
	r = kvmtrap_vm_cleanup(name);
	expect(!r, "kvmtrap_vm_cleanup");
	printf("kvmtrap-ppc-vmm: %s\n", failed ? "FAILED" : "ok");
	return failed;
}
