// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_query - KVM_TRAP_QUERY and KVM_TRAP_NATIVE_LIST on POWER,
 * against what real hcalls of a guest get, in the KVM flavour under test
 * ($KVMTRAP_MODE):
 *
 *  - Each stage and verdict the query reports is what the guest's hcall
 *    then meets, and with KVM_TRAP_QUERY_RET, ret[] is r3..r12 exactly.
 *  - Queries count nothing (the VM's trap_bpf_* counters stay).
 *  - Calls POWER cannot make are refused with EINVAL.
 *  - The native list names exactly the hcalls KVM keeps: every other
 *    number of its windows reaches a program when a guest makes it, and
 *    the listed ones that are safe to make do not.
 *
 * One behaviour per test_*(), one VM per test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <bpf/libbpf.h>
#include <linux/kvm_trap.h>

#include "kvmtrap_policy.h"
#include "kvmtrap_policy.skel.h"
#include "kvmtrap_test.h"
#include "ppc_vm.h"

#define UNKNOWN_HCALL	0xf3f0
#define ARG_BASE	0x5555000000000000ull
#define RET_BASE	0xabcd000000000000ull
#define MAGIC		0x6b74ull

struct env {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct kvmtrap_policy *skel;
	struct bpf_link *link;
};

static void env_init(struct env *e, int verdict)
{
	int i;

	e->vm = ppc_vm_create(ppc_kvm_type());
	e->vcpu = ppc_vcpu_add(e->vm);
	e->skel = NULL;
	e->link = NULL;
	if (verdict < 0)
		return;
	e->skel = kvmtrap_policy__open_and_load();
	PPC_ASSERT(e->skel, "kvmtrap_policy__open_and_load");
	e->skel->bss->rule.verdict = verdict;
	e->skel->bss->rule.set_ret = 1;
	for (i = 0; i < KT_NR_RET; i++)
		e->skel->bss->rule.ret[i] = RET_BASE + i;
	e->skel->bss->rule.ret[0] = MAGIC;
	e->link = bpf_program__attach_kvm_trap(e->skel->progs.policy,
					       e->vm->fd);
	PPC_ASSERT(e->link, "bpf_program__attach_kvm_trap");
}

static void env_free(struct env *e)
{
	bpf_link__destroy(e->link);
	kvmtrap_policy__destroy(e->skel);
	ppc_vm_free(e->vm);
}

static struct kvm_trap_query query_of(const struct ppc_call *c)
{
	struct kvm_trap_query q = { .conduit = KVM_TRAP_CONDUIT_PAPR_HCALL };

	memcpy(q.regs, c->r, sizeof(c->r));
	return q;
}

static struct kvm_trap_query query(struct ppc_vm *vm, const struct ppc_call *c)
{
	struct kvm_trap_query q = query_of(c);

	PPC_ASSERT(!ioctl(vm->fd, KVM_TRAP_QUERY, &q), "KVM_TRAP_QUERY %#llx",
		   (unsigned long long)c->r[0]);
	return q;
}

static void assert_stage(const struct kvm_trap_query *q, uint32_t stage,
			 uint32_t verdict, uint32_t out_flags)
{
	PPC_ASSERT(q->stage == stage && q->verdict == verdict &&
		   q->out_flags == out_flags,
		   "stage %u verdict %u out_flags %#x, want %u %u %#x",
		   q->stage, q->verdict, q->out_flags, stage, verdict,
		   out_flags);
}

/* With KVM_TRAP_QUERY_RET, the guest gets ret[] in r3..r12. */
static void assert_guest_got(const struct kvm_trap_query *q,
			     const struct ppc_result *res)
{
	int i;

	PPC_ASSERT_EQ(res->outcome, PPC_ANSWERED);
	for (i = 0; i < KVM_TRAP_QUERY_NR_REGS; i++)
		PPC_ASSERT(res->r[i] == q->ret[i], "r%d = %#llx, query %#llx",
			   3 + i, (unsigned long long)res->r[i],
			   (unsigned long long)q->ret[i]);
}

static void test_query_bpf_handled_is_guest(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct kvm_trap_query q;
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_HANDLED);
	q = query(e.vm, &c);
	assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_HANDLED,
		     KVM_TRAP_QUERY_RET);
	PPC_ASSERT(q.link_id && q.prog_id, "no link or program id");
	ppc_call(e.vcpu, &c, &res);
	assert_guest_got(&q, &res);
	env_free(&e);
}

