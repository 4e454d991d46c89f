// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_fp - the VMM's floating-point and vector registers across
 * KVM_RUN, in the KVM flavour under test ($KVMTRAP_MODE).
 *
 * A VMM that kept values in non-volatile floating-point registers across
 * KVM_RUN under nested KVM-HV was once seen to get them back as nan/inf.
 * These tests keep known values in f14..f31 and v20..v31 (ppc_fp_probe.S)
 * over many KVM_RUNs whose guest loads other values into the same
 * registers and exits with an hcall each time, with and without a
 * kvmtrap program (the FORWARD exit and the PASS one), and compare.
 * More than 255 runs: the kernel stops restoring the FP and vector state
 * eagerly on return to user space after 255 (load_fp, load_vec wrap),
 * which is where a lost restore would show.
 *
 * The last test makes the vCPU thread be scheduled out inside KVM_RUN:
 * a busy thread shares its CPU, and each KVM_RUN keeps the guest making
 * hcalls a program answers in the kernel, so that timer ticks land in the
 * run loop.  Switching back in, the kernel reloads the task's FP/VMX
 * registers (restore_math()); KVM-HV then loaded the guest's over them
 * and the VMM got the guest's values back (fixed by
 * kernel/fixes/0001-kvm-ppc-hv-fp-user-state.patch).
 *
 * Every test sets the guest's MSR[FP] with KVM_SET_REGS before its runs.
 * KVM-PR preloaded the guest's FPRs from there, outside KVM_RUN, into the
 * VMM thread's live registers; the VMM's f14..f31 then came back from
 * KVM_RUN as the guest's zeros (fixed by
 * kernel/fixes/0002-kvm-ppc-pr-fp-preload-in-run.patch).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <linux/kvm_trap.h>

#include "kvmtrap_policy.h"
#include "kvmtrap_policy.skel.h"
#include "kvmtrap_test.h"
#include "ppc_vm.h"

#define UNKNOWN_HCALL	0xf3f0
#define RUNS		1000
/* Where the guest finds its own values, in guest memory. */
#define GUEST_FP_GPA	0x10000

static void fill(uint64_t *w, uint64_t seed)
{
	int i;

	/* Finite doubles, none alike, none a nan or inf pattern. */
	for (i = 0; i < PPC_FP_PROBE_WORDS; i++)
		w[i] = 0x4000000000000000ull | (seed << 32) | (i * 0x01010101u);
}

static void check_probe(struct ppc_vcpu *vcpu, unsigned long runs,
			uint64_t hcalls_per_run)
{
	uint64_t in[PPC_FP_PROBE_WORDS] __attribute__((aligned(16)));
	uint64_t out[PPC_FP_PROBE_WORDS] __attribute__((aligned(16)));
	struct kvm_regs regs;
	long r;
	int i, bad = 0;

	fill(in, 0x1234);
	memset(out, 0, sizeof(out));
	/* The guest's values differ from the VMM's in every register. */
	fill((uint64_t *)((char *)vcpu->vm->mem + GUEST_FP_GPA), 0x9876);

	ppc_get_regs(vcpu, &regs);
	regs.pc = PPC_GUEST_FP;
	regs.msr = PPC_MSR_SF | PPC_MSR_ME | PPC_MSR_RI | PPC_MSR_LE |
		   PPC_MSR_FP | PPC_MSR_VEC | PPC_MSR_VSX;
	regs.gpr[17] = UNKNOWN_HCALL;
	regs.gpr[28] = GUEST_FP_GPA;
	regs.gpr[29] = hcalls_per_run;
	regs.gpr[31] = PPC_MMIO_REPORT;
	ppc_set_regs(vcpu, &regs);

	r = ppc_fp_probe(vcpu->fd, runs, in, out, KVM_RUN);
	PPC_ASSERT(r == 0, "KVM_RUN failed: %ld", r);
	PPC_ASSERT(vcpu->run->exit_reason == KVM_EXIT_PAPR_HCALL ||
		   vcpu->run->exit_reason == KVM_EXIT_MMIO,
		   "exit reason %u", vcpu->run->exit_reason);
	for (i = 0; i < PPC_FP_PROBE_WORDS; i++) {
		if (in[i] == out[i])
			continue;
		printf("# %s%d%s: %#018llx, was %#018llx\n",
		       i < 18 ? "f" : "v", i < 18 ? 14 + i : 20 + (i - 18) / 2,
		       i < 18 ? "" : ((i - 18) % 2 ? " (high)" : " (low)"),
		       (unsigned long long)out[i], (unsigned long long)in[i]);
		bad++;
	}
	PPC_ASSERT(!bad, "%d of %d doublewords changed across %lu KVM_RUNs",
		   bad, PPC_FP_PROBE_WORDS, runs);
}

