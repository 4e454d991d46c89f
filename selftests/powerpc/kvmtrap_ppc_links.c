// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_links - links on a POWER VM while its guest makes hcalls,
 * in the KVM flavour under test ($KVMTRAP_MODE):
 *
 *  - A program linked to one VM never sees another VM's hcalls.
 *  - Attach, BPF_LINK_UPDATE and detach while a vCPU loops on an hcall:
 *    every hcall is answered by exactly one of the programs linked at
 *    that moment or, with none, by the VMM; none is lost or counted twice.
 *  - After the last detach, the hcall exits to the VMM as without kvmtrap.
 *
 * One behaviour per test_*(), one VM per test.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/kvm_trap.h>

#include "kvmtrap_policy.h"
#include "kvmtrap_policy.skel.h"
#include "kvmtrap_test.h"
#include "ppc_vm.h"

#define UNKNOWN_HCALL	0xf3f0
/* The VMM's answer to the hcalls no program took. */
#define VMM_ANSWER	0x766d6dull

static struct kvmtrap_policy *policy_load(uint64_t answer)
{
	struct kvmtrap_policy *skel = kvmtrap_policy__open_and_load();

	PPC_ASSERT(skel, "kvmtrap_policy__open_and_load");
	skel->bss->rule.verdict = KVM_TRAP_HANDLED;
	skel->bss->rule.set_ret = 1;
	skel->bss->rule.ret[0] = answer;
	return skel;
}

static struct bpf_link *attach(struct kvmtrap_policy *skel, struct ppc_vm *vm)
{
	struct bpf_link *link;

	link = bpf_program__attach_kvm_trap(skel->progs.policy, vm->fd);
	PPC_ASSERT(link, "bpf_program__attach_kvm_trap");
	return link;
}

static void test_vm_isolation(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, 0);
	struct ppc_vm *a = ppc_vm_create(ppc_kvm_type());
	struct ppc_vm *b = ppc_vm_create(ppc_kvm_type());
	struct ppc_vcpu *va = ppc_vcpu_add(a), *vb = ppc_vcpu_add(b);
	struct kvmtrap_policy *skel = policy_load(0xa);
	struct bpf_link *link = attach(skel, a);
	struct ppc_result res;

	ppc_call(vb, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	ppc_answer(vb, VMM_ANSWER, &res);
	PPC_ASSERT_EQ(res.r[0], VMM_ANSWER);
	PPC_ASSERT_EQ(skel->bss->seen.runs, 0);

	ppc_call(va, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], 0xa);
	PPC_ASSERT_EQ(skel->bss->seen.runs, 1);

	bpf_link__destroy(link);
	kvmtrap_policy__destroy(skel);
	ppc_vm_free(a);
	ppc_vm_free(b);
}

struct looper {
	struct ppc_vcpu *vcpu;
	uint64_t calls;
	volatile uint64_t vmm_exits;
	volatile int done;
};

/*
 * Wait until *@count reaches @n while the guest loops: each phase of the
 * test starts once the previous one has been seen answering hcalls.
 */
static void wait_for(volatile uint64_t *count, uint64_t n, struct looper *l,
		     const char *what)
{
	int ms;

	for (ms = 0; *count < n; ms++) {
		PPC_ASSERT(!l->done, "the guest finished before %s", what);
		PPC_ASSERT(ms < 120000, "%s: %llu of %llu after 120 s", what,
			   (unsigned long long)*count, (unsigned long long)n);
		usleep(1000);
	}
}

/* The guest loops on the hcall; the hcalls no program took exit here. */
static void *loop_vcpu(void *arg)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, 0);
	struct looper *l = arg;
	struct ppc_result res;

	ppc_call_loop(l->vcpu, &c, l->calls, &res);
	while (res.outcome == PPC_HCALL_EXIT) {
		l->vmm_exits++;
		ppc_answer(l->vcpu, VMM_ANSWER, &res);
	}
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	l->done = 1;
	return NULL;
}

static void test_attach_update_detach_while_looping(void)
{
	struct ppc_vm *vm = ppc_vm_create(ppc_kvm_type());
	struct looper l = { .vcpu = ppc_vcpu_add(vm), .calls = 4000 };
	struct kvmtrap_policy *a = policy_load(0xa), *b = policy_load(0xb);
	struct bpf_link *link;
	uint64_t answered;
	pthread_t t;

	PPC_ASSERT(!pthread_create(&t, NULL, loop_vcpu, &l), "pthread_create");
	wait_for(&l.vmm_exits, 50, &l, "exits before the attach");
	link = attach(a, vm);
	wait_for(&a->bss->seen.matched, 500, &l, "the first program");
	PPC_ASSERT(!bpf_link__update_program(link, b->progs.policy),
		   "bpf_link__update_program");
	wait_for(&b->bss->seen.matched, 500, &l, "the second program");
	bpf_link__destroy(link);
	PPC_ASSERT(!pthread_join(t, NULL), "pthread_join");

	answered = a->bss->seen.matched + b->bss->seen.matched;
	printf("# %llu hcalls: %llu by the first program, %llu by the second,"
	       " %llu by the VMM\n", (unsigned long long)l.calls,
	       (unsigned long long)a->bss->seen.matched,
	       (unsigned long long)b->bss->seen.matched,
	       (unsigned long long)l.vmm_exits);
	PPC_ASSERT(answered + l.vmm_exits == l.calls,
		   "%llu answered + %llu exits != %llu hcalls",
		   (unsigned long long)answered,
		   (unsigned long long)l.vmm_exits,
		   (unsigned long long)l.calls);
	PPC_ASSERT(a->bss->seen.matched > 0 && b->bss->seen.matched > 0,
		   "a program answered nothing");
	kvmtrap_policy__destroy(a);
	kvmtrap_policy__destroy(b);
	ppc_vm_free(vm);
}

static void test_detach_back_to_vmm(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, 0);
	struct ppc_vm *vm = ppc_vm_create(ppc_kvm_type());
	struct ppc_vcpu *v = ppc_vcpu_add(vm);
	struct kvmtrap_policy *skel = policy_load(0xa);
	struct bpf_link *link = attach(skel, vm);
	struct ppc_result res;

	ppc_call(v, &c, &res);
	PPC_ASSERT_EQ(res.r[0], 0xa);
	bpf_link__destroy(link);
	ppc_call(v, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(v->run->papr_hcall.flags, 0);
	ppc_answer(v, VMM_ANSWER, &res);
	PPC_ASSERT_EQ(res.r[0], VMM_ANSWER);
	PPC_ASSERT_EQ(skel->bss->seen.runs, 1);
	kvmtrap_policy__destroy(skel);
	ppc_vm_free(vm);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_vm_isolation),
		KVMTRAP_TEST(test_attach_update_detach_while_looping),
		KVMTRAP_TEST(test_detach_back_to_vmm),
	};

	printf("# %s\n", ppc_kvm_name(ppc_kvm_type()));
	return kvmtrap_run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