static void test_query_bpf_deny_is_guest(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct kvm_trap_query q;
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_DENY);
	q = query(e.vm, &c);
	assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_DENY, KVM_TRAP_QUERY_RET);
	PPC_ASSERT_EQ(q.ret[0], (uint64_t)H_FUNCTION);
	ppc_call(e.vcpu, &c, &res);
	assert_guest_got(&q, &res);
	env_free(&e);
}

static void test_query_bpf_undef_is_guest(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct kvm_trap_query q;
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_UNDEF);
	q = query(e.vm, &c);
	assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_UNDEF, 0);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_INTERRUPT);
	PPC_ASSERT_EQ(res.vector, 0x700);
	env_free(&e);
}

static void test_query_bpf_forward_is_guest(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct kvm_trap_query q;
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_FORWARD);
	q = query(e.vm, &c);
	assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_FORWARD, 0);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, KVM_PAPR_HCALL_EXIT_BPF);
	env_free(&e);
}

static void test_query_default_is_exit(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct kvm_trap_query q;
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_PASS);
	q = query(e.vm, &c);
	assert_stage(&q, KVM_TRAP_STAGE_DEFAULT, KVM_TRAP_FORWARD, 0);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, 0);
	env_free(&e);
}

/* An hcall the flavour answers at once, enabled by default. */
static struct ppc_call native_call(void)
{
	struct ppc_call c = ppc_hcall(H_PROD, 0);
	int i;

	for (i = 1; i < 10; i++)
		c.r[i] = 0;
	if (ppc_kvm_type() == PPC_KVM_PR) {
		c.r[0] = H_SET_MODE;
		c.r[2] = 3;	/* H_SET_MODE_RESOURCE_ADDR_TRANS_MODE */
	}
	return c;
}

static void test_query_native_is_guest(void)
{
	struct ppc_call c = native_call();
	struct kvm_trap_query q;
	struct ppc_result res;
	struct env e;

	env_init(&e, KVM_TRAP_HANDLED);
	q = query(e.vm, &c);
	assert_stage(&q, KVM_TRAP_STAGE_NATIVE, KVM_TRAP_HANDLED,
		     ppc_kvm_type() == PPC_KVM_PR ? KVM_TRAP_QUERY_PUNT : 0);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], H_SUCCESS);
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 0);

	/* Disabled for the VM, it is the programs'. */
	ppc_vm_enable_hcall(e.vm, c.r[0], false);
	q = query(e.vm, &c);
	assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_HANDLED,
		     KVM_TRAP_QUERY_RET);
	ppc_call(e.vcpu, &c, &res);
	assert_guest_got(&q, &res);
	env_free(&e);
}

static uint64_t fdinfo_sum(struct ppc_vm *vm)
{
	char path[64], line[256];
	unsigned long long v, sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm->fd);
	f = fopen(path, "r");
	PPC_ASSERT(f, "open %s", path);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "trap_bpf_%*[a-z_]: %llu", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

static void test_query_counts_nothing(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct env e;
	int i;

	env_init(&e, KVM_TRAP_HANDLED);
	for (i = 0; i < 5; i++)
		query(e.vm, &c);
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 5);
	PPC_ASSERT(e.skel->bss->seen.ctx.flags & KVM_TRAP_F_QUERY,
		   "flags %#x", e.skel->bss->seen.ctx.flags);
	PPC_ASSERT_EQ(fdinfo_sum(e.vm), 0);
	env_free(&e);
}

static void test_query_einval(void)
{
	struct ppc_call c = ppc_hcall(UNKNOWN_HCALL, ARG_BASE);
	struct kvm_trap_query q;
	struct env e;

	env_init(&e, -1);
	q = query_of(&c);
	q.conduit = KVM_TRAP_CONDUIT_HVC;
	PPC_ASSERT(ioctl(e.vm->fd, KVM_TRAP_QUERY, &q) && errno == EINVAL,
		   "an HVC conduit on POWER");
	q = query_of(&c);
	q.imm = 1;
	PPC_ASSERT(ioctl(e.vm->fd, KVM_TRAP_QUERY, &q) && errno == EINVAL,
		   "an immediate");
	q = query_of(&c);
	q.flags = 2;
	PPC_ASSERT(ioctl(e.vm->fd, KVM_TRAP_QUERY, &q) && errno == EINVAL,
		   "unknown flags");
	q = query_of(&c);
	q.ret[9] = 1;
	PPC_ASSERT(ioctl(e.vm->fd, KVM_TRAP_QUERY, &q) && errno == EINVAL,
		   "an out field not zero");
	env_free(&e);
}