static void test_fp_vmx_kept_no_program(void)
{
	struct ppc_vm *vm = ppc_vm_create(ppc_kvm_type());

	check_probe(ppc_vcpu_add(vm), RUNS, 0);
	ppc_vm_free(vm);
}

static void test_fp_vmx_kept_forward(void)
{
	struct ppc_vm *vm = ppc_vm_create(ppc_kvm_type());
	struct ppc_vcpu *vcpu = ppc_vcpu_add(vm);
	struct kvmtrap_policy *skel = kvmtrap_policy__open_and_load();
	struct bpf_link *link;

	PPC_ASSERT(skel, "kvmtrap_policy__open_and_load");
	skel->bss->rule.verdict = KVM_TRAP_FORWARD;
	link = bpf_program__attach_kvm_trap(skel->progs.policy, vm->fd);
	PPC_ASSERT(link, "bpf_program__attach_kvm_trap");
	check_probe(vcpu, RUNS, 0);
	/* Each hcall is one KVM_RUN, the report after it another. */
	PPC_ASSERT(skel->bss->seen.runs >= RUNS / 2, "the program ran %llu times",
		   (unsigned long long)skel->bss->seen.runs);
	bpf_link__destroy(link);
	kvmtrap_policy__destroy(skel);
	ppc_vm_free(vm);
}

static volatile int spin_stop;

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	PPC_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "sched_setaffinity");
}

static void *spin(void *arg)
{
	pin_to_cpu0();
	while (!spin_stop)
		;
	return NULL;
}

/* HANDLED in the kernel, 200 hcalls per KVM_RUN, a busy thread alongside. */
static void test_fp_vmx_kept_rescheduled(void)
{
	struct ppc_vm *vm = ppc_vm_create(ppc_kvm_type());
	struct ppc_vcpu *vcpu = ppc_vcpu_add(vm);
	struct kvmtrap_policy *skel = kvmtrap_policy__open_and_load();
	struct bpf_link *link;
	pthread_t t;

	PPC_ASSERT(skel, "kvmtrap_policy__open_and_load");
	skel->bss->rule.verdict = KVM_TRAP_HANDLED;
	link = bpf_program__attach_kvm_trap(skel->progs.policy, vm->fd);
	PPC_ASSERT(link, "bpf_program__attach_kvm_trap");
	pin_to_cpu0();
	PPC_ASSERT(!pthread_create(&t, NULL, spin, NULL), "pthread_create");
	check_probe(vcpu, 300, 200);
	spin_stop = 1;
	PPC_ASSERT(!pthread_join(t, NULL), "pthread_join");
	PPC_ASSERT(skel->bss->seen.runs >= 300 * 200, "the program ran %llu times",
		   (unsigned long long)skel->bss->seen.runs);
	bpf_link__destroy(link);
	kvmtrap_policy__destroy(skel);
	ppc_vm_free(vm);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_fp_vmx_kept_no_program),
		KVMTRAP_TEST(test_fp_vmx_kept_forward),
		KVMTRAP_TEST(test_fp_vmx_kept_rescheduled),
	};

	printf("# %s\n", ppc_kvm_name(ppc_kvm_type()));
	return kvmtrap_run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