static struct kvm_trap_native_list *native_list(struct ppc_vm *vm)
{
	struct kvm_trap_native_list hdr = { 0 }, *l;

	PPC_ASSERT(ioctl(vm->fd, KVM_TRAP_NATIVE_LIST, &hdr) && errno == E2BIG,
		   "KVM_TRAP_NATIVE_LIST with no room");
	l = calloc(1, sizeof(*l) + hdr.nr * sizeof(l->ranges[0]));
	PPC_ASSERT(l, "calloc");
	l->nr = hdr.nr;
	PPC_ASSERT(!ioctl(vm->fd, KVM_TRAP_NATIVE_LIST, l),
		   "KVM_TRAP_NATIVE_LIST");
	PPC_ASSERT_EQ(l->nr, hdr.nr);
	return l;
}

static bool listed(const struct kvm_trap_native_list *l, uint64_t nr)
{
	uint32_t i;

	for (i = 0; i < l->nr; i++)
		if (nr >= l->ranges[i].first && nr <= l->ranges[i].last &&
		    !((nr - l->ranges[i].first) % 4))
			return true;
	return false;
}

/* The windows KVM_TRAP_NATIVE_LIST looks at (kvm-trap-api.rst 13.5). */
static const struct { uint64_t first, last; } windows[] = {
	{ 0x4, 0x488 }, { 0xef00, 0xeffc }, { 0xf000, 0xf0fc },
	{ 0xf800, 0xf8fc },
};

static void test_native_list_sorted_in_windows(void)
{
	struct kvm_trap_native_list *l;
	struct env e;
	uint32_t i;

	env_init(&e, -1);
	l = native_list(e.vm);
	PPC_ASSERT(l->nr > 0, "an empty native list");
	for (i = 0; i < l->nr; i++) {
		const struct kvm_trap_range *r = &l->ranges[i];

		printf("# %#llx..%#llx%s\n", (unsigned long long)r->first,
		       (unsigned long long)r->last,
		       r->flags & KVM_TRAP_RANGE_PUNT ? " punt" : "");
		PPC_ASSERT_EQ(r->conduit, KVM_TRAP_CONDUIT_PAPR_HCALL);
		PPC_ASSERT(!(r->flags & ~KVM_TRAP_RANGE_PUNT), "flags %#x",
			   r->flags);
		PPC_ASSERT(r->first <= r->last && !(r->first % 4) &&
			   !(r->last % 4), "range %#llx..%#llx",
			   (unsigned long long)r->first,
			   (unsigned long long)r->last);
		PPC_ASSERT(!i || l->ranges[i - 1].last < r->first,
			   "ranges overlap or are not sorted");
	}
	free(l);
	env_free(&e);
}

/* Every number of the windows that is not listed reaches the program. */
static void test_native_list_unlisted_reach_programs(void)
{
	struct kvm_trap_native_list *l;
	struct ppc_result res;
	struct ppc_call c;
	uint64_t nr, calls = 0;
	struct env e;
	unsigned int w;

	env_init(&e, KVM_TRAP_HANDLED);
	l = native_list(e.vm);
	for (w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		for (nr = windows[w].first; nr <= windows[w].last; nr += 4) {
			if (listed(l, nr))
				continue;
			c = ppc_hcall(nr, ARG_BASE);
			ppc_call(e.vcpu, &c, &res);
			PPC_ASSERT(res.outcome == PPC_ANSWERED &&
				   res.r[0] == MAGIC,
				   "hcall %#llx: outcome %d r3 %#llx",
				   (unsigned long long)nr, res.outcome,
				   (unsigned long long)res.r[0]);
			calls++;
		}
	}
	PPC_ASSERT_EQ(e.skel->bss->seen.matched, calls);
	printf("# %llu unlisted hcall numbers, all offered\n",
	       (unsigned long long)calls);
	free(l);
	env_free(&e);
}

/*
 * The listed hcalls that change nothing a test relies on when made with
 * these arguments: KVM keeps them (an answer or an exit to the VMM), the
 * program never sees them.
 */
static const struct { uint64_t nr, r4, r5; } harmless[] = {
	{ H_PROD, 0x7fffffff, 0 },	/* no such vCPU */
	{ H_SET_DABR, 0, 0 },
	{ H_SET_XDABR, 0, 0 },
	{ H_RANDOM, 0, 0 },
	{ H_SET_MODE, 0, 3 },		/* address translation mode 0 */
	{ H_LOGICAL_CI_LOAD, 0, 0 },	/* size 0: a parameter error */
	{ H_CPPR, 0xff, 0 },
	{ H_SVM_INIT_ABORT, 0, 0 },	/* not a secure VM */
	{ H_ENTER_NESTED, 0, 0 },	/* nesting off for the VM */
	{ H_TLB_INVALIDATE, 0, 0 },	/* nesting off for the VM */
};

static void test_native_list_listed_stay_kvms(void)
{
	struct kvm_trap_native_list *l;
	struct ppc_result res;
	struct ppc_call c;
	unsigned int i, n = 0;
	struct env e;

	env_init(&e, KVM_TRAP_HANDLED);
	/* H_RANDOM is KVM's only once enabled, where it is implemented. */
	{
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_PPC_ENABLE_HCALL,
			.args = { H_RANDOM, 1 },
		};

		ioctl(e.vm->fd, KVM_ENABLE_CAP, &cap);
	}
	l = native_list(e.vm);
	for (i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++) {
		if (!listed(l, harmless[i].nr))
			continue;
		c = ppc_hcall(harmless[i].nr, 0);
		memset(&c.r[1], 0, sizeof(c.r) - sizeof(c.r[0]));
		c.r[1] = harmless[i].r4;
		c.r[2] = harmless[i].r5;
		ppc_call(e.vcpu, &c, &res);
		if (res.outcome == PPC_HCALL_EXIT)
			ppc_answer(e.vcpu, 0, &res);
		PPC_ASSERT(res.outcome == PPC_ANSWERED && res.r[0] != MAGIC,
			   "hcall %#llx: outcome %d r3 %#llx",
			   (unsigned long long)c.r[0], res.outcome,
			   (unsigned long long)res.r[0]);
		n++;
	}
	PPC_ASSERT(n >= 1, "no harmless hcall is listed");
	PPC_ASSERT_EQ(e.skel->bss->seen.runs, 0);
	printf("# %u listed hcalls made, none offered\n", n);
	free(l);
	env_free(&e);
}

/* KVM_CAP_PPC_ENABLE_HCALL moves an hcall in and out of the list. */
static void test_native_list_follows_enable_bitmap(void)
{
	struct ppc_call c = native_call();
	struct kvm_trap_native_list *l;
	struct env e;

	env_init(&e, -1);
	l = native_list(e.vm);
	PPC_ASSERT(listed(l, c.r[0]), "%#llx not listed",
		   (unsigned long long)c.r[0]);
	free(l);
	ppc_vm_enable_hcall(e.vm, c.r[0], false);
	l = native_list(e.vm);
	PPC_ASSERT(!listed(l, c.r[0]), "%#llx still listed",
		   (unsigned long long)c.r[0]);
	free(l);
	env_free(&e);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_query_bpf_handled_is_guest),
		KVMTRAP_TEST(test_query_bpf_deny_is_guest),
		KVMTRAP_TEST(test_query_bpf_undef_is_guest),
		KVMTRAP_TEST(test_query_bpf_forward_is_guest),
		KVMTRAP_TEST(test_query_default_is_exit),
		KVMTRAP_TEST(test_query_native_is_guest),
		KVMTRAP_TEST(test_query_counts_nothing),
		KVMTRAP_TEST(test_query_einval),
		KVMTRAP_TEST(test_native_list_sorted_in_windows),
		KVMTRAP_TEST(test_native_list_unlisted_reach_programs),
		KVMTRAP_TEST(test_native_list_listed_stay_kvms),
		KVMTRAP_TEST(test_native_list_follows_enable_bitmap),
	};

	printf("# %s\n", ppc_kvm_name(ppc_kvm_type()));
	return kvmtrap_run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
